"""The `actors[]` of the export: every actor the corpus mentions, KB or corpus-local."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from dossier.kb import KnowledgeBase
from dossier.model import Mention


def export_actors(mentions: Iterable[Mention], kb: KnowledgeBase) -> list[dict[str, Any]]:
    """One entry per mentioned actor, by id: KB actors with their dated roles and where
    each fact comes from; local actors (people the KB lacks) with the forms seen."""
    forms: dict[str, Counter] = defaultdict(Counter)
    kinds: dict[str, Counter] = defaultdict(Counter)
    for m in mentions:
        if m.actor and m.kind in ("person", "organization", "group", "outlet", "country"):
            kinds[m.actor][m.kind] += 1
        if m.actor:
            forms[m.actor][m.name or m.text] += 1
            if m.kind == "person" and m.text:
                forms[m.actor][m.text] += 0  # every surface form is an alias, even if never the name
    out = []
    for actor_id in sorted(forms):
        actor = kb.actor(actor_id)
        if actor is not None:
            entry = actor.to_dict()
            entry["roles"] = [{"title": r["title"], "of": r["of"], "start": r["start"], "end": r["end"],
                               "source": r["source"], **({"as_of": r["as_of"]} if "as_of" in r else {})}
                              for r in entry["roles"]]
            out.append(entry)
            continue
        seen = forms[actor_id]
        names = [n for n in seen if n]
        name = max(names, key=lambda n: (len(n.split()), seen[n], n)) if names else actor_id
        kind = kinds[actor_id].most_common(1)[0][0] if kinds[actor_id] else "person"
        out.append({"id": actor_id, "name": name, "kind": kind,
                    "aliases": sorted(n for n in names if n != name), "roles": [],
                    "sources": ["corpus: named in the articles, not in the knowledge base"]})
    return out
