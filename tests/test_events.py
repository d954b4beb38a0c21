"""Events and stories: on text we wrote, the sample's gold, and the real seeds."""

from __future__ import annotations

import json
import pickle
import random
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from conftest import SAMPLE, SHARED, needs_shared
from dossier.build import BuildOptions, build
from dossier.cli import main
from dossier.link.corpus import read_copies, read_events, read_quotes
from dossier.link.events import (CANDIDATES, LEAD_CHARS, MAX_DAYS, STORY_SCAN, EventArticle, EventIndex, counts_in_lead,
                                  day_in_text, export_events, happening_day, lead_terms, period_of, weekday_in_lead)
from dossier.report.document import build_document
from dossier.store.analysis import iter_records
from dossier.store.corpus import PRIMARY_ORDER
from dossier.store.db import connect


def art(id_, day, title, text, actors=()):
    return EventArticle(id_, day, title, text, set(actors), set(), set(), lead_terms(title, text))


STRIKE = "Bus drivers in Port Alder walked off the job on Monday, halting service on all routes as talks over a new contract collapsed."
STRIKE_2 = "Port Alder's bus service stopped on Monday after drivers went on strike over a contract the transit authority refused to sign."
PORT = "The harbour authority will close the north terminal for repairs until April, diverting container ships to the south terminal."


def test_same_happening_same_days_is_one_event_and_weeks_apart_is_not():
    articles = [
        art("a", date(2025, 3, 3), "Port Alder bus drivers strike", STRIKE, ["local:union"]),
        art("b", date(2025, 3, 4), "Drivers strike halts Port Alder buses", STRIKE_2, ["local:union"]),
        art("c", date(2025, 3, 28), "Port Alder bus drivers strike again", STRIKE, ["local:union"]),
        art("d", date(2025, 3, 3), "North terminal to close for repairs", PORT, ["local:harbour"]),
    ]
    events, _ = export_events(articles, {})
    groups = sorted(sorted(e["articles"]) for e in events)
    assert groups == [["a", "b"], ["c"], ["d"]]
    joined = next(e for e in events if "b" in e["articles"])
    assert "strike" in joined["why"]["b"]["terms"] or "drivers" in joined["why"]["b"]["terms"]


def test_events_do_not_depend_on_the_order_articles_arrive_in():
    articles = [art(f"x{i}", date(2025, 3, 3 + i % 3), f"Story {i % 4}", [STRIKE, STRIKE_2, PORT][i % 3]) for i in range(12)]
    first, _ = export_events(list(articles), {})
    shuffled = list(articles)
    random.Random(5).shuffle(shuffled)
    second, _ = export_events(shuffled, {})
    assert first == second


def _b_cubed_f1(predicted, gold):
    items = sorted(gold)
    p = sum(sum(1 for j in items if predicted[j] == predicted[i] and gold[j] == gold[i])
            / sum(1 for j in items if predicted[j] == predicted[i]) for i in items) / len(items)
    r = sum(sum(1 for j in items if predicted[j] == predicted[i] and gold[j] == gold[i])
            / sum(1 for j in items if gold[j] == gold[i]) for i in items) / len(items)
    return 2 * p * r / (p + r)


def test_sample_events_match_gold_and_the_strike_is_its_own_story(tmp_path):
    gold = json.loads((SAMPLE / "gold.json").read_text(encoding="utf-8"))
    conn = connect(tmp_path / "s.db")
    build([str(SAMPLE)], conn)
    document = build_document(conn)
    event_of = {a: e["id"] for e in document["events"] for a in e["articles"]}
    source_event = {s["source"][len(str(SAMPLE)) + 1:]: event_of[a["id"]] for a in document["articles"] for s in a["sources"]}
    gold_event = {a["source"]: a["event"] for a in gold["articles"] if a.get("event")}
    assert _b_cubed_f1(source_event, gold_event) >= 0.9
    story_of = {e: s["id"] for s in document["stories"] for e in s["events"]}
    strike = {story_of[source_event[a["source"]]] for a in gold["articles"] if a.get("story") == "port-alder-transit-strike"}
    cartels = {story_of[source_event[a["source"]]] for a in gold["articles"] if a.get("story") == "mexico-us-cartels"}
    assert len(strike) == 1 and not strike & cartels


@needs_shared
def test_seed_events_and_story(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "seeds.db")
    assert runner.invoke(main, ["build", str(SHARED / "seeds"), "--db", db]).exit_code == 0
    document = json.loads(runner.invoke(main, ["export", "--db", db, "--format", "json"]).output)
    seed_of = {a["id"]: a["source"].rsplit("/", 1)[-1][:3] for a in document["articles"]}
    event_of = {seed_of[a]: e["id"] for e in document["events"] for a in e["articles"]}
    assert event_of["000"] == event_of["001"]  # the same statement
    assert event_of["003"] != event_of["004"]  # different happenings
    assert len(document["stories"]) == 1 and len(document["stories"][0]["events"]) == len(document["events"])


def _agreement(first: dict[str, str], second: dict[str, str]) -> float:
    """B-cubed F1 of one partition of articles against another."""
    return _b_cubed_f1(second, first)


def event_articles(conn, merged, copies) -> list[EventArticle]:
    """Every stored article as event grouping sees it, with the final statements and copies
    (both directions): the batch view the order tests shuffle."""
    rows = conn.execute(f"SELECT a.id, a.text, s.title, s.published FROM articles a JOIN sources s ON s.article_id = a.id "
                        f"ORDER BY a.id, {PRIMARY_ORDER}").fetchall()
    firsts: dict = {}
    for row in rows:
        firsts.setdefault(row["id"], row)
    quotes: dict[str, set[str]] = {}
    for quote in merged:
        if quote.kind == "fragment":
            continue
        for occurrence in quote.occurrences:
            quotes.setdefault(occurrence["article"], set()).add(quote.id)
    linked: dict[str, set[str]] = {}
    for c in copies:
        if c["article"] != c["of"]:
            linked.setdefault(c["article"], set()).add(c["of"])
            linked.setdefault(c["of"], set()).add(c["article"])
    actors: dict[str, set[str]] = {}
    for article_id, record in iter_records(conn):
        actors[article_id] = {m["actor"] for m in record.get("mentions", [])
                              if m.get("actor") and m["start"] < LEAD_CHARS and m["kind"] in ("person", "organization", "group", "role")}
    out = []
    for article_id, row in sorted(firsts.items()):
        try:
            day = date.fromisoformat(row["published"][:10]) if row["published"] and len(row["published"]) >= 10 else None
        except ValueError:
            day = None
        out.append(EventArticle(article_id, day, row["title"], row["text"], actors.get(article_id, set()),
                                quotes.get(article_id, set()), linked.get(article_id, set()),
                                lead_terms(row["title"], row["text"]), period_of(row["published"])))
    return out


