"""An incremental link with one part of the saved linking state in memory at a time.

Adding articles to a linked store loaded the whole state (`link.linker.load_state`: the
Linker's own attributes and its three parts, statements, copies and events): ~3.9 GiB for one
article added to a store of 1,000,000. But each step of an add reads one part
(`Linker.take` and `add_statements_of` the statements, `add_copies_of` the copies,
`add_event_of` the events), and what a step hands the next is small (an article's statement
keys, the ids of its copies). So here each step runs over all the link's articles with only
its part loaded: statements, then copies, then events, with which the tables are written; the
claims and flags and the save follow with no part loaded. The articles of the journal
(`link_journal`, replayed onto the snapshot as `link.linker._replay` does) go through the
same steps first.

Each part sees the same articles in the same order as when `Linker.add` takes them one by
one, so the tables and the state are those the whole state gives (tests/test_link_adding.py).
A state saved before the parts had frames of their own is read whole, as before.
"""

from __future__ import annotations

import gc
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any

from dossier import fastjson
from dossier.kb import KnowledgeBase
from dossier.link import checkpoint
from dossier.link.corpus import (PROGRESS_EVERY, Laps, Progress, _analysis_keys, added_sizes, derive_added,
                                 link_inputs, stored_places, write_added)
from dossier.link.linker import (Changes, Linker, LinkInput, UnreadableState, drop_part, has_state, journal_has_room,
                                 lead_actors_of, part_places, pickle_part, read_head, read_part, save_journal,
                                 store_parts)

FULL = "full"  # `link_added`: the corpus must be linked anew


@dataclass
class _Taken:
    """What the steps of one article's add hand each other (`Linker.add`'s locals)."""

    changes: Changes
    lead_actors: set[str]
    statements: list[str | None] = field(default_factory=list)
    linked: set[str] = field(default_factory=set)


@dataclass
class _Plan:
    """The articles of an incremental link, as every step reads them."""

    journal: list[tuple]  # link_journal's rows, in order (article_id None: a batch's end)
    new: list[str]  # the articles analysed since the state was saved and not yet linked


def link_added(conn: sqlite3.Connection, kb: KnowledgeBase, fingerprint: str, logged: int, laps: Laps,
               progress: Progress, counts: bool) -> dict[str, Any] | str | None:
    """`link.corpus._link` for a saved state, a part at a time: the sizes it returns; FULL when
    the corpus must be linked anew (no state to add to, or an article linked before was changed
    or removed); None when the state was saved whole, before its parts had frames of their own
    (the caller reads it whole)."""
    linker = read_head(conn, kb, fingerprint)
    if linker is None:  # no state of this version and knowledge base, or one saved whole (`part_places`)
        return None if part_places(conn) is None and has_state(conn, fingerprint) else FULL
    laps("state")
    journal = conn.execute("SELECT article_id, key, title, published, outlets, max_source FROM link_journal "
                           "ORDER BY seq").fetchall()
    journaled = [r[0] for r in journal if r[0] is not None]
    current = _analysis_keys(conn, journaled)
    if any(current.get(article_id) != key for article_id, key, *_ in journal if article_id is not None):
        return FULL  # a journal's article analysed again since: the replay cannot give its links
    # the articles linked once the journal is replayed (`Linker.take` skips one linked before)
    replayed: dict[str, str] = {}
    for article_id, key, *_ in journal:
        if article_id is not None and article_id not in linker.linked:
            replayed.setdefault(article_id, key)
    resourced_since_snapshot: list[str] = []
    if journal:  # (as `_replay`: what the leads of articles with new sources say is read again)
        resourced_since_snapshot = [r[0] for r in conn.execute(
            "SELECT DISTINCT article_id FROM sources WHERE rowid > ?", (linker.max_source_rowid,))]
        for article_id in resourced_since_snapshot:
            linker.dated.pop(article_id, None)
    since = [r[0] for r in conn.execute("SELECT DISTINCT article_id FROM analysis_log WHERE seq > ?",
                                        (linker.analysis_seq,))]
    keys = _analysis_keys(conn, since)

    def linked_key(article_id: str) -> str | None:
        return linker.linked.get(article_id) or replayed.get(article_id)

    if any(linked_key(a) is not None and keys.get(a) != linked_key(a) for a in since):
        return FULL  # an article's text or analysis changed, or it is gone: its old links cannot be undone
    new = [a for a in since if a in keys and linked_key(a) is None]
    linker.analysis_seq = logged
    max_source = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM sources").fetchone()[0]
    max_source_replayed = journal[-1][5] if journal else linker.max_source_rowid
    if new or max_source != max_source_replayed:
        try:
            _link_in_parts(conn, kb, linker, _Plan(journal, new), resourced_since_snapshot, max_source, laps, progress)
        except UnreadableState:  # (read before anything is written)
            return FULL
    progress("", 0, 0)
    return added_sizes(conn, counts, len(new), laps)


