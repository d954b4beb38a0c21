"""PolNeAR for dossier's benchmarks: reading the gold attributions and scoring extractors.

The data (../shared/data/polnear/, third-party, evaluation only) is read in place and never
copied. Two views of it:

* articles (`train/`, `dev/`): the raw text and brat standoff; one annotator file per
  article (the first, as several annotators' files would double-count). A span given in
  several pieces ("T3 Content 10 20;35 60", a quote interrupted by its attribution) is
  scored from its first to its last character, as our QuoteSpan start/end are.
* sentences (`cofenet_split/valid.txt`): CofeNet's tokenised dev split with BIO labels.
  Tokens are joined with single spaces into a text; a predicted character span becomes the
  token range it covers. BIO cannot join pieces, so there every piece is its own span.

Our QuoteSpans are turned into PolNeAR's conventions before scoring: the content of a
direct quote takes its quotation marks; the QuoteSpans that share one cue span are one
attribution (PolNeAR ties `"A," she said. "B."` to one cue); the source is
`dossier.analyze.quotes.source_span` (the speaker with the appositive PolNeAR includes,
"Scott Reed, a longtime friend,"; QuoteSpan keeps the name alone); a fragment inside another
statement's content is dropped (PolNeAR gives each token one role), and so is a fragment
with neither speaker nor cue (a title or scare quote claims no attribution).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from dossier.analyze.quotes import source_span

POLNEAR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "polnear"
ROLES = ("source", "cue", "content")
QUOTE_MARKS = "\"“”«»„'‘’`"
_PTB = {"``": "“", "''": "”", "-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}"}

Span = tuple[int, int]


@dataclass
class Attribution:
    """One attribution in PolNeAR's terms: a span per role present (content always)."""

    content: Span
    cue: Span | None = None
    source: Span | None = None
    pieces: tuple[Span, ...] = ()  # the content's pieces (sentence level scores each)

    def role(self, name: str) -> Span | None:
        return getattr(self, name)


# --- gold -----------------------------------------------------------------------------------

def read_ann(path: Path) -> list[Attribution]:
    """The attributions of one brat file (`E` lines), each span from its first to last character."""
    spans: dict[str, tuple[str, list[Span]]] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for line in lines:
        fields = line.split("\t")
        if line.startswith("T") and len(fields) >= 2 and " " in fields[1]:
            kind, ranges = fields[1].split(" ", 1)
            pieces = [(int(a), int(b)) for a, b in (r.split() for r in ranges.split(";") if len(r.split()) == 2)]
            if pieces:
                spans[fields[0]] = (kind.lower(), pieces)
    out = []
    for line in lines:
        if not line.startswith("E"):
            continue
        roles: dict[str, list[Span]] = {}
        for arg in line.split("\t")[1].split():
            role, tid = arg.split(":")
            role = role.rstrip("0123456789").lower()
            if role in ROLES and tid in spans:
                roles[role] = spans[tid][1]
        if "content" in roles:
            whole = {r: (p[0][0], p[-1][1]) for r, p in roles.items()}
            out.append(Attribution(whole["content"], whole.get("cue"), whole.get("source"), tuple(roles["content"])))
    return out


def load_articles(split: str = "dev", limit: int | None = None) -> list[tuple[str, str, list[Attribution]]]:
    """(name, text, gold attributions) per article of `split`, first annotator file only."""
    files: dict[str, list[Path]] = defaultdict(list)
    for ann in sorted((POLNEAR / split / "attributions").glob("*.ann")):
        files[ann.stem.rsplit("_", 1)[0]].append(ann)
    names = sorted(files)[:limit] if limit else sorted(files)
    return [(name, (POLNEAR / split / "text" / f"{name}.txt").read_text(encoding="utf-8"), read_ann(files[name][0]))
            for name in names]


@dataclass
class Sentence:
    text: str
    offsets: list[Span]  # character span of each token in `text`
    gold: dict[str, set[Span]]  # role -> token spans (first, last), inclusive


