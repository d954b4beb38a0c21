"""The linking stage of a build: from per-article analysis records to corpus-level tables.

`link` feeds the articles' analysis records to a `Linker` (link/linker.py: actors,
statements, copies, events), then derives claims and flags. A full link replaces the
tables in one transaction; an incremental one (a saved state that matches the store)
rewrites, in one transaction, only the rows its new articles changed. Either way the
store always holds one whole, consistent linking.
"""

from __future__ import annotations

import gc
import itertools
import os
import re
import signal
import sqlite3
import tempfile
import time
from contextlib import contextmanager, nullcontext
from functools import partial
from typing import Any, Callable

from collections.abc import Iterable, Iterator

from dossier import fastjson
from dossier.analyze.record import cached_kb, kb_fingerprint
from dossier.link import checkpoint, scratch
from dossier.link.checkpoint import Checkpoints
from dossier.link.copy_stage import MIN_ARTICLES, CopyStage, children
from dossier.link.events import Event
from dossier.link.features_ahead import FeaturesAhead
from dossier.link.pool import ForkPool, ProcessFailed, can_fork, default_workers, give_back_freed_memory
from dossier.link.timeline import DateTally, article_facts, event_date, lead_dates
from dossier.link.linker import (STATE_VERSION, Changes, Linker, LinkInput, PickledState, SpooledIndex, StoryRows, day_of,
                                 event_seq, load_state, save_pickled_state, save_state, text_reader)
from dossier.link.quotes import MergedQuote
from dossier.store.corpus import PRIMARY_ORDER
from dossier.store.db import bulk_cache, rollback
from dossier.store.marks import read_mark


# A full link moves the linker's state out of the collector's sight every this many articles: its
# full passes rescanned the growing state (~15 % of the linker's CPU at 10,000 articles).
FREEZE_EVERY = 500
# What a link tells of its steps as it goes (a build's progress bar): (step, done, total), with total 0 for a
# step that is not counted; ("", 0, 0) once the process that told them has no more (a forked linking process).
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 1000  # articles linked between two reports


def _silent(step: str, done: int, total: int) -> None:
    pass


DATED = ("certain", "likely")  # event_date's certainties when the members' leads give the day


def occurrence_export(record: dict[str, Any]) -> dict[str, Any]:
    """One occurrence in export shape (DESIGN.md's fields first, then ours)."""
    speaker_name = record.get("speaker_resolved") or record.get("speaker_name")
    out = {
        "article": record["article"], "start": record["start"], "end": record["end"],
        "speaker_name": speaker_name, "speaker_start": record.get("speaker_start"), "speaker_end": record.get("speaker_end"),
        "cue": record.get("cue"), "cue_start": record.get("cue_start"), "cue_end": record.get("cue_end"),
        "kind": record["kind"], "via": record.get("via"),
        # extensions
        "speaker": record.get("speaker"), "speaker_given": record.get("speaker_name"), "text": record["text"],
    }
    if "changes" in record:
        out["changes"] = record["changes"]
    return out


def link(conn: sqlite3.Connection, kb_file: str | None = None, full: bool = False, resident: bool = False,
         counts: bool = True, progress: Progress | None = None) -> dict[str, Any]:
    """Bring the corpus-level tables up to date with the analysis records; return their sizes (`_link`).
    A process of the link that fails or is killed is LinkFailed, which says what it means."""
    try:
        return _link(conn, kb_file, full, resident, counts, progress)
    except ProcessFailed as error:
        scratch.sweep()  # a linking process that was killed left its copy stage's files
        path = conn.execute("PRAGMA database_list").fetchone()[2]
        raise LinkFailed(path or "an in-memory store", str(error)) from error


def _link(conn: sqlite3.Connection, kb_file: str | None, full: bool, resident: bool, counts: bool,
          progress: Progress | None) -> dict[str, Any]:
    """Bring the corpus-level tables up to date with the analysis records; return their sizes.

    With a saved linking state that matches the store, only the articles added since are
    linked (their rows rewritten, nothing else); otherwise, or with `full`, the corpus is
    linked anew (see `link.linker`). With `resident`, the state this process saved last is
    kept in memory and used again while the store still holds it (a server's posts). Without
    `counts`, an incremental link does not count the tables' rows (a scan of each: 0.4 s at
    100,000 articles), and says only what it linked. `progress` is told of each step as it goes
    (`Progress`)."""
    progress = progress or _silent
    laps = Laps()
    kb = cached_kb(kb_file)
    fingerprint = kb_fingerprint(kb_file)
    logged = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM analysis_log").fetchone()[0]
    if not full and not resident:  # a part of the saved state at a time (a server keeps it whole in memory)
        from dossier.link.adding import FULL, link_added  # (it builds on this module's steps)

        added = link_added(conn, kb, fingerprint, logged, laps, progress, counts)
        if isinstance(added, dict):
            return added
        full = added == FULL
    linker = None if full else (resident and _resident_state(conn, fingerprint)) or load_state(conn, kb, fingerprint)
    laps("state")
    new: list[str] = []
    if linker is not None:
        # the analyses added, redone or removed since the state was saved (schema 11's log), not every analysis
        since = [r[0] for r in conn.execute("SELECT DISTINCT article_id FROM analysis_log WHERE seq > ?",
                                            (linker.analysis_seq,))]
        current = _analysis_keys(conn, since)
        if any(a in linker.linked and current.get(a) != linker.linked[a] for a in since):
            linker = None  # an article's text or analysis changed, or it is gone: its old links cannot be undone
        else:
            new = [a for a in since if a in current and a not in linker.linked]
    if linker is None:
        sizes = _link_full(conn, kb, fingerprint, resident, analysis_seq=logged, progress=progress)
        sizes["linked_new"] = sizes["articles"]
        sizes["seconds"] = {**laps.seconds, **sizes["seconds"]}
        return sizes
    linker.analysis_seq = logged
    max_source = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM sources").fetchone()[0]
    if new or max_source != linker.max_source_rowid:
        # The loaded state's millions of objects are not garbage: while they are frozen, the
        # collector's full passes do not rescan them (stalls of ~0.5 s in an add at 10,000 articles).
        gc.freeze()
        try:
            changes, added = Changes(), []
            progress("linking articles", 0, len(new))
            for n, item in enumerate(link_inputs(conn, new), 1):
                changes.update(linker.add(item, records=False))  # (the statements merged once, below)
                added.append(item)
                if n % PROGRESS_EVERY == 0:
                    progress("linking articles", n, len(new))
            linker.merge_statements(changes, partial(stored_places, conn))
            laps("linker")
            progress("writing", 0, 0)
            resourced = write_added(conn, linker, changes, max_source)
            laps("write")
            derive_added(conn, kb, changes, resourced, progress)
            laps("claims and flags")
            progress("saving the linking state", 0, 0)
            save_state(conn, linker, added)
            laps("save state")
            path = conn.execute("PRAGMA database_list").fetchone()[2]
            if path:  # a full link stopped before (a --relink) left its checkpoints: this state is newer
                checkpoint.clear(path)
        finally:
            gc.unfreeze()
    progress("", 0, 0)
    if resident:
        _keep_resident(conn, fingerprint, linker)
    return added_sizes(conn, counts, len(new), laps)


