"""Compact holders for the Linker's own per-article state (`link.linker.Linker`).

At 100,000 articles the Linker's own attributes were ~160 MB resident, most of it small Python
objects per article: the analysis key each article was linked with (a dict of 100,000 strings of
~60 characters), and each copy's candidate relations and exported relations as small zlib texts.
These keep the same values in fewer objects:

* `AnalysisKeys`: article id -> analysis key, as a dict whose values are the keys' common tails
  (`analysis_key` is the text's hash, which is nearly always the article's id, then the dates
  and the analysis settings, shared by many articles), so most keys cost no object of their own;
* `CopyRelations`: copy id -> its candidate relations, one compressed JSON list per copy with a
  preset dictionary of the relations' field names (small texts compress badly on their own);
* `KeptRelations`: copy id -> the relations exported for it, as their places in its candidate
  relations (they are always some of them), not as a second copy of their JSON.
"""

from __future__ import annotations

import json
import sys
import zlib
from collections.abc import Iterator
from typing import Any

# What relations' JSON says again and again (link.copies.classify), most common last, as zlib's
# preset dictionary: a relation of ~1 KB compressed alone keeps its field names' bytes otherwise.
_ZDICT = (
    '"kind": "sentence dropped", "original": "kind": "sentence added", "original": null, "copy": '
    '"kind": "words added", "original": null, "kind": "words omitted", "kind": "title changed", '
    '"kind": "name swapped", "kind": "quote reworded", "kind": "number changed", "kind": "reworded", '
    '"kind": "shared-source", "kind": "syndicated", "kind": "duplicate", "kind": "rewrite", '
    '"direction": "credited by the copy", "direction": "longer", "direction": "undecided", '
    '"direction": "published earlier", "credited": false, "credited": true, '
    '{"kind": "sentence reworded", "original": "'
    '"changes": [], "coverage": {"copy": 0.9, "original": 0.8}, "identical": 1.0, '
    '[{"article": "", "of": "", "kind": "rewrite", "similarity": 0.7, "changes": [{"kind": "'
    '"passages": [{"of_start": 0, "of_end": 1, "start": 0, "end": 1, "same": false}, '
    '{"of_start": 1, "of_end": 2, "start": 1, "end": 2, "same": true}, {"of_start": '
).encode("utf-8")


def pack_json(value: Any) -> bytes:
    """JSON, compressed with the relations' preset dictionary."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, _ZDICT)
    return packer.compress(json.dumps(value, ensure_ascii=False).encode("utf-8")) + packer.flush()


def unpack_json(packed: bytes) -> Any:
    unpacker = zlib.decompressobj(zdict=_ZDICT)
    return json.loads(unpacker.decompress(packed) + unpacker.flush())


class AnalysisKeys:
    """Article id -> the analysis key it was linked with (`link.corpus` compares them with the
    store's keys, so they are kept whole): a key "<id>|<tail>" is held as its tail, one string
    shared by every article with that tail; any other key as it is."""

    def __init__(self) -> None:
        self._tails: dict[str, str] = {}  # article id -> its key's tail (the key is "id|tail")
        self._whole: dict[str, str] = {}  # article id -> its key, when it does not start with "id|"
        self._shared: dict[str, str] = {}  # each distinct tail once

    def __len__(self) -> int:
        return len(self._tails) + len(self._whole)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnalysisKeys) and (self._tails, self._whole) == (other._tails, other._whole)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._tails or article_id in self._whole

    def __iter__(self) -> Iterator[str]:
        yield from self._tails
        yield from self._whole

    def keys(self) -> set[str]:
        return set(self)

    def __getitem__(self, article_id: str) -> str:
        tail = self._tails.get(article_id)
        return self._whole[article_id] if tail is None else f"{article_id}|{tail}"

    def get(self, article_id: str, default: Any = None) -> Any:
        return self[article_id] if article_id in self else default

    def __setitem__(self, article_id: str, key: str) -> None:
        self._tails.pop(article_id, None)
        self._whole.pop(article_id, None)
        article_id = sys.intern(article_id)  # the same string as the other per-article maps' (LeadFacts)
        if key.startswith(article_id + "|"):
            tail = key[len(article_id) + 1:]
            self._tails[article_id] = self._shared.setdefault(tail, tail)
        else:
            self._whole[article_id] = key


class CopyRelations:
    """Copy id -> its candidate relations (dicts in, dicts out), one packed list per copy."""

    def __init__(self) -> None:
        self._packed: dict[str, bytes] = {}

    def __len__(self) -> int:
        return len(self._packed)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CopyRelations) and self._packed == other._packed

    def __contains__(self, copy: object) -> bool:
        return copy in self._packed

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def get(self, copy: str) -> list[dict[str, Any]]:
        packed = self._packed.get(copy)
        return unpack_json(packed) if packed is not None else []

    def append(self, copy: str, relation: dict[str, Any]) -> None:
        self._packed[sys.intern(copy)] = pack_json(self.get(copy) + [relation])


class KeptRelations:
    """Copy id -> the relations exported for it: the places of those relations in its
    `CopyRelations` list (which only grows), or, for any that are not there, their packed JSON."""

    def __init__(self, relations: CopyRelations) -> None:
        self._relations = relations
        self._kept: dict[str, tuple[int, ...] | bytes] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeptRelations) and (self._kept, self._relations) == (other._kept, other._relations)

    def __contains__(self, copy: object) -> bool:
        return copy in self._kept

    def __iter__(self) -> Iterator[str]:
        return iter(self._kept)

    def set(self, copy: str, kept: list[dict[str, Any]], candidates: list[dict[str, Any]]) -> None:
        """`kept`: the relations to export, `candidates`: the copy's relations as `CopyRelations` has them."""
        places = {id(r): n for n, r in enumerate(candidates)}
        at = [places.get(id(r)) for r in kept]
        copy = sys.intern(copy)
        self._kept[copy] = pack_json(kept) if None in at else tuple(at)  # type: ignore[arg-type]

    def get(self, copy: str) -> list[dict[str, Any]]:
        kept = self._kept[copy]
        if isinstance(kept, bytes):
            return unpack_json(kept)
        relations = self._relations.get(copy)
        return [relations[n] for n in kept]
