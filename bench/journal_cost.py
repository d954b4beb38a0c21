"""What the linking state's journal saves and what it costs, on a built store: the seconds a
snapshot's save takes, and the seconds each journaled article adds to every later add (which
replays the journal onto the snapshot). The journal pays while replaying it costs less than a
snapshot's save: at most `save / replay` articles, a share of the linked articles that
`link.linker.JOURNAL_SHARE` should be near.

    .venv/bin/python bench/journal_cost.py STORE --source CORPUS_DIR [--journal 200] [--repeat 3]

STORE is changed (articles are added to it, its state saved again): use a copy. CORPUS_DIR is the
store's bench/corpus_gen.py corpus; its last shard's records, with a line that names this run added
to each text, are the new articles.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import tempfile
import time
from pathlib import Path

from dossier.analyze.record import cached_kb, kb_fingerprint
from dossier.build import BuildOptions, build
from dossier.link import linker as linker_module
from dossier.link.linker import load_state, save_state
from dossier.store.db import connect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store")
    parser.add_argument("--source", required=True, type=Path)
    parser.add_argument("--journal", type=int, default=200, help="articles journaled before the timed adds")
    parser.add_argument("--repeat", type=int, default=3, help="timed one-article adds with each journal")
    args = parser.parse_args()
    linker_module.JOURNAL_MIN = 10**9  # every add journaled, whatever the rule says: this measures the rule
    conn = connect(args.store)
    kb, fingerprint = cached_kb(None), kb_fingerprint(None)
    stamp = time.strftime("%Y%m%d%H%M%S")
    records = [json.loads(line) for line in sorted(args.source.glob("*.jsonl"))[-1].open(encoding="utf-8")]
    records = iter(dict(r, url=f"{r['url']}-journal-{stamp}-{n}", text=r["text"] + f"\n\nJournal run {stamp}, {n}.")
                   for n, r in enumerate(records))
    linked = conn.execute("SELECT COUNT(*) FROM event_articles").fetchone()[0]
    print(f"{linked:,} articles linked")

    files = itertools.count()
    with tempfile.TemporaryDirectory() as tmp:
        def add(count: int) -> float:
            """Build `count` new articles into the store; the seconds its link's steps took (the journal's replay
            in them), less the claims and flags and the state's save."""
            path = Path(tmp) / f"add-{next(files)}.jsonl"  # (a file built again with other records: its old ones removed)
            path.write_text("".join(json.dumps(next(records)) + "\n" for _ in range(count)), encoding="utf-8")
            linked = build([str(path)], conn, BuildOptions(workers=1)).linked
            if linked["linked_new"] == linked["articles"]:
                raise SystemExit("an add was linked in full: the measure needs adds (see the added line)")
            seconds = linked["seconds"]
            return sum(v for k, v in seconds.items() if k not in ("claims and flags", "save state", "sizes"))

        def snapshot() -> float:
            linker = load_state(conn, kb, fingerprint)
            started = time.perf_counter()
            save_state(conn, linker)
            return time.perf_counter() - started

        saves = [snapshot() for _ in range(2)]
        empty = [add(1) for _ in range(args.repeat)]  # a journal of these few: ~nothing to replay
        snapshot()
        add(args.journal)
        journaled = [add(1) for _ in range(args.repeat)]
    save, replay = min(saves), (statistics.median(journaled) - statistics.median(empty)) / args.journal
    print(f"snapshot's save: {save:.2f} s (of {', '.join(f'{s:.2f}' for s in saves)})")
    print(f"a one-article add's link: {statistics.median(empty):.2f} s with an empty journal, "
          f"{statistics.median(journaled):.2f} s with {args.journal} journaled articles")
    print(f"replay: {replay * 1000:.1f} ms a journaled article; the journal pays up to {save / replay:,.0f} "
          f"articles = {save / replay / linked:.2%} of the linked ones")


if __name__ == "__main__":
    main()
