"""The memory and time of merging every statement of a store, as a full link's statements' write does.

Loads STORE's saved linking state in this process, then merges every statement (`QuoteIndex.each`)
and makes its rows as `link.corpus._insert_quotes` makes them, into a connection that keeps nothing,
while a thread samples this process's resident set every 20 ms. Prints the rise over the loaded state
and the bytes a statement: the working memory of the merge wherever it runs (session 21 measured it
before deciding where the merge may run: the linking process, after it has dropped the rest of its
state, or the statements' child, while the linking process is at its largest).

    .venv/bin/python bench/statements_merge_memory.py STORE
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path

from dossier.analyze.record import cached_kb, kb_fingerprint
from dossier.link import corpus
from dossier.link.linker import load_state
from dossier.store.db import connect

PAGE = os.sysconf("SC_PAGE_SIZE")


def _resident() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


class _Discarding:
    """A connection for `_insert_quotes` that counts the rows and keeps none."""

    def __init__(self) -> None:
        self.rows = 0

    def executemany(self, sql: str, rows: list) -> None:
        self.rows += len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    args = parser.parse_args()
    conn = connect(args.store, create=False)
    linker = load_state(conn, cached_kb(None), kb_fingerprint(None))  # gives back what its unpickling freed
    before = _resident()
    peak, stop = [before], threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _resident())
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    sink, started = _Discarding(), time.perf_counter()
    statements = 0

    def counted():
        nonlocal statements
        for quote in linker.quotes.each():
            statements += 1
            yield quote

    try:
        corpus._insert_quotes(sink, counted())
    finally:
        stop.set()
        watcher.join()
    rise = peak[0] - before
    print(f"{statements:,} statements ({sink.rows:,} rows) merged in {time.perf_counter() - started:.1f} s; "
          f"resident {before / 2**20:.0f} MiB with the state loaded, rise during the merge {rise / 2**20:.0f} MiB "
          f"= {rise / max(statements, 1):.0f} bytes a statement")


if __name__ == "__main__":
    main()
