"""Article text cut into paragraphs and segments, each segment carrying the evidence spans
(quotes, speakers, cues, claims, flags) that cover it, so a template can wrap each in an
escaped `<span>` without ever building HTML from article text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_PARAGRAPH = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Span:
    """One piece of evidence: [start, end) in the clean text, a CSS class and a label."""

    start: int
    end: int
    kind: str  # quote | speaker | cue | claim | flag
    label: str
    anchor: str | None = None  # an id for the first segment, so links can point here


@dataclass
class Segment:
    text: str
    spans: list[Span] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)

    @property
    def classes(self) -> str:
        return " ".join(sorted({"hl-" + s.kind for s in self.spans}))

    @property
    def title(self) -> str:
        return "; ".join(dict.fromkeys(s.label for s in self.spans))


def paragraphs(text: str) -> list[tuple[int, int]]:
    """[start, end) of each paragraph (blocks separated by blank lines)."""
    out, start = [], 0
    for match in _PARAGRAPH.finditer(text):
        if match.start() > start:
            out.append((start, match.start()))
        start = match.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def segment(text: str, spans: list[Span]) -> list[list[Segment]]:
    """The text as paragraphs of segments; spans out of range are clipped, empty ones dropped."""
    clean = [Span(max(0, s.start), min(len(text), s.end), s.kind, s.label, s.anchor) for s in spans]
    clean = [s for s in clean if s.end > s.start]
    out = []
    seen: set[str] = set()  # each anchor id once per page
    for p_start, p_end in paragraphs(text):
        inside = [s for s in clean if s.start < p_end and s.end > p_start]
        cuts = sorted({p_start, p_end} | {max(p_start, s.start) for s in inside} | {min(p_end, s.end) for s in inside})
        segments = []
        for a, b in zip(cuts, cuts[1:]):
            active = [s for s in inside if s.start <= a and s.end >= b]
            anchors = [s.anchor for s in active if s.anchor and s.anchor not in seen]
            seen.update(anchors)
            segments.append(Segment(text[a:b], active, anchors))
        out.append(segments)
    return out


def article_spans(occurrences: list[dict[str, Any]], claims: list[dict[str, Any]], flags: list[dict[str, Any]],
                  article_id: str) -> list[Span]:
    """Every piece of evidence in one article, from its quote occurrences, claims and flags."""
    spans: list[Span] = []
    for o in occurrences:
        who = o.get("speaker_name") or "speaker unknown"
        spans.append(Span(o["start"], o["end"], "quote", f"{o.get('kind', 'quote')} statement by {who}",
                          f"occ-{o['start']}"))
        if o.get("speaker_start") is not None and o.get("speaker_end") is not None:
            spans.append(Span(o["speaker_start"], o["speaker_end"], "speaker", f"speaker: {who}"))
        if o.get("cue_start") is not None and o.get("cue_end") is not None:
            spans.append(Span(o["cue_start"], o["cue_end"], "cue", f"cue: {o.get('cue') or ''}"))
    for claim in claims:
        for o in claim.get("occurrences", []):
            if o.get("article") == article_id and isinstance(o.get("start"), int) and isinstance(o.get("end"), int):
                spans.append(Span(o["start"], o["end"], "claim", f"claim: {claim.get('text') or claim.get('id')}",
                                  f"ev-{o['start']}"))
    for flag in flags:
        for e in flag.get("evidence", []):
            if e.get("article") == article_id and isinstance(e.get("start"), int) and isinstance(e.get("end"), int):
                spans.append(Span(e["start"], e["end"], "flag", f"{flag.get('severity', 'flag')}: {flag.get('message') or flag.get('kind')}",
                                  f"ev-{e['start']}"))
    return spans


def context(text: str, start: int, end: int, width: int = 80) -> tuple[str, str, str]:
    """(before, the span, after) with up to `width` characters either side, for evidence lists."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    before = text[max(0, start - width):start]
    after = text[end:end + width]
    return ("…" if start > width else "") + before, text[start:end], after + ("…" if end + width < len(text) else "")
