"""Event dates from their articles' leads, and the timeline."""

from __future__ import annotations

from dossier.link.timeline import event_date, lead_dates, timeline
from datetime import date


def article(aid: str, published: str | None, text: str, rng: dict | None = None) -> dict:
    return {"id": aid, "published": published, "published_range": rng, "text": text}


def test_lead_dates_resolve_weekdays_dates_and_relative_words_against_the_article_day():
    text = ("Cartels named terrorist groups\n\nThe State Department on Thursday, Feb. 20, designated eight "
            "cartels as terrorist organizations. The order will take effect on March 4.")
    found = lead_dates(text, date(2025, 2, 21))
    assert [(f["date"], f["words"]) for f in found] == [("2025-02-20", "Thursday, Feb. 20")]
    assert lead_dates("La presidenta dijo ayer que no habrá tropas.", date(2025, 8, 9))[0]["date"] == "2025-08-08"
    assert lead_dates("Sheinbaum said on Tuesday that Mexico would not accept strikes.",
                      date(2025, 11, 5))[0]["date"] == "2025-11-04"
    # a date stamp under the headline dates the article, not its news
    assert lead_dates("Mexico says no\nMarch 10, 2023\nOfficials met.", date(2023, 3, 10)) == []


def test_agreeing_articles_make_a_certain_date_with_reasons_and_spans():
    arts = {a["id"]: a for a in [
        article("a", "2024-03-15", "López Obrador said on Friday that Mexico would not act on U.S. orders."),
        article("b", "2024-03-16", "Mexico's president said Friday that the country comes first."),
    ]}
    result = event_date({"id": "e1", "articles": ["a", "b"]}, arts)
    assert (result["date"], result["certainty"]) == ("2024-03-15", "certain")
    assert {r["article"] for r in result["reasons"]} == {"a", "b"}
    for r in result["reasons"]:
        assert arts[r["article"]]["text"][r["start"]:r["end"]] == "Friday"


def test_disagreeing_articles_make_a_likely_date_and_keep_the_disagreement():
    arts = {a["id"]: a for a in [
        article("a", "2025-02-20", "The designation was announced on Thursday, officials said."),
        article("b", "2025-02-21", "The designation was announced on Thursday, the ministry said."),
        article("c", "2024-12-21", "The designation was announced on Dec. 20, officials said."),
    ]}
    result = event_date({"id": "e", "articles": ["a", "b", "c"]}, arts)
    assert result["certainty"] == "likely" and result["date"] == "2024-12-20"  # c was published first
    assert [r["article"] for r in result["reasons"]] == ["c"]


def test_undated_leads_give_a_range_and_the_timeline_marks_it_uncertain():
    arts = [
        article("a", "2025-11-04", "Sheinbaum said on Tuesday that cooperation has limits."),
        article("b", None, "Officials met to discuss the plan.",
                {"earliest": "2024-10-01", "latest": "2025-03-02", "reasons": []}),
        article("c", "2025-02-20", "The report came out after a long wait."),
        article("d", None, "No date anywhere.", None),
    ]
    events = [{"id": "late", "title": "Cooperation", "articles": ["a"]},
              {"id": "ranged", "title": "Meeting", "articles": ["b"]},
              {"id": "bounded", "title": "Report", "articles": ["c"]},
              {"id": "nothing", "title": "Unknown", "articles": ["d"]}]
    rows = timeline(events, arts)
    assert [r["event"] for r in rows] == ["bounded", "ranged", "late", "nothing"]
    by_id = {r["event"]: r for r in rows}
    assert by_id["late"]["uncertain"] is False and by_id["late"]["date"] == "2025-11-04"
    assert by_id["ranged"]["uncertain"] and by_id["ranged"]["latest"] == "2025-03-02"
    assert by_id["ranged"]["reasons"][0]["reason"].startswith("on or before 2025-03-02")
    assert by_id["nothing"]["certainty"] == "unknown"


def test_sample_events_are_dated_on_their_gold_days(tmp_path):
    import json

    from conftest import SAMPLE
    from dossier.build import build
    from dossier.report.document import build_document
    from dossier.store.db import connect

    gold = json.loads((SAMPLE / "gold.json").read_text(encoding="utf-8"))
    gold_day = {src: e["date"] for e in gold["events"] for src in e["sources"]}
    conn = connect(tmp_path / "sample.db")
    build([str(SAMPLE)], conn)
    document = build_document(conn)
    source_of = {a["id"]: a["sources"][0]["source"][len(str(SAMPLE)) + 1:] for a in document["articles"]}
    rows = timeline(document["events"], document["articles"])
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    members = {e["id"]: e["articles"] for e in document["events"]}
    for row in rows:
        days = {gold_day[source_of[a]] for a in members[row["event"]] if source_of[a] in gold_day}
        assert row["date"] in days, (row["title"], days)
        if len(days) == 1:
            assert row["certainty"] == "certain" and not row["uncertain"]
        for reason in row["reasons"]:
            text = next(a["text"] for a in document["articles"] if a["id"] == reason["article"])
            assert 0 <= reason["start"] < reason["end"] <= len(text)


