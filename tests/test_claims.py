"""Numeric claims: extraction (English, Spanish), matching across articles, number mismatch.

All texts here are our own sentences; the end-to-end test builds the bundled synthetic sample.
"""

from __future__ import annotations

import json

import pytest

from conftest import SAMPLE
from dossier.analyze.claims import extract_claims
from dossier.check.numbers import detect
from dossier.link.claims import ClaimArticle, claims_for, compatible, link_claims


def one(sentence: str, lang: str = "en", **expected) -> dict:
    claims = extract_claims(sentence, lang)
    assert len(claims) == 1, claims
    claim = claims[0]
    assert sentence[claim["start"]:claim["end"]] == claim["text"]
    for key, value in expected.items():
        assert claim[key] == (pytest.approx(value) if isinstance(value, float) else value), (key, claim)
    return claim


def test_english_claims_with_value_qualifier_unit_and_what_they_count():
    one("Over 70,000 Americans die annually from synthetic opioids, the agency said.",
        text="Over 70,000 Americans die annually", value=70000, qualifier="more than", unit="count",
        counts="Americans die annually", head="american")
    one("The county paid $4 million for the new radios.", text="$4 million", value=4_000_000, unit="USD")
    one("Gunmen killed 14 police officers near the highway.", text="14 police officers", value=14,
        counts="police officers", head="officer")
    one("Washington designated eight major drug cartels as terrorist groups.", text="eight major drug cartels",
        value=8, counts="major drug cartels", head="cartel")
    one("Seizures at the crossing are down by more than half, officials said.", text="more than half",
        value=0.5, unit="fraction", qualifier="more than")
    one("About a third of the budget went to patrols.", text="About a third of the budget", value=1 / 3,
        qualifier="about", unit="fraction")
    one("Turnout rose to 61.5 percent on Sunday.", text="61.5 percent", value=61.5, unit="percent")
    one("The union has worked without a contract for eleven months.", text="eleven months", value=11, unit="months")
    one("Police detained twenty-five people at the rally.", text="twenty-five people", value=25)
    one("Officers seized 3.5 tons of cocaine at the port.", text="3.5 tons of cocaine", value=3.5, unit="tons",
        head="cocaine")
    one("The fund lost US$1.2 billion last quarter.", value=1_200_000_000, unit="USD")
    one("Mexico handed over two dozen suspected cartel members.", value=24, head="member")
    one("Nearly 6 in 10 voters backed the measure.", text="Nearly 6 in 10 voters", value=0.6, unit="fraction",
        qualifier="nearly")
    one("Guam is one of five U.S. territories without a vote.", text="five U.S. territories", value=5, head="territory")


def test_vague_quantities_are_kept_but_marked():
    claim = one("The government sent thousands of National Guard troops north.",
                text="thousands of National Guard troops", unit="count")
    assert claim["vague"] and claim["qualifier"] == "vague"
    one("Authorities handed dozens of accused cartel figures to prosecutors.", value=24, qualifier="vague")


def test_spanish_claims():
    one("En febrero, Washington designó a ocho cárteles como organizaciones terroristas.",
        "es", text="ocho cárteles", value=8, head="cartel")
    one("Un ataque dejó 14 policías heridos en Michoacán.", "es", text="14 policías heridos", value=14, head="policia")
    one("El programa costó 4 millones de dólares.", "es", text="4 millones de dólares", value=4_000_000, unit="USD")
    one("Los decomisos bajaron más de la mitad en la frontera.", "es", text="más de la mitad", value=0.5,
        qualifier="more than", unit="fraction")
    one("Cada año mueren 70 mil personas por sobredosis.", "es", text="70 mil personas", value=70_000,
        head="persona")
    one("Unos 1.500 elementos de la Guardia Nacional llegaron.", "es", value=1500, qualifier="about")
    one("La inflación fue de 4,5 por ciento en marzo.", "es", value=4.5, unit="percent")
    one("El gobierno gastó cien mil pesos.", "es", value=100_000, unit="MXN")
    one("Uno de cada cuatro votantes no decidió.", "es", value=0.25, unit="fraction")
    one("Preocupan las decenas de miles de muertes por sobredosis.", "es", value=20_000, qualifier="vague")


