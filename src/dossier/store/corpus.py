"""Writing and reading the corpus: articles, their sources, removals and problems.

Writes come in batches, each one transaction, so a build killed at any moment leaves
the store as it was after the last whole batch; articles are keyed by content hash and
sources by name, so writing the same batch twice changes nothing.

An article's `base_text` (its clean text before the outlet boilerplate learned across articles is
taken out) is stored only while it differs from `text`; while they are the same it is '' (a text
is never empty). Most articles lose no learned line, and a second copy of every text was a tenth
of a 1,000,000-article store (2.6 GB). `BASE_TEXT` reads it either way (stores written before hold
both copies).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from dossier import fastjson
from dossier.corpus.clean import LineProfile, learn_from_profiles, line_profile, remove_learned_lines
from dossier.corpus.outlet import name_key, outlet_key
from dossier.model import Article, Skip
from dossier.store.analysis import text_hash
from dossier.store.db import rollback
from dossier.store.marks import log_seq, logged, since, write_mark

LEARNED_REASON_PREFIX = "repeated across outlet"
BASE_TEXT = "COALESCE(NULLIF(a.base_text, ''), a.text)"  # an article's base text (`a`: the articles table)


@dataclass
class FileDone:
    """A file read to its end: what it produced, so stale rows from an older read go."""

    file: str
    size: int
    mtime_ns: int
    sources: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)


@dataclass
class Batch:
    """What one transaction writes: articles and skips with the file each came from."""

    articles: list[tuple[str, Article]] = field(default_factory=list)
    skips: list[tuple[str, Skip]] = field(default_factory=list)
    files_done: list[FileDone] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.articles) + len(self.skips)


def _write_article(conn: sqlite3.Connection, file: str, article: Article) -> bool:
    # a new article's text hash now: the analysis step then finds its record (keyed by that hash) current
    # without reading and hashing its text again (~50 us an article, alone on one core after the shards)
    cursor = conn.execute(
        "INSERT OR IGNORE INTO articles (id, base_text, text, lang, text_hash) VALUES (?, '', ?, ?, ?)",
        (article.id, article.text, article.lang, text_hash(article.text)),
    )
    conn.execute("DELETE FROM removals WHERE source = ?", (article.source,))
    conn.execute(
        """INSERT INTO sources (source, file, article_id, url, outlet, outlet_name, title, author,
                               published, published_source, fetched, partial, extractor, synthetic)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (source) DO UPDATE SET
               file = excluded.file, article_id = excluded.article_id, url = excluded.url,
               outlet = excluded.outlet, outlet_name = excluded.outlet_name, title = excluded.title,
               author = excluded.author, published = excluded.published,
               published_source = excluded.published_source, fetched = excluded.fetched, partial = excluded.partial,
               extractor = excluded.extractor, synthetic = excluded.synthetic""",
        (
            article.source, file, article.id, article.url, article.outlet, article.outlet_name,
            article.title, article.author, article.published, article.published_source, article.fetched,
            int(article.partial), article.extractor, int(article.synthetic),
        ),
    )
    conn.executemany(
        "INSERT INTO removals (source, seq, text, reason) VALUES (?, ?, ?, ?)",
        [(article.source, seq, r.text, r.reason) for seq, r in enumerate(article.removed)],
    )
    for reason in article.repairs:
        _write_problem(conn, article.source, file, "repaired", reason)
    return cursor.rowcount == 1


def _write_problem(conn: sqlite3.Connection, source: str, file: str, action: str, reason: str) -> None:
    conn.execute(
        """INSERT INTO problems (source, file, action, reason) VALUES (?, ?, ?, ?)
           ON CONFLICT (source, action, reason) DO UPDATE SET
               file = excluded.file, seen_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')""",
        (source, file, action, reason),
    )


