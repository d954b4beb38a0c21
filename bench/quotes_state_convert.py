"""The statements part of a store's saved linking state, in memory, as saved and as this checkout keeps it.

A relink of 100,000 articles takes ~10 minutes of both cores on an idle machine (much more on a
shared one); the statements a full link leaves are the same in any version (`bench/link_compare.py`),
so this takes them from a state another version saved and lays them out as this checkout does:

    # 1. with the version that saved the state: its QuoteIndex, measured, and its contents as plain data
    PYTHONPATH=OLD/src .venv/bin/python bench/quotes_state_convert.py save STORE /tmp/x/plain.pickle
    # 2. with this checkout: the same contents in a QuoteIndex of this version, measured
    .venv/bin/python bench/quotes_state_convert.py load /tmp/x/plain.pickle

Step 2 adds each occurrence's row with `QuoteIndex._store` (its text and record as the old index
gives them back), and copies the rest (wordings, statements, postings as far as this version keeps
them, ids); it does not compare wordings again. Each step prints the bytes of each attribute (a
`sys.getsizeof` walk), the pickled size, and the resident growth of unpickling it in a child process
with the collector off (as `link.linker.load_state`). The store is opened read-only.

With `--matches N`, each step also times `QuoteIndex._matches` (a wording compared with its
candidates: most of an add's CPU) on N of the last 8 * N wordings (every eighth), the least of
three passes, in CPU microseconds a wording: the reads of candidates scattered through a large
index, which a small one does not show.
"""

from __future__ import annotations

import array
import gc
import io
import pickle
import sqlite3
import sys
import time

from quotes_memory import measure  # bench/quotes_memory.py


def time_matches(index: object, count: int) -> None:
    """CPU microseconds of `_matches` a wording, the least of three passes over every eighth of the last 8 * count."""
    if not count:
        return
    wordings = len(index.wordings)  # type: ignore[attr-defined]
    sample = range(max(0, wordings - 8 * count), wordings, 8)
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for i in sample:
            index._matches(i)  # type: ignore[attr-defined]
        best = min(best, time.process_time() - started)
    print(f"_matches: {best / len(sample) * 1e6:.1f} us CPU a wording ({len(sample):,} of the last wordings, least of 3 passes)")


def save(store: str, out: str, matches: int = 0) -> None:
    from dossier.link.linker import _Inflating, _stored_chunks
    from dossier.link.quotes import _Stored

    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    print("state version", conn.execute("SELECT version FROM link_state").fetchone()[0])
    gc.disable()
    stream = io.BufferedReader(_Inflating(_stored_chunks(conn)), 1 << 20)
    pickle.load(stream)  # the Linker's own attributes
    index = pickle.load(stream)  # PARTS[0]: the statements
    del stream
    gc.enable()
    print(f"{len(index.wordings):,} wordings, {len(index._occ_article):,} occurrences")
    measure(index, smallest=1e6)
    gc.disable()
    time_matches(index, matches)
    gc.enable()
    wording_of = array.array("I", bytes(4 * len(index._occ_article)))
    for i in range(len(index.wordings)):
        n = index._first[i]
        while True:
            wording_of[n] = i
            n = index._occ_next[n]
            if not n:
                break
    rows = []
    for n in range(len(index._occ_article)):
        o = _Stored(index, n, index.wordings[wording_of[n]])
        rows.append((o.article, o.published, o.text, wording_of[n], o.record))
    plain = {"wordings": index.wordings, "postings": {w: a.tolist() for w, a in index.postings.items()},
             "parent": index.groups.parent.tolist(), "members": {r: list(m) for r, m in index.members.items()},
             "first": index._first.tolist(), "last": index._last.tolist(), "quote_ids": index._quote_ids.tolist(),
             "more_reps": {i: list(r) for i, r in index._more_reps.items()}, "next": index._occ_next.tolist(), "rows": rows}
    with open(out, "wb") as f:
        pickle.dump(plain, f, protocol=pickle.HIGHEST_PROTOCOL)
    print(f"plain contents written to {out}")


def load(path: str, matches: int = 0) -> None:
    from dossier.link import quotes

    with open(path, "rb") as f:
        plain = pickle.load(f)
    started = time.process_time()
    index = quotes.QuoteIndex({})
    index.wordings = quotes._Wordings(plain["wordings"])
    index._table = quotes._slots(index.wordings, quotes._table_size(len(index.wordings)))
    index.postings = {w: array.array("I", entries[:quotes.MAX_POSTINGS + 1]) for w, entries in plain["postings"].items()}
    index.groups.parent = array.array("I", plain["parent"])
    index.members = {r: array.array("I", m) for r, m in plain["members"].items()}
    index._first, index._last = array.array("I", plain["first"]), array.array("I", plain["last"])
    index._quote_ids = array.array("Q", plain["quote_ids"])
    index._more_reps = plain["more_reps"]
    for article, published, text, i, record in plain.pop("rows"):
        index._store(quotes.Occurrence(article, published, text, index.wordings[i], record, record.get("speaker")))
    index._occ_next = array.array("I", plain["next"])
    print(f"{len(index.wordings):,} wordings, {len(index._occ_article):,} occurrences (laid out in "
          f"{time.process_time() - started:.1f} s CPU)")
    measure(index, smallest=1e6)
    gc.disable()
    time_matches(index, matches)


if __name__ == "__main__":
    args = sys.argv[1:]
    count = 0
    if "--matches" in args:
        at = args.index("--matches")
        count = int(args[at + 1])
        del args[at:at + 2]
    if args[0] == "save":
        save(args[1], args[2], count)
    else:
        load(args[1], count)
