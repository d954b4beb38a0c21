"""The linker's faster paths (session 6, branch eventscpu) give what the plain ones gave: the
statements' pairs found from lengths, postings and runs of words (`QuoteIndex._matches`), an
event's tf-idf length in one expression, the lead read with its words counted only up to four,
and the day gap found once. On text we wrote: an invented dispute over a river dam, quoted by
many outlets, cut, extended and reworded."""

from __future__ import annotations

import pickle
import random
import re
from datetime import date

import numpy as np
import pytest

from dossier.link import quotes

from dossier.link.events import (WEEKDAY_CHARS, Event, EventArticle, EventIndex, _date_rules_out, _day_gap, _length,
                                  lead_terms, lead_text)
from dossier.link.quotes import Occurrence, QuoteIndex, normalize_quote

STATEMENTS = [
    "The dam will not be opened until the engineers have inspected every gate",
    "Farmers downstream have lost their harvest for the second year in a row",
    "We asked the ministry for the water reports three times and got no answer",
    "The council approved an emergency fund for the families of the valley",
    "Nobody told the villages that the reservoir would be drained this month",
    "The company says the cracks in the north wall are older than the flood",
    "Our wells are dry and the trucks bring water only twice a week",
    "The inspection report will be published before the end of the month",
]
FILLER = "today at a press conference in the capital according to officials".split()


def variants(rng: random.Random, statement: str) -> list[str]:
    """How outlets quote a statement: as it is, cut to a run of its words, with words around it,
    with a word swapped or dropped, in other case and punctuation."""
    words = statement.split()
    start = rng.randrange(0, len(words) - 3)
    end = rng.randrange(start + 2, len(words) + 1)
    swapped = list(words)
    swapped[rng.randrange(len(words))] = rng.choice(FILLER)
    dropped = list(words)
    del dropped[rng.randrange(len(words))]
    return [statement, " ".join(words[start:end]), f"{' '.join(rng.sample(FILLER, 3))} {statement}",
            f"{statement} {' '.join(rng.sample(FILLER, 2))}", " ".join(swapped), " ".join(dropped),
            statement.upper() + "!", " ".join(words[:3]), rng.choice(FILLER) + " " + " ".join(words[2:])]


def dam_index(seed: int = 3) -> QuoteIndex:
    rng = random.Random(seed)
    index = QuoteIndex()
    for n in range(120):
        quotes = []
        for statement in rng.sample(STATEMENTS, 3):
            wording = rng.choice(variants(rng, statement))
            speaker = rng.choice([None, "p:minister", "p:mayor"])
            record = {"kind": rng.choice(["direct", "direct", "indirect", "fragment"]), "start": len(quotes) * 200,
                      "end": len(quotes) * 200 + len(wording), "speaker": speaker}
            quotes.append(Occurrence(f"a{n}", f"2025-04-{1 + n % 28:02d}", wording, normalize_quote(wording), record, speaker))
        index.add(quotes, merge=False)
    return index


def plain_matches(index: QuoteIndex, i: int) -> tuple[set[int], dict[int, float]]:
    """Every candidate read and compared, as `_join` did before session 6 (`_read_all` of all its pairs)."""
    return index._read_all(i, index.paired_on(i))


@pytest.mark.parametrize("few", [0, quotes.FEW_CANDIDATES])  # 0: every wording through numpy
def test_the_statements_pairs_found_from_lengths_and_postings_are_those_of_reading_every_candidate(monkeypatch, few):
    monkeypatch.setattr(quotes, "FEW_CANDIDATES", few)
    index = dam_index()
    assert len(index.wordings) > 100
    containing = ratio_only = 0
    for i in range(len(index.wordings)):
        contained, ratios = index._matches(i)
        assert (contained, ratios) == plain_matches(index, i), index.wordings[i]
        assert index._candidates(i) == sorted({j for w, n in index.paired_on(i) for j in index.postings[w][:n]})
        containing += bool(contained)
        ratio_only += bool(set(ratios) - contained)
    assert containing > 20 and ratio_only > 20  # both kinds of pair were met, not only empty answers
    again = pickle.loads(pickle.dumps(index))  # the lengths are read from where the wordings start
    everyone = np.arange(len(index.wordings))
    assert again._lengths_of(everyone).tolist() == [len(w) for w in again.wordings] == index._lengths_of(everyone).tolist()
    assert [again._matches(i) for i in range(0, len(index.wordings), 7)] == \
        [index._matches(i) for i in range(0, len(index.wordings), 7)]


def test_a_wording_not_in_normal_form_is_still_matched_as_the_plain_reading_would(monkeypatch):
    monkeypatch.setattr(quotes, "FEW_CANDIDATES", 0)
    index = QuoteIndex()
    given = ["the dam will not be opened", "dam will not", "the  dam will not be opened today"]  # a double space
    for n, wording in enumerate(given):
        record = {"kind": "direct", "start": 0, "end": len(wording), "speaker": None}
        index.add([Occurrence(f"a{n}", "2025-04-01", wording, wording, record)], merge=False)
    for i in range(len(given)):
        assert index._matches(i) == plain_matches(index, i)
    assert 0 in index._matches(1)[0]  # "dam will not" is a run of the first wording's words
    assert 1 in index._matches(2)[0]  # and of the third's, which is not in normal form (read as it is)


def plain_lead_text(text: str) -> str:
    out, size = [], 0
    for line in text.splitlines():
        if len(re.findall(r"[^\W\d_]{3,}", line)) < 4:
            continue
        out.append(line)
        size += len(line) + 1
        if size >= 1000:
            break
    return "\n".join(out)[:1000]


