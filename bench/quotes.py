"""Benchmark of dossier's quotation extractor on PolNeAR (source, cue and content spans).

Data (read-only, third-party, evaluation only): ../shared/data/polnear/
  cofenet_split/valid.txt  sentence-level, tokens + BIO labels, as CofeNet scores it
  dev/text, dev/attributions  article-level text and brat standoff (one annotator file per article)

Metrics:
  exact    a predicted span counts only if its role, start and end all equal a gold span's
           (sentence level: token start and end; article level: character start and end).
           Content of a direct quote includes its quotation marks, as PolNeAR marks it;
           a quote in several parts runs from the first part to the last.
  overlap  quotes (content spans) matched at overlap / longer span >= 0.3 and >= 0.8, as the
           Gender Gap Tracker reports them, and speaker accuracy on the quotes matched at 0.3
           (the predicted source overlaps the gold source).
  speed    articles per second on the dev texts, one process.

Usage:
  .venv/bin/python bench/quotes.py [--extractor rules|model] [--limit N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
POLNEAR = REPO.parent / "shared" / "data" / "polnear"
ROLES = ("source", "cue", "content")
QUOTE_MARKS = "\"“”«»„'‘’"
PUBLISHED = {  # Wang et al. 2022 (CofeNet), Table 6, exact match, PolNeAR test split: (P, R, F1) per role
    "Rule-based baseline": {"source": (27.8, 6.7, 10.7), "cue": (67.6, 13.7, 22.8), "content": (26.0, 3.2, 5.6)},
    "CRF": {"source": (62.6, 42.4, 50.6), "cue": (66.3, 44.7, 53.4), "content": (36.8, 23.5, 28.6)},
    "BiLSTM-CRF": {"source": (73.1, 66.4, 69.6), "cue": (72.2, 62.0, 66.7), "content": (66.0, 53.4, 59.0)},
    "BERT-CRF": {"source": (81.5, 82.9, 82.2), "cue": (75.0, 74.7, 74.9), "content": (72.4, 69.7, 71.0)},
    "BERT + CofeNet": {"source": (82.9, 83.6, 83.2), "cue": (75.9, 74.7, 75.3), "content": (74.9, 71.1, 72.9)},
}


def load_extractor(name: str):
    if name == "rules":
        from dossier.analyze.quotes import extract_quotes
        return extract_quotes
    try:
        from dossier.analyze.quote_model import extract_quotes
    except ImportError as exc:
        sys.exit(f"the learned extractor is not available: {exc}")
    return extract_quotes


def predicted_spans(text: str, quotes) -> dict[str, set[tuple[int, int]]]:
    """Role → spans, in PolNeAR's conventions: content with its quotation marks; fragments
    inside another statement's content dropped (PolNeAR gives each token one role)."""
    spans: dict[str, set[tuple[int, int]]] = {r: set() for r in ROLES}
    contents = [(q.start, q.end) for q in quotes if q.kind != "fragment"]
    for q in quotes:
        if q.kind == "fragment" and any(s <= q.start and q.end <= e and (s, e) != (q.start, q.end) for s, e in contents):
            continue
        start, end = q.start, q.end
        before = start
        while before > 0 and text[before - 1] == " ":  # tokenised text puts spaces around marks
            before -= 1
        if before > 0 and text[before - 1] in QUOTE_MARKS:
            start = before - 1
            after = end
            while after < len(text) and text[after] in " .,?!":
                after += 1
            if after < len(text) and text[after] in QUOTE_MARKS:
                end = after + 1
        spans["content"].add((start, end))
        if q.cue_start is not None:
            spans["cue"].add((q.cue_start, q.cue_end))
        if q.speaker_start is not None:
            spans["source"].add((q.speaker_start, q.speaker_end))
    return spans


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return 100 * p, 100 * r, (200 * p * r / (p + r) if p + r else 0.0)


# --- sentence level (CofeNet's split) ---------------------------------------------------

def _bio_spans(labels: list[str]) -> dict[str, set[tuple[int, int]]]:
    spans: dict[str, set[tuple[int, int]]] = {r: set() for r in ROLES}
    start, role = None, None
    for i, label in enumerate(labels + ["O"]):
        if label.startswith("B-") or label == "O" or (label.startswith("I-") and label[2:] != role):
            if role is not None:
                spans[role].add((start, i - 1))
            start, role = (i, label[2:]) if label != "O" else (None, None)
    return spans


