"""What the pages and the API read from the store: an in-memory index of the corpus-level
tables that lists and counts need (stories, events, copy relations, article metadata, flags by
id, kind and severity), rebuilt only when the store changed, and direct SQL for the rest (texts,
statements, claims, flag records, each event's evidence, each copy's changes).

The store changes under a running server (a `dossier build` in another process, or an
ingest through the API); SQLite's `PRAGMA data_version` tells a connection cheaply when
another connection committed, and the index is then rebuilt. A small store's is rebuilt on the
next request. A large store's (97 s at 1,000,000 articles) is rebuilt in a thread while the
old one is served, and the pages' own reads see the store as it is meanwhile. (Holding the old
index's read transaction open until the new one is ready would show every page one version of
the store, but a reader that holds an old snapshot stops SQLite from restarting its write-ahead
log: beside a build, the log would grow by everything the build writes.)
"""

from __future__ import annotations

import json
import logging
import threading
import time
from array import array
from json.encoder import encode_basestring  # type: ignore[attr-defined]
import sqlite3
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from dossier.link.corpus import (CLAIM_ORDER, FLAG_ORDER_COLUMNS, claim_shaped, copy_shaped, events_by_id, flag_shaped,
                                 flag_sort_key, iter_events, iter_stories)
from dossier.report.document import export_article
from dossier.store.corpus import PRIMARY_ORDER
from dossier.store.db import connect

SEVERITIES = ("error", "warning", "info")
# how many statements (not quoted fragments) the articles of each story carry
# (by the story's root, its first event, as story_events names it; SQLite joined in a slower order from stories)
STORY_STATEMENTS = ("SELECT se.story, COUNT(DISTINCT o.quote_id) FROM story_events se "
                    "JOIN event_articles ea ON ea.event_id = se.event JOIN quote_occurrences o ON o.article_id = ea.article_id "
                    "JOIN quotes q ON q.id = o.quote_id WHERE q.kind != 'fragment' GROUP BY se.story")
SHOWN_OVER = 1000  # a statement of more occurrences than this gets only those its table row shows (`quotes_in`)
ALTERED_SHOWN = 100  # the altered occurrences a statements table lists, at most
QUOTE_MEMO = 50_000  # statements whose JSON a server keeps between requests
HEAVY_COPY_FIELDS = ("passages", "changes")  # what the index's copy relations leave out (`Reader.copy_relations`)
# an index that took longer than this to build is rebuilt in a thread while the old one is served
# (shorter ones on the request that finds the store changed: a second at 10,000 articles)
BACKGROUND_AFTER = 2.0

log = logging.getLogger("dossier.web")


def _js(value: str | None) -> str:
    """A string (or None) as JSON, with the json module's C escaper (json.dumps costs far more per call)."""
    return "null" if value is None else encode_basestring(value)


@dataclass(slots=True)
class ArticleMeta:
    """One article as lists and tables show it (its primary source's metadata)."""

    id: str
    title: str | None
    outlet: str | None  # display name (outlet_name, else the outlet key)
    outlet_key: str | None
    published: str | None
    url: str | None
    source: str
    outlets: list[str] = field(default_factory=list)  # every outlet that carried it (all sources)
    sources: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "outlet": self.outlet_key, "outlet_name": self.outlet,
                "published": self.published, "url": self.url, "source": self.source, "outlets": self.outlets,
                "sources": self.sources}


@dataclass
class Index:
    """The corpus-level tables, read once per store version."""

    articles: dict[str, ArticleMeta]
    article_order: list[str]  # newest first
    events: dict[str, dict[str, Any]]  # without their members' whys and date reasons (`Reader.events`)
    stories: list[dict[str, Any]]  # newest first, each with "counts" and "latest"
    story_by_id: dict[str, dict[str, Any]]
    event_story: dict[str, str]
    article_event: dict[str, str]
    copies: list[dict[str, Any]]
    copies_of: dict[str, list[dict[str, Any]]]  # original id -> copy relations (without HEAVY_COPY_FIELDS)
    copied_from: dict[str, list[dict[str, Any]]]  # copy id -> relations to its originals (the same)
    flags: FlagPlaces  # the flags' ids, kinds and severities in the export's order (`Reader.flags` reads them)
    article_flags: dict[str, array]  # article -> the places in `flags` of its flags, in order
    actor_names: dict[str, str]
    counts: dict[str, int]

    def outlets_of(self, article_ids: list[str] | set[str]) -> set[str]:
        return {o for a in article_ids if a in self.articles for o in self.articles[a].outlets}

    def story_of_article(self, article_id: str) -> str | None:
        event = self.article_event.get(article_id)
        return self.event_story.get(event) if event else None


