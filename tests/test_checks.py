"""Flag detectors and their runner on small documents we write ourselves (all text invented).

Each detector gets the export-shaped document it would see after linking; the last tests
build a few articles end to end so the flags reach the store and the export.
"""

from __future__ import annotations

import json
import logging

import pytest

from conftest import SHARED, needs_shared, write_jsonl
from dossier.build import build
from dossier.check import DETECTORS, flag_id, run_checks
from dossier.check import copies as copies_check
from dossier.check import dates as dates_check
from dossier.check import quotes as quotes_check
from dossier.check import speakers as speakers_check
from dossier.kb import Actor, KnowledgeBase, Role
from dossier.report.document import build_document
from dossier.report.html import render_html
from dossier.report.markdown import render_markdown

KB = KnowledgeBase([
    Actor("p:ortega", "Lucía Ortega Ruiz", "person", aliases=["Ortega", "Lucía Ortega"], roles=[Role("Governor", "Mexico")]),
    Actor("p:brandt", "Tom Brandt", "person", aliases=["Brandt"], roles=[Role("Senator", "United States")]),
    Actor("p:keller", "Ann Keller", "person", aliases=["Keller"], roles=[Role("Mayor", "United States")]),
])
ACTORS = [{"id": a.id, "name": a.name, "kind": a.kind} for a in KB]


def article(aid: str, text: str, outlet: str = "Lakeside Post", published: str | None = "2025-05-06", lang: str = "en",
            removed: list | None = None, author: str | None = None) -> dict:
    return {"id": aid, "source": f"{aid}.txt", "outlet": None, "outlet_name": outlet, "title": "", "author": author,
            "published": published, "lang": lang, "text": text, "removed": removed or [], "sources": []}


def occurrence(doc_article: dict, wording: str, speaker: str | None, given: str, kind: str = "direct") -> dict:
    text = doc_article["text"]
    start = text.index(wording)
    s = text.find(given, start + len(wording)) if given in text[start + len(wording):] else text.index(given)
    return {"article": doc_article["id"], "start": start, "end": start + len(wording), "text": wording, "kind": kind,
            "speaker": speaker, "speaker_name": None, "speaker_given": given, "speaker_start": s,
            "speaker_end": s + len(given), "via": None}


def document(articles, quotes=(), copies=(), events=()) -> dict:
    return {"articles": list(articles), "actors": ACTORS, "quotes": list(quotes), "copies": list(copies),
            "events": list(events), "stories": [], "claims": []}


def span_text(doc, evidence):
    text = {a["id"]: a["text"] for a in doc["articles"]}
    return text[evidence["article"]][evidence["start"]:evidence["end"]]


# --- the runner ------------------------------------------------------------------------------

def _flag(severity="warning", article="a1", start=0, end=4, kind="date conflict"):
    return {"kind": kind, "severity": severity, "message": "m", "evidence": [{"article": article, "start": start, "end": end}]}


def test_every_module_of_this_branch_is_registered():
    modules = {d.__module__ for d in DETECTORS}
    assert {"dossier.check.speakers", "dossier.check.quotes", "dossier.check.dates", "dossier.check.copies"} <= modules


def test_runner_gives_stable_ids_removes_duplicates_and_sorts():
    info, warning = _flag("info", start=9, end=12), _flag("warning")
    flags = run_checks(document([]), {}, KB, detectors=[lambda d, r, k: [info, warning], lambda d, r, k: [dict(warning)]])
    assert [f["severity"] for f in flags] == ["warning", "info"]
    assert flags[0]["id"] == flag_id(warning) == run_checks(document([]), {}, KB, detectors=[lambda d, r, k: [warning]])[0]["id"]
    assert flag_id(warning) != flag_id(_flag(kind="altered quote"))  # the kind is part of the identity


