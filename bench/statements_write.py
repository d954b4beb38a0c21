"""The write of the statements' tables as a full link does it, timed: from a store's saved linking
state, every statement merged (`QuoteIndex.each`) and written (`link.corpus._write_statements`) in
the full link's transaction, then rolled back, so the store is left as it was. Run it with another
checkout's `src` on PYTHONPATH for the other version, one after the other on a quiet machine:

    .venv/bin/python bench/statements_write.py STORE
    PYTHONPATH=/path/to/other/src .venv/bin/python bench/statements_write.py STORE

It prints the seconds (wall and CPU) of the merge and write alone, not of loading the state, and the
process's peak resident set (which holds the whole state here; a full link holds the statements alone).
"""

from __future__ import annotations

import argparse
import resource
import time

from dossier.analyze.record import cached_kb, kb_fingerprint
from dossier.link import corpus
from dossier.link.linker import load_state
from dossier.store.db import connect


class _Undo(Exception):
    """Raised to roll the transaction back once the rows are written."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store")
    args = parser.parse_args()
    conn = connect(args.store, create=False)
    linker = load_state(conn, cached_kb(None), kb_fingerprint(None))
    if linker is None:
        raise SystemExit(f"{args.store} has no saved linking state for this code: build it first")
    rewrite = getattr(corpus, "_rewrite", None) or getattr(corpus, "_Rewrite")  # before 1f452cc: a class
    rows = conn.execute("SELECT COUNT(*) FROM quotes").fetchone()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        with rewrite(conn):
            corpus._write_statements(conn, linker.quotes.each())
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            raise _Undo
    except _Undo:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{rows:,} statements merged and written in {wall:.1f} s ({cpu:.1f} s CPU), rolled back; "
          f"peak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main()
