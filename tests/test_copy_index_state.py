"""The copy index's cache of split articles is a cache: it is not saved with the linking state,
and an index saved and loaded again finds the same copies as one kept in memory."""

from __future__ import annotations

import pickle
from pathlib import Path

from dossier.link.copies import ArticleText, CopyIndex

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample" / "txt"


def test_a_saved_copy_index_finds_what_the_resident_one_finds():
    texts = sorted(p.read_text(encoding="utf-8") for p in SAMPLE.glob("*.txt"))
    resident = CopyIndex()
    for n, text in enumerate(texts):
        resident.add(ArticleText(f"a{n}", text, f"2025-03-{n + 1:02d}", [f"outlet{n}.example"]))
    assert resident._prepared  # the articles just added are kept split, as candidates of the next ones
    saved = pickle.dumps(resident)
    loaded = pickle.loads(saved)
    assert not loaded._prepared and len(loaded) == len(resident)
    # a reprint of each with a wire dateline: found as a copy of it by both indexes
    reprints = 0
    for n, text in enumerate(texts):
        copy = "MEXICO CITY (AP) — " + text
        found = [resident.add(ArticleText(f"c{n}", copy, "2025-04-01", ["reprints.example"])),
                 loaded.add(ArticleText(f"c{n}", copy, "2025-04-01", ["reprints.example"]))]
        assert found[0] == found[1]
        reprints += any(r["article"] == f"c{n}" and r["of"] == f"a{n}" and r["kind"] == "syndicated" for r in found[0])
    assert reprints == len(texts)
    assert resident.relations() == loaded.relations()


def test_key_holders_keep_the_first_holders_of_each_key_across_merges_and_a_save():
    """KeyHolders (sorted numpy arrays and a dict of recent keys, merged as it fills) answers as a
    plain dict of key -> the first MAX_HOLDERS indexes would, before and after a merge and a
    pickle round trip, for keys anywhere in the signed 64-bit range."""
    import random
    from collections import Counter

    from dossier.link.copies import MAX_HOLDERS, KeyHolders

    rng = random.Random(5)
    pool = [rng.randrange(-2**63, 2**63) for _ in range(300)]  # few keys: many reach MAX_HOLDERS
    holders, plain = KeyHolders(), {}
    holders.RECENT = 40  # merge often
    for index in range(2000):
        asked = sorted(set(rng.sample(pool, 15)))
        expected = Counter(i for key in asked for i in plain.get(key, []))
        assert holders.holders(asked) == expected
        keys = sorted(set(rng.sample(pool, rng.randrange(0, 20))))
        holders.add(keys, index)
        for key in keys:
            if len(plain.setdefault(key, [])) < MAX_HOLDERS:
                plain[key].append(index)
        if index == 1000:
            holders = pickle.loads(pickle.dumps(holders))
            holders.RECENT = 40
    assert any(len(v) == MAX_HOLDERS for v in plain.values())
    assert holders.stats() == (len(plain), sum(1 for v in plain.values() if len(v) >= 2))
    assert holders.holders(pool) == Counter(i for key in pool for i in plain.get(key, []))


def test_an_index_reading_texts_from_the_store_keeps_none_and_finds_the_same_copies():
    """Linked from a store, the index keeps no text (CopyIndex.texts reads it by id when a
    candidate must be split again): the saved index is smaller and, loaded with a reader again,
    finds what an index keeping every text finds; without a reader it says what is missing."""
    import pytest

    texts = {f"a{n}": t for n, t in enumerate(sorted(p.read_text(encoding="utf-8") for p in SAMPLE.glob("*.txt")))}
    reads: list[str] = []

    def store(article_id: str) -> str:
        reads.append(article_id)
        return texts[article_id]

    keeping, reading = CopyIndex(), CopyIndex()
    reading.texts = store
    for n, (article_id, text) in enumerate(texts.items()):
        for index in (keeping, reading):
            index.add(ArticleText(article_id, text, f"2025-03-{n + 1:02d}", [f"outlet{n}.example"]))
    assert not reading._packed  # no text kept
    assert len(keeping._packed) == len(keeping) and all(keeping._packed.values())
    saved = pickle.dumps(reading)
    assert len(saved) < len(pickle.dumps(keeping)) / 2
    loaded = pickle.loads(saved)
    assert loaded.texts is None and not loaded._prepared
    copy = ArticleText("c0", "MEXICO CITY (AP) — " + texts["a0"], "2025-03-02", ["reprints.example"])
    with pytest.raises(RuntimeError, match="keeps no text of article a0"):
        pickle.loads(saved).add(copy)
    loaded.texts = store
    kept = pickle.loads(pickle.dumps(keeping))  # its cache emptied as well
    found = loaded.add(copy)
    assert found == kept.add(copy) and any(r["of"] == "a0" and r["kind"] == "syndicated" for r in found)
    assert "a0" in reads  # the candidate's text was read from the "store", not kept
    assert loaded.relations() == kept.relations()


def test_key_holders_insert_in_their_own_buffer_as_numpy_inserts():
    """Merging recent keys inserts pairs into the sorted array in place (`KeyHolders._insert`, the
    pairs after each insertion point moved up a chunk at a time), growing its buffer by a sixteenth
    when full: the array is what `np.insert` gives, before and after a pickle round trip, and a
    merge that fits reuses the buffer."""
    import numpy as np

    from dossier.link.copies import KeyHolders

    rng = np.random.default_rng(3)
    holders, expected = KeyHolders(), np.empty(0, np.uint64)
    holders._CHUNK = 7  # several chunks per merge
    buffers = []
    for round_ in range(40):
        values = np.sort(rng.integers(0, 2**40, rng.integers(0, 30), dtype=np.uint64))
        at = np.searchsorted(expected, values, "right")
        expected = np.insert(expected, at, values)
        holders._insert(at, values)
        assert np.array_equal(holders._values, expected)
        buffers.append(holders._buffer)
        if round_ == 20:
            holders = pickle.loads(pickle.dumps(holders, protocol=pickle.HIGHEST_PROTOCOL))
            holders._CHUNK = 7
            assert holders._buffer is None and np.array_equal(holders._values, expected)
    assert len(expected) > 300
    assert any(a is b for a, b in zip(buffers, buffers[1:]))  # room left by a growth was used
    assert all(len(b) >= len(expected) // 2 for b in buffers[-1:])