def write_added(conn: sqlite3.Connection, linker: Linker, changes: Changes, max_source: int) -> set[str]:
    """The rows an incremental link changed written (`apply_changes`), the linker then up to date with the
    sources; returned: the articles with sources added since it last was (their claims and flags are redone)."""
    resourced = {r[0] for r in conn.execute("SELECT DISTINCT article_id FROM sources WHERE rowid > ?",
                                            (linker.max_source_rowid,))}
    apply_changes(conn, linker, changes)
    linker.max_source_rowid = max_source
    return resourced


def derive_added(conn: sqlite3.Connection, kb: Any, changes: Changes, resourced: set[str], progress: Progress) -> None:
    """The claims and flags of what an incremental link changed (`write_added`'s `resourced` too)."""
    touched = {"articles": changes.articles | changes.copies | resourced, "events": set(changes.events),
               "quotes": set(changes.quotes) | changes.retired_quotes}
    if changes.kept_quotes is not None:
        touched["kept"] = changes.kept_quotes
        touched["brought"] = changes.brought  # type: ignore[assignment]
    claims_and_flags(conn, kb, touched, progress=progress)


def added_sizes(conn: sqlite3.Connection, counts: bool, linked_new: int, laps: Laps) -> dict[str, Any]:
    """What an incremental link returns: the tables' sizes (unless not `counts`), how many articles it
    linked and the seconds of its steps."""
    sizes: dict[str, Any] = table_sizes(conn) if counts else {}
    laps("sizes")
    sizes["linked_new"] = linked_new
    sizes["seconds"] = laps.seconds
    return sizes


class Laps:
    """Seconds of each step of a link, as the steps end (reported with the table sizes)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._clock = time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.seconds[step] = round(self.seconds.get(step, 0.0) + now - self._clock, 3)
        self._clock = now

    def restart(self) -> None:
        """Count the next step from now (after steps timed elsewhere)."""
        self._clock = time.perf_counter()


# The last linking state this process saved (when asked: `link(resident=True)`), kept in memory
# with the identity of what it saved, so a long-running process (`dossier serve` linking posted
# articles) does not load the state again for each post (seconds at 10,000 articles). Any other
# writer of the state changes the identity, and the state is then loaded from the store as
# usual. One store at a time; a one-shot `dossier build` does not keep it.
_RESIDENT: dict[str, Any] = {}


def _state_identity(conn: sqlite3.Connection, fingerprint: str) -> tuple:
    """What the store's saved state is: its snapshot (the token each save draws, a mark: reading
    the snapshot's bytes took 40 ms at 10,000 articles, 130 ms at 100,000) and its journal."""
    snapshot = conn.execute("SELECT version, kb FROM link_state WHERE id = 1").fetchone()
    token = (read_mark(conn, "linking state") or {}).get("token")
    journal = conn.execute("SELECT COUNT(*), MAX(seq) FROM link_journal").fetchone()
    database = conn.execute("PRAGMA database_list").fetchone()[2]
    return (database, fingerprint, (*snapshot, token) if snapshot else None, tuple(journal))


def _resident_state(conn: sqlite3.Connection, fingerprint: str) -> Linker | None:
    """The state this process saved last, when the store still holds exactly that state.
    Taken out of the cache while it is used, so a failed link never leaves a half-changed one."""
    resident = _RESIDENT.pop("state", None)
    identity = _state_identity(conn, fingerprint)
    if resident is None or resident[0] != identity or identity[2] is None or identity[2][:2] != (STATE_VERSION, fingerprint):
        return None
    resident[1].copies.texts = text_reader(conn)  # this call's connection: the one it was saved with may be closed
    return resident[1]


def _keep_resident(conn: sqlite3.Connection, fingerprint: str, linker: Linker) -> None:
    if conn.execute("PRAGMA database_list").fetchone()[2]:  # not an in-memory database
        _RESIDENT["state"] = (_state_identity(conn, fingerprint), linker)


def _analysis_keys(conn: sqlite3.Connection, ids: list[str], chunk: int = 500) -> dict[str, str]:
    """The analysis key of each of these articles that has one."""
    keys: dict[str, str] = {}
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        keys.update(conn.execute(f"SELECT article_id, key FROM analyses WHERE article_id IN ({','.join('?' * len(part))})",
                                 part).fetchall())
    return keys


class LinkFailed(RuntimeError):
    """A full link's process failed or was killed. What was stored before is intact: the articles the
    build read and the tables and state of the last whole link. `detail` is what the process said
    (a traceback, or its exit code); the message says what it means and what to do."""

    def __init__(self, store_path: str, detail: str) -> None:
        self.detail = detail
        super().__init__(f"the link of {store_path} failed: {_failure_reason(detail)}. The articles read are "
                         f"stored; the same build again links them{_resumes(store_path)}.")


def _failure_reason(detail: str) -> str:
    """What a linking process's failure (`ForkPool`'s words: a traceback, or an exit code) means to a user."""
    killed = re.search(r"ended without its result \(exit code (-?\d+)\)", detail)
    if any(full in detail for full in ("No space left on device", "Disk quota exceeded", "database or disk is full")):
        return (f"a disk is full. A link writes its temporary files (~1 KB an article) into {tempfile.gettempdir()} "
                f"(set TMPDIR to a folder with more room) and its checkpoints and tables beside the store")
    if "MemoryError" in detail or (killed and int(killed.group(1)) == -signal.SIGKILL):
        return ("its process was killed (signal 9), most often by the system when memory runs out: "
                "a full link of 1,000,000 articles needs about 4 GB")
    if killed:
        return f"its process ended (exit code {killed.group(1)})"
    last = [line.strip() for line in detail.strip().splitlines() if line.strip()]
    return last[-1] if last else "no reason given"


def _resumes(store_path: str) -> str:
    linked = checkpoint.last_whole(store_path)
    return f" (from its checkpoint after {linked:,} articles, if the store is unchanged)" if linked else ""


