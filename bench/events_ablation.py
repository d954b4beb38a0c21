"""Event grouping on the labelled sets, looked into: errors, ablations, arrival order, and a
leave-one-event-out check of the tunable weights.

Each set (the sample, ../shared/data/real-corpus/) is built once end to end; the articles are
captured as the linker hands them to `EventIndex.add` (its actors, statements, copies, dates),
then the index is rerun on them in memory, so each variant costs milliseconds. The linking
order is the product's (`link.corpus.link_inputs`: by day, then month-dated, then undated).

Printed:
- B³ F1 of the product's grouping, and with each feature taken out (the Spanish lexicon, weekdays,
  counts, the linking order) or changed (an event's terms compared article by article, not pooled);
- the CPU of `counts_in_lead` per article, and the labelled pairs that share a count (dated within
  MAX_DAYS, both undated) by whether they are of one gold event;
- every gold event that is split or merged, and for each wrong decision the score parts of the
  event the article should have joined (terms, actors, quotes, day gap, weekday, date rule);
- shuffled arrival (20 seeds): agreement with the linking order, and B³ F1 against the gold, with
  and without counts;
- leave-one-event-out: for each gold event, the weights (JOIN, DAY_COST, WEEKDAY_COST, COUNT_GAIN) that
  score best on the other events, scored on its articles; against the untuned defaults, this
  says whether tuning the weights on this corpus would carry over to unseen events; once more with
  ties broken toward no count gain (what the other events alone say of counts).

Usage:
  .venv/bin/python bench/events_ablation.py          # --no-loeo skips the weight grid (81 runs)
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

import dossier.link.events as E  # noqa: E402
from clustering import REAL, SAMPLE, bcubed, build_set  # noqa: E402


def capture(inputs: Path, key_of_source) -> tuple[list[E.EventArticle], dict[str, list[str]]]:
    """Build the set and keep each article as linking gave it to the event index."""
    captured: list[E.EventArticle] = []
    add = E.EventIndex.add

    def keep(self, article):
        captured.append(article)
        return add(self, article)

    E.EventIndex.add = keep
    try:
        document = build_set(inputs)
    finally:
        E.EventIndex.add = add
    keys = {a["id"]: [key_of_source(s["source"]) for s in a["sources"]] for a in document["articles"]}
    return captured, keys


def linking_order(articles: list[E.EventArticle]) -> list[E.EventArticle]:
    return sorted(articles, key=lambda a: (a.day is None, a.period is None, a.day or (a.period[0] if a.period else E.date.min), a.id))


def group(articles, keys) -> tuple[E.EventIndex, dict[str, str]]:
    index = E.EventIndex()
    for article in articles:
        index.add(article)
    return index, {k: index.event_of[a] for a, ks in keys.items() for k in ks}


def f1(articles, keys, gold) -> float:
    return bcubed(group(articles, keys)[1], gold)[2]


def _per_article(similarity, terms, pick):
    """E.similarity with the terms part taken from the event's articles one by one instead of its pooled terms."""
    def compared(article, event, idf, copied=(), explain=True, lengths=None):
        score, why = similarity(article, event, idf, copied, explain, lengths)
        if copied or (score == 0.0 and E._date_rules_out(article, event)):
            return score, why
        pooled = E._cosine(article.terms, event.terms, idf)
        return score + 0.6 * (pick([E._cosine(article.terms, terms[a], idf) for a in event.articles]) - pooled), why
    return compared


def ablations(name, articles, keys, gold) -> None:
    ordered = linking_order(articles)
    print(f"\n{name}: B³ F1 {f1(ordered, keys, gold):.3f} (linking order)")
    to_english = E.to_english
    E.to_english = lambda word: word
    plain = [replace(a, terms=E.lead_terms(a.title, a.text)) for a in ordered]
    E.to_english = to_english
    print(f"  without the Spanish lexicon (crosslang): {f1(plain, keys, gold):.3f}")
    weekday = E.weekday_in_lead
    E.weekday_in_lead = lambda text: None
    print(f"  without weekdays (their cost and the happening day): {f1(ordered, keys, gold):.3f}")
    E.weekday_in_lead = weekday
    counts = E.counts_in_lead
    E.counts_in_lead = lambda title, text: set()
    print(f"  without counts (\"26 prisoners\" in two dated leads): {f1(ordered, keys, gold):.3f}")
    E.counts_in_lead = counts
    started = time.process_time()
    for article in articles * 20:
        E.counts_in_lead(article.title, article.text)
    print(f"  counts_in_lead: {1000 * (time.process_time() - started) / (20 * len(articles)):.3f} ms CPU per article")
    for gain in (0.4, 0.5):
        E.QUOTE_GAIN = gain
        print(f"  QUOTE_GAIN {gain} (0.3): {f1(ordered, keys, gold):.3f}")
    E.QUOTE_GAIN = 0.3
    similarity = E.similarity
    for name, pick in (("its nearest article's", max), ("its articles' mean", lambda values: sum(values) / len(values))):
        E.similarity = _per_article(similarity, {a.id: a.terms for a in articles}, pick)
        print(f"  an event's lead terms compared as {name} instead of pooled (the index keeps no article's terms): "
              f"{f1(ordered, keys, gold):.3f}")
    E.similarity = similarity
    dated = sorted(articles, key=lambda a: (a.day is None and a.period is None, a.day or (a.period[0] if a.period else E.date.min), a.id))
    print(f"  month-dated articles in date order among the dated (the order before): {f1(dated, keys, gold):.3f}")