def sentence_level(extract, limit: int | None) -> dict:
    counts = {r: [0, 0, 0] for r in ROLES}  # tp, predicted, gold
    lines = (POLNEAR / "cofenet_split" / "valid.txt").read_text(encoding="utf-8").splitlines()
    for line in lines[:limit] if limit else lines:
        record = json.loads(line)
        tokens = [{"``": "“", "''": "”", "-LRB-": "(", "-RRB-": ")"}.get(t, t) for t in record["tokens"]]
        offsets, pos = [], 0
        for token in tokens:
            offsets.append((pos, pos + len(token)))
            pos += len(token) + 1
        text = " ".join(tokens)
        gold = _bio_spans(record["labels"])
        pred_chars = predicted_spans(text, extract(text))
        for role in ROLES:
            pred = set()
            for s, e in pred_chars[role]:
                first = next((i for i, (a, b) in enumerate(offsets) if b > s), None)
                last = max((i for i, (a, b) in enumerate(offsets) if a < e), default=None)
                if first is not None and last is not None and first <= last:
                    pred.add((first, last))
            counts[role][0] += len(pred & gold[role])
            counts[role][1] += len(pred)
            counts[role][2] += len(gold[role])
    return {role: prf(*c) for role, c in counts.items()} | {"sentences": len(lines[:limit] if limit else lines)}


# --- article level (dev) ----------------------------------------------------------------

def load_dev(limit: int | None) -> list[tuple[str, str, dict]]:
    """(name, text, gold) per dev article, gold = role → spans and the list of attributions."""
    files: dict[str, list[Path]] = defaultdict(list)
    for ann in sorted((POLNEAR / "dev" / "attributions").glob("*.ann")):
        files[ann.stem.rsplit("_", 1)[0]].append(ann)
    out = []
    for name in sorted(files)[:limit] if limit else sorted(files):
        text = (POLNEAR / "dev" / "text" / f"{name}.txt").read_text(encoding="utf-8")
        spans, attributions = _read_ann(files[name][0])
        out.append((name, text, {"spans": spans, "attributions": attributions}))
    return out


def _read_ann(path: Path):
    t: dict[str, tuple[str, tuple[int, int]]] = {}
    spans: dict[str, set[tuple[int, int]]] = {r: set() for r in ROLES}
    attributions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if line.startswith("T") and len(fields) >= 2 and " " in fields[1]:
            tid, (kind, ranges) = fields[0], fields[1].split(" ", 1)
            parts = [tuple(map(int, r.split())) for r in ranges.split(";") if len(r.split()) == 2]
            if not parts:
                continue
            t[tid] = (kind.lower(), (min(p[0] for p in parts), max(p[1] for p in parts)))
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("E"):
            roles = {}
            for arg in line.split("\t")[1].split():
                role, tid = arg.split(":")
                role = role.rstrip("0123456789").lower()
                if role in ROLES and tid in t:
                    roles[role] = t[tid][1]
                    spans[role].add(t[tid][1])
            if "content" in roles:
                attributions.append(roles)
    return spans, attributions


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return max(inter, 0) / max(a[1] - a[0], b[1] - b[0], 1)


def article_level(extract, limit: int | None) -> dict:
    articles = load_dev(limit)
    counts = {r: [0, 0, 0] for r in ROLES}
    overlap = {0.3: [0, 0, 0], 0.8: [0, 0, 0]}
    speaker_right = speaker_total = 0
    started = time.perf_counter()
    predictions = [(text, extract(text)) for _, text, _ in articles]
    elapsed = time.perf_counter() - started
    for (_, text, gold), (_, quotes) in zip(articles, predictions):
        pred = predicted_spans(text, quotes)
        for role in ROLES:
            counts[role][0] += len(pred[role] & gold["spans"][role])
            counts[role][1] += len(pred[role])
            counts[role][2] += len(gold["spans"][role])
        statements = [q for q in quotes if q.kind != "fragment"]
        for threshold, c in overlap.items():
            used: set[int] = set()
            for q in statements:
                match = next((i for i, g in enumerate(gold["attributions"])
                              if i not in used and _overlap((q.start, q.end), g["content"]) >= threshold), None)
                if match is None:
                    continue
                used.add(match)
                c[0] += 1
                if threshold == 0.3 and "source" in gold["attributions"][match]:
                    speaker_total += 1
                    if q.speaker_start is not None and _overlap((q.speaker_start, q.speaker_end),
                                                                gold["attributions"][match]["source"]) > 0:
                        speaker_right += 1
            c[1] += len(statements)
            c[2] += len(gold["attributions"])
    return {
        **{role: prf(*c) for role, c in counts.items()},
        "overlap_0.3": prf(*overlap[0.3]), "overlap_0.8": prf(*overlap[0.8]),
        "speaker_accuracy_0.3": 100 * speaker_right / speaker_total if speaker_total else 0.0,
        "articles": len(articles), "articles_per_second": len(articles) / elapsed if elapsed else 0.0,
        "mean_chars": sum(len(t) for _, t, _ in articles) / max(len(articles), 1),
    }


