"""Actor and role records of the knowledge base, and the date logic they share.

Dates are ISO strings of day, month or year precision ("2024-10-01", "2025-05", "2021").
A partial date is read conservatively so that the KB never claims more than it knows:
a role with a partial start holds from the first day *after* that month/year, one with a
partial end holds until the last day *before* it.  An open end holds indefinitely unless
the role has ``as_of`` (the last day a source confirmed it), after which it is unknown.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta


def norm(text: str) -> str:
    """Case-, accent- and spacing-insensitive key, so 'López Obrador' == 'lopez  obrador'."""
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c)).casefold()
    t = t.replace("’", "'").replace("‘", "'")
    return " ".join(t.replace("_", " ").split())


def _last_day_of_month(y: int, m: int) -> date:
    return (date(y + (m == 12), m % 12 + 1, 1)) - timedelta(days=1)


def _bounds(value: str) -> tuple[date, date]:
    """The first and last day a day-, month- or year-precise ISO date can stand for."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        return date(*parts), date(*parts)
    if len(parts) == 2:
        return date(parts[0], parts[1], 1), _last_day_of_month(*parts)
    return date(parts[0], 1, 1), date(parts[0], 12, 31)


def date_lo(value: str | None) -> date | None:
    """First day on which a role with this start certainly held: after a partial start."""
    if not value:
        return None
    first, last = _bounds(value)
    return first if first == last else last + timedelta(days=1)


def date_hi(value: str | None) -> date | None:
    """Last day on which a role with this end certainly held: before a partial end."""
    if not value:
        return None
    first, last = _bounds(value)
    return last if first == last else first - timedelta(days=1)


@dataclass(frozen=True)
class Role:
    """An office held between two dates; ``source`` says where the facts come from."""

    title: str
    of: str
    start: str | None = None
    end: str | None = None
    source: str = ""
    as_of: str | None = None

    def holds_on(self, on: date) -> bool:
        lo, hi = date_lo(self.start), date_hi(self.end)
        if lo and on < lo:
            return False
        if hi and on > hi:
            return False
        if not self.end and self.as_of and on > date.fromisoformat(self.as_of):
            return False
        return True

    def to_dict(self) -> dict:
        d = {"title": self.title, "of": self.of, "start": self.start, "end": self.end, "source": self.source}
        if self.as_of:
            d["as_of"] = self.as_of
        return d


@dataclass
class Actor:
    """A person, organisation, country, group or outlet with its aliases and dated roles."""

    id: str
    name: str
    kind: str
    aliases: list[str] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, d: dict) -> "Actor":
        roles = [Role(**{k: r.get(k) for k in ("title", "of", "start", "end", "source", "as_of")})
                 for r in d.get("roles") or []]
        return cls(id=d["id"], name=d["name"], kind=d.get("kind") or "person",
                   aliases=list(d.get("aliases") or []), roles=roles, sources=list(d.get("sources") or []))

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "kind": self.kind, "aliases": self.aliases,
                "roles": [r.to_dict() for r in self.roles], "sources": self.sources}
