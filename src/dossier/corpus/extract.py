"""HTML → main text and metadata.

trafilatura does the work (the best-measured open extractor on our benchmarks); when it
finds no body we fall back to readability-lxml, then to the page's paragraphs, in the
spirit of Media Cloud's mcmetadata which tries several extractors in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import trafilatura

MIN_BODY_CHARS = 80


class ExtractionError(ValueError):
    """The page has no article text that any extractor could find."""


@dataclass
class ExtractedPage:
    text: str  # paragraphs separated by one blank line
    title: str | None = None
    author: str | None = None
    published: str | None = None  # ISO date YYYY-MM-DD
    published_source: str | None = None  # where the date came from, e.g. "meta"
    sitename: str | None = None
    url: str | None = None  # canonical URL when the page gives one
    lang: str | None = None  # as declared by the page
    extractor: str = "trafilatura"


def _paragraphs(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines()]
    return "\n\n".join(ln for ln in lines if ln)


def _readability_text(html: str) -> str:
    from lxml import html as lxml_html
    from readability import Document

    summary = Document(html).summary(html_partial=True)
    tree = lxml_html.fromstring(summary)
    blocks = [el.text_content().strip() for el in tree.iter("p", "h2", "h3", "li", "blockquote")]
    return "\n\n".join(b for b in blocks if b)


def extract_html(html: str, url: str | None = None) -> ExtractedPage:
    """Extract the article of one HTML page; raise ExtractionError when there is none."""
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        favor_precision=True,
        include_tables=True,
        include_comments=False,
    )
    meta = doc.as_dict() if doc is not None else {}
    text = _paragraphs(meta.get("text") or "")
    extractor = "trafilatura"
    if len(text) < MIN_BODY_CHARS:
        try:
            fallback = _readability_text(html)
        except Exception:  # readability raises on pages it cannot parse at all
            fallback = ""
        if len(fallback) > len(text):
            text, extractor = _paragraphs(fallback), "readability"
    if not text.strip():
        raise ExtractionError("no article text found in the HTML")
    lang_match = re.search(r"<html[^>]*\blang=[\"']?([A-Za-z]{2,3})", html[:5000], re.I)
    return ExtractedPage(
        text=text,
        title=meta.get("title") or None,
        author=meta.get("author") or None,
        published=meta.get("date") or None,
        published_source="meta" if meta.get("date") else None,
        sitename=meta.get("sitename") or None,
        url=meta.get("url") or url,
        lang=lang_match.group(1).lower() if lang_match else None,
        extractor=extractor,
    )
