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
