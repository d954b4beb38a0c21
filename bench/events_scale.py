"""Scale benchmark of incremental event assignment (EventIndex) on synthetic articles.

The articles are generated here from word lists (pseudo-words, not real text): each event
has a day in one year, a few rare topic words, one or two actors drawn from a pool, and
sometimes a quote; its articles (1 to 9, mean about 4) mix the topic words with common and
random words, are published on the event's day or within two days, and 10 % have no date.
With --counts, half the events count something ("240 pseudo-word"; the number is a round one such as
20 or 1,000, shared with many other events, half the time), 70 % of their articles say it, and a
fifth of all articles carry another round number of something: collisions between neighbouring
events that the count gain (COUNT_GAIN) must not turn into merges.
Measured: articles added per second, per-add latency p50 / p95 / max at checkpoints, the
export (events and stories) time, B-cubed F1 against the generated events, and memory
(with --tracemalloc, the peak of Python allocations made by the index and the export, the
generated articles excluded; tracemalloc slows the run, so time it without; the process's
peak RSS, generated articles included, always).

Usage:
  .venv/bin/python bench/events_scale.py --articles 10000 100000
  .venv/bin/python bench/events_scale.py --articles 10000 100000 --counts [--count-gain 0]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from dossier.link import events as event_module  # noqa: E402
from dossier.link.events import EventArticle, EventIndex  # noqa: E402

SYLLABLES = ["ba", "ce", "di", "fo", "gu", "ha", "je", "ki", "lo", "mu", "na", "pe", "qui", "ro", "su", "ta", "ve", "xo", "ya", "zu"]
COMMON = ("city council minister police market court water school border union power health army bank price "
          "election party trade storm fire road bridge port farm energy").split()


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4))))
    return sorted(words)


ROUND = (10, 12, 20, 24, 30, 50, 100, 200, 500, 1000, 10000)


def synthetic(articles: int, seed: int = 7, counts: bool = False):
    """(article, gold event) pairs in arrival order (by publication day, then id)."""
    rng = random.Random(seed)
    words = vocabulary(40000, rng)
    actors = [f"local:actor-{n}" for n in range(max(200, articles // 20))]
    start = date(2025, 1, 1)
    made: list[tuple[date, str, EventArticle, str]] = []
    event = 0
    while len(made) < articles:
        day = start + timedelta(days=rng.randrange(365))
        topic = rng.sample(words, 6)
        cast = set(rng.sample(actors, rng.randint(1, 2)))
        quote = {f"q{event}"} if rng.random() < 0.3 else set()
        counted = None
        if counts and rng.random() < 0.5:
            counted = f"{rng.choice(ROUND) if rng.random() < 0.5 else rng.randint(10, 999):,} {rng.choice(words)}"
        for n in range(min(rng.randint(1, 9) if rng.random() < 0.5 else rng.randint(1, 4), articles - len(made))):
            body = topic * 2 + rng.sample(COMMON, 6) + rng.sample(words, 12)
            if counted and rng.random() < 0.7:
                body.append(counted)
            if counts and rng.random() < 0.2:
                body.append(f"{rng.choice(ROUND):,} {rng.choice(words)}")
            rng.shuffle(body)
            title = " ".join(rng.sample(topic, 4))
            published = day + timedelta(days=rng.choice((0, 0, 0, 1, 1, 2)))
            terms = Counter(w for w in (title + " " + title + " " + " ".join(body)).split())
            article = EventArticle(f"a{event:06d}-{n}", None if rng.random() < 0.1 else published, title, " ".join(body),
                                   set(cast), set(quote) if rng.random() < 0.7 else set(), set(), terms)
            made.append((published, article.id, article, str(event)))
        event += 1
    made.sort(key=lambda m: (m[0], m[1]))
    return [(article, gold) for _, _, article, gold in made]


def bcubed_f1(predicted: dict[str, str], gold: dict[str, str]) -> float:
    by_pred: dict[str, set[str]] = {}
    by_gold: dict[str, set[str]] = {}
    for item in gold:
        by_pred.setdefault(predicted[item], set()).add(item)
        by_gold.setdefault(gold[item], set()).add(item)
    p = sum(len(by_pred[predicted[i]] & by_gold[gold[i]]) / len(by_pred[predicted[i]]) for i in gold) / len(gold)
    r = sum(len(by_pred[predicted[i]] & by_gold[gold[i]]) / len(by_gold[gold[i]]) for i in gold) / len(gold)
    return 2 * p * r / (p + r)


def run(total: int, trace: bool, counts: bool = False) -> None:
    arriving = synthetic(total, counts=counts)
    if trace:  # started after the articles are generated: what it sees is the index (and the latency list)
        tracemalloc.start()
    index = EventIndex()
    gold: dict[str, str] = {}
    latencies: list[float] = []  # wall clock
    cpu: list[float] = []  # this process's CPU time: the machine is shared, so wall time is noisy
    checkpoints = {total // 10, total // 2, total}
    started, started_cpu = time.perf_counter(), time.process_time()
    for n, (article, event) in enumerate(arriving, 1):
        gold[article.id] = event
        t, c = time.perf_counter(), time.process_time()
        index.add(article)
        latencies.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        if n in checkpoints:
            window, window_cpu = sorted(latencies[-1000:]), sorted(cpu[-1000:])
            print(f"  after {n:>7} articles: {len(index.events):>6} events; last 1,000 adds wall p50 {1000 * window[len(window) // 2]:.2f} ms, "
                  f"p95 {1000 * window[int(len(window) * 0.95)]:.2f} ms, max {1000 * window[-1]:.2f} ms; "
                  f"CPU p50 {1000 * window_cpu[len(window) // 2]:.2f} ms, p95 {1000 * window_cpu[int(len(window) * 0.95)]:.2f} ms")
    adding, adding_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    t = time.perf_counter()
    events, stories = index.export()
    exporting = time.perf_counter() - t
    found = {a: e["id"] for e in events for a in e["articles"]}
    ordered = sorted(latencies)
    ordered_cpu = sorted(cpu)
    print(f"{total} articles: {total / adding:,.0f} articles/s wall ({adding:.1f} s; CPU {adding_cpu:.1f} s, "
          f"{total / adding_cpu:,.0f} articles/CPU-s), per add wall p50 {1000 * statistics.median(ordered):.2f} ms, "
          f"p95 {1000 * ordered[int(len(ordered) * 0.95)]:.2f} ms, CPU p50 {1000 * statistics.median(ordered_cpu):.2f} ms, "
          f"p95 {1000 * ordered_cpu[int(len(ordered_cpu) * 0.95)]:.2f} ms; export {exporting:.1f} s "
          f"({len(events)} events, {len(stories)} stories; {len(set(gold.values()))} generated events); B3 F1 {bcubed_f1(found, gold):.3f}")
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  peak Python allocations while indexing and exporting (tracemalloc; articles excluded) {peak / 2**20:.0f} MiB")
    print(f"  peak RSS of the process so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--counts", action="store_true", help="events that count things, and noise numbers")
    parser.add_argument("--count-gain", type=float, default=None, help="COUNT_GAIN for this run (0 turns counts off)")
    args = parser.parse_args()
    if args.count_gain is not None:
        event_module.COUNT_GAIN = args.count_gain
    for total in args.articles:
        run(total, args.tracemalloc, args.counts)


if __name__ == "__main__":
    main()
