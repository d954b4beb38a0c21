"""Claims and flags after a batch: over the whole corpus vs. only the scopes the batch touched.

On a copy of a built store (`bench/corpus_gen.py` + `dossier build`, or bench/link_scale.py's),
in a fresh process each (so peak memory is the step's own):

1. `full`: claims and flags derived for every scope (what every batch cost before schema 10);
2. `batch`: the scopes that adding the store's K latest articles (or `--article ID`) reaches
   (their articles, events, statements, copy relations and claim scopes), as `link()` passes
   them after a batch; then checks that the rows equal the full derivation's.

Prints wall and CPU seconds, peak RSS, and the largest claim group (articles in one `g:` scope).

With `--workers 1,2`, the full derivation runs once per worker count (`link.derived._Pool`),
each in a fresh process on the same copy, and says whether every run left the same tables
(claims, flags, claim_scopes, claim_features, rowids included). Each full run prints the load
average (the machine may be shared), the CPU of the workers as well as its own, and the
workers' memory: their largest RSS (which counts what they share with the parent) and the
most private memory they held together (sampled from /proc every 0.2 s).

    .venv/bin/python bench/derived.py --store /tmp/ls/store10k_v6.db [--latest 1 | --article ID | --sample 200] [--batch-only]
    .venv/bin/python bench/derived.py --store STORE --workers 1,2 [--drop-features] [--no-batch] [--ahead 2]

With `--link`, each run is a whole full link (`link.corpus.link(conn, full=True)`: the linker,
then event dates and claims and flags on the workers, forked from a process that holds the
linker's state), so the parent's peak and the workers' private memory are those of a real link;
`--workers 1` sets `pool.MIN_ARTICLES` beyond the store (no pool), any other count leaves the
default (one worker per core). The copy stage's child is among the children sampled.

    .venv/bin/python bench/derived.py --store STORE --workers 1,2 --link
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import json
import resource
import threading
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


def tables_digest(conn) -> str:
    """A digest of every row, rowid included, of the tables a full derivation writes: equal
    digests mean the same rows written in the same order (claim_scopes has no rowid: its rows
    are kept in key order, whatever the order they were written in). A JSON column counts by
    its value, not its spelling (`dossier.fastjson` writes no spaces where json.dumps wrote them)."""
    h = hashlib.sha256()
    for table, query in (("claims", "rowid, *"), ("flags", "rowid, *"), ("claim_scopes", "*"),
                         ("claim_features", "rowid, *")):
        rows = conn.execute(f"SELECT {query} FROM {table} ORDER BY 1, 2")
        json_at = [i for i, column in enumerate(rows.description) if column[0] in ("record", "features")]
        for row in rows:
            row = list(row)
            for i in json_at:
                row[i] = json.dumps(json.loads(row[i]), sort_keys=True)
            h.update("\x1f".join(map(str, row)).encode() + b"\x1e")
    return h.hexdigest()


class ChildMemory(threading.Thread):
    """The most private memory (Private_Clean + Private_Dirty, from /proc/PID/smaps_rollup) this
    process's children held together, sampled: shared copy-on-write pages are not counted."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.each: dict[int, int] = {}
        self._done = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self._done.wait(0.2):
            total = 0
            for pid in open(f"/proc/{me}/task/{me}/children").read().split():
                mine = 0
                try:
                    for line in open(f"/proc/{pid}/smaps_rollup"):
                        if line.startswith(("Private_Clean", "Private_Dirty")):
                            mine += int(line.split()[1])
                except OSError:  # ended meanwhile
                    pass
                self.each[int(pid)] = max(self.each.get(int(pid), 0), mine)
                total += mine
            self.peak_kb = max(self.peak_kb, total)

    def each_mb(self) -> str:
        """The most private memory of each child, by pid (the order they started in, but for pid wraparound)."""
        return ", ".join(f"{kb / 1024:.0f}" for _, kb in sorted(self.each.items()))

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak_kb


def _touched(conn, ids: list[str]) -> dict[str, set[str]]:
    """What `link()` passes after adding these articles: them, their events, their statements."""
    events = {r[0] for a in ids for r in conn.execute("SELECT event_id FROM event_articles WHERE article_id = ?", (a,))}
    quotes = {r[0] for a in ids for r in conn.execute(
        "SELECT DISTINCT quote_id FROM quote_occurrences WHERE article_id = ?", (a,))}
    return {"articles": set(ids), "events": events, "quotes": quotes}


