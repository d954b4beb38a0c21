"""Claim features made ahead, on a core the link leaves idle.

A first full link's claims and flags compute every article's claim features
(`link.claims.article_features`: what claim matching reads of each claim's sentence), about half
of the claim groups' time. They are a pure function of the article's text and analysis, so they
need not wait for the link. But on two cores the link keeps both busy, except in its single-core
stretch (stories, the tables' write, the statements' merge and write: ~8 s at 20,000 articles,
~42 s at 100,000). So a full link starts this process with the link, waiting; the linking process
lets it begin once its linker step is done (`begin`), and it runs at the lowest priority (niceness
19), so that it takes the core the link leaves idle and little else. (Begun with the link, it
slowed the linker step's three processes by more than it saved: 41.2 s at 20,000, against 36.7–37.4 s
in runs of the same hour without it.) It
writes the features it makes into a file; when the link is done, `FeaturesAhead.store` stops it
and keeps what it made in `claim_features`, where claims and flags find them as a relink does.
What it did not reach, claims and flags compute as before: the result is the same either way.
"""

from __future__ import annotations

import os
import sqlite3
from multiprocessing import get_context
from typing import Any

from dossier import fastjson
from dossier.link import scratch
from dossier.link.derived import _keyset, claim_inputs
from dossier.link.pool import die_with_parent
from dossier.store.db import connect, immediate

NICENESS = 19  # the lowest priority: the CPU no other process wants
CHUNK = 500  # articles between looks at the stop signal (~0.15 s of work at most)
STOP_WAIT = 30.0  # seconds to wait for the process to finish its chunk once told to stop
# a page of the articles without features for their analysis, after the last one seen (`derived._keyset`:
# at 1,000,000 articles a list of every id would be ~70 MB beside the link's peak)
MISSING = ("SELECT an.article_id FROM analyses an LEFT JOIN claim_features f "
           "ON f.article_id = an.article_id AND f.key = an.key WHERE f.article_id IS NULL AND an.article_id > ? "
           "ORDER BY an.article_id LIMIT ?")


def _make(path: str, out_path: str, go: Any, stop: Any, parent: int) -> None:
    """The process: once told to go, the features of every analysed article that has none for its
    analysis, a line of JSON ([[article id, key, features], ...]) per chunk, until done or told to stop."""
    die_with_parent(parent)
    os.nice(NICENESS)
    while not go.wait(1.0):
        if stop.is_set():
            return
    conn = connect(path, create=False)
    try:
        with open(out_path, "w", encoding="utf-8") as out:
            for chunk in _keyset(conn, MISSING, CHUNK):
                if stop.is_set():
                    return
                made: dict[str, tuple[str, Any]] = {}
                claim_inputs(conn, chunk, made)
                # each row as `claim_features` keeps it (the features as JSON, as claims and flags write them)
                out.write(fastjson.dumps([[a, key, fastjson.dumps(f)] for a, (key, f) in sorted(made.items())]) + "\n")
                out.flush()
    finally:
        conn.close()


class FeaturesAhead:
    """The process making claim features beside a full link: started with the link, waiting; let
    begin once the linker step is done (`begin`); stopped, and what it made kept, before claims and
    flags (`store`)."""

    def __init__(self, path: str) -> None:
        context = get_context("fork")
        self.folder = scratch.make()
        self.path = os.path.join(self.folder, "claim-features.jsonl")
        self._go, self._stop = context.Event(), context.Event()
        self._process = context.Process(target=_make, args=(path, self.path, self._go, self._stop, os.getpid()),
                                        daemon=True)
        self._process.start()

    def begin(self) -> None:
        """Let it make features (from any process forked after it was made: the linking process)."""
        self._go.set()

    def store(self, conn: sqlite3.Connection) -> int:
        """Stop the process, keep the features it wrote (each line is a whole chunk; a line cut short by
        a process that did not stop in time is left out) and return how many articles they cover."""
        self._stop.set()
        self._process.join(STOP_WAIT)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        kept = 0
        try:
            # a chunk at a time: at 1,000,000 articles the whole file as rows would be hundreds of MB in the
            # build's process, whose heap the claims and flags workers are forked from
            with open(self.path, encoding="utf-8") as made, immediate(conn):
                for line in made:
                    if line.endswith("\n"):
                        rows = fastjson.loads(line)
                        conn.executemany("INSERT OR REPLACE INTO claim_features (article_id, key, features) "
                                         "VALUES (?, ?, ?)", rows)
                        kept += len(rows)
        except FileNotFoundError:  # it ended before it began (an unreadable store: the link says why)
            pass
        finally:
            self.close()
        return kept

    def close(self) -> None:
        """End the process (if it runs) and remove its folder; called again, it does nothing more."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        scratch.remove(self.folder)
