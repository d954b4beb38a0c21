"""The linking stage of a build: from per-article analysis records to corpus-level tables.

Reads every article's analysis record (mentions and quotations), merges quotations
into statements, collects the actors mentioned and finds copies, then replaces the
`quotes`, `quote_occurrences`, `actors` and `copies` tables in one transaction, so the
store always holds one whole, consistent linking.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from dossier.analyze.record import cached_kb
from dossier.link.actors import export_actors
from dossier.link.claims import corpus_claims
from dossier.link.copies import ArticleText, find_copies
from dossier.link.events import LEAD_CHARS, EventArticle, export_events, lead_terms, period_of
from dossier.link.quotes import MergedQuote, Occurrence, merge_quotes, normalize_quote
from dossier.model import Mention
from dossier.store.analysis import iter_records
from dossier.store.corpus import PRIMARY_ORDER


def _article_dates(conn: sqlite3.Connection) -> dict[str, str | None]:
    return {row[0]: row[1] for row in conn.execute("SELECT article_id, MIN(published) FROM sources GROUP BY article_id")}


def collect(conn: sqlite3.Connection) -> tuple[list[Occurrence], list[Mention]]:
    """Every quotation occurrence and every mention in the store's analysis records."""
    dates = _article_dates(conn)
    texts = {row[0]: row[1] for row in conn.execute("SELECT id, text FROM articles")}
    occurrences: list[Occurrence] = []
    mentions: list[Mention] = []
    for article_id, record in iter_records(conn):
        text = texts.get(article_id)
        if text is None:
            continue
        mentions.extend(Mention(**m) for m in record.get("mentions", []))
        for quote in record.get("quotes", []):
            wording = text[quote["start"]:quote["end"]]
            occurrences.append(Occurrence(article=article_id, published=dates.get(article_id), text=wording,
                                          norm=normalize_quote(wording), record=quote, speaker=quote.get("speaker")))
    return occurrences, mentions


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


def link(conn: sqlite3.Connection, kb_file: str | None = None) -> dict[str, int]:
    """Rebuild the corpus-level tables from the analysis records; return their sizes."""
    kb = cached_kb(kb_file)
    occurrences, mentions = collect(conn)
    speakers = {o.speaker for o in occurrences if o.speaker}
    actors = export_actors(mentions, kb)
    names = {a["id"]: a["name"] for a in actors}
    missing = speakers - names.keys()
    if missing:  # a speaker resolved without a mention of its own still needs an entry
        actors = export_actors(mentions + [Mention(0, 0, "", "person", actor=a) for a in sorted(missing)], kb)
        names = {a["id"]: a["name"] for a in actors}
    merged = merge_quotes(occurrences, names)
    copies = duplicate_sources(conn) + find_copies(_article_texts(conn))
    events, stories = export_events(event_articles(conn, merged, copies), names)
    _write(conn, actors, merged, copies, events, stories)
    claims = corpus_claims(conn, events, stories, copies)
    write_claims_and_flags(conn, claims, flags=[])
    flags = check_corpus(conn, kb)
    return {"actors": len(actors), "quotes": len(merged), "quote_occurrences": len(occurrences), "copies": len(copies),
            "events": len(events), "stories": len(stories), "claims": len(claims), "flags": len(flags)}


def check_corpus(conn: sqlite3.Connection, kb: Any) -> list[dict[str, Any]]:
    """Run the flag detectors on the document the linking just stored (claims included), and store their flags."""
    from dossier.check import run_checks
    from dossier.report.document import build_document  # imports this module: import here

    document = build_document(conn)
    claims, document["flags"] = document["claims"], []
    flags = run_checks(document, dict(iter_records(conn)), kb)
    write_claims_and_flags(conn, claims, flags)
    return flags