def step(store: str, mode: str, latest: int, article: str | None = None, sample: int = 0, workers: int | None = None,
         drop_features: bool = False, ahead: int | None = None) -> None:
    from dossier.analyze.record import cached_kb
    from dossier.link import pool
    from dossier.link.corpus import claims_and_flags
    from dossier.store.db import connect

    if ahead:
        pool.AHEAD = ahead

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
    if drop_features:  # every claim feature computed anew (by the workers, with --workers)
        conn.execute("DELETE FROM claim_features")
    walls, cpus, redone = [], [], {}
    load = os.getloadavg()[0]
    memory = ChildMemory()
    memory.start()
    for touched in batches:
        started, busy = time.time(), time.process_time()
        redone = claims_and_flags(conn, kb, touched, workers)
        walls.append(time.time() - started)
        cpus.append(time.process_time() - busy)
    private = memory.stop() / 1024
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    same = ""
    if mode == "batch":
        same = f"; rows equal the full derivation's: {digest(conn) == before}"
    elif workers:
        same = (f"; workers {redone.get('workers')}: their CPU {children.ru_utime + children.ru_stime:.2f} s, "
                f"largest RSS {children.ru_maxrss / 1024:.0f} MB, private memory together {private:.0f} MB; "
                f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after; tables {tables_digest(conn)}")
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


def link_step(store: str, workers: int) -> None:
    """A full link with or without the pool; its steps' seconds, memory and tables."""
    from dossier.link import pool
    from dossier.link.corpus import link
    from dossier.store.db import connect

    if workers == 1:
        pool.MIN_ARTICLES = 10**12
    conn = connect(store)
    load = os.getloadavg()[0]
    memory = ChildMemory()
    memory.start()
    started, busy = time.time(), time.process_time()
    sizes = link(conn, full=True)
    wall, cpu = time.time() - started, time.process_time() - busy
    private = memory.stop() / 1024
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    h = hashlib.sha256()
    for table in ("events", "event_articles", "stories", "claims", "flags", "claim_scopes"):
        for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
            h.update("\x1f".join(map(str, row)).encode() + b"\x1e")
    print(f"link (workers {workers}): {wall:.1f} s wall, {cpu:.1f} s CPU in the parent, children's CPU "
          f"{children.ru_utime + children.ru_stime:.1f} s; steps {json.dumps(sizes['seconds'])}; peak RSS of the "
          f"parent {rss:.0f} MB, children's largest RSS {children.ru_maxrss / 1024:.0f} MB, their private memory "
          f"together {private:.0f} MB at most (each child, by pid: {memory.each_mb()} MB); "
          f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after; "
          f"{sizes['articles']:,} articles; tables {h.hexdigest()}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True)
    parser.add_argument("--latest", type=int, default=1, help="the batch: this many latest articles")
    parser.add_argument("--article", help="the batch: this article (e.g. one in the largest claim group)")
    parser.add_argument("--sample", type=int, default=0,
                        help="the batch: this many one-article batches of random articles, p50/p95 of their times")
    parser.add_argument("--batch-only", action="store_true",
                        help="skip the full derivation (the store's rows must be up to date, e.g. bench/inflate.py's)")
    parser.add_argument("--workers", help="full derivations on these worker counts, comma-separated (e.g. 1,2), "
                                          "each checked to leave the same tables")
    parser.add_argument("--drop-features", action="store_true",
                        help="delete the kept claim features before each full derivation (all computed anew)")
    parser.add_argument("--no-batch", action="store_true", help="full derivations only")
    parser.add_argument("--ahead", type=int, help="chunks in flight per worker (link.pool.AHEAD)")
    parser.add_argument("--tmp", help="where the copy of the store goes (default: the system's temporary directory)")
    parser.add_argument("--link", action="store_true", help="a whole full link per worker count (see above)")
    parser.add_argument("--step", choices=("full", "batch", "link"))
    args = parser.parse_args()
    if args.step == "link":
        link_step(args.store, int(args.workers))
        return
    if args.step:
        step(args.store, args.step, args.latest, args.article, args.sample,
             int(args.workers) if args.workers else None, args.drop_features, args.ahead)
        return
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        copy = str(Path(tmp) / "store.db")
        shutil.copy(args.store, copy)
        runs = [("batch", None)] if args.batch_only else [("link" if args.link else "full", w)
                                                          for w in (args.workers or "").split(",")]
        runs += [] if args.batch_only or args.no_batch or args.link else [("batch", None)]
        tables = set()
        for mode, workers in runs:
            out = subprocess.run([sys.executable, __file__, "--store", copy, "--step", mode, "--latest", str(args.latest)]
                                 + (["--article", args.article] if args.article else [])
                                 + (["--sample", str(args.sample)] if args.sample else [])
                                 + (["--workers", workers] if workers else [])
                                 + (["--ahead", str(args.ahead)] if args.ahead and mode == "full" else [])
                                 + (["--drop-features"] if args.drop_features and mode == "full" else []),
                                 check=True, stdout=subprocess.PIPE, text=True).stdout
            print(out, end="", flush=True)
            tables |= {line.rsplit("tables ", 1)[1].strip() for line in out.splitlines() if "; tables " in line}
        if args.workers:
            print(f"every {'full link' if args.link else 'full derivation'} left the same tables: {len(tables) == 1}")


if __name__ == "__main__":
    main()
