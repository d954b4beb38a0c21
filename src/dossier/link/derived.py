"""Claims and flags for the parts of the corpus a batch touched, not the whole corpus.

Every claim and flag is derived within a scope, and each row in the store says which one
(`scope` column, schema 10), so a batch rewrites the rows of the scopes it touched and no
others:

| scope | what is recomputed | detector |
|---|---|---|
| `g:<group>` | claims of a group of articles that events, stories and copies tie together (claims are matched only within one; idf is the group's, `link.claims`), and their number-mismatch flags | numbers |
| `a:<article>` | titles that did not hold on the article's date | roles |
| `e:<event>` | dates one event's articles give for one happening | dates |
| `q:<quote>` | one merged statement's speakers and wordings | speakers, quotes (within a statement) |
| `c:<article>` | the copy relations of one copy (credit) | copies |
| `k:<article>` | the copy relations of one copy (new words in the speaker's mouth) | quotes (within copies) |

A group's key is its smallest article id. Each detector reads from the store only what its
dirty scopes need (articles and records by id), so memory follows the largest scope, not
the corpus. A full link marks every scope dirty and runs the same code.

What is not exact: `quotes._within_copies` asks whether any other article carries a copy's
wording; here it sees the statements of the copy and its original (identical words are one
merged statement, so this is the same answer unless quote merging kept them apart). Actor
renames are not tracked: a flag's message keeps the actor name it was written with until its
scope is touched again.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from dossier.link import claims as claims_module
from dossier.link.claims import ArticleGroups, ClaimArticle, Features, article_features, claims_for, link_claims
from dossier.store.corpus import iter_articles

CHUNK = 500


def _chunks(ids: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    items = sorted(set(ids))
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _marks(part: list[str]) -> str:
    return ",".join("?" * len(part))


# ---- groups ---------------------------------------------------------------------------------

def article_ties(conn: sqlite3.Connection) -> dict[str, tuple[str, str | None, str | None]]:
    """Each article's (group, event, story): the group is the connected set of articles that
    events, stories and copy relations tie together, keyed by its smallest article id (the same
    union `link.claims._scopes` makes). Ids only, so cheap per article."""
    ids = [row[0] for row in conn.execute("SELECT id FROM articles")]
    groups = ArticleGroups(ids)
    find, union = groups.find, groups.union

    event_of = {row[0]: row[1] for row in conn.execute("SELECT article_id, event_id FROM event_articles")}
    event_of.update({a: e for e, members in _legacy_events(conn).items() for a in members})
    story_of_event: dict[str, str] = {}
    for story_id, events in conn.execute("SELECT json_extract(record, '$.id'), json_extract(record, '$.events') FROM stories"):
        for e in json.loads(events or "[]"):
            story_of_event[e] = story_id
    first: dict[str, str] = {}
    for article, event in sorted(event_of.items()):
        union(first.setdefault("e" + event, article), article)
        if claims_module.STORY_TIES:
            union(first.setdefault("s" + story_of_event.get(event, event), article), article)
    for article, of in conn.execute("SELECT article, of FROM copies WHERE article != of"):
        union(article, of)
    out = {}
    for a in ids:
        event = event_of.get(a)
        out[a] = (find(a), event, story_of_event.get(event) if event else None)
    return out


def read_stories(conn: sqlite3.Connection) -> list[tuple[str, list[str]]]:
    """(story id, its event ids): small, read once per derivation rather than once per group."""
    return [(r[0], json.loads(r[1] or "[]")) for r in conn.execute(
        "SELECT json_extract(record, '$.id'), json_extract(record, '$.events') FROM stories")]


def group_claims(conn: sqlite3.Connection, members: list[str],
                 new_features: dict[str, tuple[str, Features]] | None = None,
                 stories_and_legacy: tuple[list[tuple[str, list[str]]], dict[str, list[str]]] | None = None
                 ) -> list[dict[str, Any]]:
    """`claims[]` of one group, from its articles, events, stories and copies read by id. Each
    article's claim features are read from `claim_features` when kept for its analysis key; those
    computed now are put in `new_features` (article id -> (key, features)) to be kept."""
    articles, claims_of, features = [], {}, {}
    events: dict[str, list[str]] = defaultdict(list)
    for part in _chunks(members):
        m = _marks(part)
        meta = {row[0]: (row[1], row[2]) for row in conn.execute(
            f"SELECT article_id, MIN(published), MIN(outlet_name) FROM sources WHERE article_id IN ({m}) "
            f"GROUP BY article_id", part)}
        records = {row[0]: (row[1], row[2]) for row in conn.execute(
            f"SELECT article_id, key, json_extract(record, '$.claims') FROM analyses WHERE article_id IN ({m})", part)}
        for row in conn.execute(f"SELECT f.article_id, f.features FROM claim_features f JOIN analyses an "
                                f"ON an.article_id = f.article_id AND an.key = f.key WHERE f.article_id IN ({m})", part):
            features[row[0]] = json.loads(row[1])
        known = [a for a in part if a in features]
        rows = [(r[0], "", r[1]) for r in conn.execute(
            f"SELECT id, lang FROM articles WHERE id IN ({_marks(known)})", known)] if known else []
        rest = [a for a in part if a not in features]
        if rest:
            rows += conn.execute(f"SELECT id, text, lang FROM articles WHERE id IN ({_marks(rest)})", rest).fetchall()
        for article_id, text, lang in rows:
            article = ClaimArticle(article_id, text, lang, *meta.get(article_id, (None, None)))
            articles.append(article)
            key, claims = records.get(article_id, (None, None))
            claims_of.update(claims_for([article], {article_id: {"claims": json.loads(claims)} if claims else {}}))
            if article_id not in features:
                features[article_id] = article_features(article, claims_of[article_id])
                if key is not None and new_features is not None:
                    new_features[article_id] = (key, features[article_id])
        for row in conn.execute(f"SELECT article_id, event_id FROM event_articles WHERE article_id IN ({m}) "
                                f"ORDER BY event_id, position", part):
            events[row[1]].append(row[0])
    all_stories, legacy = stories_and_legacy or (read_stories(conn), _legacy_events(conn))
    in_group = set(members)
    for event, articles_of in legacy.items():
        mine = [a for a in articles_of if a in in_group]
        if mine:
            events[event] = mine
    wanted = set(events)
    stories = []
    for story_id, story_events in all_stories:
        mine = [e for e in story_events if e in wanted]
        if mine:
            stories.append({"id": story_id, "events": mine})
    copies = _copies(conn, members, both=True)
    articles.sort(key=lambda a: a.id)
    return link_claims(articles, claims_of, [{"id": e, "articles": a} for e, a in sorted(events.items())],
                       stories, copies, features)


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
            c = json.loads(record)
            if both and not (c["article"] in wanted and c["of"] in wanted):
                continue
            out.append(c)
    out.sort(key=lambda c: (c["of"], c["article"], c.get("source", "")))
    return out


def export_articles(conn: sqlite3.Connection, ids: Iterable[str]) -> list[dict[str, Any]]:
    """These articles in export shape (as `report.document.build_document` gives them)."""
    from dossier.report.document import export_article  # imports link.corpus, which imports us

    wanted = list(ids)
    inferred = {}
    for part in _chunks(wanted):
        inferred.update((row[0], json.loads(row[1])) for row in conn.execute(
            f"SELECT article_id, json_extract(record, '$.published_range') FROM analyses "
            f"WHERE article_id IN ({_marks(part)})", part) if row[1])
    out = [export_article(record, inferred.get(record["id"])) for record in iter_articles(conn, wanted)]
    out.sort(key=lambda a: (a["published"] is None, a["published"] or "", a["id"]))
    return out


def _records(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    out = {}
    for part in _chunks(ids):
        for row in conn.execute(f"SELECT article_id, record FROM analyses WHERE article_id IN ({_marks(part)})", part):
            out[row[0]] = json.loads(row[1])
    return out


def _quotes(conn: sqlite3.Connection, quote_ids: Iterable[str]) -> list[dict[str, Any]]:
    """These merged statements in export shape (`link.corpus.read_quotes`), every occurrence."""
    out = []
    for part in _chunks(quote_ids):
        m = _marks(part)
        occurrences: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in conn.execute(f"SELECT quote_id, record FROM quote_occurrences WHERE quote_id IN ({m}) "
                                f"ORDER BY quote_id, article_id, start", part):
            occurrences[row[0]].append(json.loads(row[1]))
        for row in conn.execute(f"SELECT * FROM quotes WHERE id IN ({m}) ORDER BY rowid", part):
            out.append({"id": row["id"], "text": row["text"], "speaker": row["speaker"],
                        "speaker_name": row["speaker_name"], "occurrences": occurrences.get(row["id"], []),
                        "first_seen": row["first_seen"], "kind": row["kind"]})
    return out


def _actors(conn: sqlite3.Connection, ids: Iterable[str]) -> list[dict[str, Any]]:
    out = []
    for part in _chunks(i for i in ids if i):
        out += [json.loads(r[0]) for r in conn.execute(f"SELECT record FROM actors WHERE id IN ({_marks(part)})", part)]
    return out


def _quote_ids_of(conn: sqlite3.Connection, articles: Iterable[str]) -> set[str]:
    out = set()
    for part in _chunks(articles):
        out |= {r[0] for r in conn.execute(
            f"SELECT DISTINCT quote_id FROM quote_occurrences WHERE article_id IN ({_marks(part)})", part)}
    return out


def _legacy_events(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Members of events stored whole (before schema 8), until the next full link rewrites them."""
    return {r[0]: json.loads(r[1]) for r in conn.execute(
        "SELECT id, json_extract(record, '$.articles') FROM events WHERE json_extract(record, '$.articles') IS NOT NULL")}


