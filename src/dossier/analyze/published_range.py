"""Bounds on when an undated article was published, each with its reason and evidence span.

An article without a day-precise date still says a lot about when it was written: the
dates it mentions as past ("In June 2023", "el 5 de marzo de 2025"), relative words tied
to a date ("yesterday, March 4"), and the titles it gives people ("Mexico's President
Claudia Sheinbaum" was written on or after 2024-10-01, when she took office; "former
President X" after X's term ended). Each bound is a dict:

    {"bound": "earliest"|"latest", "date": "YYYY-MM-DD", "kind": <where it comes from>,
     "reason": "on or after 2024-10-01: calls Claudia Sheinbaum President (chars 120–160)",
     "start": int|None, "end": int|None}

`kind` is one of "date in text", "relative date", "date stamp" ("Published: ...",
"Updated: ...", an embedded post's date), "unlabelled date stamp" (a bare date line near
the top), "title", "former title", "metadata" and "crawl". `combine` turns bounds into
`{"earliest", "latest", "reasons", "ignored"}`: when bounds contradict one another, the
more reliable kind wins (KIND_RANK) and the other is kept under "ignored" (a
contradiction is itself worth showing).

Conservative by design: a range that excludes the true date is worse than a wide one.
A date is a lower bound only in a sentence that reports the past and does not look
ahead ("will", "scheduled", "until"); a date governed by "will", "scheduled for" ... is an
upper bound; a year alone counts only after a preposition that places something in it
("in 2023", "since 2019"), and then only from the December before; titles give an upper
bound only when the office has ended. bench/dates.py measures how often the range holds
the true date (NAEB, real corpus, PolNeAR; see BENCHMARKS.md).

Dates are found with our own patterns (English and Spanish month names) rather than a
library: dateutil's fuzzy parser finds no spans and fills what is missing from defaults,
and dateparser's `search_dates` took 441 ms per NAEB article (these patterns: 2.4 ms)
and returns many non-dates; calendar arithmetic is the standard library's.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dossier.kb import KnowledgeBase
from dossier.kb.model import Role, date_hi, date_lo, norm

# --------------------------------------------------------------------------- words
_EN_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_ES_MONTHS = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
}
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "lunes": 0, "martes": 1, "miércoles": 2, "miercoles": 2, "jueves": 3, "viernes": 4, "sábado": 5,
    "sabado": 5, "domingo": 6,
}
_ES_MONTH = r"(?P<m>" + "|".join(sorted(_ES_MONTHS, key=len, reverse=True)) + r")"
_DAY = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>(?:19|20)\d\d)"
_WEEKDAY = r"(?P<w>" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")"

# Full dates, then month and year, then day and month without a year. Month names must be
# capitalised in English ("may 5" is rarely a date); Spanish writes them in lower case.
_I = "(?i:{})"
_EN_M = r"(?P<m>" + "|".join(sorted({w.capitalize() for w in _EN_MONTHS} | {w.upper() for w in _EN_MONTHS if len(w) > 3},
                                       key=len, reverse=True)) + r")\.?"
# Each pattern opens with a look at its first character, which `re` checks before the word boundary and
# the names' alternatives at every position it tries (the same matches in about half the time)
_AT_EN_M = "(?=[" + "".join(sorted({w[0].upper() for w in _EN_MONTHS})) + r"])\b" + _EN_M
_AT_ES_M = "(?i:(?=[" + "".join(sorted({w[0] for w in _ES_MONTHS})) + r"]))\b" + _I.format(_ES_MONTH)
_AT_WEEKDAY = "(?i:(?=[" + "".join(sorted({w[0] for w in _WEEKDAYS})) + r"]))\b" + _I.format(_WEEKDAY)
_AT_DAY = r"(?=\d)\b" + _DAY
_AT_YEAR = r"(?=[12])\b" + _YEAR
_FULL = [
    re.compile(rf"{_AT_EN_M}\s+{_DAY},?\s+{_YEAR}\b"),
    re.compile(rf"{_AT_DAY}\s+(?:of\s+)?{_EN_M},?\s+{_YEAR}\b"),
    re.compile(rf"{_AT_DAY}\s+de\s+{_I.format(_ES_MONTH)}\s+(?:de|del)\s+{_YEAR}\b"),
    re.compile(rf"{_AT_YEAR}-(?P<mm>[01]\d)-(?P<d>[0-3]\d)\b"),
]
_MONTH_YEAR = [
    re.compile(rf"{_AT_EN_M},?\s+(?:of\s+)?{_YEAR}\b"),
    re.compile(rf"{_AT_ES_M}\s+(?:de|del)\s+{_YEAR}\b"),
]
_DAY_MONTH = [
    re.compile(rf"{_AT_EN_M}\s+{_DAY}\b(?!,?\s+(?:19|20)\d\d)(?![:.]\d)"),
    re.compile(rf"{_AT_DAY}\s+(?:of\s+)?{_EN_M}\b(?!,?\s+(?:of\s+)?(?:19|20)\d\d)"),
    re.compile(rf"{_AT_DAY}\s+de\s+{_I.format(_ES_MONTH)}\b(?!\s+(?:de|del)\s+(?:19|20)\d\d)"),
]
# What the patterns need to match at all: an English month name as `_EN_M` spells it (its case and
# all), or a Spanish one in any case. `re` tries a pattern at every position of the text (11-27 us a
# pattern over an 800-character lead); looking for the names themselves takes a few us, and most leads
# hold one of the two kinds at most (`link.timeline.lead_dates`).
_EN_MONTH_WORDS = tuple(sorted({w.capitalize() for w in _EN_MONTHS} | {w.upper() for w in _EN_MONTHS if len(w) > 3}))
_ES_MONTH_WORDS = tuple(sorted(_ES_MONTHS))
# the two characters `re`'s IGNORECASE takes for an "i" that casefold() does not fold to one (found by
# trying every code point against each letter of the Spanish names)
_AS_I = str.maketrans({"\u0130": "i", "\u0131": "i"})


def month_names_in(text: str) -> tuple[bool, bool]:
    """Whether the text may hold an English month name (as the patterns' `_EN_M` matches one) and
    whether it may hold a Spanish one (as `(?i:...)` matches them): when not, no pattern that
    needs one can match it."""
    english = any(word in text for word in _EN_MONTH_WORDS)
    folded = text.translate(_AS_I).casefold()
    return english, any(word in folded for word in _ES_MONTH_WORDS)


def can_match(patterns: list[re.Pattern[str]], names: tuple[bool, bool]) -> list[re.Pattern[str]]:
    """Those of these date patterns that can match a text with these month names (`month_names_in`):
    a pattern needs the names its source spells out, English (`_EN_M`) or Spanish (`_ES_MONTH`)."""
    english, spanish = names
    return [p for p in patterns if (english or _EN_M not in p.pattern) and (spanish or _ES_MONTH not in p.pattern)]


# A year alone counts only where something is placed in it.
_YEAR_ALONE = re.compile(
    rf"\b(?i:in|since|during|throughout|early|late|mid|en|desde|durante|a\s+finales\s+de|a\s+principios\s+de)"
    rf"\s+(?:the\s+year\s+|el\s+año\s+|(?i:early|late|mid)[\s-]+)?{_YEAR}\b(?![-–/]\d)(?!\s*(?:-|–|to|a|al)\s*\d)")
# A weekday written with a date ("Tuesday, March 4"; "el martes 4 de marzo").
_WEEKDAY_DATE = [
    re.compile(rf"{_AT_WEEKDAY},?\s+{_EN_M}\s+{_DAY}\b(?!,?\s+(?:19|20)\d\d)"),
    re.compile(rf"{_AT_WEEKDAY}\s+{_DAY}\s+de\s+{_I.format(_ES_MONTH)}\b(?!\s+(?:de|del)\s+(?:19|20)\d\d)"),
]
# Relative words right before a date: the article's own day follows from that date.
_RELATIVE_BEFORE = re.compile(
    r"(?i:\b(?P<rel>yesterday|today|this\s+morning|tonight|ayer|hoy|esta\s+mañana|anteayer|antier|"
    r"last\s+week|la\s+semana\s+pasada|earlier\s+this\s+week|this\s+week|esta\s+semana|"
    r"last\s+month|el\s+mes\s+pasado|last\s+year|el\s+año\s+pasado)"
    r"(?:\s*\(|,\s*|\s+)(?:(?:on|el)\s+)?(?:[A-Za-zéá]+day|lunes|martes|miércoles|jueves|viernes|sábado|domingo)?,?\s*)$")
_RELATIVE_DAYS = {"yesterday": 1, "ayer": 1, "anteayer": 2, "antier": 2, "today": 0, "hoy": 0,
                  "this morning": 0, "esta mañana": 0, "tonight": 0}
# (fewest, most) days from the date to the article: a day of last week is 1 to 13 days back
_RELATIVE_SPANS = {"last week": (1, 13), "la semana pasada": (1, 13), "earlier this week": (0, 6),
                   "this week": (0, 6), "esta semana": (0, 6)}


def _relative_range(word: str, day: date) -> tuple[date, date]:
    """The days the article can be from when it says `word` of `day` ("yesterday, March 6")."""
    if word in _RELATIVE_DAYS:
        on = day + timedelta(days=_RELATIVE_DAYS[word])
        return on, on
    if word in _RELATIVE_SPANS:
        fewest, most = _RELATIVE_SPANS[word]
        return day + timedelta(days=fewest), day + timedelta(days=most)
    if word in ("last month", "el mes pasado"):
        first = _month_end(day.year, day.month) + timedelta(days=1)
        return first, _month_end(first.year, first.month)
    return date(day.year + 1, 1, 1), date(day.year + 1, 12, 31)  # last year, el año pasado

# A sentence that looks ahead: its dates may be in the future of the article.
_FUTURE = re.compile(
    r"(?i:\b(?:will|won['’]t|would|shall|going\s+to|scheduled|schedule|expected|expects|expect|plans?|planned|"
    r"planning|set\s+to|set\s+for|due|upcoming|next|until|till|through|thru|by|before|deadline|starting|"
    r"starts?|begins?|effective|ahead|forecasts?|projected|projects?|aims?|goal|target|hopes?|could|may|might|"
    r"intends?|proposed|pending|soon|later|slated|estimated|anticipated|"
    r"será|serán|serà|va\s+a|van\s+a|vamos\s+a|próxim[oa]s?|hasta|a\s+partir|prevé|previst[oa]s?|programad[oa]s?|"
    r"antes|meta|para|podría|podrán?|habrá|tendrá|entrará|iniciará|comenzará|deberá|"
    r"look\s+forward|coming|airs?|premieres?|opens?|on\s+sale|tickets?|releases?|launch(?:es)?|arrives?|"
    r"available|returns?|runs?|kicks?\s+off|from)\b|['’]ll\b)")
# ... and one that reports the past: only then is a date in it a lower bound.
_PAST = re.compile(
    r"(?i:\b(?:\w{3,}ed|was|were|had|did|said|told|took|came|went|began|became|won|lost|made|got|gave|saw|met|"
    r"left|held|ran|brought|fell|rose|sent|spoke|wrote|paid|sold|bought|thought|found|led|kept|stood|"
    r"last|ago|earlier|previously|"
    r"fue|fueron|hubo|había|habían|dijo|dijeron|hizo|pasad[oa]|\w{3,}(?:ó|aron|ieron))\b)")
_SENTENCE_END = re.compile(r"[.!?]\s|\n")


SENTENCE_REACH = 400  # characters either side: text without full stops is no sentence to scan whole


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around a span: from the last end mark before it to the next after it."""
    reach = max(0, start - SENTENCE_REACH)
    lo = max(text.rfind(". ", reach, start), text.rfind("? ", reach, start), text.rfind("! ", reach, start),
             text.rfind("\n", reach, start))
    m = _SENTENCE_END.search(text, end, end + SENTENCE_REACH)
    return (lo + 1 if lo >= 0 else reach), (m.start() + 1 if m else min(len(text), end + SENTENCE_REACH))


def _looks_ahead(text: str, start: int, end: int) -> bool:
    """True unless the date's sentence reports the past and does not look ahead."""
    lo, hi = _sentence(text, start, end)
    return _FUTURE.search(text, lo, hi) is not None or _PAST.search(text, lo, hi) is None


# Words that put the date right after them in the future: "will take effect on April 10",
# "is scheduled for March 2026", "next year, in 2027". Then the article predates that date.
_TO_COME = re.compile(
    r"(?i:\b(?:will|['’]ll|shall|scheduled|slated|set\s+to|set\s+for|expected\s+to|plans?\s+to|planned\s+for|"
    r"upcoming|is\s+due|are\s+due|va\s+a|van\s+a|será|serán|se\s+realizará|está\s+previst[oa]|programad[oa]|"
    r"próxim[oa])\b)")


_EVENT_BEFORE = re.compile(
    r"(?i:\b(?:elections?|nomination|race|campaign|primar(?:y|ies)|season|olympics|cup|games|budget|draft|class|"
    r"elecciones|elección|candidatura|campaña|mundial|presupuesto)\s*)$")


def _heading(text: str, position: int) -> bool:
    """Is the position on a short line without a full stop (a heading)?"""
    start = text.rfind("\n", max(0, position - 200), position) + 1
    end = text.find("\n", position, position + 200)
    if start == 0 and position > 200 or end < 0 and position + 200 < len(text):
        return False  # a line this long is prose
    line = text[start:len(text) if end < 0 else end].strip()
    return len(line.split()) <= 12 and not line.endswith((".", "”", '"'))


def _still_to_come(text: str, start: int) -> re.Match | None:
    """The future word governing a date: within its clause just before it, with no past
    form between ("will be finished by 2020" is no promise about 2020 once "finished")."""
    lo, _ = _sentence(text, start, start)
    window_start = max(lo, start - 50)
    window = text[window_start:start]
    cut = max(window.rfind(","), window.rfind(";"), window.rfind("“"), window.rfind('"'))
    hits = list(_TO_COME.finditer(text, window_start + cut + 1, start))
    if not hits or _PAST.search(text, hits[-1].end(), start):
        return None
    return hits[-1]


_DIGITS = re.compile(r"\d+")


def _windows(text: str) -> list[tuple[int, int]]:
    """Stretches around the numbers of a text: every date pattern has a number, so the
    patterns run only there (several times faster than scanning the whole text)."""
    windows: list[tuple[int, int]] = []
    for m in _DIGITS.finditer(text):
        lo, hi = max(0, m.start() - 40), min(len(text), m.end() + 30)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
    return windows


MAX_DATES = 300  # per pattern: more is a table or a list, not prose to read bounds from


def _finditer(pattern: re.Pattern, text: str, windows: list[tuple[int, int]]) -> Iterator[re.Match]:
    count = 0
    for lo, hi in windows:
        for m in pattern.finditer(text, lo, hi):
            yield m
            count += 1
            if count >= MAX_DATES:
                return


def _month(word: str) -> int | None:
    key = word.lower().rstrip(".")
    return _EN_MONTHS.get(key) or _ES_MONTHS.get(key)


def _day_of(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


# --------------------------------------------------------------------------- bounds
@dataclass(frozen=True)
class Bound:
    """One bound on the publication date, with why and where the article says so."""

    side: str  # "earliest" or "latest"
    day: date
    kind: str
    why: str
    start: int | None = None
    end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        where = f" (chars {self.start}–{self.end})" if self.start is not None else ""
        word = "on or after" if self.side == "earliest" else "on or before"
        return {"bound": self.side, "date": self.day.isoformat(), "kind": self.kind,
                "reason": f"{word} {self.day.isoformat()}: {self.why}{where}",
                "start": self.start, "end": self.end}


# Which bound wins when two contradict: the lower the rank, the more it is trusted.
KIND_RANK = {"metadata": 0, "crawl": 0, "relative date": 1, "date stamp": 2, "date in text": 2, "former title": 3,
             "title": 4, "unlabelled date stamp": 5}


def _explicit_dates(text: str) -> tuple[list[Bound], list[tuple[date, date, int, int]]]:
    """Bounds from dates the text gives in full or to the month or year, and every such date
    found (first day, last day, span) as anchors for the rest."""
    bounds: list[Bound] = []
    found: list[tuple[date, date, int, int]] = []
    taken = bytearray(len(text))  # characters already read as part of a date
    windows = _windows(text)

    def free(s: int, e: int) -> bool:
        return not any(taken[s:e])

    def take(s: int, e: int) -> None:
        taken[s:e] = b"\x01" * (e - s)

    for pattern in _FULL:
        for m in _finditer(pattern, text, windows):
            month = int(m.group("mm")) if "mm" in m.groupdict() and m.group("mm") else _month(m.group("m"))
            day = _day_of(int(m.group("y")), month or 0, int(m.group("d"))) if month else None
            if day is None or not free(m.start(), m.end()):
                continue
            take(m.start(), m.end())
            found.append((day, day, m.start(), m.end()))
            relative = _RELATIVE_BEFORE.search(text, max(0, m.start() - 40), m.start())
            if relative:
                first, last = _relative_range(" ".join(relative.group("rel").lower().split()), day)
                what = f"says “{relative.group('rel')}” of {day.isoformat()}"
                bounds.append(Bound("earliest", first, "relative date", what, relative.start("rel"), m.end()))
                bounds.append(Bound("latest", last, "relative date", what, relative.start("rel"), m.end()))
            elif (stamp := _stamp(text, m, day)) is not None:
                bounds.append(stamp)
            elif (cue := _still_to_come(text, m.start())) is not None:
                bounds.append(_to_come(m, cue, day))
            elif not _looks_ahead(text, m.start(), m.end()):
                bounds.append(Bound("earliest", day, "date in text", f"mentions {m.group()!r} as past",
                                    m.start(), m.end()))
    for pattern in _MONTH_YEAR:
        for m in _finditer(pattern, text, windows):
            month = _month(m.group("m"))
            if not month or not free(m.start(), m.end()):
                continue
            take(m.start(), m.end())
            first, year = date(int(m.group("y")), month, 1), int(m.group("y"))
            found.append((first, _month_end(year, month), m.start(), m.end()))
            if (cue := _still_to_come(text, m.start())) is not None:
                bounds.append(_to_come(m, cue, _month_end(year, month)))
            elif not _looks_ahead(text, m.start(), m.end()):
                bounds.append(Bound("earliest", first, "date in text", f"mentions {m.group()!r} as past",
                                    m.start(), m.end()))
    for m in _finditer(_YEAR_ALONE, text, windows):
        s, e = m.start("y"), m.end("y")
        if not free(s, e):
            continue
        year = int(m.group("y"))
        found.append((date(year, 1, 1), date(year, 12, 31), s, e))
        if _EVENT_BEFORE.search(text, max(0, m.start() - 30), m.start()):
            continue  # "the election in 2028": an event that may still be ahead
        if _heading(text, m.start()):
            continue  # "Best Budget Laptops in 2026": headings name the coming year to sell
        if (cue := _still_to_come(text, m.start())) is not None:
            bounds.append(_to_come(m, cue, date(year, 12, 31), s))
        elif not _looks_ahead(text, m.start(), m.end()):
            # news from a year's last weeks speaks of the coming year as if it had begun ("the
            # price rises in 2026 that worried buyers", written in late 2025), so a year alone
            # bounds only from the December before
            bounds.append(Bound("earliest", date(year - 1, 12, 1), "date in text",
                                f"mentions {m.group()!r} as past (a year alone: from the December before, "
                                f"as articles of a year's last weeks look ahead to the next)", s, e))
    return bounds, found


# Date stamps: "Published: Tuesday, June 2, 2026 - 9:10am", "Updated: 2026-06-03 14:05",
# "— Name (@handle) June 1, 2026" (an embedded post), or a line that is only a date near
# the top ("Tuesday, June 2, 2026", "Tuesday 2 June 2026 09:10, BST").
_PUBLISHED_LABEL = re.compile(r"(?i:\b(?:published|posted|publicad[oa]|originally\s+published)\b[^\n]{0,25})$")
_UPDATED_LABEL = re.compile(r"(?i:\b(?:updated|last\s+updated|modified|actualizad[oa])\b[^\n]{0,25})$")
_EMBED = re.compile(r"\(@\w+\)\s*$")
# What may stand beside a date on a stamp line: short words (at, a.m., EST, UK, de), times,
# weekdays, punctuation. Each piece can match only one way, so a failing line fails fast.
_STAMP_REST = re.compile(
    r"(?i:\s|[-–—•|,.:()]|\b[a-z]{1,4}\b|\d{1,2}[:.h]\d{2}(?::\d{2})?|"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|lunes|martes|miércoles|jueves|viernes|"
    r"sábado|domingo)\b)*")
STAMP_HEAD = 400  # an unlabelled date line counts only this near the top (related-article lists come later)


def _stamp(text: str, m: re.Match, day: date) -> Bound | None:
    """A bound from a date stamp: "published" on or after it; "updated" on or before it; an
    embedded post's date on or after it; a bare date line near the top on or after it (the
    least trusted: a page's "today" widget is one, so any other evidence overrides it)."""
    line_start = text.rfind("\n", max(0, m.start() - 200), m.start()) + 1
    before = text[max(line_start, m.start() - 200):m.start()]
    if _PUBLISHED_LABEL.search(before):
        return Bound("earliest", day, "date stamp", f"the text says it was published {m.group()!r}",
                     m.start(), m.end())
    if _EMBED.search(before):
        return Bound("earliest", day, "date stamp", f"embeds a post dated {m.group()!r}", m.start(), m.end())
    if m.start() < STAMP_HEAD and _UPDATED_LABEL.search(before):
        return Bound("latest", day, "date stamp", f"the text says it was updated {m.group()!r}", m.start(), m.end())
    line_end = text.find("\n", m.end(), m.end() + 200)
    after = text[m.end():m.end() + 200 if line_end < 0 else line_end]
    after = after.split(" by ")[0].split(" por ")[0]
    bare = len(before) < 60 and len(after) < 60 and _STAMP_REST.fullmatch(before) and _STAMP_REST.fullmatch(after)
    if m.start() < STAMP_HEAD and bare:
        return Bound("earliest", day, "unlabelled date stamp", f"a line near the top gives only the date {m.group()!r}",
                     m.start(), m.end())
    return None


def _to_come(m: re.Match, cue: re.Match, last: date, start: int | None = None) -> Bound:
    return Bound("latest", last, "date in text", f"speaks of {m.group().strip()!r} as still to come "
                 f"(“{cue.group()}”)", cue.start(), m.end())


def _weekday_dates(text: str, years: range) -> list[Bound]:
    """"Tuesday, March 4" without a year: the year is the one among `years` (the years the
    article can be from) in which that day was that weekday, when there is exactly one."""
    bounds: list[Bound] = []
    windows = _windows(text)
    for pattern in _WEEKDAY_DATE:
        for m in _finditer(pattern, text, windows):
            month, weekday = _month(m.group("m")), _WEEKDAYS.get(m.group("w").lower())
            if not month or weekday is None:
                continue
            days = [d for y in years if (d := _day_of(y, month, int(m.group("d")))) and d.weekday() == weekday]
            if len(days) != 1 or _looks_ahead(text, m.start(), m.end()):
                continue
            bounds.append(Bound("earliest", days[0], "date in text",
                                f"mentions {m.group()!r} as past, a {m.group('w').capitalize()} in {days[0].year} "
                                f"(the only such year from {years.start} to {years.stop - 1})", m.start(), m.end()))
    return bounds


# --------------------------------------------------------------------------- titles
_TITLES = {  # words before a name -> the KB title they stand for
    "president": "President", "presidente": "President", "presidenta": "President", "pres.": "President",
    "vice president": "Vice President", "vice-president": "Vice President", "vicepresidente": "Vice President",
    "vicepresidenta": "Vice President",
    "prime minister": "Prime Minister", "primer ministro": "Prime Minister", "primera ministra": "Prime Minister",
    "secretary of state": "Secretary of State", "secretario de estado": "Secretary of State",
    "defense secretary": "Secretary of Defense", "secretary of defense": "Secretary of Defense",
    "attorney general": "Attorney General",
}
_TITLE_WORDS = "|".join(sorted((re.escape(t).replace(r"\ ", r"\s+") for t in _TITLES), key=len, reverse=True))
_TITLE_PREFIX = re.compile(rf"(?i:{_TITLE_WORDS})\s+")  # compiled once: it was formatted and looked up per mention
_COUNTRY_WORDS = {
    "mexican": "Mexico", "mexico's": "Mexico", "mexico’s": "Mexico", "méxico": "Mexico", "mexico": "Mexico",
    "mexicano": "Mexico", "mexicana": "Mexico", "u.s.": "United States", "us": "United States",
    "american": "United States", "united states": "United States", "the united states": "United States",
    "estados unidos": "United States", "ee.uu.": "United States", "ee. uu.": "United States",
    "estadounidense": "United States",
}
_MODIFIERS = r"former|ex-|ex|then-|then|late|outgoing|incoming|future|next|acting|interim|would-be|soon-to-be|new"
# "former Mexican President", "U.S. Secretary of State", "la presidenta de México", "el expresidente"
_TITLE_BEFORE_NAME = re.compile(
    rf"(?:(?P<mod>\b(?i:{_MODIFIERS})|\bex)[\s-]*)?"
    rf"(?:(?P<c1>(?-i:Mexican|Mexico['’]s|U\.S\.|US|American))\s+)?"
    rf"(?:(?P<mod2>\b(?i:{_MODIFIERS}))[\s-]*)?"
    rf"(?P<title>(?i:{_TITLE_WORDS}|ex-?presidente|ex-?presidenta|ex-?mandatari[oa]))"
    rf"(?:\s+(?i:of|de)\s+(?P<c2>(?i:Mexico|México|the\s+United\s+States|Estados\s+Unidos|EE\.\s?UU\.)))?"
    rf"(?P<elect>-elect)?,?\s+$")
# A title word anywhere in the text before a name: what `_TITLE_BEFORE_NAME` cannot match without.
# Searching for it first is several times faster than the full pattern, which tries its
# optional modifier and country at every position, and most names have no title before them.
_TITLE_ANYWHERE = re.compile(rf"(?i:{_TITLE_WORDS}|ex-?presidente|ex-?presidenta|ex-?mandatari[oa])")


@dataclass(frozen=True)
class Titled:
    """A person named with a title: "former President Andrés Manuel López Obrador",
    "Claudia Sheinbaum, Mexico's president"."""

    start: int  # the whole phrase, title and name
    end: int
    actor: str
    name: str  # the name as written
    title: str  # the KB title ("President")
    country: str | None
    former: bool
    phrase: str
    roles: tuple[Role, ...]  # the actor's KB roles of that title (and country, when given)
    title_text: str  # the title as written ("Mexico's former President")


def _matching_roles(roles: list[Role], title: str, country: str | None) -> tuple[Role, ...]:
    return tuple(r for r in roles if r.title == title and (country is None or norm(r.of) == norm(country)))


def titled_mentions(text: str, mentions: list[dict[str, Any]], kb: KnowledgeBase) -> list[Titled]:
    """People the article names right after a title ("Mexican President Claudia Sheinbaum",
    "el expresidente López Obrador") or with a role set off next to their name, when the
    KB knows the person's dated roles of that title. Titles that say nothing about the
    present ("then-", "late", "incoming", "-elect", "acting") are left out."""
    found: list[Titled] = []
    for m in mentions:
        actor = kb.actor(m["actor"]) if m.get("actor") and m.get("kind") == "person" else None
        if actor is None or m.get("via") not in ("alias", "antecedent"):
            continue
        name_start, name_end = m["start"], m["end"]
        surface = text[name_start:name_end]
        inner = _TITLE_PREFIX.match(surface)  # an alias such as "President Trump"
        head = text[max(0, name_start - 60):name_start + (inner.end() if inner else 0)]
        hit = _TITLE_BEFORE_NAME.search(head) if _TITLE_ANYWHERE.search(head) else None
        if hit is None:
            continue
        mod = (hit.group("mod") or hit.group("mod2") or "").lower().rstrip("-")
        raw = " ".join(hit.group("title").lower().split())
        former = mod in ("former", "ex") or raw.startswith("ex")
        if hit.group("elect") or (mod and not former):
            continue
        if raw.startswith("ex"):
            title = "President"
        else:
            title = _TITLES.get(raw, "")
        country_word = hit.group("c1") or hit.group("c2")
        country = _COUNTRY_WORDS.get(" ".join(country_word.lower().split())) if country_word else None
        roles = _matching_roles(actor.roles, title, country)
        if not roles:
            continue
        start = max(0, name_start - 60) + hit.start()
        name = surface[inner.end():] if inner else surface
        title_text = text[start:name_end - len(name)].strip(" ,")
        found.append(Titled(start, name_end, actor.id, name, title, country, former,
                            text[start:name_end], roles, title_text))
    return found + _appositive_titles(text, mentions, kb, found)


_APPOSITIVE_TITLE = re.compile(
    rf"^(?:(?:the|el|la)\s+)?(?:(?P<c1>(?-i:Mexican|Mexico['’]s|U\.S\.|US|American))\s+)?"
    rf"(?P<title>(?i:{_TITLE_WORDS}))"
    rf"(?:\s+(?:of|de)\s+(?P<c2>(?i:Mexico|México|the\s+United\s+States|Estados\s+Unidos|EE\.\s?UU\.)))?$",
    re.IGNORECASE)


def _appositive_titles(text: str, mentions: list[dict[str, Any]], kb: KnowledgeBase,
                       taken: list[Titled]) -> list[Titled]:
    """A role set off right after a KB person's name ("Claudia Sheinbaum, Mexico's president,"),
    as mention resolution links them (via "apposition")."""
    found: list[Titled] = []
    people = {(m["end"], m.get("actor")): m for m in mentions if m.get("kind") == "person"}
    titled_people = {t.end for t in taken}  # names already read with a title before them
    for m in mentions:
        actor = kb.actor(m["actor"]) if m.get("actor") and m.get("kind") == "role" else None
        if actor is None or m.get("via") != "apposition":
            continue
        before = text[max(0, m["start"] - 2):m["start"]]
        person = people.get((m["start"] - 2, m["actor"])) if before == ", " else None
        hit = _APPOSITIVE_TITLE.match(" ".join(text[m["start"]:m["end"]].split()))
        if person is None or hit is None or person["end"] in titled_people:
            continue
        title = _TITLES.get(" ".join(hit.group("title").lower().split()), "")
        country_word = hit.group("c1") or hit.group("c2")
        country = _COUNTRY_WORDS.get(" ".join(country_word.lower().split())) if country_word else None
        roles = _matching_roles(actor.roles, title, country)
        if roles:
            found.append(Titled(person["start"], m["end"], actor.id, text[person["start"]:person["end"]], title,
                                country, False, text[person["start"]:m["end"]], roles, text[m["start"]:m["end"]]))
    return found


def _first_end(roles: tuple[Role, ...]) -> date | None:
    ends = [d for r in roles if (d := date_hi(r.end))]
    return min(ends) if ends else None


def _office(t: Titled) -> str:
    """"President of Mexico", "President of the United States"."""
    countries = {r.of for r in t.roles}
    if len(countries) != 1:
        return t.title
    (country,) = countries
    return f"{t.title} of {'the ' if country.startswith('United') else ''}{country}"


def title_bounds(titled: list[Titled]) -> list[Bound]:
    """"President X" was written once X held the office, and while X held it (when the
    office has ended); "former President X" after X's first term of it ended."""
    bounds: list[Bound] = []
    for t in titled:
        office = _office(t)
        if t.former:
            ended = _first_end(t.roles)
            if ended is not None:
                bounds.append(Bound("earliest", ended + timedelta(days=1), "former title",
                                    f"calls {t.name} former {t.title}; {t.name} was {office} until "
                                    f"{ended.isoformat()}", t.start, t.end))
            continue
        starts = [date_lo(r.start) for r in t.roles]
        if all(starts):
            first = min(starts)  # type: ignore[type-var]
            bounds.append(Bound("earliest", first, "title", f"calls {t.name} {t.title}; {t.name} became "
                                f"{office} on {first.isoformat()}", t.start, t.end))
        ends = [date_hi(r.end) for r in t.roles]
        if all(ends):
            last = max(ends)  # type: ignore[type-var]
            bounds.append(Bound("latest", last, "title", f"calls {t.name} {t.title}, not former {t.title}; "
                                f"{t.name} was {office} until {last.isoformat()}", t.start, t.end))
    return bounds


# --------------------------------------------------------------------------- combining
def combine(bounds: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The range the bounds allow: the tightest of them, adding the most trusted first
    (KIND_RANK) and setting aside any that would leave no date at all (kept in "ignored")."""
    if not bounds:
        return None
    ordered = sorted(bounds, key=lambda b: (KIND_RANK.get(b["kind"], 9), b["bound"], b["date"], b.get("start") or 0))
    lo: str | None = None
    hi: str | None = None
    kept, ignored = [], []
    for b in ordered:
        if b["bound"] == "earliest":
            if hi is not None and b["date"] > hi:
                ignored.append(b)
                continue
            lo = max(lo or b["date"], b["date"])
        else:
            if lo is not None and b["date"] < lo:
                ignored.append(b)
                continue
            hi = min(hi or b["date"], b["date"])
        kept.append(b)
    is_binding = [b["date"] == (lo if b["bound"] == "earliest" else hi) for b in kept]
    binding = [b for b, yes in zip(kept, is_binding) if yes]
    rest = [b for b, yes in zip(kept, is_binding) if not yes]
    reasons = binding + sorted(rest, key=lambda b: (b["bound"], b["date"]), reverse=True)
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for b in reasons:  # one reason per (side, date, kind) is enough to show
        key = (b["bound"], b["date"], b["kind"])
        if key not in seen:
            seen.add(key)
            unique.append(b)
    return {"earliest": lo, "latest": hi, "reasons": unique[:12], "ignored": ignored[:12]}


def infer_bounds(text: str, mentions: list[dict[str, Any]], kb: KnowledgeBase,
                 latest: date | None = None) -> list[dict[str, Any]]:
    """Every bound the text and the KB give (as dicts); `latest` is a known latest day (a
    crawl date), used only to place weekday dates in a year."""
    bounds, found = _explicit_dates(text)
    bounds += title_bounds(titled_mentions(text, mentions, kb))
    lows = [b.day for b in bounds if b.side == "earliest"]
    years = [first.year for first, _, _, _ in found]
    if latest is not None or years or lows:
        top = latest.year if latest else max(years + [d.year for d in lows]) + 1
        bottom = max(years + [d.year for d in lows]) - 1 if latest is None else top - 6
        bounds += _weekday_dates(text, range(bottom, top + 1))
    return [b.to_dict() for b in bounds]


_SOURCE_WORDS = {"json-ld": "the page's JSON-LD", "meta": "the page's meta tags", "url": "the URL",
                 "sidecar": "meta.jsonl", "record": "the input record", "feed": "the feed", "warc": "the WARC record"}


def metadata_bounds(published: str | None, source: str | None = None) -> list[dict[str, Any]]:
    """A month- or year-precise published date ("2019-11") bounds the day both ways."""
    if not published or len(published) == 10:
        return []
    parts = [int(p) for p in published.split("-")]
    if len(parts) == 2:
        first, last, what = date(parts[0], parts[1], 1), _month_end(parts[0], parts[1]), "month"
    else:
        first, last, what = date(parts[0], 1, 1), date(parts[0], 12, 31), "year"
    given = _SOURCE_WORDS.get(source or "", source or "the metadata")
    why = f"{given} gives only the {what}, {published}"
    return [Bound("earliest", first, "metadata", why).to_dict(), Bound("latest", last, "metadata", why).to_dict()]


def crawl_bound(fetched: str | None) -> list[dict[str, Any]]:
    if not fetched:
        return []
    return [Bound("latest", date.fromisoformat(fetched[:10]), "crawl", "the day it was crawled (WARC record date)")
            .to_dict()]


def published_range(inferred: list[dict[str, Any]] | None, published: str | None = None,
                    published_source: str | None = None, fetched: str | None = None) -> dict[str, Any] | None:
    """The article's range: null when it has a day-precise date; else the text's and KB's
    bounds (`inferred`, from the analysis record) with the metadata's and the crawl's."""
    if published and len(published) == 10:
        return None
    return combine(metadata_bounds(published, published_source) + crawl_bound(fetched) + list(inferred or []))