def test_runner_survives_a_failing_detector_and_drops_malformed_flags(caplog):
    def broken(d, r, k):
        raise RuntimeError("bug")

    with caplog.at_level(logging.ERROR):
        flags = run_checks(document([]), {}, KB, detectors=[broken, lambda d, r, k: [{"kind": "date conflict"}, _flag()]])
    assert len(flags) == 1
    assert "failed" in caplog.text and "malformed" in caplog.text


# --- speaker conflict ------------------------------------------------------------------------

QUOTE = "We will not close the border crossings while the inquiry continues"


def _speaker_doc(third_given="Keller", third_speaker="p:keller", quote_text=QUOTE):
    a1 = article("a1", f"\u201c{quote_text},\u201d Ortega said on Monday.", outlet="Lakeside Post")
    a2 = article("a2", f"Governor Lucía Ortega spoke to reporters. \u201c{quote_text},\u201d Ortega said.", outlet="River Daily")
    a3 = article("a3", f"Ann Keller met reporters. \u201c{quote_text},\u201d {third_given} said.", outlet="Valley Wire")
    occurrences = [occurrence(a1, quote_text, "p:ortega", "Ortega"), occurrence(a2, quote_text, "p:ortega", "Ortega"),
                   occurrence(a3, quote_text, third_speaker, third_given)]
    return document([a1, a2, a3], quotes=[{"id": "q1", "text": quote_text, "occurrences": occurrences}])


def test_speaker_conflict_flags_the_minority_attribution_with_both_names():
    doc = _speaker_doc()
    flags = speakers_check.detect(doc, {}, KB)
    assert len(flags) == 1
    flag = flags[0]
    assert flag["severity"] == "warning" and flag["evidence"][0]["article"] == "a3"
    assert "Valley Wire" in flag["message"] and "Ann Keller" in flag["message"] and "Lucía Ortega Ruiz" in flag["message"]
    assert "2 other articles" in flag["message"]
    shown = [span_text(doc, e) for e in flag["evidence"]]
    assert QUOTE in shown and "Keller" in shown and "Ortega" in shown


def test_speaker_conflict_needs_a_statement_not_a_phrase_and_two_people():
    assert speakers_check.detect(_speaker_doc(quote_text="a national disgrace"), {}, KB) == []
    assert speakers_check.detect(_speaker_doc(third_given="Ortega", third_speaker="p:ortega"), {}, KB) == []


def test_speaker_conflict_even_split_by_pronoun_is_only_info():
    doc = _speaker_doc(third_given="she")
    doc["articles"] = doc["articles"][1:]
    doc["quotes"][0]["occurrences"] = doc["quotes"][0]["occurrences"][1:]
    (flag,) = speakers_check.detect(doc, {}, KB)
    assert flag["severity"] == "info" and "no attribution is given by most sources" in flag["message"]


def test_a_quotation_that_names_its_speaker_is_not_theirs():
    quote_text = "I just spoke with Governor Ortega and we agreed to keep talking"
    doc = _speaker_doc(third_given="Brandt", third_speaker="p:brandt", quote_text=quote_text)
    assert speakers_check.detect(doc, {}, KB) == []  # given to Ortega twice, but the words name Ortega


# --- altered quote ---------------------------------------------------------------------------

def _quote_doc(variant, speaker="p:keller", lang="en", copies=(), same_event=True):
    original = "We are not going to cut the bus routes that families depend on"
    arts = [article("a1", f"\u201c{original},\u201d Keller said.", outlet="Lakeside Post"),
            article("a2", f"Keller was firm. \u201c{original},\u201d she said.", outlet="River Daily"),
            article("a3", f"The mayor spoke. \u201c{variant},\u201d Keller said.", outlet="Valley Wire", lang=lang)]
    occ = [occurrence(arts[0], original, speaker, "Keller"), occurrence(arts[1], original, speaker, "she"),
           occurrence(arts[2], variant, speaker, "Keller")]
    events = [{"id": "e1", "articles": ["a1", "a2", "a3"]}] if same_event else [
        {"id": "e1", "articles": ["a1", "a2"]}, {"id": "e2", "articles": ["a3"]}]
    return document(arts, quotes=[{"id": "q1", "text": original, "speaker": speaker, "occurrences": occ}], copies=copies,
                    events=events)