def count_pairs(articles, keys, gold) -> None:
    """How often two leads that count the same things report one happening: pairs of labelled articles,
    both dated (or dated from their text) within MAX_DAYS, and both undated, by whether their gold events agree.
    And the same of two articles that carry one statement (dates allowing)."""
    key = {a: ks[0] for a, ks in keys.items()}
    seen = []
    for a in articles:
        day = a.day or E.day_in_text(a.text, a.period)
        seen.append((gold.get(key[a.id]), day, E.counts_in_lead(a.title, a.text)))
    tally = Counter()
    for i, (gold_a, day_a, counts_a) in enumerate(seen):
        for gold_b, day_b, counts_b in seen[:i]:
            if not (gold_a and gold_b and counts_a & counts_b):
                continue
            if day_a and day_b and abs((day_a - day_b).days) <= E.MAX_DAYS:
                tally["dated", gold_a == gold_b] += 1
            elif not (day_a or day_b):
                tally["undated", gold_a == gold_b] += 1
    print(f"  pairs sharing a count: dated within {E.MAX_DAYS} days {tally['dated', True]} of one event, "
          f"{tally['dated', False]} of two; both undated {tally['undated', True]} of one, {tally['undated', False]} of two")
    quoted = Counter()
    for i, a in enumerate(articles):
        for b in articles[:i]:
            ga, gb = gold.get(key[a.id]), gold.get(key[b.id])
            if ga and gb and a.quotes & b.quotes and not (a.day and b.day and abs((a.day - b.day).days) > E.MAX_DAYS):
                quoted[ga == gb] += 1
    print(f"  pairs carrying one statement (dates allowing): {quoted[True]} of one event, {quoted[False]} of two")


def errors(articles, keys, gold) -> None:
    """Every gold event split or merged, and the score parts of each wrong decision."""
    key = {a: ks[0] for a, ks in keys.items()}
    index = E.EventIndex()
    for article in linking_order(articles):
        k = key[article.id]
        mates = Counter(index.event_of[a] for a in index.event_of if k in gold and gold.get(key[a]) == gold[k])
        seen = replace(article, day=article.day or E.day_in_text(article.text, article.period),
                       weekday=E.weekday_in_lead(article.text))
        seen = replace(seen, counts=frozenset(E.counts_in_lead(seen.title, seen.text)) if seen.day else frozenset())
        right = mates.most_common(1)[0][0] if mates else None
        parts = None
        if right is not None:  # scored before the add changes the event
            event = index.events[right]
            actors = len(seen.actors & event.actors.keys()) / max(len(seen.actors), 1)
            parts = (f"terms {E._cosine(seen.terms, event.terms, index.idf):.2f} actors {actors:.2f} "
                     f"quotes {len(seen.quotes.intersection(event.quotes))} day gap {E._day_gap(seen, event)} weekday "
                     f"{seen.weekday} vs {sorted(event.weekdays)} counts {sorted(seen.counts & event.counts)} date rules out {E._date_rules_out(seen, event)}")
        chosen, why = index.add(article)
        if k not in gold or chosen == right or (right is None and "opened" in why):
            continue
        what = "joined a wrong event" if right is None else ("opened an event" if "opened" in why else "joined another event")
        print(f"  {k} ({gold[k]}, day {seen.day}) {what}, score {why.get('score', '-')}"
              + (f"; with {', '.join(key[a] + ':' + gold.get(key[a], '-') for a in index.events[chosen].articles if a != article.id)}"
                 if "opened" not in why else ""))
        if parts:
            print(f"      its own event's parts: {parts}")


