"""The linking stage of a build: from per-article analysis records to corpus-level tables.

Reads every article's analysis record (mentions and quotations), merges quotations
into statements and collects the actors mentioned, then replaces the `quotes`,
`quote_occurrences` and `actors` tables in one transaction, so the store always holds
one whole, consistent linking.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from dossier.analyze.record import cached_kb
from dossier.link.actors import export_actors
from dossier.link.quotes import MergedQuote, Occurrence, merge_quotes, normalize_quote
from dossier.model import Mention
from dossier.store.analysis import iter_records


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
    _write(conn, actors, merged)
    return {"actors": len(actors), "quotes": len(merged), "quote_occurrences": len(occurrences)}


def _write(conn: sqlite3.Connection, actors: list[dict[str, Any]], merged: list[MergedQuote]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
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


def read_actors(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [json.loads(row[0]) for row in conn.execute("SELECT record FROM actors ORDER BY id")]
