"""The `actors[]` of the export: every actor the corpus mentions, KB or corpus-local.

A KB actor is exported as the KB has it (name, kind, aliases, dated roles, each role with
its `source`). A corpus-local actor (`local:<slug>`, a person or organisation the KB
lacks) has what the articles say about it: the fullest name they give, the other forms
they write it in as aliases, and the descriptors they put next to it ("Security analyst",
"president of the Port Alder Transit Workers Union") as roles without dates.
"""

from __future__ import annotations

from collections import Counter, defaultdict
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


class ActorIndex:
    """What the corpus says of each actor, kept up to date article by article.

    `add` takes one article's mentions and returns the ids whose entry may have changed
    (a new actor, or a local actor with a new name, form or descriptor), so an
    incremental link rewrites only those rows."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.mentioned: set[str] = set()
        self.names: dict[str, Counter] = defaultdict(Counter)
        self.forms: dict[str, Counter] = defaultdict(Counter)
        self.kinds: dict[str, Counter] = defaultdict(Counter)
        self.titles: dict[str, Counter] = defaultdict(Counter)

    def add(self, mentions: Iterable[Mention]) -> set[str]:
        changed: set[str] = set()
        for m in mentions:
            if not m.actor:
                continue
            known = self.kb.actor(m.actor) is not None
            if m.actor not in self.mentioned:
                self.mentioned.add(m.actor)
                changed.add(m.actor)
            if m.name:
                self.names[m.actor][m.name] += 1
            if m.kind in NAME_KINDS:
                self.kinds[m.actor][m.kind] += 1
                if m.text:
                    self.forms[m.actor][" ".join(m.text.split())] += 1
            elif m.kind == "role" and m.via == "apposition" and m.text:
                self.titles[m.actor][" ".join(m.text.split())] += 1
            if not known:
                changed.add(m.actor)  # a local entry is described by its mentions
        return changed

    def entry(self, actor_id: str) -> dict[str, Any]:
        actor = self.kb.actor(actor_id)
        if actor is not None:
            return _kb_entry(actor.to_dict())
        return _local_entry(actor_id, self.names[actor_id], self.forms[actor_id], self.kinds[actor_id],
                            self.titles[actor_id])

    def all(self) -> list[dict[str, Any]]:
        return [self.entry(actor_id) for actor_id in sorted(self.mentioned)]


def export_actors(mentions: Iterable[Mention], kb: KnowledgeBase) -> list[dict[str, Any]]:
    """One entry per actor mentioned at least once (by name, role or pronoun), sorted by id.

    An id the KB does not know (a corpus-local actor, or a KB actor since removed) is
    described from its mentions."""
    index = ActorIndex(kb)
    index.add(mentions)
    return index.all()
