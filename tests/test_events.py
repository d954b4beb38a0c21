"""Events and stories: on text we wrote, the sample's gold, and the real seeds."""

from __future__ import annotations

import json
import random
from datetime import date

from click.testing import CliRunner

from conftest import SAMPLE, SHARED, needs_shared
from dossier.build import build
from dossier.cli import main
from dossier.link.events import EventArticle, export_events, lead_terms
from dossier.report.document import build_document
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
