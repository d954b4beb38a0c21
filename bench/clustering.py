"""Benchmark of event grouping: B-cubed and pairwise precision/recall/F1 against labelled events.

Data: the bundled sample's gold.json (examples/sample/, our own synthetic corpus) and
../shared/data/real-corpus/ (107 real openings, 26 events; `ambiguous` articles are left out
of scoring as its README says). Each set is built end to end with dossier, then the
events of the export are compared with the gold events.

Baselines in the same run (need scikit-learn: `pip install -e '.[bench]'`): agglomerative
clustering (average link, cosine) on TF-IDF of the same leads, with the distance threshold
that scores best on the set itself (an oracle setting, so the baseline is flattered).

Usage:
  .venv/bin/python bench/clustering.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import defaultdict
from itertools import combinations
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
SAMPLE = REPO / "examples" / "sample"
REAL = REPO.parent / "shared" / "data" / "real-corpus"


def bcubed(predicted: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    items = sorted(gold)
    by_pred, by_gold = defaultdict(set), defaultdict(set)
    for i in items:
        by_pred[predicted[i]].add(i)
        by_gold[gold[i]].add(i)
    p = sum(len(by_pred[predicted[i]] & by_gold[gold[i]]) / len(by_pred[predicted[i]]) for i in items) / len(items)
    r = sum(len(by_pred[predicted[i]] & by_gold[gold[i]]) / len(by_gold[gold[i]]) for i in items) / len(items)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def pairwise(predicted: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for a, b in combinations(sorted(gold), 2):
        same_p, same_g = predicted[a] == predicted[b], gold[a] == gold[b]
        tp += same_p and same_g
        fp += same_p and not same_g
        fn += same_g and not same_p
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def build_set(inputs: Path) -> dict:
    from dossier.build import BuildOptions, build
    from dossier.report.document import build_document
    from dossier.store.db import connect

    with tempfile.TemporaryDirectory() as tmp:
        conn = connect(Path(tmp) / "bench.db")
        build([str(inputs)], conn, BuildOptions(workers=2))
        return build_document(conn)


def predicted_events(document: dict, key_of_source) -> dict[str, str]:
    event_of_article = {a: e["id"] for e in document["events"] for a in e["articles"]}
    out = {}
    for article in document["articles"]:
        for source in article["sources"]:
            out[key_of_source(source["source"])] = event_of_article[article["id"]]
    return out


def baseline(document: dict, gold: dict[str, str], key_of_source) -> tuple[float, tuple]:
    """TF-IDF agglomerative clustering with the best threshold for this very set."""
    try:
        from sklearn.cluster import AgglomerativeClustering
        from sklearn.feature_extraction.text import TfidfVectorizer
    except ImportError:
        return float("nan"), (float("nan"),) * 3
    keys, leads = [], []
    for article in document["articles"]:
        for source in article["sources"]:
            keys.append(key_of_source(source["source"]))
            leads.append(f"{article['title'] or ''} {article['text'][:700]}")
    matrix = TfidfVectorizer(sublinear_tf=True, strip_accents="unicode").fit_transform(leads).toarray()
    best = (0.0, None)
    for threshold in [x / 20 for x in range(4, 20)]:
        labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                         distance_threshold=threshold).fit_predict(matrix)
        predicted = {k: str(label) for k, label in zip(keys, labels)}
        scores = bcubed(predicted, gold)
        if scores[2] > best[0]:
            best = (scores[2], (threshold, scores, pairwise(predicted, gold)))
    return best[1][0], (best[1][1], best[1][2])


def report(name: str, document: dict, gold: dict[str, str], key_of_source) -> None:
    predicted = predicted_events(document, key_of_source)
    b3, pw = bcubed(predicted, gold), pairwise(predicted, gold)
    print(f"\n{name}: {len(gold)} scored articles, {len(set(gold.values()))} gold events, "
          f"{len({predicted[k] for k in gold})} found")
    print("| system | B³ P / R / F1 | pairwise P / R / F1 |\n|---|---|---|")
    print("| dossier | {:.3f} / {:.3f} / {:.3f} | {:.3f} / {:.3f} / {:.3f} |".format(*b3, *pw))
    threshold, scores = baseline(document, gold, key_of_source)
    if scores[0] == scores[0]:  # not NaN
        print("| TF-IDF agglomerative (best threshold {:.2f}) | {:.3f} / {:.3f} / {:.3f} | {:.3f} / {:.3f} / {:.3f} |".format(
            threshold, *scores[0], *scores[1]))
    else:
        print("(baseline skipped: scikit-learn is not installed)")


def main() -> None:
    sample_gold = json.loads((SAMPLE / "gold.json").read_text(encoding="utf-8"))
    gold = {a["source"]: a["event"] for a in sample_gold["articles"] if a.get("event")}
    document = build_set(SAMPLE)
    report("Sample (synthetic)", document, gold, lambda s: s.split("examples/sample/", 1)[-1])
    print(f"stories found: {len(document['stories'])} (gold {len(sample_gold['stories'])}); "
          f"events per story: {sorted(len(s['events']) for s in document['stories'])}")
    if REAL.is_dir():
        real_gold = json.loads((REAL / "gold.json").read_text(encoding="utf-8"))
        gold = {k: v for k, v in real_gold["event_of"].items() if k not in set(real_gold["ambiguous"])}
        document = build_set(REAL / "articles")
        report("Real corpus", document, gold, lambda s: Path(s).stem)


if __name__ == "__main__":
    main()
