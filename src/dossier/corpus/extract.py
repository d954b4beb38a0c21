"""HTML → main text and metadata.

trafilatura (favor_precision) does the body: the best-measured open extractor on our
benchmarks (bench/extraction.py, BENCHMARKS.md). When its output is missing or shorter
than a teaser we also run readability-lxml and keep that if it finds at least twice as
much, in the spirit of Media Cloud's mcmetadata which tries several extractors in order.
Then our own paragraph filter drops what trafilatura keeps inside article containers:
the headline and byline repeated at the top, "Related:" links, share/newsletter
prompts, photo credits.

Metadata (title, author, date, site name, canonical URL, language) is read by our own
code from the publisher's structured data first — JSON-LD (schema.org NewsArticle),
then <meta> tags (Open Graph, article:*, Dublin Core, parsely, sailthru), then the URL —
and only then from trafilatura/htmldate heuristics. The publisher's own declarations are
the most reliable source for a timeline, and we record where the date came from.
"""

from __future__ import annotations

import json
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Iterable

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from dossier.model import Removal

MIN_BODY_CHARS = 80
# below this many characters trafilatura's output is "suspect" and readability gets a try
SUSPECT_BODY_CHARS = 500
MAX_HTML_CHARS = 20_000_000  # larger inputs are refused rather than parsed
MAX_FALLBACK_HTML_CHARS = 5_000_000

ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "socialmediaposting",
    "liveblogposting", "report", "scholarlyarticle", "techarticle", "review", "posting",
}


class ExtractionError(ValueError):
    """The page has no article text that any extractor could find."""


@dataclass
class ExtractedPage:
    text: str  # paragraphs separated by one blank line
    title: str | None = None
    author: str | None = None  # plain names, comma-separated, no "By "
    published: str | None = None  # ISO date YYYY-MM-DD
    published_source: str | None = None  # where the date came from: json-ld, meta, url, htmldate
    sitename: str | None = None
    url: str | None = None  # canonical URL when the page gives one
    lang: str | None = None  # as declared by the page
    extractor: str = "trafilatura"
    modified: str | None = None  # ISO date of the last update, when declared
    removed: list[Removal] = field(default_factory=list)  # paragraphs the extractor's filter dropped


# --------------------------------------------------------------------------- public


def extract_html(html: str, url: str | None = None) -> ExtractedPage:
    """Extract the article of one HTML page; raise ExtractionError when there is none."""
    if not isinstance(html, str):
        raise ExtractionError("input is not text")
    if len(html) > MAX_HTML_CHARS:
        raise ExtractionError(f"HTML too large ({len(html)} characters)")
    if "\x00" in html[:10000]:
        raise ExtractionError("input looks binary, not HTML")
    if not html.strip():
        raise ExtractionError("empty HTML")
    try:
        tree = load_html(html)
    except Exception as exc:  # lxml can raise on pathological input
        raise ExtractionError(f"HTML could not be parsed: {type(exc).__name__}") from exc
    if tree is None:
        raise ExtractionError("HTML could not be parsed")
    try:
        return _extract(tree, html, url)
    except ExtractionError:
        raise
    except (ValueError, TypeError, AttributeError, RecursionError, etree.LxmlError) as exc:
        # a bug or a pathological page must cost one article, never the build
        raise ExtractionError(f"extraction failed: {type(exc).__name__}: {exc}") from exc


def _extract(tree: HtmlElement, html: str, url: str | None) -> ExtractedPage:
    meta = _meta_tags(tree)
    article_ld, page_ld = _json_ld(tree)
    text, extractor = _body(tree, html, url)
    if not text.strip():
        raise ExtractionError("no article text found in the HTML")

    published, source = _published(article_ld, meta, tree, url)
    sitename = _sitename(meta, page_ld)
    sites = [s for s in (sitename, _host_label(url), _host_label(meta.get("og:url"))) if s]
    title = _title(article_ld, meta, tree, sites)
    author = _author(article_ld, meta, tree, sitename)
    headlines = [title, _first_str(article_ld.get("headline")), meta.get("og:title"),
                 _h1(tree), _text_of(tree.find(".//title"))]
    text, removed = _drop_boilerplate(text, [h for h in headlines if h], author)
    if not text.strip():
        raise ExtractionError("no article text found in the HTML")
    return ExtractedPage(
        text=text,
        title=title,
        author=author,
        published=published,
        published_source=source,
        sitename=sitename,
        url=_canonical(meta, tree, url),
        lang=_lang(tree, meta),
        extractor=extractor,
        modified=_iso_date(_first_str(article_ld.get("dateModified")) or meta.get("article:modified_time")),
        removed=removed,
    )


