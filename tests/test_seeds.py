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
