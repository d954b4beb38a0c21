"""The `actors[]` of the export: every actor the corpus mentions, KB or corpus-local.

A KB actor is exported as the KB has it (name, kind, aliases, dated roles, each role with
its `source`). A corpus-local actor (`local:<slug>`, a person or organisation the KB
lacks) has what the articles say about it: the fullest name they give, the other forms
they write it in as aliases, and the descriptors they put next to it ("Security analyst",
"president of the Port Alder Transit Workers Union") as roles without dates.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from typing import Any

from dossier.kb import KnowledgeBase
from dossier.kb.model import norm
from dossier.model import Mention

NAME_KINDS = ("person", "organization", "country", "group", "outlet")
LOCAL_ROLE_SOURCE = "corpus: as the articles describe them"


def _kb_entry(actor_dict: dict[str, Any]) -> dict[str, Any]:
    """DESIGN.md's role fields first ({title, of, start, end}), then where each comes from."""
    entry = dict(actor_dict)
    entry["roles"] = [{"title": r["title"], "of": r["of"], "start": r["start"], "end": r["end"],
                       "source": r["source"], **({"as_of": r["as_of"]} if r.get("as_of") else {})}
                      for r in actor_dict["roles"]]
    return entry


def _local_entry(actor_id: str, names: Counter, forms: Counter, kinds: Counter, titles: Counter) -> dict[str, Any]:
    """A corpus-local actor from its mentions: the fullest, most common name; every other
    surface form as an alias; each descriptor once (first letter capitalised) as a role."""
    name = max(names, key=lambda n: (len(n.split()), names[n], n)) if names else actor_id.split(":", 1)[-1]
    kind = max(sorted(kinds), key=lambda k: kinds[k]) if kinds else "person"
    seen_titles: dict[str, str] = {}
    for title in sorted(titles, key=lambda t: (-titles[t], t)):
        seen_titles.setdefault(norm(title), title[:1].upper() + title[1:])
    roles = [{"title": title, "of": None, "start": None, "end": None, "source": LOCAL_ROLE_SOURCE}
             for title in sorted(seen_titles.values())]
    return {"id": actor_id, "name": name, "kind": kind,
            "aliases": sorted(f for f in forms if f and f != name), "roles": roles,
            "sources": ["corpus: named in the articles, not in the knowledge base"]}


SMALL = 4  # values a count table keeps as a tuple before it becomes a Counter


def _bump(table: dict[str, Any], actor: str, value: str) -> None:
    """Count one `value` for `actor` in `table` (see `ActorIndex`)."""
    counts = table.get(actor)
    if counts is None:
        table[actor] = (value, 1)
    elif type(counts) is tuple:
        for i in range(0, len(counts), 2):
            if counts[i] == value:
                table[actor] = counts[:i + 1] + (counts[i + 1] + 1,) + counts[i + 2:]
                return
        if len(counts) < 2 * SMALL:
            table[actor] = counts + (value, 1)
        else:
            table[actor] = Counter(dict(zip(counts[::2], counts[1::2])))
            table[actor][value] += 1
    else:
        counts[value] += 1


def _counter(counts: tuple | Counter | None) -> Counter:
    if counts is None:
        return Counter()
    if type(counts) is tuple:
        return Counter(dict(zip(counts[::2], counts[1::2])))
    return Counter(counts)


class ActorIndex:
    """What the corpus says of each actor, kept up to date article by article.

    `add` takes one article's mentions and returns the ids whose entry may have changed
    (a new actor, or a local actor with a new name, form or descriptor), so an
    incremental link rewrites only those rows.

    Only actors the knowledge base lacks are described by their mentions (`entry`), so only
    their names, forms, kinds and titles are counted (a linking state is made with one knowledge
    base: `link.linker.load_state` relinks when it changes). Each actor's counts of a kind are a
    tuple (value, count, value, count, ...) while they have at most SMALL values, else a Counter:
    a Counter per actor and kind was most of the ~26 MB this index took at 100,000 articles. Ids
    and names are interned, so the tables share one string for each."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.mentioned: set[str] = set()
        self.names: dict[str, tuple | Counter] = {}
        self.forms: dict[str, tuple | Counter] = {}
        self.kinds: dict[str, tuple | Counter] = {}
        self.titles: dict[str, tuple | Counter] = {}

    def add(self, mentions: Iterable[Mention]) -> set[str]:
        changed: set[str] = set()
        intern = sys.intern
        for m in mentions:
            if not m.actor:
                continue
            actor = intern(m.actor)
            if actor not in self.mentioned:
                self.mentioned.add(actor)
                changed.add(actor)
            if self.kb.actor(actor) is not None:
                continue  # described by the knowledge base
            if m.name:
                _bump(self.names, actor, intern(m.name))
            if m.kind in NAME_KINDS:
                _bump(self.kinds, actor, m.kind)
                if m.text:
                    _bump(self.forms, actor, intern(" ".join(m.text.split())))
            elif m.kind == "role" and m.via == "apposition" and m.text:
                _bump(self.titles, actor, intern(" ".join(m.text.split())))
            changed.add(actor)  # a local entry is described by its mentions
        return changed

    def entry(self, actor_id: str) -> dict[str, Any]:
        actor = self.kb.actor(actor_id)
        if actor is not None:
            return _kb_entry(actor.to_dict())
        return _local_entry(actor_id, _counter(self.names.get(actor_id)), _counter(self.forms.get(actor_id)),
                            _counter(self.kinds.get(actor_id)), _counter(self.titles.get(actor_id)))

    def all(self) -> list[dict[str, Any]]:
        return [self.entry(actor_id) for actor_id in sorted(self.mentioned)]


def export_actors(mentions: Iterable[Mention], kb: KnowledgeBase) -> list[dict[str, Any]]:
    """One entry per actor mentioned at least once (by name, role or pronoun), sorted by id.

    An id the KB does not know (a corpus-local actor, or a KB actor since removed) is
    described from its mentions."""
    index = ActorIndex(kb)
    index.add(mentions)
    return index.all()
