"""Resident memory of the events part of the linking state, and what dominates it.

Two ways in:

    # link the first N articles of a store (as bench/link_compare.py does), then measure
    .venv/bin/python bench/events_memory.py link STORE --articles 10000
    # EventIndex.add alone, over the articles a link gave it (link ... --save-inputs FILE)
    .venv/bin/python bench/events_memory.py replay FILE --rounds 3
    # the events part of a store's saved linking state (this code's version; or version 11's,
    # converted to this code's layout with --legacy)
    .venv/bin/python bench/events_memory.py saved STORE [--legacy]

Either way it prints the linker's CPU (link only), a breakdown of the live objects by what holds
them (a sys.getsizeof walk, each object counted once, for the first holder reached), and the RSS
growth and seconds of unpickling the events part (`EventIndex`, and the Linker's `dated` cache and
`tallies`) in a fresh child process, as a load of the saved state does. STORE is opened (and
migrated) in `link` mode: use a copy.
"""

from __future__ import annotations

import argparse
import gc
import io
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FREEZE_EVERY = 500


def rss_mb() -> float:
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 1e6


def deep_size(obj: Any, seen: set[int]) -> int:
    """Bytes of obj and everything it reaches that `seen` does not hold yet (iterative walk)."""
    total, stack = 0, [obj]
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, type):
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif hasattr(item, "__dict__"):
            stack.append(item.__dict__)
        if hasattr(type(item), "__slots__"):
            for name in type(item).__slots__:
                if hasattr(item, name):
                    stack.append(getattr(item, name))
    return total


def breakdown(index: Any, dated: dict, tallies: dict) -> None:
    """Sizes by holder: the index's attributes, then per Event attribute over all events."""
    seen: set[int] = set()
    events = index.events
    rows = []
    for event in list(events.values())[:1]:  # the shells once, to learn the attribute names
        names = list(getattr(event, "__dict__", {}) or {}) or list(type(event).__slots__)
    size = sum(sys.getsizeof(e) + (sys.getsizeof(e.__dict__) if hasattr(e, "__dict__") else 0) for e in events.values())
    seen.update(id(e) for e in events.values())
    seen.update(id(e.__dict__) for e in events.values() if hasattr(e, "__dict__"))
    rows.append(("Event objects (and their __dict__)", size))
    seen.add(id(events))
    rows.append(("events dict", sys.getsizeof(events) + sum(deep_size(k, seen) for k in events)))
    for name in names:
        rows.append((f"Event.{name}", sum(deep_size(getattr(e, name), seen) for e in events.values())))
    for name, value in vars(index).items():
        if name != "events":
            rows.append((f"EventIndex.{name}", deep_size(value, seen)))
    rows.append(("Linker.dated", deep_size(dated, seen)))
    rows.append(("Linker.tallies", deep_size(tallies, seen)))
    total = sum(n for _, n in rows)
    print(f"live objects (sys.getsizeof walk), {len(events):,} events: {total / 1e6:,.1f} MB")
    for name, n in sorted(rows, key=lambda r: -r[1]):
        print(f"  {name:40s} {n / 1e6:9.1f} MB")


def measure_load(path: Path) -> None:
    """RSS growth and seconds of unpickling each part in a fresh process of its own (collector off,
    as load_state), then what stays resident once the C allocator gives back what it keeps free."""
    code = f"""
import ctypes, gc, io, pickle, time, sys
def rss(): return int(open('/proc/self/statm').read().split()[1]) * 4096 / 1e6
import dossier.link.linker  # the classes imported before the clock starts
stream = io.BytesIO(open({str(path)!r}, 'rb').read())
for name in ('events', 'dated', 'tallies'):
    size = int.from_bytes(stream.read(8), 'little')
    blob = stream.read(size)
    if name == sys.argv[1]:
        break
del stream
gc.disable()
r0, t0, c0 = rss(), time.perf_counter(), time.process_time()
kept = pickle.loads(blob)
cpu, wall, grown = time.process_time() - c0, time.perf_counter() - t0, rss() - r0
del blob
ctypes.CDLL('libc.so.6').malloc_trim(0)
print(f'  {{name:8s}} pickled {{size / 1e6:7.1f}} MB, resident {{grown:7.1f}} MB ({{rss() - r0:7.1f}} MB after malloc_trim), '
      f'unpickled in {{cpu:5.2f}} s CPU ({{wall:5.2f}} s wall)')
"""
    print("unpickled, each part in a fresh process:")
    for name in ("events", "dated", "tallies"):
        subprocess.run([sys.executable, "-c", code, name], check=True)


