"""The export document (schema `dossier/1`, see DESIGN.md) built from the store.

Every array of DESIGN.md is present (empty when its stage found nothing). Nothing time-dependent goes in, so the
same store always exports the same bytes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from dossier import SCHEMA, __version__
from dossier.analyze.published_range import published_range
from dossier.link.corpus import (events_by_id, iter_actors, iter_claims, iter_copies, iter_event_headers, iter_events,
                                 iter_flags, iter_quotes, iter_stories)
from dossier.store import corpus as store

def _published_range(record: dict[str, Any], inferred: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Bounds on an article's publication date when it has no day-precise one, each with
    its reason: the analysis record's inference from the text and the KB (`inferred`),
    a month- or year-precise date from the metadata, and the crawl date (the article
    existed then, so it was published on or before that day)."""
    bounds = (inferred or {}).get("reasons", []) + (inferred or {}).get("ignored", [])
    return published_range(bounds, record["published"], record["published_source"], record.get("fetched"))


def export_article(record: dict[str, Any], inferred: dict[str, Any] | None = None) -> dict[str, Any]:
    """One article in export shape: the DESIGN.md fields first, then our extensions."""
    return {
        "id": record["id"],
        "source": record["source"],
        "url": record["url"],
        "outlet": record["outlet"],
        "title": record["title"],
        "author": record["author"],
        "published": record["published"],
        "published_range": _published_range(record, inferred),
        "lang": record["lang"],
        "text": record["text"],
        "removed": record["removed"],
        # extensions of dossier/1
        "outlet_name": record["outlet_name"],
        "published_source": record["published_source"],
        "partial": record["partial"],
        "extractor": record["extractor"],
        "synthetic": record["synthetic"],
        "sources": [
            {k: s[k] for k in ("source", "url", "outlet", "outlet_name", "title", "published", "published_source",
                                "partial", "synthetic", "removed")}
            for s in record["sources"]
        ],
    }


def iter_export_articles(conn: sqlite3.Connection, chunk: int = 500) -> Iterator[dict[str, Any]]:
    """Every article in export shape, in the store's order (`store.iter_articles`), `chunk` at a time."""
    for records in store.article_chunks(conn, chunk):
        ids = [r["id"] for r in records]
        # only the inferred ranges of the analysis records, not their mentions and quotes
        inferred = {row[0]: json.loads(row[1]) for row in conn.execute(
            f"SELECT article_id, json_extract(record, '$.published_range') FROM analyses "
            f"WHERE article_id IN ({','.join('?' * len(ids))})", ids) if row[1]} if ids else {}
        for record in records:
            yield export_article(record, inferred.get(record["id"]))


def _timeline_row(event: dict[str, Any]) -> dict[str, Any]:
    bounds = event.get("date_bounds") or {}
    certainty = event.get("date_certainty", "unknown")
    day = event["date"] if certainty in ("certain", "likely") else None
    return {"event": event["id"], "title": event["title"], "date": day,
            "earliest": bounds.get("earliest"), "latest": bounds.get("latest"), "certainty": certainty,
            "uncertain": certainty != "certain", "reasons": event.get("date_reasons", [])}


def _timeline_place(row: dict[str, Any]) -> tuple:
    when = row["date"] or row["latest"] or row["earliest"]
    return (when is None, when or "", row["event"])


def iter_timeline(conn: sqlite3.Connection, chunk: int = 500) -> Iterator[dict[str, Any]]:
    """Events in the order they happened (an event known only by a range at the latest day it
    can have been; undated last), the uncertain ones marked; dates are set at linking. The order
    comes from the events' stored headers (their dates), then the events are read `chunk` at a time
    in it, with the date reasons their member rows hold."""
    places = sorted(_timeline_place(_timeline_row({**header, "date_reasons": []}))
                    for header in iter_event_headers(conn))
    for start in range(0, len(places), chunk):
        yield from (_timeline_row(e) for e in events_by_id(conn, [place[2] for place in places[start:start + chunk]]))


def document_parts(conn: sqlite3.Connection, stream_over: int | None = None) -> Iterator[tuple[str, Any]]:
    """The export's fields in order, each array an iterator that reads the store a chunk at a time,
    so that a large store is written without holding it (`report.writers.write_json`); with
    `stream_over`, a statement's occurrences are an iterator too when they are more than that
    (`link.corpus.iter_quotes`)."""
    yield "schema", SCHEMA
    yield "generator", f"dossier {__version__}"
    yield "articles", iter_export_articles(conn)
    yield "actors", iter_actors(conn)
    yield "quotes", iter_quotes(conn, stream_over=stream_over)
    yield "copies", iter_copies(conn)
    yield "events", iter_events(conn)
    yield "stories", iter_stories(conn)
    yield "timeline", iter_timeline(conn)
    yield "claims", iter_claims(conn)
    yield "flags", iter_flags(conn)
    yield "problems", store.problems(conn)


def build_document(conn: sqlite3.Connection) -> dict[str, Any]:
    """The whole dossier as one JSON-ready object."""
    return {key: value if isinstance(value, (str, list)) else list(value) for key, value in document_parts(conn)}
