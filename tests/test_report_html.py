"""`dossier export --format html`: one self-contained file with the story views of the web
pages, links as in-page anchors, hostile text shown as text (also in headless Chromium)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from markupsafe import escape

from conftest import SAMPLE, write_jsonl
from dossier.build import build
from dossier.cli import main
from dossier.report.document import build_document
from dossier.store.db import connect

# Our own hostile article: payloads in the text (one inside a quotation, so it is highlighted), title, outlet and URL.
HOSTILE = {
    "text": "Inspectors said the payload <script>window.__xss = 1; document.title = 'owned';</script> was inert.\n\n"
            "A second one, <img src=x onerror=\"window.__xss = 2\">, was printed as text too.\n\n"
            "\"<script>window.__xss = 6</script> ran nowhere on the page,\" said inspector Maren Olufsen.",
    "title": "Payload test <img src=x onerror=\"window.__xss = 3\">",
    "outlet": "<script>window.__xss = 4</script> Gazette",
    "url": "javascript:window.__xss = 5",
    "published": "2025-10-09",
    "lang": "en",
}


class Page(HTMLParser):
    """Every element of the page: tag names, ids, hrefs and the sections of the pages."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.ids.append(attributes["id"])
        if attributes.get("href") is not None:
            self.hrefs.append(attributes["href"])


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("html-export")
    write_jsonl(folder / "hostile.jsonl", [HOSTILE])
    db = folder / "sample.db"
    conn = connect(db)
    build([str(SAMPLE), str(folder / "hostile.jsonl")], conn)
    document = build_document(conn)
    conn.close()
    out = folder / "dossier.html"
    result = CliRunner().invoke(main, ["export", "--db", str(db), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    page = Page()
    page.feed(text)
    return out, text, page, document


def _section(text: str, anchor: str) -> str:
    """The HTML of one page's section of the file."""
    start = text.index(f'id="{anchor}"')
    end = text.find('<section class="page', start)
    return text[start:end if end > 0 else len(text)]


def _plain(fragment: str) -> str:
    """The text of some HTML without its tags (the highlight spans cut an article's text into pieces)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_one_file_needs_no_script_and_loads_nothing(exported):
    _, text, page, _ = exported
    tags = {tag for tag, _ in page.tags}
    assert "script" not in tags and "link" not in tags and "iframe" not in tags and "img" not in tags
    assert not any(a.get("src") for _, a in page.tags)  # nothing fetched
    assert not any(name.startswith("on") for _, a in page.tags for name in a)  # no inline handlers
    csp = next(a["content"] for tag, a in page.tags if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "script-src" not in csp
    style = text[text.index("<style>"):text.index("</style>")]
    assert ".hl-quote" in style and "table.coverage" in style  # the web pages' stylesheet, inlined


def test_every_link_is_an_anchor_in_the_same_file(exported):
    _, _, page, document = exported
    ids = set(page.ids)
    internal = [h for h in page.hrefs if h.startswith("#")]
    assert len(internal) > 200
    assert [h for h in internal if h[1:] not in ids] == []
    # the only other links are the articles' own http(s) addresses
    urls = {a["url"] for a in document["articles"] if a["url"]}
    assert {h for h in page.hrefs if not h.startswith("#")} <= urls
    assert not any(h.lower().startswith(("javascript:", "data:", "/")) for h in page.hrefs)
    # each page is a section: every story, event, article and actor
    for story in document["stories"]:
        assert f"story-{story['id']}" in ids
    for event in document["events"]:
        assert f"event-{event['id']}" in ids
    for article in document["articles"]:
        assert page.ids.count(f"article-{article['id']}") == 1
    for actor in document["actors"]:
        assert f"actor-{actor['id']}" in ids
    assert "all-flags" in ids


def test_story_sections_have_timeline_coverage_statements_and_flags(exported):
    _, text, _, document = exported
    events = {e["id"]: e for e in document["events"]}
    story = max(document["stories"], key=lambda s: len(s["events"]))
    section = _section(text, f"story-{story['id']}")
    timeline = section[section.index('<table class="timeline">'):]
    timeline = timeline[:timeline.index("</table>")]
    assert timeline.count("<tr class=") == len(story["events"])
    for event_id in story["events"]:
        assert f'href="#event-{event_id}"' in timeline
        rng = events[event_id]["date_range"]
        if rng["earliest"] != rng["latest"]:  # an uncertain range is shown as a range, not as one day
            assert '<span class="uncertain"' in timeline and f"{rng['earliest']} – {rng['latest']}" in timeline
    coverage = section[section.index('<table class="coverage">'):]
    coverage = coverage[:coverage.index("</table>")]
    members = {a for e in story["events"] for a in events[e]["articles"]}
    for outlet in {s["outlet_name"] for a in document["articles"] if a["id"] in members for s in a["sources"]}:
        assert f'<th scope="row">{escape(outlet)}</th>' in coverage
    statements = [q for q in document["quotes"] if q["kind"] != "fragment" and any(o["article"] in members for o in q["occurrences"])]
    assert f'Statements <span class="muted">({len(statements)})</span>' in section
    altered = [q for q in statements if any(o.get("changes") for o in q["occurrences"])]
    assert altered and section.count('title="some articles word it differently">altered</span>') == len(altered)
    flags = [f for f in document["flags"] if any(e["article"] in members for e in f["evidence"])]
    assert flags and f'Flags <span class="muted">({len(flags)})</span>' in section
    for flag in flags:
        assert escape(flag["message"]) in section


def test_event_articles_are_grouped_by_copy_relation_and_articles_highlight_their_evidence(exported):
    _, text, _, document = exported
    copy = next(c for c in document["copies"] if c["kind"] != "duplicate" and c["article"] != c["of"])
    event = next(e for e in document["events"] if copy["article"] in e["articles"] and copy["of"] in e["articles"])
    tree = _section(text, f"event-{event['id']}")
    tree = tree[tree.index('<ul class="tree">'):tree.index("</section>")]
    # the copy sits under its original, with its relation
    original_at = tree.index(f'href="#article-{copy["of"]}"')
    assert f'<span class="badge rel-{copy["kind"]}">{copy["kind"]}</span>' in tree[original_at:]
    assert tree.index(f'href="#article-{copy["article"]}"') > original_at
    # a quoted statement is highlighted in its article, at the anchor the statement lists link to
    quote = next(q for q in document["quotes"] if q["kind"] == "direct")
    occurrence = quote["occurrences"][0]
    article = _section(text, f"article-{occurrence['article']}")
    anchor = f'<a class="anchor" id="article-{occurrence["article"]}-occ-{occurrence["start"]}"></a>'
    assert anchor in article
    assert article[article.index(anchor) + len(anchor):].startswith('<span class="hl-quote')
    flag = next(f for f in document["flags"] if f["evidence"])
    evidence = flag["evidence"][0]
    assert f'href="#article-{evidence["article"]}-ev-{evidence["start"]}"' in _section(text, "all-flags")
    assert "hl-flag" in _section(text, f"article-{evidence['article']}")


def test_each_article_text_is_in_the_file_once(exported):
    _, text, _, document = exported
    texts = [a["text"] for a in document["articles"]]
    # long paragraphs of articles in no copy relation (the changes of a copy quote the sentences it reworded)
    related = {a for c in document["copies"] for a in (c["article"], c["of"])}
    paragraphs = [p for a in document["articles"] if a["id"] not in related for p in a["text"].split("\n\n")
                  if len(p) > 200 and sum(x.count(p) for x in texts) == 1]
    assert len(paragraphs) > 5
    plain = _plain(text)
    assert [p for p in paragraphs if plain.count(p) != 1] == []


def test_hostile_text_is_escaped(exported):
    _, text, page, document = exported
    article = next(a for a in document["articles"] if a["title"] == HOSTILE["title"])
    section = _section(text, f"article-{article['id']}")
    assert "<script" not in text and "<img" not in text
    for paragraph in HOSTILE["text"].split("\n\n"):  # shown as text: escaped, and whole once the tags are gone
        assert paragraph in _plain(section)
    assert "&lt;script&gt;window.__xss = 1" in section and "&lt;/script&gt; was inert" in section
    assert "&lt;img src=x onerror=&#34;" in section
    assert "&lt;h1&gt;" not in section and "<h1>Payload test &lt;img src=x onerror=&#34;window.__xss = 3&#34;&gt;</h1>" in section
    assert "&lt;script&gt;window.__xss = 4&lt;/script&gt; Gazette" in section
    assert not any(h.lower().startswith("javascript:") for h in page.hrefs)


def test_demo_writes_the_pages_and_says_how_to_serve_them(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["demo", "--sample", str(SAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "dossier.html").read_text(encoding="utf-8")
    assert '<section id="timeline">' in page and '<table class="coverage">' in page and 'id="all-flags"' in page
    assert (out / "dossier.json").stat().st_size > 0 and (out / "dossier.md").stat().st_size > 0
    assert f"dossier serve --db {out / 'dossier.db'}" in result.output


CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists() or not CHROMEDRIVER.exists(),
                    reason="needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)")
def test_in_headless_chromium_no_script_runs_and_anchors_work(exported, tmp_path):
    pytest.importorskip("selenium", reason="selenium is not installed (pip install 'dossier[test]')")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    out, _, _, document = exported
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,1600",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        article = next(a for a in document["articles"] if a["title"] == HOSTILE["title"])
        browser.get(f"{out.as_uri()}#article-{article['id']}")
        assert browser.execute_script("return window.__xss === undefined")
        assert browser.title != "owned" and browser.title.startswith("Dossier")
        assert not browser.find_elements(By.CSS_SELECTOR, "main img, main script")
        section = browser.find_element(By.ID, f"article-{article['id']}")
        shown = section.text
        assert "<script>window.__xss = 1; document.title = 'owned';</script>" in shown
        assert '<img src=x onerror="window.__xss = 2">' in shown
        assert section.find_element(By.TAG_NAME, "h1").text == HOSTILE["title"]
        browser.save_screenshot(str(tmp_path / "hostile.png"))
        # the story views render, and a click on a timeline event jumps to its section in the same file
        story = max(document["stories"], key=lambda s: len(s["events"]))
        browser.get(f"{out.as_uri()}#story-{story['id']}")
        view = browser.find_element(By.ID, f"story-{story['id']}")
        assert view.find_element(By.CSS_SELECTOR, "table.coverage").is_displayed()
        dots = view.find_elements(By.CSS_SELECTOR, "table.timeline svg circle.dot")
        assert len(dots) == len(story["events"]) and all(d.is_displayed() for d in dots)
        view.find_element(By.CSS_SELECTOR, "table.timeline a.event-link").click()
        assert browser.current_url.startswith(out.as_uri() + "#event-")
        event_id = browser.current_url.split("#event-", 1)[1]
        assert browser.find_element(By.ID, f"event-{event_id}").find_element(By.CSS_SELECTOR, "ul.tree").is_displayed()
        assert browser.execute_script("return window.__xss === undefined")
        browser.save_screenshot(str(tmp_path / "story.png"))
        assert (tmp_path / "hostile.png").stat().st_size > 10_000
    finally:
        browser.quit()
