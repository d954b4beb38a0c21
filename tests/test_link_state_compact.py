"""The linking state's compact holders (branch restmem) give back exactly what the plain
structures they replace held: analysis keys, copy relations and the relations kept for export,
actors' counts, and the copy index's columns and found relations, before and after a pickle."""

from __future__ import annotations

import pickle
import random
from collections import Counter

from dossier.analyze.record import cached_kb
from dossier.link import copies as copies_module
from dossier.link.actors import SMALL, ActorIndex, _local_entry
from dossier.link.copies import ArticleText, CopyIndex
from dossier.link.linkstate import AnalysisKeys, CopyRelations, KeptRelations
from dossier.model import Mention

TAIL = "2025-03-07|None|v3|rules|kb:56d84ed12210"


def test_analysis_keys_answer_as_a_dict_and_share_their_tails():
    keys, plain = AnalysisKeys(), {}
    for n in range(50):
        article = f"{n:016x}"
        # most keys start with the article's id; some (an article of several sources) do not
        plain[article] = f"{article}|{TAIL}" if n % 7 else f"{n + 1000:016x}|{TAIL}"
        keys[article] = plain[article]
    keys["0000000000000003"] = plain["0000000000000003"] = f"ffff|{TAIL}"  # analysed again, another key
    loaded = pickle.loads(pickle.dumps(keys))
    for table in (keys, loaded):
        assert len(table) == len(plain) and table.keys() == plain.keys()
        assert {a: table[a] for a in plain} == plain
        assert "nope" not in table and table.get("nope") is None
    assert loaded == keys
    tails = {id(loaded._tails[a]) for a in loaded._tails}
    assert len(tails) == 1  # one string for the tail every article shares


def _relation(copy: str, of: str, similarity: float) -> dict:
    return {"article": copy, "of": of, "kind": "rewrite", "similarity": similarity,
            "changes": [{"kind": "number changed", "original": "12 dead", "copy": "13 dead"}],
            "direction": "published earlier", "credited": False, "coverage": {"copy": 0.8, "original": 0.7},
            "identical": 0.4, "passages": [{"of_start": 0, "of_end": 80, "start": 5, "end": 85, "same": False}]}


def test_kept_relations_are_places_in_the_copys_relations_or_their_own_json():
    relations = CopyRelations()
    kept = KeptRelations(relations)
    for n in range(3):
        relations.append("copy", _relation("copy", f"original{n}", 0.5 + n / 10))
    mine = relations.get("copy")
    assert [r["of"] for r in mine] == ["original0", "original1", "original2"] and relations.get("other") == []
    kept.set("copy", [mine[2], mine[0]], mine)
    assert kept._kept["copy"] == (2, 0)  # places, not a copy of the JSON
    stranger = _relation("copy", "elsewhere", 0.9)
    kept.set("other", [stranger], [])
    relations.append("copy", _relation("copy", "original3", 0.3))  # the list grows: places still hold
    loaded = pickle.loads(pickle.dumps(kept))
    for table in (kept, loaded):
        assert table.get("copy") == [mine[2], mine[0]]
        assert table.get("other") == [stranger]
        assert set(table) == {"copy", "other"} and "copy" in table
    assert loaded == kept and loaded._relations == relations


def test_an_actor_the_kb_lacks_is_described_as_plain_counters_would():
    kb = cached_kb(None)
    index, names, forms, kinds = ActorIndex(kb), Counter(), Counter(), Counter()
    rng = random.Random(3)
    for n in range(200):
        form = rng.choice(["Ana Ruiz", "Ruiz", "Ms. Ruiz", "Ana María Ruiz", "A. Ruiz", "ANA RUIZ", "Ana  Ruiz"])
        kind = rng.choice(["person", "person", "organization"])
        index.add([Mention(0, 5, form, kind, actor="local:ana-ruiz", name="Ana Ruiz"),
                   Mention(0, 9, "union leader", "role", actor="local:ana-ruiz", via="apposition")])
        names["Ana Ruiz"] += 1
        forms[" ".join(form.split())] += 1
        kinds[kind] += 1
    assert len(forms) > SMALL  # grown from a tuple into a Counter
    expected = _local_entry("local:ana-ruiz", names, forms, kinds, Counter({"union leader": 200}))
    loaded = pickle.loads(pickle.dumps(index.__dict__ | {"kb": None}))
    again = ActorIndex.__new__(ActorIndex)
    again.__dict__.update(loaded, kb=kb)
    assert index.entry("local:ana-ruiz") == again.entry("local:ana-ruiz") == expected
    assert expected["name"] == "Ana Ruiz" and "Ana María Ruiz" in expected["aliases"]
    # a knowledge-base actor is described by the knowledge base: its mentions are not counted
    known = next(iter(kb.holders("President", "Mexico", __import__("datetime").date(2025, 1, 1)))).id
    assert index.add([Mention(0, 5, "Sheinbaum", "person", actor=known, name="Sheinbaum")]) == {known}
    assert known not in index.forms and index.entry(known)["id"] == known
    assert index.add([Mention(0, 5, "Sheinbaum", "person", actor=known, name="Sheinbaum")]) == set()