def _finish_file(conn: sqlite3.Connection, done: FileDone) -> None:
    """Drop what an older read of this file produced and this read did not; mark it done."""
    old_sources = [r[0] for r in conn.execute("SELECT source FROM sources WHERE file = ?", (done.file,))]
    for source in old_sources:
        if source not in done.sources:
            conn.execute("DELETE FROM removals WHERE source = ?", (source,))
            conn.execute("DELETE FROM sources WHERE source = ?", (source,))
    keep = done.sources | done.skipped
    for (source,) in conn.execute("SELECT DISTINCT source FROM problems WHERE file = ?", (done.file,)).fetchall():
        if source not in keep:
            conn.execute("DELETE FROM problems WHERE source = ?", (source,))
    articles = len(done.sources)
    conn.execute(
        """INSERT INTO files (file, size, mtime_ns, articles, skipped) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (file) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
               articles = excluded.articles, skipped = excluded.skipped,
               done_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')""",
        (done.file, done.size, done.mtime_ns, articles, len(done.skipped)),
    )


def save_batch(conn: sqlite3.Connection, batch: Batch) -> int:
    """Write one batch in one transaction; return how many articles were new."""
    new = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for file, article in batch.articles:
            new += _write_article(conn, file, article)
        for file, skip in batch.skips:
            _write_problem(conn, skip.source, file, "skipped", skip.reason)
        for done in batch.files_done:
            _finish_file(conn, done)
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise
    return new


def finished_file_articles(conn: sqlite3.Connection, file: str, size: int, mtime_ns: int) -> int | None:
    """How many articles a file gave when it was read to the end before, if it has not
    changed since (same size and modification time); None when it must be read."""
    row = conn.execute("SELECT size, mtime_ns, articles FROM files WHERE file = ?", (file,)).fetchone()
    if row is None or row["size"] != size or row["mtime_ns"] != mtime_ns:
        return None
    return row["articles"]


def finalize(conn: sqlite3.Connection) -> None:
    """The corpus-level steps that end every build: outlet keys, then outlet boilerplate."""
    unify_outlet_keys(conn)
    learn_outlet_boilerplate(conn)


def unify_outlet_keys(conn: sqlite3.Connection) -> int:
    """Give sources that name an outlet but have no URL the domain key that sources
    with a URL and the same outlet name have (`Valley Tribune` → `valleytribune.example`).

    A name's key depends only on the sources of that name, so a build redoes the names its
    new, removed or changed sources carry (`store.marks`), not the whole store; the result
    does not depend on arrival order.
    """
    seq = log_seq(conn)
    after = since(conn, "outlet keys")
    names: list[str] | None = None  # the outlet names to look at; None: all
    if after is not None:
        keys = {name_key(n) for n in logged(conn, "outlet_name", after)}
        names = [n for n in _outlet_names(conn) if name_key(n) in keys] if keys else []
    domains: dict[str, Counter] = defaultdict(Counter)
    for row in _sources_named(conn, "outlet_name, outlet, COUNT(*) AS n", names,
                              "url != '' AND outlet != '' GROUP BY outlet_name, outlet"):
        domains[name_key(row["outlet_name"])][row["outlet"]] += row["n"]
    changed = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for row in _sources_named(conn, "source, outlet_name, outlet", names, "url IS NULL"):
            counts = domains.get(name_key(row["outlet_name"]))
            key = min(counts, key=lambda d: (-counts[d], d)) if counts else outlet_key(None, row["outlet_name"])
            if key != row["outlet"]:
                conn.execute("UPDATE sources SET outlet = ? WHERE source = ?", (key, row["source"]))
                changed += 1
        write_mark(conn, "outlet keys", seq)
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise
    return changed


def _sources_named(conn: sqlite3.Connection, columns: str, names: list[str] | None, where: str) -> list[sqlite3.Row]:
    """Sources that name an outlet and meet `where` (which may end in a GROUP BY): all of them,
    or those naming one of `names`."""
    if names is None:
        return conn.execute(f"SELECT {columns} FROM sources WHERE outlet_name IS NOT NULL AND {where}").fetchall()
    return [row for start in range(0, len(names), 500) for row in conn.execute(
        f"SELECT {columns} FROM sources WHERE outlet_name IN ({','.join('?' * len(names[start:start + 500]))}) "
        f"AND {where}", names[start:start + 500])]


def _outlet_names(conn: sqlite3.Connection) -> list[str]:
    """The distinct outlet names, one index seek each (`SELECT DISTINCT` read every source's
    entry in the index: 100,000 of them for 41 names in a generated store)."""
    names: list[str] = []
    row = conn.execute("SELECT MIN(outlet_name) FROM sources").fetchone()
    while row[0] is not None:
        names.append(row[0])
        row = conn.execute("SELECT MIN(outlet_name) FROM sources WHERE outlet_name > ?", (row[0],)).fetchone()
    return names