def _built_articles(tmp_path_factory, name, inputs):
    conn = connect(tmp_path_factory.mktemp(name) / "events.db")
    build([str(inputs)], conn, BuildOptions(workers=2))
    merged = [SimpleNamespace(**q) for q in read_quotes(conn)]
    sources = [(row[0], row[1]) for row in conn.execute("SELECT article_id, source FROM sources")]
    return event_articles(conn, merged, read_copies(conn)), sources, read_events(conn)[0]


@pytest.fixture(scope="module")
def sample_articles(tmp_path_factory):
    return _built_articles(tmp_path_factory, "sample", SAMPLE)[0]


@pytest.fixture(scope="module")
def real_build(tmp_path_factory):
    if not (SHARED / "data" / "real-corpus").is_dir():
        pytest.skip("../shared/data/real-corpus is absent")
    return _built_articles(tmp_path_factory, "real", SHARED / "data" / "real-corpus" / "articles")


@pytest.fixture(scope="module")
def real_articles(real_build):
    return real_build[0]


@needs_shared
def test_real_corpus_events_match_the_gold(real_build):
    # as built (the linker's order and statements): measured 0.950 (bench/clustering.py; 0.935 before counts, 0.816
    # before the lexicon, the weekdays, month-dated events and the linking order). The batch view (final statements
    # and copies, export_events): 0.935 (0.920 before counts).
    articles, sources, built = real_build
    gold = json.loads((SHARED / "data" / "real-corpus" / "gold.json").read_text(encoding="utf-8"))
    labelled = {k: v for k, v in gold["event_of"].items() if k not in set(gold["ambiguous"])}
    for events, least in ((built, 0.94), (export_events(articles, {})[0], 0.925)):  # one article moving costs ~0.01
        event_of = {a: e["id"] for e in events for a in e["articles"]}
        found = {Path(source).stem: event_of[article] for article, source in sources}
        assert _b_cubed_f1(found, labelled) >= least


def _shuffled_agreements(articles, seeds=range(5)):
    in_order, _ = export_events(articles, {})
    reference = {a: e["id"] for e in in_order for a in e["articles"]}
    out = []
    for seed in seeds:
        arriving = list(articles)
        random.Random(seed).shuffle(arriving)
        index = EventIndex()
        for article in arriving:
            index.add(article)
        events, _ = index.export()
        out.append(_agreement(reference, {a: e["id"] for e in events for a in e["articles"]}))
    return out


def test_shuffled_arrival_gives_nearly_the_events_of_date_order_on_the_sample(sample_articles):
    # measured: 0.942 to 1.0 over 20 seeds (mean 0.995; seeds 0-4: min 0.942, mean 0.982); 0.881 / 0.959 before weekdays
    agreements = _shuffled_agreements(sample_articles)
    assert min(agreements) >= 0.9 and sum(agreements) / len(agreements) >= 0.95


@needs_shared
def test_shuffled_arrival_gives_nearly_the_events_of_date_order_on_the_real_corpus(real_articles):
    # measured: seeds 0-4 min 0.837, mean 0.885 (0.854 / 0.895 before counts: the linking order they are compared with
    # changed; against the gold no shuffled order scores lower with counts, bench/events_ablation.py): a single pass is
    # order-sensitive
    agreements = _shuffled_agreements(real_articles)
    assert min(agreements) >= 0.83 and sum(agreements) / len(agreements) >= 0.87


def test_adding_an_article_twice_changes_nothing_and_says_why():
    index = EventIndex()
    first = art("a", date(2025, 3, 3), "Port Alder bus drivers strike", STRIKE, ["local:union"])
    key, why = index.add(first)
    assert why == {"opened": True}
    key_b, why_b = index.add(art("b", date(2025, 3, 4), "Drivers strike halts Port Alder buses", STRIKE_2, ["local:union"]))
    assert key_b == key and why_b["actors"] == ["local:union"] and why_b["score"] >= 0.2
    assert index.add(first) == (key, why)
    assert [e["articles"] for e in index.export()[0]] == [["a", "b"]]


def test_an_undated_article_takes_the_day_its_lead_writes_out():
    text = "The State Department said on February 19, 2025 that it had designated six groups. Earlier, on January 20, 2025, an order was signed."
    assert day_in_text(text) == date(2025, 2, 19)
    assert day_in_text("El gobierno anunció el 12 de marzo de 2024 una reforma.") == date(2024, 3, 12)
    assert day_in_text(text, (date(2025, 1, 1), date(2025, 1, 31))) == date(2025, 1, 20)  # inside its known month
    index = EventIndex()
    index.add(art("a", date(2025, 2, 19), "Six groups designated", "The State Department designated six groups as terrorist organisations on Wednesday."))
    key, why = index.add(art("b", None, None, text))
    assert why["day_from_text"] == "2025-02-19"


WORDS = [f"{a}{b}{c}" for a in ("bra", "clo", "dri", "fen", "gru", "hal", "jor", "kev", "lum", "mor")
         for b in ("ta", "ne", "si", "ro", "vu", "pa", "ke", "lo") for c in ("n", "x", "d", "m", "r")]
COMMON = ["city", "council", "minister", "police", "market", "court", "water", "school", "border", "union"]


def synthetic_corpus(events: int, seed: int = 1):
    """Articles we generate from word lists: each event has a day, four rare words and an actor;
    its articles mix them with common words and noise, published on the event's day or the next."""
    rng = random.Random(seed)
    articles, gold = [], {}
    for e in range(events):
        day = date(2025, 1, 1) + timedelta(days=rng.randrange(120))
        topic, actor = rng.sample(WORDS, 4), f"local:actor-{rng.randrange(events * 2)}"
        for n in range(rng.randint(1, 6)):
            words = topic * 2 + rng.sample(COMMON, 4) + rng.sample(WORDS, 6)
            rng.shuffle(words)
            text = " ".join(words) + "."
            title = " ".join(rng.sample(topic, 3)).capitalize()
            article_id = f"s{e:05d}-{n}"
            articles.append(art(article_id, day + timedelta(days=rng.randrange(2)), title, text, [actor]))
            gold[article_id] = str(e)
    return articles, gold


