"""Record types that pass between the parts of dossier.

A reader turns files into `RawDocument`s; the per-article analysis turns each into an
`Article` (or a `Skip` that says why it could not); the store keeps both.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class RawDocument:
    """One article-to-be as a reader found it, before extraction and cleaning.

    `source` is the file it came from, or "file#n" for the n-th record of an archive,
    feed or JSON Lines file. `kind` says how to read `content`: "text", "html" (a whole page, to extract the
    article from) or "fragment" (HTML that is all article, e.g. a feed entry).
    `meta` holds what the container said about it (url, outlet, title, author,
    published, published_source, lang, partial, synthetic ...).
    """

    source: str
    content: str
    kind: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Removal:
    """A piece of the extracted text that cleaning removed, and why."""

    text: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "reason": self.reason}


@dataclass
class Article:
    """One article after extraction and per-article cleaning.

    `id` is the content hash of `text` as per-article cleaning leaves it, so the same
    clean text from two sources is one article. Corpus-learned cleaning (lines repeated
    across an outlet) runs later in the store and may shorten the exported text; the id
    stays that of the per-article text so it never changes when articles are added.
    """

    id: str
    source: str
    text: str
    url: str | None = None
    outlet: str | None = None  # stable key: the registered domain, or a slug of the name
    outlet_name: str | None = None  # the outlet's name as the input gave it
    title: str | None = None
    author: str | None = None
    published: str | None = None
    published_source: str | None = None
    fetched: str | None = None  # the day a crawler fetched it (WARC-Date): a latest possible date
    lang: str | None = None
    removed: list[Removal] = field(default_factory=list)
    partial: bool = False
    extractor: str | None = None
    synthetic: bool = False
    repairs: list[str] = field(default_factory=list)  # what reading had to repair

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["removed"] = [r.to_dict() for r in self.removed]
        return d


@dataclass
class Skip:
    """A file or record that could not be read as an article, with a plain reason."""

    source: str
    reason: str


@dataclass
class QuoteSpan:
    """One reported statement in one article's clean text, as an extractor found it.

    All offsets index the article's clean text. `start/end` is the content (for a direct
    quote, the words inside the quotation marks; for indirect speech, the reported
    clause). `kind` is "direct", "indirect" or "fragment" (a quoted phrase inside a
    sentence, e.g. a slogan). `speaker_*` is the source span as the article gives it (a
    name, a role such as "the president", or a pronoun), `cue_*` the words that introduce
    it ("said", "according to", "told reporters"), `via` an outlet credited for it.
    """

    start: int
    end: int
    kind: str
    cue: str | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    speaker_name: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    via: str | None = None
    via_start: int | None = None
    via_end: int | None = None
    # a quote interrupted by its attribution ("We will," she said, "keep talking.") is one
    # quote in several parts; start/end then run from the first part to the last
    parts: list[tuple[int, int]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return _flat_dict(self)


@dataclass
class Mention:
    """A mention of an actor in one article's clean text, resolved where we can.

    `kind` is person|organization|country|group|outlet for names, "role" for a role
    phrase ("Mexico's president", "the ambassador") and "pronoun" for he/she/they.
    `actor` is a knowledge-base actor id, a corpus-local id ("local:david-saucedo") for a
    person the KB lacks, or None when it could not be resolved; `name` is that actor's
    display name. `via` says how it was resolved: "alias", "pattern", "role", "antecedent".
    """

    start: int
    end: int
    text: str
    kind: str
    actor: str | None = None
    name: str | None = None
    via: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _flat_dict(self)


# Each class's field names, and those that may hold a list (their annotation says so), found once:
# `fields()` was half of _flat_dict's time.
_FIELD_NAMES: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _flat_dict(obj: Any) -> dict[str, Any]:
    """`asdict` for a dataclass of plain values and lists of tuples, without its deep copy
    (which was a tenth of the per-article analysis)."""
    known = _FIELD_NAMES.get(type(obj))
    if known is None:
        known = _FIELD_NAMES[type(obj)] = (tuple(f.name for f in fields(obj)),
                                           tuple(f.name for f in fields(obj) if "list" in str(f.type)))
    names, list_names = known
    out = {name: getattr(obj, name) for name in names}
    for name in list_names:
        value = out[name]
        if isinstance(value, list):
            out[name] = [tuple(v) if isinstance(v, tuple) else v for v in value]
    return out
