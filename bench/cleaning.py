"""Benchmark the cleaning step: what it removes from noisy seeds, what it wrongly removes from
pure article bodies, and how fast it is.

    .venv/bin/python bench/cleaning.py [--shared ../shared] [--repeat 5]

(a) seeds: paragraphs kept/removed per seed, and any body paragraph lost (body by rule:
    longer than 150 characters, except a closing "... in the comments below!" prompt).
(b) false removals: the gold `articleBody` texts of the Zyte and NAEB extraction sets are
    pure body, so every removal there is a false removal unless it is noise the gold kept;
    all removals are printed for a person to judge.
(c) real page text (real-corpus, chrome left in on purpose): removals by reason, and the
    lines `learn_repeated_lines` learns per outlet.
(d) speed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

from dossier.corpus.clean import clean_article, learn_repeated_lines, normalize_paragraphs

REPO = Path(__file__).resolve().parents[1]


def seeds(shared: Path) -> None:
    print("== (a) seeds")
    print(f"{'seed':<28} {'paras':>5} {'kept':>5} {'removed':>7} {'body lost':>9}  removed as")
    for path in sorted((shared / "seeds").glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        paras = normalize_paragraphs(raw).split("\n\n")
        result = clean_article(raw)
        kept = set(result.text.split("\n\n"))
        body = [p for p in paras if len(p) > 150 and not re.search(r"in the comments below!$", p)]
        lost = [p for p in body if p not in kept]
        why = ", ".join(f"{r}×{n}" for r, n in Counter(r.reason for r in result.removed).items())
        print(f"{path.name:<28} {len(paras):>5} {len(paras) - len(result.removed):>5} {len(result.removed):>7} {len(lost):>9}  {why}")
        for p in lost:
            print(f"    LOST: {p[:100]!r}")
        if result.author:
            print(f"    author: {result.author}")


def gold_items(shared: Path) -> list[tuple[str, str, str | None]]:
    """(dataset, body, title) for every gold article body."""
    zyte = json.loads((shared / "data/article-extraction/ground-truth.json").read_text(encoding="utf-8"))
    naeb = json.loads((shared / "data/article-extraction-naeb/articles.json").read_text(encoding="utf-8"))
    items = [("zyte", v["articleBody"], None) for v in zyte.values()]
    items += [("naeb", v["articleBody"], v.get("title") or None) for v in naeb.values()]
    return items


def false_removals(items: list[tuple[str, str, str | None]]) -> None:
    print("\n== (b) removals from gold article bodies (pure body text)")
    for dataset in ("zyte", "naeb", "all"):
        subset = [it for it in items if dataset in ("all", it[0])]
        n_para = n_chars = r_para = r_chars = touched = 0
        for _, body, title in subset:
            norm = normalize_paragraphs(body)
            result = clean_article(body, title=title)
            n_para += len(norm.split("\n\n"))
            n_chars += len(norm)
            r_para += len(result.removed)
            r_chars += sum(len(r.text) for r in result.removed)
            touched += bool(result.removed)
        print(
            f"{dataset:<5} articles {len(subset):>4}  paragraphs {n_para:>6}  removed {r_para:>3} "
            f"({r_para / n_para:.3%})  chars {r_chars:>5} of {n_chars} ({r_chars / n_chars:.4%})  articles touched {touched}"
        )
    print("every removal (judge: noise the gold kept, or a real body sentence?):")
    for dataset, body, title in items:
        for r in clean_article(body, title=title).removed:
            print(f"  [{dataset}] {r.reason:<17} {r.text[:130]!r}")


def real_corpus(shared: Path) -> None:
    folder = shared / "data/real-corpus/articles"
    if not folder.is_dir():
        return
    print("\n== (c) real page text (real-corpus: chrome left in)")
    meta = {}
    for line in (folder / "meta.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            meta[row["file"]] = row
    reasons: Counter[str] = Counter()
    cleaned: list[tuple[str, str]] = []
    n_para = 0
    for path in sorted(folder.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        result = clean_article(raw)
        n_para += len(normalize_paragraphs(raw).split("\n\n"))
        reasons.update(r.reason for r in result.removed)
        for r in result.removed:
            print(f"  {path.stem} {r.reason:<17} {r.text[:110]!r}")
        outlet = meta.get(path.name, {}).get("outlet") or "?"
        cleaned.append((outlet, result.text))
    print(f"articles {len(cleaned)}  paragraphs {n_para}  removed {sum(reasons.values())}: {dict(reasons.most_common())}")
    learned = learn_repeated_lines(cleaned)
    outlets = Counter(o for o, _ in cleaned)
    print(f"learned lines: {sum(len(v) for v in learned.values())} from {len(learned)} outlets "
          f"({sum(1 for n in outlets.values() if n >= 3)} outlets have >= 3 articles)")
    for outlet, lines in sorted(learned.items()):
        for line in sorted(lines):
            print(f"  {outlet}: {line[:110]!r}")


def speed(items: list[tuple[str, str, str | None]], repeat: int) -> None:
    print("\n== (d) speed")
    n_para = sum(len(normalize_paragraphs(b).split("\n\n")) for _, b, _ in items)
    n_chars = sum(len(b) for _, b, _ in items)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _, body, title in items:
            clean_article(body, title=title)
        best = min(best, time.perf_counter() - start)
    print(
        f"clean_article: {len(items)} articles, {n_para} paragraphs, {n_chars / 1e6:.2f} M chars in {best * 1000:.0f} ms "
        f"(best of {repeat}): {len(items) / best:,.0f} articles/s, {n_para / best:,.0f} paragraphs/s, "
        f"{best / len(items) * 1e6:.0f} µs/article"
    )
    per_article = []
    for _, body, title in items:
        start = time.perf_counter()
        clean_article(body, title=title)
        per_article.append(time.perf_counter() - start)
    per_article.sort()
    median, p90 = per_article[len(per_article) // 2], per_article[int(len(per_article) * 0.9)]
    print(f"per article: median {median * 1e6:.0f} µs, p90 {p90 * 1e6:.0f} µs, max {per_article[-1] * 1e6:.0f} µs")
    pairs = [(f"outlet{i % 20}", clean_article(b).text) for i, (_, b, _) in enumerate(items)]
    start = time.perf_counter()
    learn_repeated_lines(pairs)
    took = time.perf_counter() - start
    print(f"learn_repeated_lines: {len(pairs)} articles in {took * 1000:.0f} ms ({len(pairs) / took:,.0f} articles/s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not (args.shared / "seeds").is_dir():
        print(f"shared data not found at {args.shared}", file=sys.stderr)
        return 1
    seeds(args.shared)
    items = gold_items(args.shared)
    false_removals(items)
    real_corpus(args.shared)
    speed(items, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
