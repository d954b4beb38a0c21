"""How long `EventIndex.candidates` takes on a large store's events: the events part of its saved
linking state, probed with its own articles.

The link's process spends most of its time adding articles to the events index, and at density
most of that in `candidates` (finding the events an article could join). This loads the events
part of STORE's saved state (`link_state_chunks`, as `link.linker.load_state` reads it, no other
part kept), then asks for the candidates of --probes articles taken evenly from the store's
linking order, each as a new article (another id, no copies, no statements: their terms, actors,
day and weekday as `Linker.add` and `EventIndex.add` give them), and prints the CPU seconds of
those calls and a digest of what they returned. Two checkouts compared on one state (run one with
the other's `src` on PYTHONPATH): same digest, same candidates.

    .venv/bin/python bench/event_candidates.py STORE [--probes 3000] [--add]

With --add the probes are then added to the index one by one (each its own article, joining an
event or opening one): the CPU seconds of the whole adds, and a digest of where each went and why.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import io
import pickle
import sys
import time
from dataclasses import replace
from pathlib import Path

from dossier.link.corpus import link_inputs, linking_order
from dossier.link.events import LEAD_CHARS, EventArticle, EventIndex, lead_terms, period_of, weekday_in_lead
from dossier.link.linker import LEAD_ACTOR_KINDS, PARTS, _Inflating, _stored_chunks, day_of
from dossier.link import pickling
from dossier.store.db import connect


def load_events(store: Path) -> EventIndex:
    """The events part of the store's saved state (the other parts read past, then let go)."""
    conn = connect(store)
    gc.disable()
    stream = io.BufferedReader(_Inflating(_stored_chunks(conn)), 1 << 20)
    load = getattr(pickling, "load", pickle.load)
    state = load(stream)
    for part in PARTS:
        value = load(stream)
        if part == "events":
            state = value
        del value
    gc.enable()
    return state


def probes(store: Path, count: int) -> list[EventArticle]:
    """`count` of the store's articles, evenly spread over its linking order, as new articles."""
    conn = connect(store)
    ids = [row[0] for row in linking_order(conn)]
    chosen = ids[::max(1, len(ids) // count)][:count]
    out = []
    for item in link_inputs(conn, chosen):
        mentions = item.record.get("mentions", [])
        actors = {m["actor"] for m in mentions
                  if m.get("actor") and m["start"] < LEAD_CHARS and m["kind"] in LEAD_ACTOR_KINDS}
        article = EventArticle("probe-" + item.id, day_of(item.published), item.title, item.text, actors, set(), set(),
                               lead_terms(item.title, item.text), period_of(item.published))
        out.append(replace(article, weekday=weekday_in_lead(article.text)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--probes", type=int, default=3000)
    parser.add_argument("--add", action="store_true", help="then add the probes to the index, timing each whole add")
    args = parser.parse_args()
    started = time.perf_counter()
    index = load_events(args.store)
    loaded = time.perf_counter() - started
    articles = probes(args.store, args.probes)
    digest, found, cpu = hashlib.blake2b(digest_size=8), 0, 0.0
    for article in articles:
        before = time.process_time()
        candidates = index.candidates(article)
        cpu += time.process_time() - before
        found += len(candidates)
        digest.update(repr(sorted(candidates.items())).encode())
    print(f"{len(index.events):,} events loaded in {loaded:.1f} s; {len(articles):,} probes: "
          f"candidates {cpu:.2f} s CPU ({1000 * cpu / max(len(articles), 1):.2f} ms each), "
          f"{found / max(len(articles), 1):.1f} each, digest {digest.hexdigest()}")
    if args.add:  # the whole add (scoring, the event's terms and postings), the probes joining the events
        digest, cpu = hashlib.blake2b(digest_size=8), 0.0
        for article in articles:
            before = time.process_time()
            key, why = index.add(article)
            cpu += time.process_time() - before
            digest.update(repr((key, sorted(why.items()))).encode())
        print(f"add {cpu:.2f} s CPU ({1000 * cpu / max(len(articles), 1):.2f} ms each), digest {digest.hexdigest()}")


if __name__ == "__main__":
    sys.exit(main())