def test_packed_lead_facts_date_events_exactly_as_the_plain_entries_do():
    """LeadFacts (the linking state's cache of what each lead says) holds each article's facts
    as one JSON string; read back, they date events and tally them as the plain entries do."""
    import pickle

    from dossier.link.timeline import DateTally, LeadFacts, article_facts

    arts = [
        article("a", "2025-02-20", "The designation was announced on Thursday, officials said."),
        article("b", "2025-02-21", "The designation was announced yesterday, the ministry said."),
        article("c", None, "Officials gave no date for the order.", {"earliest": "2025-02-01", "latest": "2025-02-22"}),
        article("d", "2025-02-22", "Officials gave no date for the order."),
        article("e", None, "No date at all here."),
    ]
    plain = {a["id"]: {"facts": article_facts(a["id"], {**a, "lead_dates": lead_dates(a["text"], date.fromisoformat(
        a["published"])) if a["published"] else []})} for a in arts}
    packed = LeadFacts()
    packed.update(plain.items())
    packed = pickle.loads(pickle.dumps(packed))
    assert len(packed) == 5 and "c" in packed and "z" not in packed and packed.get("z") is None
    for aid, entry in plain.items():
        assert packed.get(aid) == entry
    for members in (["a", "b"], ["a", "b", "c", "d"], ["c", "e"], ["e"]):
        event = {"id": "e1", "articles": members}
        assert event_date(event, packed) == event_date(event, plain)
        tallies = [DateTally(), DateTally()]
        tallies[0].add(members, packed)
        tallies[1].add(members, plain)
        assert tallies[0].when() == tallies[1].when()
    assert event_date({"id": "e1", "articles": ["a", "b"]}, packed)["date"] == "2025-02-20"
    assert packed == pickle.loads(pickle.dumps(packed))
    assert packed.pop("a") == plain["a"] and "a" not in packed and packed.pop("a") is None
    assert packed != pickle.loads(pickle.dumps(packed.__class__()))


# Leads of our own, with every date form the patterns read, in the cases and spellings that test the
# month-name check (`published_range.month_names_in`) and the patterns' first-character looks
DATE_LEADS = [
    "The State Department on Thursday, Feb. 20, designated eight cartels. Talks ended Feb. 19, 2025.",
    "Officials met on 3rd of May, 2024 and again on 12 June; a report dated 2025-02-18 followed.",
    "La presidenta dijo el martes 4 de marzo que no habrá tropas; el 5 de MARZO de 2025 volvió a hablar.",
    "EL JUEVES 6 DE FEBRERO LA CANCILLERÍA RESPONDIÓ. SEPTEMBER 3, 2024: THE FIRST NOTE.",
    "El gobierno habló el 9 de abr\u0131l de 2025 y el 10 de ABR\u0130L de 2025, dijo ayer la vocera.",
    "Black Friday sales were down; the mayor said Friday that March 2023 was worse. Yesterday, more came.",
    "Sen. Marco Martinez, a Junior member, spoke on Monday. Esta mañana, el lunes pasado, nada.",
    "No dates at all in this lead, only 14 numbers and 3 percent.",
]


def test_lead_dates_skip_only_patterns_that_cannot_match(monkeypatch):
    """The month-name check skips a pattern only where it finds nothing anyway: every lead gives the
    same dates with the check made to let every pattern run."""
    from dossier.link import timeline

    published = date(2025, 3, 7)
    checked = [lead_dates(text, published) for text in DATE_LEADS]
    monkeypatch.setattr(timeline, "month_names_in", lambda text: (True, True))
    assert [lead_dates(text, published) for text in DATE_LEADS] == checked
    assert sum(map(len, checked)) >= 8  # the leads do give dates: the comparison is not of empty lists
    assert [(d["date"], d["words"]) for d in checked[0]] == [("2025-02-20", "Thursday, Feb. 20")]
    assert [(d["date"], d["words"]) for d in checked[2]] == [("2025-03-04", "martes 4 de marzo")]
    # and the check itself: names in any case for Spanish (dotted and dotless i too), as spelled for English
    from dossier.analyze.published_range import month_names_in

    assert month_names_in("el 9 de ABR\u0130L") == (False, True)
    assert month_names_in("el 9 de abr\u0131l") == (False, True)
    assert month_names_in("On Sept. 9") == (True, False)
    assert month_names_in("el 9 de OCTUBRE") == (False, True)
    assert month_names_in("on sept. 9, in may") == (False, False)  # English names only capitalised; not Spanish ones