def event_articles(conn: sqlite3.Connection, merged: list[MergedQuote], copies: list[dict[str, Any]]) -> list[EventArticle]:
    """What event grouping needs of each article: date, title, lead actors, quotes, copies."""
    from datetime import date

    rows = conn.execute(f"SELECT a.id, a.text, s.title, s.published FROM articles a JOIN sources s ON s.article_id = a.id "
                        f"ORDER BY a.id, {PRIMARY_ORDER}").fetchall()
    firsts: dict[str, sqlite3.Row] = {}
    for row in rows:
        firsts.setdefault(row["id"], row)
    quotes: dict[str, set[str]] = {}
    for quote in merged:
        if quote.kind == "fragment":
            continue
        for occurrence in quote.occurrences:
            quotes.setdefault(occurrence["article"], set()).add(quote.id)
    linked: dict[str, set[str]] = {}
    for c in copies:
        if c["article"] != c["of"]:
            linked.setdefault(c["article"], set()).add(c["of"])
            linked.setdefault(c["of"], set()).add(c["article"])
    actors: dict[str, set[str]] = {}
    for article_id, record in iter_records(conn):
        actors[article_id] = {m["actor"] for m in record.get("mentions", [])
                              if m.get("actor") and m["start"] < LEAD_CHARS and m["kind"] in ("person", "organization", "group", "role")}
    out = []
    for article_id, row in sorted(firsts.items()):
        try:
            day = date.fromisoformat(row["published"][:10]) if row["published"] and len(row["published"]) >= 10 else None
        except ValueError:
            day = None
        out.append(EventArticle(article_id, day, row["title"], row["text"], actors.get(article_id, set()),
                                quotes.get(article_id, set()), linked.get(article_id, set()),
                                lead_terms(row["title"], row["text"]), period_of(row["published"])))
    return out


def _article_texts(conn: sqlite3.Connection) -> list[ArticleText]:
    outlets: dict[str, set[str]] = {}
    dates = _article_dates(conn)
    for row in conn.execute("SELECT article_id, outlet_name FROM sources WHERE outlet_name IS NOT NULL"):
        outlets.setdefault(row[0], set()).add(row[1])
    return [ArticleText(row[0], row[1], dates.get(row[0]), sorted(outlets.get(row[0], ())))
            for row in conn.execute("SELECT id, text FROM articles ORDER BY id")]