def _link_full(conn: sqlite3.Connection, kb: Any, fingerprint: str, resident: bool = False,
               copy_process: bool | None = None, analysis_seq: int | None = None,
               progress: Progress = _silent) -> dict[str, Any]:
    """Link every article anew. The copy stage runs in a second process (`link.copy_stage`) for a
    large store of a file on a machine with more than one core, or when `copy_process` says so.
    The sizes returned carry the seconds of each step (`seconds`).

    Unless `resident`, the linking steps pickle the state into a temporary file (PickledState)
    and drop it before claims and flags fork their workers; the state is stored at the end, so a
    link that fails in between keeps the old one. For a store in a file those steps run in a
    forked process that exits once done (`_linking_process`): the memory the state took is then
    the system's again. Freed in this process, it stayed in a fragmented heap (at 200,000
    articles, ~590 MB resident after the state was dropped), shared by the workers forked from it."""
    if analysis_seq is None:
        analysis_seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM analysis_log").fetchone()[0]
    if resident:  # a server keeps the state in memory anyway
        return _link_resident(conn, kb, fingerprint, copy_process, analysis_seq, progress)
    laps = Laps()
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    pickled = PickledState(fingerprint, analysis_seq)
    ahead = None
    try:
        if path and can_fork() and _with_copy_stage(conn, copy_process):
            ahead = FeaturesAhead(path)  # claim features made on the core the link leaves idle
        work = partial(_linking_process, kb, fingerprint, copy_process, analysis_seq, pickled, progress,
                       ahead.begin if ahead is not None else None)
        if path and can_fork():
            # what this process freed (a build's shard stage: 214 -> 170 MB resident at 100,000 articles) is given
            # back before the fork: the linking process would inherit those pages, and its allocations into them
            # would be copies beside this process's
            give_back_freed_memory()
            with ForkPool(path, work, 1, "link", daemon=False) as pool:
                (_, (seconds, cpu, pickled.parts)), = pool.map([None])  # (the parts' places: written there)
        else:  # an in-memory store, or no fork here: the steps in this process
            seconds, cpu, _ = work(conn, None)
            give_back_freed_memory()  # the state was freed when they returned
        laps.seconds.update(seconds)
        laps.restart()
        if ahead is not None:  # before claims and flags, which then find them kept
            cpu = {**cpu, "features_ahead": ahead.store(conn)}  # (how many articles' features it made)
        claims_and_flags(conn, kb, progress=progress)
        laps("claims and flags")
        progress("saving the linking state", 0, 0)
        save_pickled_state(conn, pickled)
        laps("save state")
        if path:
            checkpoint.clear(path)  # the link is stored: its checkpoints are of no more use
    finally:
        if ahead is not None:
            ahead.close()
        pickled.close()
        progress("", 0, 0)
    return {**table_sizes(conn), "seconds": laps.seconds, "cpu": cpu}


def _link_resident(conn: sqlite3.Connection, kb: Any, fingerprint: str, copy_process: bool | None,
                   analysis_seq: int, progress: Progress = _silent) -> dict[str, Any]:
    """`_link_full` for a server: the state stays in this process and is kept resident."""
    laps = Laps()
    linker, stage, cpu = _link_steps(conn, kb, fingerprint, copy_process, analysis_seq, laps, progress=progress)
    try:
        if isinstance(linker.copies, SpooledIndex):
            linker.copies = linker.copies.load()
            linker.copies.texts = text_reader(conn)
        claims_and_flags(conn, kb, progress=progress)
        laps("claims and flags")
        progress("saving the linking state", 0, 0)
        save_state(conn, linker)
        laps("save state")
        path = conn.execute("PRAGMA database_list").fetchone()[2]
        if path:
            checkpoint.clear(path)
        _keep_resident(conn, fingerprint, linker)
    finally:
        gc.unfreeze()  # the linker's state stays frozen until here: every step above keeps it
        if stage:
            stage.close()
    return {**table_sizes(conn), "seconds": laps.seconds, "cpu": _cpu(cpu, stage)}


def _with_copy_stage(conn: sqlite3.Connection, copy_process: bool | None, articles: int | None = None) -> bool:
    """Whether a full link runs the copy stage: as `copy_process` says, else for a store of
    MIN_ARTICLES analysed articles or more on a machine with more than one core."""
    if copy_process is not None:
        return copy_process
    if articles is None:
        articles = conn.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
    return articles >= MIN_ARTICLES and (os.cpu_count() or 1) > 1


def _linking_process(kb: Any, fingerprint: str, copy_process: bool | None, analysis_seq: int,
                     pickled: PickledState, progress: Progress, linked: Callable[[], None] | None,
                     conn: sqlite3.Connection, _: Any) -> tuple[dict[str, float], dict[str, Any], list[int]]:
    """The linking steps of `_link_full`, in its forked process (or in this one): link, write the
    tables, pickle the state into `pickled`'s file; return the seconds of each step, the
    linker's CPU and where the state's parts begin in the file. The state is dropped on return."""
    laps = Laps()
    try:
        _, stage, cpu = _link_steps(conn, kb, fingerprint, copy_process, analysis_seq, laps, pickled, progress, linked)
    finally:
        progress("", 0, 0)  # (in a forked process: what it showed goes with it)
    gc.unfreeze()  # frozen while the steps ran: the collector need not rescan it
    if stage:
        stage.close()
    return laps.seconds, _cpu(cpu, stage), pickled.parts


def _link_steps(conn: sqlite3.Connection, kb: Any, fingerprint: str, copy_process: bool | None, analysis_seq: int,
                laps: Laps, pickled: PickledState | None = None, progress: Progress = _silent,
                linked: Callable[[], None] | None = None) -> tuple[Linker | None, CopyStage | None, float]:
    """Link every article, date the events, regroup the stories and write every corpus-level
    table. Returns the linker (its state frozen for the collector), the copy stage, still open
    (its children's indexes are files it removes when closed), and the linker's CPU seconds.

    With `pickled`, the state is pickled into it instead and None is returned for the linker: all
    but the statements once the other tables are written, then dropped before the statements are
    loaded to be written, then the statements (at 1,000,000 articles the rest of the state is
    ~2 GB, the statements ~1.6 GB)."""
    linker = Linker(kb, fingerprint)
    linker.copies.texts = text_reader(conn)
    linker.analysis_seq = analysis_seq  # read before the analyses: whatever is logged after is linked next time
    # every analysed article, in the order link_inputs reads them (no list of their ids: at a million
    # articles each of the link's processes would hold ~90 MB of it)
    articles = conn.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    copy_process = _with_copy_stage(conn, copy_process, articles)
    stage, checkpoints, start = None, None, 0
    if copy_process and path:  # (a link in one process is a small store's, or a store in memory)
        groups = children()
        checkpoints = Checkpoints(path, {"articles": articles, "analysis_seq": analysis_seq, "kb": fingerprint,
                                         "children": [list(g) for g in groups]})
        start = checkpoints.resume_from()
        # the children start before the linking process reads its part of the checkpoint: forked after, they
        # would share the pages of its state, and each page the link then changed would be copied (at
        # 1,000,000 articles, ~1 GB of the tree was such shared pages)
        stage = CopyStage(path, groups, checkpoints, start)
        if start:
            linker, resumed = _resumed(conn, kb, checkpoints, linker, start)
            if not resumed:  # its part unreadable: the whole link starts again from its first article
                stage.close()
                checkpoints.clear()
                start = 0
                stage = CopyStage(path, groups, checkpoints, start)
    cpu = time.process_time()
    progress("linking articles", start, articles)
    try:
        for n, item in enumerate(link_inputs(conn, skip=start), start + 1):
            copies, statements = stage.found(item.id) if stage else (None, None)
            linker.add(item, merge=False, copies=copies, statements=statements)
            if n % PROGRESS_EVERY == 0 or n == articles:
                progress("linking articles", n, articles)
            if checkpoints is not None and checkpoints.due(n):  # the children kept theirs before sending n's findings
                checkpoints.write("linker", n, linker)
                checkpoints.complete(n, ["linker", *(part for group in stage.groups for part in group)])
            if n % FREEZE_EVERY == 0:
                gc.freeze()  # the state built so far is kept: the collector's full passes need not rescan it
        spooled_statements = None
        if stage:  # the stage's indexes stay in their files until needed: the copies' is stored as it is
            linker.copies, spooled_statements = stage.indexes()
        gc.freeze()
        laps("linker")
        if linked is not None:
            linked()  # (`link.features_ahead`: what follows leaves a core idle)
        cpu = time.process_time() - cpu
        linker.max_source_rowid = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM sources").fetchone()[0]
        # the event records are made one at a time as they are written (`dated_events_in_order`);
        # their leads are read here
        progress("dating events", 0, 0)
        events = dated_events_in_order(conn, linker, workers=default_workers(articles))
        laps("event dates")
        stories = linker.regroup_stories()
        laps("stories")
        progress("writing events, stories and copies", 0, 0)
        with _rewrite(conn):
            _write_linked(conn, linker.actors.all(), itertools.chain(duplicate_sources(conn), linker.each_copy_record()),
                          events, stories, linker.dated, linker.events.events)
            del events, stories  # gone before the statements are loaded beside the state
            laps("write")
            quotes, names = linker.quotes, linker.quotes.actor_names  # names: the linker's actors'
            if pickled is not None:  # the state but its statements pickled, and dropped
                pickled.write_head(linker)
                linker = None
                # what glibc can give back of it before the statements are loaded (most of it stays: the small
                # objects' pools are the statements' arrays' no more; 20,000 articles: 153 -> 137 MB)
                give_back_freed_memory()
                laps("save state but statements")
            if spooled_statements:  # the stage's statements, their speakers named by this linker's actors
                # (no other reference to them: they must go with the linker before claims and flags)
                quotes = spooled_statements.load()
                quotes.actor_names = names
                if linker is not None:
                    linker.quotes = quotes
                gc.freeze()
            progress("writing statements", 0, 0)
            _write_statements(conn, quotes.each())  # merged one at a time as they are written
        laps("statements and write")
        if pickled is not None:
            pickled.write_statements(quotes)
            laps("save state")
    except BaseException:
        gc.unfreeze()
        if stage:
            stage.close()
        raise
    return linker, stage, cpu


