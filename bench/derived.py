"""Claims and flags after a batch: over the whole corpus vs. only the scopes the batch touched.

On a copy of a built store (`bench/corpus_gen.py` + `dossier build`, or bench/link_scale.py's),
in a fresh process each (so peak memory is the step's own):

1. `full`: claims and flags derived for every scope (what every batch cost before schema 10);
2. `batch`: the scopes that adding the store's K latest articles reaches (their articles,
   events, statements, copy relations and claim groups), as `link()` passes them after a batch;
   then checks that the rows equal the full derivation's.

    .venv/bin/python bench/derived.py --store /tmp/ls/store10k_v6.db [--latest 1] [--no-story-ties]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def step(store: str, mode: str, latest: int, story_ties: bool = True) -> None:
    import dossier.link.claims
    from dossier.analyze.record import cached_kb
    from dossier.link.corpus import claims_and_flags, read_claims, read_flags
    from dossier.store.db import connect

    dossier.link.claims.STORY_TIES = story_ties
    conn = connect(store)
    kb = cached_kb(None)
    touched = None
    if mode == "batch":
        ids = [r[0] for r in conn.execute("SELECT article_id FROM sources GROUP BY article_id "
                                          "ORDER BY MIN(published) DESC, article_id LIMIT ?", (latest,))]
        events = {r[0] for a in ids for r in conn.execute("SELECT event_id FROM event_articles WHERE article_id = ?", (a,))}
        quotes = {r[0] for a in ids for r in conn.execute(
            "SELECT DISTINCT quote_id FROM quote_occurrences WHERE article_id = ?", (a,))}
        touched = {"articles": set(ids), "events": events, "quotes": quotes}
        before = json.dumps([read_claims(conn), read_flags(conn)], sort_keys=True)
    started, busy = time.time(), time.process_time()
    redone = claims_and_flags(conn, kb, touched)
    seconds, cpu = time.time() - started, time.process_time() - busy
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    same = ""
    if mode == "batch":
        same = f"; rows equal the full derivation's: {json.dumps([read_claims(conn), read_flags(conn)], sort_keys=True) == before}"
    articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    print(f"{mode}: {seconds:.1f} s wall, {cpu:.1f} s CPU, peak RSS {rss:.0f} MB, {articles:,} articles; scopes redone "
          f"{json.dumps(redone)}; claims {conn.execute('SELECT COUNT(*) FROM claims').fetchone()[0]:,}, "
          f"flags {conn.execute('SELECT COUNT(*) FROM flags').fetchone()[0]:,}{same}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True)
    parser.add_argument("--latest", type=int, default=1, help="the batch: this many latest articles")
    parser.add_argument("--step", choices=("full", "batch"))
    parser.add_argument("--no-story-ties", action="store_true", help="claims matched within events and copies only")
    args = parser.parse_args()
    if args.step:
        step(args.store, args.step, args.latest, not args.no_story_ties)
        return
    with tempfile.TemporaryDirectory() as tmp:
        copy = str(Path(tmp) / "store.db")
        shutil.copy(args.store, copy)
        for mode in ("full", "batch"):
            subprocess.run([sys.executable, __file__, "--store", copy, "--step", mode, "--latest", str(args.latest)]
                           + (["--no-story-ties"] if args.no_story_ties else []), check=True)


if __name__ == "__main__":
    main()