def test_altered_quote_shows_the_words_changed():
    doc = _quote_doc("We are not going to cut the bus lines that families need")
    (flag,) = quotes_check.detect(doc, {}, KB)
    assert flag["severity"] == "warning" and flag["evidence"][0]["article"] == "a3"
    assert "Valley Wire" in flag["message"] and "Ann Keller" in flag["message"]
    assert "routes" in " ".join(flag["removed"]) and "lines" in " ".join(flag["added"])


def test_a_speaker_saying_it_otherwise_on_another_day_is_not_an_alteration():
    assert quotes_check.detect(_quote_doc("We are not going to cut the bus lines that families need", same_event=False), {}, KB) == []


@pytest.mark.parametrize("variant", [
    "We are not going to cut the bus routes",  # a partial quote
    "the bus routes that families depend on",  # an excerpt from the middle
    "We're not going to cut the bus routes that families depend on",  # a contraction
    "WE ARE NOT GOING TO CUT THE BUS ROUTES THAT FAMILIES DEPEND ON!",  # case and punctuation
    "We are not going to cut … routes that families depend on",  # a gap the article marks
    "We are not going to cut the bus route that families depend on",  # singular for plural
    "We are not going to cut the bus routes that [local] families depend on",  # an editor's insertion
    "We are not going to cut the bus routes that families depend on, and we never were",  # a longer quotation
])
def test_no_alteration(variant):
    assert quotes_check.detect(_quote_doc(variant), {}, KB) == []


def test_a_function_word_changed_is_only_info():
    (flag,) = quotes_check.detect(_quote_doc("We are not going to cut the bus routes that families depend upon"), {}, KB)
    assert flag["severity"] == "warning"  # "upon" is not a function word in our list ...
    (flag,) = quotes_check.detect(_quote_doc("We are not going to cut the bus routes which families depend on"), {}, KB)
    assert flag["severity"] == "info"  # ... but "that"/"which" is not a change of substance


def test_two_translations_of_a_speaker_are_info_unless_one_copies_the_other():
    variant = "We are not going to cut the bus lines that families need"
    (flag,) = quotes_check.detect(_quote_doc(variant, speaker="p:ortega"), {}, KB)
    assert flag["severity"] == "info" and "translations" in flag["message"]
    copied = [{"article": "a3", "of": "a1", "kind": "rewrite", "passages": []}]
    (flag,) = quotes_check.detect(_quote_doc(variant, speaker="p:ortega", copies=copied), {}, KB)
    assert flag["severity"] == "warning"


def test_a_rewrite_that_puts_other_words_in_the_speakers_mouth():
    a1 = article("a1", "Mayor Ann Keller said on Monday that the plan to close the depot was \u201ca serious mistake,\u201d "
                       "after the council voted to sell the land to developers.", outlet="Lakeside Post")
    a2 = article("a2", "Mayor Ann Keller says the plan to close the depot is \u201ca total disaster,\u201d after the "
                       "council voted to sell the land to developers, Lakeside Post reported.", outlet="Valley Wire")
    q1 = {"id": "q1", "text": "a serious mistake", "occurrences": [occurrence(a1, "a serious mistake", "p:keller", "Ann Keller", "fragment")]}
    q2 = {"id": "q2", "text": "a total disaster", "occurrences": [occurrence(a2, "a total disaster", "p:keller", "Ann Keller", "fragment")]}
    rewrite = {"article": "a2", "of": "a1", "kind": "rewrite", "similarity": 0.7, "passages": []}
    doc = document([a1, a2], quotes=[q1, q2], copies=[rewrite])
    (flag,) = quotes_check.detect(doc, {}, KB)
    assert flag["severity"] == "warning"
    assert [span_text(doc, e) for e in flag["evidence"]] == ["a total disaster", "a serious mistake"]
    other = {**rewrite, "kind": "shared-source"}
    assert quotes_check.detect(document([a1, a2], quotes=[q1, q2], copies=[other]), {}, KB) == []