def test_synthetic_events_are_recovered_and_candidates_stay_few():
    articles, gold = synthetic_corpus(400)
    index = EventIndex()
    largest = 0
    for article in sorted(articles, key=lambda a: (a.day, a.id)):
        largest = max(largest, len(index.candidates(article)))
        index.add(article)
    found = {a: e["id"] for e in index.export()[0] for a in e["articles"]}
    assert _b_cubed_f1(found, gold) >= 0.95
    assert largest <= CANDIDATES  # each article is scored against a bounded set, not all 400 events


def test_a_spanish_and_an_english_report_of_one_happening_join_through_shared_stems_and_numbers():
    english = art("en", date(2025, 3, 5), "Port Alder transport workers protest the constitutional reform",
                  "Municipal transport workers in Port Alder stopped 40 buses on Wednesday to protest the constitutional reform.")
    spanish = art("es", date(2025, 3, 5), "Trabajadores del transporte de Port Alder protestan contra la reforma constitucional",
                  "Los trabajadores del transporte municipal de Port Alder detuvieron 40 autobuses el miércoles en protesta por la reforma.")
    other = art("x", date(2025, 3, 5), "Harbour authority closes north terminal",
                "The harbour authority closed the north terminal for repairs, diverting container ships to the south terminal.")
    events, _ = export_events([english, spanish, other], {})
    assert sorted(sorted(e["articles"]) for e in events) == [["en", "es"], ["x"]]
    why = next(e for e in events if "es" in e["articles"])["why"]["es"]
    assert "#40" in why["terms"] and "reforma" in why["terms"]  # a number, and a cognate (reform / reforma)


def test_the_weekday_a_lead_names_is_the_happenings_not_a_date_stamp_or_a_day_to_come():
    assert weekday_in_lead("Friday, March 7, 2025\nThe mayor said on Tuesday that the bridge would reopen.") == 1
    assert weekday_in_lead("La alcaldesa anunció este miércoles que el puente abrirá en abril.") == 2
    assert weekday_in_lead("New fares will take effect on Monday, the authority said Thursday in a statement.") == 3
    assert weekday_in_lead("The council met to discuss the budget for the coming year and the new fares.") is None
    assert happening_day(date(2025, 3, 11), 4) == date(2025, 3, 7)  # "Friday" in a report of Tuesday the 11th
    assert happening_day(date(2025, 3, 7), 4) == date(2025, 3, 7)


TALKS = ("Negotiators for the drivers' union and the Port Alder transit authority returned to the bargaining table on "
         "Wednesday, as riders faced a third day without buses.")


def test_two_happenings_of_one_story_days_apart_are_two_events_when_their_leads_name_other_weekdays():
    # the same strike, its vocabulary and actor: the start on Monday, talks on Wednesday
    articles = [
        art("a", date(2025, 3, 3), "Port Alder bus drivers strike", STRIKE, ["local:union"]),
        art("b", date(2025, 3, 3), "Drivers strike halts Port Alder buses", STRIKE_2, ["local:union"]),
        art("c", date(2025, 3, 5), "Port Alder bus strike: talks resume", TALKS, ["local:union", "local:authority"]),
    ]
    events, _ = export_events(articles, {})
    assert sorted(sorted(e["articles"]) for e in events) == [["a", "b"], ["c"]]


def test_a_late_report_of_a_friday_statement_joins_the_reports_of_that_friday():
    said = "The transport minister said on Friday that Port Alder's bus drivers would get the raise they asked for after the strike."
    later = ("Port Alder's bus drivers will get the raise they asked for, the transport minister said on Friday, "
             "ending weeks of uncertainty after the strike.")
    articles = [art("a", date(2025, 3, 7), "Minister promises Port Alder drivers a raise", said, ["local:minister"]),
                art("b", date(2025, 3, 11), "Port Alder drivers to get their raise", later, ["local:minister"])]
    # published four days apart (beyond MAX_DAYS), but both tell of Friday the 7th
    assert (articles[1].day - articles[0].day).days > MAX_DAYS
    events, _ = export_events(articles, {})
    assert [sorted(e["articles"]) for e in events] == [["a", "b"]]


def test_spanish_words_that_are_not_cognates_meet_their_english_ones():
    assert lead_terms(None, "Las tropas llegaron a la frontera el viernes tras el acuerdo.").keys() >= {"troop", "border", "friday", "agreem"}
    assert "operat" in lead_terms(None, "La operación del ejército terminó ayer.") and \
        "operat" in lead_terms(None, "The army's operation ended yesterday.")
    english = art("en", date(2025, 2, 3), "Mexico sends troops to the border",
                  "Mexico agreed on Monday to send troops to its northern border after a deal on tariffs, officials said.")
    spanish = art("es", date(2025, 2, 3), "México envía tropas a la frontera",
                  "México acordó el lunes enviar tropas a su frontera norte tras un acuerdo sobre aranceles, dijeron funcionarios.")
    other = art("x", date(2025, 2, 3), "Harbour authority closes north terminal",
                "The harbour authority closed the north terminal for repairs, diverting container ships to the south terminal.")
    events, _ = export_events([english, spanish, other], {})
    assert sorted(sorted(e["articles"]) for e in events) == [["en", "es"], ["x"]]


def test_the_counts_a_lead_names_are_numbers_of_things_not_dates_years_or_spans_of_time():
    english = ("Mexico sent 26 prisoners to the United States on Tuesday, August 12, 2025, and 10,000 troops to the border, "
               "50 years after the first such deal. Six more will follow.")
    assert counts_in_lead("Mexico sends 26 prisoners to the U.S.", english) == {"26", "10000"}
    spanish = "México envió este martes 26 reos a Estados Unidos; el 12 de agosto de 2025 la Fiscalía pidió 2.500 expedientes."
    assert counts_in_lead(None, spanish) == {"26", "2500"}
    assert counts_in_lead(None, "The council met on March 12 and again in 2024 to discuss the 9 routes.") == set()


SOLD = ("Port Alder sold 48 of its city buses to a private operator on Tuesday, the council said, "
        "ending a decade in which the town ran its own transit service.")
BOUGHT = ("A private company has bought 48 municipal buses from Port Alder, officials said, in a deal that "
          "hands the town's routes to an outside firm.")


