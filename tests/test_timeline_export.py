"""Event dates in the export: each of the sample's events is dated on the day it happened
(gold.json), with its certainty and reasons, and the timeline lists events in date order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample"


@pytest.fixture(scope="module")
def sample(built_sample):
    return built_sample


GOLD_EVENTS = json.loads((SAMPLE / "gold.json").read_text(encoding="utf-8"))["events"]


# the transit strike's first day and the talks two days later are two events (their leads name other weekdays)
@pytest.mark.parametrize("gold_event", GOLD_EVENTS, ids=lambda e: e["key"])
def test_each_event_is_dated_on_the_day_it_happened(sample, gold_event):
    document, article_of = sample
    members = {article_of[s] for s in gold_event["sources"] if s in article_of}
    event = max(document["events"], key=lambda e: len(members & set(e["articles"])))
    assert event["date"] == gold_event["date"], (event["title"], event["date_reasons"])
    assert event["date_certainty"] in ("certain", "likely")
    for reason in event["date_reasons"]:
        if reason.get("start") is not None:  # the evidence is a span of a member article
            assert reason["article"] in event["articles"]
            text = next(a["text"] for a in document["articles"] if a["id"] == reason["article"])
            assert 0 <= reason["start"] < reason["end"] <= len(text)


def test_the_timeline_is_in_date_order_with_uncertain_events_marked(sample):
    document, _ = sample
    timeline = document["timeline"]
    assert {row["event"] for row in timeline} == {e["id"] for e in document["events"]}
    days = [row["date"] or row["latest"] for row in timeline if row["date"] or row["latest"]]
    assert days == sorted(days)
    assert all(row["uncertain"] == (row["certainty"] != "certain") for row in timeline)