# --- date conflict ---------------------------------------------------------------------------

def test_date_statements_read_english_and_spanish_dates_with_their_subject():
    found = dates_check.date_statements(article("a", "The toll increase, which took effect on Monday, March 3, angered "
                                                     "drivers. La tarifa entró en vigor el 3 de marzo de 2025.",
                                                published="2025-03-05"))
    assert [(s.predicate, s.subject, s.year, s.month, s.day) for s in found] == [
        ("take effect", "increase", 2025, 3, 3), ("take effect", "tarifa", 2025, 3, 3)]
    late = dates_check.date_statements(article("b", "The ban took effect on Dec. 28.", published="2025-01-04"))
    assert late[0].year == 2024  # a year-less date before the publication date


def _dates_doc(second: str, subject_b: str = "toll increase", same_event: bool = True):
    arts = [article("a1", "The toll increase took effect on Monday, March 3, after months of debate.", outlet="Lakeside Post"),
            article("a2", "Drivers were angry. The toll increase, which took effect on March 3, adds a dollar.", outlet="River Daily"),
            article("a3", f"The {subject_b} took effect on {second}, officials said.", outlet="Valley Wire")]
    for a in arts:
        a["published"] = "2025-03-05"
    events = [{"id": "e1", "articles": ["a1", "a2", "a3"]}] if same_event else [
        {"id": "e1", "articles": ["a1", "a2"]}, {"id": "e2", "articles": ["a3"]}]
    return document(arts, events=events)


def test_date_conflict_in_one_event():
    doc = _dates_doc("Feb. 3, 2025")
    (flag,) = dates_check.detect(doc, {}, KB)
    assert flag["severity"] == "warning" and flag["evidence"][0]["article"] == "a3"
    assert span_text(doc, flag["evidence"][0]) == "took effect on Feb. 3, 2025"
    assert "February 3, 2025" in flag["message"] and "March 3, 2025" in flag["message"]


@pytest.mark.parametrize("second, subject, same_event", [
    ("Monday, March 3", "toll increase", True),  # the same day, written otherwise
    ("Feb. 3, 2025", "parking rule", True),  # another happening
    ("Feb. 3, 2025", "toll increase", False),  # another event
])
def test_no_date_conflict(second, subject, same_event):
    assert dates_check.detect(_dates_doc(second, subject, same_event), {}, KB) == []


# --- uncredited copy -------------------------------------------------------------------------

WIRE = ("PORT ALDER (NP) \u2014 The city council voted on Tuesday to sell the old bus depot to a housing developer.\n\n"
        "The sale ends a two-year fight over the land, which neighbours wanted turned into a park.\n\n"
        "Opponents said they would ask a judge to block the sale before the contract is signed next month.")


def _passages(original: str, copy: str) -> list[dict]:
    """Paragraph by paragraph, as copy detection reports matched passages."""
    out, of_at, at = [], 0, 0
    for a, b in zip(original.split("\n\n"), copy.split("\n\n")):
        of_at, at = original.index(a, of_at), copy.index(b, at)
        out.append({"of_start": of_at, "of_end": of_at + len(a), "start": at, "end": at + len(b), "same": True})
    return out


def _copy_doc(copy_text, copy_outlet="Harbor Gazette", removed=None, coverage=0.9, author=None):
    wire = article("w", WIRE, outlet="Northport Press", published="2025-05-06")
    copy = article("c", copy_text, outlet=copy_outlet, published="2025-05-07", removed=removed, author=author)
    relation = {"article": "c", "of": "w", "kind": "syndicated", "similarity": 0.9, "direction": "published earlier",
                "coverage": {"copy": coverage, "original": 0.9},
                "passages": _passages(WIRE, copy_text)}
    return document([wire, copy], copies=[relation])


