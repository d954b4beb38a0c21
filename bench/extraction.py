"""Benchmark of dossier's HTML article extraction (body text, title, date, author).

Data sets (read-only, under ../shared/data relative to the repo root):
  article-extraction/       Zyte/Scrapinghub benchmark, 181 pages, body ground truth
  article-extraction-naeb/  NAEB, pages with body, title, date and authors ground truth

Body metric (Zyte's, re-implemented here from its README): tokenise with regex \\w+,
build multisets of word 4-gram shingles, per page tp = sum of min counts, fp = excess
predicted, fn = missing; normalise (tp, fp, fn) by their sum; P and R are averaged over
pages; F1 is the harmonic mean of the averaged P and R (not the mean of per-page F1).

Metadata metrics (NAEB):
  title   normalised equality: Unicode NFKC, casefold, curly quotes folded, every
          non-word character dropped, whitespace collapsed.
  date    the extracted ISO date (YYYY-MM-DD) equals gold `date`; items with gold NaT
          are skipped; no date counts as wrong.
  author  token-set equality of the names: casefold, \\w+ tokens, the words "by" and
          "and" dropped. Scored on items whose gold authors are non-empty; for items
          with empty gold authors we only report how often we also returned none.

Usage:
  .venv/bin/python bench/extraction.py [--limit N] [--json FILE] [--baseline]
  .venv/bin/python bench/extraction.py --check-metric
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
ZYTE = SHARED / "data" / "article-extraction"
NAEB = SHARED / "data" / "article-extraction-naeb"

sys.path.insert(0, str(REPO / "src"))

WORD = re.compile(r"\w+")


# --------------------------------------------------------------------------- metric


def shingles(text: str, n: int = 4) -> Counter:
    """Multiset of word n-grams; texts shorter than n words give one shorter shingle."""
    tokens = WORD.findall(text or "")
    if len(tokens) < n:
        # Zyte's definition keeps short texts comparable instead of scoring them as empty.
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def page_counts(true: str, pred: str) -> tuple[float, float, float]:
    """(tp, fp, fn) of one page, normalised so that they sum to 1 (equal page weights)."""
    t, p = shingles(true), shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    if total == 0:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def body_scores(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Zyte metric over (true, pred) pairs: averaged P and R, F1 of those, accuracy."""
    precisions, recalls, exact = [], [], 0
    for true, pred in pairs:
        tp, fp, fn = page_counts(true, pred)
        if fp == 0 and fn == 0:
            precisions.append(1.0)
            recalls.append(1.0)
        else:
            if tp + fp > 0:
                precisions.append(tp / (tp + fp))
            if tp + fn > 0:
                recalls.append(tp / (tp + fn))
        exact += WORD.findall(true or "") == WORD.findall(pred or "")
    p = statistics.fmean(precisions) if precisions else 0.0
    r = statistics.fmean(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"f1": f1, "precision": p, "recall": r, "accuracy": exact / max(len(pairs), 1)}


def norm_title(title: str | None) -> str:
    text = unicodedata.normalize("NFKC", title or "").casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def author_tokens(authors: str | None) -> frozenset[str]:
    text = unicodedata.normalize("NFKC", authors or "").casefold()
    return frozenset(t for t in WORD.findall(text) if t not in {"by", "and"})


# --------------------------------------------------------------------------- data


def read_gz(path: Path) -> str:
    raw = gzip.decompress(path.read_bytes())
    return raw.decode("utf-8", errors="replace")


def load_zyte(limit: int | None) -> list[dict]:
    truth = json.loads((ZYTE / "ground-truth.json").read_text())
    items = []
    for key in sorted(truth)[:limit]:
        items.append({"id": key, "url": truth[key]["url"], "body": truth[key]["articleBody"],
                      "path": ZYTE / "html" / f"{key}.html.gz"})
    return items


