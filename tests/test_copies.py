"""Copy detection: kinds, direction and changes, on text we wrote and on the sample's gold."""

from __future__ import annotations

import json

import pytest

from conftest import SAMPLE
from dossier.link.copies import ArticleText, CopyIndex, candidate_keys, find_copies

WIRE = [
    "HARBOR CITY (Coastal Wire) — The port authority said on Monday that it would close the north terminal for repairs until the end of April.",
    "The closure will affect about 40 container ships a week, according to figures released by the authority.",
    "\"We cannot keep the cranes running safely in their current state,\" port director Ana Ruiz told reporters at the terminal gate.",
    "Shipping companies have been told to divert cargo to the south terminal, which will extend its opening hours during the closure.",
    "Dock workers' union leader Tomas Vidal said the union had not been consulted and would ask the city council for a hearing next week.",
    "The repairs are expected to cost about 12 million dollars, paid from the port's maintenance reserve and a state grant.",
]


def article(id_, paragraphs, published=None, outlets=()):
    return ArticleText(id_, "\n\n".join(paragraphs), published, list(outlets))


def relation(found, copy_id):
    return next((r for r in found if r["article"] == copy_id), None)


def test_reprint_with_new_dateline_and_a_dropped_paragraph_is_syndicated():
    original = article("wire", WIRE, "2025-03-03", ["Coastal Wire"])
    reprint = article("paper", ["HARBOR CITY — " + WIRE[0].split("— ", 1)[1], *WIRE[1:5]], "2025-03-04", ["Daily Paper"])
    (r,) = find_copies([reprint, original])
    assert (r["article"], r["of"], r["kind"]) == ("paper", "wire", "syndicated")
    kinds = [c["kind"] for c in r["changes"]]
    assert "credit removed" in kinds and "sentence dropped" in kinds
    assert r["passages"] and all(p["same"] for p in r["passages"])


def test_rewrite_that_changes_a_number_and_a_quote_says_so():
    changed = list(WIRE)
    changed[1] = "The closure will affect about 14 container ships a week, according to figures released by the authority."
    changed[2] = "\"We cannot keep the old cranes working safely as they are,\" port director Ana Ruiz told reporters at the terminal gate."
    found = find_copies([article("wire", WIRE, "2025-03-03"), article("blog", changed, "2025-03-05")])
    r = relation(found, "blog")
    assert r["of"] == "wire" and r["kind"] == "rewrite"
    by_kind = {c["kind"]: c for c in r["changes"]}
    assert by_kind["number changed"]["original"] == "40" and by_kind["number changed"]["copy"] == "14"
    assert "quote reworded" in by_kind


def test_heavy_rewrite_with_a_third_of_words_changed_is_still_found():
    rewritten = [
        "The port authority announced on Monday it will shut the north terminal for repair work until late April.",
        "The shutdown is going to affect roughly 40 container ships each week, according to numbers the authority released.",
        "\"We cannot keep the cranes running safely in their current state,\" port director Ana Ruiz told journalists at the gate.",
        "Shipping firms were told to send cargo to the south terminal, which will stay open longer while the closure lasts.",
    ]
    found = find_copies([article("wire", WIRE, "2025-03-03"), article("rewrite", rewritten, "2025-03-04")])
    r = relation(found, "rewrite")
    assert r is not None and r["of"] == "wire" and r["kind"] == "rewrite"


def test_two_reports_sharing_only_quotations_are_not_copies():
    """Independent reports of one statement quote the same words; quotes[] records that."""
    quote_a = "\"We cannot keep the cranes running safely in their current state,\" port director Ana Ruiz said."
    quote_b = "\"The union was never asked, and we will take this to the council next week,\" union leader Tomas Vidal said."
    one = article("one", ["Harbor City will lose its busiest terminal for two months this spring.", quote_a,
                          "Local businesses worry about delays, and truckers expect longer lines at the south gate.",
                          quote_b], "2025-03-04")
    two = article("two", ["Port officials defended the timing of the repairs in a packed meeting on Monday evening.", quote_a,
                          "Council members asked for a written plan for the diverted cargo before Friday.", quote_b,
                          "The mayor did not attend the meeting and her office declined to comment on the closure."],
                  "2025-03-04")
    assert find_copies([one, two]) == []


def test_unrelated_articles_on_the_same_topic_are_not_copies():
    other = article("other", [
        "The north terminal of the port reopened in 2019 after a two-year expansion that doubled its capacity.",
        "Port officials said at the time that the new cranes would last for at least two decades of heavy use.",
        "Container traffic has since grown by about a fifth, with most ships arriving from Asian ports.",
    ], "2025-01-10")
    assert find_copies([article("wire", WIRE, "2025-03-03"), other]) == []


