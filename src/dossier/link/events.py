"""Events and stories: articles grouped by the happening they report, events by thread.

An article's event is decided by its lead (headline and first paragraphs), as an editor
would: the words of the lead (TF-IDF), the actors it names, the statements it quotes, the
articles it copies or is copied by, and its date (an event is one happening: articles
more than MAX_DAYS apart do not share one). Articles are taken in date order and each
joins the most similar event so far or opens a new one, so a new article never moves
older ones; the order is the articles' own (date, id), not their arrival, so the same
corpus always gives the same events.

Stories join events that share actors and vocabulary across time.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

LEAD_CHARS = 700
MAX_DAYS = 2  # articles further apart than this report different happenings (2 to 8 score alike here)
JOIN = 0.2  # similarity at which an article joins an event
JOIN_UNDATED = 0.4  # a higher bar when the date cannot rule an event out
STORY_JOIN = 0.18
_WORD = re.compile(r"[^\W\d_]{3,}")
_STOP = frozenset("""
the and for that with this from have has had was were are been will would could should their they them his her
its our you your but not who what when where which while about after before over into than then there these those
said says say also more most some such just only very can may might must one two three new year years day week
president government officials official country countries people time first last told according report reports
los las del por para con una que como más pero sus este esta entre sobre también fue han sido ser dijo ante
desde hasta durante contra sin muy ese esa eso porque cuando donde presidente gobierno país
""".split())


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def period_of(published: str | None) -> tuple[date, date] | None:
    """The days a month- or year-precise date ("2019-11", "2019") can stand for."""
    if not published or len(published) >= 10:
        return None
    try:
        if len(published) == 7:
            year, month = int(published[:4]), int(published[5:7])
            end = date(year + (month == 12), month % 12 + 1, 1)
            return date(year, month, 1), date.fromordinal(end.toordinal() - 1)
        year = int(published[:4])
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        return None


def lead_terms(title: str | None, text: str) -> Counter:
    lead = f"{title or ''}\n{title or ''}\n{text[:LEAD_CHARS]}"  # the headline counts twice
    return Counter(w for w in _WORD.findall(_norm(lead)) if w not in _STOP)


@dataclass
class EventArticle:
    id: str
    day: date | None
    title: str | None
    text: str
    actors: set[str] = field(default_factory=set)  # actors named in the lead (not countries)
    quotes: set[str] = field(default_factory=set)  # statements it carries
    copies: set[str] = field(default_factory=set)  # articles it copies or is copied by
    terms: Counter = field(default_factory=Counter)
    period: tuple[date, date] | None = None  # when only the month or year is known


@dataclass
class Event:
    articles: list[EventArticle] = field(default_factory=list)
    terms: Counter = field(default_factory=Counter)
    actors: Counter = field(default_factory=Counter)
    quotes: set[str] = field(default_factory=set)
    days: list[date] = field(default_factory=list)

    def add(self, article: EventArticle) -> None:
        self.articles.append(article)
        self.terms.update(article.terms)
        self.actors.update(article.actors)
        self.quotes |= article.quotes
        if article.day:
            self.days.append(article.day)


def _cosine(a: Counter, b: Counter, idf: dict[str, float]) -> float:
    dot = sum(a[w] * b[w] * idf.get(w, 1.0) ** 2 for w in a.keys() & b.keys())
    if not dot:
        return 0.0
    na = math.sqrt(sum((c * idf.get(w, 1.0)) ** 2 for w, c in a.items()))
    nb = math.sqrt(sum((c * idf.get(w, 1.0)) ** 2 for w, c in b.items()))
    return dot / (na * nb)


def similarity(article: EventArticle, event: Event, idf: dict[str, float]) -> tuple[float, dict[str, Any]]:
    """How likely the article reports this event, and why (the evidence it shares)."""
    if event.days and article.day and min(abs((article.day - d).days) for d in event.days) > MAX_DAYS:
        return 0.0, {}
    if event.days and not article.day and article.period:
        low, high = article.period
        if not any((low - d).days <= MAX_DAYS and (d - high).days <= MAX_DAYS for d in event.days):
            return 0.0, {}  # a month-dated article cannot join an event of another month
    if any(a.id in article.copies for a in event.articles):
        return 1.0, {"copies": sorted(a.id for a in event.articles if a.id in article.copies)}
    terms = _cosine(article.terms, event.terms, idf)
    shared_actors = sorted(article.actors & set(event.actors))
    actors = len(shared_actors) / max(len(article.actors), 1) if article.actors else 0.0
    shared_quotes = sorted(article.quotes & event.quotes)
    score = 0.6 * terms + 0.25 * actors + (0.3 if shared_quotes else 0.0)
    top_terms = sorted(article.terms.keys() & event.terms.keys(), key=lambda w: -idf.get(w, 1.0) * article.terms[w])[:8]
    return score, {"terms": top_terms, "actors": shared_actors, "quotes": shared_quotes[:5], "score": round(score, 3)}


def group_events(articles: list[EventArticle]) -> list[tuple[Event, dict[str, dict[str, Any]]]]:
    """Events in date order, each with why every article joined it."""
    documents = len(articles) or 1
    df = Counter(w for a in articles for w in a.terms)
    idf = {w: math.log((1 + documents) / (1 + n)) + 1 for w, n in df.items()}
    ordered = sorted(articles, key=lambda a: (a.day is None, a.day or date.min, a.id))
    events: list[tuple[Event, dict[str, dict[str, Any]]]] = []
    for article in ordered:
        best, best_score, best_why = None, 0.0, {}
        for index, (event, _) in enumerate(events):
            score, why = similarity(article, event, idf)
            if score > best_score:
                best, best_score, best_why = index, score, why
        bar = JOIN if article.day else JOIN_UNDATED
        if best is not None and best_score >= bar:
            events[best][0].add(article)
            events[best][1][article.id] = best_why
        else:
            event = Event()
            event.add(article)
            events.append((event, {article.id: {"opened": True}}))
    return events


def group_stories(events: list[Event], idf: dict[str, float] | None = None) -> list[list[int]]:
    """Events of one thread: connected by shared actors and vocabulary."""
    parent = list(range(len(events)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(events)):
        for j in range(i + 1, len(events)):
            a, b = events[i], events[j]
            shared = set(a.actors) & set(b.actors)
            if len(shared) >= 2 or _cosine(a.terms, b.terms, idf or {}) >= STORY_JOIN:
                parent[find(j)] = find(i)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(events)):
        groups[find(i)].append(i)
    return sorted(groups.values())


def _event_id(article_ids: list[str]) -> str:
    return "e" + hashlib.sha256(min(article_ids).encode()).hexdigest()[:10]


def export_events(articles: list[EventArticle], actor_names: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """DESIGN.md's events[] and stories[] for these articles."""
    grouped = group_events(articles)
    events_out = []
    for event, why in grouped:
        members = event.articles
        ids = [a.id for a in members]
        days = sorted(event.days)
        head = next((a for a in members if a.title), members[0])
        counts = Counter(event.actors)
        events_out.append({
            "id": _event_id(ids), "title": head.title or head.text[:80],
            "date": days[0].isoformat() if days and days[0] == days[-1] else (Counter(days).most_common(1)[0][0].isoformat() if days else None),
            "date_range": {"earliest": days[0].isoformat(), "latest": days[-1].isoformat()} if days else None,
            "articles": ids, "actors": [a for a, _ in counts.most_common(10)],
            "why": why,
        })
    stories_out = []
    for members in group_stories([e for e, _ in grouped]):
        events = [events_out[i] for i in members]
        biggest = max(events, key=lambda e: (len(e["articles"]), e["id"]))
        stories_out.append({"id": "s" + events[0]["id"][1:], "title": biggest["title"], "events": [e["id"] for e in events]})
    return events_out, stories_out