def load_naeb(limit: int | None) -> list[dict]:
    gold = json.loads((NAEB / "articles.json").read_text())
    items = []
    for key in sorted(gold):
        path = NAEB / "html" / f"{key}.html.gz"
        if not path.exists():
            continue  # a few HTML files are absent from the snapshot
        g = gold[key]
        items.append({"id": key, "url": g["url"], "body": g["articleBody"], "title": g["title"],
                      "date": g["date"], "authors": g["authors"], "path": path})
    return items[:limit]


# --------------------------------------------------------------------------- extractors


def dossier_extractor() -> Callable[[str, str | None], dict]:
    from dossier.corpus.extract import ExtractionError, extract_html

    def run(html: str, url: str | None) -> dict:
        try:
            page = extract_html(html, url=url)
        except ExtractionError:
            return {"text": ""}
        return {"text": page.text, "title": page.title, "date": page.published,
                "author": page.author, "date_source": page.published_source,
                "extractor": page.extractor}

    return run


def baseline_extractor() -> Callable[[str, str | None], dict]:
    """Plain trafilatura favor_precision, as in the data READMEs, for comparison."""
    import trafilatura

    def run(html: str, url: str | None) -> dict:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, favor_precision=True,
                                          include_tables=True, include_comments=False)
        if doc is None:
            return {"text": ""}
        return {"text": doc.text or "", "title": doc.title, "date": doc.date, "author": doc.author}

    return run


def run_all(items: list[dict], extract: Callable) -> tuple[list[dict], float]:
    """Extract every page; return predictions and the total extraction CPU seconds (one core)."""
    # CPU time of this process, not wall time: the speed on one core, robust to other load
    preds, elapsed = [], 0.0
    for item in items:
        html = read_gz(item["path"])
        start = time.process_time()
        preds.append(extract(html, item["url"]))
        elapsed += time.process_time() - start
    return preds, elapsed


# --------------------------------------------------------------------------- main