def shuffled(articles, keys, gold, seeds=range(20)) -> None:
    _, reference = group(linking_order(articles), keys)
    agree, scores, plain = [], [], []
    counts = E.counts_in_lead
    for seed in seeds:
        arriving = list(articles)
        random.Random(seed).shuffle(arriving)
        _, found = group(arriving, keys)
        agree.append(bcubed({k: found[k] for k in reference}, reference)[2])
        scores.append(bcubed(found, gold)[2])
        E.counts_in_lead = lambda title, text: set()
        try:
            plain.append(bcubed(group(arriving, keys)[1], gold)[2])
        finally:
            E.counts_in_lead = counts
    print(f"  shuffled arrival, {len(agree)} seeds: agreement with the linking order min {min(agree):.3f} mean "
          f"{sum(agree) / len(agree):.3f}; B³ F1 against the gold min {min(scores):.3f} mean {sum(scores) / len(scores):.3f} "
          f"max {max(scores):.3f}; without counts min {min(plain):.3f} mean {sum(plain) / len(plain):.3f}, "
          f"counts lower {sum(s < p - 1e-9 for s, p in zip(scores, plain))} seeds and raise "
          f"{sum(s > p + 1e-9 for s, p in zip(scores, plain))}")


def leave_one_event_out(articles, keys, gold) -> None:
    grid = {"JOIN": [0.15, 0.2, 0.25], "DAY_COST": [0.05, 0.075, 0.1], "WEEKDAY_COST": [0.05, 0.1, 0.2],
            "COUNT_GAIN": [0.0, 0.1, 0.2]}
    names = list(grid)
    defaults = tuple(getattr(E, n) for n in names)
    found = {}
    for values in itertools.product(*grid.values()):
        for n, v in zip(names, values):
            setattr(E, n, v)
        found[values] = group(linking_order(articles), keys)[1]
    for n, v in zip(names, defaults):
        setattr(E, n, v)

    def per_item(predicted, items):
        by_p, by_g = defaultdict(set), defaultdict(set)
        for i in items:
            by_p[predicted[i]].add(i)
            by_g[gold[i]].add(i)
        return {i: (len(by_p[predicted[i]] & by_g[gold[i]]) / len(by_p[predicted[i]]),
                    len(by_p[predicted[i]] & by_g[gold[i]]) / len(by_g[gold[i]])) for i in items}

    def f(scores):
        p, r = sum(s[0] for s in scores) / len(scores), sum(s[1] for s in scores) / len(scores)
        return 2 * p * r / (p + r)

    def held_out(preferred):
        """B³ F1 of each event scored with the setting best on the others (ties to `preferred`)."""
        p = r = 0.0
        chosen = Counter()
        for event in sorted(set(gold.values())):
            rest = [i for i in gold if gold[i] != event]
            best = max(found, key=lambda v: (f(list(per_item(found[v], rest).values())), v == preferred))
            chosen[best] += 1
            scores = per_item(found[best], list(gold))
            p += sum(scores[i][0] for i in gold if gold[i] == event)
            r += sum(scores[i][1] for i in gold if gold[i] == event)
        p, r = p / len(gold), r / len(gold)
        return 2 * p * r / (p + r), chosen

    score, chosen = held_out(defaults)
    best_all = max(found, key=lambda v: bcubed(found[v], gold)[2])
    print(f"  leave-one-event-out over {len(found)} settings of {', '.join(names)}: B³ F1 {score:.3f} "
          f"(defaults {defaults}: {bcubed(found[defaults], gold)[2]:.3f}; best in-sample {best_all}: "
          f"{bcubed(found[best_all], gold)[2]:.3f}; chosen most often {chosen.most_common(1)[0]})")
    # ties broken toward no count gain instead: what the other events alone say of counts
    no_counts = defaults[:-1] + (0.0,)
    print(f"  the same, ties broken toward {no_counts} (no count gain): B³ F1 {held_out(no_counts)[0]:.3f}")


def sets() -> list[tuple]:
    """(name, inputs, source -> gold key, gold events) of the labelled sets here."""
    out = [("Sample (synthetic)", SAMPLE, lambda s: s.split("examples/sample/", 1)[-1],
            {a["source"]: a["event"] for a in json.loads((SAMPLE / "gold.json").read_text(encoding="utf-8"))["articles"]
             if a.get("event")})]
    if REAL.is_dir():
        real = json.loads((REAL / "gold.json").read_text(encoding="utf-8"))
        out.append(("Real corpus", REAL / "articles", lambda s: Path(s).stem,
                    {k: v for k, v in real["event_of"].items() if k not in set(real["ambiguous"])}))
    else:
        print(f"{REAL} is absent: the sample only")
    return out


def main() -> None:
    for name, inputs, key_of_source, gold in sets():
        articles, keys = capture(inputs, key_of_source)
        ablations(name, articles, keys, gold)
        count_pairs(articles, keys, gold)
        errors(articles, keys, gold)
        shuffled(articles, keys, gold)
        if "--no-loeo" not in sys.argv and name == "Real corpus":
            leave_one_event_out(articles, keys, gold)


if __name__ == "__main__":
    main()
