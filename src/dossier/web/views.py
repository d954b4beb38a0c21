"""What the pages show, computed from the store's index: a story's timeline and coverage
table, an event's articles as copy trees, evidence cut from article texts. Plain data for
the templates; no HTML is built here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from dossier.web.data import Index, Reader
from dossier.web.highlight import context

TIMELINE_MAX = 150  # events drawn on a story's timeline (the most covered ones)
COVERAGE_EVENTS = 24  # events (columns) in a story's coverage table
LIST_MAX = 100  # statements, flags, claims listed on one page or section before "more"


def flags_and_claims(reader: Reader, index: Index, articles: list[str], flags_shown: int | None = None,
                     claims_shown: int | None = None) -> tuple[list[dict[str, Any]], int, list[str], int]:
    """The flags (most severe first) and claims with evidence in these articles, each once: the
    first `flags_shown` flags (None: all) and how many there are, the ids of the first
    `claims_shown` claims (`Reader.claims` reads them) and how many there are."""
    places = index.flags.most_severe_first(dict.fromkeys(p for a in articles for p in index.article_flags.get(a, ())))
    total_claims, claims = reader.claims_of(articles, claims_shown)
    return reader.flags(index, places[:flags_shown]), len(places), claims, total_claims


def story_events(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A story's events as its page shows them: the timeline's (the TIMELINE_MAX most covered, in
    date order) and the coverage table's columns (the COVERAGE_EVENTS most covered of those)."""
    shown = events
    if len(events) > TIMELINE_MAX:
        top = {e["id"] for e in sorted(events, key=lambda e: -len(e["articles"]))[:TIMELINE_MAX]}
        shown = [e for e in events if e["id"] in top]
    shown = sorted(shown, key=lambda e: ((e.get("date_range") or {}).get("earliest") or e.get("date") or "9999", e["id"]))
    columns = sorted(sorted(shown, key=lambda e: -len(e["articles"]))[:COVERAGE_EVENTS],
                     key=lambda e: ((e.get("date_range") or {}).get("earliest") or "9999", e["id"]))
    return shown, columns


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value and len(value) >= 10 else None
    except ValueError:
        return None


def timeline(events: list[dict[str, Any]], width: int = 320) -> dict[str, Any]:
    """Each event placed on a shared axis: a dot for a single day, a bar for a range of days
    (uncertain or spread coverage), nothing for an undated event (listed as such)."""
    days = [d for e in events for d in (_day((e.get("date_range") or {}).get("earliest")),
                                        _day((e.get("date_range") or {}).get("latest")), _day(e.get("date"))) if d]
    low, high = (min(days), max(days)) if days else (None, None)
    span = max(((high - low).days if days else 0), 1)
    rows = []
    for e in events:
        rng = e.get("date_range") or {}
        first, last, on = _day(rng.get("earliest")), _day(rng.get("latest")), _day(e.get("date"))
        row: dict[str, Any] = {"event": e, "dated": bool(first or on), "range": bool(first and last and first != last)}
        if low is not None and (first or on):
            x0 = 8 + (width - 16) * ((first or on) - low).days / span
            x1 = 8 + (width - 16) * ((last or on or first) - low).days / span
            row.update(x0=round(x0, 1), x1=round(max(x1, x0), 1), w=round(max(x1 - x0, 0), 1),
                       dot=round(8 + (width - 16) * ((on or first) - low).days / span, 1))
        rows.append(row)
    return {"rows": rows, "width": width, "low": low.isoformat() if low else None, "high": high.isoformat() if high else None}


def coverage(index: Index, events: list[dict[str, Any]]) -> dict[str, Any]:
    """Outlets × events: how many articles each outlet ran on each event, and the first one."""
    cells: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    totals: Counter = Counter()
    for e in events:
        for a in e["articles"]:
            meta = index.articles.get(a)
            for outlet in (meta.outlets if meta else []) or ["unknown outlet"]:
                cells[outlet][e["id"]].append(a)
                totals[outlet] += 1
    outlets = sorted(cells, key=lambda o: (-totals[o], o))
    return {"outlets": outlets, "cells": cells, "totals": totals,
            "copies": {a for e in events for a in e["articles"] if a in index.copied_from}}


def copy_groups(index: Index, article_ids: list[str], copied_from: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """An event's articles as trees: each original with its syndicated copies, rewrites and
    shared-source articles (and their own copies) beneath it; `copied_from` has the articles'
    relations whole (`Reader.copy_relations`), as the tree shows their changes."""
    members = set(article_ids)
    parent_of: dict[str, dict[str, Any]] = {}
    for a in article_ids:
        relations = [c for c in copied_from.get(a, []) if c["of"] in members]
        if relations:
            parent_of[a] = max(relations, key=lambda c: c.get("similarity") or 0)

    # a cycle would leave no root: the earliest article of a cycle stays a root
    def has_root(a: str) -> bool:
        seen = set()
        while a in parent_of and a not in seen:
            seen.add(a)
            a = parent_of[a]["of"]
        return a not in seen

    for a in sorted(article_ids, key=lambda x: (index.articles[x].published or "" if x in index.articles else "", x)):
        if a in parent_of and not has_root(a):
            del parent_of[a]
    children: dict[str, list[str]] = defaultdict(list)
    for a, relation in parent_of.items():
        children[relation["of"]].append(a)

    def node(a: str, depth: int) -> dict[str, Any]:
        kids = sorted(children.get(a, []), key=lambda x: (parent_of[x]["kind"], x))
        return {"id": a, "relation": parent_of.get(a), "children": [node(k, depth + 1) for k in kids] if depth < 6 else []}

    roots = [a for a in article_ids if a not in parent_of]
    roots.sort(key=lambda a: (index.articles[a].published or "9999" if a in index.articles else "9999", a))
    return [node(a, 0) for a in roots]


def evidence_items(reader: Reader, items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Flags or claims with each piece of evidence cut from its article's text."""
    wanted = {e.get("article") for item in items for e in item.get(key, []) if isinstance(e.get("article"), str)}
    texts = reader.texts(wanted)
    out = []
    for item in items:
        pieces = []
        for e in item.get(key, []):
            text = texts.get(e.get("article"))
            if text is None or not isinstance(e.get("start"), int) or not isinstance(e.get("end"), int):
                pieces.append({"article": e.get("article"), "context": None, "start": e.get("start")})
                continue
            pieces.append({"article": e["article"], "start": e["start"], "context": context(text, e["start"], e["end"])})
        out.append({"item": item, "evidence": pieces})
    return out