def write_parts(path: Path, index: Any, dated: dict, tallies: dict) -> None:
    with open(path, "wb") as out:
        for part in (index, dated, tallies):
            blob = pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)
            out.write(len(blob).to_bytes(8, "little"))
            out.write(blob)


def from_link(store: Path, articles: int, save_inputs: Path | None = None) -> tuple[Any, dict, dict]:
    from dossier.analyze.record import cached_kb, kb_fingerprint
    from dossier.link.corpus import date_events, link_inputs
    from dossier.link.linker import Linker
    from dossier.store.db import connect

    conn = connect(store)
    ids = [row[0] for row in conn.execute("SELECT article_id FROM analyses")]
    inputs = list(link_inputs(conn, ids))[:articles]
    linker = Linker(cached_kb(None), kb_fingerprint(None))
    spent = [0.0]
    add = linker.events.add
    given: list[Any] = []

    def timed_add(article: Any) -> Any:  # the events' share of the linker's CPU
        if save_inputs:
            given.append(article)
        began = time.process_time()
        try:
            return add(article)
        finally:
            spent[0] += time.process_time() - began

    linker.events.add = timed_add  # type: ignore[method-assign]
    started = time.process_time()
    for n, item in enumerate(inputs, 1):
        linker.add(item, merge=False)
        if n % FREEZE_EVERY == 0:
            gc.freeze()
    busy = time.process_time() - started
    gc.unfreeze()
    print(f"linker over {len(inputs):,} articles: {busy:.1f} s CPU ({1000 * busy / len(inputs):.2f} ms an article), "
          f"of which EventIndex.add {spent[0]:.1f} s ({1000 * spent[0] / len(inputs):.2f} ms an article)")
    del linker.events.add
    if save_inputs:
        save_inputs.write_bytes(pickle.dumps(given, protocol=pickle.HIGHEST_PROTOCOL))
    date_events(conn, [linker.event_record(key) for key in linker.events.events], linker.dated)  # fills `dated`
    print_stories(linker.events)
    return linker.events, linker.dated, linker.tallies


class _Legacy:
    """An Event or EventIndex of state version 11 (plain attributes), to convert."""


class _LegacyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "dossier.link.events" and name in ("Event", "EventIndex"):
            return _Legacy
        return super().find_class(module, name)


def convert(old: Any) -> Any:
    """A version-11 EventIndex (dataclass events, one postings dict keyed "w:term") as this code's:
    the same content in the compact layout (`link.events`), as linking the same articles gives."""
    import json
    from collections import Counter

    from dossier.link.events import POSTING_CAP, Event, EventIndex, _Common

    index = EventIndex()
    intern = index._intern
    for key, was in old.events.items():
        event = index.events[key] = Event(was.key)
        event.articles = list(was.articles)
        event.whys = [json.dumps(was.why[a], ensure_ascii=False, separators=(",", ":")).encode() for a in was.articles]
        event.title, event.titled = was.title, was.titled
        event.terms = {intern(w): n for w, n in was.terms.items()}
        event.actors = Counter({intern(a): n for a, n in was.actors.items()})
        event.quotes = tuple(sorted(was.quotes))
        for name in ("days", "periods", "weekdays", "happened", "counts"):
            setattr(event, name, {intern(k): n for k, n in getattr(was, name).items()})
        event.length, event.length_at = was.length
    index.event_of = old.event_of
    index.df = Counter({intern(w): n for w, n in old.df.items()})
    index.documents = old.documents
    for day, keys in old._by_day.items():
        index._by_day[intern(day)] = keys
    kinds = {"w": index._postings_w, "a": index._postings_a, "q": index._postings_q}
    first_quote: dict[str, str] = {}
    for event in index.events.values():  # in the order the events were opened
        for quote in event.quotes:
            first_quote.setdefault(quote, quote)
    for key, keys in old._postings.items():
        if len(keys) > POSTING_CAP:
            keys = _Common(keys)
        # a statement's key is the object the first event that got it holds, as `EventIndex._index` leaves it
        term = first_quote.setdefault(key[2:], key[2:]) if key[0] == "q" else intern(key[2:])
        kinds[key[0]][term] = keys[0] if len(keys) == 1 else keys
    return index


