"""Benchmark of dossier's quotation extractor on PolNeAR (source, cue and content spans).

Data (read-only, third-party, evaluation only): ../shared/data/polnear/; the test split is
held out and not read here. See bench/polnear.py for how gold and predictions are aligned.

Scores:
  sentence  exact match on CofeNet's `cofenet_split/valid.txt` (1,925 sentences), as CofeNet
            scores it: tokens joined with spaces, predicted character spans mapped to token
            ranges; a span counts only if role, first and last token all agree. Comparable to
            the published table (which is on the held-out test split).
  article   exact match on the 84 `dev/` articles: character spans, one annotator per article.
  overlap   the Gender Gap Tracker's quote matching on the dev articles: a gold content is
            matched by the remaining predicted content covering the largest share of it, if
            that share is > 0.3 (or > 0.8); P/R/F1 of quotes, and speaker accuracy = matched
            quotes whose predicted and gold source spans overlap.
  speed     articles per second of `extract_quotes` alone on the dev texts (mean ~800 words),
            CPU time of one process, best of 3 passes; with --pipeline also the whole
            per-article analysis (wall clock, 2 processes).
  real      (when ../shared/data/real-corpus exists and --real is given) the end-to-end check
            on real articles: a gold quotation is found with its speaker's last name.

Usage:
  .venv/bin/python bench/quotes.py [--extractor rules|model] [--split dev|train] [--limit N]
                                   [--json [FILE]] [--pipeline] [--real [-v]]
  --json without FILE prints the results as JSON instead of the table.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from polnear import (POLNEAR, ROLES, load_articles, load_sentences, predicted_attributions, score_articles,  # noqa: E402
                     score_sentences, source_span, speaker_span)

PUBLISHED = {  # Wang et al. 2022 (CofeNet), Table 6, exact match, PolNeAR test split: (P, R, F1) per role
    "Rule-based baseline": {"source": (27.8, 6.7, 10.7), "cue": (67.6, 13.7, 22.8), "content": (26.0, 3.2, 5.6)},
    "Stanford CoreNLP quote annotator": {"source": (32.1, 8.9, 13.9), "cue": None, "content": (59.2, 10.3, 17.5)},
    "CRF": {"source": (62.6, 42.4, 50.6), "cue": (66.3, 44.7, 53.4), "content": (36.8, 23.5, 28.6)},
    "BiLSTM-CRF": {"source": (73.1, 66.4, 69.6), "cue": (72.2, 62.0, 66.7), "content": (66.0, 53.4, 59.0)},
    "BERT-CRF": {"source": (81.5, 82.9, 82.2), "cue": (75.0, 74.7, 74.9), "content": (72.4, 69.7, 71.0)},
    "BERT + CofeNet": {"source": (82.9, 83.6, 83.2), "cue": (75.9, 74.7, 75.3), "content": (74.9, 71.1, 72.9)},
}
REAL = REPO.parent / "shared" / "data" / "real-corpus"


def load_extractor(name: str):
    """The extractor's `extract_quotes`; a clear exit when the learned one is not there."""
    if name == "rules":
        from dossier.analyze.quotes import extract_quotes
        return extract_quotes
    try:
        from dossier.analyze.quote_model import extract_quotes
    except ImportError as exc:
        sys.exit(f"the learned extractor (dossier.analyze.quote_model.extract_quotes) is not available: {exc}")
    try:
        extract_quotes("“We will,” she said.")
    except Exception as exc:  # noqa: BLE001 - missing model files or runtime: say so and stop
        sys.exit(f"the learned extractor (dossier.analyze.quote_model) cannot run: {exc}")
    return extract_quotes


def extractor_speed(extract, texts: list[str], passes: int = 3) -> float:
    """Articles per second of `extract` alone on one core: CPU time of this process (other
    jobs on the machine do not count against it), best of `passes` passes."""
    best = float("inf")
    for _ in range(passes):
        started = time.process_time()
        for text in texts:
            extract(text)
        best = min(best, time.process_time() - started)
    return len(texts) / best if best else 0.0


def _analyse(text: str) -> int:
    from dossier.analyze.record import analyze_text, cached_kb

    return len(analyze_text(text, on=None, latest=None, lang="en", kb=cached_kb(None))["quotes"])


def pipeline_speed(texts: list[str], workers: int = 2, repeat: int = 5) -> float:
    """Articles per second of the whole per-article analysis (mentions, quotations, speaker
    resolution) as a build runs it: `workers` processes over the texts, `repeat` times."""
    from concurrent.futures import ProcessPoolExecutor

    texts = texts * repeat
    _analyse(texts[0])  # load the knowledge base before forking
    started = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_analyse, texts, chunksize=25))
    return len(texts) / (time.perf_counter() - started)


def _last_name(name: str | None) -> str:
    from dossier.kb.model import norm

    return norm(name or "").split(" ")[-1] if name else ""


