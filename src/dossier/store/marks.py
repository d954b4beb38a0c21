"""Where each corpus step of a build left off in the log of source changes (schema 13).

A build ends with corpus-level steps (outlet keys, outlet boilerplate, the freshness of the
analyses) whose result depends on the store's sources. Each step keeps a mark: the last
`source_log` entry it has seen and what it ran with. The next run reads only the entries after
its mark (the articles, outlets and outlet names they name) instead of every source, so adding
one article to a large store does not scan the store. Without a mark (a store older than the
log, or a step run with other settings) the step runs over everything and sets its mark.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def log_seq(conn: sqlite3.Connection) -> int:
    """The last entry of the source log (0 when empty)."""
    return conn.execute("SELECT COALESCE(MAX(seq), 0) FROM source_log").fetchone()[0]


def read_mark(conn: sqlite3.Connection, step: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT value FROM marks WHERE name = ?", (step,)).fetchone()
    return json.loads(row[0]) if row else None


def write_mark(conn: sqlite3.Connection, step: str, seq: int, **settings: Any) -> None:
    """Record that `step` has seen the log up to `seq` (call it inside the step's transaction)."""
    conn.execute("INSERT OR REPLACE INTO marks (name, value) VALUES (?, ?)",
                 (step, json.dumps({"seq": seq, **settings}, sort_keys=True)))


def since(conn: sqlite3.Connection, step: str, **settings: Any) -> int | None:
    """The log entry after which `step` must look, or None when it must look at everything
    (no mark, or a mark made with other settings)."""
    mark = read_mark(conn, step)
    if mark is None or any(mark.get(k) != v for k, v in settings.items()):
        return None
    return mark["seq"]


def logged(conn: sqlite3.Connection, column: str, after: int) -> set[str]:
    """The distinct values of a source_log column (article_id, outlet, outlet_name) after an entry."""
    assert column in ("article_id", "outlet", "outlet_name")
    return {r[0] for r in conn.execute(f"SELECT DISTINCT {column} FROM source_log WHERE seq > ? AND {column} IS NOT NULL",
                                       (after,))}