UNCREDITED = WIRE.replace(" (NP)", "")


def test_uncredited_reprint_of_a_wire_story():
    doc = _copy_doc(UNCREDITED)
    (flag,) = copies_check.detect(doc, {}, KB)
    assert flag["severity"] == "warning"
    assert "Harbor Gazette" in flag["message"] and "Northport Press" in flag["message"]
    assert "The city council voted" in span_text(doc, flag["evidence"][0])


@pytest.mark.parametrize("kwargs", [
    {"copy_text": WIRE},  # the dateline credit kept: "(NP)"
    {"copy_text": UNCREDITED + "\n\nNorthport Press contributed to this report."},
    {"copy_text": UNCREDITED, "removed": [{"text": "By Ines Marr, Northport Press", "reason": "byline"}]},
    {"copy_text": UNCREDITED, "copy_outlet": "Northport Press"},  # the outlet reusing its own story
])
def test_credited_copies_are_not_flagged(kwargs):
    assert copies_check.detect(_copy_doc(**kwargs), {}, KB) == []


def test_partial_reuse_or_another_credit_is_only_info():
    (flag,) = copies_check.detect(_copy_doc(UNCREDITED, coverage=0.3), {}, KB)
    assert flag["severity"] == "info"
    (flag,) = copies_check.detect(_copy_doc(UNCREDITED + "\n\n(Reuters)"), {}, KB)
    assert flag["severity"] == "info" and "Reuters" in flag["message"]


def test_a_few_words_in_common_are_not_material_reproduced():
    doc = _copy_doc(UNCREDITED)
    doc["copies"][0]["passages"] = doc["copies"][0]["passages"][:1]
    doc["copies"][0]["passages"][0]["of_end"] = doc["copies"][0]["passages"][0]["of_start"] + 40
    assert copies_check.detect(doc, {}, KB) == []


def test_an_original_known_by_its_domain_is_credited_by_its_name():
    doc = _copy_doc(UNCREDITED + "\n\n(AP)")
    doc["articles"][0]["outlet_name"], doc["articles"][0]["text"] = "apnews.com", UNCREDITED
    assert copies_check.detect(doc, {}, KB) == []


def test_a_credit_line_names_the_whole_outlet():
    """"Por Noticias del Golfo" credits the whole name, not "Noticias de" (our own lines)."""
    article = {"id": "x", "text": "Reporte especial\nPor Noticias del Golfo\nEl alcalde habló del puente.\n"
                                  "Courtesy of Radio de la Costa del Sur"}
    assert copies_check.credited_names(article) == {"Noticias del Golfo", "Radio de la Costa del Sur"}


def test_initials_are_how_datelines_credit():
    assert copies_check.initials("Continental Press") == "CP"
    assert copies_check.initials("Reuters") is None


# --- end to end ------------------------------------------------------------------------------

WIRE_PARAGRAPHS = [
    "PORT ALDER (NP) \u2014 The city council of Port Alder voted on Tuesday to sell the old bus depot on Harbor Street to a housing developer for 4 million dollars.",
    "The sale ends a two-year fight over the land, which neighbours had wanted turned into a public park with a playground.",
    "\u201cThis is the best use of the land for the families who need homes,\u201d Mayor Ann Keller said after the vote.",
    "Opponents said they would ask a judge to block the sale before the contract is signed next month.",
]