def _events_of(conn: sqlite3.Connection, articles: Iterable[str]) -> dict[str, str]:
    wanted = set(articles)
    out = {a: e for e, members in _legacy_events(conn).items() for a in members if a in wanted}
    for part in _chunks(articles):
        out.update({r[0]: r[1] for r in conn.execute(
            f"SELECT article_id, event_id FROM event_articles WHERE article_id IN ({_marks(part)})", part)})
    return out


def _event_members(conn: sqlite3.Connection, event_ids: Iterable[str]) -> dict[str, list[str]]:
    wanted = set(event_ids)
    out: dict[str, list[str]] = defaultdict(list, {e: m for e, m in _legacy_events(conn).items() if e in wanted})
    for part in _chunks(event_ids):
        for r in conn.execute(f"SELECT event_id, article_id FROM event_articles WHERE event_id IN ({_marks(part)}) "
                              f"ORDER BY event_id, position", part):
            out[r[0]].append(r[1])
    return out


# ---- the scoped runs -----------------------------------------------------------------------

def _run(detector: Any, document: dict[str, Any], records: dict[str, dict], kb: Any) -> list[dict[str, Any]]:
    from dossier.check import run_checks

    return run_checks(document, records, kb, detectors=[detector])


def scoped_flags(conn: sqlite3.Connection, kb: Any, dirty: dict[str, set[str]],
                 claims_of: dict[str, list[dict[str, Any]]], seconds: dict[str, float] | None = None
                 ) -> list[tuple[str, dict[str, Any]]]:
    """(scope, flag) for every dirty scope; `dirty` maps a scope letter to its keys, `claims_of`
    holds each dirty group's claims; `seconds` gets the time each kind of scope took."""
    seconds = {} if seconds is None else seconds
    from dossier.check import MODULES, quotes as altered
    from dossier.check import copies as uncredited, dates, numbers, roles, speakers

    available = set(MODULES)
    out: list[tuple[str, dict[str, Any]]] = []
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        seconds[name] = round(time.perf_counter() - clock, 2)
        clock = time.perf_counter()

    # a: role-date conflicts, per article
    if "roles" in available:
        for part in _chunks(dirty["a"], 2000):
            document = {"articles": export_articles(conn, part)}
            out += [("a:" + f["evidence"][0]["article"], f) for f in _run(roles.detect, document, _records(conn, part), kb)]
    lap("a")
    # e: date conflicts, per event
    members = _event_members(conn, dirty["e"])
    batch: list[str] = []
    for event in sorted(members) + [None]:
        if event is not None:
            batch.append(event)
        if batch and (event is None or sum(len(members[e]) for e in batch) >= 2000):
            document = {"articles": export_articles(conn, (a for e in batch for a in members[e])),
                        "events": [{"id": e, "articles": members[e]} for e in batch]}
            event_of = {a: e for e in batch for a in members[e]}
            out += [("e:" + event_of[f["evidence"][0]["article"]], f) for f in _run(dates.detect, document, {}, kb)]
            batch = []
    lap("e")
    # c: uncredited copies and k: altered quotes within copies, per copy article
    for letter in ("c", "k"):
        for part in _chunks(dirty[letter], 1000):
            relations = _copies(conn, part, originals=False)
            ids = {c["article"] for c in relations} | {c["of"] for c in relations}
            document = {"articles": export_articles(conn, ids), "copies": relations}
            if letter == "c":
                found = _run(uncredited.detect, document, {}, kb)
            else:
                document["quotes"] = _quotes(conn, _quote_ids_of(conn, ids))
                document["actors"] = _actors(conn, _speakers(document["quotes"]))
                found = _run(lambda d, r, k: altered._within_copies(d, _by_id(d), _names(d)), document, {}, kb)
            out += [(letter + ":" + _copy_of(f), f) for f in found]
    lap("c+k")
    # q: speaker conflicts and altered quotes within a statement, per statement
    for part in _local_chunks(conn, dirty["q"], 1000):
        quotes = _quotes(conn, part)
        ids = {o["article"] for q in quotes for o in q["occurrences"]}
        event_of = _events_of(conn, ids)
        events: dict[str, list[str]] = defaultdict(list)
        for a, e in sorted(event_of.items()):
            events[e].append(a)
        document = {"articles": export_articles(conn, ids), "quotes": quotes, "actors": _actors(conn, _speakers(quotes)),
                    "events": [{"id": e, "articles": a} for e, a in sorted(events.items())],
                    "copies": _copies(conn, ids, both=True)}
        linked = {frozenset((c["article"], c["of"])) for c in document["copies"]}
        found = _run(speakers.detect, document, {}, kb)
        found += _run(lambda d, r, k: altered._within_quotes(d, _by_id(d), _names(d), linked, k), document, {}, kb)
        out += [("q:" + f["quote"], f) for f in found]
    lap("q")
    # g: number mismatches, per group of articles (with that group's claims)
    for group in sorted(dirty["g"]):
        claims = claims_of.get(group) or []
        if not any(len({o["article"] for o in c["occurrences"]}) > 1 for c in claims):
            continue  # one article per claim: nothing to compare
        ids = {o["article"] for c in claims for o in c["occurrences"]}
        document = {"articles": export_articles(conn, ids), "claims": claims,
                    "copies": _copies(conn, ids, originals=False)}  # every relation whose copy is one of them
        out += [("g:" + group, f) for f in _run(numbers.detect, document, {}, kb)]
    lap("g")
    return out


