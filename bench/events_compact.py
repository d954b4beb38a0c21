"""The events part of a saved linking state (and the leads' date facts) in the compact layout of
branch eventsmem2, measured against the layout it was saved in, without relinking.

Reads the saved state of STORE (state version 13, before this layout: its `EventIndex`, `Event`s and
`LeadFacts` read as plain stand-ins), converts the events part and the date facts to this code's
layout (term ids in the order the terms were first counted, which is the order a link with this code
gives them; each event's terms in its dict's order; statements as codes), checks that every event
reads back as it was (terms, statements, tallies), and prints the resident memory of each, unpickled
in a fresh process with the collector off as `load_state` does:

    .venv/bin/python bench/events_compact.py STORE --old-src OLD/src

(OLD/src: the `src` of the code that saved the state, e.g. `git archive 2000eec src` unpacked, to
read the old layout back in the fresh process.)

STORE is only read.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import pickle
import sqlite3
import subprocess
import sys
import tempfile
import time
from array import array
from datetime import date
from pathlib import Path
from typing import Any

from dossier.link.events import _OPENED, Event, EventIndex, _narrow
from dossier.link.linker import PARTS, _Inflating
from dossier.link.timeline import LeadFacts


class _Plain:
    """An object of the old layout: its pickled state kept as it is, and pickled again as it was
    (`_OldPickler`), for the old code to read."""

    real: type = object

    def __setstate__(self, state: Any) -> None:
        self.state = state


OLD_CLASSES = {("dossier.link.events", "Event"): type("OldEvent", (_Plain,), {"real": Event}),
               ("dossier.link.events", "EventIndex"): type("OldEventIndex", (_Plain,), {"real": EventIndex}),
               ("dossier.link.timeline", "LeadFacts"): type("OldLeadFacts", (_Plain,), {"real": LeadFacts})}


class _OldUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        return OLD_CLASSES.get((module, name)) or super().find_class(module, name)


class _OldPickler(pickle.Pickler):
    """Writes a stand-in as the object it stood for (the class by its name, then its state)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, _Plain):
            return object.__new__, (type(obj).real,), obj.state
        return NotImplemented


OLD_EVENT_FIELDS = ("key", "articles", "whys", "title", "titled", "terms", "actors", "quotes", "days", "periods",
                    "weekdays", "happened", "counts", "length", "length_at")


def read_old(store: Path) -> tuple[Any, Any]:
    """The saved state's events part and its date facts, as plain stand-ins."""
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    row = conn.execute("SELECT version FROM link_state").fetchone()
    if row is None or row[0] != "13":
        sys.exit(f"{store}: a state of version 13 is needed (this one: {row and row[0]})")

    def chunks() -> Any:
        for (data,) in conn.execute("SELECT data FROM link_state_chunks ORDER BY seq"):
            yield data

    stream = io.BufferedReader(_Inflating(chunks()), 1 << 20)
    gc.disable()
    rest = _OldUnpickler(stream).load()
    for part in PARTS:
        value = _OldUnpickler(stream).load()
        if part == "events":
            events = value
        del value
    gc.enable()
    return events, rest["dated"]


def convert(old: Any) -> EventIndex:
    """The old layout's index in this code's layout (what linking the same articles gives)."""
    state = old.state if hasattr(old, "state") else old.__dict__
    index = EventIndex()
    df = state["df"]
    index.names.words = list(df)  # first counted first, as `_term_ids` numbers them
    index._term_id = {w: i for i, w in enumerate(index.names.words)}
    index._df = [df[w] for w in index.names.words]
    index.documents = state["documents"]
    index.event_of = state["event_of"]
    index._by_day = state["_by_day"]
    index._postings_w = state["_postings_w"]
    index._postings_a = state["_postings_a"]
    intern = index._intern
    for number, (key, plain) in enumerate(state["events"].items()):
        fields = dict(zip(OLD_EVENT_FIELDS, plain.state))
        event = Event(key, index.names, number)
        index.events[key] = event
        index._event_keys.append(key)
        event.articles, event.title, event.titled = (fields[k] for k in ("articles", "title", "titled"))
        event.whys = [_OPENED if why == _OPENED else why for why in fields["whys"]]
        event.term_ids = _narrow([index._term_id[w] for w in fields["terms"]])
        event.term_counts = _narrow(list(fields["terms"].values()))
        event.actors = fields["actors"]
        event.quote_codes = array("i", sorted(index._code(q) for q in fields["quotes"]))
        event.day_tally, event.happened_tally, event.count_tally = (
            tuple(x for pair in fields[name].items() for x in pair) for name in ("days", "happened", "counts"))
        event.periods = tuple(fields["periods"])
        event.weekday_bits = sum(1 << d for d in fields["weekdays"])
        event.length, event.length_at = fields["length"], fields["length_at"]
        for value in [*event.actors, *event.days, *event.happened, *event.counts, *event.periods]:
            intern(value)
    one_event = index._statement_event
    top = max((c for c in map(index._code, state["_postings_q"]) if c is not None and c >= 0), default=-1)
    one_event.frombytes(bytes(4 * (top + 1)))
    for key, posting in state["_postings_q"].items():
        code = index._code(key)
        if type(posting) is str and 0 <= code < len(one_event):
            one_event[code] = index.events[posting].number + 1
        else:
            index._postings_q[code] = posting
    return index


