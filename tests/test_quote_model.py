"""The learned quotation tagger: its window and span logic always, the model when shipped."""

from __future__ import annotations

import pytest

from dossier.analyze import quote_model as qm


def test_windows_cover_every_piece_with_overlap():
    assert qm.windows(10) == [(0, 10)]
    ranges = qm.windows(1000)
    assert ranges[0][0] == 0 and ranges[-1][1] == 1000
    for (s1, e1), (s2, e2) in zip(ranges, ranges[1:]):
        assert s2 < e1  # consecutive windows overlap
    # every piece is read in the window that gives it most context
    for index in range(1000):
        s, e = ranges[qm.best_window(index, ranges)]
        assert s <= index < e


def test_decode_turns_tags_into_character_spans():
    text = "Officials said the bridge will reopen"
    offsets = [(0, 9), (10, 14), (15, 18), (19, 25), (26, 30), (31, 37)]
    tags = [1, 3, 5, 6, 6, 6]  # B-source B-cue B-content I-content ...
    spans = qm.decode(tags, offsets)
    assert spans == [("source", 0, 9), ("cue", 10, 14), ("content", 15, 37)]
    (quote,) = qm.to_quotes(text, spans)
    assert text[quote.start:quote.end] == "the bridge will reopen" and quote.kind == "indirect"
    assert quote.cue == "said" and quote.speaker_name == "Officials"


def test_quoted_content_is_direct_and_excludes_its_marks():
    text = "“We will keep talking,” the minister said."
    spans = [("content", 0, 23), ("source", 24, 36), ("cue", 37, 41)]
    (quote,) = qm.to_quotes(text, spans)
    assert quote.kind == "direct" and text[quote.start:quote.end] == "We will keep talking"
    assert quote.speaker_name == "the minister" and quote.cue == "said"


def _model_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError:
        return False
    return (qm.MODEL_DIR / "model.onnx").exists()


needs_model = pytest.mark.skipif(not _model_available(),
                                 reason="learned tagger not installed (pip install 'dossier[accurate]') or model file absent")


@needs_model
def test_model_finds_a_direct_quote_with_its_speaker_and_cue():
    text = "“We will keep talking until there is a deal,” the transport minister told reporters on Tuesday."
    quotes = qm.extract_quotes(text)
    assert quotes, "no quote found"
    q = quotes[0]
    assert "keep talking" in text[q.start:q.end]
    assert q.speaker_name and "minister" in q.speaker_name
    assert q.cue == "told"


@needs_model
def test_model_finds_indirect_speech_and_offsets_index_the_text():
    text = ("The harbour reopened on Monday after a week of repairs.\n\n"
            "The governor said that the budget for the port would be cut by a tenth next year.")
    quotes = qm.extract_quotes(text)
    contents = [text[q.start:q.end] for q in quotes]
    assert any("budget for the port would be cut" in c for c in contents), contents
    for q in quotes:
        assert 0 <= q.start < q.end <= len(text)
    assert qm.extract_quotes("") == [] and qm.extract_quotes("   ") == []


def test_viterbi_never_starts_a_span_inside():
    import numpy as np

    # argmax would give O, I-content, I-content: a span with no beginning
    scores = np.log(np.array([
        [0.6, 0, 0, 0, 0, 0.1, 0.3],
        [0.1, 0, 0, 0, 0, 0.3, 0.6],
        [0.1, 0, 0, 0, 0, 0.1, 0.8],
    ]) + 1e-9)
    tags = qm.viterbi(scores)
    labels = [qm.LABELS[t] for t in tags]
    assert all(not (b.startswith("I-") and a[2:] != b[2:]) for a, b in zip(["O", *labels], labels))
    assert labels[1:] == ["B-content", "I-content"] or labels == ["B-content", "I-content", "I-content"]
