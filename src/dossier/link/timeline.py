"""Event dates and the timeline: when each event happened, how sure we are, and why.

An event's date comes from its articles. A dated article's lead usually says when the
happening was, relative to the article's own day: "on Thursday, Feb. 20", "on Tuesday",
"yesterday", "el martes", "el 5 de marzo". Each such mention, resolved against the
article's publication day, is a vote for a day, with its evidence span. Every article
also bounds the event: it happened on or before the article was published (the earliest
day of its publication range, when only a range is known).

`event_date` gives `{"date", "earliest", "latest", "certainty", "reasons", "disagreements"}`:
certainty is "certain" when every article that dates the event agrees (and at least one
does), "likely" when they disagree (the day with most support wins; "yesterday" counts
half, as it moves with a one-day error in the article's own date), "range" when only bounds are known, "unknown" with nothing.
`timeline` orders events by date (or by the latest day they can have happened), marking
the uncertain ones. Pure functions of the export's events and articles.
"""

from __future__ import annotations

import json
import re
import struct
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dossier.analyze.published_range import (_DAY_MONTH, _FULL, _FUTURE, _WEEKDAY_DATE, _WEEKDAYS, _day_of, _month,
                                              _sentence, can_match, month_names_in)

LEAD_CHARS = 800  # the headline and first paragraphs, where the event's own date is given
_EN_WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_ES_WEEKDAYS = "lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo"
# English weekdays are capitalised, so "said Friday" will do ("Black Friday" will not); Spanish
# ones need their article ("el martes").
# (each branch opens with a look at its first character: `re` tries it at every position of the lead,
# and the lookbehinds and alternatives cost twice as much where that fails)
_WEEKDAY_ALONE = re.compile(
    rf"(?:(?=[FMSTW])(?<![Bb]lack\s)(?<![Gg]ood\s)(?<![Cc]yber\s)"
    rf"\b(?P<en>{_EN_WEEKDAYS})(?!\s+[A-Z])(?!,?\s+(?:[A-Z][a-z]+\.?\s+)?\d)"
    rf"|(?=[Ee])\b(?:[Ee]l|[Ee]ste|[Ee]l\s+pasado)\s+(?P<es>{_ES_WEEKDAYS}))\b"
    rf"(?!,?\s+(?:[A-Z][a-z]+\.?\s+\d|\d{{1,2}}\s+de\s))")
_RELATIVE = re.compile(r"(?=[YyTtAaHhEe])\b(?P<rel>[Yy]esterday|[Tt]oday|[Tt]his\s+morning|[Tt]onight|[Aa]yer|[Hh]oy|[Ee]sta\s+mañana)\b")
RELATIVE = "said relative to the article's day"
_RELATIVE_DAYS = {"yesterday": 1, "today": 0, "this morning": 0, "tonight": 0, "ayer": 1, "hoy": 0,
                  "esta mañana": 0}


# A date in a sentence ("on March 4", "el 5 de marzo", "(Feb. 20)"), not a stamp.
_IN_PROSE = re.compile(r"(?:\b(?:[Oo]n|[Ee]l|[Dd]el|[Ss]ince|[Ll]ast|[Tt]his|[Ee]ste|pasado)|\()\s*$")


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


def _latest_on_or_before(day: date, month: int, dom: int) -> date | None:
    """The last day with this month and day of month on or before `day` (within a year)."""
    for year in (day.year, day.year - 1):
        candidate = _day_of(year, month, dom)
        if candidate is not None and candidate <= day:
            return candidate
    return None


