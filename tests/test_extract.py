"""Tests of HTML article extraction: body, metadata, fallback, hostile input.

The fixtures are invented news pages written for these tests. The tests at the end run on
a few real pages of ../shared/data/article-extraction-naeb and skip when it is absent.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from dossier.corpus import extract as extract_module
from dossier.corpus.extract import ExtractedPage, ExtractionError, extract_html

PARAGRAPHS = [
    "The harbour council of Port Alder voted on Tuesday night to close the old ferry pier "
    "for at least eighteen months, ending a service that has carried commuters across the bay since 1962.",
    "Engineers told the council that two of the pier's timber pilings had lost more than a third "
    "of their strength, and that a winter storm could bring down the landing stage without warning.",
    "\u201cWe did not take this lightly,\u201d said councillor Mirela Okafor, who chairs the transport "
    "committee. \u201cPeople depend on that boat, but we cannot ask them to stand on a structure we know is failing.\u201d",
    "A temporary bus link will run every twenty minutes from the ferry terminal to the eastern shore, "
    "adding about a quarter of an hour to the trip for the roughly nine hundred daily passengers.",
    "The council expects to put the repair contract out to tender in the spring, and said the cost "
    "would be shared with the regional transport authority under an agreement signed last year.",
]

ARTICLE_BODY = "\n".join(f"<p>{p}</p>" for p in PARAGRAPHS)

NEWS_PAGE = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>Ferry pier to close for repairs | The Bayside Courier</title>
  <meta property="og:title" content="Ferry pier to close for repairs">
  <meta property="og:site_name" content="The Bayside Courier">
  <meta property="og:url" content="https://www.baysidecourier.example/news/ferry-pier-close">
  <link rel="canonical" href="https://www.baysidecourier.example/news/ferry-pier-close">
  <script type="application/ld+json">
  {{"@context": "https://schema.org", "@graph": [
    {{"@type": "WebSite", "name": "The Bayside Courier"}},
    {{"@type": "NewsArticle", "headline": "Ferry pier to close for repairs",
      "datePublished": "2024-03-05T09:30:00-05:00", "dateModified": "2024-03-06T11:00:00-05:00",
      "author": [{{"@type": "Person", "name": "Jane Doe"}}, {{"@type": "Person", "name": "John Roe"}}],
      "publisher": {{"@type": "NewsMediaOrganization", "name": "The Bayside Courier"}}}}]}}
  </script>
</head>
<body>
  <header>
    <nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
    <li><a href="/sport">Sport</a></li><li><a href="/weather">Weather and tides today</a></li></ul></nav>
  </header>
  <main>
    <article>
      <h1>Ferry pier to close for repairs</h1>
      <p class="byline">By Jane Doe and John Roe</p>
      <time datetime="2024-03-05T09:30:00-05:00">March 5, 2024</time>
      {ARTICLE_BODY}
      <p>Related: Bus fares to rise in April across the county network</p>
      <p>Sign up for our morning newsletter to get the day's news in your inbox.</p>
    </article>
  </main>
  <aside class="most-read"><h2>Most read</h2><ul>
    <li><a href="/a">Lighthouse keeper retires after forty years on the rock</a></li>
    <li><a href="/b">School choir wins national title in the capital</a></li></ul></aside>
  <footer><p>Copyright 2024 The Bayside Courier Media Group. All rights reserved.</p>
    <p><a href="/privacy">Privacy policy</a> | <a href="/contact">Contact the newsroom</a></p></footer>
</body>
</html>"""


def page_with(head: str, body_extra: str = "", lang: str = "de") -> str:
    """A smaller page: custom <head>, the same article body, a nav and a footer."""
    return f"""<html lang="{lang}"><head>{head}</head><body>
      <nav><a href="/">Startseite</a> <a href="/politik">Politik</a> <a href="/kultur">Kultur</a></nav>
      <div class="content"><h1>Ferry pier to close for repairs</h1>{body_extra}{ARTICLE_BODY}</div>
      <footer>Impressum und Datenschutz des Verlags</footer></body></html>"""


# --------------------------------------------------------------------------- body


def test_body_paragraphs_present_and_boilerplate_absent() -> None:
    page = extract_html(NEWS_PAGE, url="https://www.baysidecourier.example/news/ferry-pier-close?ref=home")
    assert isinstance(page, ExtractedPage)
    for para in PARAGRAPHS:
        assert para in page.text
    assert page.text.split("\n\n")[0] == PARAGRAPHS[0]  # headline and byline not repeated in the text
    for junk in ("Home", "Weather and tides", "Lighthouse keeper", "Privacy policy", "All rights reserved",
                 "Related:", "newsletter"):
        assert junk not in page.text
    assert "\n\n\n" not in page.text


def test_paragraphs_are_separated_by_one_blank_line() -> None:
    page = extract_html(NEWS_PAGE)
    assert page.text.split("\n\n") == PARAGRAPHS


# --------------------------------------------------------------------------- metadata


def test_metadata_from_json_ld_and_meta_tags() -> None:
    page = extract_html(NEWS_PAGE, url="https://www.baysidecourier.example/news/ferry-pier-close?ref=home")
    assert page.title == "Ferry pier to close for repairs"
    assert page.author == "Jane Doe, John Roe"
    assert page.published == "2024-03-05"
    assert page.published_source == "json-ld"
    assert page.modified == "2024-03-06"
    assert page.sitename == "The Bayside Courier"
    assert page.url == "https://www.baysidecourier.example/news/ferry-pier-close"
    assert page.lang == "en"
    assert page.extractor == "trafilatura"


