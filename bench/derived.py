"""Claims and flags after a batch: over the whole corpus vs. only the scopes the batch touched.

On a copy of a built store (`bench/corpus_gen.py` + `dossier build`, or bench/link_scale.py's),
in a fresh process each (so peak memory is the step's own):

1. `full`: claims and flags derived for every scope (what every batch cost before schema 10);
2. `batch`: the scopes that adding the store's K latest articles (or `--article ID`) reaches
   (their articles, events, statements, copy relations and claim scopes), as `link()` passes
   them after a batch; then checks that the rows equal the full derivation's.

Prints wall and CPU seconds, peak RSS, and the largest claim group (articles in one `g:` scope).

    .venv/bin/python bench/derived.py --store /tmp/ls/store10k_v6.db [--latest 1 | --article ID | --sample 200] [--batch-only]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def digest(conn) -> str:
    """A digest of every claim and flag row (id, scope, record), read a row at a time, so the
    check that a batch leaves the rows a full derivation gives adds nothing to peak memory."""
    h = hashlib.sha256()
    for table in ("claims", "flags"):
        for row in conn.execute(f"SELECT id, scope, record FROM {table} ORDER BY id"):
            h.update("\x1f".join(map(str, row)).encode() + b"\x1e")
    return h.hexdigest()


def _touched(conn, ids: list[str]) -> dict[str, set[str]]:
    """What `link()` passes after adding these articles: them, their events, their statements."""
    events = {r[0] for a in ids for r in conn.execute("SELECT event_id FROM event_articles WHERE article_id = ?", (a,))}
    quotes = {r[0] for a in ids for r in conn.execute(
        "SELECT DISTINCT quote_id FROM quote_occurrences WHERE article_id = ?", (a,))}
    return {"articles": set(ids), "events": events, "quotes": quotes}


def step(store: str, mode: str, latest: int, article: str | None = None, sample: int = 0) -> None:
    from dossier.analyze.record import cached_kb
    from dossier.link.corpus import claims_and_flags
    from dossier.store.db import connect

    conn = connect(store)
    kb = cached_kb(None)
    batches: list[dict[str, set[str]] | None] = [None]
    if mode == "batch":
        if sample:  # one-article batches of articles drawn at random (fixed seed), each timed alone
            # not bench/inflate.py's copies (ids with "~"): their claim rows are the original's, whose
            # records name the original ids, so a batch there rewrites them and the check would fail
            every = [r[0] for r in conn.execute("SELECT id FROM articles WHERE id NOT LIKE '%~%' ORDER BY id")]
            picked = random.Random(7).sample(every, min(sample, len(every)))
            del every
            batches = [_touched(conn, [a]) for a in picked]
        else:
            ids = [article] if article else [r[0] for r in conn.execute(
                "SELECT article_id FROM sources GROUP BY article_id ORDER BY MIN(published) DESC, article_id LIMIT ?",
                (latest,))]
            batches = [_touched(conn, ids)]
        before = digest(conn)
    walls, cpus, redone = [], [], {}
    for touched in batches:
        started, busy = time.time(), time.process_time()
        redone = claims_and_flags(conn, kb, touched)
        walls.append(time.time() - started)
        cpus.append(time.process_time() - busy)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    same = ""
    if mode == "batch":
        same = f"; rows equal the full derivation's: {digest(conn) == before}"
    articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    try:
        largest = conn.execute("SELECT COUNT(*) FROM claim_scopes WHERE scope LIKE 'g:%' GROUP BY scope "
                               "ORDER BY 1 DESC LIMIT 1").fetchone()
    except sqlite3.OperationalError:  # a store of schema 10, run with that version's code for a before/after
        largest = conn.execute("SELECT COUNT(*) FROM claim_groups GROUP BY grp ORDER BY 1 DESC LIMIT 1").fetchone()
    if len(walls) > 1:
        walls.sort()
        timing = (f"{len(walls)} batches of one article: wall p50 {1000 * walls[len(walls) // 2]:.0f} ms, "
                  f"p95 {1000 * walls[int(0.95 * (len(walls) - 1))]:.0f} ms, max {1000 * walls[-1]:.0f} ms; "
                  f"CPU {1000 * sum(cpus) / len(cpus):.0f} ms on average; last")
    else:
        timing = f"{walls[0]:.2f} s wall, {cpus[0]:.2f} s CPU"
    print(f"{mode}: {timing}, peak RSS {rss:.0f} MB, {articles:,} articles, "
          f"largest claim group {largest[0] if largest else 0:,} articles; scopes redone "
          f"{json.dumps(redone)}; claims {conn.execute('SELECT COUNT(*) FROM claims').fetchone()[0]:,}, "
          f"flags {conn.execute('SELECT COUNT(*) FROM flags').fetchone()[0]:,}{same}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True)
    parser.add_argument("--latest", type=int, default=1, help="the batch: this many latest articles")
    parser.add_argument("--article", help="the batch: this article (e.g. one in the largest claim group)")
    parser.add_argument("--sample", type=int, default=0,
                        help="the batch: this many one-article batches of random articles, p50/p95 of their times")
    parser.add_argument("--batch-only", action="store_true",
                        help="skip the full derivation (the store's rows must be up to date, e.g. bench/inflate.py's)")
    parser.add_argument("--step", choices=("full", "batch"))
    args = parser.parse_args()
    if args.step:
        step(args.store, args.step, args.latest, args.article, args.sample)
        return
    with tempfile.TemporaryDirectory() as tmp:
        copy = str(Path(tmp) / "store.db")
        shutil.copy(args.store, copy)
        for mode in ("batch",) if args.batch_only else ("full", "batch"):
            subprocess.run([sys.executable, __file__, "--store", copy, "--step", mode, "--latest", str(args.latest)]
                           + (["--article", args.article] if args.article else [])
                           + (["--sample", str(args.sample)] if args.sample else []), check=True)


if __name__ == "__main__":
    main()