def _analyse(text: str) -> int:
    from dossier.analyze.record import analyze_text, cached_kb

    return len(analyze_text(text, on=None, latest=None, lang="en", kb=cached_kb(None))["quotes"])


def pipeline_speed(limit: int | None, workers: int = 2, repeat: int = 5) -> float:
    """Articles per second of the whole per-article analysis (mentions, quotations, speaker
    resolution) as a build runs it: `workers` processes over the dev texts, `repeat` times."""
    from concurrent.futures import ProcessPoolExecutor

    texts = [t for _, t, _ in load_dev(limit)] * repeat
    _analyse(texts[0])  # load the knowledge base before forking
    started = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_analyse, texts, chunksize=25))
    return len(texts) / (time.perf_counter() - started)


REAL = REPO.parent / "shared" / "data" / "real-corpus"


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
            names |= {_last_name(o["speaker_given"]), _last_name(o["speaker_name"])}
        if _last_name(entry["speaker"]) in names:
            right += 1
        else:
            misses.append((entry["article"], entry["contains"], f"speaker {sorted(n for n in names if n)}"))
    total = len(gold["quotes"])
    return {"quotes": total, "found": found, "speaker_right": right,
            "found_pct": 100 * found / total, "pass_pct": 100 * right / total, "misses": misses}


def _row(name: str, scores: dict) -> str:
    return f"| {name} | " + " | ".join("{:.1f} / {:.1f} / {:.1f}".format(*scores[r]) for r in ROLES) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--extractor", choices=("rules", "model"), default="rules")
    parser.add_argument("--limit", type=int, default=None, help="only the first N sentences / articles")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the real-corpus quotations missed")
    args = parser.parse_args()
    if not POLNEAR.is_dir():
        sys.exit(f"PolNeAR not found at {POLNEAR}")
    extract = load_extractor(args.extractor)
    sentences = sentence_level(extract, args.limit)
    articles = article_level(extract, args.limit)
    print(f"Extractor: {args.extractor}\n")
    print("Exact match, P / R / F1 (%)\n")
    print("| system | source | cue | content |\n| --- | --- | --- | --- |")
    for name, scores in PUBLISHED.items():
        print(_row(f"{name} (published, test)", scores))
    print(_row(f"dossier {args.extractor}, CofeNet valid split, {sentences['sentences']} sentences", sentences))
    print(_row(f"dossier {args.extractor}, dev articles ({articles['articles']}), character spans", articles))
    print("\nQuotes by content overlap (dev articles), P / R / F1 (%): "
          + ", ".join(f"≥{t}: " + "{:.1f} / {:.1f} / {:.1f}".format(*articles[f"overlap_{t}"]) for t in (0.3, 0.8)))
    print(f"Speaker accuracy on quotes matched at 0.3: {articles['speaker_accuracy_0.3']:.1f} %")
    print(f"Speed: {articles['articles_per_second']:.0f} articles/s in one process "
          f"(dev articles, mean {articles['mean_chars']:.0f} characters)")
    if REAL.is_dir():
        real = real_corpus(args.extractor)
        print(f"\nReal corpus ({real['quotes']} gold quotations, end to end): found {real['found']} "
              f"({real['found_pct']:.0f} %), with the right speaker {real['speaker_right']} ({real['pass_pct']:.0f} %)")
        if args.verbose:
            for miss in real["misses"]:
                print("  miss:", *miss)
    speed = pipeline_speed(args.limit) if args.extractor == "rules" else None
    if speed:
        print(f"Whole per-article analysis (mentions + quotations + speakers), 2 processes: {speed:.0f} articles/s")
    if args.json:
        args.json.write_text(json.dumps({"extractor": args.extractor, "sentence_level": sentences,
                                         "article_level": articles, "pipeline_articles_per_second": speed}, indent=1))


if __name__ == "__main__":
    main()
