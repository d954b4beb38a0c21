"""What the saved linking state of a store takes in memory, part by part.

Reads the state's chunks (`link_state_chunks`) and unpickles its parts one after another, as
`link.linker.load_state` does (collector off), printing how much the process's resident set grew
with each part (the Linker's own attributes, then the statements, copies and events indexes),
the total, the stored (compressed) size and the time to unpickle.

    .venv/bin/python bench/state_parts.py STORE
"""

from __future__ import annotations

import gc
import io
import sys
import time

from dossier.link import pickling
from dossier.link.linker import PARTS, STATE_VERSION, _Inflating, _stored_chunks, stored_state_size
from dossier.store.db import connect


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


def main() -> None:
    conn = connect(sys.argv[1], create=False)
    row = conn.execute("SELECT version FROM link_state").fetchone()
    if row is None or row[0] != STATE_VERSION:
        sys.exit(f"{sys.argv[1]}: no linking state of this version ({STATE_VERSION}); `dossier build --relink` it first")
    print(f"stored (compressed): {stored_state_size(conn) / 1e6:,.0f} MB")
    gc.disable()
    stream = io.BufferedReader(_Inflating(_stored_chunks(conn)), 1 << 20)
    started, before = time.perf_counter(), rss_mb()
    state = pickling.load(stream)
    print(f"rest (the Linker's own attributes): {rss_mb() - before:,.0f} MB")
    for part in PARTS:
        before = rss_mb()
        state[part] = pickling.load(stream)  # (a part pickled apart reads its rest too)
        print(f"{part}: {rss_mb() - before:,.0f} MB")
    print(f"total resident {rss_mb():,.0f} MB; unpickled in {time.perf_counter() - started:.1f} s")
    # the stream holds the chunk it read last (up to 32 MB compressed), which load_state lets go of
    # (and its release mid-load is why one part's growth may include memory another part then reuses)
    del stream
    print(f"total resident once the stream's last chunk is let go: {rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
