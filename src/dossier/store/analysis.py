"""The analysis stage of a build: one analysis record per article, redone only when stale.

Runs after the corpus is stored and cleaned (so spans index the final `articles.text`).
Each record's key says what it was computed from; an article whose text, date,
extractor or knowledge base has not changed keeps its record, so a rebuild is cheap and
a killed build resumes with the records already written.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from multiprocessing import get_all_start_methods, get_context
from typing import Any

from dossier import fastjson
from dossier.analyze.record import RECORD_VERSION, analyze_text, cached_kb, kb_fingerprint
from dossier.store.db import immediate, rollback
from dossier.store.marks import log_seq, logged, since, write_mark

BATCH = 200


@dataclass(frozen=True)
class AnalysisOptions:
    extractor: str = "rules"
    kb_file: str | None = None
    workers: int = 1


@dataclass(frozen=True)
class Task:
    article_id: str
    key: str
    text: str
    lang: str | None
    on: str | None
    latest: str | None


def _dates(conn: sqlite3.Connection, ids: Iterable[str] | None = None) -> dict[str, tuple[str | None, str | None]]:
    """Each article's (every one's, or these') publication date (the earliest its sources give)
    and, failing that, the latest day it can have been published (the earliest crawl date)."""
    query = "SELECT article_id, MIN(published) AS on_, MIN(fetched) AS latest FROM sources"
    rows: Iterable[sqlite3.Row] = (conn.execute(query + " GROUP BY article_id") if ids is None else
                                   (conn.execute(query + " WHERE article_id = ?", (a,)).fetchone() for a in ids))
    dates: dict[str, tuple[str | None, str | None]] = {}
    for row in rows:
        if row["article_id"] is not None:
            dates[row["article_id"]] = (row["on_"], None if row["on_"] else row["latest"])
    return dates


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def analysis_config(options: AnalysisOptions) -> str:
    """What every record's key shares: record version, extractor and knowledge base."""
    return f"v{RECORD_VERSION}|{options.extractor}|kb:{kb_fingerprint(options.kb_file)}"


def analysis_key(text: str, on: str | None, latest: str | None, config: str) -> str:
    """The key of a record: the shard stage computes it the same way, so a record made
    there is not redone here unless the text or date changed since."""
    return f"{text_hash(text)}|{on}|{latest}|{config}"


def stale_tasks(conn: sqlite3.Connection, options: AnalysisOptions) -> list[Task]:
    """Articles with no analysis record, or one computed from something that changed (see `_stale`)."""
    return _stale(conn, options)[0]


