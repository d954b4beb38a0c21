"""The per-article analysis record: actor mentions and quotations with their speakers.

A pure function of one article's clean text and date, so it runs in worker processes;
its output is the compact JSON record that corpus linking works from. The speaker of
each quotation is resolved here, inside its article, because that needs the article's
own mentions (a "he" or "the president" means whoever the article last named).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from dossier.analyze.claims import extract_claims
from dossier.analyze.cues import EN_VERBS, ES_VERBS, alternation
from dossier.analyze.mentions import find_mentions
from dossier.analyze.published_range import combine, infer_bounds
from dossier.analyze.quotes import quoted_regions
from dossier.kb import KnowledgeBase, load_kb
from dossier.model import Mention, QuoteSpan

RECORD_VERSION = "3"  # 2: adds "published_range"; 3: numeric claims
EXTRACTORS = ("rules", "model")


def quote_extractor(name: str) -> Callable[[str, str | None], list[QuoteSpan]]:
    """The quotation extractor by name: "rules" (fast, default) or "model" (learned, optional)."""
    if name == "rules":
        from dossier.analyze.quotes import extract_quotes
    elif name == "model":
        from dossier.analyze.quote_model import extract_quotes
    else:
        raise ValueError(f"unknown quotation extractor {name!r}; choose one of {', '.join(EXTRACTORS)}")
    return extract_quotes


def cached_kb(kb_file: str | None) -> KnowledgeBase:
    """One knowledge base per process and version of the user's file (workers load it on
    first use; an edited file is read again)."""
    stamp = None
    if kb_file:
        stat = Path(kb_file).stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    return _load_kb(kb_file, stamp)


@lru_cache(maxsize=4)
def _load_kb(kb_file: str | None, stamp: tuple[int, int] | None) -> KnowledgeBase:
    return load_kb(Path(kb_file) if kb_file else None)


def kb_fingerprint(kb_file: str | None) -> str:
    """Changes when the shipped KB or the user's KB file changes, so analyses are redone."""
    from dossier.kb import DATA

    digest = hashlib.sha256(DATA.read_bytes())
    if kb_file:
        digest.update(Path(kb_file).read_bytes())
    return digest.hexdigest()[:12]


def speaker_mention(quote: QuoteSpan, mentions: list[Mention]) -> Mention | None:
    """The mention that names the quotation's speaker: inside the speaker span, preferring
    a resolved person, then any resolved actor, then the longest."""
    if quote.speaker_start is None or quote.speaker_end is None:
        return None
    inside = [m for m in mentions if m.start < quote.speaker_end and m.end > quote.speaker_start]
    if not inside:
        return None
    return max(inside, key=lambda m: (m.actor is not None, m.kind == "person", m.end - m.start, -m.start))


NEAREST_SPEAKER_CHARS = 400  # how far before a quote the article may have named its speaker


_SPEAKS = re.compile(rf"^[^.!?\n“”\"«»]{{0,40}}?\b(?:{alternation(EN_VERBS | ES_VERBS)})\b")


def nearest_speaker(text: str, quote: QuoteSpan, mentions: list[Mention],
                    quoted: list[tuple[int, int]]) -> Mention | None:
    """For a quotation whose sentence names no speaker: the person the article named last
    before it (within NEAREST_SPEAKER_CHARS, outside quotation marks), preferring one who
    is the subject of a speech verb ("la mandataria confirmó que Trump ..." → the president),
    as news prose introduces a speaker and then quotes them."""
    candidates = [m for m in mentions
                  if m.end <= quote.start and quote.start - m.end <= NEAREST_SPEAKER_CHARS and m.actor
                  and m.kind in ("person", "role", "pronoun") and not any(s <= m.start < e for s, e in quoted)]
    speaking = [m for m in candidates if _SPEAKS.match(text[m.end:m.end + 80])]
    return (speaking or candidates or [None])[-1]


def analyze_text(text: str, *, on: date | None, latest: date | None, lang: str | None,
                 kb: KnowledgeBase, extractor: str = "rules") -> dict[str, Any]:
    """Mentions and quotations of one article, each quotation with its resolved speaker."""
    mentions = find_mentions(text, kb, on=on, latest=latest)
    quotes = []
    quoted = None  # found when first needed: few quotations lack a speaker in their sentence
    for quote in quote_extractor(extractor)(text, lang):
        inferred = None
        if quote.speaker_start is None and quote.kind != "indirect":
            quoted = quoted_regions(text) if quoted is None else quoted
            inferred = nearest_speaker(text, quote, mentions, quoted)
            if inferred is not None:
                quote.speaker_start, quote.speaker_end, quote.speaker_name = inferred.start, inferred.end, inferred.text
        record = quote.to_dict()
        if inferred is not None:
            record["speaker_inferred"] = True  # named before the quotation, not in its sentence
        mention = speaker_mention(quote, mentions)
        record["speaker"] = mention.actor if mention else None
        if mention is not None and mention.name:
            record["speaker_resolved"] = mention.name
        quotes.append(record)
    found = [m.to_dict() for m in mentions]
    # without a day-precise date: bounds from the text and the KB, each with its reason
    dated_range = None if on is not None else combine(infer_bounds(text, found, kb, latest=latest))
    return {"mentions": found, "quotes": quotes, "published_range": dated_range, "claims": extract_claims(text, lang)}
