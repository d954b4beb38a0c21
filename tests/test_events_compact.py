"""The events part of the linking state in its compact form (branch eventsmem2): an event's terms as
term ids and counts in arrays, its statements as codes, the leads' date facts as packed bytes. Each is
checked against the plain form it replaces, on articles we generate ourselves."""

from __future__ import annotations

import math
import pickle
from datetime import date

from test_events import _quoted, synthetic_corpus

from dossier.link import events as events_module
from dossier.link.events import (EventArticle, EventIndex, _cosine, _length, _narrow, _tfs, lead_terms,
                                 most_common)
from dossier.link.timeline import LeadFacts, article_facts, lead_dates


def _plain_tally(terms: dict[str, int], article_terms: dict[str, int], kept: int) -> dict[str, int]:
    """What an event's terms were as a dict: Counter.update, then its `kept` heaviest past twice that."""
    for word, n in article_terms.items():
        terms[word] = terms.get(word, 0) + n
    return dict(most_common(terms, kept)) if len(terms) > 2 * kept else terms


def test_an_events_term_arrays_are_the_dict_they_replace_in_its_order_and_after_cuts(monkeypatch):
    monkeypatch.setattr(events_module, "TERMS_KEPT", 6)  # so that events of a few articles are cut often
    articles = _quoted(synthetic_corpus(60, seed=7)[0])
    index = EventIndex()
    plain: dict[str, dict[str, int]] = {}
    for article in articles:
        key, _ = index.add(article)
        plain[key] = _plain_tally(plain.get(key, {}), lead_terms(article.title, article.text)
                                  if not article.terms else article.terms, 6)
    cut = 0
    for key, event in index.events.items():
        assert list(event.terms.items()) == list(plain[key].items())  # same counts, same order
        assert len(event.term_ids) == len(event.term_counts) <= 12
        cut += len(event.articles) > 1 and len(plain[key]) == 6
    assert cut  # some events were cut to their heaviest terms
    # pickled and read back, an event's arrays still name the same strings as the index's vocabulary
    again = pickle.loads(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
    assert {k: e.terms for k, e in again.events.items()} == {k: e.terms for k, e in index.events.items()}
    assert all(e.names is again.names for e in again.events.values())


def test_the_dot_products_in_numpy_give_the_cosines_of_the_plain_dicts():
    articles = _quoted(synthetic_corpus(80, seed=8)[0])
    index = EventIndex()
    for article in articles[:-20]:
        index.add(article)
    events = list(index.events.values())
    compared = 0
    for probe in articles[-20:]:
        terms = dict(probe.terms)
        ids = index._term_ids(terms)
        idfs = [index.idf(w) for w in terms]
        dots = index._dots(ids, list(terms.values()), idfs, events)
        own = _length(terms, index.idf)
        for event in events:
            plain = _cosine(terms, event.terms, index.idf, own, index._length(event))
            found = dots[event.key] / (own * index._length(event)) if event.key in dots else 0.0
            # the same products summed in another order (the plain one follows a set's, which varies by process)
            assert math.isclose(found, plain, rel_tol=1e-12, abs_tol=0.0)
            compared += plain > 0
    assert compared > 100


def test_counts_take_the_narrowest_array_that_holds_them_and_their_tf_is_the_plain_one():
    for counts, code in (([1, 2, 255], "B"), ([1, 256], "H"), ([3, 70_000], "I"), ([2**33], "Q"), ([], "B")):
        packed = _narrow(counts)
        assert packed.typecode == code and packed.tolist() == counts
        assert _tfs(packed).tolist() == [events_module._tf(c) for c in counts]


def test_an_event_whose_counts_outgrow_a_byte_keeps_them_exactly():
    index = EventIndex()
    text = ("Harbour harbour harbour harbour harbour harbour pilots struck at the harbour of Port Alder "
            "on Monday, the harbour pilots union said.")
    for n in range(40):
        index.add(EventArticle(f"h{n}", date(2025, 3, 3), "Harbour pilots strike", text, {"local:pilots"}, set(),
                               set(), lead_terms("Harbour pilots strike", text)))
    (event,) = index.events.values()
    assert event.term_counts.typecode == "H" and event.terms["harbou"] == 40 * lead_terms("Harbour pilots strike", text)["harbou"]
    assert index._length(event) == _length(event.terms, index.idf)


def test_statement_keys_are_codes_and_read_back_as_the_keys_they_were():
    index = EventIndex()
    keys = ["r0", "r12", "r007", "r-common", "statement one", "r99999999999"]  # the last too large for a code
    for n, quotes in enumerate((keys[:3], keys[2:])):
        index.add(EventArticle(f"q{n}", date(2025, 3, 3), "Ferry fares rise", "The ferry company raised fares by a "
                               "tenth on all routes from Monday, its director said.", {"local:ferries"}, set(quotes),
                               set(), lead_terms("Ferry fares rise", "The ferry company raised fares")))
    (event,) = index.events.values()
    assert sorted(event.quotes) == sorted(keys)
    assert [c for c in event.quote_codes if c >= 0] == [0, 12]  # "r007" and the rest are the index's own codes
    assert all(index.posting("q", key) == (event.key,) for key in keys)
    assert index.posting("q", "r5") == () and index.posting("q", "never seen") == ()


def _entry(aid: str, published: str | None, text: str) -> dict:
    article = {"id": aid, "published": published, "published_range": None, "text": text}
    mentions = lead_dates(text, date.fromisoformat(published)) if published else []
    return {"facts": article_facts(aid, {**article, "lead_dates": mentions})}


def test_lead_facts_pack_a_leads_reason_as_numbers_and_any_other_as_it_is():
    entries = {
        "a": _entry("a", "2025-02-21", "The designation was announced on Thursday, officials said."),
        "b": _entry("b", "2025-02-21", "Die Ausweisung wurde gestern bekannt gegeben, sagte das Ministerium yesterday."),
        "c": _entry("c", "2025-02-22", "The order took effect on Feb. 20, 2025, the ministry said."),
        "d": _entry("d", None, "No date here at all."),
        # reasons not written by article_reason: kept as they were
        "e": {"facts": (date(2025, 2, 22), "published", {"reason": "someone's own words", "article": "e", "start": 0,
                                                           "end": 3, "date": "2025-02-20"}, 2)},
        "f": {"facts": (date(2025, 2, 22), "published", {"article": "f", "reason": "on 2025-02-20: article f "
                                                         "(published 2025-02-22) says “x”, a full date",
                                                         "start": 1, "end": 2, "date": "2025-02-20"}, 2)},
        "g": {"facts": (None, "an odd what", None, 1)},
    }
    packed = LeadFacts()
    packed.update(entries.items())
    packed = pickle.loads(pickle.dumps(packed))
    for aid, entry in entries.items():
        got = packed.get(aid)
        assert got == entry
        reason = entry["facts"][2]
        assert list(got["facts"][2] or {}) == list(reason or {})  # the reason's keys in their order
    kinds = {aid: packed._packed[aid][0] for aid in entries}
    assert kinds["a"] == kinds["b"] == kinds["c"] == 1 and kinds["d"] == 0 and kinds["e"] == kinds["f"] == 2
    assert kinds["g"] == 3
    assert len(packed._packed["a"]) < 60  # its reason's text is not kept


def test_flat_tallies_count_as_a_dict_does_and_read_back_as_one():
    import random

    from dossier.link.events import Event, _tally_flat

    rng = random.Random(3)
    keys = [date(2025, 3, d) for d in range(1, 6)] + ["26", "48", "1500"]
    for _ in range(50):
        tally, plain = (), {}
        for _ in range(rng.randrange(12)):
            batch = rng.sample(keys, rng.randrange(3))
            tally = _tally_flat(tally, batch)
            for key in batch:
                plain[key] = plain.get(key, 0) + 1
        event = Event("e1")
        event.day_tally = event.happened_tally = event.count_tally = tally
        assert list(event.days.items()) == list(event.happened.items()) == list(event.counts.items()) == list(plain.items())


def test_events_whose_arrays_differ_in_width_are_compared_alike():
    from array import array

    articles = _quoted(synthetic_corpus(40, seed=9)[0])
    index = EventIndex()
    for article in articles[:-1]:
        index.add(article)
    probe = articles[-1]
    terms = dict(probe.terms)
    ids, idfs = index._term_ids(terms), [index.idf(w) for w in terms]
    events = list(index.events.values())
    narrow = index._dots(ids, list(terms.values()), idfs, events)
    for event in events[::2]:  # every other event as if its numbers had outgrown two bytes
        event.term_ids, event.term_counts = array("I", event.term_ids), array("I", event.term_counts)
    assert {e.term_ids.typecode for e in events} >= {"I"} and len({e.term_ids.typecode for e in events}) > 1
    assert index._dots(ids, list(terms.values()), idfs, events) == narrow and narrow