def outlet_signatures(conn: sqlite3.Connection, outlets: Iterable[str] | None = None) -> dict[str, str]:
    """Per outlet (every one, or these), a signature of the set of articles it has: their number
    and an order-independent sum of their ids (content hashes). It changes when an article joins
    or leaves the outlet, or a source of it is re-read with other text. An outlet without
    sources has none."""
    members: dict[str, set[str]] = defaultdict(set)
    rows: Iterable[tuple[str, str]] = (
        conn.execute("SELECT outlet, article_id FROM sources WHERE outlet IS NOT NULL") if outlets is None else
        (row for o in sorted(outlets) for row in conn.execute("SELECT outlet, article_id FROM sources WHERE outlet = ?", (o,))))
    for outlet, article_id in rows:
        members[outlet].add(article_id)
    return {outlet: f"{len(ids)}:{sum(int(hashlib.sha1(a.encode()).hexdigest()[:15], 16) for a in ids) % (1 << 61)}"
            for outlet, ids in members.items()}


class _StoredLines(dict):
    """Outlet -> its learned lines: those learned in this run, else read from the store when asked."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__()
        self.conn = conn

    def __missing__(self, outlet: str) -> set[str]:
        row = self.conn.execute("SELECT lines FROM outlet_boilerplate WHERE outlet = ?", (outlet,)).fetchone()
        self[outlet] = lines = set(fastjson.loads(row[0])) if row else set()
        return lines


def learn_outlet_boilerplate(conn: sqlite3.Connection) -> int:
    """Re-derive the text, less the lines its outlets repeat, of every article of an outlet
    whose set of articles changed since the last build; drop orphans. Return how many
    articles' texts changed.

    An outlet's lines depend only on its own articles, so an outlet whose articles did not
    change keeps its stored lines and its articles are not read: a build that adds one
    article reads the texts of that article's outlets, not the store's, and finds those
    outlets (and the articles that lost a source) in the log of source changes
    (`store.marks`), not by reading every source. The result depends only on which articles
    are stored, not on the order or the batches they came in.
    """
    seq = log_seq(conn)
    after = since(conn, "outlet boilerplate")
    conn.execute("BEGIN IMMEDIATE")
    try:
        if after is None:  # everything: no mark yet
            conn.execute("DELETE FROM articles WHERE id NOT IN (SELECT article_id FROM sources)")
            signatures = outlet_signatures(conn)
            stored = {row[0]: row[1] for row in conn.execute("SELECT outlet, signature FROM outlet_boilerplate")}
        else:
            conn.executemany("DELETE FROM articles WHERE id = ? AND NOT EXISTS (SELECT 1 FROM sources WHERE article_id = ?)",
                             [(a, a) for a in sorted(logged(conn, "article_id", after))])
            outlets = logged(conn, "outlet", after)
            signatures = outlet_signatures(conn, outlets)
            stored = {o: row[0] for o in sorted(outlets) for row in conn.execute(
                "SELECT signature FROM outlet_boilerplate WHERE outlet = ?", (o,))}
        dirty = sorted(o for o in signatures if stored.get(o) != signatures[o])
        conn.executemany("DELETE FROM outlet_boilerplate WHERE outlet = ?", [(o,) for o in stored if o not in signatures])
        lines_of = _StoredLines(conn)
        # The articles whose sources changed; every article when there is no mark. An article
        # whose sources and outlets' lines are unchanged keeps its text, so it is not read again.
        affected: set[str] = set() if after is None else logged(conn, "article_id", after)
        for outlet in dirty:  # one outlet's profiles in memory at a time
            profiles = _line_profiles(conn, outlet)
            before = lines_of[outlet] if outlet in stored else None
            lines_of[outlet] = learn_from_profiles(profiles.values())
            if after is None or lines_of[outlet] != before:
                affected |= profiles.keys()
            conn.execute("INSERT OR REPLACE INTO outlet_boilerplate (outlet, signature, lines) VALUES (?, ?, ?)",
                         (outlet, signatures[outlet], fastjson.dumps(sorted(lines_of[outlet]))))
        changed = sum(_apply_outlet_lines(conn, aid, lines_of) for aid in sorted(affected))
        write_mark(conn, "outlet boilerplate", seq)
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise
    return changed


def _line_profiles(conn: sqlite3.Connection, outlet: str) -> dict[str, LineProfile]:
    """The line profiles of an outlet's articles: those stored, and those missing made from the
    base texts and stored (every article's, the first time; then the new ones')."""
    profiles: dict[str, LineProfile] = {}
    missing = []
    for article_id, profile in conn.execute(
            "SELECT DISTINCT s.article_id, l.profile FROM sources s LEFT JOIN article_lines l ON l.article_id = s.article_id "
            "WHERE s.outlet = ?", (outlet,)):
        if profile is None:
            missing.append(article_id)
        else:
            profiles[article_id] = LineProfile.from_json(fastjson.loads(profile))
    for start in range(0, len(missing), 500):
        part = missing[start:start + 500]
        made = [(row[0], line_profile(row[1])) for row in conn.execute(
            f"SELECT a.id, {BASE_TEXT} FROM articles a WHERE a.id IN ({','.join('?' * len(part))})", part)]
        conn.executemany("INSERT OR REPLACE INTO article_lines (article_id, profile) VALUES (?, ?)",
                         [(article_id, fastjson.dumps(profile.to_json())) for article_id, profile in made])
        profiles.update(made)
    return profiles


def _apply_outlet_lines(conn: sqlite3.Connection, article_id: str, lines_of: dict[str, set[str]]) -> bool:
    """Give one article its text less its outlets' learned lines; True when that changed it."""
    row = conn.execute(f"SELECT {BASE_TEXT}, a.text FROM articles a WHERE a.id = ?", (article_id,)).fetchone()
    if row is None:
        return False
    base_text, current = row
    lines: set[str] = set()
    for (outlet,) in conn.execute("SELECT DISTINCT outlet FROM sources WHERE article_id = ? AND outlet IS NOT NULL",
                                  (article_id,)):
        lines |= lines_of.get(outlet, set())
    text, removed = remove_learned_lines(base_text, lines) if lines else (base_text, [])
    if not text.strip():  # never let learning empty an article
        text, removed = base_text, []
    stored = [(r[0], r[1]) for r in conn.execute(
        "SELECT text, reason FROM removals WHERE article_id = ? ORDER BY seq", (article_id,))]
    if text == current and [(r.text, r.reason) for r in removed] == stored:
        return False  # most articles: nothing to write
    conn.execute("UPDATE articles SET text = ?, base_text = ? WHERE id = ?",
                 (text, "" if text == base_text else base_text, article_id))
    conn.execute("DELETE FROM removals WHERE article_id = ?", (article_id,))
    conn.executemany("INSERT INTO removals (article_id, seq, text, reason) VALUES (?, ?, ?, ?)",
                     [(article_id, seq, r.text, r.reason) for seq, r in enumerate(removed)])
    return True


