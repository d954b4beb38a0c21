"""Full-text search over article texts and statements with SQLite FTS5.

The index belongs to the web layer, not to the store's schema: two external-content FTS5
tables (they index the text without keeping a copy of it) over a view of the articles
(text and title) and over the quotes table, created when missing and rebuilt whenever
the store's content changed since the last rebuild (a signature of the builds and table
sizes is kept beside them). Linking replaces the quotes table wholesale and outlet
boilerplate learning rewrites texts, so a rebuild (seconds for 10,000 articles, 17 s for
100,000) is simpler and safer than tracking every change. It is written REBUILD_ROWS rows
per transaction, so a build beside it waits for one batch, not for the whole rebuild; the
signature recorded is the one it started from, so what a build wrote meanwhile makes the
next search rebuild it again.
Rebuilds in several server processes take turns (a lock file beside the store).
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dossier.store.db import rollback

try:
    import fcntl
except ImportError:  # not a POSIX system: rebuilds in several processes are not kept apart
    fcntl = None  # type: ignore[assignment]

START, END = "\x02", "\x03"  # match markers for snippet(): never in clean text, easy to split on
_TOKEN = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12

_SETUP = [
    """CREATE VIEW IF NOT EXISTS web_search_articles AS
       SELECT a.rowid AS rid, a.id AS article_id, a.text AS text,
              (SELECT s.title FROM sources s WHERE s.article_id = a.id AND s.title IS NOT NULL
               ORDER BY s.published IS NULL, s.published, s.source LIMIT 1) AS title
       FROM articles a""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS web_fts_articles USING fts5(
       title, text, content='web_search_articles', content_rowid='rid', tokenize='unicode61 remove_diacritics 2')""",
    """CREATE VIRTUAL TABLE IF NOT EXISTS web_fts_quotes USING fts5(
       text, speaker_name, content='quotes', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')""",
    "CREATE TABLE IF NOT EXISTS web_search_state (name TEXT PRIMARY KEY, signature TEXT NOT NULL)",
]


def signature(conn: sqlite3.Connection) -> str:
    """Changes whenever a build or an ingest changed articles or statements."""
    build = conn.execute("SELECT MAX(id), MAX(finished_at) FROM builds").fetchone()
    articles = conn.execute("SELECT COUNT(*), MAX(rowid) FROM articles").fetchone()
    quotes = conn.execute("SELECT COUNT(*), MAX(rowid) FROM quotes").fetchone()
    return f"{tuple(build)}|{tuple(articles)}|{tuple(quotes)}"


REBUILD_ROWS = 5000  # rows indexed per transaction
# each search table, what it indexes, that source's key (the table's rowid) and the columns indexed
_SOURCES = (("web_fts_articles", "web_search_articles", "rid", "title, text"),
            ("web_fts_quotes", "quotes", "rowid", "text, speaker_name"))


def _current(conn: sqlite3.Connection, signature_now: str) -> bool:
    try:
        row = conn.execute("SELECT signature FROM web_search_state WHERE name = 'fts'").fetchone()
    except sqlite3.OperationalError:  # no state table yet: first run on this store
        return False
    return row is not None and row[0] == signature_now