def lead_dates(text: str, published: date) -> list[dict[str, Any]]:
    """Days the article's lead gives for what it reports, resolved against its publication
    day, in the order they appear; each with the words that say so and their span."""
    lead_end = min(len(text), LEAD_CHARS)
    found: list[tuple[int, int, date, str]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, day: date | None, how: str, prose: bool = True) -> None:
        if day is None or day > published or (published - day).days > 366:
            return  # after the article, or too far back to be its news
        if not prose and not _IN_PROSE.search(text, max(0, start - 12), start):
            return  # a date stamp under the headline dates the article, not its news
        lo, _ = _sentence(text, start, end)
        if _FUTURE.search(text, max(lo, start - 50), start):
            return  # "will take effect on Feb. 19": not what happened
        if any(start < e and end > s for s, e in taken):
            return
        taken.append((start, end))
        found.append((start, end, day, how))

    # only the patterns the lead's month names allow (`month_names_in`): the same matches, each pattern
    # otherwise a scan of the whole lead (~0.5 ms an article in all, most of the event dates' time)
    names = month_names_in(text[:lead_end])
    full = []  # each full date with its day, kept: they are anchors for relative words too (below)
    for m in (hit for p in can_match(_FULL, names) for hit in p.finditer(text, 0, lead_end)):
        month = int(m.group("mm")) if m.groupdict().get("mm") else _month(m.group("m"))
        full.append((m, _day_of(int(m.group("y")), month or 0, int(m.group("d"))) if month else None))
        add(m.start(), m.end(), full[-1][1], "a full date", prose=False)
    for m in (hit for p in can_match(_WEEKDAY_DATE, names) for hit in p.finditer(text, 0, lead_end)):
        month = _month(m.group("m"))
        day = _latest_on_or_before(published, month, int(m.group("d"))) if month else None
        if day is not None and day.weekday() == _WEEKDAYS.get(m.group("w").lower()):
            add(m.start(), m.end(), day, "a weekday and date, in the year of the article", prose=False)
    for m in (hit for p in can_match(_DAY_MONTH, names) for hit in p.finditer(text, 0, lead_end)):
        month = _month(m.group("m"))
        add(m.start(), m.end(), _latest_on_or_before(published, month, int(m.group("d"))) if month else None,
            "a date without a year, the last such day before the article", prose=False)
    for m in _WEEKDAY_ALONE.finditer(text, 0, lead_end):
        group = "en" if m.group("en") else "es"
        back = (published.weekday() - _WEEKDAYS[m.group(group).lower()]) % 7
        add(m.start(group), m.end(group), published - timedelta(days=back),
            "a weekday, the last such day up to the article")
    stamps = [(m.end(), day) for m, day in full if day is not None]  # stamps too, as anchors
    for m in _RELATIVE.finditer(text, 0, lead_end):
        back = _RELATIVE_DAYS[" ".join(m.group("rel").lower().split())]
        # "February 20, 2025\n\nToday, ...": a date right before is the day it is relative to
        anchor = next((d for e, d in sorted(stamps, reverse=True) if 0 <= m.start() - e <= 60), None)
        base = anchor or published
        add(m.start(), m.end(), base - timedelta(days=back),
            "said relative to the date written before it" if anchor else RELATIVE)
    found.sort()
    return [{"date": d.isoformat(), "start": s, "end": e, "words": text[s:e], "how": how} for s, e, d, how in found]


def article_reason(article_id: str, article: dict[str, Any]) -> dict[str, Any] | None:
    """What one dated article's lead says of its event's day (its first date mention), as a
    reason with its evidence span; None when undated or silent. It depends on the article
    alone, so the store keeps it with the article's event membership (link/corpus.py)."""
    published = _day(article.get("published"))
    if published is None:
        return None
    mentions = article["lead_dates"] if "lead_dates" in article else lead_dates(article.get("text") or "", published)
    if not mentions:
        return None
    first = mentions[0]  # a lead gives its news's day first
    return {"reason": f"on {first['date']}: article {article_id} (published {published.isoformat()}) "
                      f"says “{first['words']}”, {first['how']}",
            "article": article_id, "start": first["start"], "end": first["end"], "date": first["date"],
            "how": first["how"]}


def article_facts(article_id: str, article: dict[str, Any]) -> tuple[date | None, str, dict[str, Any] | None, int]:
    """What `event_date` reads of one article: the latest day its event can have happened by it
    (published, else its inferred range's end), which of the two, its lead's reason (without
    `how`) and that reason's vote. A caller that keeps them (link/corpus.py, as `facts` in each
    article's entry) saves redoing them for every member each time an event grows."""
    published = _day(article.get("published"))
    bound = published or _day((article.get("published_range") or {}).get("latest"))
    reason = article_reason(article_id, article)
    if reason is None:
        return bound, "published" if published else "published at the latest", None, 0
    # "yesterday" moves with a one-day error in the article's date, a weekday does not
    weight = 1 if reason.pop("how") == RELATIVE else 2
    return bound, "published" if published else "published at the latest", reason, weight


_HOWS = ("a full date", "a weekday and date, in the year of the article",
         "a date without a year, the last such day before the article", "a weekday, the last such day up to the article",
         "said relative to the date written before it", RELATIVE)  # how `lead_dates` says a lead dates its news
_REASON_KEYS = ["reason", "article", "start", "end", "date"]


