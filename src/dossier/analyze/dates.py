"""Dates: normalising the publication dates that inputs give in many shapes."""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as date_parser

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
EARLIEST_YEAR = 1800


def normalize_date(value: object) -> str | None:
    """An ISO date `YYYY-MM-DD` from ISO strings, RFC 2822 dates, epochs or dates; else None.

    Times are dropped without converting time zones: the calendar day the outlet wrote
    is the one users see on the article.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    if not text:
        return None
    if _ISO_DAY.match(text):
        try:
            return dt.date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            return None
    try:
        parsed = date_parser.parse(text, fuzzy=False, default=dt.datetime(1, 1, 1))
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed.year < EARLIEST_YEAR:
        return None
    return parsed.date().isoformat()
