"""How well a store built from a generated corpus found what the generator planted: events and copies.

`bench/corpus_gen.py` writes, beside the articles, `manifest.json`: each article's planted event
(a day, two actors, six topic words; its articles published within two days of the day) and the
planted copies (syndicated: the same body under another outlet's credit; rewrite: 15 % of the words
replaced). The gold data in ../shared/data/ is small (the real corpus has 107 articles); this
measures the same things at the sizes `bench/scale.py` builds, where candidate search, caps and
caches decide what is compared at all.

- events: B-cubed and pairwise precision / recall / F1 of the store's events against the planted
  ones, over every generated article (an article the store folded into another as an exact
  duplicate takes that article's event); the number of events, and the largest;
- copies: recall of the planted pairs (found in either direction, or folded into one article), by
  kind, and of the planted copies related to any article of their family (dossier relates a copy to its
  closest original: another copy of the same source, or the "source" when the generator dated it after
  its copy); precision of the copy relations found: the share whose two articles are of one planted copy
  family (a source and its copies, and copies of copies: two copies of one source are related).

    .venv/bin/python bench/generated_quality.py STORE CORPUS_DIR [--json OUT]
    .venv/bin/python bench/generated_quality.py STORE CORPUS_DIR --first 40000   # events of the first N, linked here
    .venv/bin/python bench/generated_quality.py STORE CORPUS_DIR --first 20000 --set ACTOR_COSINE=0.1   # a variant

With --first N the store's first N articles (in linking order) are linked anew in this process with
this checkout's code (no copy stage, nothing written) and only their events are scored: a quick
comparison of two versions of the events' rules on part of a large store. `--set NAME=VALUE` (with
--first) links them with a constant of `dossier.link.events` set otherwise: a variant of a rule tried
without editing the code.

The store is opened read-only. An article is known by the `story-N` of its URL (N: its place in the
manifest).
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

_STORY = re.compile(r"/story-(\d+)$")


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def bcubed(predicted: list[Any], gold: list[Any]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of two labellings of the same items (lists by item)."""
    cell = Counter(zip(predicted, gold))
    by_pred, by_gold = Counter(predicted), Counter(gold)
    # each item of a (predicted, gold) cell of size c scores c / |its predicted| and c / |its gold|
    p = sum(c * c / by_pred[pr] for (pr, _), c in cell.items()) / len(predicted)
    r = sum(c * c / by_gold[g] for (_, g), c in cell.items()) / len(predicted)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def pairwise(predicted: list[Any], gold: list[Any]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1: the pairs of items put together, counted by cells."""
    together = sum(_pairs(c) for c in Counter(zip(predicted, gold)).values())
    said = sum(_pairs(c) for c in Counter(predicted).values())
    true = sum(_pairs(c) for c in Counter(gold).values())
    p = together / said if said else 1.0
    r = together / true if true else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def article_of_story(conn: sqlite3.Connection) -> dict[int, str]:
    """The store's article of each generated article (by its place in the manifest)."""
    found = {}
    for url, article in conn.execute("SELECT url, article_id FROM sources"):
        m = _STORY.search(url or "")
        if m:
            found[int(m.group(1))] = article
    return found


def families(copies: list[list[Any]], size: int) -> list[int]:
    """Each generated article's copy family: a source with its copies, transitively (union-find)."""
    parent = list(range(size))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for copy, source, _ in copies:
        parent[find(copy)] = find(source)
    return [find(i) for i in range(size)]


def event_scores(predicted: list[Any], gold: list[Any]) -> dict[str, Any]:
    sizes = Counter(predicted)
    return {"planted": len(set(gold)), "found": len(sizes), "largest found": max(sizes.values(), default=0),
            "largest planted": max(Counter(gold).values(), default=0),
            "bcubed": [round(x, 4) for x in bcubed(predicted, gold)],
            "pairwise": [round(x, 4) for x in pairwise(predicted, gold)]}


def set_event_constants(settings: list[str]) -> dict[str, float | int]:
    """Set constants of `dossier.link.events` from "NAME=VALUE" strings (for `measure_first`); an unknown
    name or a value that is not a number is an error, not a silent no-op."""
    from dossier.link import events

    done = {}
    for setting in settings:
        name, _, value = setting.partition("=")
        current = getattr(events, name, None)
        if not name.isupper() or type(current) not in (int, float):
            raise ValueError(f"{name!r} is not a numeric constant of dossier.link.events")
        try:
            done[name] = float(value) if type(current) is float else int(value)
        except ValueError:
            raise ValueError(f"{setting!r}: {value!r} is not a {type(current).__name__}") from None
        setattr(events, name, done[name])
    return done


def measure_first(store: Path, corpus: Path, first: int, settings: list[str] = ()) -> dict[str, Any]:
    """The events of the store's first `first` articles, linked anew here (with `settings`, constants of
    `dossier.link.events` as `set_event_constants` takes them, put back afterwards), against the planted ones."""
    from dossier.link import events

    saved = {name: getattr(events, name) for name in (s.partition("=")[0] for s in settings) if hasattr(events, name)}
    try:
        changed = set_event_constants(list(settings))
        return _first_linked(store, corpus, first) | ({"settings": changed} if changed else {})
    finally:
        for name, value in saved.items():
            setattr(events, name, value)


def _first_linked(store: Path, corpus: Path, first: int) -> dict[str, Any]:
    import gc
    import itertools

    from dossier.analyze.record import cached_kb, kb_fingerprint
    from dossier.link.corpus import link_inputs
    from dossier.link.linker import Linker

    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    stories_of: dict[str, list[int]] = defaultdict(list)
    for n, a in article_of_story(conn).items():
        stories_of[a].append(n)
    linker = Linker(cached_kb(None), kb_fingerprint(None))
    for k, item in enumerate(itertools.islice(link_inputs(conn), first), 1):
        linker.add(item, merge=False)
        if k % 500 == 0:
            gc.freeze()  # as a full link: the state built so far is not rescanned
    event_of = linker.events.event_of
    items = [(n, event_of[a]) for a, ns in stories_of.items() if a in event_of for n in ns]
    return {"articles": first, "scored": len(items),
            "events": event_scores([e for _, e in items], [manifest["event_of"][n] for n, _ in items])}


def measure(store: Path, corpus: Path) -> dict[str, Any]:
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    article = article_of_story(conn)
    missing = manifest["articles"] - len(article)
    event_of_article = dict(conn.execute("SELECT article_id, event_id FROM event_articles"))
    items = sorted(n for n in article if article[n] in event_of_article)
    predicted = [event_of_article[article[n]] for n in items]
    gold = [manifest["event_of"][n] for n in items]
    result: dict[str, Any] = {"articles": manifest["articles"], "not in the store": missing, "scored": len(items),
                              "events": event_scores(predicted, gold)}
    # copies: planted pairs found, by kind; found relations within one planted family
    found = set(conn.execute("SELECT article, of FROM copies"))
    family = families(manifest["copies"], manifest["articles"])
    family_of_article: dict[str, set[int]] = defaultdict(set)
    for n, a in article.items():
        family_of_article[a].add(family[n])
    related_to: dict[str, set[str]] = defaultdict(set)  # each article's copy relations, either way
    for a, b in found:
        related_to[a].add(b)
        related_to[b].add(a)
    recall: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # kind -> [pair found, copy found in its family, planted]
    for copy, source, kind in manifest["copies"]:
        if copy not in article or source not in article:
            continue
        a, b = article[copy], article[source]
        recall[kind][2] += 1
        recall[kind][0] += a == b or b in related_to[a]
        # the copy related to some article of its family: dossier names a copy's closest original, which may be
        # another copy of the planted source, or an article the generator dated after its copy
        recall[kind][1] += a == b or any(family[copy] in family_of_article[other] for other in related_to[a])
    related = sum(bool(family_of_article[a] & family_of_article[b]) for a, b in found)
    planted = sum(t for _, _, t in recall.values()) or 1
    result["copies"] = {
        "planted": len(manifest["copies"]), "found relations": len(found),
        "precision": round(related / len(found), 4) if found else 1.0,
        "recall": {kind: round(hit / total, 4) for kind, (hit, _, total) in sorted(recall.items())},
        "recall all": round(sum(h for h, _, _ in recall.values()) / planted, 4),
        "recall in family": {kind: round(hit / total, 4) for kind, (_, hit, total) in sorted(recall.items())},
        "recall in family all": round(sum(h for _, h, _ in recall.values()) / planted, 4),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("corpus", type=Path, help="the corpus_gen folder the store was built from (its manifest.json)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--first", type=int, help="link the store's first N articles here and score their events only")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="with --first: link with this constant of dossier.link.events (ACTOR_COSINE=0.1); repeatable")
    args = parser.parse_args()
    if args.set and not args.first:
        parser.error("--set changes how articles are linked: it needs --first (a store's events are already linked)")
    if not (args.corpus / "manifest.json").exists():
        sys.exit(f"{args.corpus}: no manifest.json (a folder written by bench/corpus_gen.py)")
    try:
        result = (measure_first(args.store, args.corpus, args.first, args.set) if args.first
                  else measure(args.store, args.corpus))
    except ValueError as error:
        sys.exit(f"--set: {error}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    ev = result["events"]
    if args.first:
        print(f"the first {args.first:,} articles linked here"
              + "".join(f", {k} = {v}" for k, v in result.get("settings", {}).items())
              + f"; {result['scored']:,} generated articles scored")
    else:
        print(f"{result['scored']:,} of {result['articles']:,} generated articles scored ({result['not in the store']:,} not in the store)")
    print(f"events: {ev['found']:,} found for {ev['planted']:,} planted (largest {ev['largest found']:,}, planted "
          f"{ev['largest planted']:,}); B-cubed P/R/F1 {' / '.join(f'{x:.3f}' for x in ev['bcubed'])}; "
          f"pairwise {' / '.join(f'{x:.3f}' for x in ev['pairwise'])}")
    if args.first:
        return
    co = result["copies"]
    print(f"copies: {co['found relations']:,} relations found for {co['planted']:,} planted; precision {co['precision']:.3f}; "
          f"recall of the planted pairs {co['recall all']:.3f} ({', '.join(f'{k} {v:.3f}' for k, v in co['recall'].items())}); "
          f"of the copies, related to their family {co['recall in family all']:.3f} "
          f"({', '.join(f'{k} {v:.3f}' for k, v in co['recall in family'].items())})")


if __name__ == "__main__":
    main()
