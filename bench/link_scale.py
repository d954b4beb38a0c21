"""Linking at scale: a full link of N articles, and adding one article to a linked store.

The store is built by `dossier build` from a corpus `bench/corpus_gen.py` generates from
the statistics of real text (../shared/data/), so every stage before linking is the real
one. Then, on that store:

1. full link: every article fed to a fresh `Linker` (actors, statements, copies, events),
   the tables written, claims and flags derived, the state saved; time per step, peak
   memory (RSS) and the saved state's size;
2. add one article: the linker holds all but the last K articles (by date); each of the K
   is added and its changed rows written in one transaction, as `dossier build` does for
   a new file and `dossier serve` for a posted article, its events' stories included;
   p50/p95/max latency. Claims and flags are derived once after a batch, timed apart, and
   so is a regrouping of every story (what a full link does).

    .venv/bin/python bench/link_scale.py --articles 10000 [--store FILE] [--hold-out 200]
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from dossier.analyze.record import cached_kb, kb_fingerprint
from dossier.link.corpus import FREEZE_EVERY, _link_full, apply_changes, claims_and_flags, date_events, link_inputs
from dossier.link.linker import Linker, load_state, save_state, stored_state_size
from dossier.store.db import connect

REPO = Path(__file__).resolve().parents[1]


def cpu() -> float:
    """This process's CPU seconds: on a machine shared with other jobs, wall time alone misleads."""
    return time.process_time()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_store(articles: int, path: Path) -> None:
    corpus = path.parent / f"corpus-{articles}"
    if not corpus.exists():
        subprocess.run([sys.executable, str(REPO / "bench" / "corpus_gen.py"), str(corpus), "--articles", str(articles)],
                       check=True)
    started = time.time()
    subprocess.run([str(Path(sys.executable).parent / "dossier"), "build", str(corpus), "--db", str(path), "-q",
                    "--workers", "2"], check=True)
    print(f"built the store: {time.time() - started:.0f} s (read, clean, analyse, link)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--store", type=Path, default=None, help="an existing store to link (else one is built)")
    parser.add_argument("--hold-out", type=int, default=200)
    parser.add_argument("--skip-full", action="store_true", help="only the add-one-article measure")
    parser.add_argument("--skip-claims", action="store_true", help="do not derive claims and flags after the batch")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="dossier-link-"))
    store = args.store or tmp / "store.db"
    if not store.exists():
        make_store(args.articles, store)
    conn = connect(store)
    n = conn.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"store {store} with {n:,} analysed articles")
    kb = cached_kb(None)
    fingerprint = kb_fingerprint(None)

    if not args.skip_full:
        started, busy = time.time(), cpu()
        sizes = _link_full(conn, kb, fingerprint)
        full, busy = time.time() - started, cpu() - busy
        state = stored_state_size(conn)
        print(f"full link: {full:.1f} s wall, {busy:.1f} s CPU ({n / full:,.0f} articles/s wall, {n / busy:,.0f} per "
              f"CPU-second), peak RSS {rss_mb():,.0f} MB, saved state {state / 2**20:,.0f} MB; {sizes}")

    ids = [row[0] for row in conn.execute("SELECT article_id FROM analyses")]
    inputs = list(link_inputs(conn, ids))
    head, tail = inputs[:-args.hold_out], inputs[-args.hold_out:]
    linker = Linker(kb, fingerprint)
    started, busy = time.time(), cpu()
    step, mark = max(1, len(head) // 10), cpu()
    for n_added, item in enumerate(head, 1):
        linker.add(item, merge=False)
        if n_added % FREEZE_EVERY == 0:
            gc.freeze()  # as a full link does (link.corpus._link_full)
        if n_added % step == 0:  # the cost per add as the corpus grows (flat when nothing is quadratic)
            print(f"  adds {n_added - step + 1:,}-{n_added:,}: {1000 * (cpu() - mark) / step:.1f} ms CPU an article",
                  flush=True)
            mark = cpu()
    linker.quotes.all()
    linker.regroup_stories()  # as a full link leaves them (link.corpus._link_full)
    date_events(conn, [linker.event_record(key) for key in linker.events.events], linker.dated)  # as a full link leaves it
    linker.max_source_rowid = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM sources").fetchone()[0]
    indexed, busy = time.time() - started, cpu() - busy
    print(f"linker over {len(head):,} articles: {indexed:.1f} s wall, {busy:.1f} s CPU ({len(head) / indexed:,.0f} "
          f"articles/s wall, {len(head) / busy:,.0f} per CPU-second; the in-memory part of a full link), "
          f"peak RSS {rss_mb():,.0f} MB")
    started = time.time()
    save_state(conn, linker)  # the snapshot the held-out articles are then journaled onto
    saved = time.time() - started
    state = stored_state_size(conn)
    started = time.perf_counter()
    blob = pickle.dumps(linker, protocol=5)
    pickled = time.perf_counter() - started
    started = time.perf_counter()
    zlib.compress(blob, 1)
    print(f"state snapshot saved: {saved:.1f} s, {state / 2**20:,.0f} MB (of which pickling alone {pickled:.1f} s "
          f"to {len(blob) / 2**20:,.0f} MB, zlib level 1 of that {time.perf_counter() - started:.1f} s)")
    del blob
    latencies = []
    parts = {"link": 0.0, "write": 0.0}
    gc.freeze()  # as link() does for its adds: the resident state is not rescanned by full collections
    for item in tail:
        started = time.perf_counter()
        changes = linker.add(item)
        linked = time.perf_counter()
        apply_changes(conn, linker, changes)  # its stories too (Linker.join_stories)
        latencies.append((time.perf_counter() - started) * 1000)
        parts["link"] += linked - started
        parts["write"] += time.perf_counter() - linked
    gc.unfreeze()
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"add one article to {len(head):,}: p50 {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms, "
          f"max {latencies[-1]:.1f} ms (link and write its rows; {len(tail)} articles); mean linking "
          f"{1000 * parts['link'] / len(tail):.1f} ms, writing {1000 * parts['write'] / len(tail):.1f} ms")
    started = time.time()
    linker.regroup_stories()
    print(f"stories regrouped from all events (what a full link does; an add joins its events' stories): "
          f"{time.time() - started:.1f} s")
    if not args.skip_claims:
        started, busy = time.time(), cpu()
        claims_and_flags(conn, kb)
        print(f"claims and flags over the corpus after the batch: {time.time() - started:.1f} s wall, "
              f"{cpu() - busy:.1f} s CPU")
    started = time.perf_counter()
    save_state(conn, linker, tail)
    journaled = conn.execute("SELECT COUNT(*) FROM link_journal").fetchone()[0]
    print(f"state saved after the batch: {1000 * (time.perf_counter() - started):.0f} ms ({journaled} articles in the "
          f"journal, the snapshot kept)")
    started = time.time()
    loaded = load_state(conn, kb, fingerprint)
    assert loaded is not None and loaded.linked.keys() == linker.linked.keys()
    print(f"state loaded (snapshot, then the journal's {journaled} articles replayed): {time.time() - started:.1f} s")


if __name__ == "__main__":
    main()