@pytest.mark.parametrize("text", [
    "The attack happened on March 15, 2024, at 10:30 a.m.",
    "El 20 de febrero de 2025 a las 10 horas se publicó el decreto.",
    "In 1994 the treaty took effect.",
    "He finished 3rd in the 19th round.",
    "Call 555-123-4567 for details.",
    "Read it at https://example.com/2024/05/story-12345 today.",
    "Section 230 and Article 27 were cited, as was MS-13 and COVID-19.",
    "El artículo 27 de la Constitución fue citado.",
    "Propuso reformar los artículos 19 y 40 de la Constitución.",
    "\"We will not bend,\" said Maria Lopez, 45, a teacher.",
    "1. Open the door\n2. Close it",
    "One of the officials said so. Un acuerdo fue firmado.",
    "The box measures 17.5 x 5.2 x 12 inches.",
    "The motorcade reached 1600 Pennsylvania Avenue at noon.",
    "Fold the sheet and snap it in half.",
    "The trial enrolled children aged six to 17.",
    "The post was stamped 1449075600 by the server.",
    "After a quarter-century of talks, nothing changed.",
    "We compared the Ram 1500, the F-150 and teams of the Big 12, the Pac-12 and the SEC.",
    "It raises the risk of type 2 diabetes.",
    "A man, 45, was hurt. The couple, 27 and 29 years old, fled. She turned 18.",
])
def test_what_is_not_a_claim_is_left_out(text):
    assert extract_claims(text, "es" if " el " in f" {text.lower()} " else "en") == []


def test_compatible_allows_rounding_and_qualifiers_but_not_changed_numbers():
    def claim(text: str) -> dict:
        return extract_claims(text, "en")[0]

    assert compatible(claim("about 70,000 people"), claim("70,123 people"))
    assert compatible(claim("more than 70,000 people"), claim("70,123 people"))
    assert compatible(claim("more than half of the voters"), claim("52 percent of the voters"))
    assert not compatible(claim("more than 70,000 people"), claim("more than 17,000 people"))
    assert not compatible(claim("eight cartels"), claim("six cartels"))
    assert not compatible(claim("more than half of the seizures"), claim("about a third of the seizures"))
    assert compatible(claim("eight cartels"), claim("several cartels"))  # vague: never a contradiction


ORIGINAL = ("The ministry said on Monday that 1,240 migrants were stopped at the northern checkpoint last month. "
            "Officials also seized eight trucks carrying weapons, and 37 people were arrested.")
COPY = ("The ministry said on Monday that 1,420 migrants were stopped at the northern checkpoint last month. "
        "Officials also seized eight trucks carrying weapons, and 37 people were arrested.")
OTHER = ("Flooding closed 12 schools in the valley on Monday, and about 300 families left their homes, "
         "the civil protection office said.")


def _document(texts: dict[str, str], copies: list[dict], events: list[dict], dates: dict[str, str] | None = None) -> dict:
    return {"articles": [{"id": k, "text": v, "lang": "en", "outlet": f"{k}.example",
                          "published": (dates or {}).get(k, "2025-03-03")} for k, v in texts.items()],
            "copies": copies, "events": events, "stories": [], "claims": []}


def test_a_copy_that_changes_a_number_is_a_warning_with_both_spans():
    document = _document({"wire": ORIGINAL, "copy": COPY, "other": OTHER},
                         [{"article": "copy", "of": "wire", "kind": "rewrite"}],
                         [{"id": "e1", "articles": ["wire", "copy"]}, {"id": "e2", "articles": ["other"]}])
    flags = detect(document, {})
    assert len(flags) == 1, flags
    flag = flags[0]
    assert flag["kind"] == "number mismatch" and flag["severity"] == "warning"
    assert "1,420" in flag["message"] and "1,240" in flag["message"]
    spans = {(e["article"], COPY[e["start"]:e["end"]] if e["article"] == "copy" else ORIGINAL[e["start"]:e["end"]])
             for e in flag["evidence"]}
    assert spans == {("copy", "1,420 migrants"), ("wire", "1,240 migrants")}


def test_claims_are_matched_only_within_a_story_and_agreeing_numbers_are_not_flagged():
    articles = [ClaimArticle(k, v, "en", "2025-03-03") for k, v in {"wire": ORIGINAL, "copy": COPY, "other": OTHER}.items()]
    claims = link_claims(articles, claims_for(articles), [{"id": "e1", "articles": ["wire", "copy"]}], [],
                         [{"article": "copy", "of": "wire", "kind": "rewrite"}])
    by_text = {c["text"]: {o["article"] for o in c["occurrences"]} for c in claims}
    assert by_text["eight trucks"] == {"wire", "copy"}
    assert by_text["37 people"] == {"wire", "copy"}
    assert by_text["12 schools"] == {"other"}
    assert all(set(c) >= {"id", "text", "value", "unit", "occurrences"} for c in claims)


