"""JSON that dossier writes into its store and reads back itself, by orjson (C).

Analysis records, claims, flags, statements' occurrences and the rest are encoded once and
decoded several times in a build (by the linker, its children and the claims-and-flags
workers); orjson encodes them five to six times as fast as the standard library and decodes
them 1.1 to 1.6 times as fast (`bench/json_codec.py`). Parsing either's text gives equal
values. The text differs in spacing (orjson writes no space after `,` and `:`), in how some
floats are spelled (`1e-7` for `1e-07`), and in NaN and infinities, which orjson writes as
null (the standard library writes `NaN`, which is not JSON and which SQLite's JSON functions
refuse); no reader looks at the spelling.

Not for what users read or other tools check byte for byte (the export, `check`'s flag ids):
those keep the standard library's formatting.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_SORTED = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
_AS_GIVEN = orjson.OPT_NON_STR_KEYS
# orjson reads an integer past 64 bits as a float (10**30 comes back as 1e30, another number); the
# standard library reads it exactly. Such a number has 20 digits or more in a row, which a byte
# table finds in ~6 µs a record (orjson's read of one: ~50 µs; a regular expression's search: ~85).
_DIGITS_AS_ZERO = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))
_TWENTY_DIGITS = b"0" * 20


def dumps(value: Any, sort_keys: bool = False) -> str:
    """`json.dumps(value, ensure_ascii=False, sort_keys=sort_keys)` less its spaces.

    What orjson refuses (an integer past 64 bits, a float subclass such as numpy's, a lone
    surrogate) goes through the standard library, so what encoded before still does."""
    try:
        return orjson.dumps(value, option=_SORTED if sort_keys else _AS_GIVEN).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    """`json.loads`, for text either encoder wrote: the same values."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if _TWENTY_DIGITS in raw.translate(_DIGITS_AS_ZERO):
        return json.loads(text)  # perhaps an integer past 64 bits
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(text)  # the standard library's NaN and Infinity, which orjson refuses
