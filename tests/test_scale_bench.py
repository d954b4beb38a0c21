"""bench/scale.py --resume: a build longer than one sitting is finished from the store it left."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from conftest import needs_shared

REPO = Path(__file__).resolve().parents[1]


@needs_shared
def test_resume_keeps_the_store_and_builds_only_what_is_left(tmp_path):
    sys.path.insert(0, str(REPO / "bench"))
    import corpus_gen
    import scale

    corpus_gen.generate(tmp_path / "gen", 120, seed=3)
    lines = (tmp_path / "gen" / "shard-00000.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    source = tmp_path / "corpus"
    source.mkdir()
    (source / "shard-00000.jsonl").write_text("".join(lines[:70]), encoding="utf-8")
    db = tmp_path / "store.db"

    first = scale.run_build(source, db, 1, "local", 0, None)
    assert first["articles"] == 70
    # the rest of the corpus arrives, as if the first run had stopped before it: --resume builds only that
    (source / "shard-00001.jsonl").write_text("".join(lines[70:]), encoding="utf-8")
    resumed = scale.run_build(source, db, 1, "local", 0, None, resume=True)
    assert resumed["articles"] == 50
    with sqlite3.connect(db) as conn:
        linked = conn.execute("SELECT COUNT(*) FROM event_articles").fetchone()[0]
        stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert stored == linked >= 110  # every article linked (a few exact duplicates may fold into one)
    # and without --resume the store is emptied first: the whole corpus is built again
    again = scale.run_build(source, db, 1, "local", 0, None)
    assert again["articles"] == 120
