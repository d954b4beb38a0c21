"""Benchmark of copy detection on copies generated from real articles.

Originals: PolNeAR article texts (../shared/data/polnear/{train,dev}/text, 2016 U.S. politics:
many articles on the same topics, so the distractors are hard). For each of N originals we
generate, with a fixed seed:

  sub5, sub15, sub30  the original with 5 %, 15 %, 30 % of its words replaced by words from
                      other articles
  reuse40             the first 40 % of the original's sentences, then sentences of an
                      unrelated article
  paraphrase          every sentence reworded: 20 % of words replaced, 10 % dropped, two
                      neighbouring words swapped (a synthetic stand-in: no paraphrase model here)

plus N unrelated articles as distractors. The whole set goes through `find_copies`.
A copy counts as found when it is linked to a member of its own family (its original or
another copy of it); a relation is correct when both ends are in one family (or link a
reuse copy to the unrelated article it took its other sentences from).

Usage:
  .venv/bin/python bench/copies.py [--originals 300] [--seed 7] [--dated [--weak-days N]]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
POLNEAR = REPO.parent / "shared" / "data" / "polnear"
LEVELS = ("sub5", "sub15", "sub30", "reuse40", "paraphrase")
_SENTENCES = re.compile(r"[^.!?\n]+[.!?]*")


def texts() -> list[str]:
    paths = sorted((POLNEAR / "train" / "text").glob("*.txt")) + sorted((POLNEAR / "dev" / "text").glob("*.txt"))
    out = [p.read_text(encoding="utf-8") for p in paths]
    return [t for t in out if 1500 <= len(t) <= 12000]


def substitute(text: str, share: float, vocabulary: list[str], rng: random.Random) -> str:
    words = text.split(" ")
    for i in rng.sample(range(len(words)), int(share * len(words))):
        words[i] = rng.choice(vocabulary)
    return " ".join(words)


def paraphrase(text: str, vocabulary: list[str], rng: random.Random) -> str:
    out = []
    for sentence in _SENTENCES.findall(text):
        words = sentence.split()
        if len(words) < 4:
            out.append(sentence)
            continue
        words = [rng.choice(vocabulary) if rng.random() < 0.2 else w for w in words if rng.random() >= 0.1]
        if len(words) > 3:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        out.append(" ".join(words))
    return " ".join(out)


def reuse(text: str, other: str, share: float) -> str:
    mine, theirs = _SENTENCES.findall(text), _SENTENCES.findall(other)
    keep = max(1, int(share * len(mine)))
    return " ".join(mine[:keep] + theirs[keep:] if len(theirs) > keep else mine[:keep] + theirs)


REAL = REPO.parent / "shared" / "data" / "real-corpus"


def real_corpus() -> None:
    """Copies among the real corpus's 107 articles against its 32 hand-checked pairs.

    Gold pairs are read as families (connected components), as its README says; a found
    relation is correct when both ends are in one family. Translations are out of reach
    of word-based matching and are reported apart."""
    import json
    import tempfile

    from dossier.build import BuildOptions, build
    from dossier.report.document import build_document
    from dossier.store.db import connect

    gold = json.loads((REAL / "gold.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        conn = connect(Path(tmp) / "real.db")
        build([str(REAL / "articles")], conn, BuildOptions(workers=2))
        document = build_document(conn)
    name_of = {a["id"]: Path(s["source"]).stem for a in document["articles"] for s in a["sources"]}
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for copy, source, kind, _ in gold["copies"]:
        if kind != "translation":
            parent[find(copy)] = find(source)
    # The same families with the translation pairs joined in: two Spanish versions of one
    # English story (rc045, rc056) are then one family, as the gold's pairs say they are.
    with_translations = dict(parent)

    def find_t(x):
        while with_translations.setdefault(x, x) != x:
            x = with_translations[x]
        return x

    for copy, source, kind, _ in gold["copies"]:
        if kind == "translation":
            with_translations[find_t(copy)] = find_t(source)
    found_pairs = set()
    correct = correct_t = 0
    relations = [c for c in document["copies"] if c["kind"] != "duplicate" or c.get("source") != c.get("of_source")]
    for c in relations:
        a = Path(c["source"]).stem if c["kind"] == "duplicate" else name_of[c["article"]]
        b = Path(c["of_source"]).stem if c["kind"] == "duplicate" else name_of[c["of"]]
        found_pairs.add(frozenset((a, b)))
        correct += find(a) == find(b)
        correct_t += find_t(a) == find_t(b)
        if find_t(a) != find_t(b):
            print(f"  not in one gold family: {a} <- {b} ({c['kind']})")
    # A gold pair counts when the pair itself is found (direct), or when its copy is linked
    # to some member of its family (family); the family count before this version also
    # counted a pair when only its source was linked, which credited every rewrite of a
    # wire story as soon as one reprint of it was found.
    by_kind = defaultdict(lambda: [0, 0, 0])
    linked_to = defaultdict(set)
    for pair in found_pairs:
        a, b = tuple(pair) if len(pair) == 2 else (next(iter(pair)),) * 2
        linked_to[a].add(b)
        linked_to[b].add(a)
    for copy, source, kind, _ in gold["copies"]:
        by_kind[kind][2] += 1
        by_kind[kind][0] += frozenset((copy, source)) in found_pairs
        by_kind[kind][1] += any(find(x) == find(copy) for x in linked_to[copy])
    print(f"\nReal corpus ({len(document['articles'])} articles, {len(gold['copies'])} gold pairs): "
          f"{len(relations)} relations found, precision (both ends in one gold family) {correct / max(len(relations), 1):.3f}; "
          f"with translation pairs in the families {correct_t / max(len(relations), 1):.3f}")
    print("Gold pairs found, by kind (direct: the pair itself / family: its copy linked to a member of its family / all): "
          + ", ".join(f"{k} {v[0]}/{v[1]}/{v[2]}" for k, v in sorted(by_kind.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--originals", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dated", action="store_true",
                        help="date the articles: originals and unrelated ones on random days of a year, each copy "
                             "0-3 days after its original (the date rule of weakly matching candidates then applies)")
    parser.add_argument("--weak-days", type=int, help="set link.copies.WEAK_MATCH_DAYS (e.g. 100000: no date rule)")
    args = parser.parse_args()
    if not POLNEAR.is_dir():
        sys.exit(f"{POLNEAR} is absent")
    from dossier.link import copies as copy_module
    from dossier.link.copies import ArticleText, find_copies

    if args.weak_days is not None:
        copy_module.WEAK_MATCH_DAYS = args.weak_days
    rng = random.Random(args.seed)
    days = random.Random(args.seed + 1)  # apart, so the texts are those of an undated run

    def day(after: str | None = None) -> str | None:
        if not args.dated:
            return None
        if after is None:
            return (date(2016, 1, 1) + timedelta(days=days.randrange(366))).isoformat()
        return (date.fromisoformat(after) + timedelta(days=days.randrange(4))).isoformat()

    pool = texts()
    rng.shuffle(pool)
    originals, distractors = pool[:args.originals], pool[args.originals:2 * args.originals]
    vocabulary = sorted({w for t in distractors for w in t.split() if w.isalpha()})
    articles, family, level_of = [], {}, {}
    for n, original in enumerate(originals):
        published = day()
        articles.append(ArticleText(f"o{n}", original, published, []))
        family[f"o{n}"] = n
        copies = {
            "sub5": substitute(original, 0.05, vocabulary, rng),
            "sub15": substitute(original, 0.15, vocabulary, rng),
            "sub30": substitute(original, 0.30, vocabulary, rng),
            "reuse40": reuse(original, distractors[n], 0.4),
            "paraphrase": paraphrase(original, vocabulary, rng),
        }
        for level, text in copies.items():
            articles.append(ArticleText(f"{level}-{n}", text, day(published), []))
            family[f"{level}-{n}"] = n
            level_of[f"{level}-{n}"] = level
    for n, text in enumerate(distractors):
        articles.append(ArticleText(f"d{n}", text, day(), []))
        family[f"d{n}"] = -1 - n
    started = time.perf_counter()
    found = find_copies(articles)
    elapsed = time.perf_counter() - started
    linked: dict[str, bool] = defaultdict(bool)
    correct = between_real = 0
    for r in found:
        pair = {r["article"], r["of"]}
        reused = any(a.startswith("reuse40-") and f"d{a.split('-')[1]}" in pair for a in pair)
        same = family[r["article"]] == family[r["of"]] or reused
        correct += same
        if family[r["article"]] == family[r["of"]]:
            linked[r["article"]] = linked[r["of"]] = True
        if not same and not any(a in level_of for a in pair):
            between_real += 1
    print(f"{len(articles)} articles ({len(originals)} originals, {len(originals) * len(LEVELS)} copies, "
          f"{len(distractors)} unrelated); find_copies {elapsed:.1f} s = {len(articles) / elapsed:.0f} articles/s\n")
    print("| copy | recall |\n|---|---|")
    for level in LEVELS:
        ids = [a for a, lv in level_of.items() if lv == level]
        print(f"| {level} | {sum(linked[a] for a in ids) / len(ids):.3f} |")
    print(f"\nRelations found: {len(found)}; precision (both ends in one family, or a reuse copy and the "
          f"article it reused) {correct / max(len(found), 1):.3f}")
    print(f"Of the rest, {between_real} link two different real articles (originals or distractors): PolNeAR holds "
          f"several outlets' reports of the same events, so some are genuine; precision without them "
          f"{correct / max(len(found) - between_real, 1):.3f}")
    kinds = defaultdict(lambda: defaultdict(int))
    for r in found:
        level = level_of.get(r["article"]) or level_of.get(r["of"]) or "other"
        kinds[level][r["kind"]] += 1
    print("Kinds by copy level:", {lv: dict(k) for lv, k in sorted(kinds.items())})
    if REAL.is_dir():
        real_corpus()


if __name__ == "__main__":
    main()