def test_two_reports_of_one_day_that_count_the_same_things_join_however_they_word_them():
    def index_with_the_sale() -> EventIndex:
        index = EventIndex()
        index.add(art("p", date(2025, 3, 4), "North terminal to close for repairs", PORT, ["local:harbour"]))
        index.add(art("a", date(2025, 3, 4), "Port Alder sells its buses", SOLD, ["local:council"]))
        return index

    # sold / bought, city buses / municipal buses, operator / company: few words shared, the same 48
    index = index_with_the_sale()
    key, why = index.add(art("b", date(2025, 3, 4), "Firm buys Port Alder's coaches", BOUGHT))
    assert key == index.event_of["a"] and why["counts"] == ["48"]
    # the same wording with another count is another deal
    index = index_with_the_sale()
    key, why = index.add(art("b", date(2025, 3, 4), "Firm buys Port Alder's coaches", BOUGHT.replace("48", "60")))
    assert key != index.event_of["a"] and why == {"opened": True}
    # an undated lead's numbers are not counted (years, anniversaries and past tolls read alike there)
    index = index_with_the_sale()
    key, _ = index.add(art("b", None, "Firm buys Port Alder's coaches", BOUGHT))
    assert set(index.events[index.event_of["a"]].counts) == {"48"} and not index.events[key].counts


def test_an_event_draws_reports_by_its_own_count_not_by_every_number_its_reports_mention():
    """A growing event gathers the numbers its reports mention; only a count most of its dated
    reports share is its own (else it snowballs: 729 events of 2,000 generated articles became 89)."""
    def index_with_the_sale() -> EventIndex:
        index = EventIndex()
        index.add(art("a", date(2025, 3, 4), "Port Alder sells its buses", SOLD, ["local:council"]))
        index.add(art("a2", date(2025, 3, 4), "Port Alder sells its buses", SOLD + " The sale ends 15 routes.",
                      ["local:council"]))
        index.add(art("a3", date(2025, 3, 4), "Port Alder sells its buses", SOLD + " About 70 drivers are affected.",
                      ["local:council"]))
        assert len(index.events) == 1
        return index

    # 15 is one report's number, not the event's: no count gain, and the reworded report opens its own event
    index = index_with_the_sale()
    key, why = index.add(art("b", date(2025, 3, 4), "Firm buys Port Alder's coaches", BOUGHT.replace("48", "15")))
    assert key != index.event_of["a"] and why == {"opened": True}
    # 48, which every report of it counts, still draws it
    index = index_with_the_sale()
    key, why = index.add(art("c", date(2025, 3, 4), "Firm buys Port Alder's coaches", BOUGHT))
    assert key == index.event_of["a"] and why["counts"] == ["48"]


def test_an_event_is_its_core_days_and_actors_not_everything_that_joined_it():
    """A large event keeps its day and the actors most of its reports name: a report two days
    after its day, naming only an actor one of its reports mentioned in passing, is not drawn in
    by a straggler's later day or that actor (else one event snowballs through a large corpus)."""
    from dossier.link.events import core

    index = EventIndex()
    for n in range(12):
        index.add(art(f"s{n}", date(2025, 3, 3), "Port Alder bus drivers strike", STRIKE if n % 2 else STRIKE_2,
                      ["local:drivers-union", "local:transit-authority"]))
    index.add(art("late", date(2025, 3, 4), "Port Alder bus strike goes on", STRIKE_2 + " Mayor Ines Roca urged both sides to talk.",
                  ["local:drivers-union", "local:ines-roca"]))
    strike = index.events[index.event_of["s0"]]
    assert index.event_of["late"] == strike.key and len(strike.articles) == 13
    assert core(strike.days, 0.1 * 13) == [date(2025, 3, 3)]
    assert sorted(core(strike.actors, 0.2 * 13)) == ["local:drivers-union", "local:transit-authority"]
    # another happening two days on: the mayor (whom one report of the strike quoted) on bus shelters
    key, _ = index.add(art("shelters", date(2025, 3, 5), "Mayor plans new Port Alder bus shelters",
                           "Mayor Ines Roca said the town will build new shelters at Port Alder bus stops on all routes "
                           "this spring.", ["local:ines-roca"]))
    assert key != strike.key  # it joined, at 0.343, when the straggler's day and the mayor counted as the event's


def test_an_events_core_days_kept_for_its_tally_are_those_core_finds_as_it_grows():
    """`_day_gap` reads a multi-day event's core days from a cache by its tally (`_core_days`): as the
    event grows (each join a new tally), the days and the gaps are those `core` gives of it then."""
    from dossier.link.events import CORE_DAYS, _core_days, _day_gap, core

    index = EventIndex()
    days = [date(2025, 3, 3)] * 5 + [date(2025, 3, 4)] * 3 + [date(2025, 3, 6)] + [date(2025, 3, 4)] * 4
    for n, day in enumerate(days):
        index.add(art(f"s{n}", day, "Port Alder bus drivers strike", STRIKE if n % 2 else STRIKE_2,
                      ["local:drivers-union", "local:transit-authority"]))
        event = index.events[index.event_of["s0"]]
        expected = core(event.days, CORE_DAYS * sum(event.days.values()))
        assert sorted(_core_days(event.day_tally)) == sorted(expected)
        probe = art("probe", date(2025, 3, 8), "Port Alder", STRIKE, [])
        assert _day_gap(probe, event) == min(abs((date(2025, 3, 8) - d).days) for d in expected)
    assert len(index.events[index.event_of["s0"]].articles) == len(days)
    assert sorted(_core_days(index.events[index.event_of["s0"]].day_tally)) == [date(2025, 3, 3), date(2025, 3, 4)]


def _quoted(articles):
    """The synthetic corpus with statements: each event's reports carry one of its own, some carry a shared one."""
    out = []
    for n, article in enumerate(articles):
        event = article.id.split("-")[0]
        quotes = {f"r{event}"} | ({"r-common"} if n % 3 == 0 else set())
        out.append(EventArticle(article.id, article.day, article.title, article.text, article.actors, quotes, set(),
                                article.terms))
    return sorted(out, key=lambda a: (a.day, a.id))


def _postings(index):
    return {kind: {key: list(index.posting(kind, key)) for key in keys}
            for kind, keys in (("w", index.df), ("a", {a for e in index.events.values() for a in e.actors}),
                               ("q", {q for e in index.events.values() for q in e.quotes}))}


def _pickled_apart(index: EventIndex) -> EventIndex:
    """The index through `link.pickling` (its events pickled in chunks, as the linking state is)."""
    import io

    from dossier.link import pickling

    out = io.BytesIO()
    pickling.dump(index, out)
    out.seek(0)
    return pickling.load(out)


def _pickled_whole(index: EventIndex) -> EventIndex:
    import pickle

    return pickle.loads(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))


