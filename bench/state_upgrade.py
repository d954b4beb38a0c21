"""Bring a store's saved linking state of version 15 or 16 to this checkout's 17, in place, without relinking.

A relink of 1,000,000 articles takes over two hours here; versions 16 and 17 changed only how an
event holds what it has (16: its actors as a flat tally, its articles and whys as tuples while short, one-key
tallies shared: `link.events.Event`), how arrays are pickled (16: `link.pickling`) and the order
of the state's parts (17: the statements last), not what a link finds. So this reads the old
state's parts in their order with this checkout's classes (an old Event's fields come back in the
same places, a version-15 event's actors' Counter where the tally goes), lays each event out as
this version does, replays the journal as a load does, and saves the state as a full link would. Measure the store
afterwards with bench/state_parts.py and bench/add_latency.py. The store is changed: use a copy
if the old state is still wanted.

    .venv/bin/python bench/state_upgrade.py STORE
"""

from __future__ import annotations

import gc
import io
import pickle
import sys
import time

from dossier.analyze.record import cached_kb, kb_fingerprint
from dossier.link.events import TUPLE_ARTICLES
from dossier.link.linker import STATE_VERSION, Linker, _Inflating, _replay, _stored_chunks, save_state, text_reader
from dossier.store.db import connect

OLD_PARTS = ("quotes", "copies", "events")  # the order versions 15 and 16 pickled the state's parts in


def upgrade_events(index: object) -> int:
    """Lay out each event of a version-15 EventIndex as version 16 does; return how many."""
    intern = index._intern  # type: ignore[attr-defined]
    events = index.events.values()  # type: ignore[attr-defined]
    for event in events:
        counts = event.actor_tally  # a Counter, where version 15 kept `actors`
        if isinstance(counts, dict):
            event.actor_tally = tuple(value for pair in counts.items() for value in pair) if counts else ()
        kind = tuple if len(event.articles) <= TUPLE_ARTICLES else list
        event.articles, event.whys = kind(event.articles), kind(event.whys)
        for name in ("actor_tally", "day_tally", "happened_tally", "count_tally"):
            tally = getattr(event, name)
            if len(tally) == 2 and tally[1] == 1:
                setattr(event, name, intern(tally))
    return len(events)


def main() -> None:
    conn = connect(sys.argv[1], create=False)
    version, kb = conn.execute("SELECT version, kb FROM link_state WHERE id = 1").fetchone()
    if version not in ("15", "16") or STATE_VERSION != "17":
        raise SystemExit(f"this upgrades a state of version 15 or 16 to 17; the store's is {version}, this checkout's "
                         f"{STATE_VERSION}")
    if kb != kb_fingerprint(None):
        raise SystemExit("the state was made with another knowledge base")
    started = time.time()
    gc.disable()
    stream = io.BufferedReader(_Inflating(_stored_chunks(conn)), 1 << 20)
    state = pickle.load(stream)
    for part in OLD_PARTS:
        state[part] = pickle.load(stream)
    linker = Linker.__new__(Linker)
    linker.__setstate__(state)
    del state
    print(f"loaded in {time.time() - started:.1f} s", flush=True)
    print(f"{upgrade_events(linker.events):,} events laid out anew", flush=True)
    linker.attach(cached_kb(None))
    linker.copies.texts = text_reader(conn)
    linker = _replay(conn, linker)
    if linker is None:
        raise SystemExit("an article of the journal was analysed again since: relink the store instead")
    gc.enable()
    started = time.time()
    save_state(conn, linker)
    print(f"saved as version {STATE_VERSION} in {time.time() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