def check(old: Any, index: EventIndex) -> int:
    """Every event reads back as it was; returns how many were compared."""
    plain = old.state if hasattr(old, "state") else old.__dict__
    for key, was in plain["events"].items():
        fields = dict(zip(OLD_EVENT_FIELDS, was.state))
        event = index.events[key]
        assert list(event.terms.items()) == list(fields["terms"].items()), key
        assert sorted(event.quotes) == sorted(fields["quotes"]), key
        assert event.weekdays == set(fields["weekdays"]) and list(event.periods) == list(fields["periods"]), key
        for name in ("days", "happened", "counts"):
            assert list(getattr(event, name).items()) == list(fields[name].items()), key
        for quote in fields["quotes"]:
            assert key in index.posting("q", quote) or len(plain["_postings_q"][quote]) > 200, key
    assert index.df == dict(plain["df"])
    return len(plain["events"])


def convert_facts(old: Any) -> LeadFacts:
    whats = ("published", "published at the latest")
    facts = LeadFacts()
    for article_id, packed in old.state["_packed"].items():
        bound, what, reason, weight = json.loads(packed)
        facts.update([(article_id, {"facts": (date.fromordinal(bound) if bound else None, whats[what], reason, weight)})])
        assert facts.get(article_id)["facts"] == (date.fromordinal(bound) if bound else None, whats[what], reason, weight)
    return facts


LOAD = """
import gc, pickle, sys, time
def rss(): return int(open('/proc/self/statm').read().split()[1]) * 4096 / 1e6
{classes}
data = open(sys.argv[1], 'rb').read()
gc.disable()
before, started = rss(), time.process_time()
value = pickle.loads(data)
spent = time.process_time() - started
del data
print(f"{{rss() - before:.1f}} {{spent:.2f}}")
"""


def resident(value: Any, old_src: str | None = None) -> tuple[float, float, float]:
    """MB resident once unpickled in a fresh process, seconds to unpickle, and MB pickled; a value
    of the old layout is read by the old code (`old_src`, its `src` directory)."""
    out_bytes = io.BytesIO()
    (_OldPickler if old_src else pickle.Pickler)(out_bytes, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    blob = out_bytes.getvalue()
    env = dict(os.environ, **({"PYTHONPATH": old_src} if old_src else {}))
    classes = "import dossier.link.events, dossier.link.timeline"
    with tempfile.NamedTemporaryFile(suffix=".pkl") as tmp:
        tmp.write(blob)
        tmp.flush()
        out = subprocess.run([sys.executable, "-c", LOAD.format(classes=classes), tmp.name], capture_output=True,
                             text=True, check=True, env=env).stdout.split()
    return float(out[0]), float(out[1]), len(blob) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--old-src", required=True, help="the `src` of the code that saved the state (git archive of it)")
    args = parser.parse_args()
    started = time.perf_counter()
    old_events, old_facts = read_old(args.store)
    index = convert(old_events)
    facts = convert_facts(old_facts)
    print(f"read and converted in {time.perf_counter() - started:.0f} s; checked {check(old_events, index):,} events, "
          f"{len(facts):,} articles' date facts")
    for name, before, after in (("events part", old_events, index), ("leads' date facts", old_facts, facts)):
        was, now = resident(before, old_src=args.old_src), resident(after)
        print(f"{name}: resident {was[0]:,.0f} -> {now[0]:,.0f} MB; unpickled in {was[1]:.2f} -> {now[1]:.2f} s CPU; "
              f"pickled {was[2]:,.1f} -> {now[2]:,.1f} MB")


if __name__ == "__main__":
    main()