def test_different_things_counted_and_updated_tolls_are_not_warnings():
    first = "A bus crash on the coastal highway killed 9 people and injured 21 others on Friday, police said."
    later = "The toll from Friday's bus crash on the coastal highway rose: 12 people were killed and 21 others injured."
    unrelated = "Police said 9 people were injured in the coastal highway crash, and 4 vehicles were destroyed."
    document = _document({"a": first, "b": later}, [], [{"id": "e1", "articles": ["a", "b"]}],
                         {"a": "2025-03-07", "b": "2025-03-08"})
    assert all(f["severity"] == "info" for f in detect(document, {}))
    document = _document({"a": first, "c": unrelated}, [], [{"id": "e1", "articles": ["a", "c"]}])
    assert [f for f in detect(document, {}) if f["severity"] != "info"] == []


def test_a_later_copy_with_a_higher_toll_is_an_update_not_a_warning():
    wire = "A landslide in the mountain town killed 14 people on Sunday, the regional governor said."
    later = "A landslide in the mountain town killed 19 people on Sunday, the regional governor said on Monday."
    copies = [{"article": "later", "of": "wire", "kind": "rewrite"}]
    document = _document({"wire": wire, "later": later}, copies, [{"id": "e1", "articles": ["wire", "later"]}],
                         {"wire": "2025-03-02", "later": "2025-03-03"})
    flags = detect(document, {})
    assert [f["severity"] for f in flags] == ["info"] and "19 people" in flags[0]["message"]
    document["articles"][1]["published"] = "2025-03-02"  # same day: a copy that changed the toll
    assert [f["severity"] for f in detect(document, {})] == ["warning"]


def test_vague_quantities_neither_hide_nor_make_a_mismatch():
    wire = ("A relative said that eight children had survived the attack on the road. "
            "Several of the children hid in the brush for hours, he said.")
    copy = ("A relative said that six children had survived the attack on the road. "
            "Several of the children hid in the brush for hours, he said.")
    vague = ("A relative said that several children had survived the attack on the road. "
             "Several of the children hid in the brush for hours, he said.")
    copies = [{"article": "copy", "of": "wire", "kind": "rewrite"}]
    document = _document({"wire": wire, "copy": copy}, copies, [{"id": "e1", "articles": ["wire", "copy"]}])
    flags = detect(document, {})
    assert [(f["severity"], f["values"]) for f in flags] == [("warning", [6, 8])]
    document = _document({"wire": wire, "copy": vague}, copies, [{"id": "e1", "articles": ["wire", "copy"]}])
    assert detect(document, {}) == []


@pytest.fixture(scope="module")
def sample_document(built_sample):
    return built_sample[0]


def test_sample_export_has_claims_and_every_planted_number_mismatch_is_flagged(sample_document):
    document = sample_document
    assert document["claims"], "claims[] is empty"
    texts = {a["id"]: a["text"] for a in document["articles"]}
    article_of = {s["source"][len(str(SAMPLE)) + 1:]: a["id"] for a in document["articles"] for s in a["sources"]}
    flags = detect(document, {})
    gold = [f for f in json.loads((SAMPLE / "gold.json").read_text(encoding="utf-8"))["flags"]
            if f["kind"] == "number mismatch"]
    assert len(gold) == 3
    matched = set()
    for planted in gold:
        article = article_of[planted["source"]]
        start = texts[article].index(planted["evidence"])
        end = start + len(planted["evidence"])
        hits = [f for f in flags if f["evidence"][0]["article"] == article
                and f["evidence"][0]["start"] < end and f["evidence"][0]["end"] > start]
        assert hits, f"planted number mismatch not flagged: {planted['evidence']!r} in {planted['source']}"
        assert hits[0]["severity"] in ("warning", "error")
        related = {e["article"] for e in hits[0]["evidence"][1:]}
        assert related & {article_of[r] for r in planted["related"]}
        matched.add(id(hits[0]))
    extra = [f for f in flags if id(f) not in matched and f["severity"] != "info"]
    assert extra == [], extra
    # the stored claims carry the same result: the export's claims[] feed the detector directly
    assert all("links" in c for c in document["claims"])


