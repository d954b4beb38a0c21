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