def test_meta_tags_without_json_ld() -> None:
    head = """<title>Ferry pier to close for repairs - Bayside Courier</title>
      <meta property="og:site_name" content="Bayside Courier">
      <meta property="article:published_time" content="2024-02-29T18:45:00+01:00">
      <meta name="author" content="By Ana Lima">"""
    page = extract_html(page_with(head))
    assert page.title == "Ferry pier to close for repairs"
    assert page.published == "2024-02-29"
    assert page.published_source == "meta"
    assert page.author == "Ana Lima"
    assert page.lang == "de"


def test_title_from_title_tag_without_site_suffix() -> None:
    html = page_with("<title>Ferry pier to close for repairs | Bayside Courier</title>").replace(
        "<h1>Ferry pier to close for repairs</h1>", "")
    assert extract_html(html).title == "Ferry pier to close for repairs"


def test_date_from_url_when_page_declares_none() -> None:
    page = extract_html(page_with("<title>Ferry pier</title>"),
                        url="https://news.example/2024/02/11/ferry-pier-close")
    assert (page.published, page.published_source) == ("2024-02-11", "url")


def test_utc_stamp_is_given_as_the_local_date_the_page_prints() -> None:
    # 03:10 UTC on the 6th is 22:10 on the 5th in New York, the date printed on the page
    head = '<meta property="article:published_time" content="2024-03-06T03:10:00Z">'
    body = '<time datetime="2024-03-05T22:10:00-05:00">March 5, 10:10 PM</time>'
    page = extract_html(page_with(head, body))
    assert page.published == "2024-03-05"


def test_author_prefers_people_over_the_outlet() -> None:
    head = """<meta property="og:site_name" content="Bayside Courier">
      <script type="application/ld+json">{"@type": "NewsArticle",
        "author": {"@type": "Organization", "name": "Bayside Courier"}}</script>
      <meta name="author" content="Mirela Okafor PhD, Bayside Courier">"""
    assert extract_html(page_with(head)).author == "Mirela Okafor"


def test_broken_json_ld_is_ignored() -> None:
    head = """<script type="application/ld+json">{"@type": "NewsArticle", "author": [null, 3,
      {"name": 5}], "datePublished": 12, "headline": ["x"]</script>
      <script type="application/ld+json">not json at all</script>"""
    page = extract_html(page_with(head))
    assert PARAGRAPHS[0] in page.text


# --------------------------------------------------------------------------- fallback


def test_readability_fallback_when_trafilatura_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract_module.trafilatura, "bare_extraction", lambda *a, **k: None)
    page = extract_html(NEWS_PAGE)
    assert page.extractor == "readability"
    assert PARAGRAPHS[2] in page.text
    assert "Privacy policy" not in page.text
    assert page.title == "Ferry pier to close for repairs"


def test_fallback_survives_trafilatura_raising(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated extractor bug")

    monkeypatch.setattr(extract_module.trafilatura, "bare_extraction", boom)
    assert extract_html(NEWS_PAGE).extractor == "readability"


# --------------------------------------------------------------------------- hostile input

HOSTILE = {
    "empty": "",
    "whitespace": " \n\t ",
    "binary": os.urandom(4096).decode("latin-1") + "\x00",
    "random bytes": bytes(range(1, 256)).decode("latin-1") * 40,
    "deeply nested": "<div>" * 100_000 + "text " * 40 + "</div>" * 100_000,
    "no body": "<html><head><title>Only a head</title></head></html>",
    "only scripts": "<html><body><script>var a = 1;</script><script>document.write('x')</script></body></html>",
    "plain text": "this is not html at all " * 30,
    "unclosed tags": "<html><body><p>" + "<b><i>unclosed words " * 200,
    "lone surrogates": "<html><body><article><p>" + "text \ud800 more words here " * 40 + "</p></article></body></html>",
    "comment only": "<!-- nothing here -->",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_never_crashes(name: str) -> None:
    try:
        page = extract_html(HOSTILE[name])
    except ExtractionError as exc:
        assert str(exc)  # a plain reason
    else:
        assert isinstance(page, ExtractedPage) and page.text.strip()


def test_empty_and_binary_inputs_are_refused_with_a_reason() -> None:
    with pytest.raises(ExtractionError, match="empty"):
        extract_html("")
    with pytest.raises(ExtractionError, match="binary"):
        extract_html("\x00\x01\x02 binary payload")
    with pytest.raises(ExtractionError):
        extract_html(b"<html></html>")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- real pages

NAEB = Path(__file__).resolve().parents[2] / "shared" / "data" / "article-extraction-naeb"
needs_naeb = pytest.mark.skipif(not (NAEB / "articles.json").exists(),
                                reason=f"NAEB data set not found at {NAEB}")


@needs_naeb
def test_real_pages_give_sane_output() -> None:
    gold = json.loads((NAEB / "articles.json").read_text())
    keys = [k for k in sorted(gold) if (NAEB / "html" / f"{k}.html.gz").exists()][:8]
    dated = date_ok = 0
    for key in keys:
        html = gzip.decompress((NAEB / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
        page = extract_html(html, url=gold[key]["url"])
        assert len(page.text) > 200, gold[key]["url"]
        assert page.title, gold[key]["url"]
        assert "\n\n\n" not in page.text
        # most gold words appear in our text (the gold body is hand-cleaned)
        words = gold[key]["articleBody"].split()
        found = sum(w in page.text for w in words[:200]) / max(len(words[:200]), 1)
        assert found > 0.6, gold[key]["url"]
        if gold[key]["date"] != "NaT":
            dated += 1
            date_ok += page.published == gold[key]["date"]
    # the gold dates have a little noise (time zones, "updated" dates): allow one miss in eight
    assert date_ok >= dated - 1
