"""The linker's output and CPU on a store, to compare two versions of the code.

Feeds the first N articles of a store (in linking order) to a fresh `Linker` as a full link
does (the state frozen out of the collector every FREEZE_EVERY articles), prints the CPU per
add by tenth and articles per CPU-second, and writes what it derived (copy relations, event
records, merged statements, actors) as sorted JSON. Run it with another checkout's `src` on
PYTHONPATH to get the other version's file, then compare the two files byte for byte:

    .venv/bin/python bench/link_compare.py STORE --articles 10000 -o /tmp/after.json
    PYTHONPATH=/path/to/old/src .venv/bin/python bench/link_compare.py STORE --articles 10000 -o /tmp/before.json
    cmp /tmp/before.json /tmp/after.json

STORE is opened (and migrated): use a copy.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import time
from pathlib import Path

from dossier.analyze.record import cached_kb, kb_fingerprint
from dossier.link.corpus import link_inputs
from dossier.link.linker import Linker
from dossier.store.db import connect

FREEZE_EVERY = 500  # as link.corpus._link_full (not imported: older versions lack it)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--articles", type=int, default=10**9)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    conn = connect(args.store)
    ids = [row[0] for row in conn.execute("SELECT article_id FROM analyses")]
    inputs = list(link_inputs(conn, ids))[:args.articles]
    linker = Linker(cached_kb(None), kb_fingerprint(None))
    started = mark = time.process_time()
    step = max(1, len(inputs) // 10)
    for n, item in enumerate(inputs, 1):
        linker.add(item, merge=False)
        if n % FREEZE_EVERY == 0:
            gc.freeze()
        if n % step == 0:
            print(f"  adds {n - step + 1:,}-{n:,}: {1000 * (time.process_time() - mark) / step:.1f} ms CPU an article",
                  flush=True)
            mark = time.process_time()
    busy = time.process_time() - started
    gc.unfreeze()
    print(f"linker over {len(inputs):,} articles: {busy:.1f} s CPU ({len(inputs) / busy:,.0f} per CPU-second)")
    derived = {"copies": linker.copy_records(),
               "events": [linker.event_record(key) for key in sorted(linker.events.events)],
               "quotes": [q.to_dict() for q in linker.quotes.all()], "actors": linker.actors.all()}
    args.output.write_text(json.dumps(derived, sort_keys=True, default=str, indent=0), encoding="utf-8")
    for name, rows in derived.items():
        digest = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()[:12]
        print(f"{name}: {len(rows):,} ({digest})")


if __name__ == "__main__":
    main()
