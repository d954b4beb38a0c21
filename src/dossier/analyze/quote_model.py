"""The learned quotation tagger (`dossier build --quotes model`): BIO tags over words.

A MiniLM-L6 encoder fine-tuned on PolNeAR's training split (scripts/train_quote_tagger.py)
tags every word as the source, cue or content of an attribution, or none. It covers what
the rules miss: indirect speech ("X said that ...", "according to X, ..."), reported
beliefs, and cues that are not speech verbs. It runs with onnxruntime and tokenizers only
(no PyTorch) from the files in `dossier/models/quote_tagger/`; install them with
`pip install dossier[accurate]`.

How an article is read (the training script makes its windows with the same functions,
so training and inference see the same kind of input):

1. Curly quotes become straight ones (same length, so offsets do not move) and the text
   is cut into word pieces; a "word" is a run the tokenizer's pre-tokenizer keeps whole
   (punctuation is its own word). Each word is tagged by its first piece.
2. Paragraphs are packed into windows of at most 126 pieces (plus [CLS] and [SEP]); a
   paragraph longer than that gets overlapping windows of its own, and each piece takes
   its scores from the window where it sits furthest from an edge.
3. A constrained Viterbi pass over the words' log-probabilities gives well-formed BIO
   tags (no I-x after O or after another role), which become character spans.
4. Each content span is paired with the cue nearest to it (same sentence preferred) and
   that cue's nearest source; a quote interrupted by its attribution ("We will," she
   said, "keep talking.") is one QuoteSpan whose `parts` list the pieces.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Callable

from dossier.model import QuoteSpan

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "quote_tagger"
LABELS = ["O", "B-source", "I-source", "B-cue", "I-cue", "B-content", "I-content"]
ROLES = ("source", "cue", "content")
WINDOW = 128  # word pieces per window, including [CLS] and [SEP]
BODY = WINDOW - 2
STRIDE = 96  # a long paragraph gets a new window every STRIDE pieces
BATCH = 32  # windows per onnxruntime call
_PAIR_DISTANCE = 300  # characters: a cue or source further from its content than this is not its own
# Same-length replacements, so offsets into the normalised text index the original too.
_STRAIGHTEN = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"',
                             "‘": "'", "’": "'", "‚": "'", "‛": "'"})
_OPEN_MARKS = "\"“„«‘'"
_CLOSE_MARKS = "\"”»’'“"
_SENTENCE_END = re.compile(r"[.!?][\"”’']?\s")
_RUNTIME_MISSING = "the learned quotation tagger needs onnxruntime and tokenizers: install dossier[accurate]: onnxruntime, tokenizers"

Window = tuple[int, int]  # [start, end) piece indexes
Span = tuple[str, int, int]  # (role, start, end) in characters
LogitsFn = Callable[[list[list[int]]], list]  # rows of piece ids (with [CLS]/[SEP]) -> one (len, labels) array each


# --- text to pieces and windows (shared with training) ----------------------------------

def normalize(text: str) -> str:
    """Straight quotes for curly ones: the same text to the model whichever the outlet uses."""
    return text.translate(_STRAIGHTEN)


def encode(tokenizer, text: str) -> tuple[list[int], list[tuple[int, int]], list[int]]:
    """Piece ids, their character offsets in `text`, and the word index of each piece."""
    encoding = tokenizer.encode(normalize(text), add_special_tokens=False)
    words = [w if w is not None else -1 for w in encoding.word_ids]
    return list(encoding.ids), list(encoding.offsets), words


def first_pieces(words: list[int]) -> list[int]:
    """Index of the first piece of every word: the piece that carries the word's tag."""
    return [i for i, w in enumerate(words) if i == 0 or w != words[i - 1]]


def paragraphs(text: str, offsets: list[tuple[int, int]]) -> list[Window]:
    """Piece ranges of the paragraphs (a line break ends one)."""
    out, start = [], 0
    for i in range(1, len(offsets)):
        if "\n" in text[offsets[i - 1][1]:offsets[i][0]]:
            out.append((start, i))
            start = i
    if offsets:
        out.append((start, len(offsets)))
    return out


def windows(units: list[Window], pack: bool = True, size: int = BODY, stride: int = STRIDE) -> list[Window]:
    """Windows over the pieces: whole paragraphs packed up to `size` pieces (one per window
    unless `pack`), a paragraph longer than `size` cut into windows overlapping by size - stride."""
    out: list[Window] = []
    current: Window | None = None
    for start, end in units:
        if end - start > size:
            if current:
                out.append(current)
                current = None
            s = start
            while True:
                out.append((s, min(s + size, end)))
                if s + size >= end:
                    break
                s += stride
        elif current and pack and end - current[0] <= size:
            current = (current[0], end)
        else:
            if current:
                out.append(current)
            current = (start, end)
    if current:
        out.append(current)
    return out