# --------------------------------------------------------------------------- body


def _body(tree: HtmlElement, html: str, url: str | None) -> tuple[str, str]:
    """trafilatura first; readability when trafilatura's text is missing or short."""
    try:
        doc = trafilatura.bare_extraction(
            tree,
            url=url,
            with_metadata=False,  # we read metadata ourselves; trafilatura's costs ~40 % of the time
            favor_precision=True,
            include_tables=True,
            include_comments=False,
        )
    except Exception:  # trafilatura should not raise, but one bad page must not stop a build
        doc = None
    text = _paragraphs(doc.text or "") if doc is not None else ""
    extractor = "trafilatura"
    # readability is slow on huge pages; there the trafilatura result (or nothing) stands
    if len(text) < SUSPECT_BODY_CHARS and len(html) <= MAX_FALLBACK_HTML_CHARS:
        try:
            fallback = _paragraphs(_readability_text(html))
        except Exception:  # readability raises on pages it cannot parse at all
            fallback = ""
        # readability is less precise: only take it when it finds clearly more text
        if len(fallback) >= max(MIN_BODY_CHARS, 2 * len(text)):
            text, extractor = fallback, "readability"
    return text, extractor


# Paragraph-level boilerplate that trafilatura keeps inside article containers: our own
# rules (trafilatura has no hook for them), measured on both benchmarks; each only fires on
# short paragraphs so that article prose that happens to start the same way is kept.
BOILERPLATE = re.compile(
    "|".join([
        # cross-links to other stories
        r"^(?:related|read more|read also|also read|see also|more from|recommended|read next|"
        r"related (?:articles?|stories|content|coverage|reading)|more coverage)\s*[:|—–-]",
        r"\[(?:[A-Z]+ ?){1,3}\]$",  # "... plague fears [VIDEO]" link lines
        # sharing, following, newsletters, comments
        r"^(?:share|like) this (?:article|story|post)\b",
        r"^follow\b.{0,100}\b(?:facebook|twitter|instagram|tiktok|youtube|threads)\b",
        r"\b(?:sign up|subscribe)\b.{0,100}\bnewsletter|\b(?:in|to) your inbox\b|delivered (?:to your inbox|every \w+day)",
        r"^(?:listen to|also available on)\b.{0,80}\b(?:spotify|apple podcasts|google podcasts)",
        r"^let us know (?:what you think )?in the comments",
        # advertising and widgets
        r"^(?:advertisement|story continues below(?: advertisement)?|scroll to continue(?: with content)?|"
        r"(?:article|story) continues (?:below|after)(?: this)?(?: ad(?:vertisement)?)?)\.?$",
        r"^oops!?\s*something went wrong",
        # photo credits
        r"^\(?(?:photo|image|gallery|illustration|graphic|video)s?(?: credit)?s?\s*[:|]",
        r"^(?:submitted|file|staff) photo\.?$",
        r"^\(?(?:getty images|ap photo|reuters)\)?\.?$",
        # reading time, copyright notices
        r"^\d+\s*min(?:ute)?s?\s+read$",
        r"this copy is for your personal, non-commercial use only",
    ]),
    re.I,
)
# single labels of page widgets that leak into the text as a paragraph of their own
WIDGET_LABELS = {
    "comments", "comment", "tags", "newsletter", "contents", "table of contents", "explore more",
    "more", "text size", "share", "share this article", "related", "related content",
    "trending", "top stories", "most popular", "recommended", "advertisement", "ad",
}
MAX_BOILERPLATE_CHARS = 200


def _drop_boilerplate(text: str, headlines: list[str], author: str | None) -> tuple[str, list[Removal]]:
    """Remove the repeated headline and byline at the top, and widget/promo paragraphs;
    return what was removed so that the export can show it."""
    paras = text.split("\n\n")
    heads = {_norm(h) for h in headlines} | {_norm(_strip_site(h, [])) for h in headlines}
    byline = _norm(author) if author else None
    out: list[str] = []
    removed: list[Removal] = []
    for i, para in enumerate(paras):
        norm = _norm(para)
        if i < 3 and not out and norm in heads:
            removed.append(Removal(para, "repeated headline"))  # printed above the article
        elif i < 3 and not out and byline and norm in (byline, "by " + byline):
            removed.append(Removal(para, "byline"))
        elif len(para) <= MAX_BOILERPLATE_CHARS and (BOILERPLATE.search(para) or norm in WIDGET_LABELS or not norm):
            if norm:
                removed.append(Removal(para, "page furniture"))
        else:
            out.append(para)
    return "\n\n".join(out), removed