# --- reading ---------------------------------------------------------------------------

# The primary source of an article: the earliest dated; on the same day, the publisher's own
# page (a URL, a file of its own) before a record in an aggregator's feed or archive.
PRIMARY_ORDER = "(s.published IS NULL), s.published, (s.url IS NULL), (s.source LIKE '%#%'), s.source"


def _source_dict(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "source": row["source"],
        "url": row["url"],
        "outlet": row["outlet"],
        "outlet_name": row["outlet_name"],
        "title": row["title"],
        "author": row["author"],
        "published": row["published"],
        "published_source": row["published_source"],
        "fetched": row["fetched"],
        "partial": bool(row["partial"]),
        "extractor": row["extractor"],
        "synthetic": bool(row["synthetic"]),
    }


def iter_articles(conn: sqlite3.Connection, ids: Iterable[str] | None = None,
                  chunk: int = 500) -> Iterator[dict[str, Any]]:
    """Every article (or these) with its primary source's metadata, all its sources and removals,
    by date then id, read `chunk` articles at a time: nothing the size of the corpus is held (the
    order of every article comes from SQLite, which spills its sort to disk when they are many;
    a list of every article with its text was ~10 GB at 1,000,000 articles).

    The primary source is the earliest dated one (then the first by name), so the
    choice does not depend on the order in which sources arrived.
    """
    if ids is not None:
        wanted = sorted(set(ids))
        records = [r for i in range(0, len(wanted), chunk) for r in _read_articles(conn, wanted[i:i + chunk])]
        records.sort(key=lambda r: (r["published"] is None, r["published"] or "", r["id"]))
        yield from records
        return
    for part in article_chunks(conn, chunk):
        yield from part