def test_the_lead_counting_words_only_up_to_four_is_the_lead_counting_them_all():
    rng = random.Random(5)
    lines = ["Share", "Menu | Home | World", "By Ana Ruiz, 12 April 2025", "Photo: river dam at dawn (AP)",
             "a b c d e f", "The dam on the Sele river will stay closed.", "Su 1, 22 de abril, ok yes no",
             "what now.", "Los agricultores del valle perdieron la cosecha.", ""]
    lines += [f"{statement}, the ministry said on Tuesday." for statement in STATEMENTS]
    for _ in range(200):
        text = "\n".join(rng.choice(lines) for _ in range(rng.randrange(1, 40)))
        assert lead_text(text) == plain_lead_text(text)
        assert lead_text(text) is lead_text(text)  # asked again for one article: kept
    assert WEEKDAY_CHARS < 1000


def test_an_events_length_in_one_expression_is_the_plain_length_and_the_day_gap_given_is_the_one_found():
    index = EventIndex()
    rng = random.Random(9)
    days = [date(2025, 4, d) for d in range(1, 29)]
    for n in range(150):
        statement = rng.choice(STATEMENTS)
        title = " ".join(rng.sample(statement.split(), 5))
        text = f"{statement}, the ministry said on {rng.choice(['Monday', 'Friday', 'Sunday'])}.\n{rng.choice(STATEMENTS)}."
        index.add(EventArticle(f"a{n}", rng.choice(days + [None]), title, text, {rng.choice(["p:mayor", "p:minister"])},
                               set(), set(), lead_terms(title, text)))
    assert 10 < len(index.events) < 150
    for event in index.events.values():
        event.length_at = -1
        assert index._length(event) == _length(event.terms, index.idf)
        assert event.length_at == index.documents
    probe = EventArticle("p", date(2025, 4, 9), "Dam", STATEMENTS[0], set(), set(), set(), lead_terms("Dam", STATEMENTS[0]),
                         weekday=4)
    month = EventArticle("m", None, "Dam", STATEMENTS[0], set(), set(), set(), period=(date(2025, 4, 1), date(2025, 4, 30)))
    for event in index.events.values():
        for article in (probe, month):
            assert _date_rules_out(article, event, _day_gap(article, event)) == _date_rules_out(article, event)
    assert isinstance(next(iter(index.events.values())), Event)


@pytest.mark.parametrize("few", [0, quotes.FEW_CANDIDATES])  # 0: every wording through numpy
def test_ratios_looked_for_only_where_they_can_decide_merge_the_same_statements(monkeypatch, few):
    """`_join` asks `_matches` for the ratios only of the candidates whose ratio can make them one
    statement for the new occurrence's speaker (`_ratio_candidates`): the statements are those of
    looking at every candidate of a close length, and fewer candidates were compared."""
    monkeypatch.setattr(quotes, "FEW_CANDIDATES", few)
    narrowed = {"close": 0, "kept": 0}
    original = QuoteIndex._ratio_candidates

    def counted(self, candidates, lengths, close, size, mine, speaker):
        keep = original(self, candidates, lengths, close, size, mine, speaker)
        assert not (keep & ~close).any()  # only ever fewer
        narrowed["close"] += int(close.sum())
        narrowed["kept"] += int(keep.sum())
        return keep

    monkeypatch.setattr(QuoteIndex, "_ratio_candidates", counted)
    index = dam_index(seed=5)
    merged = [q.to_dict() for q in index.each()]
    groups = [index.groups.find(i) for i in range(len(index.wordings))]
    monkeypatch.setattr(QuoteIndex, "_ratio_candidates", lambda self, candidates, lengths, close, *_: close)
    plain = dam_index(seed=5)
    assert [q.to_dict() for q in plain.each()] == merged
    assert [plain.groups.find(i) for i in range(len(plain.wordings))] == groups
    assert len(merged) < len(index.wordings)  # statements were merged
    if few == 0:
        assert 0 < narrowed["kept"] < narrowed["close"]


@pytest.mark.parametrize("narrow", [True, False])
def test_a_reworded_statement_joins_its_speakers_and_not_anothers(monkeypatch, narrow):
    """A wording of ratio 70-88 with an earlier one is the same statement only when one speaker said
    both; of 88 or more, whoever said it. The same with the ratios looked for only where they can
    decide (`_ratio_candidates`) and among every candidate of a close length."""
    monkeypatch.setattr(quotes, "FEW_CANDIDATES", 0)  # through the lengths and batches
    if not narrow:
        monkeypatch.setattr(QuoteIndex, "_ratio_candidates", lambda self, candidates, lengths, close, *_: close)
    # ratios with the first and how alike their lengths are: 83 and 85 (under 88, too far apart for a ratio of
    # 88), 70 and 86; the third's with the second 73 of lengths 99 alike
    said = [("The dam will not be opened until the engineers have inspected every gate", "p:minister"),
            ("The dam will not be opened until engineers inspect it", "p:minister"),
            ("The dam stays closed until engineers inspect the gates", "p:governor")]
    index = QuoteIndex()
    for n, (wording, speaker) in enumerate(said):
        record = {"kind": "direct", "start": 0, "end": len(wording), "speaker": speaker}
        index.add([Occurrence(f"a{n}", "2025-04-01", wording, normalize_quote(wording), record, speaker)], merge=False)
    group = index.groups.find
    assert group(1) == group(0)
    assert group(2) != group(0)
