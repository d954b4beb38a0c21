"""How much the linking process grows while it pickles its part of a link's checkpoint.

A full link's linking process pickles what it holds (the Linker's own attributes with its actors, and
its events; the copies and statements are the copy stage's children's) into each checkpoint
(`link.checkpoint`), while the children hold theirs: a rise there adds to the link's tree. This loads
the saved state of STORE (or a checkpoint's `linker-N.pickle.lz4` part, with --part), then pickles
those parts as `link.linker._pickle_head` does, into a sink that keeps nothing, and prints the rise of
the process's peak resident set and the time. Run it with another checkout's `src` on PYTHONPATH for
the other version (each run is its own process: the peak is the process's):

    .venv/bin/python bench/checkpoint_memory.py STORE
    .venv/bin/python bench/checkpoint_memory.py --part STORE.link-checkpoint/linker-800000.pickle.lz4

STORE is only read.
"""

from __future__ import annotations

import argparse
import gc
import time

from dossier.link import checkpoint, pickling
from dossier.link.linker import PARTS


def _status(key: str) -> float:
    """A line of /proc/self/status in MiB (VmRSS, VmHWM)."""
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


class _Sink:
    written = 0

    def write(self, data) -> int:
        size = memoryview(data).nbytes
        self.written += size
        return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", help="a store with a saved linking state, or with --part a checkpoint's linker part")
    parser.add_argument("--part", action="store_true", help="STORE is a checkpoint's linker-N.pickle.lz4")
    args = parser.parse_args()
    if args.part:
        with open(args.store, "rb") as file:
            linker = checkpoint._load(file, linker=True)
    else:
        from dossier.analyze.record import cached_kb, kb_fingerprint
        from dossier.link.linker import load_state
        from dossier.store.db import connect
        linker = load_state(connect(args.store, create=False), cached_kb(None), kb_fingerprint(None))
    gc.freeze()  # as the link holds its state
    state = linker.__getstate__()
    print(f"loaded: {len(linker.linked):,} articles, {len(linker.events.events):,} events; "
          f"resident {_status('VmRSS'):.0f} MiB")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # the peak (VmHWM) from now on
    before, sink, started = _status("VmRSS"), _Sink(), time.perf_counter()
    pickling.dump({k: v for k, v in state.items() if k not in PARTS}, sink)
    head_peak = _status("VmHWM") - before
    pickling.dump(state["events"], sink)
    print(f"the linking process's part: {sink.written / 1e6:.0f} MB pickled in {time.perf_counter() - started:.1f} s; "
          f"peak resident rise {_status('VmHWM') - before:.0f} MiB over {before:.0f} (its own attributes alone: "
          f"{head_peak:.0f} MiB)")


if __name__ == "__main__":
    main()