def _copy_of(flag: dict[str, Any]) -> str:
    """The copy a copy-relation flag is about: its first evidence outside the originals it names."""
    related = set(flag.get("related") or ())
    return next((e["article"] for e in flag["evidence"] if e["article"] not in related), flag["evidence"][0]["article"])


def _local_chunks(conn: sqlite3.Connection, quote_ids: set[str], size: int) -> Iterator[list[str]]:
    """Statements in chunks, those first seen in the same article together: a chunk's articles
    are then read once rather than in every chunk (ids are hashes, so sorted they scatter)."""
    if len(quote_ids) <= size:
        yield sorted(quote_ids)
        return
    first = {r[0]: r[1] for r in conn.execute("SELECT quote_id, MIN(article_id) FROM quote_occurrences GROUP BY quote_id")}
    ordered = sorted(quote_ids, key=lambda q: (first.get(q) or "", q))
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def _speakers(quotes: list[dict[str, Any]]) -> set[str]:
    return {s for q in quotes for s in [q.get("speaker"), *(o.get("speaker") for o in q["occurrences"])] if s}


def _by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in document.get("articles", [])}


def _names(document: dict[str, Any]) -> dict[str, str]:
    return {a["id"]: a["name"] for a in document.get("actors", [])}


# ---- the batch ------------------------------------------------------------------------------

