"""bench/generated_quality.py: events and copies of a store scored against what corpus_gen planted."""

from __future__ import annotations

import json
import sys
from itertools import combinations
from pathlib import Path

import pytest
from conftest import needs_shared

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import generated_quality  # noqa: E402


def plain_scores(predicted: list[str], gold: list[str]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """B-cubed item by item and pairwise pair by pair, as the definitions read."""
    items = range(len(gold))
    p = sum(sum(predicted[j] == predicted[i] and gold[j] == gold[i] for j in items) /
            sum(predicted[j] == predicted[i] for j in items) for i in items) / len(gold)
    r = sum(sum(predicted[j] == predicted[i] and gold[j] == gold[i] for j in items) /
            sum(gold[j] == gold[i] for j in items) for i in items) / len(gold)
    pairs = list(combinations(items, 2))
    tp = sum(predicted[a] == predicted[b] and gold[a] == gold[b] for a, b in pairs)
    pp = tp / sum(predicted[a] == predicted[b] for a, b in pairs)
    pr = tp / sum(gold[a] == gold[b] for a, b in pairs)
    return (p, r, 2 * p * r / (p + r)), (pp, pr, 2 * pp * pr / (pp + pr))


def test_scores_counted_by_cells_are_those_of_the_definitions():
    gold = list("aaaabbbcccd") + ["e"] * 5
    predicted = list("xxxyyyyzzzw") + ["x", "v", "v", "v", "u"]
    b3, pairs = plain_scores(predicted, gold)
    assert generated_quality.bcubed(predicted, gold) == pytest.approx(b3, abs=1e-12)
    assert generated_quality.pairwise(predicted, gold) == pytest.approx(pairs, abs=1e-12)
    assert generated_quality.bcubed(gold, gold) == (1.0, 1.0, 1.0)
    everyone = ["one"] * len(gold)
    assert generated_quality.bcubed(everyone, gold)[1] == 1.0 and generated_quality.bcubed(everyone, gold)[0] < 0.4


@needs_shared
def test_a_small_generated_corpus_is_scored_end_to_end(tmp_path):
    import corpus_gen
    from dossier.build import build
    from dossier.store.db import connect

    manifest = corpus_gen.generate(tmp_path / "corpus", 300, seed=2)
    store = tmp_path / "store.db"
    conn = connect(store)
    build([str(tmp_path / "corpus")], conn)
    conn.close()
    result = generated_quality.measure(store, tmp_path / "corpus")
    assert result["scored"] + result["not in the store"] == 300
    assert result["scored"] >= 290
    assert result["events"]["planted"] <= manifest["events"]
    assert 0.5 < result["events"]["bcubed"][2] <= 1.0  # the planted events are found, if not all exactly
    assert result["copies"]["planted"] == len(manifest["copies"]) > 10
    copies = result["copies"]
    assert copies["recall in family all"] >= copies["recall all"] > 0.5 and copies["precision"] > 0.5
    json.dumps(result)  # what --json writes


@needs_shared
def test_the_first_articles_linked_anew_score_as_the_stores_own_events(tmp_path):
    """--first N links a store's first N articles in this process: all of a small store gives the
    events the build gave it."""
    import corpus_gen
    from dossier.build import build
    from dossier.store.db import connect

    corpus_gen.generate(tmp_path / "corpus", 200, seed=4)
    store = tmp_path / "store.db"
    conn = connect(store)
    build([str(tmp_path / "corpus")], conn)
    conn.close()
    whole = generated_quality.measure(store, tmp_path / "corpus")
    first = generated_quality.measure_first(store, tmp_path / "corpus", 200)
    assert first["scored"] == whole["scored"] == 200
    assert first["events"] == whole["events"]
    part = generated_quality.measure_first(store, tmp_path / "corpus", 50)
    assert part["scored"] < 200 and part["events"]["planted"] < whole["events"]["planted"]


@needs_shared
def test_set_links_the_first_articles_with_another_constant_and_puts_it_back(tmp_path):
    """--set NAME=VALUE tries a variant of an events rule on part of a store without editing the code."""
    import corpus_gen
    from dossier.build import build
    from dossier.link import events
    from dossier.store.db import connect

    corpus_gen.generate(tmp_path / "corpus", 200, seed=4)
    store = tmp_path / "store.db"
    conn = connect(store)
    build([str(tmp_path / "corpus")], conn)
    conn.close()
    plain = generated_quality.measure_first(store, tmp_path / "corpus", 200)
    apart = generated_quality.measure_first(store, tmp_path / "corpus", 200, ["JOIN=2.0", "MAX_DAYS=1"])
    assert apart["settings"] == {"JOIN": 2.0, "MAX_DAYS": 1} and "settings" not in plain
    # no similarity reaches 2.0 (a copy's is 1.0): every article is an event of its own
    assert apart["events"]["found"] == apart["scored"] > plain["events"]["found"]
    assert events.JOIN == 0.2 and events.MAX_DAYS == 2  # put back
    with pytest.raises(ValueError, match="not a numeric constant"):
        generated_quality.measure_first(store, tmp_path / "corpus", 10, ["NO_SUCH=1"])
    with pytest.raises(ValueError, match="is not a float"):
        generated_quality.measure_first(store, tmp_path / "corpus", 10, ["JOIN=high"])