def duplicate_sources(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The same clean text from several sources is one article; each later source is a
    duplicate of the first (earliest dated, then by name)."""
    by_article: dict[str, list[sqlite3.Row]] = {}
    for row in conn.execute(f"SELECT s.article_id, s.source, s.published FROM sources s ORDER BY s.article_id, {PRIMARY_ORDER}"):
        by_article.setdefault(row["article_id"], []).append(row)
    out = []
    for article_id, rows in sorted(by_article.items()):
        first = rows[0]
        for row in rows[1:]:
            out.append({"article": article_id, "of": article_id, "kind": "duplicate", "similarity": 1.0, "changes": [],
                        "source": row["source"], "of_source": first["source"]})
    return out


def _write(conn: sqlite3.Connection, actors: list[dict[str, Any]], merged: list[MergedQuote],
           copies: list[dict[str, Any]], events: list[dict[str, Any]], stories: list[dict[str, Any]]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DELETE FROM events")
        conn.execute("DELETE FROM stories")
        conn.executemany("INSERT INTO events (id, seq, record) VALUES (?, ?, ?)",
                         [(e["id"], n, json.dumps(e, ensure_ascii=False, sort_keys=True)) for n, e in enumerate(events)])
        conn.executemany("INSERT INTO stories (id, seq, record) VALUES (?, ?, ?)",
                         [(s["id"], n, json.dumps(s, ensure_ascii=False, sort_keys=True)) for n, s in enumerate(stories)])
        conn.execute("DELETE FROM copies")
        conn.executemany("INSERT OR REPLACE INTO copies (article, of, source, kind, similarity, record) VALUES (?, ?, ?, ?, ?, ?)",
                         [(c["article"], c["of"], c.get("source", ""), c["kind"], c["similarity"],
                           json.dumps(c, ensure_ascii=False, sort_keys=True)) for c in copies])
        conn.execute("DELETE FROM quote_occurrences")
        conn.execute("DELETE FROM quotes")
        conn.execute("DELETE FROM actors")
        conn.executemany("INSERT INTO actors (id, name, kind, record) VALUES (?, ?, ?, ?)",
                         [(a["id"], a["name"], a["kind"], json.dumps(a, ensure_ascii=False, sort_keys=True)) for a in actors])
        for quote in merged:
            conn.execute(
                "INSERT INTO quotes (id, text, kind, speaker, speaker_name, first_seen, first_seen_candidates) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (quote.id, quote.text, quote.kind, quote.speaker, quote.speaker_name, quote.first_seen,
                 json.dumps(quote.first_seen_candidates)))
            conn.executemany(
                "INSERT OR IGNORE INTO quote_occurrences (quote_id, article_id, start, end, record) VALUES (?, ?, ?, ?, ?)",
                [(quote.id, o["article"], o["start"], o["end"], json.dumps(occurrence_export(o), ensure_ascii=False))
                 for o in quote.occurrences],
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def read_quotes(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The merged quotes in export shape, in a stable order."""
    occurrences: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute("SELECT quote_id, record FROM quote_occurrences ORDER BY quote_id, article_id, start"):
        occurrences.setdefault(row[0], []).append(json.loads(row[1]))
    quotes = []
    for row in conn.execute("SELECT * FROM quotes ORDER BY rowid"):
        quotes.append({"id": row["id"], "text": row["text"], "speaker": row["speaker"], "speaker_name": row["speaker_name"],
                       "occurrences": occurrences.get(row["id"], []), "first_seen": row["first_seen"],
                       # extensions
                       "kind": row["kind"], "first_seen_candidates": json.loads(row["first_seen_candidates"])})
    return quotes


def read_copies(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Copy relations in export shape: DESIGN.md's fields first, then ours."""
    out = []
    for row in conn.execute("SELECT record FROM copies ORDER BY of, article, source"):
        record = json.loads(row[0])
        head = {k: record.pop(k) for k in ("article", "of", "kind", "similarity", "changes")}
        out.append({**head, **record})
    return out


def read_events(conn: sqlite3.Connection) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Events and stories in export shape, in the order linking made them."""
    def shaped(record: dict[str, Any], first: tuple[str, ...]) -> dict[str, Any]:
        return {**{k: record.pop(k) for k in first}, **record}

    events = [shaped(json.loads(r[0]), ("id", "title", "date", "date_range", "articles", "actors"))
              for r in conn.execute("SELECT record FROM events ORDER BY seq")]
    stories = [shaped(json.loads(r[0]), ("id", "title", "events")) for r in conn.execute("SELECT record FROM stories ORDER BY seq")]
    return events, stories


def read_actors(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [json.loads(row[0]) for row in conn.execute("SELECT record FROM actors ORDER BY id")]


def write_claims_and_flags(conn: sqlite3.Connection, claims: list[dict[str, Any]], flags: list[dict[str, Any]]) -> None:
    """Replace the claims and flags tables in one transaction (export shape records)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DELETE FROM claims")
        conn.execute("DELETE FROM flags")
        conn.executemany("INSERT INTO claims (id, seq, record) VALUES (?, ?, ?)",
                         [(c["id"], n, json.dumps(c, ensure_ascii=False, sort_keys=True)) for n, c in enumerate(claims)])
        conn.executemany("INSERT INTO flags (id, seq, kind, severity, record) VALUES (?, ?, ?, ?, ?)",
                         [(f["id"], n, f["kind"], f["severity"], json.dumps(f, ensure_ascii=False, sort_keys=True))
                          for n, f in enumerate(flags)])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def read_claims(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Claims in export shape (DESIGN.md's fields first), in the order linking made them."""
    out = []
    for (record,) in conn.execute("SELECT record FROM claims ORDER BY seq"):
        record = json.loads(record)
        out.append({**{k: record.pop(k) for k in ("id", "text", "value", "unit", "occurrences") if k in record}, **record})
    return out


def read_flags(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Flags in export shape (DESIGN.md's fields first), in the order linking made them."""
    out = []
    for (record,) in conn.execute("SELECT record FROM flags ORDER BY seq"):
        record = json.loads(record)
        out.append({**{k: record.pop(k) for k in ("id", "kind", "severity", "message", "evidence") if k in record}, **record})
    return out
