"""Who said what in the bundled synthetic sample, built end to end, against its gold file."""

from __future__ import annotations

import json

import pytest
from rapidfuzz import fuzz

from conftest import SAMPLE
from dossier.link.quotes import normalize_quote

GOLD = json.loads((SAMPLE / "gold.json").read_text(encoding="utf-8"))
# Renderings in another language are out of reach of wording-based merging, and so are
# paraphrases ("completely off the table" for "absolutely ruled out"): an altered quote is
# required to join only when it is a rewording (rapidfuzz ratio >= 60 to the gold text).
SAME_LANGUAGE_FORMS = {"exact", "altered", "fragment"}


def _reworded(gold_text, occurrence):
    return occurrence["form"] != "altered" or fuzz.ratio(normalize_quote(gold_text), normalize_quote(occurrence["text"])) >= 60


@pytest.fixture(scope="module")
def sample(built_sample):
    return built_sample


def _occurrences_in(document, article_id, wording):
    """Every exported occurrence in that article whose text is (or contains) the wording."""
    want = normalize_quote(wording)
    found = []
    for quote in document["quotes"]:
        for occ in quote["occurrences"]:
            if occ["article"] == article_id and want in normalize_quote(occ["text"]):
                found.append((quote, occ))
    return found


def _gold_occurrences(forms):
    for quote in GOLD["quotes"]:
        for occ in quote["occurrences"]:
            if occ["form"] in forms and not occ.get("optional"):
                yield quote, occ


def test_every_gold_quotation_is_found_where_gold_says(sample):
    document, article_of = sample
    missing = [(q["key"], o["source"], o["text"]) for q, o in _gold_occurrences(SAME_LANGUAGE_FORMS)
               if not _occurrences_in(document, article_of[o["source"]], o["text"])]
    assert missing == []


def _names(document, occ):
    """Every name the occurrence's speaker goes by: its actor's name and aliases."""
    actor = next((a for a in document["actors"] if a["id"] == occ["speaker"]), None)
    return {occ["speaker_name"]} | ({actor["name"], *actor["aliases"]} if actor else set())


def test_each_occurrence_names_the_speaker_its_article_gives(sample):
    document, article_of = sample
    wrong = []
    for q, o in _gold_occurrences({"exact", "altered"}):
        names = set()
        for _, occ in _occurrences_in(document, article_of[o["source"]], o["text"]):
            names |= _names(document, occ)
        if o["speaker_given"] not in names:
            wrong.append((q["key"], o["source"], o["speaker_given"], sorted(n or "" for n in names)))
    assert wrong == []


def test_one_statement_per_gold_quote_with_its_real_speaker_and_carriers(sample):
    document, article_of = sample
    for gold in GOLD["quotes"]:
        occs = [o for o in gold["occurrences"] if o["form"] in SAME_LANGUAGE_FORMS and not o.get("optional")
                and _reworded(gold["text"], o)]
        holders = {}
        for o in occs:
            for quote, _ in _occurrences_in(document, article_of[o["source"]], o["text"]):
                holders.setdefault(quote["id"], quote)
        full = [q for q in holders.values() if q["kind"] != "fragment"] or list(holders.values())
        assert len(full) == 1, (gold["key"], [q["text"] for q in full])
        merged = full[0]
        speaker = next((a for a in document["actors"] if a["id"] == merged["speaker"]), None)
        assert speaker is not None and gold["speaker"] in {speaker["name"], *speaker["aliases"]}, gold["key"]
        carried = {occ["article"] for occ in merged["occurrences"]}
        expected = {article_of[o["source"]] for o in occs}
        assert expected <= carried, gold["key"]
        first = {article_of[s] for s in gold["first_seen"]}
        assert merged["first_seen"] in first, gold["key"]


def test_actors_include_every_gold_speaker_with_dated_roles(sample):
    document, _ = sample
    by_name = {name: a for a in document["actors"] for name in (a["name"], *a["aliases"])}
    for gold in GOLD["quotes"]:
        assert gold["speaker"] in by_name, gold["speaker"]
    amlo = by_name["Andrés Manuel López Obrador"]
    presidencies = [r for r in amlo["roles"] if r["title"].lower().startswith("president") and "Mexico" in r["of"]]
    assert presidencies and presidencies[0]["start"] == "2018-12-01" and presidencies[0]["end"] == "2024-09-30"
