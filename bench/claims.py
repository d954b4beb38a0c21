"""Benchmark of numeric claim extraction, and number-mismatch flags on real coverage.

1. Speed: `extract_claims` over real article texts, one process: NAEB article bodies
   (../shared/data/article-extraction-naeb/articles.json, `articleBody`) and PolNeAR texts
   (../shared/data/polnear/{train,dev}/text).
2. Precision sample: `--sample 50` prints that many claims drawn at random (fixed seed) from
   those texts, each with its sentence context, to be judged by hand (there is no gold for
   claims; the judgement goes in BENCHMARKS.md and is ours).
3. False alarms: `--flags EXPORT.json ...` runs the number-mismatch detector on exports of
   real corpora built with `dossier build` (events, stories and copies as the build found
   them) and prints every flag with the rate per 100 articles.
4. Recall on planted errors in real copies: `--plant EXPORT.json` takes every copy relation
   the build found (not exact duplicates), and for each number the copy shares with its
   original (same value and same counted noun) changes it in the copy only, one at a time
   (digits doubled plus one, or halved; number words swapped for another), runs the detector
   and counts a hit when a flag's first evidence covers the changed number in the copy.

Usage:
  .venv/bin/python bench/claims.py [--sample 50] [--seed 5] [--flags out/real.json out/naeb.json] [--plant out/real.json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
DATA = REPO.parent / "shared" / "data"


def naeb_texts() -> list[str]:
    items = json.loads((DATA / "article-extraction-naeb" / "articles.json").read_text(encoding="utf-8"))
    return [item["articleBody"] for _, item in sorted(items.items()) if item.get("articleBody")]


def polnear_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for part in ("train", "dev")
            for p in sorted((DATA / "polnear" / part / "text").glob("*.txt"))]


def speed(name: str, texts: list[str]) -> list[tuple[str, dict]]:
    from dossier.analyze.claims import extract_claims

    started = time.perf_counter()
    found = [(text, claim) for text in texts for claim in extract_claims(text, "en")]
    seconds = time.perf_counter() - started
    chars = sum(len(t) for t in texts)
    units = Counter(c["unit"] for _, c in found)
    print(f"{name}: {len(texts)} articles ({chars / 1e6:.1f} M characters) in {seconds:.2f} s = "
          f"{len(texts) / seconds:.0f} articles/s; {len(found)} claims ({len(found) / len(texts):.1f} per article); "
          f"units {dict(units.most_common(8))}")
    return found


def show_sample(found: list[tuple[str, dict]], n: int, seed: int) -> None:
    rng = random.Random(seed)
    for k, (text, claim) in enumerate(rng.sample(found, min(n, len(found))), 1):
        left = text[max(0, claim["start"] - 70):claim["start"]].replace("\n", " ")
        right = text[claim["end"]:claim["end"] + 40].replace("\n", " ")
        print(f"{k:2d}. …{left}[[{claim['text']}]]{right}…")
        print(f"    value={claim['value']} unit={claim['unit']} qualifier={claim['qualifier']} "
              f"counts={claim['counts']!r} about={claim['about']!r}")


def show_flags(paths: list[str]) -> None:
    from dossier.check.numbers import detect

    for path in paths:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        articles = {a["id"]: a for a in document["articles"]}
        started = time.perf_counter()
        flags = detect(dict(document, claims=[]), {})  # claims recomputed from the texts
        seconds = time.perf_counter() - started
        by = Counter(f["severity"] for f in flags)
        n = len(articles)
        print(f"\n{path}: {n} articles, {len(flags)} number-mismatch flags "
              f"({100 * len(flags) / n:.2f} per 100 articles; warnings {by['warning']}, "
              f"{100 * by['warning'] / n:.2f} per 100); linking and detection {seconds:.2f} s")
        for f in flags:
            print(f"  [{f['severity']}] {f['message']}")
            for e in f["evidence"][:2]:
                text = articles[e["article"]]["text"]
                print(f"      …{text[max(0, e['start'] - 80):e['end'] + 40]}…".replace("\n", " "))


_SWAP = {"two": "three", "three": "five", "four": "six", "five": "seven", "six": "nine", "seven": "four",
         "eight": "six", "nine": "four", "ten": "twelve", "dos": "tres", "tres": "cinco", "cuatro": "seis",
         "cinco": "siete", "seis": "nueve", "siete": "cuatro", "ocho": "seis", "nueve": "cuatro", "diez": "doce"}


def _changed(number: str, up: bool) -> str | None:
    import re

    digits = re.fullmatch(r"(\d{1,3}(?:,\d{3})+|\d+)", number)
    if digits:
        old = int(number.replace(",", ""))
        value = old * 2 + 1 if up or old < 3 else old // 2
        return f"{value:,}" if "," in number else str(value)
    swap = _SWAP.get(number.lower())
    return (swap.capitalize() if number[0].isupper() else swap) if swap else None


def plant(path: str) -> None:
    for up in (False, True):
        _plant(path, up)


def _plant(path: str, up: bool) -> None:
    import copy
    import re

    from dossier.analyze.claims import extract_claims
    from dossier.check.numbers import detect
    from dossier.link.claims import canon

    document = json.loads(Path(path).read_text(encoding="utf-8"))
    articles = {a["id"]: a for a in document["articles"]}
    relations = [c for c in document["copies"] if c["article"] != c["of"]]
    trials = hits = warnings = 0
    started = time.perf_counter()
    for relation in relations:
        copy_article, original = articles[relation["article"]], articles[relation["of"]]
        original_numbers = {(c["value"], canon(c["head"])) for c in extract_claims(original["text"], original["lang"])
                            if not c.get("vague")}
        for claim in extract_claims(copy_article["text"], copy_article["lang"]):
            if claim.get("vague") or (claim["value"], canon(claim["head"])) not in original_numbers:
                continue
            text = copy_article["text"]
            number = re.match(r"[\d,]+|[^\W\d_]+", text[claim["number_start"]:claim["number_end"]])
            new = _changed(number.group(0), up) if number else None
            if not new:
                continue
            start = claim["number_start"]
            changed = text[:start] + new + text[start + len(number.group(0)):]
            planted = copy.deepcopy(document)
            planted["claims"] = []
            for a in planted["articles"]:
                if a["id"] == copy_article["id"]:
                    a["text"] = changed
            flags = detect(planted, {})
            found = [f for f in flags if f["evidence"][0]["article"] == copy_article["id"]
                     and f["evidence"][0]["start"] <= start < f["evidence"][0]["end"]]
            trials += 1
            hits += bool(found)
            warnings += any(f["severity"] == "warning" for f in found)
    seconds = time.perf_counter() - started
    print(f"\n{path}: {len(relations)} copy relations, {trials} planted number changes in copies "
          f"({'raised' if up else 'lowered'}); "
          f"flagged {hits} ({100 * hits / max(1, trials):.0f} %), as warnings {warnings} "
          f"({100 * warnings / max(1, trials):.0f} %); {seconds:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--flags", nargs="*", default=[])
    parser.add_argument("--plant", nargs="*", default=[])
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"{DATA} is absent")
    found = speed("NAEB", naeb_texts()) + speed("PolNeAR", polnear_texts())
    if args.sample:
        show_sample(found, args.sample, args.seed)
    show_flags(args.flags)
    for path in args.plant:
        plant(path)


if __name__ == "__main__":
    main()