def test_the_copy_index_columns_and_found_relations_survive_a_pickle(monkeypatch):
    monkeypatch.setattr(copies_module._Relations, "BLOCK", 3)  # full blocks and an open one
    body = ("The mayor of Port Alder announced on Monday that the harbour bridge would close for repairs "
            "until the end of the summer season. Engineers found cracks in two of the main support cables "
            "during an inspection last month. Ferry services will run every twenty minutes while the work "
            "goes on, the transit authority said in a statement. ")
    index = CopyIndex(compact=True)
    ids = ["α-1", "b2", "c3", "d4", "e5", "f6", "g7", "h8"]
    dates = ["2025-03-01", None, "2025-03", "2025-03-01", None, "2025-03-02", "2025-03-02", "2025"]
    outlets = [["Port Alder Times"], [], ["Wire", "Échos"], ["Port Alder Times"], [], ["Wire", "Échos"], ["x"], ["y"]]
    found = []
    for n, (article_id, published, names) in enumerate(zip(ids, dates, outlets)):
        found += index.add(ArticleText(article_id, f"Report {n}. " + body, published, list(names)))
    assert len(found) >= 4 and len(index._found) == len(found)
    loaded = pickle.loads(pickle.dumps(index))
    for table in (index, loaded):
        assert [table._id(i) for i in range(len(table))] == ids
        assert [table._dates.value(i) for i in range(len(table))] == dates
        assert [list(table._outlets.value(i)) for i in range(len(table))] == outlets
    assert list(loaded._found) == list(index._found) and loaded.relations() == index.relations()
    # the loaded index goes on as the resident one does (texts kept compressed: no store reader)
    article = ArticleText("z9", "Update. " + body, "2025-03-03", ["Wire"])
    assert loaded.add(article) == index.add(ArticleText("z9", "Update. " + body, "2025-03-03", ["Wire"]))
    assert loaded._outlets._codes == index._outlets._codes


def test_key_holders_widen_their_buckets_as_holders_grow_and_answer_the_same():
    """The pairs are packed with as many bucket bits as the largest holder needs: adding holders
    past a power of two packs them again, and every key (the extremes of the signed range too)
    keeps its first MAX_HOLDERS holders, before and after a pickle."""
    from dossier.link.copies import MAX_HOLDERS, KeyHolders

    rng = random.Random(8)
    extremes = [-2**63, -2**63 + 1, -1, 0, 1, 2**63 - 1]
    holders, plain = KeyHolders(), {}
    holders.RECENT = 64
    for index in range(5000):
        keys = sorted({rng.randrange(-2**63, 2**63) for _ in range(5)} | {rng.choice(extremes)})
        holders.add(keys, index)
        for key in keys:
            if len(plain.setdefault(key, [])) < MAX_HOLDERS:
                plain[key].append(index)
    loaded = pickle.loads(pickle.dumps(holders))  # merged when pickled
    assert not loaded._recent and loaded._bits == (4999).bit_length() == 13
    assert len(loaded._values) == sum(len(v) for v in plain.values())
    for table in (holders, loaded):
        assert table.holders(extremes) == Counter(i for key in extremes for i in plain[key])
        some = rng.sample(sorted(plain), 200)
        assert table.holders(some) == Counter(i for key in some for i in plain[key])
