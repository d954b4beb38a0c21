"""Small helpers the flag detectors share: naming articles for a reader, spans, wording."""

from __future__ import annotations

from typing import Any

from dossier.link.quotes import normalize_quote


def outlet(article: dict[str, Any]) -> str:
    """How a message names an article: its outlet, else its source file."""
    return article.get("outlet_name") or article.get("outlet") or article.get("source") or article["id"]


def outlets(articles: list[dict[str, Any]], limit: int = 4) -> str:
    """"Northwire, Valley Tribune and 3 more": distinct outlet names in order."""
    names = list(dict.fromkeys(outlet(a) for a in articles))
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def span(article: str, start: int | None, end: int | None) -> list[dict[str, Any]]:
    """One evidence span, or none when the span is unknown or empty."""
    if start is None or end is None or end <= start:
        return []
    return [{"article": article, "start": start, "end": end}]


def words(text: str) -> list[str]:
    """The words of a wording as quote merging compares them (case, accents, punctuation dropped)."""
    return normalize_quote(text).split()


def short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in document.get("articles", [])}
