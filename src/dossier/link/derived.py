"""Claims and flags for the parts of the corpus a batch touched, not the whole corpus.

Every claim and flag is derived within a scope, and each row in the store says which one
(`scope` column, schema 10), so a batch rewrites the rows of the scopes it touched and no
others:

| scope | what is recomputed | detector |
|---|---|---|
| `g:<event>` | claims of one event's articles (`g:<article>` for an article without an event; `link.claims.group_claims`, idf is the group's), and their number-mismatch flags | numbers |
| `p:<a>:<b>` | claims a copy and its original in different events share (`link.claims.pair_claims`), and their number-mismatch flags | numbers |
| `a:<article>` | titles that did not hold on the article's date | roles |
| `e:<event>` | dates one event's articles give for one happening | dates |
| `q:<quote>` | one merged statement's speakers and wordings | speakers, quotes (within a statement) |
| `c:<article>` | the copy relations of one copy (credit) | copies |
| `k:<article>` | the copy relations of one copy (new words in the speaker's mouth) | quotes (within copies) |

No claim scope grows with the corpus (`link.claims.claim_scopes` says why): a group is an
event, a pair two articles. Which `g:` and `p:` scopes hold each article is kept in
`claim_scopes` (schema 12), so a batch finds the scopes its articles left by id, and every
read of a batch goes through an index by id: its work is that of the scopes it reaches, not of
the corpus. A full derivation runs the same code over every scope, a chunk at a time, writing
each chunk's rows before reading the next (all in one transaction), so its memory is a chunk's.
Scopes are independent, so a full derivation of a large store computes its chunks on forked
workers (`link.pool`), each reading the store with its own connection, and writes their rows in
the order one process would: the tables are the same, rowids included.

What is not exact: `quotes._within_copies` asks whether any other article carries a copy's
wording; here it asks the chunk's articles, then every occurrence in the corpus of the same
statement (`_carried_elsewhere`; identical words are one merged statement, so this is the same
answer unless quote merging kept them apart). Actor
renames are not tracked: a flag's message keeps the actor name it was written with until its
scope is touched again.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from dossier import fastjson
from dossier.link.claims import (ClaimArticle, Features, article_features, claims_for, group_claims, group_key,
                                 pair_claims, pair_key)
from dossier.link.pool import ForkPool, can_fork, default_workers
from dossier.store.corpus import PRIMARY_ORDER, iter_articles
from dossier.store.db import rollback

CHUNK = 500
SPAN = 2000  # articles per chunk of claim groups (and of events for the dates detector)
OCCURRENCES = 4000  # occurrences per chunk of statements (`_bounded`)
BIG_STATEMENT = 1000  # occurrences past which a statement's carriers are read once and kept (`Carriers`)
KEPT_WORDINGS = 1_000_000  # wordings of such statements kept together (~100 MB)
BATCH_POOL_CHUNKS = 16  # a batch's derivation forks workers from this many chunks of scopes
_NOBODY = object()


def _chunks(ids: Iterable[Any], size: int | None = None) -> Iterator[list[Any]]:
    items, size = sorted(set(ids)), size or CHUNK
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _marks(part: list[str]) -> str:
    return ",".join("?" * len(part))


def _keyset(conn: sqlite3.Connection, query: str, size: int | None = None) -> Iterator[list[str]]:
    """Sorted keys a page at a time (`query` takes the last key seen and a limit), so a full
    derivation never holds every id of a table."""
    last = ""
    while True:
        keys = [r[0] for r in conn.execute(query, (last, size or CHUNK))]
        if not keys:
            return
        yield keys
        last = keys[-1]


# ---- which articles each claim scope holds ------------------------------------------------

def _events_of(conn: sqlite3.Connection, articles: Iterable[str]) -> dict[str, str]:
    out = {}
    for part in _chunks(articles):
        out.update({r[0]: r[1] for r in conn.execute(
            f"SELECT article_id, event_id FROM event_articles WHERE article_id IN ({_marks(part)})", part)})
    return out


def _event_members(conn: sqlite3.Connection, event_ids: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for part in _chunks(event_ids):
        for r in conn.execute(f"SELECT event_id, article_id FROM event_articles WHERE event_id IN ({_marks(part)}) "
                              f"ORDER BY event_id, position", part):
            out[r[0]].append(r[1])
    return out


def _stored_scopes(conn: sqlite3.Connection, articles: Iterable[str]) -> dict[str, set[str]]:
    """The `g:` and `p:` scopes each article was in when claims were last derived."""
    out: dict[str, set[str]] = defaultdict(set)
    for part in _chunks(articles):
        for r in conn.execute(f"SELECT article_id, scope FROM claim_scopes WHERE article_id IN ({_marks(part)})", part):
            out[r[0]].add(r[1])
    return out


def _cross_pairs(conn: sqlite3.Connection, articles: Iterable[str] | None = None) -> set[tuple[str, str]]:
    """Copy relations (of these articles, or all) whose two articles are in different groups, as
    (smaller id, larger id): the `p:` scopes of `link.claims.claim_scopes`."""
    query = ("SELECT c.article, c.of, ea.event_id, eb.event_id FROM copies c JOIN articles x ON x.id = c.article "
             "JOIN articles y ON y.id = c.of LEFT JOIN event_articles ea ON ea.article_id = c.article "
             "LEFT JOIN event_articles eb ON eb.article_id = c.of WHERE c.article != c.of")
    rows: list[tuple] = []
    if articles is None:
        rows = conn.execute(query).fetchall()
    else:
        for part in _chunks(articles):
            m = _marks(part)
            rows += conn.execute(f"{query} AND (c.article IN ({m}) OR c.of IN ({m}))", part + part).fetchall()
    return {(min(a, b), max(a, b)) for a, b, ea, eb in rows if group_key(ea, a) != group_key(eb, b)}


def _existing(conn: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    out = set()
    for part in _chunks(ids):
        out |= {r[0] for r in conn.execute(f"SELECT id FROM articles WHERE id IN ({_marks(part)})", part)}
    return out


@dataclass
class Plan:
    """What a derivation redoes: chunks of claim groups (scope, members), of copy pairs, and of
    the keys of each flag scope; `forget` lists the scopes and articles whose rows go first."""
    groups: Iterable[list[tuple[str, list[str]]]]
    pairs: Iterable[list[tuple[str, str]]]
    keys: dict[str, Iterable[list[str]]]
    forget_scopes: set[str]
    forget_articles: set[str]


def _full_plan(conn: sqlite3.Connection) -> Plan:
    def groups() -> Iterator[list[tuple[str, list[str]]]]:
        for events in _keyset(conn, "SELECT DISTINCT event_id FROM event_articles WHERE event_id > ? "
                                    "ORDER BY event_id LIMIT ?"):
            members = _event_members(conn, events)
            yield from _spans([(group_key(e, ""), members[e]) for e in events])
        for loners in _keyset(conn, "SELECT id FROM articles a WHERE id > ? AND NOT EXISTS "
                                    "(SELECT 1 FROM event_articles e WHERE e.article_id = a.id) ORDER BY id LIMIT ?"):
            yield [(group_key(None, a), [a]) for a in loners]

    copies = "SELECT DISTINCT article FROM copies WHERE article > ? AND article != of ORDER BY article LIMIT ?"
    return Plan(groups(), _chunks(_cross_pairs(conn)), {
        "a": _keyset(conn, "SELECT id FROM articles WHERE id > ? ORDER BY id LIMIT ?", SPAN),
        "e": _keyset(conn, "SELECT DISTINCT event_id FROM event_articles WHERE event_id > ? ORDER BY event_id LIMIT ?"),
        "c": _keyset(conn, copies, 2 * CHUNK), "k": _keyset(conn, copies, 2 * CHUNK),
        "q": _statements_in_order(conn)}, set(), set())


def _spans(groups: list[tuple[str, list[str]]]) -> Iterator[list[tuple[str, list[str]]]]:
    """Groups in chunks of about SPAN articles (a bigger group alone)."""
    chunk: list[tuple[str, list[str]]] = []
    size = 0
    for group in groups:
        if chunk and size + len(group[1]) > SPAN:
            yield chunk
            chunk, size = [], 0
        chunk.append(group)
        size += len(group[1])
    if chunk:
        yield chunk


def _statements_in_order(conn: sqlite3.Connection, size: int | None = None,
                         occurrences: int | None = None) -> Iterator[list[str]]:
    """Every statement id, those first seen in the same article together (a chunk's articles
    are then read once rather than in every chunk: ids are hashes, so sorted they scatter), in
    chunks of `_bounded` size."""
    cursor = conn.cursor()  # its own cursor: rows are written on the connection between pages
    cursor.execute("SELECT quote_id, COUNT(*) FROM quote_occurrences GROUP BY quote_id "
                   "ORDER BY MIN(article_id), quote_id")
    yield from _bounded(iter(cursor), size, occurrences)


def _bounded(counted: Iterator[tuple[str, int]], size: int | None = None,
             occurrences: int | None = None) -> Iterator[list[str]]:
    """Statement ids (with their numbers of occurrences) in chunks of at most `size` statements
    and `occurrences` occurrences (a statement carried more widely alone). A chunk reads every
    article that carries one of its statements, so a few widely carried statements in one chunk
    held several thousand articles at once in a worker (the peak of a full derivation at
    200,000 articles)."""
    size, occurrences = size or 2 * CHUNK, occurrences or OCCURRENCES
    chunk: list[str] = []
    carried = 0
    for quote_id, n in counted:
        if chunk and (len(chunk) >= size or carried + n > occurrences):
            yield chunk
            chunk, carried = [], 0
        chunk.append(quote_id)
        carried += n
    if chunk:
        yield chunk


def _local_chunks(conn: sqlite3.Connection, quote_ids: set[str], size: int | None = None,
                  occurrences: int | None = None) -> Iterator[list[str]]:
    """These statements in chunks, in the order of `_statements_in_order`."""
    first: dict[str, tuple[str, int]] = {}
    for part in _chunks(quote_ids):
        first.update((r[0], (r[1], r[2])) for r in conn.execute(
            f"SELECT quote_id, MIN(article_id), COUNT(*) FROM quote_occurrences WHERE quote_id IN ({_marks(part)}) "
            f"GROUP BY quote_id", part))
    ordered = sorted(quote_ids, key=lambda q: (first[q][0] if q in first else "", q))
    yield from _bounded(((q, first[q][1] if q in first else 0) for q in ordered), size, occurrences)


def _batch_plan(conn: sqlite3.Connection, touched: dict[str, set[str]]) -> Plan:
    """The scopes that the touched articles, events and quotes reach, found by id: the touched
    articles, the members a touched event has or had, and those of them whose group changed."""
    asked = set(touched.get("articles", ()))
    articles = _existing(conn, asked)
    gone = asked - articles
    events = set(touched.get("events", ()))
    now = _events_of(conn, articles)
    members = _event_members(conn, events)
    candidates = set(articles) | {a for m in members.values() for a in m}
    for part in _chunks(group_key(e, "") for e in events):
        candidates |= {r[0] for r in conn.execute(
            f"SELECT article_id FROM claim_scopes WHERE scope IN ({_marks(part)})", part)}
    candidates = _existing(conn, candidates - articles) | articles
    now.update(_events_of(conn, candidates - articles))
    stored = _stored_scopes(conn, candidates | gone)

    def old_group(a: str) -> str | None:
        return next((s for s in stored.get(a, ()) if s.startswith("g:")), None)

    moved = {a for a in candidates if old_group(a) != group_key(now.get(a), a)}
    reach = articles | moved
    old_events = {g[2:] for a in moved | gone if (g := old_group(a)) and g[2:] != a}
    dirty_events = events | {now[a] for a in reach if a in now} | old_events
    quotes = set(touched.get("quotes", ())) | _quote_ids_of(conn, reach)
    reached = set(articles) | _carriers_of_touched(conn, touched, gone)
    copy_articles = {c["article"] for c in _copies(conn, articles) if c["article"] != c["of"]}
    within = copy_articles | {c["article"] for c in _copies(conn, reached) if c["article"] != c["of"]}

    old_scopes = {s for a in reach | gone for s in stored.get(a, ())}
    groups = {group_key(now.get(a), a) for a in reach} | {group_key(e, "") for e in events}
    groups |= {g for a in moved | gone if (g := old_group(a))}  # the groups they left, redone without them
    pairs = _cross_pairs(conn, reach)
    forget = groups | old_scopes | {pair_key(*p) for p in pairs}
    keys = {"a": articles, "e": dirty_events, "c": copy_articles, "k": within}
    forget |= {f"{letter}:{key}" for letter, ids in keys.items() for key in ids}
    forget |= {"q:" + q for q in quotes}
    # each group's members now: an event's rows, or the one article without an event
    event_members = _event_members(conn, {g[2:] for g in groups})
    found = []
    for g in sorted(groups):
        if g[2:] in event_members:
            found.append((g, event_members[g[2:]]))
        elif g[2:] in candidates and g[2:] not in now:
            found.append((g, [g[2:]]))
    return Plan(_spans(found), _chunks(pairs), {**{k: _chunks(v, SPAN if k == "a" else 2 * CHUNK) for k, v in keys.items()},
                                                "q": _local_chunks(conn, quotes)},
                forget, reach | gone)


def _carriers_of_touched(conn: sqlite3.Connection, touched: dict[str, set[str]], gone: set[str]) -> set[str]:
    """The articles whose copies' `k:` flags the batch's statements can change.

    A copy's flags read its statements' ids and ask whether another article carries its words
    in the same statement (`_carried_elsewhere`). A statement with a new id reaches every article
    carrying it. One stored under the same id before the batch (`touched["kept"]`,
    `Linker.merge_statements`) kept every occurrence it had and gained some: those of the articles
    in `touched["brought"]` (the batch's, and the carriers of statements it took in, whose ids
    changed), which are reached. For the rest, the answer changes only for the words so brought,
    and only for an article that alone carried them in it before (for two or more it was yes
    already): that article is reached, not every carrier (a statement of 307,269 occurrences redid
    the flags of every copy among them, ~45,000, when a batch of 2,000 quoted it). When the caller
    does not say which were kept, or an article left the store (its words may have been another's
    only company), every carrier of every touched statement is reached."""
    # (spelled_out_words, not the cached quote_words: most of these are read once)
    from dossier.check.quotes import spelled_out_words

    quotes = set(touched.get("quotes", ()))
    kept = set() if touched.get("kept") is None or gone else quotes & set(touched["kept"])
    reached: set[str] = set()
    for part in _chunks(quotes - kept):
        reached |= {r[0] for r in conn.execute(
            f"SELECT DISTINCT article_id FROM quote_occurrences WHERE quote_id IN ({_marks(part)})", part)}
    brought = {q: set(a) for q, a in (touched.get("brought") or {}).items() if q in kept}
    for quote_id in sorted(brought):
        bringers = brought[quote_id]
        reached |= bringers
        rows = [(r[0], spelled_out_words(r[1] or "")) for r in conn.execute(
            "SELECT article_id, json_extract(record, '$.text') FROM quote_occurrences WHERE quote_id = ?", (quote_id,))]
        words = {said for article_id, said in rows if article_id in bringers}
        alone: dict[tuple[str, ...], str | None] = {}  # brought words -> the one article that had them, None: two or more
        for article_id, said in rows:
            if article_id not in bringers and said in words and alone.setdefault(said, article_id) != article_id:
                alone[said] = None
        reached |= {article_id for article_id in alone.values() if article_id is not None}
    return reached


def _forget(conn: sqlite3.Connection, plan: Plan) -> None:
    scopes = [(s,) for s in sorted(plan.forget_scopes)]
    conn.executemany("DELETE FROM claims WHERE scope = ?", scopes)
    conn.executemany("DELETE FROM flags WHERE scope = ?", scopes)
    conn.executemany("DELETE FROM claim_scopes WHERE scope = ?", scopes)
    conn.executemany("DELETE FROM claim_scopes WHERE article_id = ?", [(a,) for a in sorted(plan.forget_articles)])


# ---- claims of a scope, read by id ----------------------------------------------------------

@dataclass
class ClaimInputs:
    articles: dict[str, ClaimArticle]
    claims: dict[str, list[dict[str, Any]]]
    features: dict[str, Features]


def claim_inputs(conn: sqlite3.Connection, ids: Iterable[str],
                 new_features: dict[str, tuple[str, Features]] | None = None) -> ClaimInputs:
    """What claim matching needs of these articles. Each article's claim features are read from
    `claim_features` when kept for its analysis key (its text is then not read); those computed
    now are put in `new_features` (article id -> (key, features)) to be kept."""
    out = ClaimInputs({}, {}, {})
    features = out.features
    for part in _chunks(ids):
        m = _marks(part)
        meta = {row[0]: (row[1], row[2]) for row in conn.execute(
            f"SELECT article_id, MIN(published), MIN(outlet_name) FROM sources WHERE article_id IN ({m}) "
            f"GROUP BY article_id", part)}
        records = {row[0]: (row[1], row[2]) for row in conn.execute(
            f"SELECT article_id, key, json_extract(record, '$.claims') FROM analyses WHERE article_id IN ({m})", part)}
        for row in conn.execute(f"SELECT f.article_id, f.features FROM claim_features f JOIN analyses an "
                                f"ON an.article_id = f.article_id AND an.key = f.key WHERE f.article_id IN ({m})", part):
            features[row[0]] = fastjson.loads(row[1])
        known = [a for a in part if a in features]
        rows = [(r[0], "", r[1]) for r in conn.execute(
            f"SELECT id, lang FROM articles WHERE id IN ({_marks(known)})", known)] if known else []
        rest = [a for a in part if a not in features]
        if rest:
            rows += conn.execute(f"SELECT id, text, lang FROM articles WHERE id IN ({_marks(rest)})", rest).fetchall()
        for article_id, text, lang in rows:
            article = ClaimArticle(article_id, text, lang, *meta.get(article_id, (None, None)))
            out.articles[article_id] = article
            key, claims = records.get(article_id, (None, None))
            out.claims.update(claims_for([article], {article_id: {"claims": fastjson.loads(claims)} if claims else {}}))
            if article_id not in features:
                features[article_id] = article_features(article, out.claims[article_id])
                if key is not None and new_features is not None:
                    new_features[article_id] = (key, features[article_id])
    return out


def _group_chunk(conn: sqlite3.Connection, chunk: list[tuple[str, list[str]]],
                 new_features: dict[str, tuple[str, Features]]) -> list[tuple[str, list[str], list[dict[str, Any]]]]:
    """(scope, members, claims) of each group of a chunk."""
    inputs = claim_inputs(conn, (a for _, members in chunk for a in members), new_features)
    relations = _copies(conn, (a for _, members in chunk for a in members), originals=False)
    out = []
    for scope, members in chunk:
        mine = set(members)
        event_of = {a: scope[2:] for a in members if scope[2:] != a}
        claims = group_claims([inputs.articles[a] for a in members if a in inputs.articles], inputs.claims, event_of,
                              [c for c in relations if c["article"] in mine], inputs.features)
        out.append((scope, members, claims))
    return out


def _pair_chunk(conn: sqlite3.Connection, chunk: list[tuple[str, str]],
                new_features: dict[str, tuple[str, Features]]) -> list[tuple[str, list[str], list[dict[str, Any]]]]:
    """(scope, its two articles, every claim of the two) of each copy pair of a chunk; only the
    claims both state are kept as rows (`_claim_rows`), all are what the detector reads."""
    inputs = claim_inputs(conn, (a for pair in chunk for a in pair), new_features)
    return [(pair_key(a, b), [a, b], pair_claims([inputs.articles[x] for x in (a, b) if x in inputs.articles],
                                                  inputs.claims, inputs.features, shared_only=False))
            for a, b in chunk]


# ---- reading what a detector needs, by id ----------------------------------------------------

def _copies(conn: sqlite3.Connection, ids: Iterable[str], both: bool = False,
            originals: bool = True) -> list[dict[str, Any]]:
    """Copy relations (export shape) whose copy is one of `ids` (or whose original is, with
    `originals`); with `both`, only those whose two articles are both in `ids`."""
    wanted = set(ids)
    seen, out = set(), []
    for part in _chunks(wanted):
        m = _marks(part)
        where = f"article IN ({m})" + (f" OR of IN ({m})" if originals else "")
        for rowid, record in conn.execute(f"SELECT rowid, record FROM copies WHERE {where}",
                                          part + part if originals else part):
            if rowid in seen:
                continue
            seen.add(rowid)
            c = fastjson.loads(record)
            if both and not (c["article"] in wanted and c["of"] in wanted):
                continue
            out.append(c)
    out.sort(key=lambda c: (c["of"], c["article"], c.get("source", "")))
    return out


def export_articles(conn: sqlite3.Connection, ids: Iterable[str], ranges: bool = False) -> list[dict[str, Any]]:
    """These articles in export shape (as `report.document.build_document` gives them). The
    inferred `published_range` comes with `ranges` only: it is read out of the whole analysis
    record (most of what reading an article costs), and only the roles detector reads it."""
    from dossier.report.document import export_article  # imports link.corpus, which imports us

    wanted = list(ids)
    inferred = {}
    for part in _chunks(wanted) if ranges else ():
        inferred.update((row[0], fastjson.loads(row[1])) for row in conn.execute(
            f"SELECT article_id, json_extract(record, '$.published_range') FROM analyses "
            f"WHERE article_id IN ({_marks(part)})", part) if row[1])
    out = [export_article(record, inferred.get(record["id"])) for record in iter_articles(conn, wanted)]
    out.sort(key=lambda a: (a["published"] is None, a["published"] or "", a["id"]))
    return out


def _quoting_articles(conn: sqlite3.Connection, ids: Iterable[str]) -> list[dict[str, Any]]:
    """These articles with only what the per-statement detectors read of them (id, language and
    the primary source's names, `check.common.outlet`), not their texts: a statement is carried
    by up to tens of thousands of articles, and each occurrence carries its own words."""
    out = []
    for part in _chunks(ids):
        m = _marks(part)
        primary: dict[str, dict[str, Any]] = {}
        for row in conn.execute(f"SELECT s.article_id, s.source, s.outlet, s.outlet_name FROM sources s "
                                f"WHERE s.article_id IN ({m}) ORDER BY s.article_id, {PRIMARY_ORDER}", part):
            primary.setdefault(row[0], {"source": row[1], "outlet": row[2], "outlet_name": row[3]})
        out += [{"id": row[0], **primary[row[0]], "lang": row[1]}
                for row in conn.execute(f"SELECT id, lang FROM articles WHERE id IN ({m})", part) if row[0] in primary]
    return out


def _mentions(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """These articles' analysis records with their mentions alone (all the roles detector reads):
    SQLite cuts the mentions out, so Python decodes a fraction of each record."""
    out = {}
    for part in _chunks(ids):
        for row in conn.execute(f"SELECT article_id, json_extract(record, '$.mentions') FROM analyses "
                                f"WHERE article_id IN ({_marks(part)})", part):
            out[row[0]] = {"mentions": fastjson.loads(row[1])} if row[1] is not None else {}
    return out


def _quotes(conn: sqlite3.Connection, quote_ids: Iterable[str]) -> list[dict[str, Any]]:
    """These merged statements in export shape (`link.corpus.read_quotes`), every occurrence."""
    out = []
    for part in _chunks(quote_ids):
        occurrences: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in conn.execute(f"SELECT quote_id, record FROM quote_occurrences WHERE quote_id IN ({_marks(part)}) "
                                f"ORDER BY quote_id, article_id, start", part):
            occurrences[row[0]].append(fastjson.loads(row[1]))
        out += _quote_rows(conn, part, occurrences)
    return out


def _quotes_in(conn: sqlite3.Connection, articles: Iterable[str]) -> list[dict[str, Any]]:
    """The statements these articles carry, as `_quotes` gives them (same order) but with their
    occurrences in these articles only: what the detector of altered quotes within copies reads.
    Every occurrence of a statement carried by thousands of articles held ~1.4 GiB in each worker
    of a full derivation at 1,000,000 articles; these are read by article (the table's key)."""
    occurrences: dict[str, list[tuple[tuple[str, int, int], dict[str, Any]]]] = defaultdict(list)
    for part in _chunks(articles):
        for row in conn.execute(f"SELECT quote_id, article_id, start, end, record FROM quote_occurrences "
                                f"WHERE article_id IN ({_marks(part)})", part):
            occurrences[row[0]].append(((row[1], row[2], row[3]), fastjson.loads(row[4])))
    ordered = {q: [record for _, record in sorted(found, key=lambda f: f[0])] for q, found in occurrences.items()}
    out = []
    for part in _chunks(ordered):
        out += _quote_rows(conn, part, ordered)
    return out


def _quote_rows(conn: sqlite3.Connection, part: list[str],
                occurrences: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The `quotes` rows of these ids (in rowid order) with the occurrences given."""
    return [{"id": row["id"], "text": row["text"], "speaker": row["speaker"], "speaker_name": row["speaker_name"],
             "occurrences": occurrences.get(row["id"], []), "first_seen": row["first_seen"], "kind": row["kind"]}
            for row in conn.execute(f"SELECT * FROM quotes WHERE id IN ({_marks(part)}) ORDER BY rowid", part)]


def _actors(conn: sqlite3.Connection, ids: Iterable[str]) -> list[dict[str, Any]]:
    out = []
    for part in _chunks(i for i in ids if i):
        out += [fastjson.loads(r[0]) for r in conn.execute(f"SELECT record FROM actors WHERE id IN ({_marks(part)})", part)]
    return out


def _quote_ids_of(conn: sqlite3.Connection, articles: Iterable[str]) -> set[str]:
    out = set()
    for part in _chunks(articles):
        out |= {r[0] for r in conn.execute(
            f"SELECT DISTINCT quote_id FROM quote_occurrences WHERE article_id IN ({_marks(part)})", part)}
    return out


# ---- the scoped runs -----------------------------------------------------------------------

def _run(detector: Any, document: dict[str, Any], records: dict[str, dict], kb: Any) -> list[dict[str, Any]]:
    from dossier.check import run_checks

    return run_checks(document, records, kb, detectors=[detector])


def _number_flags(conn: sqlite3.Connection, kb: Any, scopes: list[tuple[str, list[str], list[dict[str, Any]]]]
                  ) -> list[tuple[str, dict[str, Any]]]:
    """Number mismatches of each claim scope, from every claim of its articles."""
    from dossier.check import numbers

    wanted = [(scope, claims) for scope, _, claims in scopes
              if any(len({o["article"] for o in c["occurrences"]}) > 1 for c in claims)]  # else nothing to compare
    if not wanted:
        return []
    # the detector reads articles (and whether they are copies) only for claims of two articles or
    # more; the others give it each article's figures, which it takes from the claims themselves
    shared = {scope: {o["article"] for c in claims if len({o["article"] for o in c["occurrences"]}) > 1
                      for o in c["occurrences"]} for scope, claims in wanted}
    ids = set().union(*shared.values())
    exported = {a["id"]: a for a in export_articles(conn, ids)}
    relations = _copies(conn, ids, originals=False)  # every relation whose copy is one of them
    out = []
    for scope, claims in wanted:
        mine = shared[scope]
        document = {"articles": [a for i, a in exported.items() if i in mine], "claims": claims,
                    "copies": [c for c in relations if c["article"] in mine]}
        out += [(scope, f) for f in _run(numbers.detect, document, {}, kb)]
    return out


def _flags(conn: sqlite3.Connection, kb: Any, letter: str, keys: list[str], carriers: Carriers | None = None
           ) -> list[tuple[str, dict[str, Any]]]:
    """(scope, flag) of these keys of one kind of flag scope (`a`, `e`, `c`, `k` or `q`); `carriers`:
    the derivation's, kept from chunk to chunk."""
    from dossier.check import MODULES, quotes as altered
    from dossier.check import copies as uncredited, dates, roles, speakers

    out: list[tuple[str, dict[str, Any]]] = []
    if letter == "a":  # role-date conflicts, per article
        if "roles" in MODULES:
            document = {"articles": export_articles(conn, keys, ranges=True)}
            out += [("a:" + f["evidence"][0]["article"], f) for f in _run(roles.detect, document, _mentions(conn, keys), kb)]
    elif letter == "e":  # date conflicts, per event, a batch of about SPAN articles at a time
        members = _event_members(conn, keys)
        batch: list[str] = []
        for event in sorted(members) + [None]:
            if event is not None:
                batch.append(event)
            if batch and (event is None or sum(len(members[e]) for e in batch) >= SPAN):
                document = {"articles": export_articles(conn, (a for e in batch for a in members[e])),
                            "events": [{"id": e, "articles": members[e]} for e in batch]}
                event_of = {a: e for e in batch for a in members[e]}
                out += [("e:" + event_of[f["evidence"][0]["article"]], f) for f in _run(dates.detect, document, {}, kb)]
                batch = []
    elif letter in "ck":  # uncredited copies and altered quotes within copies, per copy article
        relations = _copies(conn, keys, originals=False)
        ids = {c["article"] for c in relations} | {c["of"] for c in relations}
        document = {"articles": export_articles(conn, ids), "copies": relations}
        if letter == "c":
            found = _run(uncredited.detect, document, {}, kb)
        else:
            document["quotes"] = _quotes_in(conn, ids)  # of the rest of the corpus, `elsewhere` asks the store
            document["actors"] = _actors(conn, _speakers(document["quotes"]))
            elsewhere = _carried_elsewhere(conn, carriers)
            found = _run(lambda d, r, k: altered._within_copies(d, _by_id(d), _names(d), elsewhere), document, {}, kb)
        out += [(letter + ":" + _copy_of(f), f) for f in found]
    elif letter == "q":  # speaker conflicts and altered quotes within a statement, per statement
        quotes = _quotes(conn, keys)
        ids = {o["article"] for q in quotes for o in q["occurrences"]}
        event_of = _events_of(conn, ids)
        events: dict[str, list[str]] = defaultdict(list)
        for a, e in sorted(event_of.items()):
            events[e].append(a)
        document = {"articles": _quoting_articles(conn, ids), "quotes": quotes, "actors": _actors(conn, _speakers(quotes)),
                    "events": [{"id": e, "articles": a} for e, a in sorted(events.items())],
                    "copies": _copies(conn, ids, both=True)}
        linked = {frozenset((c["article"], c["of"])) for c in document["copies"]}
        found = _run(speakers.detect, document, {}, kb)
        found += _run(lambda d, r, k: altered._within_quotes(d, _by_id(d), _names(d), linked, k), document, {}, kb)
        out += [("q:" + f["quote"], f) for f in found]
    return out


class Carriers:
    """Whether an article other than a copy carries some words in the same statement, for one
    derivation (each forked worker fills a copy of its own).

    The detector of altered quotes within copies asks this of each occurrence it would flag
    (`_carried_elsewhere`). A statement's rows are read one at a time until one carries the words,
    which for most statements is a few rows. A statement carried by hundreds of thousands of
    articles was read whole each time it was asked about, though: at 1,000,000 generated articles one
    has 307,269 occurrences in 165,262 wordings, and those reads were 32 % of the time of the flags
    of copies (py-spy). A statement of more than BIG_STATEMENT occurrences (23 at 1,000,000, with
    427,335 occurrences together) is read once instead, into a map of each wording's words (by
    their digest) to the one article carrying them, or None for two or more; the maps are kept while
    they hold at most KEPT_WORDINGS wordings together (the least recently asked go first). Reading
    every statement whole into such a map, however small, made the flags of copies slower (337 ->
    420 s at 1,000,000): most of them answer within their first rows."""

    def __init__(self) -> None:
        self._kept: OrderedDict[str, dict[bytes, str | None]] = OrderedDict()
        self._wordings = 0  # in the kept maps together
        self._small: set[str] = set()  # statements known to be at most BIG_STATEMENT occurrences

    def carried(self, conn: sqlite3.Connection, quote_id: str, words: tuple[str, ...], copy_id: str) -> bool:
        found = self._map(conn, quote_id)
        if found is not None:
            first = found.get(_words_digest(words), _NOBODY)
            return first is not _NOBODY and first != copy_id  # None: two articles, one of them not the copy
        from dossier.check.quotes import quote_words

        return any(quote_words(text or "") == words for (text,) in conn.execute(
            f"SELECT json_extract(record, '$.text') FROM quote_occurrences WHERE quote_id = ? AND article_id != ? "
            f"AND {_SPANNED}", (quote_id, copy_id)))

    def _map(self, conn: sqlite3.Connection, quote_id: str) -> dict[bytes, str | None] | None:
        found = self._kept.get(quote_id)
        if found is not None:
            self._kept.move_to_end(quote_id)
            return found
        if quote_id in self._small:
            return None
        big = conn.execute("SELECT COUNT(*) FROM (SELECT 1 FROM quote_occurrences WHERE quote_id = ? LIMIT ?)",
                           (quote_id, BIG_STATEMENT + 1)).fetchone()[0] > BIG_STATEMENT
        if not big:
            self._small.add(quote_id)
            return None
        from dossier.check.quotes import spelled_out_words  # not the cached quote_words: each wording read once

        found = {}
        for article_id, text in conn.execute(
                f"SELECT article_id, json_extract(record, '$.text') FROM quote_occurrences WHERE quote_id = ? "
                f"AND {_SPANNED}", (quote_id,)):
            key = _words_digest(spelled_out_words(text or ""))
            first = found.get(key, _NOBODY)
            if first is _NOBODY:
                found[key] = article_id
            elif first is not None and first != article_id:
                found[key] = None  # two articles or more
        self._kept[quote_id] = found
        self._wordings += len(found)
        while self._wordings > KEPT_WORDINGS and len(self._kept) > 1:
            self._wordings -= len(self._kept.popitem(last=False)[1])
        return found


# SQLite takes each text out of its record, of the occurrences with a span (`_spanned`: start and end integers)
_SPANNED = "json_type(record, '$.start') = 'integer' AND json_type(record, '$.end') = 'integer'"


def _words_digest(words: tuple[str, ...]) -> bytes:
    return hashlib.blake2b("\x1f".join(words).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _carried_elsewhere(conn: sqlite3.Connection, carriers: Carriers | None = None
                       ) -> Callable[[str, tuple[str, ...], str], bool]:
    """Whether an article other than the copy carries these words in the same statement, anywhere
    in the corpus: the question the detector of altered quotes within copies asks of the whole
    corpus, which a chunk's articles answered only in part (at 100,000 articles, 17 of 116 `k:`
    flags of two chunks had their "new" words carried elsewhere). Asked only of an occurrence that
    would be flagged (a few a chunk), of `carriers` (the derivation's)."""
    carriers = carriers or Carriers()
    return partial(carriers.carried, conn)


def _copy_of(flag: dict[str, Any]) -> str:
    """The copy a copy-relation flag is about: its first evidence outside the originals it names."""
    related = set(flag.get("related") or ())
    return next((e["article"] for e in flag["evidence"] if e["article"] not in related), flag["evidence"][0]["article"])


def _speakers(quotes: list[dict[str, Any]]) -> set[str]:
    return {s for q in quotes for s in [q.get("speaker"), *(o.get("speaker") for o in q["occurrences"])] if s}


def _by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in document.get("articles", [])}


def _names(document: dict[str, Any]) -> dict[str, str]:
    return {a["id"]: a["name"] for a in document.get("actors", [])}


# ---- the derivation -------------------------------------------------------------------------

Task = tuple[str, list[Any]]  # (scope letter, a chunk of the plan: claim groups, copy pairs or keys)
Rows = tuple[list[tuple], list[tuple], list[tuple], list[tuple]]  # claim features, claims, claim scopes, flags


def derive(conn: sqlite3.Connection, kb: Any, touched: dict[str, set[str]] | None = None,
           workers: int | None = None, progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Bring claims and flags up to date: for every scope when `touched` is None (or the
    store's rows do not say their scope), else for the scopes that the touched articles,
    events and quotes (`{"articles", "events", "quotes"}`) reach. One transaction; rows are
    written a chunk of scopes at a time, in the plan's order. A full derivation computes its
    chunks on `workers` processes (`link.pool`; by default one per core when the store is
    large enough, `pool.MIN_ARTICLES`; 1 = in this process); a batch's too when its plan has
    BATCH_POOL_CHUNKS chunks or more, else here. Returns
    how many scopes of each kind were redone, and the seconds each step took. `progress` is told
    how many of the plan's chunks are written (`link.corpus.Progress`)."""
    started = time.perf_counter()
    unscoped = conn.execute("SELECT 1 FROM claims WHERE scope IS NULL UNION ALL "
                            "SELECT 1 FROM flags WHERE scope IS NULL LIMIT 1").fetchone()
    ungrouped = (conn.execute("SELECT 1 FROM claim_scopes LIMIT 1").fetchone() is None
                 and conn.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is not None)
    full = touched is None or unscoped is not None or ungrouped
    counts: Counter = Counter({k: 0 for k in "aeqckgp"})
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        seconds[name] = round(seconds.get(name, 0.0) + time.perf_counter() - clock, 2)
        clock = time.perf_counter()

    path = conn.execute("PRAGMA database_list").fetchone()[2]  # "" for an in-memory store
    # A batch's plan is found before its transaction (the build's lock, `store.lock`, keeps other
    # writers out), so that its size can decide the pool: a batch that reaches a statement carried
    # by 300,000 articles redoes the flags of every copy among them, minutes on one core.
    plan = None if full else _listed(_batch_plan(conn, touched))
    if plan is not None and _chunk_count(plan) < BATCH_POOL_CHUNKS:
        workers = 1
    elif workers is None:
        workers = default_workers(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]) if path else 1
    # forked before the transaction begins: a connection that holds locks must not cross a fork
    carriers = Carriers()  # each forked worker fills a copy of its own
    pool = ForkPool(path, partial(_compute, kb, carriers), workers, "claims-and-flags worker") if (
        path and workers > 1 and can_fork()) else None
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if plan is None:
                for table in ("claims", "flags", "claim_scopes"):
                    conn.execute(f"DELETE FROM {table}")
                plan = _full_plan(conn)
            else:
                _forget(conn, plan)
            seconds["find"] = round(time.perf_counter() - started, 2)
            seconds.update((name, 0.0) for name in ("g", "p", "a", "e", "c+k", "q"))
            clock = time.perf_counter()
            results = pool.map(_tasks(plan)) if pool else ((task, _compute(kb, carriers, conn, task)) for task in _tasks(plan))
            for done, ((letter, chunk), rows) in enumerate(results, 1):
                _write(conn, letter, rows)
                counts[letter] += len(chunk)
                lap("c+k" if letter in "ck" else letter)
                if progress:  # (the plan's chunks are read as they go: not counted beforehand)
                    progress("claims and flags: chunks of scopes written", done, 0)
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
    finally:
        if pool:
            pool.close()
    lap("write")
    return {**counts, "workers": pool.size if pool else 1, "seconds": seconds}


def _listed(plan: Plan) -> Plan:
    """The plan with its chunks read (a batch's are bounded by what it touched)."""
    return Plan(list(plan.groups), list(plan.pairs), {k: list(v) for k, v in plan.keys.items()},
                plan.forget_scopes, plan.forget_articles)


def _chunk_count(plan: Plan) -> int:
    return len(plan.groups) + len(plan.pairs) + sum(len(v) for v in plan.keys.values())  # type: ignore[arg-type]


def _tasks(plan: Plan) -> Iterator[Task]:
    """The plan's chunks in the order their rows are written: claim groups, copy pairs, then
    the keys of each flag scope."""
    for letter, chunks in (("g", plan.groups), ("p", plan.pairs)):
        for chunk in chunks:
            yield letter, chunk
    for letter in "aeckq":
        for keys in plan.keys[letter]:
            yield letter, keys


def _compute(kb: Any, carriers: Carriers, conn: sqlite3.Connection, task: Task) -> Rows:
    """The rows of one chunk of scopes, ready to write. It reads only what the link wrote
    before the derivation (so a worker's connection, which does not see this derivation's
    uncommitted rows, gives the same), except kept claim features: a pair chunk in a worker
    computes those of this derivation's groups again, and `_write` drops them."""
    letter, chunk = task
    if letter in "gp":
        new_features: dict[str, tuple[str, Features]] = {}
        done = (_group_chunk if letter == "g" else _pair_chunk)(conn, chunk, new_features)
        return (*_claim_rows(letter, done, new_features), _flag_rows(_number_flags(conn, kb, done)))
    return [], [], [], _flag_rows(_flags(conn, kb, letter, chunk, carriers))


def _claim_rows(letter: str, done: list[tuple[str, list[str], list[dict[str, Any]]]],
                new_features: dict[str, tuple[str, Features]]) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """A chunk's claim features computed for it, its claims (of a pair, only those both
    articles state), and which scopes hold each article."""
    features = [(a, key, fastjson.dumps(f)) for a, (key, f) in sorted(new_features.items())]
    claims = []
    for scope, _, found in done:
        claims += [(c["id"], fastjson.dumps(c, sort_keys=True), scope) for c in found
                   if letter == "g" or len({o["article"] for o in c["occurrences"]}) > 1]
    return features, claims, [(a, scope) for scope, members, _ in done for a in members]


def _flag_rows(flags: list[tuple[str, dict[str, Any]]]) -> list[tuple]:
    return [(f["id"], f["kind"], f["severity"], fastjson.dumps(f, sort_keys=True), scope)
            for scope, f in flags]


def _write(conn: sqlite3.Connection, letter: str, rows: Rows) -> None:
    features, claims, scopes, flags = rows
    if letter == "p":  # computed again by a worker (see `_compute`): keep the rows the group chunks wrote
        features = [r for r in features if conn.execute("SELECT 1 FROM claim_features WHERE article_id = ? AND key = ?",
                                                        r[:2]).fetchone() is None]
    conn.executemany("INSERT OR REPLACE INTO claim_features (article_id, key, features) VALUES (?, ?, ?)", features)
    conn.executemany("INSERT OR REPLACE INTO claims (id, seq, record, scope) VALUES (?, 0, ?, ?)", claims)
    conn.executemany("INSERT OR REPLACE INTO claim_scopes (article_id, scope) VALUES (?, ?)", scopes)
    conn.executemany("INSERT OR IGNORE INTO flags (id, seq, kind, severity, record, scope) VALUES (?, 0, ?, ?, ?, ?)",
                     flags)
