"""The rule-based quotation extractor on text we wrote, and on the real seed articles."""

from __future__ import annotations

import pytest

from conftest import SHARED, needs_shared
from dossier.analyze.quotes import extract_quotes


def content(text, q):
    return text[q.start:q.end]


def speaker(text, q):
    return text[q.speaker_start:q.speaker_end] if q.speaker_start is not None else None


def only(quotes, kind):
    return [q for q in quotes if q.kind == kind]


@pytest.mark.parametrize("opening, closing", [('"', '"'), ("“", "”"), ("«", "»"), ("„", "“")])
def test_direct_quote_in_every_quotation_mark_style(opening, closing):
    text = f"{opening}The depot will stay closed until the inspectors finish,{closing} the mayor said on Monday."
    (q,) = extract_quotes(text)
    assert q.kind == "direct"
    assert content(text, q) == "The depot will stay closed until the inspectors finish"
    assert speaker(text, q) == "the mayor" and q.cue == "said"


def test_attribution_before_the_quote_with_a_colon():
    text = "Port director Ana Ruiz told reporters: “We have never seen a season like this one.”"
    (q,) = extract_quotes(text)
    assert content(text, q) == "We have never seen a season like this one."
    assert speaker(text, q) == "Port director Ana Ruiz" and q.cue == "told"


def test_quote_interrupted_by_its_attribution_is_one_quote():
    text = '"We will," she said, "keep talking until there is a deal."'
    (q,) = extract_quotes(text)
    assert q.kind == "direct" and q.parts is not None and len(q.parts) == 2
    assert [text[s:e] for s, e in q.parts] == ["We will", "keep talking until there is a deal."]
    assert speaker(text, q) == "she" and q.cue == "said"


def test_quote_running_over_paragraphs_is_one_quote():
    text = ("“The first thing we did was count the trucks,” said inspector Tomas Vidal. “Then we counted them again.\n\n"
            "“Nobody believed the numbers the first time, and nobody believes them now.”")
    quotes = only(extract_quotes(text), "direct")
    assert len(quotes) == 2
    second = quotes[1]
    assert second.parts is not None and len(second.parts) == 2
    assert content(text, second).startswith("Then we counted them again.")
    assert content(text, second).endswith("nobody believes them now.")
    assert speaker(text, second) == "inspector Tomas Vidal"  # it continues the same speaker


def test_next_quote_paragraph_continues_the_speaker():
    text = ("“We are not leaving,” union leader Marta Solis said.\n\n"
            "“If they want the harbour open, they know where to find us.”")
    first, second = only(extract_quotes(text), "direct")
    assert speaker(text, first) == "union leader Marta Solis"
    assert (second.speaker_start, second.speaker_end) == (first.speaker_start, first.speaker_end)


def test_nested_single_quote_is_its_own_quote_with_its_own_speaker():
    text = "“He told me ‘we will never pay for that bridge,’ and I believed him,” the engineer said."
    quotes = extract_quotes(text)
    outer = next(q for q in quotes if content(text, q).startswith("He told me"))
    inner = next(q for q in quotes if content(text, q) == "we will never pay for that bridge")
    assert speaker(text, outer) == "the engineer"
    assert speaker(text, inner) == "He" and inner.cue == "told"


def test_slogans_and_partial_quotes_are_fragments():
    text = 'The governor defended his "roads before bridges" plan on Tuesday. Critics called it "a mistake".'
    quotes = extract_quotes(text)
    assert {content(text, q) for q in only(quotes, "fragment")} == {"roads before bridges", "a mistake"}
    assert not only(quotes, "direct")


def test_fragment_takes_the_speaker_who_calls_it_so():
    text = 'The mayor has long defended what she calls a "slow but sure" approach to the harbour.'
    (q,) = extract_quotes(text)
    assert q.kind == "fragment" and speaker(text, q) == "she" and q.cue == "calls"


def test_indirect_speech_said_that():
    text = "The governor said that the budget would be cut by a tenth next year."
    (q,) = extract_quotes(text)
    assert q.kind == "indirect"
    assert content(text, q) == "that the budget would be cut by a tenth next year"
    assert speaker(text, q) == "The governor" and q.cue == "said"