def _primary_sources(conn: sqlite3.Connection) -> dict[str, ArticleMeta]:
    """Each article's metadata. The outlets' names and the dates are held once each, not once per
    article (a million articles name a few hundred outlets and days)."""
    out: dict[str, ArticleMeta] = {}
    shared: dict[str, str] = {}
    once = lambda value: value if value is None else shared.setdefault(value, value)  # noqa: E731
    columns = "s.article_id, s.title, s.outlet_name, s.outlet, s.published, s.url, s.source"
    for article_id, title, outlet_name, outlet_key, published, url, source in conn.execute(
            f"SELECT {columns} FROM sources s JOIN articles a ON a.id = s.article_id ORDER BY s.article_id, {PRIMARY_ORDER}"):
        outlet = once(outlet_name or outlet_key)
        meta = out.get(article_id)
        if meta is None:
            out[article_id] = ArticleMeta(article_id, title, outlet, once(outlet_key), once(published), url, source,
                                          [outlet] if outlet else [])
        else:
            meta.sources += 1
            if outlet and outlet not in meta.outlets:
                meta.outlets.append(outlet)
    return out


def _date_key(value: str | None) -> str:
    return value or ""


# each claim's id with its articles (a JSON list): what `Reader.claims_of` orders them by
CLAIM_ARTICLES = ("SELECT c.id, (SELECT json_group_array(DISTINCT json_extract(o.value, '$.article')) "
                  "FROM json_each(c.record, '$.occurrences') o) FROM claims c WHERE ")


# how many claims have an occurrence in the articles of {table}: those of the articles' claim scopes, and
# those written without a scope
_TOUCHING = ("EXISTS (SELECT 1 FROM json_each(c.record, '$.occurrences') o "
             "WHERE json_extract(o.value, '$.article') IN (SELECT article_id FROM {table}))")
CLAIMS_TOUCHING = ("SELECT COUNT(*) FROM claims c WHERE c.scope IN (SELECT DISTINCT s.scope FROM {table} w "
                   "CROSS JOIN claim_scopes s ON s.article_id = w.article_id) AND " + _TOUCHING,
                   "SELECT COUNT(*) FROM claims c WHERE c.scope IS NULL AND " + _TOUCHING)


class IdList:
    """Ids in one order, held as one string and their ends (a tenth of a list of strings: the
    claims' export order at 1,000,000 articles is ~4.7 million ids)."""

    __slots__ = ("_text", "_ends")

    def __init__(self, ids: Iterable[str]) -> None:
        parts, ends, end = [], array("Q"), 0
        for i in ids:
            parts.append(i)
            end += len(i)
            ends.append(end)
        self._text, self._ends = "".join(parts), ends

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, place: slice) -> list[str]:
        return self.take(range(*place.indices(len(self._ends))))

    def take(self, places: Iterable[int]) -> list[str]:
        """The ids at these places, in this order."""
        ends = self._ends
        return [self._text[ends[k - 1] if k else 0:ends[k]] for k in places]


@dataclass
class FlagPlaces:
    """Every flag by its place in the export's order: its id, kind and severity, not its record
    (the records were 0.9 GB of the index at 1,000,000 articles)."""

    ids: IdList
    kinds: list[str]  # the kinds' names
    kind: array  # each flag's kind, as a number in `kinds`
    severity: array  # each flag's severity, as its rank in SEVERITIES (len(SEVERITIES): another)

    def __len__(self) -> int:
        return len(self.kind)

    def places(self, kind: str | None = None, severity: str | None = None) -> list[int]:
        """The flags of this kind and severity (None: any), in the export's order."""
        k = self.kinds.index(kind) if kind in self.kinds else -1 if kind else None
        rank = (SEVERITIES.index(severity) if severity in SEVERITIES else -1) if severity else None
        return [p for p in range(len(self)) if (k is None or self.kind[p] == k) and (rank is None or self.severity[p] == rank)]

    def most_severe_first(self, places: Iterable[int]) -> list[int]:
        """These places, errors first, then warnings, then notes, otherwise in the order given."""
        return sorted(places, key=self.severity.__getitem__)