def test_flags_reach_the_store_and_the_export(tmp_path, db):
    copy = [WIRE_PARAGRAPHS[0].replace(" (NP)", "")] + WIRE_PARAGRAPHS[1:]
    write_jsonl(tmp_path / "news.jsonl", [
        {"text": "\n\n".join(WIRE_PARAGRAPHS), "title": "Port Alder sells bus depot", "outlet": "Northport Press",
         "published": "2025-05-06", "lang": "en"},
        {"text": "\n\n".join(copy), "title": "Council sells depot to developer", "outlet": "Harbor Gazette",
         "published": "2025-05-07", "lang": "en"},
    ])
    report = build([str(tmp_path / "news.jsonl")], db)
    assert report.linked["flags"] >= 1
    doc = build_document(db)
    uncredited = [f for f in doc["flags"] if f["kind"] == "uncredited copy"]
    assert len(uncredited) == 1 and uncredited[0]["severity"] == "warning"
    assert "Harbor Gazette" in uncredited[0]["message"]
    assert json.loads(json.dumps(doc["flags"])) == doc["flags"]
    build([str(tmp_path / "news.jsonl")], db)  # building again changes nothing
    assert build_document(db)["flags"] == doc["flags"]
    markdown, html = render_markdown(doc), render_html(db)
    assert "## Flags" in markdown and "uncredited copy" in markdown and "Harbor Gazette" in markdown
    assert "<h1>Flags</h1>" in html and "uncredited copy" in html and "Harbor Gazette" in html


@needs_shared
def test_real_coverage_raises_few_warnings(tmp_path):
    """Real reporting on one story (../shared/data/real-corpus, no planted errors): a loose guard
    against a detector going noisy. The hand-read rate is in BENCHMARKS.md (2.8 warnings per 100
    articles, 0.9 of them rejected); 5 per 100 would mean something changed."""
    from dossier.store.db import connect

    conn = connect(tmp_path / "real.db")
    build([str(SHARED / "data" / "real-corpus" / "articles")], conn)
    doc = build_document(conn)
    conn.close()
    warnings = [f for f in doc["flags"] if f["severity"] != "info"]
    assert len(doc["articles"]) >= 100
    assert 100 * len(warnings) / len(doc["articles"]) < 5, [f["message"] for f in warnings]


def test_an_altered_quote_in_a_copy_is_matched_the_same_whatever_order_the_statements_come_in():
    """Two quotations of one speaker in one paragraph of the original have the same context, so the
    copy's altered quotation matches both equally; the flag names the first by place, not by the
    order the document lists the statements in (a batch reads them in the store's row order, which
    rewriting a statement changes)."""
    original = ('The mayor spoke at the harbor on Monday about the storm damage and the repairs. '
                '"We will rebuild the pier before summer," Ana Ruiz said, and "the ferries will run again by June," she added.')
    copy = ('The mayor spoke at the harbor on Monday about the storm damage and the repairs. '
            '"We shall restore the old dock quickly," Ana Ruiz said, and "boats come back whenever they can," she added.')

    def occurrence(article, text, words, n):
        start = text.index(words)
        return {"id": f"q{n}", "text": words, "speaker": "p:ruiz", "occurrences": [
            {"article": article, "start": start, "end": start + len(words), "text": words, "kind": "direct", "speaker": "p:ruiz"}]}

    quotes = [occurrence("orig", original, "We will rebuild the pier before summer", 1),
              occurrence("orig", original, "the ferries will run again by June", 2),
              occurrence("copy", copy, "We shall restore the old dock quickly", 3),
              occurrence("copy", copy, "boats come back whenever they can", 4)]
    found = []
    for order in (quotes, quotes[::-1], [quotes[1], quotes[3], quotes[0], quotes[2]]):
        document = {"articles": [{"id": "orig", "text": original, "lang": "en", "outlet": "Harbor Daily"},
                                 {"id": "copy", "text": copy, "lang": "en", "outlet": "Coast Wire"}],
                    "copies": [{"article": "copy", "of": "orig", "kind": "rewrite"}], "quotes": order}
        flags = quotes_check._within_copies(document, {a["id"]: a for a in document["articles"]}, {"p:ruiz": "Ana Ruiz"})
        found.append(sorted((f["added"][0], f["removed"][0]) for f in flags))
    assert found[0] and found[0] == found[1] == found[2]
    assert ("we shall restore the old dock quickly", "we will rebuild the pier before summer") in found[0]