def _resumed(conn: sqlite3.Connection, kb: Any, checkpoints: Checkpoints, linker: Linker,
             start: int) -> tuple[Linker, bool]:
    """The linker of the store's checkpoint after `start` articles and True; else `linker` (new)
    and False, when that part cannot be read (`link.checkpoint`)."""
    try:
        kept = checkpoints.read("linker", start)
    except Exception:  # unreadable (another build of the code): the caller starts the link again
        return linker, False
    kept.attach(kb)
    kept.copies.texts = text_reader(conn)
    gc.freeze()  # kept, as the state the loop builds is: the collector's full passes need not rescan it
    return kept, True


def _cpu(cpu: float, stage: CopyStage | None) -> dict[str, Any]:
    """The linker's CPU seconds in each process; the seconds the parent waited for the stage's
    child to finish, and then to receive its indexes."""
    return {"linker": round(cpu, 3)} | ({"stage": round(stage.child_cpu, 3), "waited": round(stage.waited, 3),
                                         "transfer": round(stage.transfer, 3), "children": len(stage.groups),
                                         "resumed_from": stage.start}
                                        if stage else {})


def table_sizes(conn: sqlite3.Connection) -> dict[str, int]:
    tables = ("articles", "actors", "quotes", "quote_occurrences", "copies", "events", "stories", "claims", "flags")
    return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


def link_inputs(conn: sqlite3.Connection, ids: list[str] | None = None, chunk: int = 500,
                records: bool = True, skip: int = 0) -> Iterator[LinkInput]:
    """What linking needs of these articles (None: every analysed article), earliest first
    (undated last), read in chunks (without their analysis records when `records` is false:
    the copy stage reads texts only), less the first `skip` of them (a link resumed from a
    checkpoint: only their ids are read). Nothing is held per article of the corpus: the order
    comes from SQLite a page at a time (`linking_order`), and each chunk's sources, texts and
    records are read by id. (Dicts of every article's title, outlets and date were ~1 KB an
    article in each of a full link's three processes: ~108 MB each at 100,000 articles.)"""
    table = f"linking_wanted_{next(_WANTED)}" if ids is not None else ""
    ordered = None
    try:
        ordered = linking_order(conn, ids, table)
        while skip > 0 and (passed := len(ordered.fetchmany(min(skip, 10_000)))):
            skip -= passed
        while part := ordered.fetchmany(chunk):
            marks = ",".join("?" * len(part))
            part_ids = [article_id for article_id, _ in part]
            primary: dict[str, str | None] = {}
            outlets: dict[str, set[str]] = {}
            for row in conn.execute(f"SELECT s.article_id, s.title, s.outlet_name FROM sources s "
                                    f"WHERE s.article_id IN ({marks}) ORDER BY s.article_id, {PRIMARY_ORDER}", part_ids):
                primary.setdefault(row[0], row[1])
                if row[2]:
                    outlets.setdefault(row[0], set()).add(row[2])
            rows = {row[0]: row for row in conn.execute(
                f"SELECT a.id, a.text, an.key, an.record FROM articles a JOIN analyses an ON an.article_id = a.id "
                f"WHERE a.id IN ({marks})", part_ids)}
            for article_id, published in part:
                row = rows.get(article_id)
                if row is None:
                    continue
                yield LinkInput(article_id, row[1], primary.get(article_id), published,
                                sorted(outlets.get(article_id, ())), fastjson.loads(row[3]) if records else {}, row[2])
    finally:
        if ordered is not None:
            ordered.close()
        if table:
            try:
                conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
            except sqlite3.ProgrammingError:  # a generator left unfinished, closed after its connection
                pass


# days first, then month- or year-dated, then undated: events are opened by dated reports (link.events);
# an article's date is its earliest source's
_LINKING_ORDER = ("SELECT w.id, (SELECT MIN(s.published) FROM sources s WHERE s.article_id = w.id) AS day FROM {table} w "
                  "ORDER BY length(COALESCE(day, '')) < 10, day IS NULL, COALESCE(day, ''), w.id")


_WANTED = itertools.count()  # each call's temporary table has its own name: two may be read at once


def linking_order(conn: sqlite3.Connection, ids: list[str] | None = None, table: str = "linking_wanted") -> sqlite3.Cursor:
    """A cursor of (article id, its earliest source's date) in the order articles are linked,
    for these articles (put in the temporary `table`, which the caller drops) or for every
    analysed article. SQLite sorts them, spilling to a temporary file when they are many."""
    if ids is None:
        return conn.cursor().execute(_LINKING_ORDER.format(table="(SELECT article_id AS id FROM analyses)"))
    conn.execute(f"CREATE TEMP TABLE {table} (id TEXT PRIMARY KEY)")
    conn.executemany(f"INSERT OR IGNORE INTO temp.{table} (id) VALUES (?)", ((a,) for a in ids))
    return conn.cursor().execute(_LINKING_ORDER.format(table=f"temp.{table}"))