class LeadFacts:
    """Article id -> what its lead says of dates (`article_facts`), as `date_events` and the
    linking state keep them for every article: read like a dict of `{"facts": ...}` entries,
    held packed as a few bytes each. A reason `article_reason` wrote is kept as its numbers and
    its words, from which its text is written again (`_unpack`; ~70 bytes an article, where one
    JSON string each took ~620 at 100,000 articles, 62 MB); any other reason as its JSON."""

    _WHATS = ("published", "published at the latest")
    _HEAD = struct.Struct("<BIBq")  # kind (0: no reason, 1: a reason as numbers and words, 2: as JSON), bound, what, weight
    _SPAN = struct.Struct("<IIIB")  # the reason's start, end, date (ordinal) and how (`_HOWS`)

    def __init__(self) -> None:
        self._packed: dict[str, bytes] = {}
        self._shared: dict[bytes, bytes] = {}  # each distinct packed entry without a reason, once

    def __len__(self) -> int:
        return len(self._packed)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._packed

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LeadFacts) and self._packed == other._packed

    def get(self, article_id: str, default: Any = None) -> dict[str, Any] | Any:
        packed = self._packed.get(article_id)
        if packed is None:
            return default
        return {"facts": self._unpack(article_id, packed)}

    def update(self, entries: Iterable[tuple[str, dict[str, Any]]]) -> None:
        shared = self._shared
        for article_id, entry in entries:
            packed = self._pack(article_id, entry["facts"])
            if len(packed) == self._HEAD.size:  # no reason: the same few bytes for every article of one day
                packed = shared.setdefault(packed, packed)
            # interned: the same string as the Linker's other per-article maps' keys (link.linkstate)
            self._packed[sys.intern(article_id)] = packed

    def pop(self, article_id: str, default: Any = None) -> Any:
        entry = self.get(article_id, default)
        self._packed.pop(article_id, None)
        return entry

    def _pack(self, article_id: str, facts: tuple[date | None, str, dict[str, Any] | None, int]) -> bytes:
        bound, what, reason, weight = facts
        if what not in self._WHATS or type(weight) is not int or not -2**63 <= weight < 2**63:
            kind = 3  # not what article_facts gives: the whole as JSON
            return bytes([kind]) + json.dumps([bound.toordinal() if bound else 0, what, reason, weight],
                                              ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        head = (bound.toordinal() if bound else 0, self._WHATS.index(what), weight)
        if reason is None:
            return self._HEAD.pack(0, *head)
        span = self._span(article_id, bound, reason)
        if span is None:
            return self._HEAD.pack(2, *head) + json.dumps(reason, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        numbers, words = span
        return self._HEAD.pack(1, *head) + self._SPAN.pack(*numbers) + words.encode("utf-8")

    @staticmethod
    def _text(day: str, article_id: str, bound: date, words: str, how: str) -> str:
        return f"on {day}: article {article_id} (published {bound.isoformat()}) says “{words}”, {how}"  # article_reason's

    def _span(self, article_id: str, bound: date | None, reason: dict[str, Any]) -> tuple[tuple, str] | None:
        """A reason as `article_reason` writes it, as (start, end, date, how) and its words; None for another."""
        if bound is None or list(reason) != _REASON_KEYS or reason["article"] != article_id:
            return None
        start, end, day, text = reason["start"], reason["end"], reason["date"], reason["reason"]
        if not (type(start) is int and type(end) is int and 0 <= start < 2**32 and 0 <= end < 2**32
                and type(day) is str and type(text) is str):
            return None
        try:
            when = date.fromisoformat(day)
        except ValueError:
            return None
        head = self._text(day, article_id, bound, "", "")[:-len("”, ")]
        for n, how in enumerate(_HOWS):
            tail = f"”, {how}"
            if text.startswith(head) and text.endswith(tail) and len(text) >= len(head) + len(tail):
                words = text[len(head):len(text) - len(tail)]
                if when.isoformat() == day and self._text(day, article_id, bound, words, how) == text:
                    return (start, end, when.toordinal(), n), words
        return None

    def _unpack(self, article_id: str, packed: bytes) -> tuple[date | None, str, dict[str, Any] | None, int]:
        if packed[0] == 3:
            bound, what, reason, weight = json.loads(packed[1:])
            return date.fromordinal(bound) if bound else None, what, reason, weight
        kind, bound, what, weight = self._HEAD.unpack_from(packed)
        day = date.fromordinal(bound) if bound else None
        reason = None
        if kind == 2:
            reason = json.loads(packed[self._HEAD.size:])
        elif kind == 1:
            start, end, when, how = self._SPAN.unpack_from(packed, self._HEAD.size)
            words = packed[self._HEAD.size + self._SPAN.size:].decode("utf-8")
            iso = date.fromordinal(when).isoformat()
            reason = {"reason": self._text(iso, article_id, day, words, _HOWS[how]),  # type: ignore[arg-type]
                      "article": article_id, "start": start, "end": end, "date": iso}
        return day, self._WHATS[what], reason, weight


def event_date(event: dict[str, Any], articles: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The event's date or range, with certainty and reasons, from its articles (export shape:
    `published`, `published_range`, `text`; or their `facts`, see `article_facts`)."""
    votes: Counter = Counter()
    reasons: list[dict[str, Any]] = []
    latest: date | None = None
    latest_reason: dict[str, Any] | None = None
    for article_id in sorted(event.get("articles", [])):
        article = articles.get(article_id)
        if article is None:
            continue
        facts = article.get("facts") or article_facts(article_id, article)
        bound, what, reason, weight = facts
        if bound is not None and (latest is None or bound < latest):
            latest = bound
            latest_reason = {"reason": f"on or before {bound.isoformat()}: article {article_id} was {what} then",
                             "article": article_id, "start": None, "end": None}
        if reason is not None:
            votes[reason["date"]] += weight
            reasons.append(dict(reason))
    if latest is not None:  # an article published earlier rules out later days
        votes = Counter({d: n for d, n in votes.items() if d <= latest.isoformat()})
    if votes:
        count = max(votes.values())
        best = min(d for d, n in votes.items() if n == count)  # deterministic: the earliest of the best
        agree = [r for r in reasons if r["date"] == best]
        others = [r for r in reasons if r["date"] != best]
        certainty = "certain" if not others else "likely"
        return {"date": best, "earliest": best if certainty == "certain" else min(votes),
                "latest": best if certainty == "certain" else min(max(votes), latest.isoformat() if latest else max(votes)),
                "certainty": certainty, "reasons": agree, "disagreements": others}
    if latest_reason is not None:
        return {"date": None, "earliest": None, "latest": latest.isoformat() if latest else None,
                "certainty": "range", "reasons": [latest_reason], "disagreements": []}
    return {"date": None, "earliest": None, "latest": None, "certainty": "unknown", "reasons": [], "disagreements": []}


@dataclass
class DateTally:
    """`event_date` kept up to date as an event's members join (its members are only ever
    appended): the same date, bounds and certainty without going over every member again. It
    leaves out the dated reasons list, which the store keeps with each member (link/corpus.py)."""

    count: int = 0  # the event's first `count` members are tallied
    votes: Counter = field(default_factory=Counter)  # day -> its votes, before the latest bound rules days out
    latest: tuple[date, str, str] | None = None  # the earliest bound, its article (first by id), and why

    def add(self, article_ids: list[str], articles: dict[str, dict[str, Any]]) -> None:
        for article_id in article_ids:
            self.count += 1
            article = articles.get(article_id)
            if article is None:
                continue
            bound, what, reason, weight = article.get("facts") or article_facts(article_id, article)
            if bound is not None and (self.latest is None or (bound, article_id) < self.latest[:2]):
                self.latest = (bound, article_id, what)
            if reason is not None:
                self.votes[reason["date"]] += weight

    def when(self) -> dict[str, Any]:
        """What `event_date` gives, but for a dated event's reasons (left empty)."""
        latest = self.latest[0] if self.latest else None
        votes = self.votes
        if latest is not None:
            votes = Counter({d: n for d, n in votes.items() if d <= latest.isoformat()})
        if votes:
            count = max(votes.values())
            best = min(d for d, n in votes.items() if n == count)
            certainty = "certain" if len(self.votes) == 1 else "likely"  # every member's lead gives that day
            return {"date": best, "earliest": best if certainty == "certain" else min(votes),
                    "latest": best if certainty == "certain" else min(max(votes), latest.isoformat() if latest else max(votes)),
                    "certainty": certainty, "reasons": [], "disagreements": []}
        if self.latest is not None:
            bound, article_id, what = self.latest
            reason = {"reason": f"on or before {bound.isoformat()}: article {article_id} was {what} then",
                      "article": article_id, "start": None, "end": None}
            return {"date": None, "earliest": None, "latest": bound.isoformat(), "certainty": "range",
                    "reasons": [reason], "disagreements": []}
        return {"date": None, "earliest": None, "latest": None, "certainty": "unknown", "reasons": [], "disagreements": []}


def timeline(events: list[dict[str, Any]], articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events in date order, each with its date or range and `uncertain` when not certain.
    An event known only by a range is placed at the latest day it can have happened;
    events with no date at all come last."""
    by_id = {a["id"]: a for a in articles}
    rows = []
    for event in events:
        when = event_date(event, by_id)
        key = when["date"] or when["latest"] or when["earliest"]
        rows.append({"event": event.get("id"), "title": event.get("title"), **when,
                     "uncertain": when["certainty"] != "certain", "_key": (key is None, key or "", event.get("id") or "")})
    rows.sort(key=lambda r: r["_key"])
    for row in rows:
        del row["_key"]
    return rows
