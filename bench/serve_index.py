"""Time and peak memory of the index `dossier serve` (and the html export) keeps of a store.

Builds the index once in this process (`web.data.build_index`, as a server's first request does)
and prints its wall time and this process's peak RSS. Run each store in a fresh process:

    .venv/bin/python bench/serve_index.py /tmp/dossier-scale/store-100000.db
    PYTHONPATH=OLD/src .venv/bin/python bench/serve_index.py STORE     # another checkout's code
"""

from __future__ import annotations

import resource
import sys
import time

from dossier.store.db import connect
from dossier.web.data import build_index


def main() -> None:
    conn = connect(sys.argv[1], create=False)
    started = time.perf_counter()
    index = build_index(conn)
    wall = time.perf_counter() - started
    print(f"build_index {wall:.1f} s, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          f"({index.counts['articles']:,} articles, {index.counts['claims']:,} claims)")


if __name__ == "__main__":
    main()
