"""The per-article step: one raw document → one clean `Article`, or a `Skip`.

A pure function of its input (no store, no corpus), so it can run in any process:
extract the text (HTML), find the title (plain text), clean boilerplate, identify the
language, key the outlet, and hash the clean text into the article id.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
import unicodedata
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from dossier.analyze.dates import normalize_date
from dossier.analyze.language import choose_language
from dossier.corpus.clean import clean_article
from dossier.corpus.extract import ExtractionError, extract_html
from dossier.corpus.outlet import outlet_key
from dossier.model import Article, RawDocument, Removal, Skip

MIN_PAGE_WORDS = 10  # less than this from a whole HTML page is navigation, not an article
MAX_TITLE_WORDS = 30
MAX_TITLE_CHARS = 250
BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr", "section", "article", "figcaption", "header", "footer"}
# Pages we write ourselves (the sample corpus, test fixtures) say they are synthetic.
_SYNTHETIC_META = re.compile(r"<meta[^>]+name=[\"']dossier:synthetic[\"'][^>]+content=[\"']true", re.I)
_SPACES = re.compile(r"[ \t\u00a0]+")


def article_id(text: str) -> str:
    """Content hash of the clean text: the same text from two sources is one article."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _title_case(line: str) -> bool:
    words = [w for w in line.split() if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) >= 0.6


def split_title(text: str) -> tuple[str | None, str]:
    """Take the first line as the title when it stands alone as a headline.

    A headline is short and does not end like a sentence: a question mark or no final
    punctuation is fine, and so is a final abbreviation ("... From U.S."); a final
    period otherwise only when the line is in Title Case and stands alone (a blank line
    follows). The body is everything after it.
    """
    stripped = text.lstrip()
    first, _, rest = stripped.partition("\n")
    first = first.strip()
    if not first or not rest.strip():
        return None, text
    if len(first) > MAX_TITLE_CHARS or len(first.split()) > MAX_TITLE_WORDS:
        return None, text
    if first.endswith((",", ";", ":")):
        return None, text
    if first.endswith(".") and not first.endswith("..."):
        stands_alone = rest.startswith("\n") or rest.lstrip(" \t").startswith("\n")
        abbreviation = first.split()[-1].count(".") >= 2
        if not abbreviation and not (stands_alone and _title_case(first)):
            return None, text
    return first, rest


def fragment_to_text(fragment: str) -> str:
    """HTML that is all article (a feed entry) → paragraphs, without boilerplate removal."""
    if "<" not in fragment:
        return html_lib.unescape(fragment)
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment))
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif element.tag in BLOCK_TAGS:
            element.text = "\n\n" + (element.text or "")
            element.tail = "\n\n" + (element.tail or "")
    return root.text_content()


# Only runs that need changing: a lone space matched everywhere made this 10x slower.
_SPACES_TO_FOLD = re.compile(r"[ \t\u00a0]*[\t\u00a0][ \t\u00a0]*| {2,}")


def _tidy(text: str) -> str:
    """NFC, one space for runs of spaces and tabs, no spaces at line ends."""
    text = unicodedata.normalize("NFC", text)
    if "\t" in text or "\u00a0" in text or "  " in text:  # what the pattern needs; most texts have none (3 fast scans)
        text = _SPACES_TO_FOLD.sub(" ", text)
    return text.replace(" \n", "\n").replace("\n ", "\n").strip(" ")


def _clean_field(value: Any) -> str | None:
    if value is None:
        return None
    text = _SPACES.sub(" ", str(value)).strip()
    return text or None


def analyze_document(doc: RawDocument) -> Article | Skip:
    """Turn one raw document into a clean article, or say why it cannot be one."""
    meta = doc.meta
    title = _clean_field(meta.get("title"))
    author = _clean_field(meta.get("author"))
    url = _clean_field(meta.get("url"))
    outlet_name = _clean_field(meta.get("outlet"))
    published, published_source = meta.get("published"), meta.get("published_source")
    declared_lang, extractor = None, None
    page_removed: list[Removal] = []
    repairs = list(meta.get("repairs", []))

    if doc.kind == "html":
        try:
            page = extract_html(doc.content, url)
        except ExtractionError as exc:
            return Skip(doc.source, f"HTML page with no article text ({exc})")
        text, extractor, declared_lang, page_removed = page.text, page.extractor, page.lang, page.removed
        if len(text.split()) < MIN_PAGE_WORDS:
            return Skip(doc.source, f"HTML page with no article text (only {len(text.split())} words found)")
        title = title or _clean_field(page.title)
        author = author or _clean_field(page.author)
        url = url or page.url
        outlet_name = outlet_name or page.sitename
        if not published and page.published:
            published, published_source = page.published, page.published_source or "meta"
    elif doc.kind == "fragment":
        text, extractor = fragment_to_text(doc.content), "feed"
    else:
        text = doc.content
        if not title:
            title, text = split_title(text)

    iso_published = normalize_date(published)
    if published and not iso_published:
        repairs.append(f"publication date {str(published)[:40]!r} not understood; left empty")
        published_source = None

    cleaned = clean_article(_tidy(text), title=title, author=author, lang=meta.get("lang"))
    if not cleaned.text.strip():
        return Skip(doc.source, "no article text left after removing boilerplate")
    removed: list[Removal] = page_removed + cleaned.removed
    return Article(
        id=article_id(cleaned.text),
        source=doc.source,
        text=cleaned.text,
        url=url,
        outlet=outlet_key(url, outlet_name),
        outlet_name=outlet_name,
        title=cleaned.title or title,
        author=cleaned.author or author,
        published=iso_published,
        published_source=published_source if iso_published else None,
        fetched=normalize_date(meta.get("fetched")),
        lang=choose_language(cleaned.text, _clean_field(meta.get("lang")), declared_lang),
        removed=removed,
        partial=bool(meta.get("partial")),
        extractor=extractor or "text",
        synthetic=bool(meta.get("synthetic")) or (doc.kind == "html" and bool(_SYNTHETIC_META.search(doc.content[:20000]))),
        repairs=repairs,
    )