def _severity_rank(severity: str | None) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def _flag_places(conn: sqlite3.Connection) -> tuple[FlagPlaces, dict[str, array]]:
    """The flags in the export's order (as `link.corpus.iter_flags` gives them), and each article's."""
    rows = sorted((flag_sort_key(*row[:4]), row[3], row[0], row[1], row[4]) for row in conn.execute(
        f"SELECT {FLAG_ORDER_COLUMNS}, (SELECT json_group_array(DISTINCT json_extract(e.value, '$.article')) "
        "FROM json_each(record, '$.evidence') e) FROM flags"))
    kinds: list[str] = []
    kind, severity, by_article = array("H"), array("B"), {}
    for place, (_, _, flag_kind, flag_severity, articles) in enumerate(rows):
        if flag_kind not in kinds:
            kinds.append(flag_kind)
        kind.append(kinds.index(flag_kind))
        severity.append(_severity_rank(flag_severity))
        for article in json.loads(articles):
            if article is not None:
                by_article.setdefault(article, array("I")).append(place)
    return FlagPlaces(IdList(row[1] for row in rows), kinds, kind, severity), by_article


def _pooled(value: Any, pool: dict[str, str], skip: str = "articles") -> Any:
    """`value` (parsed JSON) with each of its strings the one `pool` holds, but the list under `skip`
    (an event's articles: ids met once each)."""
    if type(value) is str:
        return pool.setdefault(value, value)
    if type(value) is dict:
        return {pool.setdefault(k, k): v if k == skip else _pooled(v, pool, skip) for k, v in value.items()}
    if type(value) is list:
        return [_pooled(v, pool, skip) for v in value]
    return value


def _light_copies(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    """The copy relations between two articles in export shape and order, without HEAVY_COPY_FIELDS
    (left out by SQLite: parsing them, to drop them, took 10 s and 1.5 GB at 1,000,000 articles)."""
    heavy = ", ".join(f"'$.{field}'" for field in HEAVY_COPY_FIELDS)
    for (record,) in conn.execute(f"SELECT json_remove(record, {heavy}) FROM copies WHERE article != of "
                                  "ORDER BY of, article, source"):
        relation = json.loads(record)
        head = {k: relation.pop(k) for k in ("article", "of", "kind", "similarity")}  # as `copy_shaped` orders them
        yield {**head, **relation}


def build_index(conn: sqlite3.Connection) -> Index:
    """Read the corpus-level tables into memory (a second or so for 10,000 articles)."""
    articles = _primary_sources(conn)
    order = sorted(articles, key=lambda a: (_date_key(articles[a].published), a), reverse=True)
    # (without each member's why and date reason: `Reader.events` reads those for the events an answer shows)
    # (the events' keys, days and actors held once each: 1,000,000 articles' events took 1.1 GB before)
    pool: dict[str, str] = {}
    events_list = [_pooled(event, pool) for event in iter_events(conn, light=True)]
    stories_list = list(iter_stories(conn))
    del pool
    events = {e["id"]: e for e in events_list}
    article_event = {a: e["id"] for e in events_list for a in e["articles"]}
    # (without their passages and changes, most of a relation: `Reader.copy_relations` reads them for a page)
    copies = list(_light_copies(conn))
    copies_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    copied_from: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in copies:
        copies_of[c["of"]].append(c)
        copied_from[c["article"]].append(c)
    # no claims: an article's are found by its claim scopes when shown (`Reader.claims_of`), the export's
    # order of them all when the API pages through them (`Reader.claim_page`); their places were 48 s and
    # 0.5 GB of the index at 1,000,000 articles
    flags, article_flags = _flag_places(conn)
    # each story's statements counted by SQLite (the pass over every occurrence in Python was 43 s and, for
    # a story of 900,000 articles, a set of 7 million ids; counted when a story was first shown, it held a
    # server's requests for a minute at 1,000,000 articles: here it is in the rebuild's thread)
    by_root = dict(conn.execute(STORY_STATEMENTS).fetchall())
    story_quotes = {story_id: by_root.get(root, 0) for root, story_id in conn.execute("SELECT root, id FROM stories")}
    actor_names = {row[0]: row[1] for row in conn.execute("SELECT id, name FROM actors")}
    event_story: dict[str, str] = {}
    stories = []
    for story in stories_list:
        member_articles = [a for e in story["events"] if e in events for a in events[e]["articles"]]
        story_flags = {p for a in member_articles for p in article_flags.get(a, ())}
        dates = [d for e in story["events"] if e in events and events[e].get("date_range")
                 for d in (events[e]["date_range"]["earliest"], events[e]["date_range"]["latest"])]
        counts = {"events": len(story["events"]), "articles": len(member_articles),
                  "outlets": len({o for a in member_articles if a in articles for o in articles[a].outlets}),
                  "quotes": story_quotes.get(story["id"], 0), "flags": len(story_flags)}
        stories.append({**story, "counts": counts, "earliest": min(dates) if dates else None,
                        "latest": max(dates) if dates else None})
        for e in story["events"]:
            event_story[e] = story["id"]
    stories.sort(key=lambda s: (_date_key(s["latest"]), s["counts"]["articles"], s["id"]), reverse=True)
    counts = {"articles": len(articles), "events": len(events), "stories": len(stories), "copies": len(copies),
              "claims": conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0], "flags": len(flags),
              "actors": len(actor_names),
              "quotes": conn.execute("SELECT COUNT(*) FROM quotes").fetchone()[0]}
    return Index(articles, order, events, stories, {s["id"]: s for s in stories}, event_story, article_event, copies,
                 dict(copies_of), dict(copied_from), flags, article_flags,
                 actor_names, counts)


