"""Dates: normalising the publication dates that inputs give in many shapes."""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as date_parser

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_ISO_YEAR = re.compile(r"^(\d{4})$")
EARLIEST_YEAR = 1800


def normalize_date(value: object) -> str | None:
    """An ISO date `YYYY-MM-DD` from ISO strings, RFC 2822 dates, epochs or dates; else None.

    Times are dropped without converting time zones: the calendar day the outlet wrote
    is the one users see on the article. A date given only to the month or the year
    stays that precise (`2019-11`, `2019`, ISO 8601's reduced precision): a made-up first
    of the month would put the article on a day nobody gave it.
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
    month = _ISO_MONTH.match(text)
    if month:
        return text if 1 <= int(month.group(2)) <= 12 and int(month.group(1)) >= EARLIEST_YEAR else None
    year = _ISO_YEAR.match(text)
    if year:
        return text if int(text) >= EARLIEST_YEAR else None
    try:
        # parsed twice with different defaults: what changes was not in the text
        early = date_parser.parse(text, fuzzy=False, default=dt.datetime(1, 1, 1))
        late = date_parser.parse(text, fuzzy=False, default=dt.datetime(1, 12, 28))
    except (ValueError, OverflowError, TypeError):
        return None
    if early.year < EARLIEST_YEAR:
        return None
    if early.month != late.month:
        return f"{early.year:04d}"
    if early.day != late.day:
        return f"{early.year:04d}-{early.month:02d}"
    return early.date().isoformat()
