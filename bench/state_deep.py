"""Deep sizes of the linking state's copies part and the Linker's own attributes, attribute by
attribute (a getsizeof walk: numpy arrays, array.array and bytes count their buffers), from a
store's saved state; resident memory is larger by the allocator's overhead (see
bench/state_parts.py for that). Run it with another checkout's `src` on PYTHONPATH to compare:

    .venv/bin/python bench/state_deep.py STORE
"""

from __future__ import annotations

import gc
import io
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from events_memory import deep_size as _walk  # noqa: E402


def deep_size(obj: object, seen: set[int]) -> int:
    """events_memory's walk, with each numpy array's buffer counted (an array unpickled from a
    pickle-5 buffer does not own its data, so getsizeof leaves the buffer out)."""
    arrays = 0
    stack = [obj]
    while stack:  # the numpy arrays reachable, once (the walk below counts their headers)
        item = stack.pop()
        if isinstance(item, np.ndarray):
            if id(item) not in seen and item.base is not None:  # an owner's getsizeof has its buffer
                arrays += item.nbytes
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(x for x in item if isinstance(x, (np.ndarray, dict, list, tuple)) or hasattr(x, "__dict__"))
        elif hasattr(item, "__dict__") and not isinstance(item, type):
            stack.append(item.__dict__)
    return _walk(obj, seen) + arrays

from dossier.link.linker import PARTS, _Inflating, _stored_chunks  # noqa: E402
from dossier.store.db import connect  # noqa: E402


def main() -> None:
    conn = connect(sys.argv[1], create=False)
    gc.disable()
    stream = io.BufferedReader(_Inflating(_stored_chunks(conn)), 1 << 20)
    state = pickle.load(stream)
    for part in PARTS:
        state[part] = pickle.load(stream)
    rest = {k: v for k, v in state.items() if k not in PARTS}
    seen: set[int] = set()  # an object reachable from two attributes is counted under the first
    total = 0
    for name in sorted(rest, key=lambda k: -deep_size(rest[k], set())):
        size = deep_size(rest[name], seen)
        total += size
        print(f"rest.{name}: {size / 1e6:.1f} MB")
    print(f"rest, all: {total / 1e6:.1f} MB")
    copies, seen, total = state["copies"], set(), 0
    for name, value in copies.__dict__.items():
        size = deep_size(value, seen)
        total += size
        print(f"copies.{name}: {size / 1e6:.1f} MB")
    print(f"copies, all: {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