def convert_dated(dated: dict[str, dict]) -> dict[str, dict]:
    """Version 11's lead-date cache as this code's: each article's facts alone (link.corpus.date_events)."""
    return {article_id: {"facts": entry["facts"]} for article_id, entry in dated.items()}


def print_stories(index: Any, store: Path | None = None) -> None:
    """A digest of the stories the index groups (`EventIndex.stories`), to compare two versions;
    with `store`, whether they are the ones its full link wrote (its stories table)."""
    import hashlib
    import json
    import sqlite3

    groups = sorted(sorted(members) for members in index.stories())
    digest = hashlib.sha256(json.dumps(groups).encode()).hexdigest()[:12]
    print(f"stories: {len(groups):,} ({digest})", end="")
    if store is not None:
        conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
        stored = sorted(sorted(json.loads(r[0])["events"]) for r in conn.execute("SELECT record FROM stories"))
        print(f", the store's stories: {len(stored):,}, the same: {stored == groups}", end="")
    print()


def from_saved(store: Path, legacy: bool) -> tuple[Any, dict, dict]:
    import sqlite3

    from dossier.link.linker import PARTS, _Inflating

    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    blob = conn.execute("SELECT state FROM link_state").fetchone()[0]
    stream = io.BufferedReader(_Inflating(blob), 1 << 20)
    gc.disable()
    rest = pickle.load(stream)
    for part in PARTS:
        value = _LegacyUnpickler(stream).load() if legacy and part == "events" else pickle.load(stream)
        if part != "events":
            del value  # the other parts are read past, not kept
            continue
        index = convert(value) if legacy else value
        del value
    del blob, stream
    gc.enable()
    return index, convert_dated(rest["dated"]) if legacy else rest["dated"], rest["tallies"]


def replay(inputs: Path, rounds: int) -> None:
    """EventIndex.add alone over the articles a link gave it (`link --save-inputs`): its CPU per
    article, the digest of what it derived (events' records, stories), and the index's load."""
    import hashlib
    import json

    from dossier.link.events import EventIndex

    articles = pickle.loads(inputs.read_bytes())
    for _ in range(rounds):
        index = EventIndex()
        gc.collect()
        started = time.process_time()
        for n, article in enumerate(articles, 1):
            index.add(article)
            if n % FREEZE_EVERY == 0:
                gc.freeze()
        busy = time.process_time() - started
        gc.unfreeze()
        print(f"EventIndex.add over {len(articles):,} articles: {busy:.2f} s CPU ({1000 * busy / len(articles):.3f} ms an article)")
    events, stories = index.export()
    for name, rows in (("events", events), ("stories", stories)):
        digest = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()[:12]
        print(f"{name}: {len(rows):,} ({digest})")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "parts.bin"
        write_parts(path, index, {}, {})
        measure_load(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("link", "saved", "replay"))
    parser.add_argument("store", type=Path, help="the store (replay: the inputs file link --save-inputs wrote)")
    parser.add_argument("--save-inputs", type=Path, help="link: keep the articles given to EventIndex.add here")
    parser.add_argument("--rounds", type=int, default=1, help="replay: this many fresh indexes, one after another")
    parser.add_argument("--articles", type=int, default=10**9)
    parser.add_argument("--no-walk", action="store_true", help="skip the sys.getsizeof walk")
    parser.add_argument("--stories", action="store_true", help="saved: compare the index's stories with the store's")
    parser.add_argument("--legacy", action="store_true",
                        help="saved: the state is version 11's, converted to this code's layout before measuring")
    args = parser.parse_args()
    if args.mode == "replay":
        return replay(args.store, args.rounds)
    index, dated, tallies = (from_link(args.store, args.articles, args.save_inputs) if args.mode == "link"
                              else from_saved(args.store, args.legacy))
    if args.stories:
        print_stories(index, args.store)
    if not args.no_walk:
        breakdown(index, dated, tallies)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "parts.bin"
        write_parts(path, index, dated, tallies)
        del index, dated, tallies
        gc.collect()
        measure_load(path)


if __name__ == "__main__":
    main()
