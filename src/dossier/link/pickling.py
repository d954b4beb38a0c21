"""Pickling the linking state without a second copy of its arrays.

The state keeps most of its numbers in `array.array`s (an event's terms, the statements'
columns). The standard pickler reduces an array to a `bytes` copy of its items, and its memo
keeps every object it wrote alive until the dump ends, so all those copies stay in memory at
once: pickling 100,000 arrays of 4 KB took 411 MB more (by hand, `/tmp/s10/memo.py`), and the
statements' process of a 1,000,000-article link grew from ~2.0 to 2.5 GB while it saved its
index. `dump` hands each array over as a `PickleBuffer` instead (protocol 5 writes its memory
as it is, no copy: 27 MB more for the same arrays; for 1,000,000 arrays of 200 bytes, whose
memo entries weigh more than their items, 328 MB instead of 455), and `_array_from` empties the
buffer it is read back from once copied, since the unpickler's memo would keep that alive too.

The bytes are the machine's own order (the state is read back on the machine that wrote it,
or one like it). A pickle written by `pickle.dump` still loads: it names its own reconstructor.
"""

from __future__ import annotations

import copyreg
import pickle
from array import array
from typing import Any

_DISPATCH = copyreg.dispatch_table.copy()


def _array_from(typecode: str, data: bytearray | bytes) -> array:
    """An array of these items; the bytearray they were read into is emptied (its memory freed)."""
    items = array(typecode)
    items.frombytes(data)
    if isinstance(data, bytearray):
        data.clear()
    return items


def _reduce_array(items: array) -> tuple[Any, tuple[str, pickle.PickleBuffer]]:
    return _array_from, (items.typecode, pickle.PickleBuffer(items))


_DISPATCH[array] = _reduce_array


def dump(value: Any, file: Any) -> None:
    """`pickle.dump(value, file, protocol 5)`, its arrays written from their own memory."""
    pickler = pickle.Pickler(file, protocol=5)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(value)