def _bio_spans(labels: list[str]) -> dict[str, set[Span]]:
    spans: dict[str, set[Span]] = {r: set() for r in ROLES}
    start, role = None, None
    for i, label in enumerate(labels + ["O"]):
        if label.startswith("B-") or label == "O" or (label.startswith("I-") and label[2:] != role):
            if role is not None:
                spans[role].add((start, i - 1))
            start, role = (i, label[2:]) if label != "O" else (None, None)
    return spans


def load_sentences(limit: int | None = None) -> list[Sentence]:
    """CofeNet's dev sentences: PTB quote tokens (`` '') become curly quotes, tokens joined by spaces."""
    out = []
    lines = (POLNEAR / "cofenet_split" / "valid.txt").read_text(encoding="utf-8").splitlines()
    for line in lines[:limit] if limit else lines:
        record = json.loads(line)
        tokens = [_PTB.get(t, t) for t in record["tokens"]]
        offsets, pos = [], 0
        for token in tokens:
            offsets.append((pos, pos + len(token)))
            pos += len(token) + 1
        out.append(Sentence(" ".join(tokens), offsets, _bio_spans(record["labels"])))
    return out


# --- predictions in PolNeAR's conventions ---------------------------------------------------------

def with_marks(text: str, start: int, end: int) -> Span:
    """A quoted content with its quotation marks (spaces around them allowed, as in
    tokenised text); other content as it is."""
    before = start
    while before > 0 and text[before - 1] == " ":
        before -= 1
    if before > 0 and text[before - 1] in QUOTE_MARKS:
        start = before - 1
        if start > 0 and text[start - 1] == text[start] and text[start] in "'`":
            start -= 1  # '' and `` are one mark
        after = end
        while after < len(text) and text[after] in " .,?!":
            after += 1
        if after < len(text) and text[after] in QUOTE_MARKS:
            end = after + 1
            if end < len(text) and text[end] == text[end - 1] == "'":
                end += 1
    return start, end


def closing_mark(text: str, start: int, end: int) -> int:
    """A reported clause that ends inside a quotation (`... have "very different goals,"`)
    ends after the closing mark, as PolNeAR includes everything within quotes."""
    clause = text[start:end]
    opened = clause.count('"') % 2 or clause.count("“") > clause.count("”") or clause.count("''") % 2
    after = end
    while after < len(text) and text[after] in " ,.?!":
        after += 1
    if opened and after < len(text) and text[after] in "\"”'":
        return after + (2 if text[after:after + 2] == "''" else 1)
    return end


def speaker_span(text: str, quote) -> Span | None:
    """The speaker span as the extractor gave it (the learned tagger's spans already follow
    PolNeAR's source bounds)."""
    return (quote.speaker_start, quote.speaker_end) if quote.speaker_start is not None else None


def predicted_attributions(text: str, quotes: Iterable, source: Callable = source_span) -> list[Attribution]:
    """Our QuoteSpans as PolNeAR attributions (see the module docstring); `source` gives
    each quote's source span (the rules: `source_span`; the learned tagger: `speaker_span`)."""
    quotes = list(quotes)
    statements = [(q.start, q.end) for q in quotes if q.kind != "fragment"]
    groups: dict[object, list] = {}
    for q in quotes:
        if q.kind == "fragment" and (q.cue_start is None and q.speaker_start is None or any(
                s <= q.start and q.end <= e and (s, e) != (q.start, q.end) for s, e in statements)):
            continue
        key = (q.cue_start, q.cue_end) if q.cue_start is not None else id(q)
        groups.setdefault(key, []).append(q)
    out = []
    for members in groups.values():
        members.sort(key=lambda q: q.start)
        pieces = []
        for q in members:
            for s, e in (q.parts or [(q.start, q.end)]):
                pieces.append(with_marks(text, s, e) if q.kind != "indirect" else (s, closing_mark(text, s, e)))
        first, last = members[0], members[-1]
        content = (with_marks(text, first.start, first.end)[0] if first.kind != "indirect" else first.start,
                   with_marks(text, last.start, last.end)[1] if last.kind != "indirect" else closing_mark(text, last.start, last.end))
        speaker = next((source(text, q) for q in members if q.speaker_start is not None), None)
        cue = (first.cue_start, first.cue_end) if first.cue_start is not None else None
        out.append(Attribution(content, cue, speaker, tuple(pieces)))
    return out


