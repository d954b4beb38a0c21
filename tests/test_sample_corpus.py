"""The bundled synthetic sample, built end to end and checked against its gold file."""

from __future__ import annotations

import json

import pytest

from conftest import SAMPLE
from dossier.build import build
from dossier.report.document import build_document
from dossier.store.db import connect

GOLD = json.loads((SAMPLE / "gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    conn = connect(tmp_path_factory.mktemp("sample") / "sample.db")
    report = build([str(SAMPLE)], conn)
    document = build_document(conn)
    by_source = {}
    for article in document["articles"]:
        for src in article["sources"]:
            by_source[src["source"][len(str(SAMPLE)) + 1:]] = (article, src)
    return report, document, by_source


def test_every_gold_article_is_stored_and_every_gold_skip_is_reported(sample):
    report, _, by_source = sample
    assert sorted(by_source) == sorted(a["source"] for a in GOLD["articles"])
    skipped = {p["source"][len(str(SAMPLE)) + 1:] for p in report.skipped}
    assert skipped == {s["source"] for s in GOLD["skipped"]}  # and nothing else, e.g. not gold.json


def test_metadata_matches_gold(sample):
    _, _, by_source = sample
    for gold in GOLD["articles"]:
        article, src = by_source[gold["source"]]
        assert src["title"] == gold["title"], gold["source"]
        assert src["published"] == gold["published"], gold["source"]
        assert article["lang"] == gold["lang"], gold["source"]
        assert src["synthetic"] is True, gold["source"]
        assert src["partial"] == bool(gold.get("partial", False)), gold["source"]


def test_outlets_are_one_key_per_outlet(sample):
    _, document, _ = sample
    names_by_key = {}
    for article in document["articles"]:
        for src in article["sources"]:
            assert src["outlet"], src["source"]
            names_by_key.setdefault(src["outlet"], set())
    assert len(names_by_key) == len({a["outlet"] for a in GOLD["articles"]})


def test_noise_is_removed_and_body_survives(sample):
    _, _, by_source = sample
    for noise in GOLD["noise"]:
        article, _ = by_source[noise["source"]]
        assert noise["text"] not in article["text"], noise
    for body in GOLD["body_must_survive"]:
        article, _ = by_source[body["source"]]
        assert body["text"] in " ".join(article["text"].split()), body


def test_every_removal_is_recorded(sample):
    _, document, _ = sample
    for article in document["articles"]:
        for removal in article["removed"]:
            assert removal["text"] and removal["reason"]
            assert removal["text"] not in article["text"].split("\n\n")


def test_gold_file_agrees_with_the_sample_files():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, str(SAMPLE / "check_gold.py")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