@pytest.mark.parametrize("round_trip", [_pickled_whole, _pickled_apart])
def test_an_index_pickled_halfway_links_the_rest_as_one_that_never_was(monkeypatch, round_trip):
    from dossier.link import events as events_module

    monkeypatch.setattr(events_module, "POSTING_CAP", 40)  # common keys' postings (_Common) pickled too
    monkeypatch.setattr(events_module, "CHUNK_EVENTS", 7)  # many chunks, each with a memo of its own
    articles = _quoted(synthetic_corpus(150, seed=3)[0])
    whole = EventIndex()
    whys = [whole.add(a) for a in articles]
    half = EventIndex()
    for article in articles[:len(articles) // 2]:
        half.add(article)
    half = round_trip(half)
    assert len(half.events) > 3 * 7
    for article in articles[len(articles) // 2:]:
        half.add(article)
    assert whole.export() == half.export()
    assert _postings(whole) == _postings(half)
    assert any(len(p) > 40 for p in half._postings_w.values() if not isinstance(p, str))
    # each member's why is kept as the add gave it, after a round trip too
    assert [half.add(a) for a in articles] == whys
    assert all(half.events[key].why[a.id] == why for a, (key, why) in zip(articles, whys))


def test_postings_list_each_event_once_for_what_it_has_in_the_order_events_got_it(monkeypatch):
    from dossier.link import events as events_module

    monkeypatch.setattr(events_module, "POSTING_CAP", 60)  # so that this small corpus has keys too common to index
    articles = _quoted(synthetic_corpus(120, seed=4)[0])
    index = EventIndex()
    expected: dict[tuple[str, str], list[str]] = {}
    for article in articles:
        key, _ = index.add(article)
        for kind, keys in (("w", article.terms), ("a", article.actors), ("q", article.quotes)):
            for k in keys:  # what a fresh index gives: the event joins a posting when it first has the key
                if key not in expected.setdefault((kind, k), []):
                    expected[(kind, k)].append(key)
    joined = [e for e in index.events.values() if len(e.articles) > 1]
    assert joined and len(index.posting("q", "r-common")) > 1
    # a key more than POSTING_CAP events have keeps its count and its latest events (all that is read of it)
    common = {k for k, keys in expected.items() if len(keys) > 60}
    assert common and all(len(index._postings_w[k[1]]) == len(expected[k]) for k in common if k[0] == "w")
    assert {k: list(index.posting(*k))[-STORY_SCAN:] if k in common else list(index.posting(*k)) for k in expected} == \
        {k: keys[-STORY_SCAN:] if k in common else keys for k, keys in expected.items()}
    for event in index.events.values():  # every term, actor and statement an event has is found by it
        assert all(event.key in index.posting("w", w) for w in event.terms if ("w", w) not in common)
        assert all(event.key in index.posting("a", a) for a in event.actors)
        assert all(event.key in index.posting("q", q) for q in event.quotes if ("q", q) not in common)
    assert index.posting("w", "nosuchterm") == ()


def test_events_hold_one_object_per_term_and_day_and_keep_no_instance_dict(monkeypatch):
    from dossier.link import events as events_module

    monkeypatch.setattr(events_module, "CHUNK_EVENTS", 5)
    articles = _quoted(synthetic_corpus(80, seed=5)[0])
    index = EventIndex()
    for article in articles:
        index.add(article)
    for current in (index, _pickled_whole(index), _pickled_apart(index)):
        seen: dict = {}
        for event in current.events.values():
            assert not hasattr(event, "__dict__")
            for value in [*event.terms, *event.actors, *event.days, event.day_tally if len(event.day_tally) == 2 else ()]:
                assert seen.setdefault(value, value) is value  # every event's copy is the same object
            assert event.names is current.names
            assert event.key is current._event_keys[event.number]
            assert all(current.event_of[a] is event.key for a in event.articles)
        assert len(seen) > 100
        assert current.event_of == index.event_of
        assert [event.__getstate__()[1:6] for event in current.events.values()] == \
            [event.__getstate__()[1:6] for event in index.events.values()]
    keys = {id(k) for k in current.event_of}  # (apart: the articles' ids are event_of's, made from the events)
    assert all(id(a) in keys for event in current.events.values() for a in event.articles)


def test_an_events_actors_tally_counts_its_articles_and_one_key_tallies_are_shared():
    import pickle
    from collections import Counter

    from dossier.link.events import TUPLE_ARTICLES

    articles = _quoted(synthetic_corpus(120, seed=7)[0])
    first = articles[0]  # and one event of more than TUPLE_ARTICLES reports: the first one's, reported again
    articles += [replace(first, id=f"{first.id}-again{k}", actors=first.actors | {f"local:actor-again-{k % 3}"})
                 for k in range(TUPLE_ARTICLES + 4)]
    articles.sort(key=lambda a: (a.day, a.id))
    index = EventIndex()
    for article in articles:
        index.add(article)
    by_id = {a.id: a for a in articles}
    for event in index.events.values():  # what a Counter updated with each member's actors held, in its order
        expected: Counter = Counter()
        for article_id in event.articles:
            expected.update(sorted(by_id[article_id].actors))
        assert list(event.actors.items()) == list(expected.items())
        assert event.top_actors(10) == [a for a, _ in expected.most_common(10)]
        kind = tuple if len(event.articles) <= TUPLE_ARTICLES else list  # a large event's are not copied at each join
        assert type(event.articles) is kind and type(event.whys) is kind
    for current in (index, pickle.loads(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))):
        singles: dict = {}
        holders: Counter = Counter()
        for event in current.events.values():
            for tally in (event.day_tally, event.actor_tally, event.happened_tally, event.count_tally):
                if len(tally) == 2 and tally[1] == 1:
                    assert singles.setdefault(tally, tally) is tally  # one object for each such tally
                    holders[tally] += 1
        assert len(singles) > 5 and max(holders.values()) > 1  # and some are several events'
    assert max(len(e.articles) for e in index.events.values()) > TUPLE_ARTICLES


def test_a_statement_many_events_carry_tells_no_event_and_a_rare_one_does():
    """Sharing a statement the event's reports carry raises the similarity by QUOTE_GAIN, more than
    JOIN by itself: only for a statement at most QUOTE_EVENTS events carry. A stock phrase carried by
    reports of every happening ("That he said") would otherwise draw any report into any event of its
    days (at 200,000 generated articles, into events of up to 1,303)."""
    from dossier.link.events import QUOTE_EVENTS

    topics = [STRIKE, STRIKE_2.replace("bus", "ferry"), PORT,
              "The city council voted to rename the old market square after the poet who was born there.",
              "A landslide closed the mountain road to Valle Ombra, and crews expect to reopen it within a week.",
              "The regional court fined the water company for letting sewage into the lagoon last summer."]
    index = EventIndex()
    first = date(2025, 6, 2)
    for n, text in enumerate(topics):  # a week apart: each its own event, whatever statement they share
        article = art(f"t{n}", first + timedelta(days=7 * n), text.split(",")[0], text)
        index.add(replace(article, quotes={"r-stock", f"r{n}"}))
    assert len(index.events) == len(topics) > QUOTE_EVENTS
    assert index.events_carrying(index._code("r-stock")) == len(topics)
    day = first + timedelta(days=7 * 3)  # the day of t3
    unrelated = "Volunteers planted four hundred olive trees along the ring road, the garden society said."
    stock = replace(art("u1", day, "Olive trees planted", unrelated), quotes={"r-stock"})
    key, why = index.add(stock)
    assert why == {"opened": True}  # not drawn into t3's event by the stock phrase
    other = "Two schools in the north district will stay open through the holidays for children of shift workers."
    rare = replace(art("u2", day, "Schools stay open", other), quotes={"r3"})
    key, why = index.add(rare)
    assert key == index.event_of["t3"] and why["quotes"] == ["r3"]  # a statement one event carries still tells it


def _one_event_with_a_stock_phrase(index: EventIndex, first: date) -> str:
    """An event reported from `first` on, for a week (a report every day or two), every report carrying "r-stock"."""
    for n, day in enumerate(first + timedelta(days=d) for d in (0, 2, 4, 6, 7)):
        index.add(replace(art(f"t{n}", day, "Port Alder bus drivers strike", STRIKE if n == 0 else STRIKE_2,
                              ["local:union"]), quotes={"r-stock"}))
    assert len(index.events) == 1 and index.events_carrying(index._code("r-stock")) == 1
    return index.event_of["t0"]


def test_a_statement_first_carried_more_than_a_week_before_tells_no_event():
    """While one event holds every report carrying a stock phrase, no second event carries it, so the
    count of events (QUOTE_EVENTS) never stops it: a statement counts only within QUOTE_DAYS of the day
    a dated report first carried it. Within them it still tells the event."""
    from dossier.link.events import QUOTE_DAYS

    assert 6 <= QUOTE_DAYS < 8  # the days below: 6 within, 8 past
    first = date(2025, 6, 2)
    unrelated = "Volunteers planted four hundred olive trees along the ring road, the garden society said."
    late, early = EventIndex(), EventIndex()
    event = _one_event_with_a_stock_phrase(late, first)
    key, why = late.add(replace(art("u", first + timedelta(days=8), "Olive trees", unrelated),
                                quotes={"r-stock"}))
    assert key != event and why == {"opened": True}  # a day after the event's last report, 8 after the phrase's first
    event = _one_event_with_a_stock_phrase(early, first)
    key, why = early.add(replace(art("u", first + timedelta(days=6), "Olive trees", unrelated), quotes={"r-stock"}))
    assert key == event and why["quotes"] == ["r-stock"]


def test_first_days_of_statements_come_back_with_the_state_and_from_an_older_one():
    import pickle

    articles = _quoted(synthetic_corpus(60, seed=4)[0])
    index = EventIndex()
    for article in articles:
        index.add(article)
    again = pickle.loads(pickle.dumps(index))
    assert again._first_carried == index._first_carried and again._first_carried_odd == index._first_carried_odd
    state = index.__getstate__()
    del state["_first_carried"], state["_first_carried_odd"]  # as a state saved before them
    older = EventIndex.__new__(EventIndex)
    older.__setstate__(state)
    kept = {c: d for c, d in enumerate(index._first_carried) if d} | index._first_carried_odd
    rebuilt = {c: d for c, d in enumerate(older._first_carried) if d} | older._first_carried_odd
    assert rebuilt.keys() == kept.keys() and len(kept) > 20
    assert all(rebuilt[c] <= kept[c] for c in kept)  # an event's first day: the statement's, or before it
    assert sum(rebuilt[c] == kept[c] for c in kept) > 0.8 * len(kept)


_TOPICS = [
    "The city council voted to rename the old market square after the poet who was born there.",
    "A landslide closed the mountain road to Valle Ombra, and crews expect to reopen it within a week.",
    "The regional court fined the water company for letting sewage into the lagoon last summer.",
    "Volunteers planted four hundred olive trees along the ring road, the garden society said.",
    "Two schools in the north district will stay open through the holidays for children of shift workers.",
    "The harbour authority will close the north terminal for repairs until April, diverting container ships.",
    "Farmers in the eastern valley blocked the motorway with tractors to protest the price of diesel.",
    "A fire destroyed the timber warehouse behind the railway station overnight; nobody was hurt.",
    "The national library reopened its reading room after three years of restoration work on the roof.",
    "Nurses at the central hospital began a three-day strike over staffing on the night shifts.",
    "The football club sacked its coach after a sixth straight defeat in the league.",
    "Heavy snow cut power to eleven villages in the northern hills, the grid operator reported.",
]


def _events_naming(index: EventIndex, actor: str, day: date, count: int) -> None:
    """`count` happenings of one day, each its own event: every report names `actor` and an actor of its own
    (sharing one of two actors and no words is not enough to join)."""
    for n, text in enumerate(_TOPICS[:count]):
        index.add(art(f"e{n}", day, text.split(",")[0], text, [actor, f"local:other-{n}"]))
    assert len(index.events) == count


def test_an_actor_many_events_name_around_a_day_tells_none_of_them_apart():
    """Sharing an event's actors raises the similarity by up to 0.25, more than JOIN by itself. On a day
    when more than ACTOR_EVENTS events name an actor (a president in a month of news on one story; any of
    the 15 actors of the generated corpus at 1,000,000's density), naming it tells no event from another:
    the actor counts only with a cosine of ACTOR_COSINE between the leads as well. Where few events name
    it (the real corpus: at most 3 around any day), it counts as before."""
    from dossier.link.events import ACTOR_EVENTS

    assert len(_TOPICS) > ACTOR_EVENTS
    day = date(2025, 6, 4)
    lone = "Officials gave no further details about the schedule, and reporters were told to wait."
    crowded, quiet = EventIndex(), EventIndex()
    _events_naming(crowded, "mx:president", day, ACTOR_EVENTS + 1)
    assert crowded.crowded({"mx:president", "local:other-1"}, day + timedelta(days=2)) == {"mx:president"}
    assert crowded.crowded({"mx:president"}, day + timedelta(days=3)) == frozenset()  # out of MAX_DAYS
    key, why = crowded.add(art("x", day, "Schedule unclear", lone, ["mx:president"]))
    assert why == {"opened": True}
    _events_naming(quiet, "mx:president", day, ACTOR_EVENTS)
    assert quiet.crowded({"mx:president"}, day) == frozenset()
    key, why = quiet.add(art("x", day, "Schedule unclear", lone, ["mx:president"]))
    assert key in {quiet.event_of[f"e{n}"] for n in range(ACTOR_EVENTS)} and why["actors"] == ["mx:president"]
    # a report of one of the crowded day's happenings still joins it, its actor counted with its words
    again = "Farmers blocked the eastern valley motorway with their tractors for a second day over diesel prices."
    key, why = crowded.add(art("y", day, "Tractors block motorway again", again, ["mx:president"]))
    assert key == crowded.event_of["e6"] and why["actors"] == ["mx:president"]


def test_events_naming_actors_by_day_come_back_with_the_state_and_from_an_older_one():
    import pickle

    articles, _ = synthetic_corpus(80, seed=6)
    index = EventIndex()
    for article in sorted(articles, key=lambda a: (a.day, a.id)):
        index.add(article)
    # an event that gains an actor on its second day: the actor counts on the first day as well
    index.add(art("p1", date(2025, 6, 2), "Port Alder bus drivers strike", STRIKE, ["local:union"]))
    index.add(art("p2", date(2025, 6, 3), "Drivers strike halts Port Alder buses", STRIKE_2, ["local:union", "local:mayor"]))
    assert index.event_of["p1"] == index.event_of["p2"]
    assert index._naming["local:mayor"] == {date(2025, 6, 2).toordinal(): 1, date(2025, 6, 3).toordinal(): 1}
    assert sum(map(len, index._naming.values())) > 50
    again = pickle.loads(pickle.dumps(index))
    assert again._naming == index._naming
    state = index.__getstate__()
    del state["_naming"]  # as a state saved before ACTOR_EVENTS
    older = EventIndex.__new__(EventIndex)
    older.__setstate__(state)
    assert older._naming == index._naming
    # and it is what its events hold: each (actor, day) pair of an event counted once
    pairs = [(a, d.toordinal()) for e in index.events.values() for a in e.actor_tally[::2] for d in e.day_tally[::2]]
    assert sum(sum(days.values()) for days in index._naming.values()) == len(pairs)


def _big_event_and_a_rare_one(index: EventIndex, day: date) -> tuple[str, str]:
    """A large event of 30 reports that use a pool of 60 everyday words, and a small one of four rare words;
    returns their keys."""
    rng = random.Random(3)
    pool = [f"word{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(60)]
    for n in range(30):
        index.add(art(f"big{n}", day, "Market day", " ".join(rng.sample(pool, 30)) + ".", ["local:market"]))
    index.add(art("rare", day, "Quarry flood", "quarry flooded kilns smelter near the valley town.", ["local:quarry"]))
    big, rare = index.event_of["big0"], index.event_of["rare"]
    assert len(index.events[big].articles) == 30 and big != rare
    return big, rare


def test_candidates_are_the_events_of_most_rare_evidence_for_their_size(monkeypatch):
    """A large event shares some words with any article; the report of another happening shares its rare ones
    with that happening's event. Ranked by shared evidence alone (idf, not weighed by the event's size), the
    large event came first and, at 1,000,000's density, crowded the report's own event out of the candidates."""
    from dossier.link import events

    day = date(2025, 3, 4)
    index = EventIndex()
    big, rare = _big_event_and_a_rare_one(index, day)
    pool_words = " ".join(f"worda{chr(97 + n)}" for n in range(12))
    report = art("r", day, "Quarry flooded", f"The quarry flooded the kilns again. {pool_words}.", ["local:quarry"])
    report.weekday = None
    index.add(art("bare", day, "The", "The, and for this.", ["local:quarry", "local:a", "local:b"]))  # no terms: no length
    assert not index.events[index.event_of["bare"]].term_ids
    monkeypatch.setattr(events, "CANDIDATES", 1)
    assert set(index.candidates(report)) == {rare}
    key, _ = index.add(report)
    assert key == rare


def test_candidates_are_events_the_date_allows_and_the_events_of_copies_whatever_their_date(monkeypatch):
    from dossier.link import events

    day = date(2025, 3, 4)
    index = EventIndex()
    _, rare = _big_event_and_a_rare_one(index, day)
    text = "quarry flooded kilns smelter near the valley town, and the kilns were shut."
    index.add(art("undated", None, "Smelter pay", "Smelter workers at the valley town rallied for higher pay."))
    index.add(art("later", day + timedelta(days=MAX_DAYS + 1), "Quarry flood", text, ["local:quarry"]))
    far, dayless = index.event_of["later"], index.event_of["undated"]
    assert len({far, dayless, rare}) == 3 and not index.events[dayless].day_tally
    monkeypatch.setattr(events, "CANDIDATES", 2)
    report = art("r", day, "Quarry flooded", text, ["local:quarry"])
    found = index.candidates(report)
    assert far not in found and set(found) == {rare, dayless}  # an event without days is not ruled out by date
    report.copies = {"later"}  # ... nor is the event of an article it copies
    assert far in index.candidates(report) and index.candidates(report)[far] == ["later"]


def test_candidates_weigh_the_evidence_of_the_events_the_date_allows_as_often_as_they_are_posted(monkeypatch):
    """The shared evidence `candidates` ranks by: for each of the article's terms and actors, its weight for
    every event of its posting, kept for an event the date allows (one with an article near the report's
    day, or one without days). An event that dropped a term (`TERMS_KEPT`) and took it back is posted for it
    twice and weighs it twice, as when every posted event was weighed before the date was looked at."""
    from collections import Counter

    from dossier.link import events

    monkeypatch.setattr(events, "TERMS_KEPT", 4)  # terms dropped and taken back: postings that repeat an event
    monkeypatch.setattr(events, "CANDIDATES", 3)  # `_ranked` sees the weights of almost every article
    articles, _ = synthetic_corpus(150, seed=9)
    index = EventIndex()
    for n, article in enumerate(sorted(articles, key=lambda a: (a.day, a.id))):
        index.add(replace(article, day=None) if n % 10 == 0 else article)  # some events without days
    assert any(len(p) > len(set(p)) for p in index._postings_w.values() if type(p) is list)
    assert index._undated
    seen = []
    ranked = EventIndex._ranked
    monkeypatch.setattr(EventIndex, "_ranked", lambda self, weight, n: seen.append(dict(weight)) or ranked(self, weight, n))
    compared = 0
    for article in articles[:60]:
        probe = replace(article, id="p-" + article.id, day=article.day + timedelta(days=5))
        weight: Counter = Counter()
        for postings, keys, kind in ((index._postings_w, probe.terms, "w"), (index._postings_a, probe.actors, "a")):
            for key in keys:
                posting = postings.get(key)
                if posting is None or type(posting) is events._Common:  # a key too common finds no candidates
                    continue
                gain = index.idf(key) ** 2 if kind == "w" else 3.0
                for event_key in [posting] if type(posting) is str else posting:
                    weight[event_key] += gain
        near = index._near(probe)
        expected = {k: w for k, w in weight.items() if k in near or not index.events[k].day_tally}
        seen.clear()
        index.candidates(probe)
        if len(expected) > 3:
            assert seen == [expected]
            compared += 1
    assert compared > 40


def test_ranking_the_events_near_in_date_that_share_nothing_picks_and_measures_what_weighing_each_at_0_did():
    """When few events share evidence with an article, `candidates` fills up with events near in date that share
    nothing (weight 0). `_ranked_with_none` does not weigh them all: it must choose the same events, and compute
    the lengths of the same events (`_ranked` computes one for each event it keeps; when a length is computed
    matters to its floats later)."""
    import copy

    articles, _ = synthetic_corpus(200, seed=12)
    index = EventIndex()
    for article in sorted(articles, key=lambda a: (a.day, a.id))[:500]:
        index.add(article)
    rng = random.Random(12)
    keys = sorted(index.events)
    for trial in range(60):
        for event in rng.sample(list(index.events.values()), 40):
            event.length = None  # lengths never computed: `_ranked` computes them
        found = set(rng.sample(keys, min(len(keys), rng.choice([30, 90, 150, 170, 300]))))
        weight = {k: rng.uniform(0.5, 40.0) for k in rng.sample(sorted(found), min(len(found), rng.randrange(0, 41)))}
        n = rng.choice([5, 40])
        weight = dict(list(weight.items())[:n])
        old, new = copy.deepcopy(index), copy.deepcopy(index)
        chosen = old._ranked({k: weight.get(k, 0) for k in found}, n)
        assert new._ranked_with_none(weight, found, n) == chosen and len(chosen) == min(n, len(found))
        assert {k: e.length for k, e in new.events.items()} == {k: e.length for k, e in old.events.items()}


def test_the_events_without_days_are_known_as_events_gain_days_and_after_a_round_trip():
    """`candidates` keeps the events without a dated article (`_undated`) whatever the article's date: an
    event opened by an undated report leaves that set once a dated report joins it, and the set is made
    again from the events when a state is loaded (it is not saved)."""
    import pickle

    articles, _ = synthetic_corpus(120, seed=5)
    rng = random.Random(5)
    # the first report of about a third of the events has no date (the lead names none), and comes first
    first_of: dict[str, EventArticle] = {}
    for article in sorted(articles, key=lambda a: a.id):
        first_of.setdefault(article.id.split("-")[0], article)
    undated = {a.id for a in first_of.values() if rng.random() < 0.35}
    ordered = [replace(a, day=None) for a in articles if a.id in undated]
    ordered += sorted((a for a in articles if a.id not in undated), key=lambda a: (a.day, a.id))
    index = EventIndex()
    for article in ordered:
        index.add(article)
    without_days = {k for k, e in index.events.items() if not e.day_tally}
    gained = {index.event_of[a] for a in undated} - without_days  # opened undated, then given a day
    assert without_days and gained
    assert index._undated == without_days
    loaded = pickle.loads(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
    assert "_undated" not in index.__getstate__() and loaded._undated == without_days
    far = date(2026, 1, 1)  # months after every dated report: only the events without days are left
    for article in articles[:40]:
        probe = replace(article, id="p-" + article.id, day=far)
        found = set(index.candidates(probe))
        assert found <= without_days and found == set(loaded.candidates(probe))


def test_the_near_events_kept_for_a_span_of_days_are_those_of_its_days_as_events_take_new_days():
    """`_near` keeps its latest sets (articles come in date order), and events that take a day a kept set spans
    join it: after any add its answer is the day buckets' events, as made anew."""
    from dossier.link import events

    rng = random.Random(4)
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    start = date(2025, 5, 1)

    def fresh(index, probe):
        kept = {}
        index._near_sets, kept = kept, index._near_sets
        try:
            return set(index._near(probe))
        finally:
            index._near_sets = kept

    index = EventIndex()
    reused = 0
    for n in range(400):
        said = f" on {rng.choice(days)}" if rng.random() < 0.5 else ""
        topic = " ".join(rng.sample(WORDS, 3))
        day = start + timedelta(days=n // 12 + rng.randrange(-2, 3))  # in date order, give or take
        article = art(f"a{n}", day, topic, f"Officials said{said} that {topic}.", [f"local:actor-{rng.randrange(20)}"])
        for probe_day in (day, day - timedelta(days=1)):
            probe = art(f"p{n}", probe_day, "probe", "probe text")
            probe.weekday = rng.choice([None, None, *range(7)])
            spans = len(index._near_sets)
            assert index._near(probe) == fresh(index, probe)
            reused += len(index._near_sets) == spans
        index.add(article)
    assert reused > 200 and len(index._near_sets) <= events.NEAR_SETS
    loaded = pickle.loads(pickle.dumps(index))
    assert not loaded._near_sets and "_near_sets" not in index.__getstate__()


def test_the_events_near_an_article_are_all_that_its_date_does_not_rule_out():
    """`_near` (the day buckets around an article's day, and around the happening its lead dates) holds every
    event with days that `_date_rules_out` keeps, whatever weekdays the leads name."""
    from dossier.link.events import _date_rules_out

    rng = random.Random(11)
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    index = EventIndex()
    start = date(2025, 5, 1)
    for n in range(300):
        said = f" on {rng.choice(days)}" if rng.random() < 0.6 else ""
        topic = " ".join(rng.sample(WORDS, 3))
        index.add(art(f"a{n}", start + timedelta(days=rng.randrange(40)), topic, f"Officials said{said} that {topic}.",
                      [f"local:actor-{rng.randrange(20)}"]))
    assert any(e.happened_tally for e in index.events.values())
    checked = 0
    for n in range(200):
        probe = art(f"p{n}", start + timedelta(days=rng.randrange(-3, 44)), "probe", "probe text")
        probe.weekday = rng.choice([None, *range(7)])
        near = index._near(probe)
        kept = {k for k, e in index.events.items() if e.day_tally and not _date_rules_out(probe, e)}
        assert kept <= near
        checked += len(kept)
    assert checked > 1000
