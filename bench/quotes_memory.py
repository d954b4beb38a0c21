"""Memory, CPU and load time of the statements part of the linking state (`QuoteIndex`).

Feeds the first N articles of a store (in linking order, as a full link does) to a fresh
`QuoteIndex` the way `Linker.add` does (one `Occurrence` per quotation, `add(merge=False)`),
then reports:

  * the CPU of those adds per article;
  * the bytes of each attribute, by a walk over every object it reaches (`sys.getsizeof`, an
    object counted once, under the first attribute that reaches it, in the order printed);
  * the pickled size, and in a child process the RSS growth and seconds of unpickling it with the
    collector off, as `link.linker.load_state` does (the resident size of a loaded state's part);
  * a digest of every merged statement (`QuoteIndex.each`, run before the rest as a full link
    does before it saves the state), to compare versions;

The store is opened read-only. The article texts and records are read first and are not counted.

    .venv/bin/python bench/quotes_memory.py STORE --articles 10000

Run it with another checkout's `src` on PYTHONPATH to measure that version.
"""

from __future__ import annotations

import argparse
import array
import gc
import hashlib
import itertools
import json
import pickle
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dossier.link.corpus import link_inputs
from dossier.link.quotes import Occurrence, QuoteIndex, normalize_quote

FREEZE_EVERY = 500  # as link.corpus._link_full


def deep_size(obj: object, seen: set[int]) -> int:
    """Bytes of obj and every object it reaches that is not in `seen` (which it fills)."""
    total, stack = 0, [obj]
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        total += sys.getsizeof(o)
        if isinstance(o, (str, bytes, int, float, bool, type(None), array.array, range)):
            continue
        if isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, (list, tuple, set, frozenset)):
            stack.extend(o)
        else:
            for name in {name for cls in type(o).__mro__ for name in getattr(cls, "__slots__", ())}:  # a subclass's too
                if hasattr(o, name):
                    stack.append(getattr(o, name))
            if hasattr(o, "__dict__"):
                stack.append(o.__dict__)
    return total


def build(store: Path, articles: int) -> tuple[QuoteIndex, float, int, int]:
    """The index of the first `articles` articles; the CPU of its adds alone (the articles are read
    one chunk at a time, as a full link reads them, and not counted)."""
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    ids = [row[0] for row in conn.execute("SELECT article_id FROM analyses")]
    index = QuoteIndex({})
    occurrences = busy = 0.0
    n = 0
    for n, item in enumerate(itertools.islice(link_inputs(conn, ids), articles), 1):
        started = time.process_time()
        found = []  # as Linker.add
        for quote in item.record.get("quotes", []):
            wording = item.text[quote["start"]:quote["end"]]
            found.append(Occurrence(article=item.id, published=item.published, text=wording,
                                    norm=normalize_quote(wording), record=quote, speaker=quote.get("speaker")))
        index.add(found, merge=False)
        for o in found:  # as Linker.add, which asks each wording's statement for its event
            if o.norm and o.kind != "fragment":
                index.statement_of(o.norm)
        if n % FREEZE_EVERY == 0:
            gc.freeze()
        busy += time.process_time() - started
        occurrences += len(found)
    gc.unfreeze()
    return index, busy, n, int(occurrences)


LOAD = """
import gc, pickle, sys, time
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 1e6
import dossier.link.quotes
data = open(sys.argv[1], "rb").read()
gc.disable()
before, started = rss(), time.perf_counter()
index = pickle.loads(data)
print(time.perf_counter() - started, rss() - before)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--articles", type=int, default=10**9)
    args = parser.parse_args()
    index, busy, articles, occurrences = build(args.store, args.articles)
    print(f"{articles:,} articles, {occurrences:,} occurrences, {len(index.wordings):,} wordings")
    print(f"adds: {busy:.1f} s CPU, {1000 * busy / max(1, articles):.3f} ms an article")
    # every statement merged (as a full link does before it saves the state, which then holds their ids)
    started, statements = time.process_time(), 0
    digest = hashlib.sha256()
    for quote in index.each():
        digest.update(json.dumps(quote.to_dict(), sort_keys=True).encode())
        statements += 1
    print(f"{statements:,} statements, digest {digest.hexdigest()[:16]} (merged in {time.process_time() - started:.1f} s CPU)")
    measure(index)


def measure(index: QuoteIndex, smallest: float = 0.0) -> None:
    """Print the bytes of each of the index's attributes (those of at least `smallest` bytes), their
    total, the pickled size and the resident growth of unpickling it in a child process."""
    seen: set[int] = set()
    total = 0
    for name, value in index.__dict__.items():
        size = deep_size(value, seen)
        total += size
        if size >= smallest:
            print(f"  {name:>14}: {size / 1e6:8.1f} MB")
    print(f"  {'all':>14}: {total / 1e6:8.1f} MB (getsizeof walk)")
    actor_names, index.actor_names = index.actor_names, None  # attached again on load, not pickled (linker)
    with tempfile.NamedTemporaryFile(suffix=".pickle") as f:
        started = time.perf_counter()
        pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
        f.flush()
        print(f"pickled: {Path(f.name).stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")
        out = subprocess.run([sys.executable, "-c", LOAD, f.name], capture_output=True, text=True, check=True).stdout
        seconds, grown = map(float, out.split())
        print(f"unpickled (child process, collector off): {seconds:.2f} s, {grown:.0f} MB resident")
    index.actor_names = actor_names

if __name__ == "__main__":
    main()
