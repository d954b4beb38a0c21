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


def test_peak_memory_tells_each_process_share_of_the_peak():
    """The build's peak PSS is a sum over its processes; which process holds most of it is what to work on."""
    import subprocess
    import time

    sys.path.insert(0, str(REPO / "bench"))
    import scale

    # a parent that forks a child, then holds 150 MB of its own while the child holds 60 MB
    code = ("import os, time\npid = os.fork()\n"
            "if pid == 0:\n    mine = b'x' * (60 * 2**20)\n    time.sleep(3)\n    os._exit(0)\n"
            "big = b'x' * (150 * 2**20)\ntime.sleep(3)\nos.waitpid(pid, 0)\n")
    process = subprocess.Popen([sys.executable, "-c", code])
    memory = scale.PeakMemory(process.pid, every=0.05)
    process.wait()
    time.sleep(0.1)
    memory.stop()
    parts = [p for p in memory.peak_pss_parts if p]
    assert len(parts) == 2 and sum(memory.peak_pss_parts) == memory.peak_pss
    # the parent's 150 MB the larger share, the child's 60 MB the other (their shared interpreter split between them)
    assert parts[0] > 140 * 2**20 and 55 * 2**20 < parts[1] < 100 * 2**20
    assert scale._by_process(memory.peak_pss_parts).startswith("processes 0.1")
