"""The learned quotation tagger (`dossier build --quotes model`): BIO tags over word pieces.

A MiniLM-L6 encoder fine-tuned on PolNeAR's training split (scripts/train_quote_tagger.py)
tags every word piece as the source, cue or content of an attribution, or none. It runs
with onnxruntime and tokenizers only (no PyTorch) from the files in
`dossier/models/quote_tagger/`; install them with `pip install dossier[accurate]`.

The article is cut into overlapping windows of word pieces; each piece takes its scores
from the window where it sits furthest from an edge, and a constrained Viterbi pass picks
the best well-formed BIO sequence. Tagged runs become spans in the article's own
character offsets, and each content span is paired with the nearest cue and source.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from dossier.model import QuoteSpan

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "quote_tagger"
LABELS = ["O", "B-source", "I-source", "B-cue", "I-cue", "B-content", "I-content"]
WINDOW = 128  # word pieces per window, including [CLS] and [SEP]
STRIDE = 96  # a new window every STRIDE pieces, so windows overlap by WINDOW - 2 - STRIDE
_QUOTE_MARKS = "\"“”«»„"
_PAIR_DISTANCE = 250  # characters: a cue or source further from its content than this is not its own


def windows(n: int, size: int = WINDOW - 2, stride: int = STRIDE) -> list[tuple[int, int]]:
    """[start, end) ranges of piece indexes covering 0..n with overlap."""
    if n <= size:
        return [(0, n)]
    out, start = [], 0
    while True:
        end = min(start + size, n)
        out.append((start, end))
        if end == n:
            return out
        start += stride


def best_window(index: int, ranges: list[tuple[int, int]]) -> int:
    """The window in which a piece has the most context on both sides."""
    return max(range(len(ranges)), key=lambda w: min(index - ranges[w][0], ranges[w][1] - 1 - index))


def decode(tags: list[int], offsets: list[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """(role, start, end) character spans from per-piece tags (an I- after O starts a span)."""
    spans: list[tuple[str, int, int]] = []
    role, start, end = None, 0, 0
    for tag, (s, e) in zip(tags, offsets):
        label = LABELS[tag]
        kind = label[2:] if label != "O" else None
        if kind is None or label.startswith("B-") or kind != role:
            if role is not None:
                spans.append((role, start, end))
            role, start = kind, s
        end = e
    if role is not None:
        spans.append((role, start, end))
    return spans


def to_quotes(text: str, spans: list[tuple[str, int, int]]) -> list[QuoteSpan]:
    """One QuoteSpan per content span, with the nearest cue and source as its own."""
    cues = [(s, e) for r, s, e in spans if r == "cue"]
    sources = [(s, e) for r, s, e in spans if r == "source"]

    def nearest(candidates, start, end):
        best, distance = None, _PAIR_DISTANCE
        for s, e in candidates:
            d = start - e if e <= start else (s - end if s >= end else 0)
            if d < distance:
                best, distance = (s, e), d
        return best

    quotes = []
    for role, start, end in spans:
        if role != "content":
            continue
        inner_start, inner_end = start, end
        while inner_start < inner_end and text[inner_start] in _QUOTE_MARKS + " ":
            inner_start += 1
        while inner_end > inner_start and text[inner_end - 1] in _QUOTE_MARKS + " ,":
            inner_end -= 1
        if inner_end <= inner_start:
            continue
        quoted = start < inner_start and text[start] in _QUOTE_MARKS
        q = QuoteSpan(start=inner_start if quoted else start, end=inner_end if quoted else end,
                      kind="direct" if quoted else "indirect")
        cue = nearest(cues, start, end)
        if cue:
            q.cue, q.cue_start, q.cue_end = text[cue[0]:cue[1]], cue[0], cue[1]
        source = nearest(sources, *(cue or (start, end)))
        if source:
            q.speaker_name, q.speaker_start, q.speaker_end = text[source[0]:source[1]], source[0], source[1]
        quotes.append(q)
    return quotes


@lru_cache(maxsize=1)
def _session():
    try:
        import onnxruntime
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise ImportError("the learned quotation tagger needs onnxruntime and tokenizers: "
                          "pip install 'dossier[accurate]'") from exc
    model = MODEL_DIR / "model.onnx"
    if not model.exists():
        raise ImportError(f"the learned quotation tagger's model is missing ({model}); "
                          "train it with scripts/train_quote_tagger.py")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # one per worker process; the build runs one process per core
    session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    meta = json.loads((MODEL_DIR / "labels.json").read_text(encoding="utf-8"))
    assert meta["labels"] == LABELS, "model labels do not match this code"
    return session, tokenizer


def tag_pieces(text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """The tag of every word piece of the text, and each piece's character offsets."""
    import numpy as np

    session, tokenizer = _session()
    encoding = tokenizer.encode(text, add_special_tokens=False)
    ids, offsets = encoding.ids, encoding.offsets
    if not ids:
        return [], []
    ranges = windows(len(ids))
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    width = max(e - s for s, e in ranges) + 2
    batch = np.zeros((len(ranges), width), dtype=np.int64)
    mask = np.zeros_like(batch)
    for row, (s, e) in enumerate(ranges):
        piece = [cls_id, *ids[s:e], sep_id]
        batch[row, :len(piece)] = piece
        mask[row, :len(piece)] = 1
    logits = session.run(None, {"input_ids": batch, "attention_mask": mask, "token_type_ids": np.zeros_like(batch)})[0]
    scores = np.stack([logits[w, index - ranges[w][0] + 1] for index in range(len(ids))
                       for w in [best_window(index, ranges)]])
    return viterbi(scores), list(offsets)


def _allowed() -> list[list[bool]]:
    """allowed[previous][current]: an I- tag only continues a span of its own role."""
    return [[not current.startswith("I-") or previous[2:] == current[2:] for current in LABELS] for previous in LABELS]


def viterbi(scores) -> list[int]:
    """The best well-formed BIO sequence under the model's per-piece scores (argmax alone
    can put an I-content after an O, which splits one quote into two)."""
    import numpy as np

    log_probs = scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)
    penalty = np.where(np.array(_allowed()), 0.0, -1e9)
    start = np.array([-1e9 if label.startswith("I-") else 0.0 for label in LABELS])
    best = log_probs[0] + start
    back = np.zeros(log_probs.shape, dtype=np.int64)
    for i in range(1, len(log_probs)):
        total = best[:, None] + penalty
        back[i] = total.argmax(0)
        best = total.max(0) + log_probs[i]
    tags = [int(best.argmax())]
    for i in range(len(log_probs) - 1, 0, -1):
        tags.append(int(back[i, tags[-1]]))
    return tags[::-1]


_WORD_SPLIT = re.compile(r"\S+")


def extract_quotes(text: str, lang: str | None = None) -> list[QuoteSpan]:
    """Attributions in one article's clean text, found by the learned tagger."""
    if not text.strip():
        return []
    tags, offsets = tag_pieces(text)
    return to_quotes(text, decode(tags, offsets))