def _paragraphs(text: str) -> str:
    lines = [" ".join(ln.split()) for ln in text.splitlines()]
    return "\n\n".join(ln for ln in lines if ln)


def _readability_text(html: str) -> str:
    from lxml import html as lxml_html
    from readability import Document

    summary = Document(html).summary(html_partial=True)
    tree = lxml_html.fromstring(summary)
    blocks = [el.text_content().strip() for el in tree.iter("p", "h2", "h3", "li", "blockquote", "pre")]
    return "\n".join(b for b in blocks if b)


# --------------------------------------------------------------------------- structured data


def _meta_tags(tree: HtmlElement) -> dict[str, str]:
    """First non-empty content of every <meta name|property|itemprop>, keys lower-cased."""
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        content = (el.get("content") or "").strip()
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (el.get(attr) or "").strip().lower()
            if key and key not in found:
                found[key] = content
    return found


def _json_ld(tree: HtmlElement) -> tuple[dict, dict]:
    """(the article object, a merged view of all objects) from the page's JSON-LD blocks.

    Our own walker instead of a library (extruct would add a dependency): pages nest the
    article inside @graph, lists or mainEntity, and many blocks are slightly broken JSON.
    """
    objects: list[dict] = []
    for el in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        raw = (el.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            try:  # common breakage: raw control characters (newlines) inside strings
                data = json.loads(re.sub(r"[\x00-\x1f]+", " ", raw))
            except ValueError:
                continue
        objects.extend(_walk_ld(data, 0))
    article: dict = {}
    for obj in objects:
        if _ld_types(obj) & ARTICLE_TYPES:
            article = obj
            break
    if not article:  # a WebPage whose mainEntity is not typed still often carries the dates
        for obj in objects:
            if obj.get("datePublished") and (obj.get("headline") or obj.get("author")):
                article = obj
                break
    merged: dict = {}
    for obj in objects:
        for key, value in obj.items():
            merged.setdefault(key, value)
    return article, merged


def _walk_ld(data: Any, depth: int) -> Iterable[dict]:
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk_ld(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if isinstance(data.get(key), (list, dict)):
                yield from _walk_ld(data[key], depth + 1)


def _ld_types(obj: dict) -> set[str]:
    types = obj.get("@type") or []
    if isinstance(types, str):
        types = [types]
    return {t.lower() for t in types if isinstance(t, str)}


def _first_str(value: Any) -> str | None:
    """The first string in a JSON-LD value that may be a string, a list or an object."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        for item in value:
            found = _first_str(item)
            if found:
                return found
    if isinstance(value, dict):
        return _first_str(value.get("name") or value.get("@value"))
    return None


# --------------------------------------------------------------------------- date

DATE_META_KEYS = (
    "article:published_time", "og:article:published_time", "article.published", "published_time",
    "datepublished", "publishdate", "publish-date", "publish_date", "pubdate", "parsely-pub-date",
    "sailthru.date", "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.created",
    "dc.date.created", "date", "cxenseparse:recs:publishtime", "og:published_time",
    "article:published", "citation_publication_date",
)
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# /2023/12/22/, /2023-12-22/, /20231222 in a path; our own regex because htmldate's URL
# rule also accepts year/month only, which is not a publication date
URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:[/-]|$)|[/-]((?:19|20)\d{2})(\d{2})(\d{2})(?:[/-]|$)")


def _published(article: dict, meta: dict[str, str], tree: HtmlElement,
               url: str | None) -> tuple[str | None, str | None]:
    """Publication date by source reliability: JSON-LD, meta tags, <time>, URL, htmldate.

    The modified date is a last resort: it is an upper bound of the publication date.
    """
    raw = _first_str(article.get("datePublished")) or _first_str(article.get("dateCreated"))
    if _iso_date(raw):
        return _local_date(raw, tree), "json-ld"
    for key in DATE_META_KEYS:
        if _iso_date(meta.get(key)):
            return _local_date(meta[key], tree), "meta"
    for el in tree.xpath('//*[@itemprop="datePublished"]|//time[@pubdate]'):
        found = _iso_date(el.get("datetime") or el.get("content") or el.text_content())
        if found:
            return found, "html"
    found = _url_date(url)
    if found:
        return found, "url"
    found = _htmldate(tree, url)
    if found:
        return found, "htmldate"
    found = _iso_date(_first_str(article.get("dateModified")) or meta.get("article:modified_time"))
    if found:
        return found, "modified"
    return None, None


def _htmldate(tree: HtmlElement, url: str | None) -> str | None:
    """htmldate's heuristics (visible dates, dates in attributes) without its slow
    extensive search, which loads dateparser's locales on free text."""
    try:
        from htmldate import find_date

        return _iso_date(find_date(tree, extensive_search=False, original_date=True, url=url))
    except Exception:  # htmldate is a heuristic; a failure only means "no date"
        return None


def _local_date(raw: str, tree: HtmlElement) -> str | None:
    """The date in the publisher's own time zone when the declared stamp is UTC.

    Many sites declare "2023-12-23T03:22:07Z" in JSON-LD but print "Dec 22, 10:22 PM EST"
    from a <time datetime="...-05:00"> of the same instant; readers (and archives) know
    the article by the printed date, so we take the local one when the page gives it.
    """
    plain = _iso_date(raw)
    stamp = _timestamp(raw)
    if stamp is None or stamp.utcoffset() is None or stamp.utcoffset().total_seconds() != 0:
        return plain
    for el in tree.iter("time"):
        local = _timestamp(el.get("datetime"))
        if local is None or local.utcoffset() is None or not local.utcoffset().total_seconds():
            continue
        if abs((local - stamp).total_seconds()) <= 60:
            return local.date().isoformat()
    return plain


def _timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    # Python < 3.11 style offsets "-0500" and "Z" are normalised for fromisoformat
    value = re.sub(r"Z$", "+00:00", value)
    value = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _iso_date(value: str | None) -> str | None:
    """The calendar date as the publisher wrote it (no time-zone shift), or None."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    match = ISO_DATE.search(value[:40])
    if match:
        return _valid(*map(int, match.groups()))
    if re.fullmatch(r"\d{10}(\d{3})?", value):  # Unix epoch seconds or milliseconds
        seconds = int(value[:10])
        return _valid_date(datetime.fromtimestamp(seconds, tz=timezone.utc).date())
    from dateutil import parser

    try:
        with warnings.catch_warnings():  # "tzname EST not understood": the date is still right
            warnings.simplefilter("ignore")
            parsed = parser.parse(value[:60], fuzzy=False)
    except (ValueError, OverflowError, TypeError):
        return None
    return _valid_date(parsed.date())


def _valid(year: int, month: int, day: int) -> str | None:
    try:
        return _valid_date(date(year, month, day))
    except ValueError:
        return None


def _valid_date(d: date) -> str | None:
    return d.isoformat() if 1990 <= d.year <= 2100 else None


URL_MONTH_DATE = re.compile(r"/((?:19|20)\d{2})/(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*/(\d{1,2})(?:/|$)", re.I)
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _url_date(url: str | None) -> str | None:
    if not url:
        return None
    for match in URL_DATE.finditer(url):
        parts = [g for g in match.groups() if g]
        found = _valid(*map(int, parts))
        if found:
            return found
    match = URL_MONTH_DATE.search(url)  # /2023/dec/21/ as some newspapers write it
    if match:
        return _valid(int(match.group(1)), MONTHS.index(match.group(2).lower()) + 1, int(match.group(3)))
    return None


# --------------------------------------------------------------------------- title, site

TITLE_SEPARATORS = (" | ", " - ", " — ", " – ", " :: ", " · ", " » ", " : ")


TITLE_LABELS = re.compile(
    r"^(?:opinion|analysis|watch|video|exclusive|breaking|live|review|editorial|commentary|explainer)"
    r"\s*\|\s*|^(?:watch|video|live|breaking)\s*:\s*|\s*[(\[](?:video|videos|photos?|pics|watch|gallery|live|updated?)[)\]]$", re.I)


def _title(article: dict, meta: dict[str, str], tree: HtmlElement, sites: list[str]) -> str | None:
    """The article headline: <h1>, og:title or JSON-LD headline, <title> minus the site name."""
    candidates = [
        _first_str(article.get("headline")),
        meta.get("og:title"),
        meta.get("twitter:title"),
    ]
    h1 = _h1(tree)
    page_title = _text_of(tree.find(".//title"))
    # a "title" that is only the site's name (some sites put it in og:title) is no headline
    candidates = [c for c in candidates if c and not any(_site_like(_clean(c), site) for site in sites)]
    for cand in [*candidates, page_title]:
        if cand:
            cand = _clean_title(cand, sites)
            # an <h1> agreeing with a declared title is the visible headline as printed
            if h1 and _same_text(_clean_title(h1, sites), cand):
                return _clean_title(h1, sites)
    for cand in candidates:
        if cand:
            return _clean_title(cand, sites)
    if h1:
        return _clean_title(h1, sites)
    return _clean_title(page_title, sites) if page_title else None


def _clean_title(title: str, sites: list[str]) -> str:
    """Site name, section labels ("Opinion | ") and media markers ("(video)") removed."""
    title = _strip_site(_clean(title), sites)
    stripped = TITLE_LABELS.sub("", title).strip()
    return stripped if len(stripped) > 3 else title


def _h1(tree: HtmlElement) -> str | None:
    for el in tree.iter("h1"):
        text = _text_of(el)
        if text and 3 <= len(text) <= 300:
            return text
    return None


def _same_text(a: str, b: str) -> bool:
    return _norm(a) == _norm(b)


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _strip_site(title: str, sites: list[str]) -> str:
    """Drop trailing (or leading) " | Site" parts that name the site, or a short "| Section"."""
    for sep in TITLE_SEPARATORS:
        if sep not in title:
            continue
        head, _, tail = title.rpartition(sep)
        if len(head) > 3 and any(_site_like(tail, site) for site in sites):
            return _strip_site(head.strip(), sites)
        first, _, rest = title.partition(sep)
        if len(rest) > 3 and any(_site_like(first, site) for site in sites):
            return _strip_site(rest.strip(), sites)
        # a short last part after " | " is almost always the site or a section name
        if sep.strip() in "|·»" and len(tail) <= 30 and len(head) > 2 * len(tail):
            return _strip_site(head.strip(), sites)
    return title


def _site_like(part: str, site: str) -> bool:
    a, b = _norm(part).replace(" ", ""), _norm(site).replace(" ", "")
    if not a or not b or len(part) > 50:
        return False
    return a == b or (min(len(a), len(b)) >= 4 and (a in b or b in a))


def _host_label(url: str | None) -> str | None:
    """'https://www.example-news.co.uk/x' → 'examplenews': the name part of the domain."""
    match = re.match(r"https?://([^/:?#]+)", url or "")
    if not match:
        return None
    labels = [lb for lb in match.group(1).lower().split(".") if lb and lb != "www"]
    if len(labels) > 1:
        labels.pop()  # the top-level domain
    if len(labels) > 1 and labels[-1] in {"co", "com", "org", "net", "gov", "ac", "edu"}:
        labels.pop()  # second-level registries such as .co.uk
    return labels[-1].replace("-", "") if labels else None


def _sitename(meta: dict[str, str], page_ld: dict) -> str | None:
    publisher = page_ld.get("publisher")
    for cand in (meta.get("og:site_name"), _first_str(publisher) if isinstance(publisher, (dict, list)) else None,
                 meta.get("application-name"), meta.get("twitter:site", "").lstrip("@")):
        if cand and len(cand) <= 100:
            return _clean(cand)
    return None


# --------------------------------------------------------------------------- author

AUTHOR_META_KEYS = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                    "dcterms.creator", "byl", "citation_author")
BYLINE_PREFIX = re.compile(
    r"^\s*(?:(?:view|see) all (?:posts|articles|stories) by|(?:more )?(?:posts|articles|stories) by|"
    r"written by|posted by|words by|reviewed by|by)[:\s]+", re.I)
# words that mark a name as an organisation, a role or an affiliation rather than a person
ORG_WORDS = re.compile(
    r"\b(?:press|news|media|times|post|journal|gazette|telegram|tribune|herald|report|reporter|daily|"
    r"weekly|magazine|channel|network|agency|staff|team|desk|editors?|editorial|redazione|redaction|"
    r"contributors?|writers?|correspondent|officer|head of|director|university|institute|"
    r"associated|reuters|wire|online|group|inc|ltd|llc|company|digital|tv|radio)\b|\.(?:com|org|net|co)\b", re.I)
# trailing credentials ("MS, RDN") and byline-widget words ("Published", "Link Copied", "as told")
CREDENTIALS = re.compile(r"(?:\s+(?!(?:II|III|IV)\b)(?:[A-Z]{2,4}|Ph\.?D\.?|M\.?D\.?))+$")
TRAILING_JUNK = re.compile(
    r"(?:\s+(?:(?i:published|updated|posted|link|copied|share|follow|email|twitter|contributor)|[a-z]+))+$")


def _author(article: dict, meta: dict[str, str], tree: HtmlElement, sitename: str | None = None) -> str | None:
    """The first source that names people; an organisation only when no source names a person.

    Sources in order of reliability: JSON-LD author, meta tags, rel=author links, then
    trafilatura's byline heuristics. Many sites put their own name in the author field;
    a later source often has the journalist, so organisations are only a last resort.
    """
    sources: list[list[str]] = []
    authors = article.get("author") or article.get("creator")
    ld_people = []
    for item in authors if isinstance(authors, list) else [authors]:
        name = _first_str(item)
        is_org = isinstance(item, dict) and bool(_ld_types(item) & {"organization", "newsmediaorganization"})
        if name and not is_org:
            ld_people.append(name)
    sources.append(ld_people)
    sources.extend([meta.get(key) or ""] for key in AUTHOR_META_KEYS)
    sources.append([_text_of(el) or "" for el in
                    tree.xpath('//a[@rel="author"]|//*[@itemprop="author"]//*[@itemprop="name"]')][:5])
    fallback: list[str] = []
    for names in sources:
        people, orgs = _split_names(names, sitename)
        if people:
            return ", ".join(people)
        fallback = fallback or orgs
    try:  # trafilatura's byline heuristics (class="byline", "author" containers, ...)
        from trafilatura.metadata import extract_author

        people, orgs = _split_names([extract_author(tree) or ""], sitename)
    except Exception:
        people, orgs = [], []
    if people:
        return ", ".join(people)
    fallback = fallback or orgs or [_first_str(i) for i in (authors if isinstance(authors, list) else [authors])
                                    if _first_str(i)]
    return ", ".join(fallback[:3]) or None


def _split_names(names: Iterable[str], sitename: str | None) -> tuple[list[str], list[str]]:
    """'By Jane Doe MD and John Roe, Example News' → (['Jane Doe', 'John Roe'], ['Example News'])."""
    people: list[str] = []
    orgs: list[str] = []
    for raw in names:
        if not raw or raw.startswith(("http://", "https://", "@", "www.")):
            continue
        raw = BYLINE_PREFIX.sub("", _clean(raw))
        for part in re.split(r"\s*(?:,|;|\||&|\band\b|\bund\b|\bet\b|\by\b|\be\b)\s*", raw):
            part = part.strip(" .-–—:")
            if len(part.split()) > 2:  # keep "Team EBONY", strip "Jane Doe MS"
                part = CREDENTIALS.sub("", part)
            part = TRAILING_JUNK.sub("", part).strip(" .-–—:") if len(part.split()) > 1 else part
            words = part.split()
            if not words or "@" in part or "/" in part or len(part) > 60 or len(words) > 6:
                continue
            if not any(ch.isalpha() for ch in part) or any(ch.isdigit() for ch in part):
                continue  # dates, counters and user ids are not names
            if len(words) == 1 and (part.isupper() or not part[0].isupper()):
                continue  # credentials ("RDN") and handles, not names
            known = [n.casefold() for n in people + orgs]
            if part.casefold() in known:
                continue
            is_org = bool(ORG_WORDS.search(part)) or (sitename is not None and _site_like(part, sitename))
            (orgs if is_org or len(words) == 1 else people).append(part)
    return people, orgs


# --------------------------------------------------------------------------- URL, lang


def _canonical(meta: dict[str, str], tree: HtmlElement, url: str | None) -> str | None:
    for el in tree.xpath('//link[@rel="canonical"][@href]'):
        href = el.get("href", "").strip()
        if href.startswith(("http://", "https://")):
            return href
    og_url = meta.get("og:url", "")
    return og_url if og_url.startswith(("http://", "https://")) else url


def _lang(tree: HtmlElement, meta: dict[str, str]) -> str | None:
    for value in (tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
                  meta.get("content-language"), meta.get("og:locale"), meta.get("language")):
        match = re.match(r"\s*([A-Za-z]{2,3})(?:[-_]|\s*$)", value or "")
        if match:
            return match.group(1).lower()
    return None


# --------------------------------------------------------------------------- helpers


def _text_of(el: HtmlElement | None) -> str | None:
    if el is None:
        return None
    try:
        text = el.text_content()
    except (ValueError, etree.LxmlError):
        return None
    return _clean(text) or None


def _clean(text: str) -> str:
    """Collapse whitespace and undo entity double-encoding that meta tags often carry."""
    import html as html_lib

    return " ".join(html_lib.unescape(text).split())
