"""How much memory one copy-stage index takes to spool (`link.linker.SpooledIndex.write`).

Builds one child's index (`link.copy_stage`: "copies" or "statements") over the first N articles
of STORE, in linking order, as the copy stage's child does, then measures the rise of this
process's resident set (sampled every 2 ms) while the index is pickled: by `SpooledIndex.write`
into its temporary file, and into a sink that keeps nothing, with no compression (the pickler's
memo alone), with each buffer compressed whole (what `_Deflating` did before session 15) and
with `_Deflating` as it is (a slice at a time). STORE is only read.

    .venv/bin/python bench/spool_memory.py STORE N statements
"""

from __future__ import annotations

import gc
import itertools
import os
import sys
import threading
import time
from typing import Any, Callable

from dossier.link import pickling
from dossier.link.copy_stage import FREEZE_EVERY, _finder
from dossier.link.corpus import give_back_freed_memory, link_inputs
from dossier.link.linker import SpooledIndex, _Deflating
from dossier.store.db import connect


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Peak:
    """The largest resident set sampled in a thread until `end`."""

    def __init__(self) -> None:
        self.peak, self._stop = rss(), False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            self.peak = max(self.peak, rss())
            time.sleep(0.002)

    def end(self) -> int:
        self._stop = True
        self._thread.join()
        return self.peak


class Null:
    """A file that keeps nothing."""

    def write(self, data: Any) -> int:
        return memoryview(data).nbytes

    def flush(self) -> None:
        pass


class WholeBuffers(_Deflating):
    """`_Deflating` as it was: each buffer handed to LZ4 whole."""

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self._sink.write(self._compressor.compress(view))
        return view.nbytes


def measure(label: str, spool: Callable[[], None]) -> None:
    gc.collect()
    give_back_freed_memory()
    before, peak, started = rss(), Peak(), time.time()
    spool()
    print(f"  {label:32s} rise {(peak.end() - before) / 2**20:7.1f} MiB  {time.time() - started:5.1f} s", flush=True)


def main() -> None:
    store, articles, part = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    conn = connect(store, create=False)
    base, started = rss(), time.time()
    index, find = _finder(conn, part)
    for n, item in enumerate(itertools.islice(link_inputs(conn, records=part == "statements"), articles), 1):
        find(item)
        if n % FREEZE_EVERY == 0:
            gc.freeze()  # as the child does
    gc.collect()
    give_back_freed_memory()
    print(f"{part}, {articles:,} articles: built in {time.time() - started:,.0f} s; index {(rss() - base) / 2**20:,.0f} MiB "
          f"resident", flush=True)
    measure("SpooledIndex.write", lambda: SpooledIndex.write(index).remove())
    measure("memo only (no compression)", lambda: pickling.dump(index, Null()))
    measure("LZ4, each buffer whole (before)", lambda: pickling.dump(index, WholeBuffers(Null())))
    measure("LZ4, a slice at a time (now)", lambda: pickling.dump(index, _Deflating(Null())))


if __name__ == "__main__":
    main()