def article_chunks(conn: sqlite3.Connection, chunk: int = 500) -> Iterator[list[dict[str, Any]]]:
    """Every article's record (`iter_articles`), in its order, `chunk` at a time."""
    # the primary source's date is the earliest of the article's (PRIMARY_ORDER: dated first, earliest first)
    ordered = conn.cursor().execute(
        "SELECT article_id, MIN(published) AS published FROM sources WHERE article_id IS NOT NULL "
        "GROUP BY article_id ORDER BY published IS NULL, published, article_id")
    try:
        while part := [row[0] for row in ordered.fetchmany(chunk)]:
            found = {r["id"]: r for r in _read_articles(conn, part)}
            yield [found[a] for a in part if a in found]
    finally:
        ordered.close()


def _read_articles(conn: sqlite3.Connection, part: list[str]) -> list[dict[str, Any]]:
    """These articles' records (`iter_articles`), in no particular order."""
    marks = ",".join("?" * len(part))
    sources: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in conn.execute(f"SELECT s.* FROM sources s WHERE s.article_id IN ({marks}) "
                            f"ORDER BY s.article_id, {PRIMARY_ORDER}", part):
        sources[row["article_id"]].append(_source_dict(row))
    removals: dict[str, list[dict[str, str]]] = defaultdict(list)
    # by index: the sources' own removals, and what was learned for the articles (a row has one or the other)
    names = [src["source"] for rows in sources.values() for src in rows]
    queries = [(f"SELECT source, article_id, text, reason FROM removals WHERE source IN "
                f"({','.join('?' * len(names_part))}) ORDER BY source, seq", names_part)
               for names_part in (names[i:i + 500] for i in range(0, len(names), 500))]
    queries.append((f"SELECT source, article_id, text, reason FROM removals WHERE article_id IN ({marks}) "
                    f"ORDER BY article_id, seq", part))
    for query, query_args in queries:
        for row in conn.execute(query, query_args):
            key = row["source"] or "article:" + row["article_id"]
            removals[key].append({"text": row["text"], "reason": row["reason"]})
    records = []
    for row in conn.execute(f"SELECT id, text, lang FROM articles WHERE id IN ({marks})", part):
        article_sources = sources.get(row["id"], [])
        if not article_sources:
            continue
        primary = article_sources[0]
        removed = removals.get(primary["source"], []) + removals.get("article:" + row["id"], [])
        for src in article_sources:
            src["removed"] = removals.get(src["source"], [])
        records.append({"id": row["id"], **primary, "lang": row["lang"], "text": row["text"], "removed": removed,
                        "sources": article_sources})
    return records


def problems(conn: sqlite3.Connection, files: Iterable[str] | None = None) -> list[dict[str, str]]:
    """Skips and repairs, for the given input files or for all."""
    rows = conn.execute("SELECT source, file, action, reason FROM problems ORDER BY file, source, action, reason").fetchall()
    wanted = set(files) if files is not None else None
    return [dict(r) for r in rows if wanted is None or r["file"] in wanted]


def counts(conn: sqlite3.Connection) -> dict[str, Any]:
    """Numbers for the build summary."""
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    return {
        "articles": one("SELECT COUNT(*) FROM articles"),
        "sources": one("SELECT COUNT(*) FROM sources"),
        "skipped": one("SELECT COUNT(*) FROM problems WHERE action = 'skipped'"),
        "outlets": [dict(r) for r in conn.execute(
            "SELECT outlet, COUNT(DISTINCT article_id) AS n FROM sources WHERE outlet IS NOT NULL GROUP BY outlet ORDER BY n DESC, outlet")],
        "languages": [dict(r) for r in conn.execute(
            "SELECT COALESCE(lang, 'unknown') AS lang, COUNT(*) AS n FROM articles GROUP BY lang ORDER BY n DESC, lang")],
    }
