"""The learned quotation tagger: its window, decoding and pairing logic always, the model when shipped."""

from __future__ import annotations

import pytest

from dossier.analyze import quote_model as qm


def test_windows_pack_paragraphs_and_overlap_inside_long_ones():
    assert qm.windows([(0, 10), (10, 30), (30, 50)]) == [(0, 50)]
    assert qm.windows([(0, 10), (10, 30)], pack=False) == [(0, 10), (10, 30)]
    assert qm.windows([(0, 100), (100, 150)]) == [(0, 100), (100, 150)]  # 150 pieces do not fit one window
    ranges = qm.windows([(0, 5), (5, 1005), (1005, 1010)])
    assert ranges[0] == (0, 5) and ranges[-1] == (1005, 1010)
    inner = ranges[1:-1]
    assert inner[0][0] == 5 and inner[-1][1] == 1005
    for (s1, e1), (s2, e2) in zip(inner, inner[1:]):
        assert s2 < e1 and e1 - s1 <= qm.BODY  # consecutive windows overlap


def test_paragraphs_end_at_line_breaks():
    text = "One two.\n\nThree four."
    offsets = [(0, 3), (4, 7), (7, 8), (10, 15), (16, 20), (20, 21)]
    assert qm.paragraphs(text, offsets) == [(0, 3), (3, 6)]


def test_viterbi_never_starts_a_span_with_inside():
    np = pytest.importorskip("numpy")
    logp = np.log(np.full((3, len(qm.LABELS)), 0.01))
    logp[0, qm.LABELS.index("I-content")] = np.log(0.9)  # I- wanted first, B- second best
    logp[0, qm.LABELS.index("B-content")] = np.log(0.5)
    logp[1:, qm.LABELS.index("I-content")] = np.log(0.9)
    assert [qm.LABELS[t] for t in qm.viterbi(logp)] == ["B-content", "I-content", "I-content"]


def test_word_tags_become_character_spans_and_a_quote():
    text = "Officials said the bridge will reopen"
    words = [(0, 9), (10, 14), (15, 18), (19, 25), (26, 30), (31, 37)]
    tags = [1, 3, 5, 6, 6, 6]  # B-source B-cue B-content I-content ...
    spans = qm.word_spans(tags, words)
    assert spans == [("source", 0, 9), ("cue", 10, 14), ("content", 15, 37)]
    (quote,) = qm.to_quotes(text, spans)
    assert text[quote.start:quote.end] == "the bridge will reopen" and quote.kind == "indirect"
    assert (quote.cue, quote.cue_start, quote.cue_end) == ("said", 10, 14)
    assert (quote.speaker_name, quote.speaker_start, quote.speaker_end) == ("Officials", 0, 9)


def test_quoted_content_is_direct_and_excludes_its_marks():
    text = "“We will keep talking,” the minister said."
    spans = [("content", 0, 23), ("source", 24, 36), ("cue", 37, 41)]
    (quote,) = qm.to_quotes(text, spans)
    assert quote.kind == "direct" and text[quote.start:quote.end] == "We will keep talking"
    assert quote.speaker_name == "the minister" and quote.cue == "said"


def test_a_quote_interrupted_by_its_attribution_is_one_quote_in_parts():
    text = '"We will," she said, "keep talking."'
    spans = [("content", 0, 10), ("source", 11, 14), ("cue", 15, 19), ("content", 21, 36)]
    (quote,) = qm.to_quotes(text, spans)
    assert [text[s:e] for s, e in quote.parts] == ["We will", "keep talking."]
    assert (quote.start, quote.end) == (quote.parts[0][0], quote.parts[-1][1])
    assert quote.speaker_name == "she" and quote.cue == "said"


def test_each_content_takes_the_cue_of_its_own_sentence():
    text = "Smith said the plan failed. Jones said that it worked."
    spans = [("source", 0, 5), ("cue", 6, 10), ("content", 11, 26),
             ("source", 28, 33), ("cue", 34, 38), ("content", 39, 53)]
    first, second = qm.to_quotes(text, spans)
    assert (first.speaker_name, first.cue_start) == ("Smith", 6)
    assert (second.speaker_name, second.cue_start) == ("Jones", 34)


@pytest.fixture()
def model():
    pytest.importorskip("onnxruntime")
    pytest.importorskip("tokenizers")
    if not (qm.MODEL_DIR / "model.onnx").exists():
        pytest.skip("the quotation tagger's model file is absent")
    return qm


def _check_offsets(text, quotes):
    for q in quotes:
        assert 0 <= q.start < q.end <= len(text)
        for s, e in q.parts or []:
            assert q.start <= s < e <= q.end
        if q.cue is not None:
            assert text[q.cue_start:q.cue_end] == q.cue
        if q.speaker_name is not None:
            assert text[q.speaker_start:q.speaker_end] == q.speaker_name


def test_model_finds_a_direct_quote_with_its_speaker_and_cue(model):
    text = '"We will keep talking," the minister told reporters on Tuesday.'
    quotes = model.extract_quotes(text)
    _check_offsets(text, quotes)
    (q,) = quotes
    assert q.kind == "direct" and text[q.start:q.end] == "We will keep talking"
    assert (q.speaker_name, q.speaker_start) == ("the minister", text.index("the minister"))
    assert q.cue_start == text.index("told") and q.cue.startswith("told")


def test_model_finds_a_curly_quote_inside_an_article(model):
    text = ("Talks on the new port resumed on Monday after a week's pause.\n\n"
            "“We will keep talking until there is a deal,” the transport minister, Ana Ruiz, said on Tuesday. "
            "Unions have not commented.")
    quotes = model.extract_quotes(text)
    _check_offsets(text, quotes)
    q = next(q for q in quotes if "keep talking" in text[q.start:q.end])
    assert q.kind == "direct" and text[q.start:q.end] == "We will keep talking until there is a deal"
    assert q.cue == "said" and "minister" in q.speaker_name


def test_model_finds_indirect_speech(model):
    text = "The governor said that the budget would be cut."
    quotes = model.extract_quotes(text)
    _check_offsets(text, quotes)
    (q,) = quotes
    assert q.kind == "indirect"
    assert text[q.start:q.end] in ("that the budget would be cut", "the budget would be cut")
    assert q.cue == "said" and q.speaker_name == "The governor"


def test_model_reads_according_to(model):
    text = "According to the city's police chief, the suspect fled on foot."
    quotes = model.extract_quotes(text)
    _check_offsets(text, quotes)
    q = next(q for q in quotes if "suspect fled" in text[q.start:q.end])
    assert q.speaker_name and "police chief" in q.speaker_name
    assert q.cue and q.cue.lower().startswith("according")


def test_model_offsets_index_a_long_text_and_batching_agrees(model):
    paragraph = ("The mayor said on Friday that the new bridge would open in the spring, "
                 "months later than planned. “It is a hard decision,” she told reporters. ")
    text = "\n\n".join(f"{i}. {paragraph * 3}" for i in range(12))  # far longer than one window
    quotes = model.extract_quotes(text)
    _check_offsets(text, quotes)
    assert len(quotes) >= 12
    assert model.extract_quotes_batch(["", text, "Nothing here."])[1] == quotes


def test_model_on_empty_text(model):
    assert model.extract_quotes("") == [] and model.extract_quotes(" \n ") == []
    assert model.extract_quotes_batch([]) == [] and model.extract_quotes_batch(["", "  "]) == [[], []]
