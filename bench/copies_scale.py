"""Scale benchmark of incremental copy linking: CopyIndex.add at 10,000 and 100,000 articles.

Articles are generated from real texts (PolNeAR article texts and NAEB article bodies, read
from ../shared/data at run time), varied so they are not exact duplicates:

  * runs of 4-10 consecutive sentences from two or three random real texts,
  * 30 % of their words replaced by words of the pool (about 1,100 real texts hold some
    40,000 sentences, and 100,000 articles need about 2 million: without this every real
    sentence would recur near-identical in some 50 articles),
  * a new first line (a headline made of pool words);

and a share (--syndicated, 10 % by default) are syndicated-style copies of an article
generated shortly before: a wire dateline and credit added, the last paragraph dropped.

Every article is added to one CopyIndex in date order; we time each add (p50/p95 latency,
articles/s), count candidate keys per article and holder-map entries, and read the peak
resident memory of the process (ru_maxrss) before and after. The syndicated copies found
(linked to the article they were made from) are a sanity check that scale does not break
detection.

Usage:
  .venv/bin/python bench/copies_scale.py --articles 10000 [--seed 3] [--syndicated 0.1]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
DATA = REPO.parent / "shared" / "data"
_SENTENCES = re.compile(r"[^.!?\n]+[.!?]*[\"”’]?")
DATELINES = ["WASHINGTON (AP) — ", "NEW YORK (Reuters) — ", "MEXICO CITY (EFE) — ", "LONDON (AFP) — ",
             "CHICAGO (Wire) — ", "MIAMI (Coastal Wire) — "]


def real_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for split in ("train", "dev", "test")
             for p in sorted((DATA / "polnear" / split / "text").glob("*.txt"))]
    naeb = DATA / "article-extraction-naeb" / "articles.json"
    if naeb.exists():
        texts += [a["articleBody"] for a in json.loads(naeb.read_text(encoding="utf-8")).values() if a.get("articleBody")]
    return [t for t in texts if len(t) >= 800]


def paragraphs(text: str) -> list[list[str]]:
    """Sentences grouped by paragraph (blank-line or line separated)."""
    out = []
    for para in re.split(r"\n+", text):
        sentences = [s.strip() for s in _SENTENCES.findall(para) if s.strip()]
        if sentences:
            out.append(sentences)
    return out


def generate(n: int, syndicated: float, seed: int) -> list[tuple[str, str, str, str | None]]:
    """(id, text, published, source id of a syndicated copy or None), in date order."""
    rng = random.Random(seed)
    texts = real_texts()
    parsed = [paragraphs(t) for t in texts]
    pool = [s for p in parsed for para in p for s in para if len(s.split()) >= 6]
    vocabulary = sorted({w for s in pool[:20000] for w in s.split() if w.isalpha() and len(w) > 3})
    out: list[tuple[str, str, str, str | None]] = []
    for i in range(n):
        day = f"2025-{1 + (i * 12) // n:02d}-{1 + (i * 28 * 12 // n) % 28:02d}"
        if out and rng.random() < syndicated:
            source = out[max(0, len(out) - rng.randint(1, 200))]
            paras = source[1].split("\n\n")
            body = "\n\n".join(paras[1:-1] if len(paras) > 3 else paras[1:])
            text = paras[0] + "\n\n" + rng.choice(DATELINES) + body
            out.append((f"g{i}", text, day, source[0]))
            continue
        paras: list[str] = []
        for base in rng.sample(parsed, rng.randint(2, 3)):  # runs of sentences from two or three texts
            sentences = [s for para in base for s in para]
            length = rng.randint(4, 10)
            start = rng.randrange(max(1, len(sentences) - length))
            for sentence in sentences[start:start + length]:
                words = [rng.choice(vocabulary) if rng.random() < 0.3 and w.isalpha() else w for w in sentence.split()]
                if not paras or rng.random() < 0.5:
                    paras.append(" ".join(words))
                else:
                    paras[-1] += " " + " ".join(words)
        headline = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(6, 11))).capitalize()
        out.append((f"g{i}", headline + "\n\n" + "\n\n".join(paras), day, None))
    return out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--syndicated", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    if not (DATA / "polnear").is_dir():
        sys.exit(f"{DATA / 'polnear'} is absent")
    from dossier.link.copies import ArticleText, CopyIndex, candidate_keys

    started = time.perf_counter()
    generated = generate(args.articles, args.syndicated, args.seed)
    text_mb = sum(len(t.encode("utf-8")) for _, t, _, _ in generated) / 2**20
    print(f"generated {len(generated)} articles ({text_mb:.0f} MB of text) in {time.perf_counter() - started:.0f} s; "
          f"peak RSS so far {rss_mb():.0f} MB")
    index = CopyIndex()
    latencies, keys_total = [], 0
    made_from = {g[0]: g[3] for g in generated if g[3]}
    found_source: dict[str, set[str]] = {}
    before = rss_mb()
    started = time.perf_counter()
    for n, (id_, text, day, _) in enumerate(generated):
        article = ArticleText(id_, text, day, [])
        t0 = time.perf_counter()
        relations = index.add(article)
        latencies.append(time.perf_counter() - t0)
        keys_total += len(candidate_keys(article))  # cached sentences: only the hashing again
        for r in relations:
            found_source.setdefault(r["article"], set()).add(r["of"])
        if (n + 1) % 10000 == 0:
            print(f"  {n + 1} added, {time.perf_counter() - started:.0f} s, p95 of the last 10k "
                  f"{1000 * sorted(latencies[-10000:])[9499]:.1f} ms, RSS {rss_mb():.0f} MB", flush=True)
    elapsed = time.perf_counter() - started
    tail = sorted(latencies[-max(1, len(latencies) // 10):])  # the last tenth: the index nearly full
    latencies.sort()
    entries, lists = index._holders.stats()
    print(f"\nCopyIndex.add x {len(generated)}: {elapsed:.0f} s = {len(generated) / elapsed:.0f} articles/s; "
          f"per add p50 {1000 * statistics.median(latencies):.1f} ms, p95 {1000 * latencies[int(0.95 * len(latencies))]:.1f} ms, "
          f"max {1000 * latencies[-1]:.0f} ms")
    print(f"last tenth of the adds (index nearly full): p50 {1000 * tail[len(tail) // 2]:.1f} ms, "
          f"p95 {1000 * tail[int(0.95 * len(tail))]:.1f} ms")
    print(f"keys per article {keys_total / len(generated):.1f}; distinct keys {entries:,} ({lists:,} with 2+ holders); "
          f"peak RSS {rss_mb():.0f} MB (before adding {before:.0f} MB, generated texts included)")
    hit = sum(1 for copy, src in made_from.items() if src in found_source.get(copy, ()))
    print(f"syndicated copies linked to the article they were made from: {hit}/{len(made_from)}; "
          f"relations found (before closest_originals) {sum(len(v) for v in found_source.values()):,}")


if __name__ == "__main__":
    main()
