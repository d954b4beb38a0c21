"""Opening the database: WAL mode, foreign keys, and migrations to the current schema."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dossier.store.schema import MIGRATIONS

DEFAULT_DB = "dossier.db"
# SQLite's page cache while a link rewrites whole tables (KiB): its default, 2 MB, holds a few hundred
# of the pages that inserts by random keys (statement ids are hashes) touch, so most inserts read a
# page back (at 100,000 articles the statements' rows took 43.4 s to delete and insert, 28.2 s with this).
# A full link's rewrite only: claims and flags with it were no faster and their step's peak grew by 0.28 GB
BULK_CACHE_KB = 256 * 1024


class StoreError(Exception):
    """The database cannot be opened or is not a dossier database."""


def connect(path: str | Path = DEFAULT_DB, *, create: bool = True, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open (or create) a dossier database and bring its schema up to date (`check_same_thread`
    as sqlite3's: False for a connection its owner hands between threads under a lock)."""
    path = Path(path)
    if not create and not path.exists():
        raise StoreError(f"no database at {path}: run `dossier build PATH... --db {path}` first")
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=check_same_thread)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a usable dossier database ({exc})") from exc
    return conn


def rollback(conn: sqlite3.Connection) -> None:
    """Undo the open transaction, if SQLite has not already: on a full disk ("database or disk is full")
    or an I/O error it rolls back by itself, and a ROLLBACK then raised an error that hid the real one."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """The store as it is when the block first reads it, for the whole block (one read transaction: a build
    that commits meanwhile is not seen). Inside a transaction already, that one."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction for the block (BEGIN IMMEDIATE: the write lock taken at once), committed
    when it ends, rolled back (`rollback`) when it raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


@contextmanager
def bulk_cache(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A page cache of BULK_CACHE_KB for the block (a whole table rewritten), the connection's own after:
    it is memory only while pages fill it, but freed pages stay in the process's heap."""
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KB}")
    try:
        yield conn
    finally:
        conn.execute(f"PRAGMA cache_size = {int(before)}")


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations this database has not had yet; return the schema version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(f"database schema {version} is newer than this dossier knows ({len(MIGRATIONS)}); upgrade dossier")
    for number in range(version, len(MIGRATIONS)):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # another connection may have migrated while we waited for the lock: read again inside it
            if conn.execute("PRAGMA user_version").fetchone()[0] > number:
                conn.execute("COMMIT")
                continue
            # executescript would commit on its own; run the statements one by one instead.
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
    return len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
