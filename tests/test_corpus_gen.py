"""bench/corpus_gen.py: the generated corpus's days span what --days says (a denser corpus at the same size)."""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path

from conftest import needs_shared

REPO = Path(__file__).resolve().parents[1]


def _days(folder: Path) -> list[date]:
    return [date.fromisoformat(json.loads(line)["published"])
            for shard in sorted(folder.glob("shard-*.jsonl")) for line in shard.read_text(encoding="utf-8").splitlines()]


@needs_shared
def test_fewer_days_give_the_same_articles_on_fewer_days(tmp_path):
    sys.path.insert(0, str(REPO / "bench"))
    import corpus_gen

    wide = corpus_gen.generate(tmp_path / "wide", 300, seed=5)
    dense = corpus_gen.generate(tmp_path / "dense", 300, seed=5, days=12)
    first = date(2024, 1, 1)
    dense_days = _days(tmp_path / "dense")
    assert len(dense_days) == len(_days(tmp_path / "wide")) == 300
    assert all(first <= d <= first + timedelta(days=12 + 2) for d in dense_days)  # an event's day, then up to 2 later
    assert max(_days(tmp_path / "wide")) - first > timedelta(days=60)
    assert dense["days"] == 12 and wide["days"] == corpus_gen.DAYS
