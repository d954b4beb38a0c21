"""Numbers about an export document that several reports show."""

from __future__ import annotations

from collections import Counter
from typing import Any


def outlet_counts(document: dict[str, Any]) -> list[tuple[str, int]]:
    counts = Counter(a["outlet"] or "unknown" for a in document["articles"])
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def language_counts(document: dict[str, Any]) -> list[tuple[str, int]]:
    counts = Counter(a["lang"] or "unknown" for a in document["articles"])
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