def test_two_figures_both_articles_give_are_not_a_mismatch():
    # read in real coverage (PolNeAR): a follow-up repeats both figures of its source, and claim
    # matching paired each figure with the other one's context, so each claim held two values
    first = "Annual dues have gone up to $25,000. A basic membership costs $8,400 a year."
    second = "A basic membership costs $8,400, and annual dues have gone up to $25,000."

    def occ(article, text, figure):
        start = text.index(figure)
        return {"article": article, "start": start, "end": start + len(figure), "value": int(figure[1:].replace(",", "")),
                "text": figure, "unit": "USD", "qualifier": None}

    crossed = [{"id": "c1", "text": "$25,000", "value": 25000, "unit": "USD", "counts": "dues",
                "occurrences": [occ("first", first, "$25,000"), occ("second", second, "$8,400")],
                "links": [{"a": 0, "b": 1, "score": 0.9, "tie": "copy"}]},
               {"id": "c2", "text": "$8,400", "value": 8400, "unit": "USD", "counts": "membership",
                "occurrences": [occ("first", first, "$8,400"), occ("second", second, "$25,000")],
                "links": [{"a": 0, "b": 1, "score": 0.9, "tie": "copy"}]}]
    document = _document({"first": first, "second": second}, [{"article": "second", "of": "first", "kind": "rewrite"}],
                         [{"id": "e1", "articles": ["first", "second"]}], {"first": "2015-11-25", "second": "2015-11-26"})
    document["claims"] = crossed
    assert detect(document, {}) == []


# A wire report reprinted days later by another outlet (so in another event), and a rewrite of that
# reprint later still, in a third event: copies chain events, as wire copies do in real coverage.
REPRINT = ("The ministry said on Monday that 1,420 migrants were stopped at the northern checkpoint last month. "
           "Officials also seized eight trucks carrying weapons, and 37 people were arrested. Reprinted from the wire.")
LATER = ("Weeks ago the ministry said that 1,420 migrants were stopped at the northern checkpoint last month; "
         "officials also seized eight trucks carrying weapons, and 37 people were arrested, it said.")
NEIGHBOUR = ("Officials at the northern checkpoint said 37 people were arrested on Monday, and eight trucks carrying "
             "weapons were seized, the ministry said.")


def test_a_copy_across_events_is_matched_with_its_original_only_and_groups_stay_events():
    from dossier.link.claims import claim_scopes

    texts = {"wire": ORIGINAL, "reprint": REPRINT, "later": LATER, "near": NEIGHBOUR}
    copies = [{"article": "reprint", "of": "wire", "kind": "syndicated"},
              {"article": "later", "of": "reprint", "kind": "rewrite"}]
    events = [{"id": "e1", "articles": ["wire", "near"]}, {"id": "e2", "articles": ["reprint"]},
              {"id": "e3", "articles": ["later"]}]
    group, pairs = claim_scopes(texts, {a: e["id"] for e in events for a in e["articles"]}, copies)
    # the copy ties do not merge the three events into one group: each is its own, plus two pairs
    assert group == {"wire": "g:e1", "near": "g:e1", "reprint": "g:e2", "later": "g:e3"}
    assert pairs == [("later", "reprint"), ("reprint", "wire")]

    dates = {"wire": "2025-03-03", "near": "2025-03-03", "reprint": "2025-03-06", "later": "2025-03-20"}
    articles = [ClaimArticle(k, v, "en", dates[k]) for k, v in texts.items()]
    claims = link_claims(articles, claims_for(articles), events, [], copies)
    spans = {frozenset(o["article"] for o in c["occurrences"]) for c in claims if c["text"].startswith("eight trucks")}
    # within e1, across each copy pair, and each article alone in its own event; never wire with
    # later (no copy relation between them, different events)
    assert {"wire", "near"} in spans and {"wire", "reprint"} in spans and {"reprint", "later"} in spans
    assert not any({"wire", "later"} <= s for s in spans)
    assert frozenset({"later"}) in spans and frozenset({"reprint"}) in spans  # their own events' claims
    # every claim of a pair is stated by both of its articles, with the copy as the reason
    pair_claims = [c for c in claims if {o["article"] for o in c["occurrences"]} in ({"wire", "reprint"}, {"reprint", "later"})]
    assert pair_claims and all(link["tie"] == "copy" for c in pair_claims for link in c["links"])

    # the reprint changed a number from the wire: flagged across the pair, with both spans
    document = _document(texts, copies, events, dates)
    flags = [f for f in detect(document, {}) if "1,420" in f["message"]]
    assert len(flags) == 1 and {e["article"] for e in flags[0]["evidence"]} == {"wire", "reprint"}
    assert flags[0]["severity"] == "warning"  # a copy that changed a number, as within one event