def test_reprints_of_one_wire_point_to_the_wire_not_to_each_other():
    wire = article("wire", WIRE, "2025-03-03", ["Coastal Wire"])
    reprints = [article(f"r{i}", WIRE[:5] + [f"Reprinted by outlet number {i} with permission of its editors today."],
                        "2025-03-04", [f"Outlet {i}"]) for i in range(4)]
    found = find_copies([*reprints, wire])
    assert sorted((r["article"], r["of"]) for r in found) == [(f"r{i}", "wire") for i in range(4)]


def test_direction_by_credit_when_dates_do_not_decide():
    original = article("wire", WIRE, None, ["Coastal Wire"])
    copy = article("copy", WIRE[1:] + ["This story was first published by Coastal Wire."], None, ["Daily Paper"])
    (r,) = find_copies([original, copy])
    assert (r["article"], r["of"], r["direction"]) == ("copy", "wire", "credited by the copy")
    assert r["credited"] is True


GOLD = json.loads((SAMPLE / "gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample(built_sample):
    return built_sample


def test_sample_gold_copies_are_found_with_kind_and_direction(sample):
    document, article_of = sample
    found = {(c["article"], c["of"]): c for c in document["copies"] if c["kind"] != "duplicate"}
    duplicates = {(c["source"][len(str(SAMPLE)) + 1:], c["of_source"][len(str(SAMPLE)) + 1:])
                  for c in document["copies"] if c["kind"] == "duplicate"}
    for gold in GOLD["copies"]:
        copy, of = article_of[gold["source"]], article_of[gold["of"]]
        if copy == of:  # the same clean text: one article, the later source a duplicate
            assert (gold["source"], gold["of"]) in duplicates or (gold["of"], gold["source"]) in duplicates, gold["source"]
            continue
        assert (copy, of) in found, (gold["source"], gold["of"])
        assert found[(copy, of)]["kind"] == gold["kind"], (gold["source"], found[(copy, of)]["kind"])


def test_sample_copies_outside_gold_are_few_and_within_one_story(sample):
    """The gold lists the copies it was written with; an article that paraphrases another
    outlet's facts on a related event (the sample has such reuse) may also be found."""
    document, article_of = sample
    story_of = {article_of[a["source"]]: a.get("story") for a in GOLD["articles"]}
    gold_pairs = {(article_of[g["source"]], article_of[g["of"]]) for g in GOLD["copies"]}
    extra = [c for c in document["copies"] if c["kind"] != "duplicate" and (c["article"], c["of"]) not in gold_pairs]
    assert len(extra) <= 3
    for c in extra:
        assert story_of[c["article"]] == story_of[c["of"]]


COUNCIL = [
    "RIVERTON (Valley Post) — The city council voted on Tuesday to raise bus fares by 25 cents from the first of June.",
    "Council members said the increase would cover a budget gap left by rising fuel costs and a smaller state grant.",
    "Riders' association chair Mei Lin told the meeting that the poorest commuters would pay the price for the decision.",
    "The transit agency will add two night routes to the airport and the hospital district later in the summer.",
    "Fares for students and pensioners stay at their current level until a review of discounts next spring.",
    "The vote passed seven to four after a debate that lasted more than three hours in the packed chamber.",
]


def test_candidate_keys_are_signed_64_bit_and_the_same_in_another_process():
    import subprocess
    import sys

    text = "\n\n".join(WIRE)
    keys = candidate_keys(ArticleText("x", text, None, []))
    assert keys == sorted(set(keys)) and all(-2**63 <= k < 2**63 for k in keys)
    assert 2 * len(WIRE) <= len(keys) <= 3 * len(WIRE)  # a few keys per sentence of enough content words
    code = ("import sys, json; from dossier.link.copies import ArticleText, candidate_keys; "
            "print(json.dumps(candidate_keys(ArticleText('y', sys.stdin.read(), None, []))))")
    other = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "123", "PATH": ""})
    assert json.loads(other.stdout) == keys


def test_copy_index_finds_a_copy_when_it_is_added_and_agrees_with_find_copies():
    wire = article("wire", WIRE, "2025-03-03", ["Coastal Wire"])
    other = article("council", COUNCIL, "2025-03-03", ["Valley Post"])
    reprint = article("paper", WIRE[:5] + ["The paper's own reporter visited the terminal gate on Tuesday morning."],
                      "2025-03-04", ["Daily Paper"])
    index = CopyIndex()
    assert index.add(wire) == [] and index.add(other) == []
    (r,) = index.add(reprint)
    assert (r["article"], r["of"], r["kind"]) == ("paper", "wire", "syndicated")
    assert index.relations() == find_copies([reprint, other, wire])
    # a linker's index finds the same, and keeps no relations of its own (the linker keeps them)
    linkers = CopyIndex(keep_relations=False)
    assert [linkers.add(a) for a in (wire, other, reprint)] == [[], [], [r]]
    assert not len(linkers._found)
    with pytest.raises(ValueError, match="does not keep its relations"):
        linkers.relations()