def check_metric() -> int:
    """The README says trafilatura's published output scores F1 0.958 (P 0.938 R 0.978)."""
    truth = json.loads((ZYTE / "ground-truth.json").read_text())
    out = json.loads((ZYTE / "output" / "trafilatura.json").read_text())
    out = out.get("output", out) if "version" in out else out
    pairs = [(truth[k]["articleBody"], (out.get(k) or {}).get("articleBody") or "") for k in truth]
    s = body_scores(pairs)
    print(f"trafilatura.json: F1 {s['f1']:.3f}  P {s['precision']:.3f}  R {s['recall']:.3f}  "
          f"acc {s['accuracy']:.3f}")
    ok = (round(s["f1"], 3), round(s["precision"], 3), round(s["recall"], 3)) == (0.958, 0.938, 0.978)
    print("metric check:", "OK (matches README)" if ok else "MISMATCH with README 0.958/0.938/0.978")
    return 0 if ok else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="only the first N pages of each set")
    ap.add_argument("--json", metavar="FILE", help="write the numbers to FILE")
    ap.add_argument("--baseline", action="store_true",
                    help="measure plain trafilatura favor_precision instead of dossier")
    ap.add_argument("--check-metric", action="store_true",
                    help="score upstream output/trafilatura.json; must give F1 0.958")
    ap.add_argument("--worst", type=int, default=0, metavar="N",
                    help="also list the N worst pages per set and metadata misses (debugging)")
    args = ap.parse_args()

    if not ZYTE.is_dir() or not NAEB.is_dir():
        sys.exit(f"shared data not found: expected {ZYTE} and {NAEB} "
                 "(../shared relative to the repo root)")
    if args.check_metric:
        return check_metric()

    extract = baseline_extractor() if args.baseline else dossier_extractor()
    name = "trafilatura favor_precision (baseline)" if args.baseline else "dossier extract_html"
    results: dict = {"system": name}
    rows = []

    zyte = load_zyte(args.limit)
    extract(read_gz(zyte[0]["path"]), zyte[0]["url"])  # warm-up: imports and lazy data files
    preds, secs = run_all(zyte, extract)
    s = body_scores([(it["body"], p["text"]) for it, p in zip(zyte, preds)])
    s.update(pages=len(zyte), ms_per_page=1000 * secs / len(zyte), pages_per_s=len(zyte) / secs)
    results["zyte"] = s
    rows.append(("Zyte", s))
    if args.worst:
        show_worst(zyte, preds, args.worst)

    naeb = load_naeb(args.limit)
    preds, secs = run_all(naeb, extract)
    s = body_scores([(it["body"], p["text"]) for it, p in zip(naeb, preds)])
    dated = [(it, p) for it, p in zip(naeb, preds) if it["date"] and it["date"] != "NaT"]
    authored = [(it, p) for it, p in zip(naeb, preds) if it["authors"].strip()]
    unauthored = [(it, p) for it, p in zip(naeb, preds) if not it["authors"].strip()]
    s.update(
        pages=len(naeb), ms_per_page=1000 * secs / len(naeb), pages_per_s=len(naeb) / secs,
        title_acc=statistics.fmean(norm_title(it["title"]) == norm_title(p.get("title")) for it, p in zip(naeb, preds)),
        date_acc=statistics.fmean((p.get("date") or "")[:10] == it["date"] for it, p in dated),
        author_acc=statistics.fmean(author_tokens(it["authors"]) == author_tokens(p.get("author")) for it, p in authored),
        no_author_when_gold_empty=statistics.fmean(not p.get("author") for it, p in unauthored) if unauthored else None,
        dated_pages=len(dated), authored_pages=len(authored),
    )
    results["naeb"] = s
    rows.append(("NAEB", s))
    if args.worst:
        show_worst(naeb, preds, args.worst)
        show_meta_misses(naeb, preds)

    print(f"\n{name}\n")
    print(f"{'set':<5} {'pages':>5} {'F1':>6} {'P':>6} {'R':>6} {'acc':>6} {'title':>6} {'date':>6} "
          f"{'author':>6} {'ms/pg':>6} {'pg/s':>6}")
    for label, s in rows:
        meta = [s.get(k) for k in ("title_acc", "date_acc", "author_acc")]
        meta_txt = " ".join(f"{m:6.3f}" if m is not None else f"{'-':>6}" for m in meta)
        print(f"{label:<5} {s['pages']:>5} {s['f1']:6.3f} {s['precision']:6.3f} {s['recall']:6.3f} "
              f"{s['accuracy']:6.3f} {meta_txt} {s['ms_per_page']:6.1f} {s['pages_per_s']:6.1f}")
    naeb_s = results["naeb"]
    print(f"\nNAEB: date scored on {naeb_s['dated_pages']} pages, author on {naeb_s['authored_pages']} "
          f"(gold empty → we return none on {naeb_s['no_author_when_gold_empty']!s:.5} of the rest)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


def show_worst(items: list[dict], preds: list[dict], n: int) -> None:
    scored = []
    for it, p in zip(items, preds):
        tp, fp, fn = page_counts(it["body"], p["text"])
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        scored.append((min(prec, rec), prec, rec, it["id"], it["url"], p.get("extractor")))
    for row in sorted(scored)[:n]:
        print(f"  P {row[1]:.2f} R {row[2]:.2f}  {row[3]}  {row[4]}  {row[5]}")


def show_meta_misses(items: list[dict], preds: list[dict]) -> None:
    for it, p in zip(items, preds):
        if it["date"] != "NaT" and (p.get("date") or "")[:10] != it["date"]:
            print(f"  date  gold {it['date']}  got {p.get('date')} ({p.get('date_source')})  {it['url']}")
    for it, p in zip(items, preds):
        if norm_title(it["title"]) != norm_title(p.get("title")):
            print(f"  title gold {it['title']!r}\n        got  {p.get('title')!r}")
    for it, p in zip(items, preds):
        if it["authors"].strip() and author_tokens(it["authors"]) != author_tokens(p.get("author")):
            print(f"  author gold {it['authors']!r} got {p.get('author')!r}  {it['url']}")


if __name__ == "__main__":
    sys.exit(main())
