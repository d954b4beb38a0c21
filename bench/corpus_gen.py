"""Large synthetic corpora for scale benchmarks, generated from the statistics of real text.

Real articles (../shared/data/: PolNeAR texts, the Zyte and NAEB gold bodies) are never
copied whole: they train a word-bigram model whose random walks give fresh sentences
with real vocabulary, sentence lengths and punctuation, so 100,000 generated articles
are not 100,000 near-copies of the few thousand real ones (which would make every
article a candidate copy of every other and measure nothing real).

On top of the prose the generator plants the structure a news corpus has:
- events: a day, two actors and a handful of topic words shared by 1–40 articles
  (titles and leads name them), so event grouping has real work;
- quotations attributed to people the knowledge base knows ("...," Sheinbaum said.);
- copies: about 10 % syndicated copies (the same body under another outlet, with its own
  credit line, sometimes a paragraph dropped) and 5 % rewrites (15 % of words replaced).

Output: JSON Lines shards of 1,000 records each (`{"text", "title", "url", "outlet",
"published"}`), the form `dossier build` reads fastest, plus `manifest.json` with the
planted events and copies. Deterministic for a given seed.

    .venv/bin/python bench/corpus_gen.py OUT_DIR --articles 100000 [--seed 0] [--days 730]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
SHARD = 1000
DAYS = 730  # the events' days are spread over two years
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d,.]*|[.,;:!?]")
ACTORS = ["Claudia Sheinbaum", "Andrés Manuel López Obrador", "Donald Trump", "Joe Biden", "Marco Rubio",
          "Omar García Harfuch", "Ronald Johnson", "Kamala Harris", "Justin Trudeau", "Pete Hegseth",
          "Juan Ramón de la Fuente", "Antony Blinken", "Ken Salazar", "Marcelo Ebrard", "Rosa Icela Rodríguez"]
OUTLETS = [f"outlet{n:02d}.example" for n in range(40)]


def real_texts() -> list[str]:
    """The real texts the bigram model learns from (read at run time, never stored)."""
    texts = [p.read_text(encoding="utf-8") for split in ("train", "dev")
             for p in sorted((DATA / "polnear" / split / "text").glob("*.txt"))]
    for name in ("article-extraction/ground-truth.json", "article-extraction-naeb/articles.json"):
        items = json.loads((DATA / name).read_text(encoding="utf-8"))
        texts += [item["articleBody"] for _, item in sorted(items.items()) if item.get("articleBody")]
    return texts


class Bigrams:
    """A word-bigram model: next words by the word before, sentence starts apart."""

    def __init__(self, texts: list[str]) -> None:
        self.next: dict[str, list[str]] = defaultdict(list)
        self.starts: list[str] = []
        for text in texts:
            previous = "."
            for token in _TOKEN.findall(text):
                if previous in ".!?":
                    if token[0].isupper():
                        self.starts.append(token)
                else:
                    self.next[previous].append(token)
                previous = token
        self.words = [w for w in self.next if w[0].islower() and len(w) > 3]

    def sentence(self, rng: random.Random, max_words: int = 32) -> str:
        word = rng.choice(self.starts)
        out = [word]
        while len(out) < max_words:
            options = self.next.get(word)
            if not options:
                break
            word = rng.choice(options)
            if word in ".!?":
                break
            out.append(word)
        text = " ".join(out)
        text = re.sub(r" ([,;:])", r"\1", text).rstrip(",;: ")
        return text + "."


def _article(model: Bigrams, rng: random.Random, event: dict, with_quotes: bool = True) -> tuple[str, str]:
    a, b = event["actors"]
    topic = event["topic"]
    title = f"{a.split()[-1]} {rng.choice(['says', 'rejects', 'warns on', 'defends', 'responds to'])} " \
            f"{' '.join(rng.sample(topic, 3))}"
    lead = (f"{a} {rng.choice(['said', 'told reporters', 'announced'])} on {event['day']:%A} that "
            f"{' '.join(rng.sample(topic, 4))} {model.sentence(rng, 20)[0].lower()}{model.sentence(rng, 20)[1:]}")
    paragraphs = [lead]
    for _ in range(rng.randint(6, 18)):
        sentences = [model.sentence(rng) for _ in range(rng.randint(1, 3))]
        if with_quotes and rng.random() < 0.25:
            speaker = rng.choice([a, b])
            quote = model.sentence(rng, 18).rstrip(".")
            sentences.append(f"\u201c{quote},\u201d {speaker.split()[-1]} said.")
        paragraphs.append(" ".join(sentences))
    if rng.random() < 0.5:
        paragraphs.insert(2, f"{b} {rng.choice(['said', 'replied', 'added'])} that {' '.join(rng.sample(topic, 2))} "
                             f"{model.sentence(rng, 16)[0].lower()}{model.sentence(rng, 16)[1:]}")
    return title, "\n\n".join(paragraphs)


def generate(out: Path, articles: int, seed: int = 0, days: int = DAYS) -> dict:
    rng = random.Random(seed)
    model = Bigrams(real_texts())
    out.mkdir(parents=True, exist_ok=True)
    start = date(2024, 1, 1)
    records: list[dict] = []
    events: list[dict] = []
    copies: list[tuple[int, int, str]] = []
    shard, shard_index = [], 0

    def flush() -> None:
        nonlocal shard, shard_index
        if shard:
            with open(out / f"shard-{shard_index:05d}.jsonl", "w", encoding="utf-8") as f:
                f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in shard)
            shard, shard_index = [], shard_index + 1

    event: dict | None = None
    remaining = 0
    while len(records) < articles:
        if remaining <= 0:
            size = min(40, max(1, int(rng.paretovariate(1.2))))
            event = {"id": len(events), "day": start + timedelta(days=rng.randrange(days)),
                     "actors": rng.sample(ACTORS, 2), "topic": rng.sample(model.words, 6), "size": size}
            events.append(event)
            remaining, members = size, []
        n = len(records)
        day = event["day"] + timedelta(days=rng.choice([0, 0, 0, 1, 2]))
        outlet = rng.choice(OUTLETS)
        roll = rng.random()
        if members and roll < 0.10:  # syndicated: the same body, another outlet's credit, maybe a paragraph less
            source = records[rng.choice(members)]
            paragraphs = source["text"].split("\n\n")
            if len(paragraphs) > 4 and rng.random() < 0.5:
                del paragraphs[rng.randrange(2, len(paragraphs))]
            text = "\n\n".join(paragraphs) + f"\n\nDistributed by {outlet.split('.')[0].title()} News."
            title = source["title"]
            copies.append((n, source["n"], "syndicated"))
        elif members and roll < 0.15:  # rewrite: 15 % of words replaced
            source = records[rng.choice(members)]
            words = source["text"].split(" ")
            for i in rng.sample(range(len(words)), len(words) * 15 // 100):
                words[i] = rng.choice(model.words)
            text, title = " ".join(words), source["title"]
            copies.append((n, source["n"], "rewrite"))
        else:
            title, text = _article(model, rng, event)
        record = {"n": n, "text": text, "title": title, "url": f"https://{outlet}/{day:%Y/%m/%d}/story-{n}",
                  "outlet": outlet, "published": day.isoformat(), "event": event["id"]}
        records.append(record)
        members.append(n)
        shard.append({k: v for k, v in record.items() if k not in ("n", "event")})
        if len(shard) >= SHARD:
            flush()
        remaining -= 1
        if len(records) % 10000 == 0:
            print(f"{len(records):,} articles", file=sys.stderr)
    flush()
    manifest = {"articles": articles, "seed": seed, "days": days, "events": len(events),
                "event_of": [r["event"] for r in records], "copies": copies}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--days", type=int, default=DAYS,
                        help=f"the events' days are spread over this many (default {DAYS}); fewer give a denser corpus: "
                             "200,000 articles over 146 days are as many a day as 1,000,000 over 730")
    args = parser.parse_args()
    manifest = generate(args.out, args.articles, args.seed, args.days)
    print(f"{args.articles:,} articles in {args.out} ({manifest['events']:,} events, {len(manifest['copies']):,} copies)")


if __name__ == "__main__":
    main()