def derive(conn: sqlite3.Connection, kb: Any, touched: dict[str, set[str]] | None = None) -> dict[str, Any]:
    """Bring claims and flags up to date: for every scope when `touched` is None (or the
    store's rows do not say their scope), else for the scopes that the touched articles,
    events and quotes (`{"articles", "events", "quotes"}`) reach. Returns how many scopes of
    each kind were redone, and the seconds each step took."""
    started = time.perf_counter()
    ties = article_ties(conn)
    stored = {r[0]: (r[1], r[2], r[3]) for r in conn.execute("SELECT article_id, grp, event, story FROM claim_groups")}
    unscoped = conn.execute("SELECT 1 FROM claims WHERE scope IS NULL UNION ALL "
                            "SELECT 1 FROM flags WHERE scope IS NULL LIMIT 1").fetchone()
    full = touched is None or unscoped is not None or (bool(ties) and not stored)
    members: dict[str, list[str]] = defaultdict(list)
    for a, (group, _, _) in ties.items():
        members[group].append(a)
    if full:
        dirty = {"a": set(ties), "e": {t[1] for t in ties.values() if t[1]}, "q": {r[0] for r in conn.execute("SELECT id FROM quotes")},
                 "g": set(members)}
        dirty["c"] = dirty["k"] = {r[0] for r in conn.execute("SELECT DISTINCT article FROM copies WHERE article != of")}
        old_groups: set[str] = set()
    else:
        t_articles = set(touched.get("articles", ())) & ties.keys()
        changed = {a for a, t in ties.items() if stored.get(a) != t} | (stored.keys() - ties.keys())
        moved = {a for a in changed if (stored.get(a) or (None, None))[1] != (ties.get(a) or (None, None))[1]}
        events = set(touched.get("events", ())) | {ties[a][1] for a in t_articles | (moved & ties.keys()) if ties[a][1]}
        events |= {stored[a][1] for a in moved if a in stored and stored[a][1]}
        quotes = set(touched.get("quotes", ())) | _quote_ids_of(conn, t_articles | moved)
        reached = set(t_articles)
        for part in _chunks(set(touched.get("quotes", ()))):
            reached |= {r[0] for r in conn.execute(
                f"SELECT DISTINCT article_id FROM quote_occurrences WHERE quote_id IN ({_marks(part)})", part)}
        copy_articles = {c["article"] for c in _copies(conn, t_articles) if c["article"] != c["of"]}
        dirty = {"a": t_articles, "e": events, "q": quotes, "c": copy_articles,
                 "k": copy_articles | {c["article"] for c in _copies(conn, reached) if c["article"] != c["of"]}}
        dirty["g"] = {ties[a][0] for a in t_articles | (changed & ties.keys())}
        old_groups = {stored[a][0] for a in t_articles | changed if a in stored}
    seconds = {"find": round(time.perf_counter() - started, 2)}
    clock = time.perf_counter()
    new_features: dict[str, tuple[str, Features]] = {}
    once = (read_stories(conn), _legacy_events(conn))
    claims_of = {g: group_claims(conn, members[g], new_features, once) for g in sorted(dirty["g"])}
    seconds["claims"] = round(time.perf_counter() - clock, 2)
    flags = scoped_flags(conn, kb, dirty, claims_of, seconds)
    clock = time.perf_counter()
    _write(conn, full, dirty, old_groups, claims_of, flags, ties, stored, new_features)
    seconds["write"] = round(time.perf_counter() - clock, 2)
    return {**{k: len(v) for k, v in dirty.items()}, "seconds": seconds}


