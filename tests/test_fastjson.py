"""dossier.fastjson: what the store keeps reads back as the standard library's JSON would."""

from __future__ import annotations

import json

import numpy as np

from dossier import fastjson
from dossier.build import BuildOptions, build
from dossier.store.db import connect

from conftest import SAMPLE

STORED_JSON = {"analyses": "record", "claims": "record", "flags": "record", "quote_occurrences": "record",
               "events": "record", "copies": "record", "claim_features": "features"}


def test_what_a_build_stores_reads_back_equal_and_is_spelled_as_json_spells_it(tmp_path):
    conn = connect(tmp_path / "story.db")
    build([str(SAMPLE)], conn, BuildOptions(workers=1))
    seen = dict.fromkeys(STORED_JSON, 0)
    for table, column in STORED_JSON.items():
        for (text,) in conn.execute(f"SELECT {column} FROM {table}"):
            value = json.loads(text)
            assert fastjson.loads(text) == value
            # the standard library's text but for the spaces: the same keys, order and escapes
            assert fastjson.dumps(value, sort_keys=True) == json.dumps(value, ensure_ascii=False, sort_keys=True,
                                                                      separators=(",", ":"))
            assert fastjson.dumps(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            seen[table] += 1
    assert min(seen.values()) > 0, seen  # every table above has rows in the sample (an empty one tests nothing)
    conn.close()


def test_what_orjson_refuses_is_encoded_by_the_standard_library():
    value = {"big": 10 ** 30, "numpy": np.float64(0.25), "name": "Sheinbaum"}
    assert fastjson.dumps(value, sort_keys=True) == '{"big":1000000000000000000000000000000,"name":"Sheinbaum","numpy":0.25}'
    assert fastjson.loads(fastjson.dumps(value)) == {"big": 10 ** 30, "numpy": 0.25, "name": "Sheinbaum"}


def test_keys_that_are_not_strings_are_written_as_json_writes_them():
    assert fastjson.dumps({2: "b", 1: "a"}, sort_keys=True) == '{"1":"a","2":"b"}'
    assert json.loads(fastjson.dumps({None: 1})) == json.loads(json.dumps({None: 1}))


def test_nan_is_written_as_null_and_the_standard_librarys_nan_still_reads():
    assert fastjson.dumps({"x": float("nan")}) == '{"x":null}'
    old = json.dumps({"x": float("nan"), "y": 1})  # '{"x": NaN, "y": 1}', as stores written before hold it
    read = fastjson.loads(old)
    assert read["y"] == 1 and read["x"] != read["x"]