def window_rows(ids: list[int], ranges: list[Window], cls_id: int, sep_id: int) -> list[list[int]]:
    """Model input rows: [CLS] pieces [SEP] per window."""
    return [[cls_id, *ids[s:e], sep_id] for s, e in ranges]


def piece_scores(outputs: list, ranges: list[Window], n: int):
    """(n, labels) log-probabilities, each piece's from the window where it has most context."""
    import numpy as np

    scores = np.zeros((n, len(LABELS)), dtype=np.float32)
    margin = np.full(n, -1, dtype=np.int64)
    for (s, e), logits in zip(ranges, outputs):
        logits = np.asarray(logits, dtype=np.float32)[1:e - s + 1]
        logits = logits - logits.max(-1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        index = np.arange(s, e)
        m = np.minimum(index - s, e - 1 - index)
        better = m > margin[s:e]
        scores[s:e][better] = logp[better]
        margin[s:e][better] = m[better]
    return scores


def _allowed():
    """allowed[a, b]: tag b may follow tag a (I-x only after B-x or I-x)."""
    import numpy as np

    allowed = np.ones((len(LABELS), len(LABELS)), dtype=bool)
    for b, label in enumerate(LABELS):
        if label.startswith("I-"):
            allowed[:, b] = False
            allowed[LABELS.index("B-" + label[2:]), b] = True
            allowed[b, b] = True
    return allowed


def viterbi(logp) -> list[int]:
    """Best well-formed BIO tag sequence for (n, labels) log-probabilities."""
    import numpy as np

    n = len(logp)
    if n == 0:
        return []
    penalty = np.where(_allowed(), 0.0, -1e4).astype(np.float32)
    start_ok = np.array([not label.startswith("I-") for label in LABELS])
    score = np.where(start_ok, logp[0], -1e4)
    back = np.zeros((n, len(LABELS)), dtype=np.int64)
    for i in range(1, n):
        total = score[:, None] + penalty  # previous tag x next tag
        back[i] = total.argmax(0)
        score = total.max(0) + logp[i]
    tags = [int(score.argmax())]
    for i in range(n - 1, 0, -1):
        tags.append(int(back[i, tags[-1]]))
    return tags[::-1]


def word_spans(tags: list[int], spans: list[tuple[int, int]]) -> list[Span]:
    """(role, start, end) character spans from per-word BIO tags and the words' spans."""
    out: list[Span] = []
    role, start, end = None, 0, 0
    for tag, (s, e) in zip(tags, spans):
        label = LABELS[tag]
        kind = label[2:] if label != "O" else None
        if kind is None or label.startswith("B-") or kind != role:
            if role is not None:
                out.append((role, start, end))
            role, start = kind, s
        end = e
    if role is not None:
        out.append((role, start, end))
    return out


def tag_text(text: str, tokenizer, logits_fn: LogitsFn, batch: int = BATCH) -> list[Span]:
    """Source, cue and content spans of one text, in character offsets of `text`.

    Windows are batched within the text only: the int8 model quantises activations per
    batch, so a text's tags must not depend on which other texts it was read with."""
    ids, offsets, words = encode(tokenizer, text)
    if not ids:
        return []
    ranges = windows(paragraphs(text, offsets))
    rows = window_rows(ids, ranges, tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]"))
    outputs: list = [None] * len(rows)
    order = sorted(range(len(rows)), key=lambda r: len(rows[r]))  # similar lengths, less padding
    for b in range(0, len(order), batch):
        chunk = order[b:b + batch]
        for r, out in zip(chunk, logits_fn([rows[r] for r in chunk])):
            outputs[r] = out
    scores = piece_scores(outputs, ranges, len(ids))
    firsts = first_pieces(words)
    bounds = firsts[1:] + [len(ids)]
    spans = [(offsets[f][0], offsets[b - 1][1]) for f, b in zip(firsts, bounds)]
    return word_spans(viterbi(scores[firsts]), spans)


# --- spans to quotations -----------------------------------------------------------------

def _gap_cost(text: str, a: tuple[int, int], b: tuple[int, int], sources: list[tuple[int, int]]) -> tuple[int, int]:
    """How far apart two spans are: (sentence ends between them, other word characters between)."""
    lo, hi = (a[1], b[0]) if a[1] <= b[0] else (b[1], a[0])
    if hi <= lo:
        return (0, 0)
    between = list(text[lo:hi])
    for s, e in sources:
        for c in range(max(s, lo), min(e, hi)):
            between[c - lo] = " "
    gap = "".join(between)
    words = sum(ch.isalnum() for ch in gap)
    if "\n" in gap:
        words += 50
    return (len(_SENTENCE_END.findall(gap + " ")), words)


def _nearest(text: str, target: tuple[int, int], candidates: list[tuple[int, int]],
             sources: list[tuple[int, int]]) -> tuple[int, int] | None:
    best, best_cost = None, None
    for c in candidates:
        if c[0] - target[1] > _PAIR_DISTANCE or target[0] - c[1] > _PAIR_DISTANCE:
            continue
        cost = _gap_cost(text, target, c, sources)
        if best_cost is None or cost < best_cost:
            best, best_cost = c, cost
    return best


def _inner(text: str, start: int, end: int) -> tuple[int, int, bool]:
    """The content without its quotation marks when it is a quotation, and whether it is."""
    s, e = start, end
    while e > s and text[e - 1] in " \n\t":
        e -= 1
    if not (s < e and text[s] in _OPEN_MARKS):
        return start, e, False
    s += 1
    tail = e
    while tail > s and text[tail - 1] in " .,;:?!":
        tail -= 1
    if not (tail > s and text[tail - 1] in _CLOSE_MARKS):
        return start, e, False
    e = tail - 1
    while e > s and text[e - 1] in " ,":
        e -= 1
    while s < e and text[s] == " ":
        s += 1
    return (s, e, True) if e > s else (start, end, False)


def to_quotes(text: str, spans: list[Span]) -> list[QuoteSpan]:
    """One QuoteSpan per statement: content parts that share a cue standing between them are
    one quote; the cue is the nearest one (same sentence first), the source the cue's nearest."""
    cues = [(s, e) for r, s, e in spans if r == "cue"]
    sources = [(s, e) for r, s, e in spans if r == "source"]
    contents = [(s, e) for r, s, e in spans if r == "content"]
    paired = [(c, _nearest(text, c, cues, sources)) for c in contents]
    quotes: list[QuoteSpan] = []
    previous_cue = None
    for (start, end), cue in paired:
        s, e, quoted = _inner(text, start, end)
        if quoted and cue and quotes and previous_cue == cue and quotes[-1].kind == "direct" \
                and quotes[-1].end <= cue[0] and cue[1] <= start:
            last = quotes[-1]  # "We will," she said, "keep talking." is one quote
            last.parts = (last.parts or [(last.start, last.end)]) + [(s, e)]
            last.end = e
            continue
        q = QuoteSpan(start=s, end=e, kind="direct" if quoted else "indirect")
        if cue:
            q.cue, q.cue_start, q.cue_end = text[cue[0]:cue[1]], cue[0], cue[1]
        source = _nearest(text, cue or (start, end), sources, [])
        if source:
            q.speaker_name, q.speaker_start, q.speaker_end = text[source[0]:source[1]], source[0], source[1]
        quotes.append(q)
        previous_cue = cue
    return quotes


# --- onnxruntime --------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _session():
    """The model and tokenizer, loaded once per process."""
    try:
        import numpy as np
        import onnxruntime
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise ImportError(_RUNTIME_MISSING) from exc
    model = MODEL_DIR / "model.onnx"
    if not model.exists():
        raise ImportError(f"the learned quotation tagger's model is missing ({model}); "
                          "train it with scripts/train_quote_tagger.py")
    meta = json.loads((MODEL_DIR / "labels.json").read_text(encoding="utf-8"))
    if meta["labels"] != LABELS:
        raise ImportError(f"the quotation tagger's labels.json does not match this code: {meta['labels']}")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = _threads()
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    names = {i.name for i in session.get_inputs()}

    def logits_fn(rows: list[list[int]]) -> list:
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, r in enumerate(rows):
            ids[i, :len(r)] = r
            mask[i, :len(r)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in names:
            feed["token_type_ids"] = np.zeros_like(ids)
        logits = session.run(["logits"], feed)[0]
        return [logits[i, :len(r)] for i, r in enumerate(rows)]

    return tokenizer, logits_fn


def _threads() -> int:
    """Threads per session: DOSSIER_QUOTE_THREADS, else one inside a build's worker process
    (the build runs one per core), else up to four."""
    if os.environ.get("DOSSIER_QUOTE_THREADS"):
        return max(1, int(os.environ["DOSSIER_QUOTE_THREADS"]))
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def tag_spans(text: str) -> list[Span]:
    """The raw source, cue and content spans the model finds, in character offsets of `text`."""
    tokenizer, logits_fn = _session()
    return tag_text(text, tokenizer, logits_fn)


def extract_quotes(text: str, lang: str | None = None) -> list[QuoteSpan]:
    """Attributions in one article's clean text, found by the learned tagger (`lang` is
    accepted for the extractor interface; the model was trained on English)."""
    return extract_quotes_batch([text])[0]


def extract_quotes_batch(texts: list[str]) -> list[list[QuoteSpan]]:
    """`extract_quotes` for several texts (each text's windows are batched together)."""
    if not any(t.strip() for t in texts):
        return [[] for _ in texts]
    tokenizer, logits_fn = _session()
    return [to_quotes(t, tag_text(t, tokenizer, logits_fn)) if t.strip() else [] for t in texts]
