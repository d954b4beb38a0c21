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
from dossier.link.corpus import read_actors, read_claims, read_copies, read_events, read_flags, read_quotes
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


def iter_export_articles(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    # only the inferred ranges of the analysis records, not their mentions and quotes
    inferred = {row[0]: json.loads(row[1]) for row in conn.execute(
        "SELECT article_id, json_extract(record, '$.published_range') FROM analyses") if row[1]}
    for record in store.iter_articles(conn):
        yield export_article(record, inferred.get(record["id"]))


def with_outlets(quotes: list[dict[str, Any]], articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add to each quote the outlets that carried it (every source of every article it is in)."""
    outlets = {a["id"]: sorted({s["outlet_name"] or s["outlet"] for s in a["sources"] if s["outlet_name"] or s["outlet"]})
               for a in articles}
    for quote in quotes:
        quote["outlets"] = sorted({o for occ in quote["occurrences"] for o in outlets.get(occ["article"], [])})
    return quotes


def timeline(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events in the order they happened (an event known only by a range at the latest day it
    can have been; undated last), the uncertain ones marked. Dates are set at linking."""
    rows = []
    for event in events:
        bounds = event.get("date_bounds") or {}
        certainty = event.get("date_certainty", "unknown")
        day = event["date"] if certainty in ("certain", "likely") else None
        rows.append({"event": event["id"], "title": event["title"], "date": day,
                     "earliest": bounds.get("earliest"), "latest": bounds.get("latest"), "certainty": certainty,
                     "uncertain": certainty != "certain", "reasons": event.get("date_reasons", [])})
    rows.sort(key=lambda r: ((r["date"] or r["latest"] or r["earliest"]) is None,
                             r["date"] or r["latest"] or r["earliest"] or "", r["event"]))
    return rows


def build_document(conn: sqlite3.Connection) -> dict[str, Any]:
    """The whole dossier as one JSON-ready object."""
    document: dict[str, Any] = {"schema": SCHEMA, "generator": f"dossier {__version__}"}
    document["articles"] = list(iter_export_articles(conn))
    document["actors"] = read_actors(conn)
    document["quotes"] = with_outlets(read_quotes(conn), document["articles"])
    document["copies"] = read_copies(conn)
    document["events"], document["stories"] = read_events(conn)
    document["timeline"] = timeline(document["events"])
    document["claims"] = read_claims(conn)
    document["flags"] = read_flags(conn)
    document["problems"] = store.problems(conn)
    return document