def real_corpus(extractor: str) -> dict:
    """The real-corpus quotes (a sample of direct quotations with a clear speaker): built end
    to end with dossier, a quote passes when an occurrence in its article contains the gold
    words and its speaker's last name is the gold speaker's (case and accents ignored)."""
    import tempfile

    from dossier.build import BuildOptions, build
    from dossier.link.quotes import normalize_quote
    from dossier.report.document import build_document
    from dossier.store.db import connect

    gold = json.loads((REAL / "gold.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        conn = connect(Path(tmp) / "real.db")
        build([str(REAL / "articles")], conn, BuildOptions(workers=2, extractor=extractor))
        document = build_document(conn)
    actors = {a["id"]: a for a in document["actors"]}
    article_of = {Path(s["source"]).stem: a["id"] for a in document["articles"] for s in a["sources"]}
    found = right = 0
    misses = []
    for entry in gold["quotes"]:
        want = normalize_quote(entry["contains"])
        occurrences = [o for q in document["quotes"] for o in q["occurrences"]
                       if o["article"] == article_of.get(entry["article"]) and want in normalize_quote(o["text"])]
        if not occurrences:
            misses.append((entry["article"], entry["contains"], "not found"))
            continue
        found += 1
        names = set()
        for o in occurrences:
            actor = actors.get(o["speaker"]) if o["speaker"] else None
            names |= {_last_name(n) for n in ([actor["name"], *actor["aliases"]] if actor else [])}
            names |= {_last_name(o.get("speaker_given")), _last_name(o["speaker_name"])}
        if _last_name(entry["speaker"]) in names:
            right += 1
        else:
            misses.append((entry["article"], entry["contains"], f"speaker {sorted(n for n in names if n)}"))
    total = len(gold["quotes"])
    return {"quotes": total, "found": found, "speaker_right": right,
            "found_pct": 100 * found / total, "pass_pct": 100 * right / total, "misses": misses}


def _cell(scores) -> str:
    return "–" if scores is None else "{:.1f} / {:.1f} / {:.1f}".format(*scores)


def _row(name: str, scores: dict) -> str:
    return f"| {name} | " + " | ".join(_cell(scores[r]) for r in ROLES) + " |"


def run(args: argparse.Namespace) -> dict:
    extract = load_extractor(args.extractor)
    articles = load_articles(args.split, args.limit)
    texts = [text for _, text, _ in articles]
    source = source_span if args.extractor == "rules" else speaker_span
    predictions = [predicted_attributions(text, extract(text), source) for text in texts]
    results = {
        "extractor": args.extractor,
        "sentence_level": score_sentences(extract, load_sentences(args.limit), source),
        "article_level": score_articles(predictions, articles) | {"split": args.split, "articles": len(articles)},
        "articles_per_second": extractor_speed(extract, texts),
        "mean_chars": sum(map(len, texts)) / max(len(texts), 1),
        "mean_words": sum(len(t.split()) for t in texts) / max(len(texts), 1),
    }
    if args.pipeline:
        results["pipeline_articles_per_second"] = pipeline_speed(texts)
    if args.real and REAL.is_dir():
        results["real_corpus"] = real_corpus(args.extractor)
    return results


def print_table(results: dict, verbose: bool) -> None:
    sentences, articles = results["sentence_level"], results["article_level"]
    name = f"dossier {results['extractor']}"
    print(f"Extractor: {results['extractor']}\n")
    print("Exact match, P / R / F1 (%)\n")
    print("| system | source | cue | content |\n| --- | --- | --- | --- |")
    for system, scores in PUBLISHED.items():
        print(_row(f"{system} (published, test split)", scores))
    print(_row(f"**{name}**, CofeNet valid split, {sentences['sentences']} sentences", sentences))
    print(_row(f"**{name}**, {articles['split']} articles ({articles['articles']}), character spans", articles))
    print(f"\nQuotes by content overlap ({articles['split']} articles, Gender Gap Tracker matching), P / R / F1 (%), "
          "speaker accuracy on matched quotes:")
    for t in (0.3, 0.8):
        print(f"  > {t}: {_cell(articles[f'overlap_{t}'])}, speaker {articles[f'speaker_accuracy_{t}']:.1f} %")
    print(f"\nSpeed: {results['articles_per_second']:.0f} articles/s, extract_quotes alone, one core (CPU time) "
          f"({articles['split']} articles, mean {results['mean_words']:.0f} words / {results['mean_chars']:.0f} characters)")
    if "pipeline_articles_per_second" in results:
        print(f"Whole per-article analysis (mentions + quotations + speakers), 2 processes: "
              f"{results['pipeline_articles_per_second']:.0f} articles/s")
    real = results.get("real_corpus")
    if real:
        print(f"\nReal corpus ({real['quotes']} gold quotations, end to end): found {real['found']} "
              f"({real['found_pct']:.0f} %), with the right speaker {real['speaker_right']} ({real['pass_pct']:.0f} %)")
        if verbose:
            for miss in real["misses"]:
                print("  miss:", *miss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--extractor", choices=("rules", "model"), default="rules")
    parser.add_argument("--split", choices=("dev", "train"), default="dev", help="articles to score (default dev)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N sentences / articles")
    parser.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                        help="write the results as JSON to FILE, or to stdout (no table) when FILE is omitted")
    parser.add_argument("--pipeline", action="store_true", help="also time the whole per-article analysis")
    parser.add_argument("--real", action="store_true", help="also run the real-corpus end-to-end check")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the real-corpus quotations missed")
    args = parser.parse_args()
    if not POLNEAR.is_dir():
        sys.exit(f"PolNeAR not found at {POLNEAR}")
    results = run(args)
    if args.json == "-":
        print(json.dumps(results, indent=1))
        return
    print_table(results, args.verbose)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
