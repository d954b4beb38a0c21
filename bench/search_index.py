"""How long the server's full-text search index takes to build, and to build again after a change.

Runs `web.search.ensure_index` on STORE (use a copy: the index's tables are written into it), then
records a build in the store (a `builds` row, as any `dossier build` does, which makes the index out of
date) and runs it again; prints each run's seconds. The first run on a store that already has an
index finds it current or rebuilds it, as a server's first search would.

    .venv/bin/python bench/search_index.py /tmp/copy-of-store-100000.db
    PYTHONPATH=OLD/src .venv/bin/python bench/search_index.py /tmp/another-copy.db   # another checkout's code
"""

from __future__ import annotations

import sqlite3
import sys
import time

from dossier.web import search


def main() -> None:
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    for run in ("first", "after a build"):
        if run != "first":
            conn.execute("INSERT INTO builds (started_at, inputs) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), '[]')")
        started = time.perf_counter()
        rebuilt = search.ensure_index(conn)
        print(f"{run}: {'rebuilt' if rebuilt else 'current'} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