def apply_changes(conn: sqlite3.Connection, linker: Linker, changes: Changes) -> None:
    """Rewrite the rows an incremental link changed, in one transaction; the stories its changed
    events are in too (`Linker.join_stories`), not every story."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany("INSERT OR REPLACE INTO actors (id, name, kind, record) VALUES (?, ?, ?, ?)",
                         [(e["id"], e["name"], e["kind"], fastjson.dumps(e, sort_keys=True))
                          for e in (linker.actors.entry(a) for a in sorted(changes.actors))])
        kept = changes.kept_quotes or set()  # (`Linker.merge_statements`: their stored rows stay)
        gone = sorted(changes.retired_quotes | (set(changes.quotes) - kept))
        conn.executemany("DELETE FROM quote_occurrences WHERE quote_id = ?", [(q,) for q in gone])
        conn.executemany("DELETE FROM quotes WHERE id = ?", [(q,) for q in gone])
        _insert_quotes(conn, [changes.quotes[q] for q in sorted(changes.quotes)])  # a kept one's: its new occurrences
        conn.executemany("DELETE FROM copies WHERE article = ? AND of != article", [(c,) for c in sorted(changes.copies)])
        conn.executemany("INSERT OR REPLACE INTO copies (article, of, source, kind, similarity, record) VALUES (?, ?, ?, ?, ?, ?)",
                         [(c["article"], c["of"], c.get("source", ""), c["kind"], c["similarity"],
                           fastjson.dumps(c, sort_keys=True)) for c in linker.copy_records(changes.copies)])
        new_sources = conn.execute("SELECT DISTINCT article_id FROM sources WHERE rowid > ?",
                                   (linker.max_source_rowid,)).fetchall()
        for (article_id,) in new_sources:
            linker.dated.pop(article_id, None)  # its earliest date may have changed
        redated = {linker.events.event_of[a] for (a,) in new_sources if a in linker.events.event_of}
        for key in redated:
            linker.tallies.pop(key, None)  # and so its event's date: tallied again from all its members
        duplicates = duplicate_sources(conn, [r[0] for r in new_sources])
        conn.executemany("INSERT OR REPLACE INTO copies (article, of, source, kind, similarity, record) VALUES (?, ?, ?, ?, ?, ?)",
                         [(c["article"], c["of"], c.get("source", ""), c["kind"], c["similarity"],
                           fastjson.dumps(c, sort_keys=True)) for c in duplicates])
        events = date_events(conn, [linker.event_record(key) for key in sorted(changes.events | redated)], linker.dated,
                             tallies=linker.tallies)
        _write_events(conn, events, linker.dated, changes.articles | {a for (a,) in new_sources})
        if changes.events:
            stories = linker.join_stories(changes.events)
            conn.executemany("DELETE FROM stories WHERE id = ?", [(g,) for g in sorted(stories.gone)])
            _insert_stories(conn, stories)
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


def stored_places(conn: sqlite3.Connection, quote_id: str) -> set[tuple[str, int, int]] | None:
    """The places (article, start, end) of a statement's stored occurrences; None when no statement
    is stored under that id."""
    if conn.execute("SELECT 1 FROM quotes WHERE id = ?", (quote_id,)).fetchone() is None:
        return None
    return {(r[0], r[1], r[2]) for r in conn.execute(
        "SELECT article_id, start, end FROM quote_occurrences WHERE quote_id = ?", (quote_id,))}


def lead_entries(conn: sqlite3.Connection, ids: list[str]) -> list[dict[str, Any]]:
    """What these articles' leads say of dates, as `date_events` keeps them (`known`)."""
    out = []
    for row in conn.execute(
            f"SELECT a.id, a.text, (SELECT MIN(published) FROM sources s WHERE s.article_id = a.id), "
            f"json_extract(an.record, '$.published_range') FROM articles a LEFT JOIN analyses an "
            f"ON an.article_id = a.id WHERE a.id IN ({','.join('?' * len(ids))})", ids):
        day = day_of(row[2])
        entry = {"id": row[0], "published": row[2], "published_range": fastjson.loads(row[3]) if row[3] else None,
                 "lead_dates": lead_dates(row[1] or "", day) if day else []}
        entry["facts"] = article_facts(row[0], entry)  # what event_date reads, done once per article
        out.append(entry)
    return out


def date_events(conn: sqlite3.Connection, events: list[dict[str, Any]], known: dict[str, dict[str, Any]] | None = None,
                chunk: int = 500, tallies: dict[str, DateTally] | None = None, workers: int = 1) -> list[dict[str, Any]]:
    """Give each event record the day it happened, from its articles' leads (`link.timeline`):
    `date` (when known; the most common publication day stays as `published_date`),
    `date_certainty`, `date_bounds` and `date_reasons` with their evidence spans. `known`
    keeps what each article's lead says (the linker's cache), so an event that grows by one
    article does not read and scan all its articles again; with `tallies` (the linker's, kept
    per event) only its new members are read at all, and a dated event's `date_reasons` are
    left empty (the store keeps them with each member: `_write_events`). With `workers` > 1 the
    leads are read on that many processes (a full link of a large store)."""
    known = {} if known is None else known
    fresh = [e["articles"][tallies[e["id"]].count:] if tallies is not None and e["id"] in tallies else e["articles"]
             for e in events]
    # (not `set - known.keys()`: that walks every key of `known`, the whole corpus's in a server)
    read_leads(conn, {a for members in fresh for a in members if a not in known}, known, chunk, workers)
    for event, members in zip(events, fresh):
        if tallies is None:
            when = event_date(event, known)
        else:
            tally = tallies.setdefault(event["id"], DateTally())
            tally.add(members, known)
            when = tally.when()
        _give_date(event, when)
    return events


def read_leads(conn: sqlite3.Connection, ids: Iterable[str], known: dict[str, dict[str, Any]], chunk: int = 500,
               workers: int = 1) -> None:
    """What the leads of these articles say of their days (`lead_entries`), into `known`, read
    `chunk` articles at a time, on `workers` processes when more than one is asked for."""
    ids = sorted(ids)
    parts = [ids[start:start + chunk] for start in range(0, len(ids), chunk)]
    path = conn.execute("PRAGMA database_list").fetchone()[2]  # "" for an in-memory store
    # the articles' leads read on worker processes (link.pool) when asked, in this order all the same
    with ForkPool(path, lead_entries, workers, "event-dates worker") if (
            workers > 1 and len(parts) > 1 and path and can_fork()) else nullcontext() as pool:
        for _, entries in pool.map(parts) if pool else ((part, lead_entries(conn, part)) for part in parts):
            # what event_date and the member rows read, kept alone (the linker's cache of 100,000
            # articles' whole entries was 145 MB resident)
            known.update((entry["id"], {"facts": entry["facts"]}) for entry in entries)


def _give_date(event: dict[str, Any], when: dict[str, Any]) -> None:
    """`date_events`' fields of one event record, from what `event_date` (or a tally) found."""
    event["published_date"] = event["date"]
    if when["date"]:
        event["date"] = when["date"]
    event["date_certainty"] = when["certainty"]
    event["date_bounds"] = {"earliest": when["earliest"], "latest": when["latest"]}
    event["date_reasons"] = when["reasons"] + when["disagreements"]


