"""The linking state is pickled without a second copy of its arrays (`link.pickling`)."""

from __future__ import annotations

import io
import pickle
import tracemalloc
from array import array

from dossier.link import pickling


class _Null:
    def write(self, data) -> int:
        return memoryview(data).nbytes


def _arrays() -> dict:
    shared = array("H")
    return {"ids": [array("H", range(n % 300, n % 300 + 200)) for n in range(5000)],
            "wide": array("Q", [2**63 + 5, 0, 7]), "floats": array("d", [0.5, -1e300]),
            "text": array("u", "señal"), "empty": array("B"), "shared": [shared, shared]}


def test_arrays_come_back_equal_and_shared_ones_stay_shared():
    value = _arrays()
    out = io.BytesIO()
    pickling.dump(value, out)
    back = pickle.loads(out.getvalue())
    assert back == value
    assert all(type(a) is array and a.typecode == b.typecode for a, b in zip(back["ids"], value["ids"]))
    assert back["wide"].typecode == "Q" and back["text"].tounicode() == "señal"
    assert back["shared"][0] is back["shared"][1]


def test_a_state_pickled_the_standard_way_still_loads():
    value = _arrays()
    assert pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) == value


def test_pickling_does_not_keep_a_copy_of_every_array():
    value = {"ids": [array("I", range(250)) for _ in range(20000)]}  # 20 MB of items
    items = sum(len(a) * a.itemsize for a in value["ids"])

    def peak(dump) -> int:
        tracemalloc.start()
        try:
            dump(value, _Null())
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    standard = peak(lambda v, f: pickle.dump(v, f, protocol=5))
    ours = peak(pickling.dump)
    assert standard > items  # the standard pickler's memo keeps each array's bytes until the end
    assert ours < items / 2


def test_the_buffer_an_array_is_read_from_is_emptied():
    data = bytearray(array("I", [1, 2, 3]).tobytes())
    assert pickling._array_from("I", data) == array("I", [1, 2, 3])
    assert data == bytearray()


def test_a_large_buffer_is_compressed_a_slice_at_a_time():
    """`_Deflating` (the state's and the copy stage's spooled indexes) must not hold LZ4's output of a
    whole large array: at 1,000,000 articles the statements' columns are hundreds of MB each."""
    import hashlib
    import os

    import lz4.frame

    from dossier.link.linker import _Deflating

    data = array("B", os.urandom(16 << 20))  # incompressible: LZ4's output is as large as its input
    largest, inflater, digest = [0], lz4.frame.LZ4FrameDecompressor(), hashlib.sha256()

    class Check:  # a file that keeps nothing: it checks what it is given decompresses to the data
        def write(self, chunk: bytes) -> int:
            largest[0] = max(largest[0], len(chunk))
            digest.update(inflater.decompress(chunk))
            return len(chunk)

        def flush(self) -> None:
            pass

    stream = _Deflating(Check())
    tracemalloc.start()
    try:
        stream.write(pickle.PickleBuffer(data))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    stream.close()
    assert digest.digest() == hashlib.sha256(data).digest()
    assert largest[0] < 2 * _Deflating.SLICE
    assert peak < 8 * _Deflating.SLICE  # a slice compressed and checked at a time; the whole buffer: 16 MB twice


class _ManyArrays:
    """A value holding a dict of many small arrays (as the statements' postings), pickled apart."""

    def __init__(self, items: dict) -> None:
        self.items = items

    def pickled_apart(self):
        def write_rest(file) -> None:
            pickling.dump_dict_in_chunks(self.items, file, 1000)
        return {"name": "postings"}, write_rest

    @classmethod
    def unpickled_apart(cls, state, file):
        assert state == {"name": "postings"}
        return cls(pickling.load_dict_in_chunks(file))


def test_a_dict_of_many_arrays_pickled_apart_keeps_the_memo_small():
    """Each array costs the memo a PickleBuffer and a tuple until the dump ends; in batches of 1,000
    with a memo each, 50,000 small arrays take a fraction of the memory they took in one dump."""
    value = _ManyArrays({f"w{n}": array("I", range(n % 7 + 1)) for n in range(50_000)})

    def peak(dump) -> int:
        tracemalloc.start()
        try:
            dump()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    whole = peak(lambda: pickling._pickler(_Null()).dump(value.items))
    apart = peak(lambda: pickling.dump(value, _Null()))
    assert whole > 5_000_000 and apart < whole / 5, (whole, apart)
    out = io.BytesIO()
    pickling.dump(value, out)
    out.seek(0)
    assert pickling.load(out).items == value.items


def test_bytes_are_read_back_whole_or_the_stream_is_said_to_be_short():
    data = bytes(range(256)) * 5000
    out = io.BytesIO()
    pickling.write_bytes(bytearray(data), out)
    pickling.write_bytes(iter([b"ab", b"c"]), out)
    out.seek(0)
    assert pickling.read_bytes(out, len(data)) == data and pickling.read_bytes(out, 3) == b"abc"
    try:
        pickling.read_bytes(io.BytesIO(b"xy"), 3)
    except EOFError as error:
        assert "1 bytes missing of 3" in str(error)
    else:
        raise AssertionError("a short stream must raise")


def test_a_list_pickled_in_chunks_shares_what_it_shared_and_keeps_the_memo_small():
    """`dump_list_in_chunks`: values that refer to objects pickled before them (a vocabulary, interned
    words) get those very objects back; what they share among themselves is shared within a chunk;
    and one memo no longer holds every value's arrays until the end."""
    words = [f"word{n}" for n in range(100)]  # (pickled before the list: in the caller's state)
    vocabulary = {"words": words}
    values = [(vocabulary, words[n % 100], array("I", range(n % 9 + 1))) for n in range(30_000)]
    shared = {id(w): n for n, w in enumerate(words)}
    shared[id(vocabulary)] = -1

    def peak(dump) -> int:
        tracemalloc.start()
        try:
            dump()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    whole = peak(lambda: pickling._pickler(_Null()).dump(values))
    chunked = peak(lambda: pickling.dump_list_in_chunks(values, len(values), _Null(), shared, size=1000))
    assert whole > 3_000_000 and chunked < whole / 5, (whole, chunked)

    out = io.BytesIO()
    pickling.dump_list_in_chunks(values, len(values), out, shared, size=1000)
    out.seek(0)
    chunks = list(pickling.load_list_in_chunks(out, lambda n: vocabulary if n == -1 else words[n]))
    assert [len(c) for c in chunks] == [1000] * 30
    back = [value for chunk in chunks for value in chunk]
    assert back == values
    assert all(v[0] is vocabulary and v[1] is words[n % 100] for n, v in enumerate(back))
    assert pickling.dump_list_in_chunks([], 0, out, shared) is None