def _write(conn: sqlite3.Connection, full: bool, dirty: dict[str, set[str]], old_groups: set[str],
           claims_of: dict[str, list[dict[str, Any]]], flags: list[tuple[str, dict[str, Any]]],
           ties: dict[str, tuple[str, str | None, str | None]], stored: dict[str, tuple],
           new_features: dict[str, tuple[str, Features]]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany("INSERT OR REPLACE INTO claim_features (article_id, key, features) VALUES (?, ?, ?)",
                         [(a, key, json.dumps(f, ensure_ascii=False)) for a, (key, f) in sorted(new_features.items())])
        if full:
            conn.execute("DELETE FROM claims")
            conn.execute("DELETE FROM flags")
            conn.execute("DELETE FROM claim_groups")
        else:
            gone = ["g:" + g for g in dirty["g"] | old_groups]
            conn.executemany("DELETE FROM claims WHERE scope = ?", [(g,) for g in gone])
            scopes = gone + [f"{letter}:{key}" for letter in "aeqck" for key in dirty[letter]]
            conn.executemany("DELETE FROM flags WHERE scope = ?", [(s,) for s in scopes])
            conn.executemany("DELETE FROM claim_groups WHERE article_id = ?",
                             [(a,) for a in stored if stored[a] != ties.get(a)])
        conn.executemany("INSERT OR REPLACE INTO claims (id, seq, record, scope) VALUES (?, 0, ?, ?)",
                         [(c["id"], json.dumps(c, ensure_ascii=False, sort_keys=True), "g:" + g)
                          for g, claims in sorted(claims_of.items()) for c in claims])
        conn.executemany("INSERT OR IGNORE INTO flags (id, seq, kind, severity, record, scope) VALUES (?, 0, ?, ?, ?, ?)",
                         [(f["id"], f["kind"], f["severity"], json.dumps(f, ensure_ascii=False, sort_keys=True), scope)
                          for scope, f in flags])
        conn.executemany("INSERT OR REPLACE INTO claim_groups (article_id, grp, event, story) VALUES (?, ?, ?, ?)",
                         [(a, *t) for a, t in ties.items() if full or stored.get(a) != t])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