@contextmanager
def _one_rebuild_at_a_time(conn: sqlite3.Connection) -> Iterator[None]:
    """Across processes (a server's workers): a lock file beside the store, held for a rebuild."""
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    if not path or fcntl is None:  # a store in memory, or no flock here
        yield
        return
    handle = os.open(f"{path}.search.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)  # waits for another process's rebuild to end
        yield
    finally:
        os.close(handle)  # (closing releases the lock)


def _in_transaction(conn: sqlite3.Connection, *statements: tuple[str, tuple]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for sql, params in statements:
            conn.execute(sql, params)
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


def ensure_index(conn: sqlite3.Connection, rows: int = REBUILD_ROWS) -> bool:
    """Create the search tables if missing and rebuild them if the store changed; True if rebuilt."""
    if _current(conn, signature(conn)):
        return False
    with _one_rebuild_at_a_time(conn):
        started = signature(conn)
        if _current(conn, started):  # another process rebuilt it while this one waited
            return False
        # emptied, and not current until the last batch is in
        _in_transaction(conn, *((statement, ()) for statement in _SETUP),
                        ("DELETE FROM web_search_state WHERE name = 'fts'", ()),
                        *((f"INSERT INTO {fts}({fts}) VALUES ('delete-all')", ()) for fts, _, _, _ in _SOURCES))
        for fts, source, key, columns in _SOURCES:
            last = 0
            while (upper := conn.execute(f"SELECT MAX({key}) FROM (SELECT {key} FROM {source} WHERE {key} > ? "
                                         f"ORDER BY {key} LIMIT ?)", (last, rows)).fetchone()[0]) is not None:
                _in_transaction(conn, (f"INSERT INTO {fts}(rowid, {columns}) SELECT {key}, {columns} FROM {source} "
                                       f"WHERE {key} > ? AND {key} <= ?", (last, upper)))
                last = upper
        # the signature it started from: if a build wrote meanwhile, the next search finds it changed and rebuilds
        _in_transaction(conn, ("INSERT OR REPLACE INTO web_search_state (name, signature) VALUES ('fts', ?)", (started,)))
    return True


class SearchIndex:
    """`ensure_index` for a server: on a connection of its own (it writes while the pages read) and
    one at a time (a second search waits for the first's rebuild, then finds it current)."""

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self._lock = threading.Lock()

    def ensure(self) -> bool:
        with self._lock:
            conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
            try:
                return ensure_index(conn)
            finally:
                conn.close()


def match_expression(query: str) -> str | None:
    """The user's words as an FTS5 query: every word must occur, the last as a prefix.
    Words are quoted, so FTS5 operators and punctuation typed by a user are just text."""
    terms = _TOKEN.findall(query)[:MAX_TERMS]
    if not terms:
        return None
    quoted = [f'"{t}"' for t in terms]
    quoted[-1] += "*"
    return " ".join(quoted)


def split_snippet(snippet: str | None) -> list[tuple[str, bool]]:
    """A snippet with match markers → [(text, is_match)], for escaping and <mark> in templates."""
    out: list[tuple[str, bool]] = []
    for n, part in enumerate(re.split(f"[{START}{END}]", snippet or "")):
        if part:
            out.append((part, n % 2 == 1))
    return out


def highlights(parts: list[tuple[str, bool]]) -> tuple[str, list[list[int]]]:
    """The snippet as plain text and the [start, end] of each match in it (for the API)."""
    text, spans = "", []
    for part, hit in parts:
        if hit:
            spans.append([len(text), len(text) + len(part)])
        text += part
    return text, spans


def search_articles(conn: sqlite3.Connection, query: str, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    expression = match_expression(query)
    if expression is None:
        return 0, []
    total = conn.execute("SELECT COUNT(*) FROM web_fts_articles WHERE web_fts_articles MATCH ?", (expression,)).fetchone()[0]
    rows = conn.execute(
        f"""SELECT v.article_id, v.title, snippet(web_fts_articles, 1, '{START}', '{END}', '…', 16) AS snip
            FROM web_fts_articles JOIN web_search_articles v ON v.rid = web_fts_articles.rowid
            WHERE web_fts_articles MATCH ? ORDER BY rank LIMIT ? OFFSET ?""", (expression, limit, offset)).fetchall()
    return total, [{"article": r[0], "title": r[1], "snippet": split_snippet(r[2])} for r in rows]


def search_quotes(conn: sqlite3.Connection, query: str, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    expression = match_expression(query)
    if expression is None:
        return 0, []
    total = conn.execute("SELECT COUNT(*) FROM web_fts_quotes WHERE web_fts_quotes MATCH ?", (expression,)).fetchone()[0]
    rows = conn.execute(
        f"""SELECT q.id, q.speaker, q.speaker_name, q.kind, q.first_seen, snippet(web_fts_quotes, 0, '{START}', '{END}', '…', 24) AS snip
            FROM web_fts_quotes JOIN quotes q ON q.rowid = web_fts_quotes.rowid
            WHERE web_fts_quotes MATCH ? ORDER BY rank LIMIT ? OFFSET ?""", (expression, limit, offset)).fetchall()
    return total, [{"quote": r[0], "speaker": r[1], "speaker_name": r[2], "kind": r[3], "first_seen": r[4],
                    "snippet": split_snippet(r[5])} for r in rows]