def test_indirect_speech_with_the_attribution_last():
    text = "The strike could last until the end of the month, union officials said on Friday."
    (q,) = extract_quotes(text)
    assert content(text, q) == "The strike could last until the end of the month"
    assert speaker(text, q) == "union officials"


def test_according_to():
    text = "According to the port authority, 312 ships were delayed last year."
    (q,) = extract_quotes(text)
    assert q.kind == "indirect" and q.cue == "According to"
    assert speaker(text, q) == "the port authority"
    assert content(text, q) == "312 ships were delayed last year"


def test_spanish_indirect_and_direct():
    text = ("La alcaldesa Elena Quintero dijo que la ciudad no puede pagar las patrullas sola.\n\n"
            "«No vamos a cerrar el puente», afirmó Quintero.")
    indirect, direct = extract_quotes(text)
    assert indirect.kind == "indirect" and indirect.cue == "dijo"
    assert content(text, indirect) == "que la ciudad no puede pagar las patrullas sola"
    assert speaker(text, indirect) == "La alcaldesa Elena Quintero"
    assert direct.kind == "direct" and content(text, direct) == "No vamos a cerrar el puente"
    assert speaker(text, direct) == "Quintero" and direct.cue == "afirmó"


def test_an_outlet_credited_for_a_quote_goes_in_via():
    text = "“We will not sign,” the minister said, as quoted by Reuters."
    (q,) = extract_quotes(text)
    assert speaker(text, q) == "the minister" and q.via == "Reuters"


def test_an_outlet_speaking_for_itself_is_the_speaker():
    text = "Reuters reported that the talks had collapsed after midnight."
    (q,) = extract_quotes(text)
    assert speaker(text, q) == "Reuters" and q.kind == "indirect"


def test_participle_attribution_gives_the_sentence_subject():
    text = 'Transport Secretary Luis Brennan defended the fare rise, saying, "Nobody likes paying more for the same bus."'
    (q,) = extract_quotes(text)
    assert speaker(text, q) == "Transport Secretary Luis Brennan" and q.cue == "saying"


def test_apostrophes_and_plain_prose_give_nothing():
    text = "The mayor's office didn't open on Monday. Ships waited outside the harbour for two days."
    assert extract_quotes(text) == []
    assert extract_quotes("") == []


def test_offsets_always_index_the_text():
    text = ("On Tuesday, Mayor Ana Ruiz said, “We cannot wait,” and added that the council “has no plan.”\n\n"
            "“Nothing has changed,” she said. According to officials, the bridge will reopen in May.")
    for q in extract_quotes(text):
        assert 0 <= q.start < q.end <= len(text)
        for s, e in [(q.cue_start, q.cue_end), (q.speaker_start, q.speaker_end)]:
            if s is not None:
                assert 0 <= s < e <= len(text)


@needs_shared
def test_seed_quote_is_found_with_lopez_obrador_as_speaker():
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    found = []
    for path in seeds:
        text = path.read_text(encoding="utf-8")
        for q in extract_quotes(text):
            if content(text, q) == "We are not going to act as policemen for any foreign government":
                found.append((path.name, q.kind, speaker(text, q)))
    assert len(found) == 2  # one statement carried by two seed articles
    for _, kind, name in found:
        assert kind == "direct" and name and "López Obrador" in name


def test_spanish_cue_without_subject_keeps_the_cue():
    text = "«Con México, colaboración y coordinación, nunca subordinación», puntualizó."
    (q,) = extract_quotes(text)
    assert q.kind == "direct" and q.cue == "puntualizó" and q.speaker_start is None


def test_mixed_quotation_marks_close_a_quote():
    text = '“This transfer shows what two governments can do," Ambassador Ana Ruiz said in a statement.'
    (q,) = extract_quotes(text)
    assert content(text, q) == "This transfer shows what two governments can do"
    assert speaker(text, q) == "Ambassador Ana Ruiz"
