"""Role-date conflicts: a title that did not hold on the article's date.

"former President X" while X was in office, "Mexican President Claudia Sheinbaum" in an
article dated before she took office (2024-10-01), "President X" for someone whose term
had ended. The titles are read by `analyze.published_range.titled_mentions` (a title right
before a KB person's name, or set off after it, for the offices the KB dates); the KB says
when each person held each office.

The article's date is its day-precise `published`; failing that, its `published_range`
without the bounds read from the checked person's own titles (they would prove themselves
right), so an undated article that names "Secretary of State Marco Rubio" (on or after
2025-01-21) is checked for its "former President Trump".

Severity: with a day-precise date, "error" for a title its holder had not yet or still
held ("President" before the term began, "former" during it); "info" for a plain title
after the term ended (a courtesy many outlets still use) and for any conflict with only a
range. Nothing is raised when the title is meant at another time: a sentence that dates
what it reports to a day the title was right ("In 2019, President Trump said"; "former
President Trump said on Friday" two days after his inauguration, of the Friday before), "under
President Barack Obama", "President Obama's health law", or a "former" that belongs to
another noun ("former President Biden aide"); nor "not yet" before 2000, where the KB's
heads of state begin. Rates on real coverage are in BENCHMARKS.md (Dates).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from dossier.analyze.published_range import Titled, _explicit_dates, _sentence, combine, titled_mentions
from dossier.kb import KnowledgeBase
from dossier.kb.model import Role, _bounds, date_hi, date_lo
from dossier.link.timeline import lead_dates

KIND = "role-date conflict"
_TITLE_KINDS = ("title", "former title")


def _possible(role: Role) -> tuple[date, date]:
    """The widest days the role may have held (a partial date stands for all its days)."""
    start = _bounds(role.start)[0] if role.start else date.min
    end = _bounds(role.end)[1] if role.end else date.max
    return start, end


def _certain(role: Role) -> tuple[date, date] | None:
    """The days the role certainly held; an open end confirmed only `as_of` a day ends there."""
    start = date_lo(role.start) or date.min
    end = date_hi(role.end) if role.end else (date.fromisoformat(role.as_of) if role.as_of else date.max)
    return (start, end) if start <= end else None


def held_throughout(roles: tuple[Role, ...], lo: date, hi: date) -> bool:
    """Some one term of the office certainly covers every day from lo to hi."""
    return any((c := _certain(r)) is not None and c[0] <= lo and hi <= c[1] for r in roles)


def not_held_throughout(roles: tuple[Role, ...], lo: date, hi: date) -> bool:
    """No term of the office can have held on any day from lo to hi."""
    return all(hi < _possible(r)[0] or lo > _possible(r)[1] for r in roles)


def article_dates(article: dict[str, Any], leave_out: list[tuple[int, int]] = ()) -> tuple[date, date, bool] | None:
    """(earliest, latest, certain): the article's day, or its inferred range without the
    bounds read from `leave_out` spans (the titles of the person being checked: they would
    prove themselves right); an open end is date.max. None when no bound is known."""
    published = article.get("published")
    if published and len(published) == 10:
        day = date.fromisoformat(published)
        return day, day, True
    rng = article.get("published_range") or {}
    bounds = [b for b in (rng.get("reasons") or []) + (rng.get("ignored") or [])
              if isinstance(b, dict) and not (b.get("kind") in _TITLE_KINDS and b.get("start") is not None
                                              and any(b["start"] < e and b["end"] > s for s, e in leave_out))]
    combined = combine(bounds)
    if not combined or not (combined["earliest"] or combined["latest"]):
        return None
    lo = date.fromisoformat(combined["earliest"]) if combined["earliest"] else date.min
    hi = date.fromisoformat(combined["latest"]) if combined["latest"] else date.max
    return lo, hi, False


def _conflict(t: Titled, lo: date, hi: date) -> str | None:
    """What is wrong with the title over lo..hi: "not yet", "still", "no longer", or None."""
    first_start = min(_possible(r)[0] for r in t.roles)
    if t.former:
        if held_throughout(t.roles, lo, hi):
            return "still"
        if hi < first_start:
            return "not yet"
        return None
    if not not_held_throughout(t.roles, lo, hi):
        return None
    return "not yet" if hi < first_start else "no longer"


# "under President Obama", "an adviser to President Obama", "President Obama's health law":
# the title is meant at the time of the term the sentence speaks of.
_TERM_BEFORE = re.compile(r"(?i:\b(?:under|during|to|served|era\s+of|administration\s+of|term\s+of|bajo|durante|"
                          r"gobierno\s+de|sexenio\s+de|administración\s+de)\s+(?:the\s+|el\s+|la\s+)?)$")
_TERM_AFTER = re.compile(r"^['’]s\s+(?:\w+\s+)?(?:administration|presidency|era|term|tenure|government|years|"
                         r"policy|policies|decision|order|orders|surge|war|cabinet|law|laws|reform|program|plan|deal|doctrine|"
                         r"White\s+House)\b")


# "former President Biden aide Jane Roe": "former" belongs to the aide.
_NOUN_AFTER = re.compile(r"^['’]?s?\s+(?:administration\s+|campaign\s+|White\s+House\s+)?(?:adviser|advisor|aide|"
                         r"official|staffer|spokes\w+|lawyer|attorney|ally|allies|appointee|nominee|envoy|chief|"
                         r"secretary|director|counsel|strategist|donor|supporter)s?\b", re.IGNORECASE)
KB_FROM = date(2000, 1, 1)  # the KB's heads of state and government start here (README of kb/)


def _about_the_term(text: str, t: Titled) -> bool:
    return bool(_TERM_BEFORE.search(text[max(0, t.start - 40):t.start])
                or _TERM_AFTER.match(text[t.end:t.end + 40]))


def _dated_in_sentence(text: str, t: Titled, published: date | None) -> list[tuple[date, date]]:
    """The days the title's sentence dates what it reports to: dates it gives, and with the
    article's day known, "on Friday", "yesterday" (link.timeline resolves them)."""
    lo, hi = _sentence(text, t.start, t.end)
    _, found = _explicit_dates(text[lo:hi])
    days = [(first, last) for first, last, _, _ in found]
    if published is not None:
        for hit in lead_dates(text[lo:hi], published):
            day = date.fromisoformat(hit["date"])
            days.append((day, day))
    return days