def dated_events_in_order(conn: sqlite3.Connection, linker: Linker, workers: int = 1) -> Iterator[dict[str, Any]]:
    """A full link's event records, dated as `date_events` dates them, in the store's order (by
    `event_seq`, then id), made one at a time as they are written: the leads are read first,
    then each record is made twice, once for its place and once to be written. At 1,000,000
    articles the list of them took 1.2 GB beside the linking state (by hand, from the state of
    the 1,000,000-article store: 434 MB the records, 732 MB more once dated)."""
    index, known = linker.events.events, linker.dated
    read_leads(conn, (a for event in index.values() for a in event.articles if a not in known), known,
               workers=workers)

    def dated(key: str) -> dict[str, Any]:
        record = linker.event_record(key, why=False)
        _give_date(record, event_date(record, known))
        return record

    order = sorted((event_seq(dated(key)), key) for key in index)
    return (dated(key) for _, key in order)


def claims_and_flags(conn: sqlite3.Connection, kb: Any, touched: dict[str, set[str]] | None = None,
                     workers: int | None = None, progress: Progress = _silent) -> dict[str, Any]:
    """Claims and flags, written in one transaction: for the whole corpus (`touched` None),
    or only for the scopes that a batch's touched articles, events and quotes reach
    (link/derived.py: each scope read from the store by id, never the whole document; a full
    derivation of a large store on `workers` processes, by default one per core)."""
    from dossier.link.derived import derive  # imports report.document, which imports this module

    return derive(conn, kb, touched, workers, progress)


