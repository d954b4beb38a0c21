"""Record types that pass between the parts of dossier.

A reader turns files into `RawDocument`s; the per-article analysis turns each into an
`Article` (or a `Skip` that says why it could not); the store keeps both.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
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