def _office(t: Titled) -> str:
    countries = sorted({r.of for r in t.roles})
    of = countries[0] if len(countries) == 1 else None
    return f"{t.title} of {'the ' if of and of.startswith('United') else ''}{of}" if of else t.title


def _when(lo: date, hi: date, certain: bool) -> str:
    if certain:
        return f"dated {lo.isoformat()}"
    if hi == date.max:
        return f"written on or after {lo.isoformat()} by its inferred date range"
    if lo == date.min:
        return f"written on or before {hi.isoformat()} by its inferred date range"
    return f"written between {lo.isoformat()} and {hi.isoformat()} by its inferred date range"


def _message(t: Titled, problem: str, lo: date, hi: date, certain: bool, kb: KnowledgeBase) -> str:
    office, when = _office(t), _when(lo, hi, certain)
    phrase = f"“{t.title_text}”"
    if problem == "still":
        term = next((r for r in t.roles if held_throughout((r,), lo, hi)), t.roles[0])
        since = f" since {term.start}" if term.start else ""
        return f"The article ({when}) calls {t.name} {phrase}, but {t.name} was {office}{since} and still in office then."
    starts = sorted(r.start for r in t.roles if r.start)
    if problem == "not yet":
        others = ""
        if certain and t.roles and len({r.of for r in t.roles}) == 1:
            holders = [a.name for a in kb.holders(t.title, t.roles[0].of, lo) if a.id != t.actor]
            others = f" (then the office was held by {', '.join(holders)})" if holders else ""
        return (f"The article ({when}) calls {t.name} {phrase}, but {t.name} became {office} only on "
                f"{starts[0] if starts else 'a later date'}{others}.")
    ends = sorted(r.end for r in t.roles if r.end)
    return (f"The article ({when}) calls {t.name} {phrase}, but {t.name}'s term as {office} had ended "
            f"({ends[-1] if ends else 'earlier'}); “former” would be right.")


def detect(document: dict, records: dict[str, dict], kb: KnowledgeBase) -> list[dict]:
    """Role-date conflicts in every article with a date or a bounded range."""
    flags: list[dict] = []
    for article in document.get("articles", []):
        record = records.get(article["id"]) or {}
        if not record.get("mentions"):
            continue
        text = article["text"]
        titled = titled_mentions(text, record["mentions"], kb)
        for t in titled:
            dates = article_dates(article, [(o.start, o.end) for o in titled if o.actor == t.actor])
            if dates is None:
                continue
            lo, hi, certain = dates
            problem = _conflict(t, lo, hi)
            if problem is None or (problem == "not yet" and hi < KB_FROM):
                continue  # before 2000 the KB may lack an earlier term
            if t.former and _NOUN_AFTER.match(text[t.end:t.end + 40]):
                continue
            # a date in the sentence at which the title was right: it may be meant then
            spoken = _dated_in_sentence(text, t, lo if certain else None)
            if any(_conflict(t, first, last) is None for first, last in spoken):
                continue
            if problem == "no longer" and _about_the_term(text, t):
                continue
            # "President X" after the term is often the courtesy title or meant at the time
            # spoken of: worth a look, never an alarm
            severity = "info" if not certain or problem == "no longer" else "error"
            flags.append({
                "kind": KIND, "severity": severity,
                "message": _message(t, problem, lo, hi, certain, kb),
                "evidence": [{"article": article["id"], "start": t.start, "end": t.end}],
                "actor": t.actor, "title": t.title, "former": t.former, "problem": problem,
                "article_date": {"earliest": None if lo == date.min else lo.isoformat(),
                                 "latest": None if hi == date.max else hi.isoformat(), "certain": certain},
            })
    return flags