def duplicate_sources(conn: sqlite3.Connection, ids: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """The same clean text from several sources is one article; each later source is a
    duplicate of the first (earliest dated, then by name). For all articles, or these, by
    article id; read as they go (a full link's were every source of the corpus in a dict)."""
    query = f"SELECT s.article_id, s.source FROM sources s ORDER BY s.article_id, {PRIMARY_ORDER}"
    if ids is not None:
        query = f"SELECT s.article_id, s.source FROM sources s WHERE s.article_id = ? ORDER BY {PRIMARY_ORDER}"
    rows = conn.execute(query) if ids is None else (r for a in sorted(set(ids)) for r in conn.execute(query, (a,)))
    for article_id, sources in itertools.groupby(rows, key=lambda row: row[0]):
        first = next(sources)
        for row in sources:
            yield {"article": article_id, "of": article_id, "kind": "duplicate", "similarity": 1.0, "changes": [],
                   "source": row[1], "of_source": first[1]}


@contextmanager
def _rewrite(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """The transaction a full link rewrites every corpus-level table in, with a page cache for it
    (`bulk_cache`): committed when the block ends, rolled back if it raises."""
    with bulk_cache(conn):
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            rollback(conn)
            raise
        conn.execute("COMMIT")


def _write_linked(conn: sqlite3.Connection, actors: list[dict[str, Any]], copies: Iterable[dict[str, Any]],
                  events: Iterable[dict[str, Any]], stories: StoryRows, known: dict[str, dict[str, Any]],
                  index: dict[str, Event] | None = None) -> None:
    """Every corpus-level table but the statements' anew, in the caller's transaction (`_rewrite`);
    rows are made as they are written (generators, not lists: at 200,000 articles the lists were
    ~1 GB). Events without their whys take them from `index` (`_write_events`)."""
    conn.execute("DELETE FROM events")
    conn.execute("DELETE FROM event_articles")
    conn.execute("DELETE FROM stories")
    conn.execute("DELETE FROM story_events")
    _write_events(conn, events, known, index=index)
    _insert_stories(conn, stories)
    conn.execute("DELETE FROM copies")
    conn.executemany("INSERT OR REPLACE INTO copies (article, of, source, kind, similarity, record) VALUES (?, ?, ?, ?, ?, ?)",
                     ((c["article"], c["of"], c.get("source", ""), c["kind"], c["similarity"],
                       fastjson.dumps(c, sort_keys=True)) for c in copies))
    conn.execute("DELETE FROM actors")
    conn.executemany("INSERT INTO actors (id, name, kind, record) VALUES (?, ?, ?, ?)",
                     ((a["id"], a["name"], a["kind"], fastjson.dumps(a, sort_keys=True)) for a in actors))


def _write_statements(conn: sqlite3.Connection, merged: Iterable[MergedQuote]) -> None:
    """The statements' tables anew, in the caller's transaction (`_rewrite`), merged as they are written."""
    conn.execute("DELETE FROM quote_occurrences")
    conn.execute("DELETE FROM quotes")
    _insert_quotes(conn, merged)


def _insert_stories(conn: sqlite3.Connection, stories: StoryRows) -> None:
    """Story rows: `seq` (the first event's day) orders them, ties by id; the record is the
    export's but for its events, which are `story_events` rows (schema 14): only the events that
    joined, moved or changed story are written."""
    conn.executemany("INSERT OR REPLACE INTO stories (id, seq, root, record) VALUES (?, ?, ?, ?)",
                     [(s["id"], s["seq"], s["root"],
                       fastjson.dumps({k: v for k, v in s.items() if k not in ("seq", "root")}, sort_keys=True))
                      for s in stories.records])
    conn.executemany("INSERT OR REPLACE INTO story_events (event, story, place) VALUES (?, ?, ?)", stories.members)


def _write_events(conn: sqlite3.Connection, events: Iterable[dict[str, Any]], known: dict[str, dict[str, Any]],
                  only: set[str] | None = None, index: dict[str, Event] | None = None, batch: int = 5000) -> None:
    """Each event as a header row and one row per member (why it joined, what its lead says of
    the day), so a join writes what changed: the header and the new member's row (`only`: the
    members to write; all when None). Dated events' reasons are their members' (`event_date`),
    so the header keeps them only when they are not (a range's or an unknown date's). An event
    without its whys (a full link's, `Linker.event_record`) takes them from its `index` entry."""
    headers: list[tuple] = []
    members: list[tuple] = []
    for event in events:  # one pass: a full link's records are made as they come (`dated_events_in_order`)
        header = {k: v for k, v in event.items() if k not in ("articles", "why")}
        if event.get("date_certainty") in DATED:
            del header["date_reasons"]  # read_events puts them back from the member rows
        headers.append((event["id"], event_seq(event), fastjson.dumps(header, sort_keys=True)))
        whys = index[event["id"]].whys if "why" not in event and index is not None else None
        for position, article_id in enumerate(event["articles"]):
            if only is not None and article_id not in only:
                continue
            entry = known.get(article_id)
            reason = (entry.get("facts") or article_facts(article_id, entry))[2] if entry else None
            why = event["why"].get(article_id, {}) if whys is None else fastjson.loads(whys[position])
            members.append((article_id, event["id"], position, fastjson.dumps(why, sort_keys=True),
                            fastjson.dumps(reason, sort_keys=True) if reason else None))
        if len(members) >= batch or len(headers) >= batch:
            _insert_event_rows(conn, headers, members)
            headers, members = [], []
    _insert_event_rows(conn, headers, members)


def _insert_event_rows(conn: sqlite3.Connection, headers: list[tuple], members: list[tuple]) -> None:
    conn.executemany("INSERT OR REPLACE INTO events (id, seq, record) VALUES (?, ?, ?)", headers)
    conn.executemany("INSERT OR REPLACE INTO event_articles (article_id, event_id, position, why, reason) "
                     "VALUES (?, ?, ?, ?, ?)", members)


def _insert_quotes(conn: sqlite3.Connection, merged: Iterable[MergedQuote], batch: int = 2000) -> None:
    """Statement and occurrence rows, in the order given, a batch of statements per `executemany`
    (two calls per statement took ~1.4 million calls at 100,000 articles)."""
    quotes: list[tuple] = []
    occurrences: list[tuple] = []
    for quote in merged:
        quotes.append((quote.id, quote.text, quote.kind, quote.speaker, quote.speaker_name, quote.first_seen,
                       fastjson.dumps(quote.first_seen_candidates)))
        occurrences.extend((quote.id, o["article"], o["start"], o["end"], fastjson.dumps(occurrence_export(o)))
                           for o in quote.occurrences)
        if len(quotes) >= batch:
            _insert_quote_rows(conn, quotes, occurrences)
            quotes, occurrences = [], []
    _insert_quote_rows(conn, quotes, occurrences)


def _insert_quote_rows(conn: sqlite3.Connection, quotes: list[tuple], occurrences: list[tuple]) -> None:
    # (an upsert, not INSERT OR REPLACE: a kept statement's row is updated where it is, so its
    # occurrences, which the replaced row's deletion would take with it, stay)
    conn.executemany("INSERT INTO quotes (id, text, kind, speaker, speaker_name, first_seen, first_seen_candidates) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET text = excluded.text, "
                     "kind = excluded.kind, speaker = excluded.speaker, speaker_name = excluded.speaker_name, "
                     "first_seen = excluded.first_seen, first_seen_candidates = excluded.first_seen_candidates", quotes)
    conn.executemany("INSERT OR IGNORE INTO quote_occurrences (quote_id, article_id, start, end, record) "
                     "VALUES (?, ?, ?, ?, ?)", occurrences)


def iter_quotes(conn: sqlite3.Connection, chunk: int = 500, stream_over: int | None = None) -> Iterator[dict[str, Any]]:
    """The merged quotes in export shape, in a stable order, each with the outlets that carried it
    (every source of every article it is in), read `chunk` statements at a time. With `stream_over`,
    a statement with more occurrences than that has them as an iterator that reads them a page at a
    time (the json export writes them as they come: one statement of 307,269 occurrences was most of
    its memory at 1,000,000 articles), to be read before the next statement is asked for."""
    ordered = conn.cursor().execute("SELECT * FROM quotes ORDER BY rowid")
    try:
        while part := ordered.fetchmany(chunk):
            ids = [row["id"] for row in part]
            marks = ",".join("?" * len(ids))
            large = set() if stream_over is None else {quote_id for quote_id, n in conn.execute(
                f"SELECT quote_id, COUNT(*) FROM quote_occurrences WHERE quote_id IN ({marks}) GROUP BY quote_id", ids)
                if n > stream_over}
            occurrences: dict[str, list[dict[str, Any]]] = {}
            articles: set[str] = set()
            for quote_id, record in conn.execute(f"SELECT quote_id, record FROM quote_occurrences WHERE quote_id IN "
                                                 f"({marks}) ORDER BY quote_id, article_id, start", ids):
                if quote_id in large:
                    continue
                occurrence = fastjson.loads(record)
                occurrences.setdefault(quote_id, []).append(occurrence)
                articles.add(occurrence["article"])
            outlets = _outlets_of(conn, articles)
            for row in part:
                if row["id"] in large:
                    found: Iterable[dict[str, Any]] = _occurrences_of(conn, row["id"])
                    carried = _outlets_of(conn, [r[0] for r in conn.execute(
                        "SELECT DISTINCT article_id FROM quote_occurrences WHERE quote_id = ?", (row["id"],))])
                    names = sorted(set().union(*carried.values()))
                else:
                    found = occurrences.get(row["id"], [])
                    names = sorted({o for occurrence in found for o in outlets.get(occurrence["article"], ())})
                yield {"id": row["id"], "text": row["text"], "speaker": row["speaker"], "speaker_name": row["speaker_name"],
                       "occurrences": found, "first_seen": row["first_seen"],
                       # extensions
                       "kind": row["kind"], "first_seen_candidates": fastjson.loads(row["first_seen_candidates"]),
                       "outlets": names}
    finally:
        ordered.close()


def _occurrences_of(conn: sqlite3.Connection, quote_id: str, page: int = 1000) -> Iterator[dict[str, Any]]:
    """One statement's occurrences in export order, read `page` at a time."""
    rows = conn.cursor().execute("SELECT record FROM quote_occurrences WHERE quote_id = ? ORDER BY article_id, start",
                                 (quote_id,))
    try:
        while found := rows.fetchmany(page):
            yield from (fastjson.loads(row[0]) for row in found)
    finally:
        rows.close()


def read_quotes(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return list(iter_quotes(conn))


def _outlets_of(conn: sqlite3.Connection, articles: Iterable[str], chunk: int = 500) -> dict[str, set[str]]:
    """Each article's outlets: every source's name, or its outlet key when it has no name."""
    ids = sorted(articles)
    out: dict[str, set[str]] = {}
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        for article_id, name, key in conn.execute(f"SELECT article_id, outlet_name, outlet FROM sources "
                                                  f"WHERE article_id IN ({','.join('?' * len(part))})", part):
            if name or key:
                out.setdefault(article_id, set()).add(name or key)
    return out


def copy_shaped(record: str) -> dict[str, Any]:
    """A stored copy relation in export shape: DESIGN.md's fields first, then ours."""
    relation = fastjson.loads(record)
    head = {k: relation.pop(k) for k in ("article", "of", "kind", "similarity", "changes")}
    return {**head, **relation}


def iter_copies(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """Copy relations in export shape, in the export's order."""
    for (record,) in conn.execute("SELECT record FROM copies ORDER BY of, article, source"):
        yield copy_shaped(record)


def read_copies(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return list(iter_copies(conn))


def _shaped(record: dict[str, Any], first: tuple[str, ...]) -> dict[str, Any]:
    return {**{k: record.pop(k) for k in first}, **record}


def _complete_events(conn: sqlite3.Connection, records: list[dict[str, Any]], light: bool = False) -> list[dict[str, Any]]:
    """These stored event records in export shape: a header's members, their whys and (a dated
    event's) date reasons put back from its member rows (schema 8). `light`: without the whys and
    date reasons (what a server's index keeps: they were most of its events)."""
    headers = [r["id"] for r in records if "articles" not in r]
    members: dict[str, list[tuple[str, str, str | None]]] = {}
    if headers:
        for row in conn.execute(f"SELECT event_id, article_id, {'NULL, NULL' if light else 'why, reason'} FROM "
                                f"event_articles WHERE event_id IN ({','.join('?' * len(headers))}) "
                                f"ORDER BY event_id, position", headers):
            members.setdefault(row[0], []).append((row[1], row[2], row[3]))
    events = []
    for record in records:
        if "articles" not in record:  # a header (schema 8): its members are rows
            rows = members.get(record["id"], [])
            record["articles"] = [a for a, _, _ in rows]
            if not light:
                record["why"] = {a: fastjson.loads(why) for a, why, _ in sorted(rows)}
            if "date_reasons" not in record and not light:  # a dated event: its members' reasons, agreeing first
                reasons = [fastjson.loads(r) for _, _, r in sorted(rows) if r]
                record["date_reasons"] = ([r for r in reasons if r["date"] == record["date"]]
                                          + [r for r in reasons if r["date"] != record["date"]])
            record = dict(sorted(record.items()))
        if light:
            record.pop("why", None)
            record.pop("date_reasons", None)
        events.append(_shaped(record, ("id", "title", "date", "date_range", "articles", "actors")))
    return events


def iter_events(conn: sqlite3.Connection, chunk: int = 500, light: bool = False) -> Iterator[dict[str, Any]]:
    """Events in export shape (`light`: without whys and date reasons), in the order linking made
    them, `chunk` at a time."""
    ordered = conn.cursor().execute("SELECT record FROM events ORDER BY seq, id")
    try:
        while part := ordered.fetchmany(chunk):
            yield from _complete_events(conn, [fastjson.loads(row[0]) for row in part], light)
    finally:
        ordered.close()


def events_by_id(conn: sqlite3.Connection, ids: list[str], chunk: int = 500) -> list[dict[str, Any]]:
    """These events in export shape, in this order (one not in the store left out)."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        found.update((r["id"], r) for r in _complete_events(conn, [fastjson.loads(row[0]) for row in conn.execute(
            f"SELECT record FROM events WHERE id IN ({','.join('?' * len(part))})", part)]))
    return [found[i] for i in ids if i in found]


def iter_event_headers(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """Each event's stored record, without what its member rows hold (articles, whys, a dated event's
    date reasons): its id, title and dates."""
    for (record,) in conn.execute("SELECT record FROM events ORDER BY seq, id"):
        yield fastjson.loads(record)


def iter_stories(conn: sqlite3.Connection, chunk: int = 500) -> Iterator[dict[str, Any]]:
    """Stories in export shape, in the order linking made them, `chunk` at a time."""
    ordered = conn.cursor().execute("SELECT root, record FROM stories ORDER BY seq, id")
    try:
        while part := ordered.fetchmany(chunk):
            roots = [row[0] for row in part]
            story_events: dict[str, list[str]] = {}
            for story, event in conn.execute(f"SELECT story, event FROM story_events WHERE story IN "
                                             f"({','.join('?' * len(roots))}) ORDER BY story, place, event", roots):
                story_events.setdefault(story, []).append(event)
            for root, record in part:
                record = fastjson.loads(record)
                record["events"] = story_events.get(root, [])
                yield _shaped(record, ("id", "title", "events"))
    finally:
        ordered.close()


def read_events(conn: sqlite3.Connection) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Events and stories in export shape, in the order linking made them."""
    return list(iter_events(conn)), list(iter_stories(conn))


def iter_actors(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    for (record,) in conn.execute("SELECT record FROM actors ORDER BY id"):
        yield fastjson.loads(record)


def read_actors(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return list(iter_actors(conn))


def write_claims_and_flags(conn: sqlite3.Connection, claims: list[dict[str, Any]], flags: list[dict[str, Any]]) -> None:
    """Replace the claims and flags tables in one transaction (export shape records)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DELETE FROM claims")
        conn.execute("DELETE FROM flags")
        conn.executemany("INSERT INTO claims (id, seq, record) VALUES (?, ?, ?)",
                         [(c["id"], n, fastjson.dumps(c, sort_keys=True)) for n, c in enumerate(claims)])
        conn.executemany("INSERT INTO flags (id, seq, kind, severity, record) VALUES (?, ?, ?, ?, ?)",
                         [(f["id"], n, f["kind"], f["severity"], fastjson.dumps(f, sort_keys=True))
                          for n, f in enumerate(flags)])
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


# the claims' export order: the most widely reported first (the articles they occur in), then by id
CLAIM_ORDER = ("ORDER BY (SELECT COUNT(DISTINCT json_extract(o.value, '$.article')) "
               "FROM json_each(c.record, '$.occurrences') o) DESC, c.id")


def claim_shaped(record: str) -> dict[str, Any]:
    """A stored claim in export shape (DESIGN.md's fields first)."""
    claim = fastjson.loads(record)
    return {**{k: claim.pop(k) for k in ("id", "text", "value", "unit", "occurrences") if k in claim}, **claim}


def iter_claims(conn: sqlite3.Connection, chunk: int = 500) -> Iterator[dict[str, Any]]:
    """Claims in export shape (DESIGN.md's fields first), the most widely reported first (by the
    articles they occur in, then id: the order `link_claims` gives; rows are rewritten per group,
    link/derived.py, so the table's own order is not it). SQLite sorts them, spilling to disk:
    there are ~5 claims an article."""
    ordered = conn.cursor().execute(f"SELECT c.rowid FROM claims c {CLAIM_ORDER}")
    try:
        while part := [row[0] for row in ordered.fetchmany(chunk)]:
            found = dict(conn.execute(f"SELECT rowid, record FROM claims WHERE rowid IN ({','.join('?' * len(part))})",
                                      part).fetchall())
            yield from (claim_shaped(found[rowid]) for rowid in part)
    finally:
        ordered.close()


def read_claims(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Claims in export shape (DESIGN.md's fields first), in the order linking made them."""
    return list(iter_claims(conn))


# what a flag's place in the export's order is found from (`flag_sort_key`), read without its record
FLAG_ORDER_COLUMNS = "kind, severity, json_extract(record, '$.evidence[0]'), id"


def flag_sort_key(kind: str, severity: str, first_evidence: str | None, flag_id: str) -> Any:
    """A flag's key in the order `run_checks` gives, from FLAG_ORDER_COLUMNS (its first evidence as JSON)."""
    from dossier.check import flag_order

    first = fastjson.loads(first_evidence) if first_evidence else {}
    return flag_order({"kind": kind, "severity": severity, "evidence": [first], "id": flag_id})


def flag_shaped(record: str) -> dict[str, Any]:
    """A stored flag in export shape: DESIGN.md's fields first."""
    flag = fastjson.loads(record)
    return {**{k: flag.pop(k) for k in ("id", "kind", "severity", "message", "evidence") if k in flag}, **flag}


def iter_flags(conn: sqlite3.Connection, chunk: int = 500) -> Iterator[dict[str, Any]]:
    """Flags in export shape (DESIGN.md's fields first), in the order `run_checks` gives (rows are
    rewritten per scope, link/derived.py): their order found first from each flag's kind, severity
    and first evidence, then the flags read `chunk` at a time in it (~0.25 flags an article)."""
    places = sorted((flag_sort_key(*row[1:]), row[0]) for row in conn.execute(
        f"SELECT rowid, {FLAG_ORDER_COLUMNS} FROM flags"))
    for start in range(0, len(places), chunk):
        part = [rowid for _, rowid in places[start:start + chunk]]
        found = dict(conn.execute(f"SELECT rowid, record FROM flags WHERE rowid IN ({','.join('?' * len(part))})",
                                  part).fetchall())
        for rowid in part:
            yield flag_shaped(found[rowid])


def read_flags(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Flags in export shape (DESIGN.md's fields first), in the order linking made them."""
    return list(iter_flags(conn))
