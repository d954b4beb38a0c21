"""The statements' pair finding and the events' length recomputation at the scale of a saved
linking state, the plain way (as before session 6) against the code's: the same answers, and
the CPU of each, alternated (a shared machine's load drifts).

Loads STORE's saved linking state (a full link leaves one) and, without changing it:
* for its last N wordings, `QuoteIndex._matches(i)` against reading every candidate (the pairs
  a wording is compared on when it arrives, found from the postings as they were then);
* for its last N events, `EventIndex._length` (forced to recompute) against the memo and
  generator it replaced.

    .venv/bin/python bench/link_state_paths.py STORE --wordings 30000 --events 20000

STORE is opened (and migrated): use a copy.
"""

from __future__ import annotations

import argparse
import gc
import math
import time
from pathlib import Path
from typing import Any, Callable


from dossier.analyze.record import cached_kb, kb_fingerprint
from dossier.link.events import EventIndex
from dossier.link.linker import load_state
from dossier.link.quotes import QuoteIndex
from dossier.store.db import connect


def plain_matches(index: QuoteIndex, i: int) -> tuple[set[int], dict[int, float]]:
    """Every candidate read and compared, as before session 6 (`_read_all` of all its pairs)."""
    return index._read_all(i, index.paired_on(i))


def plain_length(index: EventIndex, event: Any) -> float:
    total, df, memo = 1 + index.documents, index.df, {}
    memo.update({w: math.log(total / (1 + df.get(w, 0))) + 1 for w in event.terms if w not in memo})
    log, idf = math.log, memo.__getitem__
    return math.sqrt(sum(((1 + log(c) if c > 0 else 0.0) * idf(w)) ** 2 for w, c in event.terms.items()))


def current_length(index: EventIndex, event: Any) -> float:
    event.length_at = -1
    return index._length(event)


def compare(label: str, items: list, plain: Callable, current: Callable, rounds: int = 2) -> None:
    spent = {"plain": 0.0, "current": 0.0}
    for _ in range(rounds):
        answers = {}
        for name, function in (("plain", plain), ("current", current)):
            started = time.process_time()
            answers[name] = [function(item) for item in items]
            spent[name] += time.process_time() - started
        differ = sum(a != b for a, b in zip(answers["plain"], answers["current"]))
        assert not differ, f"{label}: {differ} answers differ"
    print(f"{label}: {len(items):,} alike; plain {1e6 * spent['plain'] / rounds / len(items):.1f} us, "
          f"current {1e6 * spent['current'] / rounds / len(items):.1f} us CPU each", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--wordings", type=int, default=30000)
    parser.add_argument("--events", type=int, default=20000)
    args = parser.parse_args()
    linker = load_state(connect(args.store), cached_kb(None), kb_fingerprint(None))
    if linker is None:
        raise SystemExit("no saved linking state of this version in the store")
    gc.freeze()
    quotes, events = linker.quotes, linker.events
    print(f"state: {len(quotes.wordings):,} wordings, {len(events.events):,} events, {events.documents:,} articles")
    last = range(max(0, len(quotes.wordings) - args.wordings), len(quotes.wordings))
    compare("statements: a wording's pairs", list(last), lambda i: plain_matches(quotes, i), quotes._matches)
    chosen = list(events.events.values())[-args.events:]
    compare("events: an event's length", chosen, lambda e: plain_length(events, e), lambda e: current_length(events, e))


if __name__ == "__main__":
    main()