# --- scores ---------------------------------------------------------------------------------------

def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return 100 * p, 100 * r, (200 * p * r / (p + r) if p + r else 0.0)


class ExactCounts:
    """Exact-match counts per role: a predicted span counts if role, start and end all agree."""

    def __init__(self) -> None:
        self.counts = {r: [0, 0, 0] for r in ROLES}  # true positives, predicted, gold

    def add(self, role: str, predicted: set, gold: set) -> None:
        c = self.counts[role]
        c[0] += len(predicted & gold)
        c[1] += len(predicted)
        c[2] += len(gold)

    def scores(self) -> dict[str, tuple[float, float, float]]:
        return {role: prf(*c) for role, c in self.counts.items()}


def score_sentences(extract: Callable, sentences: list[Sentence], source: Callable = source_span) -> dict:
    """Sentence-level exact match, as CofeNet scores it (token spans)."""
    counts = ExactCounts()
    for sentence in sentences:
        predicted: dict[str, set[Span]] = {r: set() for r in ROLES}
        for a in predicted_attributions(sentence.text, extract(sentence.text), source):
            chars = {"content": list(a.pieces), "cue": [a.cue] if a.cue else [], "source": [a.source] if a.source else []}
            for role, spans in chars.items():
                for s, e in spans:
                    tokens = [i for i, (ts, te) in enumerate(sentence.offsets) if ts < e and te > s]
                    if tokens:
                        predicted[role].add((tokens[0], tokens[-1]))
        for role in ROLES:
            counts.add(role, predicted[role], sentence.gold[role])
    return counts.scores() | {"sentences": len(sentences)}


def _coverage(gold: Span, predicted: Span) -> float:
    """The share of the gold span the predicted one covers (the Gender Gap Tracker's score,
    asymmetric: the gold span is the reference)."""
    if gold[1] <= gold[0] or predicted[1] <= predicted[0]:
        return 0.0
    return max(0, min(gold[1], predicted[1]) - max(gold[0], predicted[0])) / (gold[1] - gold[0])


def overlap_match(gold: list[Attribution], predicted: list[Attribution], threshold: float) -> tuple[int, int, int, int]:
    """The Gender Gap Tracker's quote matching: each gold quote takes the remaining
    predicted quote that covers the largest share of it, if that share is above
    `threshold`; the speaker matches when the two source spans overlap. Returns (true
    positives, predicted, gold, speaker matches)."""
    remaining = list(predicted)
    tp = speakers = 0
    for g in gold:
        best, best_score = None, 0.0
        for p in remaining:
            score = _coverage(g.content, p.content)
            if score > threshold and score > best_score:
                best, best_score = p, score
        if best is None:
            continue
        remaining.remove(best)
        tp += 1
        if g.source and best.source and _coverage(g.source, best.source) > 0:
            speakers += 1
        elif g.source is None and best.source is None:
            speakers += 1  # a quote with no source, predicted with none
    return tp, len(predicted), len(gold), speakers


def score_articles(predictions: list[list[Attribution]], articles: list[tuple[str, str, list[Attribution]]]) -> dict:
    """Article-level exact match (character spans) and overlap matching at 0.3 and 0.8."""
    counts = ExactCounts()
    overlap = {0.3: [0, 0, 0, 0], 0.8: [0, 0, 0, 0]}
    for predicted, (_, _, gold) in zip(predictions, articles):
        for role in ROLES:
            counts.add(role, {a.role(role) for a in predicted if a.role(role)}, {a.role(role) for a in gold if a.role(role)})
        for threshold, total in overlap.items():
            for i, n in enumerate(overlap_match(gold, predicted, threshold)):
                total[i] += n
    out: dict = counts.scores()
    for threshold, (tp, n_pred, n_gold, speakers) in overlap.items():
        out[f"overlap_{threshold}"] = prf(tp, n_pred, n_gold)
        out[f"speaker_accuracy_{threshold}"] = 100 * speakers / tp if tp else 0.0
    return out