def _link_in_parts(conn: sqlite3.Connection, kb: KnowledgeBase, linker: Linker, plan: _Plan,
                   resourced_since_snapshot: list[str], max_source: int, laps: Laps, progress: Progress) -> None:
    """The journal's and the new articles through the add's steps, a part loaded for each; the
    tables written, the claims and flags redone, the state saved (the journal appended, or a
    snapshot made of each part as its step ends)."""
    taken: list[_Taken | None] = []  # by the article's place in `_articles`
    total = Changes()  # what the new articles changed, in their order (`Changes.update`)
    parts: dict[str, IO[bytes]] = {}  # a snapshot's parts, pickled as their steps end
    added = 0
    try:
        # statements (and actors, and which articles are new to the state)
        progress("linking articles: statements", 0, len(plan.new))
        read_part(conn, linker, "quotes")
        gc.freeze()  # millions of objects, none garbage: the collector's full passes need not rescan them
        for n, (item, _) in enumerate(_articles(conn, plan, records=True)):
            if item is None:
                taken.append(None)
                continue
            changes = Changes(articles={item.id})
            if not linker.take(item, changes):
                taken.append(None)
                continue
            step = _Taken(changes, lead_actors_of(item.record))
            # (no statement merged per article: a journal's rows are written, and what the new articles
            # touched is merged once, below)
            step.statements = linker.add_statements_of(item, changes, records=False)
            taken.append(step)
            if n >= len(plan.journal):  # a new article: its retired statements and touched wordings, in order
                added += 1
                total.update(changes)
            changes.retired_quotes, changes.touched = set(), set()
            _tell(progress, "linking articles: statements", n, plan)
        linker.merge_statements(total, partial(stored_places, conn))
        snapshot = not journal_has_room(conn, linker, added)
        _let_go(conn, linker, "quotes", parts if snapshot else None)
        laps("statements")
        # copies
        progress("linking articles: copies", 0, len(plan.new))
        read_part(conn, linker, "copies")
        gc.freeze()
        for n, (item, _) in enumerate(_articles(conn, plan, records=False)):
            if (step := taken[n]) is not None:
                step.linked = linker.add_copies_of(item, step.changes)  # type: ignore[arg-type]
                _tell(progress, "linking articles: copies", n, plan)
        _let_go(conn, linker, "copies", parts if snapshot else None)
        laps("copies")
        # events, then the tables
        progress("linking articles: events", 0, len(plan.new))
        read_part(conn, linker, "events")
        gc.freeze()
        for article_id in resourced_since_snapshot:  # (as `_replay`: their events' dates are tallied again)
            if article_id in linker.events.event_of:
                linker.tallies.pop(linker.events.event_of[article_id], None)
        batch: set[str] = set()  # a journal batch's events, whose stories were joined at its end
        for n, (item, after) in enumerate(_articles(conn, plan, records=False)):
            step = taken[n]
            if step is not None:
                linker.add_event_of(item, step.changes, step.statements, step.linked, step.lead_actors)  # type: ignore[arg-type]
                _tell(progress, "linking articles: events", n, plan)
            if n >= len(plan.journal):
                if step is not None:
                    total.update(step.changes)  # (its copies and events; its statements were taken above)
                continue
            if item is None:
                linker.join_stories(batch)
                batch = set()
            elif step is not None:
                batch |= step.changes.events
            linker.max_source_rowid = after
        laps("events")
        progress("writing", 0, 0)
        resourced = write_added(conn, linker, total, max_source)
        _let_go(conn, linker, "events", parts if snapshot else None)
        laps("write")
        derive_added(conn, kb, total, resourced, progress)
        laps("claims and flags")
        progress("saving the linking state", 0, 0)
        if snapshot:
            store_parts(conn, linker, parts)
        else:
            save_journal(conn, linker, link_inputs(conn, plan.new, records=False))  # (titles, dates, outlets)
        laps("save state")
        path = conn.execute("PRAGMA database_list").fetchone()[2]
        if path:  # a full link stopped before (a --relink) left its checkpoints: this state is newer
            checkpoint.clear(path)
    finally:
        gc.unfreeze()
        for file in parts.values():
            file.close()


def _let_go(conn: sqlite3.Connection, linker: Linker, part: str, parts: dict[str, IO[bytes]] | None) -> None:
    """A step's part dropped once the step is done; pickled first into `parts` for a snapshot."""
    gc.unfreeze()
    if parts is not None:
        parts[part] = tempfile.TemporaryFile()
        pickle_part(linker, part, parts[part])
    drop_part(linker, part)


def _articles(conn: sqlite3.Connection, plan: _Plan, records: bool,
              chunk: int = 500) -> Iterator[tuple[LinkInput | None, int | None]]:
    """The journal's rows (an article as it was linked, or None for a batch's end, with the
    linker's max_source_rowid after it), then the new articles (with None), in the same order
    for every step; read a chunk at a time, with their analysis records when `records`."""
    for start in range(0, len(plan.journal), chunk):
        rows = plan.journal[start:start + chunk]
        ids = [r[0] for r in rows if r[0] is not None]
        stored = {r[0]: r[1:] for r in conn.execute(
            f"SELECT a.id, a.text, {'an.record' if records else 'NULL'} FROM articles a JOIN analyses an ON an.article_id = a.id "
            f"WHERE a.id IN ({','.join('?' * len(ids))})", ids)} if ids else {}
        for article_id, key, title, published, outlets, max_source in rows:
            if article_id is None:
                yield None, max_source
                continue
            text, record = stored[article_id]
            yield (LinkInput(article_id, text, title, published, fastjson.loads(outlets),
                             fastjson.loads(record) if records else {}, key), max_source)
    for item in link_inputs(conn, plan.new, records=records):
        yield item, None


def _tell(progress: Progress, step: str, n: int, plan: _Plan) -> None:
    """Every PROGRESS_EVERY new articles through a step, and its last (`n`: its place in `_articles`)."""
    done = n + 1 - len(plan.journal)
    if done > 0 and (done % PROGRESS_EVERY == 0 or done == len(plan.new)):
        progress(step, done, len(plan.new))