def test_a_copy_stitched_from_two_articles_keeps_both_sources():
    wire = article("wire", WIRE, "2025-03-03")
    council = article("council", COUNCIL, "2025-03-03")
    stitched = article("digest", WIRE[:3] + COUNCIL[3:], "2025-03-05")
    found = find_copies([wire, council, stitched])
    assert sorted(r["of"] for r in found if r["article"] == "digest") == ["council", "wire"]
    # each source is credited with its own passages of the copy, not the other's
    by_source = {r["of"]: {p["start"] for p in r["passages"]} for r in found if r["article"] == "digest"}
    assert not by_source["wire"] & by_source["council"]


def test_shared_single_quoted_statement_is_not_a_copy():
    """British-style outlets quote in single marks; a statement both carry, one of them
    cut off before its closing mark, is still a quotation, not copied prose."""
    statement = ("'We cannot keep the cranes running safely in their current state. The terminal will reopen "
                 "when every crane has been inspected and repaired by the manufacturer's own engineers. "
                 "Shipping lines have been told to plan for the south gate until the end of April.'")
    one = article("one", ["Harbor City will lose its busiest terminal for two months this spring, officials said.",
                          "Port director Ana Ruiz said in a statement on Monday:", statement,
                          "Local businesses worry about delays, and truckers expect longer lines at the south gate."],
                  "2025-03-04")
    two = article("two", ["Port officials defended the timing of the repairs in a packed meeting on Monday evening.",
                          "In a statement, director Ana Ruiz said:", statement[:-40]], "2025-03-04")
    assert find_copies([one, two]) == []


def test_an_original_added_after_its_copy_is_still_the_original():
    """Incremental linking takes articles as they arrive; the direction comes from the dates."""
    index = CopyIndex()
    index.add(article("paper", ["HARBOR CITY — " + WIRE[0].split("— ", 1)[1], *WIRE[1:5]], "2025-03-04", ["Daily Paper"]))
    (r,) = index.add(article("wire", WIRE, "2025-03-03", ["Coastal Wire"]))
    assert (r["article"], r["of"], r["direction"]) == ("paper", "wire", "published earlier")
    assert [(c["article"], c["of"]) for c in index.relations()] == [("paper", "wire")]


def test_an_article_sharing_one_key_is_verified_only_when_published_near():
    # WIRE is short (6 sentences): its single shared key is enough to verify it, but only when the
    # two dates can be within WEAK_MATCH_DAYS; two shared keys are verified whatever the dates
    index = CopyIndex()
    index.add(article("wire", WIRE, "2025-03-03"))
    keys = candidate_keys(article("wire", WIRE))
    one, two = [keys[0]], keys[:2]
    assert index.candidates(one, "2025-03-06") == [0]
    assert index.candidates(one, "2025-02-26") == [0]  # before it, within the window too
    assert index.candidates(one, "2025-05-20") == []
    assert index.candidates(one, "2024-03-03") == []
    assert index.candidates(one, None) == [0]  # an undated article cannot be ruled out
    assert index.candidates(one, "2025-03") == [0]  # a month that holds the wire's day
    assert index.candidates(one, "2025-06") == []
    assert index.candidates(two, "2025-05-20") == [0]


def test_a_rewrite_of_a_short_article_a_week_later_is_still_found_and_a_year_later_needs_more_keys():
    rewritten = [p.replace("said on Monday", "announced on Monday").replace("about", "roughly") for p in WIRE[:4]]
    index = CopyIndex()
    index.add(article("wire", WIRE, "2025-03-03"))
    near = index.add(article("near", rewritten, "2025-03-09"))
    assert [(r["article"], r["of"]) for r in near] == [("near", "wire")]
    keys = candidate_keys(article("near", rewritten))
    shared = len(set(keys) & set(candidate_keys(article("wire", WIRE))))
    # sharing several keys (most sentences kept their words), the year-later rewrite is verified and found
    assert shared >= 2
    later = CopyIndex()
    later.add(article("wire", WIRE, "2025-03-03"))
    assert [(r["article"], r["of"]) for r in later.add(article("far", rewritten, "2026-03-09"))] == [("far", "wire")]
