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

The memo still keeps a `PickleBuffer` and a tuple for each array until the dump ends (~150 bytes):
for a dict of hundreds of thousands of small arrays (the statements' postings at 1,000,000
articles) that was ~100 MB more at the moment the index was pickled. So a value may write its
largest parts after its pickle, each with a memo of its own (`pickled_apart`, and
`unpickled_apart` to read them back): `dump` and `load` do that for the value they are given.
"""

from __future__ import annotations

import copyreg
import itertools
import pickle
from array import array
from typing import Any, Callable, Iterable, Iterator

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


def _pickler(file: Any) -> pickle.Pickler:
    pickler = pickle.Pickler(file, protocol=5)
    pickler.dispatch_table = _DISPATCH
    return pickler


class Apart:
    """What `dump` pickles for a value with a `pickled_apart` method: its class and the state it
    returned; what that method wrote after it is read back by the class's `unpickled_apart`."""

    def __init__(self, cls: type, state: Any) -> None:
        self.cls, self.state = cls, state


def dump(value: Any, file: Any) -> None:
    """`pickle.dump(value, file, protocol 5)`, its arrays written from their own memory. A value
    with a `pickled_apart()` method (returning its state and a function that writes the rest into
    `file`) is pickled as that state, the rest written after it; `load` reads it back."""
    apart = getattr(value, "pickled_apart", None)
    if apart is None:
        _pickler(file).dump(value)
        return
    state, write_rest = apart()
    _pickler(file).dump(Apart(type(value), state))
    write_rest(file)


def load(file: Any) -> Any:
    """What `dump` wrote (or `pickle.dump`): a value pickled apart is made by its class's
    `unpickled_apart(state, file)`, which reads the rest from `file`."""
    value = pickle.load(file)
    if isinstance(value, Apart):
        return value.cls.unpickled_apart(value.state, file)
    return value


def dump_dict_in_chunks(items: dict[Any, Any], file: Any, size: int = 10_000) -> None:
    """A dict pickled as how many chunks follow, then consecutive dicts of at most `size` of its
    items, each by a pickler (and memo) of its own."""
    _pickler(file).dump(-(-len(items) // size))
    iterator = iter(items.items())
    while chunk := dict(itertools.islice(iterator, size)):
        _pickler(file).dump(chunk)


def load_dict_in_chunks(file: Any) -> dict[Any, Any]:
    """What `dump_dict_in_chunks` wrote."""
    items: dict[Any, Any] = {}
    for _ in range(pickle.load(file)):
        items.update(pickle.load(file))
    return items


class _SharingPickler(pickle.Pickler):
    """A protocol-5 pickler (arrays from their own memory) that writes the objects of `shared` (their
    `id` -> a reference) as those references, for an unpickler that has the objects already."""

    def __init__(self, file: Any, shared: dict[int, Any]) -> None:
        super().__init__(file, protocol=5)
        self.dispatch_table = _DISPATCH
        self._shared = shared

    def persistent_id(self, obj: Any) -> Any:
        return self._shared.get(id(obj))


class _SharingUnpickler(pickle.Unpickler):
    def __init__(self, file: Any, resolve: Callable[[Any], Any]) -> None:
        super().__init__(file)
        self._resolve = resolve

    def persistent_load(self, reference: Any) -> Any:
        return self._resolve(reference)


def dump_list_in_chunks(values: Iterable[Any], count: int, file: Any, shared: dict[int, Any],
                        size: int = 10_000) -> None:
    """`count` values pickled as how many chunks follow, then lists of at most `size` of them, each
    by a pickler (and memo) of its own. Objects they share with what was pickled before them (the
    ids `shared` maps to references) are written as those references: `load_list_in_chunks`
    gives them back as the objects the caller's `resolve` returns, so the values share them again."""
    _pickler(file).dump(-(-count // size))
    iterator = iter(values)
    while chunk := list(itertools.islice(iterator, size)):
        _SharingPickler(file, shared).dump(chunk)


def load_list_in_chunks(file: Any, resolve: Callable[[Any], Any]) -> Iterator[list[Any]]:
    """The chunks `dump_list_in_chunks` wrote, one at a time."""
    for _ in range(pickle.load(file)):
        yield _SharingUnpickler(file, resolve).load()


def write_bytes(data: bytes | bytearray | Iterable[bytes], file: Any) -> None:
    """A buffer written as it is (`link.linker._Deflating` compresses it a slice at a time), or the
    blocks given, one at a time."""
    for block in (data,) if isinstance(data, (bytes, bytearray)) else data:
        file.write(block)


def read_bytes(file: Any, size: int) -> bytearray:
    """`size` bytes read from `file` into one bytearray (no intermediate copies); EOFError if fewer."""
    data = bytearray(size)
    with memoryview(data) as view:
        at = 0
        while at < size:
            got = file.readinto(view[at:])
            if not got:
                raise EOFError(f"{size - at} bytes missing of {size}")
            at += got
    return data