def _stale(conn: sqlite3.Connection, options: AnalysisOptions) -> tuple[list[Task], int, str]:
    """The stale articles' tasks, with the source log entry and the settings they were found at
    (analyze_articles marks them once every task is saved, so a build killed half-way looks at
    those articles again).

    The text's hash is kept in `articles.text_hash` (cleared by a trigger when the text
    changes), so checking a large store reads only the texts that are new or changed; and
    only the articles whose hash is unknown or whose sources changed since the last check
    (`store.marks`: a new source can give an older date) are looked at, not every article,
    while every article has a record and the settings are those of the last check."""
    config = analysis_config(options)
    seq = log_seq(conn)
    # An article without a record is in the log after the mark: the mark is written only once every
    # task of a check is saved (a failing analysis saves a record with its error), so a build killed
    # before that looks at the same articles again. (Counting both tables to catch one took 5-10 ms
    # of each one-article post at 100,000 articles.)
    after = since(conn, "analyses", config=config)
    if after is None:
        dates = _dates(conn)
        rows = conn.execute("SELECT a.id, a.text_hash, a.lang, an.key FROM articles a "
                            "LEFT JOIN analyses an ON an.article_id = a.id ORDER BY a.id").fetchall()
    else:
        ids = sorted({r[0] for r in conn.execute("SELECT id FROM articles WHERE text_hash IS NULL")}
                     | logged(conn, "article_id", after))
        dates = _dates(conn, ids)
        rows = [row for a in ids for row in conn.execute(
            "SELECT a.id, a.text_hash, a.lang, an.key FROM articles a LEFT JOIN analyses an ON an.article_id = a.id "
            "WHERE a.id = ?", (a,))]
    tasks, hashes = [], []
    for row in rows:
        on, latest = dates.get(row["id"], (None, None))
        if row["text_hash"] is not None and row["key"] == f"{row['text_hash']}|{on}|{latest}|{config}":
            continue
        text = conn.execute("SELECT text FROM articles WHERE id = ?", (row["id"],)).fetchone()[0]
        digest = text_hash(text)
        if row["text_hash"] != digest:
            hashes.append((digest, row["id"]))
        key = f"{digest}|{on}|{latest}|{config}"
        if row["key"] != key:
            tasks.append(Task(row["id"], key, text, row["lang"], on, latest))
    if hashes:
        with immediate(conn):
            conn.executemany("UPDATE articles SET text_hash = ? WHERE id = ?", hashes)
    return tasks, seq, config


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def run_task(task: Task, options: AnalysisOptions) -> tuple[str, str, str]:
    """Worker function: the record for one article as JSON (an error becomes an empty record)."""
    try:
        record = analyze_text(task.text, on=_day(task.on), latest=_day(task.latest), lang=task.lang,
                              kb=cached_kb(options.kb_file), extractor=options.extractor)
    except ImportError:
        raise  # a missing optional dependency is the user's to fix, not one article's problem
    except Exception as exc:  # one hostile article must not stop the build
        record = {"mentions": [], "quotes": [], "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    return task.article_id, task.key, fastjson.dumps(record, sort_keys=True)


def _run_chunk(args: tuple[list[Task], AnalysisOptions]) -> list[tuple[str, str, str]]:
    tasks, options = args
    return [run_task(t, options) for t in tasks]


def _results(tasks: list[Task], options: AnalysisOptions) -> Iterator[tuple[str, str, str]]:
    if options.workers <= 1 or len(tasks) < 50:
        cached_kb(options.kb_file)
        for task in tasks:
            yield run_task(task, options)
        return
    chunks = [(tasks[i:i + 25], options) for i in range(0, len(tasks), 25)]
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    cached_kb(options.kb_file)  # load once before forking, so workers share it
    with ProcessPoolExecutor(options.workers, mp_context=get_context(method)) as pool:
        for results in pool.map(_run_chunk, chunks):
            yield from results




def analyze_articles(conn: sqlite3.Connection, options: AnalysisOptions,
                     progress: Callable[[int], None] | None = None) -> int:
    """Bring every article's analysis record up to date; return how many were (re)done."""
    tasks, seq, config = _stale(conn, options)
    done = 0
    pending: list[tuple[str, str, str]] = []
    for result in _results(tasks, options):
        pending.append(result)
        if len(pending) >= BATCH:
            _save(conn, pending)
            done += len(pending)
            pending = []
            if progress:
                progress(done)
    _save(conn, pending)
    conn.execute("BEGIN IMMEDIATE")
    try:
        write_mark(conn, "analyses", seq, config=config)
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise
    return done + len(pending)


def _save(conn: sqlite3.Connection, rows: list[tuple[str, str, str]]) -> None:
    if not rows:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(
            """INSERT INTO analyses (article_id, key, record) VALUES (?, ?, ?)
               ON CONFLICT (article_id) DO UPDATE SET key = excluded.key, record = excluded.record""",
            [(aid, key, record) for aid, key, record in rows],
        )
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


def iter_records(conn: sqlite3.Connection) -> Iterator[tuple[str, dict[str, Any]]]:
    """(article id, analysis record) for every analysed article, by id."""
    for row in conn.execute("SELECT article_id, record FROM analyses ORDER BY article_id"):
        yield row["article_id"], fastjson.loads(row["record"])
