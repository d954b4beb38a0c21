"""The linker's CPU per article split by part: events, statements, and the rest (copies, actors).

Feeds the first N articles of a store to a fresh `Linker` as `link_compare.py` does, timing
`EventIndex.add` and `QuoteIndex.add` (CPU, `time.process_time`) inside `Linker.add`, and prints
milliseconds of CPU an article for each by tenth. Run it with another checkout's `src` on
PYTHONPATH for the other version; on a shared machine run the two at the same time, so both
see the same load:

    .venv/bin/python bench/linker_parts.py STORE --articles 20000
    PYTHONPATH=/path/to/old/src .venv/bin/python bench/linker_parts.py STORE --articles 20000

STORE is opened (and migrated): use a copy.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

from dossier.analyze.record import cached_kb, kb_fingerprint
from dossier.link.corpus import link_inputs
from dossier.link.events import EventIndex
from dossier.link.linker import Linker
from dossier.link.quotes import QuoteIndex
from dossier.store.db import connect

FREEZE_EVERY = 500  # as link.corpus._link_full
spent: Counter = Counter()


def timed(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return method(*args, **kwargs)
        finally:
            spent[name] += time.process_time() - started
    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--articles", type=int, default=10**9)
    args = parser.parse_args()
    EventIndex.add = timed("events", EventIndex.add)  # type: ignore[method-assign]
    QuoteIndex.add = timed("statements", QuoteIndex.add)  # type: ignore[method-assign]
    conn = connect(args.store)
    ids = [row[0] for row in conn.execute("SELECT article_id FROM analyses")]
    inputs = list(link_inputs(conn, ids))[:args.articles]
    linker = Linker(cached_kb(None), kb_fingerprint(None))
    step = max(1, len(inputs) // 10)
    started = time.process_time()
    mark, before = started, Counter()
    totals = Counter()
    for n, item in enumerate(inputs, 1):
        linker.add(item, merge=False)
        if n % FREEZE_EVERY == 0:
            gc.freeze()
        if n % step == 0:
            now = time.process_time()
            part = {name: spent[name] - before[name] for name in ("events", "statements")}
            part["rest"] = now - mark - sum(part.values())
            totals.update(part)
            print(f"  adds {n - step + 1:,}-{n:,}: " + ", ".join(f"{name} {1000 * s / step:.2f}" for name, s in part.items())
                  + " ms CPU an article", flush=True)
            mark, before = now, Counter(spent)
    busy = time.process_time() - started
    gc.unfreeze()
    print(f"linker over {len(inputs):,} articles: {busy:.1f} s CPU ({len(inputs) / busy:,.0f} per CPU-second); "
          + ", ".join(f"{name} {s:.1f} s" for name, s in totals.items()))


if __name__ == "__main__":
    main()
