"""Each reader on small fixtures we write ourselves, through the per-article step."""

from __future__ import annotations

import io
import json

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import SPANISH_BODY, WIRE_BODY, WIRE_TITLE, gzipped, wire_html, wire_text, write_jsonl
from dossier.analyze.article import analyze_document, split_title
from dossier.corpus.inputs import InputFile, expand_inputs
from dossier.corpus.readers import read_input
from dossier.model import Article, RawDocument, Skip


def read_all(path, sidecar=None, max_bytes=20_000_000):
    """Read a file and analyse every document: (articles, skips)."""
    articles, skips = [], []
    for item in read_input(InputFile(str(path), sidecar or {}), max_bytes):
        result = analyze_document(item) if isinstance(item, RawDocument) else item
        (articles if isinstance(result, Article) else skips).append(result)
    return articles, skips


# --- plain text -------------------------------------------------------------------------

def test_text_title_is_first_line_and_body_paragraphs_are_kept(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text(wire_text(), encoding="utf-8")
    [article], skips = read_all(path)
    assert not skips
    assert article.title == WIRE_TITLE
    assert article.text.split("\n\n") == WIRE_BODY
    assert article.source == str(path)
    assert article.lang == "en"
    assert len(article.id) == 16


def test_text_title_repeated_as_second_line_is_removed_not_body(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text(f"{WIRE_TITLE}\n\n{WIRE_TITLE}\n\n" + "\n\n".join(WIRE_BODY), encoding="utf-8")
    [article], _ = read_all(path)
    assert article.title == WIRE_TITLE
    assert WIRE_TITLE not in article.text
    assert {"text": WIRE_TITLE, "reason": "repeated headline"} in [r.to_dict() for r in article.removed]
    assert article.text.split("\n\n") == WIRE_BODY


def test_text_without_a_title_line_keeps_its_first_sentence_as_body():
    body = "The council voted on Monday to delay the budget.\n\nA second vote is planned for June."
    assert split_title(body) == (None, body)
    assert split_title("Mexican President Says Country Won't Fight Cartels on Orders From U.S.\n\nBody here.")[0]
    assert split_title("Is the Border Deal Dead?\nThe talks stalled again on Friday.")[0] == "Is the Border Deal Dead?"


def test_identical_clean_text_gets_the_same_id(tmp_path):
    (tmp_path / "a.txt").write_text(wire_text(), encoding="utf-8")
    (tmp_path / "b.txt").write_text(wire_text(extra=["Share your thoughts in the comments below!"]), encoding="utf-8")
    [a], _ = read_all(tmp_path / "a.txt")
    [b], _ = read_all(tmp_path / "b.txt")
    assert a.id == b.id
    assert b.removed and not a.removed


# --- HTML -------------------------------------------------------------------------------

def test_html_main_text_and_metadata(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(wire_html(), encoding="utf-8")
    [article], skips = read_all(path)
    assert not skips
    assert article.title == WIRE_TITLE
    assert article.author == "Ana Ruiz"
    assert article.published == "2025-03-04"
    assert article.url == "https://www.valleytribune.example/news/2025/03/04/border-mayors"
    assert article.outlet == "valleytribune.example"
    assert article.outlet_name == "Valley Tribune"
    assert article.lang == "en"
    for paragraph in WIRE_BODY:
        assert paragraph in article.text
    assert "Privacy" not in article.text and "Home" not in article.text


def test_html_with_no_article_is_skipped_with_a_reason(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text("<html><head><script>var x = 1;</script></head><body><nav>Home</nav></body></html>")
    articles, [skip] = read_all(path)
    assert not articles
    assert "no article text" in skip.reason


def test_spanish_html_is_identified_as_spanish(tmp_path):
    path = tmp_path / "nota.htm"
    path.write_text(wire_html("Alcaldes piden fondos para patrullas", SPANISH_BODY, lang="en", site="La Gaceta"), encoding="utf-8")
    [article], _ = read_all(path)
    assert article.lang == "es"  # the text wins over a template's lang="en"


# --- JSON Lines and JSON ----------------------------------------------------------------

def test_jsonl_records_with_text_or_html_and_metadata(tmp_path):
    path = write_jsonl(tmp_path / "items.jsonl", [
        {"text": "\n\n".join(WIRE_BODY), "title": WIRE_TITLE, "url": "https://news.example.com/a", "outlet": "Example News",
         "published": "Tue, 04 Mar 2025 10:00:00 GMT", "author": "Ana Ruiz", "lang": "en"},
        {"html": wire_html(), "outlet": "Valley Tribune"},
        {"title": "no body here"},
    ])
    path.write_text(path.read_text() + "{not json\n", encoding="utf-8")
    articles, skips = read_all(path)
    assert [a.source for a in articles] == [f"{path}#1", f"{path}#2"]
    first = articles[0]
    assert (first.title, first.outlet, first.published, first.published_source) == (WIRE_TITLE, "example.com", "2025-03-04", "record")
    assert articles[1].title == WIRE_TITLE and articles[1].published == "2025-03-04"
    assert [s.source for s in skips] == [f"{path}#3", f"{path}#4"]
    assert "no \"text\" or \"html\"" in skips[0].reason
    assert "not valid JSON" in skips[1].reason


def test_json_array_of_records(tmp_path):
    path = tmp_path / "items.json"
    path.write_text(json.dumps([{"text": wire_text(), "outlet": "Example"}, {"text": "\n\n".join(SPANISH_BODY)}]))
    articles, skips = read_all(path)
    assert not skips
    assert [a.source for a in articles] == [f"{path}#1", f"{path}#2"]
    assert articles[0].title == WIRE_TITLE and articles[0].outlet == "example"
    assert articles[1].lang == "es"


# --- WARC -------------------------------------------------------------------------------

def make_warc(pages: list[tuple[str, str]], *, gzip: bool = True, extra_non_html: bool = True) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gzip)
    writer.write_record(writer.create_warcinfo_record("test.warc.gz", {"software": "dossier tests"}))
    for uri, html in pages:
        request = writer.create_warc_record(uri, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
        writer.write_record(request)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = writer.create_warc_record(uri, "response", payload=io.BytesIO(html.encode("utf-8")), http_headers=headers,
                                           warc_headers_dict={"WARC-Date": "2025-03-05T12:00:00Z"})
        writer.write_record(record)
    if extra_non_html:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://x.example/a.png", "response", payload=io.BytesIO(b"\x89PNG"), http_headers=headers))
    return buffer.getvalue()


def test_warc_gz_every_html_response_is_an_article(tmp_path):
    body_b = ["A second story about the crossing, with its own words and its own numbers for the year.", *WIRE_BODY[1:]]
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(make_warc([
        ("https://www.valleytribune.example/a", wire_html()),
        ("https://lagaceta.example/b", wire_html("Second Story About the Crossing", body_b, date="2025-03-01")),
    ]))
    articles, skips = read_all(path)
    assert not skips
    assert [a.source for a in articles] == [f"{path}#1", f"{path}#2"]
    assert [a.url for a in articles] == ["https://www.valleytribune.example/a", "https://lagaceta.example/b"]
    assert articles[1].outlet == "lagaceta.example"
    assert articles[1].published == "2025-03-01"  # the page's own date beats the crawl date


def test_warc_record_date_is_kept_as_the_crawl_date_not_the_publication_date(tmp_path):
    page = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in WIRE_BODY) + "</article></body></html>"
    path = tmp_path / "plain.warc"
    path.write_bytes(make_warc([("https://n.example/x", page)], gzip=False))
    [article], _ = read_all(path)
    assert (article.published, article.published_source, article.fetched) == (None, None, "2025-03-05")


def test_truncated_warc_keeps_the_records_before_the_damage(tmp_path):
    data = make_warc([(f"https://n.example/{i}", wire_html(f"Story Number {i} of the Series", [f"Paragraph {i}: " + p for p in WIRE_BODY]))
                      for i in range(3)], extra_non_html=False)
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(data[: int(len(data) * 0.8)])
    articles, skips = read_all(path)
    assert 1 <= len(articles) < 3
    assert len(skips) == 1 and "truncated or corrupt WARC" in skips[0].reason


# --- RSS and Atom -----------------------------------------------------------------------

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Valley Tribune</title><link>https://www.valleytribune.example/</link>
<item><title>{title}</title><link>https://www.valleytribune.example/a</link>
<pubDate>Tue, 04 Mar 2025 10:00:00 +0000</pubDate><dc:creator>Ana Ruiz</dc:creator>
<description>Short summary.</description>
<content:encoded><![CDATA[{content}]]></content:encoded></item>
<item><title>Only a Summary Here</title><link>https://www.valleytribune.example/b</link>
<pubDate>Wed, 05 Mar 2025 10:00:00 +0000</pubDate>
<description>Officials said on Wednesday that the crossing would reopen next week after repairs.</description></item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>La Gaceta</title>
<entry><title>Alcaldes piden fondos</title><link href="https://lagaceta.example/n/1"/><updated>2025-03-04T08:00:00Z</updated>
<author><name>Luis Mora</name></author>
<content type="html">{content}</content></entry></feed>
"""


def test_rss_full_content_entries_and_summary_only_entries(tmp_path):
    content = "".join(f"<p>{p}</p>" for p in WIRE_BODY)
    path = tmp_path / "feed.rss"
    path.write_text(RSS.format(title=WIRE_TITLE, content=content), encoding="utf-8")
    articles, skips = read_all(path)
    assert not skips
    full, summary = articles
    assert (full.source, full.title, full.author, full.published, full.url) == (
        f"{path}#1", WIRE_TITLE, "Ana Ruiz", "2025-03-04", "https://www.valleytribune.example/a")
    assert full.text.split("\n\n") == WIRE_BODY and not full.partial
    assert summary.partial and summary.text.startswith("Officials said on Wednesday")
    assert full.outlet == "valleytribune.example"


def test_atom_feed(tmp_path):
    import html

    path = tmp_path / "feed.atom"
    path.write_text(ATOM.format(content=html.escape("".join(f"<p>{p}</p>" for p in SPANISH_BODY))), encoding="utf-8")
    [article], _ = read_all(path)
    assert article.title == "Alcaldes piden fondos" and article.author == "Luis Mora"
    assert article.lang == "es" and article.published == "2025-03-04"


def test_xml_that_is_not_a_feed_is_skipped(tmp_path):
    path = tmp_path / "config.xml"
    path.write_text("<?xml version='1.0'?><config><a>1</a></config>")
    articles, [skip] = read_all(path)
    assert not articles and "not an RSS or Atom feed" in skip.reason


# --- gzip, sidecar, inputs --------------------------------------------------------------

def test_gzipped_versions_of_every_format_are_read_transparently(tmp_path):
    content = "".join(f"<p>{p}</p>" for p in WIRE_BODY)
    plain = {
        "a.txt": wire_text().encode(),
        "b.html": wire_html().encode(),
        "c.jsonl": (json.dumps({"text": wire_text()}) + "\n").encode(),
        "d.json": json.dumps([{"text": wire_text()}]).encode(),
        "e.rss": RSS.format(title=WIRE_TITLE, content=content).encode(),
        "f.warc": make_warc([("https://n.example/x", wire_html())], gzip=False),
    }
    for name, data in plain.items():
        (tmp_path / f"{name}.gz").write_bytes(gzipped(data))
        plain_articles, _ = read_all(tmp_path / name) if (tmp_path / name).write_bytes(data) else ([], [])
        gz_articles, gz_skips = read_all(tmp_path / f"{name}.gz")
        assert not gz_skips, name
        assert [a.text for a in gz_articles] == [a.text for a in plain_articles], name
        assert gz_articles, name


def test_sidecar_metadata_applies_to_the_files_it_names(tmp_path):
    (tmp_path / "a.txt").write_text(wire_text(), encoding="utf-8")
    (tmp_path / "b.txt").write_text(wire_text("Another Title for the Story"), encoding="utf-8")
    write_jsonl(tmp_path / "meta.jsonl", [
        {"file": "a.txt", "url": "https://www.northwire.example/2025/a", "outlet": "North Wire", "published": "2025-02-28",
         "author": "Sam Hill", "synthetic": True},
    ])
    files, problems = expand_inputs([str(tmp_path)])
    assert not problems
    assert [f.path for f in files] == [f"{tmp_path}/a.txt", f"{tmp_path}/b.txt"]  # meta.jsonl is not an article
    [a], _ = read_all(files[0].path, files[0].sidecar)
    [b], _ = read_all(files[1].path, files[1].sidecar)
    assert (a.outlet, a.outlet_name, a.published, a.published_source, a.author, a.synthetic) == (
        "northwire.example", "North Wire", "2025-02-28", "sidecar", "Sam Hill", True)
    assert (b.outlet, b.published, b.synthetic) == (None, None, False)


def test_inputs_expand_directories_globs_and_report_missing_paths(tmp_path):
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    (sub / "x.txt").write_text(wire_text())
    (tmp_path / "y.html").write_text(wire_html())
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / ".hidden.txt").write_text("secret")
    files, problems = expand_inputs([str(tmp_path), str(tmp_path / "*.html"), str(tmp_path / "missing.txt"), str(tmp_path / "*.nothing")])
    assert [f.path for f in files] == [f"{tmp_path}/deep/er/x.txt", f"{tmp_path}/y.html"]
    assert [(p.source, p.reason) for p in problems] == [
        (str(tmp_path / "missing.txt"), "no such file or directory"),
        (str(tmp_path / "*.nothing"), "no file matches this pattern"),
    ]


def test_stdin_is_sniffed_for_its_format():
    data = (json.dumps({"text": wire_text()}) + "\n" + json.dumps({"html": wire_html()}) + "\n").encode()
    items = list(read_input(InputFile("-"), stdin=io.BytesIO(data)))
    assert [i.source for i in items] == ["<stdin>#1", "<stdin>#2"]
    assert [i.kind for i in items] == ["text", "html"]
    [html_doc] = list(read_input(InputFile("-"), stdin=io.BytesIO(wire_html().encode())))
    assert html_doc.kind == "html" and html_doc.source == "<stdin>"
    [skip] = list(read_input(InputFile("-"), stdin=io.BytesIO(b"")))
    assert isinstance(skip, Skip) and skip.reason == "empty file"


def test_dossierignore_leaves_out_the_files_it_names(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text(wire_text())
    (tmp_path / "gold.json").write_text("{}")
    (tmp_path / "sub" / "b.txt").write_text(wire_text())
    (tmp_path / "sub" / "draft-1.txt").write_text(wire_text())
    (tmp_path / ".dossierignore").write_text("# comment\ngold.json\nsub/draft-*\n")
    files, _ = expand_inputs([str(tmp_path)])
    assert [f.path for f in files] == [f"{tmp_path}/a.txt", f"{tmp_path}/sub/b.txt"]


def test_oversized_stdin_is_skipped_with_its_size():
    data = (json.dumps({"text": wire_text()}) + "\n").encode() * 200
    [skip] = list(read_input(InputFile("-"), max_bytes=1000, stdin=io.BytesIO(data)))
    assert skip.source == "<stdin>" and "over the size limit" in skip.reason