@dataclass
class _Served:
    """An index, with the version of the store it was built from."""

    index: Index
    version: int  # the watching connection's data_version when it was built
    seconds: float  # how long it took to build


class Reader:
    """The store as the server shows it: the index of one version of the store, and a connection
    for the pages' own reads.

    Pages run on one thread (the server's event loop) and call `index()` first; a new index is
    built on that thread (small stores) or on another (`refresh`) and adopted by the next call.
    Writers use their own connections."""

    def __init__(self, db_path: str | Path, background_after: float = BACKGROUND_AFTER):
        self.db_path = str(db_path)
        connect(db_path).close()  # create or migrate the schema as every command does
        self.background_after = background_after
        # only asked `PRAGMA data_version`, never in a transaction: it sees every other connection's commits
        self._watch = self._connect()
        self._watch_lock = threading.Lock()  # the watch is asked from the event loop and from refreshes
        self._building = threading.Lock()  # one index built at a time
        self._handover = threading.Lock()  # guards `_pending`
        self._pending: _Served | None = None  # built, not yet adopted
        self._served: _Served | None = None
        self._failed_at: int | None = None  # the version a background refresh failed on (not tried again)
        self._writers = 0  # this server's ingests running (`writing`)
        self.conn = self._connect()  # the pages' reads (on the event loop's thread)
        self.cache: dict[Any, Any] = {}  # per-version memo of derived results (counts, pages)

    def _connect(self) -> sqlite3.Connection:
        # the server's event loop may run in another thread than the one that made the app
        conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _version(self) -> int:
        with self._watch_lock:
            return self._watch.execute("PRAGMA data_version").fetchone()[0]

    def refresh(self) -> None:
        """Build the index of the store as it is now, to be served from the next `index()` on.
        Nothing is built when the served or waiting index is already of this version."""
        with self._building:
            # (read before the snapshot: a commit in between is in the snapshot, and only makes a later refresh)
            version = self._version()
            newest = self._pending or self._served
            if newest is not None and newest.version == version:
                return
            started = time.perf_counter()
            conn = self._connect()  # (its own: this may run beside the pages' reads)
            try:
                conn.execute("BEGIN")  # one snapshot of every table, even while a build commits
                index = build_index(conn)
            finally:
                conn.close()
            with self._handover:
                self._pending = _Served(index, version, time.perf_counter() - started)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Around this server's own writes to the store (an ingest: several commits): no request
        starts a rebuild in the background meanwhile, which would index the version between two
        of them and then be built again. The first request after the write rebuilds it. (The
        write's caller is not kept waiting for the index: a post's articles are readable once it
        is rebuilt, at once on a small store.)"""
        with self._handover:
            self._writers += 1
        try:
            yield
        finally:
            with self._handover:
                self._writers -= 1

    def _refresh_beside(self, version: int) -> None:
        try:
            self.refresh()
        except Exception:
            self._failed_at = version
            log.exception("rebuilding the index of %s failed; the previous version is still served", self.db_path)

    def _adopt(self) -> None:
        with self._handover:
            pending, self._pending = self._pending, None
        if pending is None:
            return
        self._served = pending
        self.cache.clear()

    def index(self) -> Index:
        """The index to answer this request from. A changed store's small index is rebuilt now; a
        large one's in a thread, the old one answering meanwhile."""
        self._adopt()
        if self._served is None:
            self.refresh()
            self._adopt()
        elif (version := self._version()) != self._served.version:
            if self._served.seconds < self.background_after:
                self.refresh()
                self._adopt()
            elif not self._building.locked() and version != self._failed_at and not self._writers:
                threading.Thread(target=self._refresh_beside, args=(version,), name="dossier-index",
                                 daemon=True).start()
        assert self._served is not None
        return self._served.index


    # --- events, copies and claims -----------------------------------------------------

    def copy_relations(self, ids: Iterable[str], side: str = "article") -> dict[str, list[dict[str, Any]]]:
        """The copy relations of these articles whole, in export shape (with their passages and
        changes): by copy (`side` "article": its relations to its originals) or by original
        (`side` "of": its copies); each list in the export's order."""
        assert side in ("article", "of")
        wanted = sorted(set(ids))
        found: dict[str, list[tuple[tuple[str, str, str], dict[str, Any]]]] = defaultdict(list)
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            for of, article, source, record in self.conn.execute(
                    f"SELECT of, article, source, record FROM copies WHERE {side} IN ({','.join('?' * len(part))}) "
                    f"AND article != of", part):
                found[article if side == "article" else of].append(((of, article, source or ""), copy_shaped(record)))
        return {key: [relation for _, relation in sorted(rows, key=lambda row: row[0])] for key, rows in found.items()}

    def events(self, ids: list[str]) -> list[dict[str, Any]]:
        """These events whole, in export shape (with each member's why and date reason), in this order."""
        return events_by_id(self.conn, ids)

    def claims(self, ids: list[str]) -> list[dict[str, Any]]:
        """These claims in export shape, in this order."""
        return self._records("claims", claim_shaped, ids)

    def flags(self, index: Index, places: Iterable[int]) -> list[dict[str, Any]]:
        """The flags at these places of `index.flags` (the index the request read: a newer one would
        number them otherwise), in export shape, in this order."""
        return self._records("flags", flag_shaped, index.flags.ids.take(places))

    def _records(self, table: str, shaped: Any, ids: list[str]) -> list[dict[str, Any]]:
        """The records of these ids of a table of records (claims, flags), shaped, in this order; one
        gone from the store is left out."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            found.update((row[0], shaped(row[1])) for row in self.conn.execute(
                f"SELECT id, record FROM {table} WHERE id IN ({','.join('?' * len(part))})", part))
        return [found[i] for i in ids if i in found]

    def claims_of(self, article_ids: Iterable[str], limit: int | None = None) -> tuple[int, list[str]]:
        """How many claims have an occurrence in these articles, and the ids of the first `limit` of
        them (None: all), each once: each article's in the export's order (most articles first,
        then by id), article by article. A story of 900,000 articles is counted by SQLite and walked
        only as far as its first claims."""
        wanted = list(dict.fromkeys(article_ids))
        with self._articles_table(wanted) as table:
            total = sum(self.conn.execute(query.format(table=table)).fetchone()[0] for query in CLAIMS_TOUCHING)
        out: dict[str, None] = {}
        for start in range(0, len(wanted), 100):
            out.update(dict.fromkeys(self._claims_of_each(wanted[start:start + 100])))
            if limit is not None and len(out) >= limit:
                break
        return total, list(out)[:limit]

    def _claims_of_each(self, wanted: list[str]) -> list[str]:
        """`claims_of` these few articles, all of them, found through the articles' claim scopes
        (`claim_scopes`: an event, or a copy pair across events) and among claims written without one."""
        scopes: set[str] = set()
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            scopes.update(row[0] for row in self.conn.execute(
                f"SELECT DISTINCT scope FROM claim_scopes WHERE article_id IN ({','.join('?' * len(part))})", part))
        scoped = sorted(scopes)
        queries = [("c.scope IS NULL", [])] + [(f"c.scope IN ({','.join('?' * len(part))})", part) for part in
                                               (scoped[k:k + 500] for k in range(0, len(scoped), 500))]
        mine = set(wanted)
        by_article: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for where, params in queries:
            for claim_id, articles in self.conn.execute(CLAIM_ARTICLES + where, params):
                articles = json.loads(articles)
                for article in mine.intersection(articles):
                    by_article[article].append((-len(articles), claim_id))
        out: dict[str, None] = {}
        for article in wanted:
            out.update((claim_id, None) for _, claim_id in sorted(by_article.get(article, ())))
        return list(out)

    @contextmanager
    def _articles_table(self, article_ids: Iterable[str]) -> Iterator[str]:
        """These articles in a temporary table of the pages' connection (its name), emptied after: a
        story's hundreds of thousands of articles are joined there by SQLite, not listed in queries."""
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS web_articles (article_id TEXT PRIMARY KEY) WITHOUT ROWID")
        self.conn.executemany("INSERT OR IGNORE INTO temp.web_articles VALUES (?)", ((a,) for a in article_ids))
        try:
            yield "temp.web_articles"
        finally:
            self.conn.execute("DELETE FROM temp.web_articles")

    def claim_page(self, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
        """How many claims there are, and those of this page of the export's order (read whole once
        per store version, when first asked)."""
        order = self.cache.get("claim-order")
        if order is None:
            order = self.cache["claim-order"] = IdList(row[0] for row in self.conn.execute(
                f"SELECT c.id FROM claims c {CLAIM_ORDER}"))
        return len(order), self.claims(order[offset:offset + limit])

    # --- articles ---------------------------------------------------------------------

    def article(self, article_id: str) -> dict[str, Any] | None:
        """One article in export shape (as `dossier export` writes it)."""
        row = self.conn.execute("SELECT id, text, lang FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return None
        sources = [dict(r) for r in self.conn.execute(
            f"SELECT s.* FROM sources s WHERE s.article_id = ? ORDER BY {PRIMARY_ORDER}", (article_id,))]
        if not sources:
            return None
        removals: dict[str, list[dict[str, str]]] = defaultdict(list)
        for r in self.conn.execute("SELECT source, text, reason FROM removals WHERE article_id = ? OR source IN "
                                   "(SELECT source FROM sources WHERE article_id = ?) ORDER BY source, article_id, seq",
                                   (article_id, article_id)):
            removals[r["source"] or ""].append({"text": r["text"], "reason": r["reason"]})
        for s in sources:
            s["partial"], s["synthetic"] = bool(s["partial"]), bool(s["synthetic"])
            s["removed"] = removals.get(s["source"], [])
        primary = sources[0]
        record = {**primary, "id": article_id, "lang": row["lang"], "text": row["text"],
                  "removed": removals.get(primary["source"], []) + removals.get("", []), "sources": sources}
        return export_article(record)

    def texts(self, article_ids: set[str] | list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        ids = list(article_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            out.update({r[0]: r[1] for r in self.conn.execute(f"SELECT id, text FROM articles WHERE id IN ({marks})", chunk)})
        return out

    # --- quotes -----------------------------------------------------------------------

    def _quote_rows(self, sql: str, params: tuple, shown_over: int | None = None) -> list[dict[str, Any]]:
        rows = self.conn.execute(sql, params).fetchall()
        return self._with_occurrences(rows, shown_over)

    def _with_occurrences(self, rows: list[sqlite3.Row], shown_over: int | None = None) -> list[dict[str, Any]]:
        """These statements with their occurrences, outlets and how many occurrences are altered. With
        `shown_over`, a statement of more occurrences than that gets only those a statements table shows
        (its first ALTERED_SHOWN altered ones and its first article's), its outlets and count found by
        SQLite: one statement of a 1,000,000-article corpus is carried by 307,269 articles, 306,112 of
        them altered, and reading them all made an event's page take 6 s."""
        index = self.index()
        ids = [r["id"] for r in rows]
        occurrences: dict[str, list[dict[str, Any]]] = defaultdict(list)
        outlets: dict[str, set[str]] = {}
        wide: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            if shown_over is not None:
                wide.update(row[0] for row in self.conn.execute(
                    f"SELECT quote_id FROM quote_occurrences WHERE quote_id IN ({marks}) GROUP BY quote_id "
                    "HAVING COUNT(*) > ?", (*chunk, shown_over)))
            narrow = [q for q in chunk if q not in wide]
            for quote_id, record in self.conn.execute(
                    f"SELECT quote_id, record FROM quote_occurrences WHERE quote_id IN ({','.join('?' * len(narrow))}) "
                    "ORDER BY quote_id, article_id, start", narrow):
                occurrences[quote_id].append(json.loads(record))
        altered_count: dict[str, int] = {}
        for r in rows:
            if r["id"] in wide:
                altered = "FROM quote_occurrences WHERE quote_id = ? AND json_array_length(record, '$.changes') > 0"
                records = dict(self.conn.execute(f"SELECT rowid, record {altered} ORDER BY article_id, start LIMIT ?",
                                                 (r["id"], ALTERED_SHOWN)).fetchall())
                records.update(self.conn.execute("SELECT rowid, record FROM quote_occurrences WHERE quote_id = ? AND "
                                                 "article_id = ?", (r["id"], r["first_seen"])))
                found = [json.loads(record) for record in records.values()]
                occurrences[r["id"]] = sorted(found, key=lambda o: (o["article"], o["start"]))
                altered_count[r["id"]] = self.conn.execute(f"SELECT COUNT(*) {altered}", (r["id"],)).fetchone()[0]
                outlets[r["id"]] = {row[0] for row in self.conn.execute(
                    "SELECT DISTINCT COALESCE(NULLIF(s.outlet_name, ''), s.outlet) FROM quote_occurrences o "
                    "JOIN sources s ON s.article_id = o.article_id WHERE o.quote_id = ?", (r["id"],)) if row[0]}
        out = []
        for r in rows:
            occ = occurrences.get(r["id"], [])
            carried = outlets[r["id"]] if r["id"] in outlets else index.outlets_of({o["article"] for o in occ})
            first = index.articles.get(r["first_seen"]) if r["first_seen"] else None
            changed = altered_count.get(r["id"], sum(1 for o in occ if o.get("changes")))
            out.append({"id": r["id"], "text": r["text"], "speaker": r["speaker"], "speaker_name": r["speaker_name"],
                        "occurrences": occ, "first_seen": r["first_seen"], "kind": r["kind"],
                        "first_seen_candidates": json.loads(r["first_seen_candidates"]),
                        "outlets": sorted(carried),
                        "first_seen_date": first.published if first else None,
                        "altered": changed > 0, "altered_count": changed})
        return out

    def quotes_page(self, limit: int, offset: int, speaker: str | None = None, article: str | None = None,
                    kind: str | None = None) -> tuple[int, list[dict[str, Any]]]:
        """A page of statements in store order, with their total, as a statements table shows them
        (`_with_occurrences`: a widely carried one without most of its occurrences)."""
        clause, params = _quote_filter(speaker, kind, article)
        self.index()  # refresh the cache on a new store version first
        key = ("quotes-total", clause, tuple(params))
        if key not in self.cache:
            self.cache[key] = self.conn.execute(f"SELECT COUNT(*) FROM quotes{clause}", params).fetchone()[0]
        rows = self._quote_rows(f"SELECT * FROM quotes{clause} ORDER BY rowid LIMIT ? OFFSET ?", (*params, limit, offset),
                                SHOWN_OVER)  # (the actor page's table)
        return self.cache[key], rows

    def quotes_json(self, limit: int, offset: int, speaker: str | None = None, article: str | None = None,
                    kind: str | None = None) -> tuple[int, list[bytes]]:
        """`quotes_page` as UTF-8 JSON, one piece per statement, for the API's hot path: the
        occurrence records are stored as JSON and are spliced in as they are, not parsed and
        serialised again (that round trip was most of the cost of a page)."""
        clause, params = _quote_filter(speaker, kind, article)
        index = self.index()
        key = ("quotes-total", clause, tuple(params))
        if key not in self.cache:
            self.cache[key] = self.conn.execute(f"SELECT COUNT(*) FROM quotes{clause}", params).fetchone()[0]
        if clause:
            rows = self.conn.execute(f"SELECT * FROM quotes{clause} ORDER BY rowid LIMIT ? OFFSET ?", (*params, limit, offset)).fetchall()
        else:  # the unfiltered list: rowids held in memory, so a deep page costs no table scan
            if "quote-rowids" not in self.cache:
                self.cache["quote-rowids"] = [r[0] for r in self.conn.execute("SELECT rowid FROM quotes ORDER BY rowid")]
            wanted = self.cache["quote-rowids"][offset:offset + limit]
            rows = self.conn.execute(f"SELECT * FROM quotes WHERE rowid IN ({','.join('?' * len(wanted))}) ORDER BY rowid",
                                     wanted).fetchall() if wanted else []
        return self.cache[key], self._quotes_as_json(index, rows)

    def quote_json(self, quote_id: str) -> bytes | None:
        rows = self.conn.execute("SELECT * FROM quotes WHERE id = ?", (quote_id,)).fetchall()
        return self._quotes_as_json(self.index(), rows)[0] if rows else None

    def _quotes_as_json(self, index: Index, rows: list[sqlite3.Row]) -> list[bytes]:
        """Each statement as UTF-8 JSON; memoised per store version (a statement's JSON only
        changes when the store does), up to QUOTE_MEMO statements."""
        memo = self.cache.setdefault("quote-json", {})
        missing = [r for r in rows if r["id"] not in memo]
        if missing:
            if len(memo) + len(missing) > QUOTE_MEMO:
                memo.clear()
            memo.update(zip((r["id"] for r in missing), (j.encode() for j in self._render_quotes_json(index, missing))))
        return [memo[r["id"]] for r in rows]

    def _render_quotes_json(self, index: Index, rows: list[sqlite3.Row]) -> list[str]:
        ids = [r["id"] for r in rows]
        occurrences: dict[str, list[tuple[str, str]]] = defaultdict(list)
        if ids:
            marks = ",".join("?" * len(ids))
            for quote_id, article_id, record in self.conn.execute(
                    f"SELECT quote_id, article_id, record FROM quote_occurrences WHERE quote_id IN ({marks}) "
                    f"ORDER BY quote_id, article_id, start", ids):
                occurrences[quote_id].append((article_id, record))
        dumps = _js
        out = []
        for r in rows:
            occ = occurrences.get(r["id"], [])
            first = index.articles.get(r["first_seen"]) if r["first_seen"] else None
            out.append(
                f'{{"id":{dumps(r["id"])},"text":{dumps(r["text"])},"speaker":{dumps(r["speaker"])},'
                f'"speaker_name":{dumps(r["speaker_name"])},"occurrences":[{",".join(o[1] for o in occ)}],'
                f'"first_seen":{dumps(r["first_seen"])},"kind":{dumps(r["kind"])},'
                f'"first_seen_candidates":{r["first_seen_candidates"]},'
                f'"outlets":[{",".join(map(_js, sorted(index.outlets_of({o[0] for o in occ}))))}],'
                f'"first_seen_date":{dumps(first.published if first else None)},'
                f'"altered":{"true" if any(_has_changes(o[1]) for o in occ) else "false"}}}')
        return out

    def quote(self, quote_id: str) -> dict[str, Any] | None:
        rows = self._quote_rows("SELECT * FROM quotes WHERE id = ?", (quote_id,))
        return rows[0] if rows else None

    def quotes_in(self, article_ids: list[str], limit: int = 100, total: int | None = None
                  ) -> tuple[int, list[dict[str, Any]]]:
        """The statements (not quoted fragments) carried by any of these articles, earliest
        first (by their first article's date, then id): how many there are, and the first `limit`
        with their occurrences. Counted and ordered by SQLite, so a story of 900,000 articles
        reads only the statements it shows."""
        with self._articles_table(article_ids) as table:  # (`total`: the caller counted them: a story's counts)
            # (CROSS JOIN: from the articles to their occurrences, in that order; left to choose, SQLite
            # read every occurrence in the store and looked each one's article up in the table)
            statements = (f"(SELECT DISTINCT o.quote_id FROM {table} w CROSS JOIN quote_occurrences o "
                          "ON o.article_id = w.article_id) x JOIN quotes q ON q.id = x.quote_id WHERE q.kind != 'fragment'")
            if total is None:
                total = self.conn.execute(f"SELECT COUNT(*) FROM {statements}").fetchone()[0]
            # the first article's date (its primary source's: the earliest), undated last ('~' sorts after
            # every date), computed once a statement
            rows = self.conn.execute(
                f"SELECT q.* FROM {statements} ORDER BY COALESCE((SELECT MIN(s.published) FROM sources s "
                "WHERE s.article_id = q.first_seen), '~'), q.id LIMIT ?", (limit,)).fetchall()
        return total, self._with_occurrences(rows, SHOWN_OVER)

    def occurrences_in(self, article_id: str) -> list[dict[str, Any]]:
        """Every quotation occurrence in one article, with its statement's id and kind."""
        out = []
        for quote_id, record, kind in self.conn.execute(
                "SELECT o.quote_id, o.record, q.kind FROM quote_occurrences o JOIN quotes q ON q.id = o.quote_id "
                "WHERE o.article_id = ? ORDER BY o.start", (article_id,)):
            occurrence = json.loads(record)
            occurrence["quote"], occurrence["quote_kind"] = quote_id, kind
            out.append(occurrence)
        return out

    # --- actors -----------------------------------------------------------------------

    def actor(self, actor_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT record FROM actors WHERE id = ?", (actor_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def actors_page(self, limit: int, offset: int, kind: str | None = None) -> tuple[int, list[dict[str, Any]]]:
        clause, params = (" WHERE kind = ?", [kind]) if kind else ("", [])
        total = self.conn.execute(f"SELECT COUNT(*) FROM actors{clause}", params).fetchone()[0]
        rows = self.conn.execute(f"SELECT record FROM actors{clause} ORDER BY id LIMIT ? OFFSET ?", (*params, limit, offset))
        return total, [json.loads(r[0]) for r in rows]


def _has_changes(record: str) -> bool:
    """Whether a stored occurrence record (JSON text) lists word changes, without parsing it."""
    at = record.find('"changes":')
    return at >= 0 and not record[at + 10:].lstrip().startswith("[]")


def _quote_filter(speaker: str | None, kind: str | None, article: str | None) -> tuple[str, list[str]]:
    """The WHERE clause and its parameters for a statements query."""
    where, params = [], []
    if speaker:
        where.append("speaker = ?")
        params.append(speaker)
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if article:
        where.append("id IN (SELECT quote_id FROM quote_occurrences WHERE article_id = ?)")
        params.append(article)
    return (" WHERE " + " AND ".join(where)) if where else "", params
