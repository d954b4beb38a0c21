"""End to end on the five real seed articles in ../shared/seeds/ (read there, never copied)."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from conftest import SHARED, needs_shared
from dossier.cli import main

pytestmark = needs_shared


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def test_seeds_build_keeps_every_body_paragraph_and_removes_the_noise(tmp_path):
    db = str(tmp_path / "seeds.db")
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(SHARED / "seeds"), "--db", db]).exit_code == 0
    document = json.loads(runner.invoke(main, ["export", "--db", db, "--format", "json"]).output)
    articles = {a["source"].rsplit("/", 1)[-1][:3]: a for a in document["articles"]}
    assert sorted(articles) == ["000", "001", "002", "003", "004"]
    for key, article in articles.items():
        raw = next((SHARED / "seeds").glob(f"{key}_*.txt")).read_text(encoding="utf-8")
        clean = article["text"]
        for paragraph in _paragraphs(raw):
            if len(paragraph) > 150 and not paragraph.endswith("Share your thoughts in the comments below!"):
                assert paragraph in clean, (key, paragraph[:80])
        assert article["lang"] == "en" and article["title"]
    removed = {key: {(r["reason"], r["text"]) for r in a["removed"]} for key, a in articles.items()}
    assert ("byline", "by Nouman Rasool") in removed["000"] and articles["000"]["author"] == "Nouman Rasool"
    assert ("photo credit", "© Manuel Velasquez/Getty Images") in removed["000"]
    assert any(reason == "repeated headline" for reason, _ in removed["000"])
    for text in ("For more Cannabis News like this, circle back to!", "Region: Mexico", "Disqus content widget"):
        assert text in {t for _, t in removed["001"]} and text not in articles["001"]["text"]
    assert any(t.startswith("420 Intel News |") for _, t in removed["001"])
    assert any(reason == "repeated headline" for reason, _ in removed["002"])
    assert any("Share your thoughts in the comments below!" in t for _, t in removed["003"])
    assert articles["001"]["title"].startswith("Mexican President Says Country Won")


def test_seeds_who_said_what(tmp_path):
    db = str(tmp_path / "seeds.db")
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(SHARED / "seeds"), "--db", db]).exit_code == 0
    document = json.loads(runner.invoke(main, ["export", "--db", db, "--format", "json"]).output)
    source_of = {a["id"]: a["source"].rsplit("/", 1)[-1][:3] for a in document["articles"]}
    quote = next(q for q in document["quotes"]
                 if q["text"] == "We are not going to act as policemen for any foreign government")
    # one statement, carried by two seed articles, said by López Obrador
    assert sorted(source_of[o["article"]] for o in quote["occurrences"]) == ["000", "001"]
    assert quote["speaker"] == "cur:andres-manuel-lopez-obrador"
    assert quote["first_seen"] is None  # the seeds carry no dates, so the earliest cannot be known
    # every occurrence's spans index its article's text
    texts = {a["id"]: a["text"] for a in document["articles"]}
    for q in document["quotes"]:
        for o in q["occurrences"]:
            text = texts[o["article"]]
            assert text[o["start"]:o["end"]] == o["text"]
            if o["speaker_start"] is not None:
                assert 0 <= o["speaker_start"] < o["speaker_end"] <= len(text)
    # Sheinbaum's "absolutely ruled out" in 004, and the actors of both presidencies
    ruled_out = [q for q in document["quotes"] if "ruled out" in q["text"].lower()]
    assert any(q["speaker"] == "wd:Q5771800" for q in ruled_out)
    names = {a["name"] for a in document["actors"]}
    assert {"Andrés Manuel López Obrador", "Claudia Sheinbaum Pardo", "David Saucedo", "Marco Rubio"} <= names
