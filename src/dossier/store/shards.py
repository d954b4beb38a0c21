"""Writing a shard's result: everything it produced and its completion marker, in ONE
transaction, so a driver killed at any moment leaves each shard either fully written
and marked, or not at all (and a rerun redoes exactly the unmarked ones)."""

from __future__ import annotations

import sqlite3

from dossier.scale.shards import FileStamp, Shard, ShardResult
from dossier.model import Article
from dossier.store.corpus import FileDone, _finish_file, _write_article, _write_problem
from dossier.store.db import rollback

FAILED_PREFIX = "not read, to retry in the next build: "  # the reason of a shard whose worker kept dying


def finished(conn: sqlite3.Connection, shard_id: str) -> int | None:
    """The articles a shard stored, when it was written before (None when it was not). One
    lookup per planned shard: a one-article post into a large store plans one shard, and reading
    every shard's marker took a few ms per post."""
    row = conn.execute("SELECT articles FROM shards WHERE id = ?", (shard_id,)).fetchone()
    return None if row is None else row[0]


def _clear_file(conn: sqlite3.Connection, file: str) -> None:
    """What an older version of a container left: its sources, problems, markers."""
    conn.execute("DELETE FROM removals WHERE source IN (SELECT source FROM sources WHERE file = ?)", (file,))
    conn.execute("DELETE FROM sources WHERE file = ?", (file,))
    conn.execute("DELETE FROM problems WHERE file = ?", (file,))
    conn.execute("DELETE FROM files WHERE file = ?", (file,))
    conn.execute("DELETE FROM shards WHERE file = ?", (file,))


def _mark_file_done(conn: sqlite3.Connection, container: FileStamp) -> None:
    """A container all of whose shards are written: a rerun skips it while it is unchanged."""
    name = container.name
    conn.execute(
        """INSERT INTO files (file, size, mtime_ns, articles, skipped) VALUES (?, ?, ?,
               (SELECT COUNT(*) FROM sources WHERE file = ?),
               (SELECT COUNT(DISTINCT source) FROM problems WHERE file = ? AND action = 'skipped'))
           ON CONFLICT (file) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
               articles = excluded.articles, skipped = excluded.skipped,
               done_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')""",
        (name, container.size, container.mtime_ns, name, name),
    )


def finish_container(conn: sqlite3.Connection, container: FileStamp) -> None:
    """Mark a container done whose last shard an earlier build wrote while another of its
    shards had failed, now that this build wrote that one."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        _mark_file_done(conn, container)
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


def _problem_sources(shard: Shard) -> list[str]:
    return [shard.label] if shard.container is not None else [e.name for e in shard.files]


def save_shard(conn: sqlite3.Connection, shard: Shard, result: ShardResult, finish_file: bool = True) -> int:
    """Write one shard and mark it done; return how many of its articles were new.

    A group of files marks each file done (`files`), as a whole-file read always did. The
    first shard of a container clears the older version's rows; its last shard marks the
    file done unless `finish_file` is False (an earlier shard of it failed in this build).
    """
    container = shard.container
    stdin = container is not None and container.file.is_stdin
    new = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        if container is not None and shard.seq == 0 and not stdin:
            _clear_file(conn, container.name)
        conn.executemany(f"DELETE FROM problems WHERE source = ? AND reason LIKE '{FAILED_PREFIX}%'",
                         [(s,) for s in _problem_sources(shard)])
        done: dict[str, FileDone] = {e.name: FileDone(e.name, e.size, e.mtime_ns) for e in shard.files}
        articles = 0
        for file, item in result.items:
            if isinstance(item, Article):
                new += _write_article(conn, file, item)
                articles += 1
                if file in done:
                    done[file].sources.add(item.source)
            else:
                _write_problem(conn, item.source, file, "skipped", item.reason)
                if file in done:
                    done[file].skipped.add(item.source)
        # a record already there stays: it may be the one on the finalized text (store.analysis redoes stale ones)
        conn.executemany("INSERT INTO analyses (article_id, key, record) VALUES (?, ?, ?) ON CONFLICT (article_id) DO NOTHING",
                         result.records)
        # a profile already there stays: it is of the same text (an article's id is its text's hash)
        conn.executemany("INSERT OR IGNORE INTO article_lines (article_id, profile) VALUES (?, ?)", result.profiles)
        for file_done in done.values():
            if file_done.file != "<stdin>":
                _finish_file(conn, file_done)
        if container is not None and shard.last and finish_file and not stdin:
            _mark_file_done(conn, container)
        conn.execute(
            """INSERT INTO shards (id, file, seq, items, articles) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (id) DO UPDATE SET items = excluded.items, articles = excluded.articles,
                   done_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')""",
            (shard.id, shard.name, shard.seq, shard.items, articles),
        )
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise
    return new


def save_failure(conn: sqlite3.Connection, shard: Shard, reason: str) -> None:
    """Record that a shard could not be run (no marker: the next build tries it again)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for source in _problem_sources(shard):
            _write_problem(conn, source, shard.name if shard.container else source, "skipped", FAILED_PREFIX + reason)
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise
