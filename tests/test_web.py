"""The web pages and the HTTP API on the bundled synthetic sample, through FastAPI's TestClient."""

from __future__ import annotations

import json
import re
import shutil

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed (pip install 'dossier[web]')")
pytest.importorskip("httpx", reason="FastAPI's TestClient needs httpx")

from fastapi.testclient import TestClient  # noqa: E402

from conftest import SAMPLE  # noqa: E402
from dossier.build import build  # noqa: E402
from dossier.link.corpus import write_claims_and_flags  # noqa: E402
from dossier.report.document import build_document  # noqa: E402
from dossier.store.db import connect  # noqa: E402
from dossier.web.app import create_app  # noqa: E402

TOKEN = "test-token-1234"

# Our own article (synthetic), with a quotation the rules find.
OWN_TEXT = ("Harbor officials in Port Quillon approved a plan on Monday to dredge the north channel.\n\n"
            "\"We will finish the work before the storm season,\" said Mayor Tomasz Wiercioch, who chairs the port board.\n\n"
            "The plan costs 14 million dollars, according to the board.")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample built once; each test that writes gets its own copy."""
    folder = tmp_path_factory.mktemp("web")
    conn = connect(folder / "sample.db")
    build([str(SAMPLE)], conn)
    document = build_document(conn)
    conn.close()
    return folder / "sample.db", document


@pytest.fixture(scope="module")
def client(built):
    path, _ = built
    with TestClient(create_app(path)) as c:  # read-only
        yield c


@pytest.fixture
def writable(built, tmp_path):
    path = tmp_path / "copy.db"
    shutil.copy(built[0], path)
    with TestClient(create_app(path, token=TOKEN, max_body=200_000)) as c:
        yield c, path


def auth(extra: dict | None = None) -> dict:
    return {"Authorization": f"Bearer {TOKEN}", **(extra or {})}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- pages ---------------------------------------------------------------------------------

def test_home_lists_every_story_newest_first_with_its_counts(client, built):
    _, document = built
    html = client.get("/").text
    events = {e["id"]: e for e in document["events"]}
    positions = []
    for story in document["stories"]:
        assert f'href="/stories/{story["id"]}"' in html
        positions.append(html.index(f'/stories/{story["id"]}'))
        n_articles = sum(len(events[e]["articles"]) for e in story["events"])
        row = html[html.index(f'/stories/{story["id"]}'):].split("</tr>")[0]
        assert f'<td class="num">{n_articles}</td>' in row
    latest = {s["id"]: max(events[e]["date_range"]["latest"] for e in s["events"]) for s in document["stories"]}
    shown = sorted(document["stories"], key=lambda s: positions[document["stories"].index(s)])
    assert [latest[s["id"]] for s in shown] == sorted(latest.values(), reverse=True)
    assert 'name="q"' in html  # the search box


def test_story_page_has_timeline_coverage_statements_claims_and_flags(client, built):
    _, document = built
    story = max(document["stories"], key=lambda s: len(s["events"]))
    html = client.get(f"/stories/{story['id']}").text
    timeline = html[html.index('<table class="timeline">'):html.index("</table>", html.index('<table class="timeline">'))]
    assert timeline.count("<tr class=") == len(story["events"])
    for event_id in story["events"]:
        assert f'href="/events/{event_id}"' in timeline
    assert "<svg" in timeline and "<circle" in timeline
    events = {e["id"]: e for e in document["events"]}
    ranged = [events[e] for e in story["events"] if events[e]["date_range"]["earliest"] != events[e]["date_range"]["latest"]]
    for event in ranged:  # an uncertain range is shown as a range, not as one day
        assert f'{event["date_range"]["earliest"]} – {event["date_range"]["latest"]}' in timeline
    coverage = html[html.index('<table class="coverage">'):]
    coverage = coverage[:coverage.index("</table>")]
    members = {a for e in story["events"] for a in events[e]["articles"]}
    outlets = {s["outlet_name"] for a in document["articles"] if a["id"] in members for s in a["sources"]}
    for outlet in outlets:
        assert f'<th scope="row">{outlet}</th>' in coverage
    statements = [q for q in document["quotes"] if q["kind"] != "fragment" and any(o["article"] in members for o in q["occurrences"])]
    assert f"Statements <span class=\"muted\">({len(statements)})</span>" in html
    altered = [q for q in statements if any(o.get("changes") for o in q["occurrences"])]
    assert altered and html.count('title="some articles word it differently">altered</span>') == len(altered)
    from markupsafe import escape

    flags = [f for f in document["flags"] if any(e["article"] in members for e in f["evidence"])]
    assert flags and "No flags found." not in html  # the sample's planted errors are on its story page
    for flag in flags:
        assert str(escape(flag["message"])) in html
    claims = [c for c in document["claims"] if any(o["article"] in members for o in c["occurrences"])]
    assert claims and "No claims found." not in html


def test_event_page_groups_articles_under_the_original_they_copy(client, built):
    _, document = built
    copies = [c for c in document["copies"] if c["kind"] in ("syndicated", "rewrite") and c["article"] != c["of"]]
    event = next(e for e in document["events"] if any(c["article"] in e["articles"] and c["of"] in e["articles"] for c in copies))
    html = client.get(f"/events/{event['id']}").text
    tree = html[html.index('<ul class="tree">'):html.index("</section>", html.index('<ul class="tree">'))]
    for c in copies:
        if c["article"] in event["articles"] and c["of"] in event["articles"]:
            original, copy = tree.index(f'/articles/{c["of"]}"'), tree.index(f'/articles/{c["article"]}"')
            # the copy is listed after its original, inside the original's list item, with its kind
            assert original < copy
            assert f'rel-{c["kind"]}' in tree[original:copy + 300] or f'rel-{c["kind"]}' in tree[:copy]
    assert tree.count("rel-original") >= 1
    duplicated = {c["article"] for c in document["copies"] if c["kind"] == "duplicate" and c["article"] in event["articles"]}
    assert tree.count("the same text from") == len(duplicated)  # one article, several sources


def test_article_page_highlights_quotes_speakers_and_cues_and_shows_what_cleaning_removed(client, built):
    _, document = built
    article = next(a for a in document["articles"] if a["removed"] and any(
        o["article"] == a["id"] and o.get("speaker_start") is not None for q in document["quotes"] for o in q["occurrences"]))
    html = client.get(f"/articles/{article['id']}").text
    occurrences = [o for q in document["quotes"] for o in q["occurrences"] if o["article"] == article["id"]]
    for o in occurrences:
        assert f'id="occ-{o["start"]}"' in html
        if o.get("speaker_start") is not None:
            speaker = article["text"][o["speaker_start"]:o["speaker_end"]]
            assert re.search(r'<span class="[^"]*hl-speaker[^"]*" title="[^"]*">' + re.escape(speaker.split()[0]), html.replace("&#39;", "'"))
    quote = occurrences[0]
    quoted = article["text"][quote["start"]:quote["end"]]
    highlighted = "".join(re.findall(r'<span class="[^"]*hl-quote[^"]*"[^>]*>([^<]*)</span>', html))
    assert quoted.split()[0] in highlighted
    for removal in article["removed"]:
        assert removal["reason"] in html


def test_actor_page_lists_roles_with_dates_and_statements_over_time(client, built):
    _, document = built
    speakers = {q["speaker"] for q in document["quotes"] if q["speaker"]}
    actor = next(a for a in document["actors"] if a["id"] in speakers and a["roles"])
    html = client.get(f"/actors/{actor['id']}").text
    for role in actor["roles"]:
        assert role["title"] in html and (role["start"] or "?") in html
    said = [q for q in document["quotes"] if q["speaker"] == actor["id"]]
    assert f"Statements over time <span class=\"muted\">({len(said)})</span>" in html
    dates = re.findall(r'<td class="dates">([^<]+)</td>', html[html.index('id="statements"'):])
    assert dates == sorted(dates, key=lambda d: (d == "undated", d))


def test_a_loopback_server_answers_only_to_its_own_host_names(built):
    with TestClient(create_app(built[0], hosts=("127.0.0.1", "localhost", "[::1]")), base_url="http://localhost:8000") as local:
        assert local.get("/api/status").status_code == 200
        assert local.get("/api/status", headers={"Host": "127.0.0.1:8000"}).status_code == 200
        assert local.get("/api/status", headers={"Host": "[::1]:8000"}).status_code == 200
        rebound = local.get("/api/status", headers={"Host": "evil.example:8000"})
        assert rebound.status_code == 421 and "evil.example" in rebound.json()["error"]


def test_unknown_pages_are_404_pages_and_api_errors_are_json(client):
    page = client.get("/articles/nope")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"] and "no article" in page.text
    api = client.get("/api/articles/nope")
    assert api.status_code == 404 and api.json()["error"] == "no article with id 'nope'"
    assert client.get("/api/stories/nope").status_code == 404
    assert client.get("/actors/nobody:at-all").status_code == 404


def test_every_response_has_a_strict_content_security_policy(client, built):
    _, document = built
    for url in ("/", f"/articles/{document['articles'][0]['id']}", "/api/stories", "/flags", "/search?q=cartel", "/docs"):
        policy = client.get(url).headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_no_page_uses_inline_scripts_or_handlers_or_outside_assets(client, built):
    _, document = built
    story = document["stories"][0]["id"]
    for url in ("/", f"/stories/{story}", f"/events/{document['events'][0]['id']}",
                f"/articles/{document['articles'][0]['id']}", "/flags", "/search?q=mexico", "/docs"):
        html = client.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", html), url
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html.replace('href="https://', "")), url


# --- search ----------------------------------------------------------------------------------

def test_search_finds_articles_and_statements_with_highlighted_snippets(client, built):
    _, document = built
    html = client.get("/search", params={"q": "cartels"}).text
    assert "<mark>cartels</mark>" in html.lower() or "<mark>cartels" in html.lower()
    with_word = [a for a in document["articles"] if re.search(r"\bcartels\b", a["text"], re.I) or re.search(r"\bcartels\b", a["title"] or "", re.I)]
    api = client.get("/api/search", params={"q": "cartels", "limit": 500}).json()
    assert api["total"] == len(with_word)
    item = api["items"][0]
    start, end = item["highlights"][0]
    assert item["snippet"][start:end].lower() == "cartels"
    statements = client.get("/api/search", params={"q": "policemen", "in": "statements"}).json()
    assert statements["total"] >= 1 and all("policemen" in client.get(f"/api/quotes/{i['quote']}").json()["text"]
                                            for i in statements["items"])


def test_search_takes_any_typed_text_as_words(client):
    for query in ('"unbalanced', "NEAR(a b", "cartel*)", "AND OR NOT", "-", "' OR 1=1 --", "ñandú"):
        assert client.get("/search", params={"q": query}).status_code == 200
        response = client.get("/api/search", params={"q": query})
        assert response.status_code == 200, (query, response.text)


# --- the API ---------------------------------------------------------------------------------

def test_quotes_are_paginated_with_total_and_next(client, built):
    _, document = built
    seen, url = [], "/api/quotes?limit=7"
    while url:
        page = client.get(url).json()
        assert page["total"] == len(document["quotes"]) and 1 <= len(page["items"]) <= 7  # no empty last page
        seen += [q["id"] for q in page["items"]]
        url = page["next"]
        assert url is None or url.startswith("/api/quotes?")
    assert seen == [q["id"] for q in document["quotes"]]
    one = client.get(f"/api/quotes/{seen[0]}").json()
    expected = next(q for q in document["quotes"] if q["id"] == seen[0])
    assert one["occurrences"] == expected["occurrences"] and one["outlets"] == expected["outlets"]
    altered = [q for q in client.get("/api/quotes?limit=500").json()["items"] if q["altered"]]
    assert [q["id"] for q in altered] == [q["id"] for q in document["quotes"] if any(o.get("changes") for o in q["occurrences"])]
    assert altered  # the sample has reworded quotes


def test_api_article_is_the_export_article_with_its_evidence(client, built):
    _, document = built
    for article in document["articles"][:5]:
        got = client.get(f"/api/articles/{article['id']}").json()
        assert {k: got[k] for k in article} == article
        assert [o["start"] for o in got["quotations"]] == sorted(
            o["start"] for q in document["quotes"] for o in q["occurrences"] if o["article"] == article["id"])


def test_list_endpoints_agree_with_the_export(client, built):
    _, document = built
    assert client.get("/api/stories").json()["total"] == len(document["stories"])
    assert client.get("/api/events?limit=500").json()["items"] == document["events"]
    assert client.get("/api/articles").json()["total"] == len(document["articles"])
    assert client.get("/api/actors?limit=500").json()["items"] == document["actors"]
    assert client.get("/api/flags").json()["items"] == document["flags"]
    assert client.get("/api/claims").json()["items"] == document["claims"]
    story = document["stories"][0]
    assert [e["id"] for e in client.get(f"/api/events?story={story['id']}").json()["items"]] == story["events"]


@pytest.mark.parametrize("url", ["/api/quotes?limit=0", "/api/quotes?limit=501", "/api/quotes?limit=abc",
                                 "/api/articles?offset=-1", "/api/flags?severity=fatal", "/api/search", "/api/search?q=" + "x" * 600])
def test_bad_query_parameters_are_422_with_a_message(client, url):
    response = client.get(url)
    assert response.status_code == 422
    assert response.json()["error"] and response.json()["status"] == 422


def test_openapi_description_and_docs_page(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/stories", "/api/events", "/api/articles", "/api/articles/{article_id}", "/api/quotes",
                 "/api/actors", "/api/flags", "/api/search"):
        assert path in spec["paths"]
    assert "post" in spec["paths"]["/api/articles"]
    docs = client.get("/docs").text
    assert "<code>/api/quotes</code>" in docs and "/openapi.json" in docs


# --- writing -------------------------------------------------------------------------------

def test_read_only_server_refuses_writes_and_says_so(client):
    response = client.post("/api/articles", json={"text": OWN_TEXT})
    assert response.status_code == 403 and "read-only" in response.json()["error"]
    response = client.put("/api/articles", json={"text": OWN_TEXT})
    assert response.status_code == 405 and "read-only" in response.json()["error"]


def test_writes_need_the_token(writable):
    c, _ = writable
    assert c.post("/api/articles", json={"text": OWN_TEXT}).status_code == 401
    assert c.post("/api/articles", json={"text": OWN_TEXT}, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.post("/api/articles", json={"text": OWN_TEXT}, headers={"Authorization": TOKEN}).status_code == 401


@pytest.mark.parametrize("body, content_type, status, words", [
    (b'{"text": "unterminated', "application/json", 400, "not valid JSON"),
    (b'{"text": 42}', "application/json", 422, "must be a string"),
    (b'{"text": "Fine text here.", "title": ["a list"]}', "application/json", 422, "title: must be a string"),
    (b'[{"text": "ok"}, 17]', "application/json", 422, "articles[1]"),
    (b'{"url": "https://x.example/a"}', "application/json", 422, '"text" or "html"'),
    (b"[]", "application/json", 422, "no articles"),
    (b"", "application/json", 400, "empty"),
    (b'{"text": "a"}\nnot json\n', "application/x-ndjson", 400, "line 2"),
    (b"\x00\x01\x02\x03binary\x00\xff\xfe" * 50, "text/plain", 422, "cannot be read as text"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "application/octet-stream", 415, "not accepted"),
    (b"\xff\xfe{\x00}", "application/json", 400, "not UTF-8"),
    (b'{"text": "' + b"a" * 300_000 + b'"}', "application/json", 413, "bytes"),
    (b'{"text": "lone \\ud800 surrogate"}', "application/json", 422, "unpaired surrogate"),
    (b"[" * 50_000 + b"]" * 50_000, "application/json", 400, "nested too deeply"),
    (b'{"text": "ok"}', "", 415, "content type (none)"),
])
def test_bad_bodies_get_4xx_with_a_clear_message(writable, body, content_type, status, words):
    c, _ = writable
    response = c.post("/api/articles", content=body, headers=auth({"Content-Type": content_type}))
    assert response.status_code == status, response.text
    assert words in response.json()["error"]


def test_posted_articles_are_built_linked_and_searchable_and_posting_again_adds_nothing(writable):
    c, _ = writable
    before = c.get("/api/articles").json()["total"]
    records = [{"text": OWN_TEXT, "url": "https://portquillon.example/news/dredging", "outlet": "Port Quillon Gazette",
                "title": "Port board approves channel dredging", "published": "2025-10-06"},
               {"html": "<html><body><article><h1>Ferry fares rise</h1><p>" + "The ferry operator said fares would rise by a tenth next month. " * 3
                        + "</p></article></body></html>", "outlet": "Port Quillon Gazette", "published": "2025-10-07"}]
    body = "".join(json.dumps(r) + "\n" for r in records).encode()
    response = c.post("/api/articles", content=body, headers=auth({"Content-Type": "application/x-ndjson"}))
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["new_articles"] == 2 and len(result["articles"]) == 2 and not result["skipped"]
    assert c.get("/api/articles").json()["total"] == before + 2
    dredging = next(a for a in result["articles"] if a["title"] == "Port board approves channel dredging")
    article = c.get(f"/api/articles/{dredging['id']}").json()
    assert article["outlet_name"] == "Port Quillon Gazette" and article["published"] == "2025-10-06"
    quote = next(o for o in article["quotations"] if "storm season" in o["text"])
    assert article["text"][quote["start"]:quote["end"]] == quote["text"]
    assert "Wiercioch" in (quote["speaker_name"] or "")
    assert article["event"] is not None  # linked into an event
    found = c.get("/api/search", params={"q": "dredge"}).json()
    assert [i["article"] for i in found["items"]] == [dredging["id"]]
    html = c.get(f"/articles/{dredging['id']}").text
    assert "hl-quote" in html and "storm season" in html
    again = c.post("/api/articles", content=body, headers=auth({"Content-Type": "application/x-ndjson"}))
    assert again.status_code == 200 and again.json()["new_articles"] == 0
    assert c.get("/api/articles").json()["total"] == before + 2


def test_plain_text_post_takes_metadata_from_the_query(writable):
    c, _ = writable
    response = c.post("/api/articles", params={"outlet": "Quillon Radio", "published": "2025-10-08", "title": "Channel work"},
                      content=OWN_TEXT.replace("Monday", "Tuesday").encode(), headers=auth({"Content-Type": "text/plain; charset=utf-8"}))
    assert response.status_code == 201, response.text
    article = c.get(f"/api/articles/{response.json()['articles'][0]['id']}").json()
    assert (article["outlet_name"], article["published"], article["title"]) == ("Quillon Radio", "2025-10-08", "Channel work")


def test_hostile_text_is_escaped_and_hostile_urls_are_not_links(writable):
    c, _ = writable
    record = {"text": "Officials said <script>window.__xss=1</script> and <img src=x onerror=\"window.__xss=2\"> were found.\n\n"
                      "\"Nothing ran,\" said the inspector.",
              "title": "<script>alert(1)</script> headline", "outlet": "<b onmouseover=alert(1)>Evil</b> Times",
              "url": "javascript:alert(1)", "published": "2025-10-09"}
    response = c.post("/api/articles", json=record, headers=auth())
    assert response.status_code == 201, response.text
    article_id = response.json()["articles"][0]["id"]
    html = c.get(f"/articles/{article_id}").text
    assert "<script>window" not in html and "<img src=x" not in html and "<b onmouseover" not in html
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html and "&lt;img src=x onerror=" in html
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html  # shown, not linked
    home = c.get("/").text
    assert "<script>alert" not in home


# --- claims and flags, when linking gives them --------------------------------------------------

def test_claims_and_flags_show_with_their_evidence_and_filters(writable, built):
    c, path = writable
    _, document = built
    article = next(a for a in document["articles"] if "Sheinbaum" in a["text"])
    start = article["text"].index("Sheinbaum")
    number = re.search(r"\d[\d,.]*", article["text"])
    claims = [{"id": "c1", "text": number.group(0), "value": 1.0, "unit": None,
               "occurrences": [{"article": article["id"], "start": number.start(), "end": number.end()}]}]
    flags = [{"id": "f1", "kind": "role-date", "severity": "warning", "message": "title did not hold on the article's date",
              "evidence": [{"article": article["id"], "start": start, "end": start + len("Sheinbaum")}]},
             {"id": "f2", "kind": "misattribution", "severity": "error", "message": "one quote, two speakers",
              "evidence": [{"article": article["id"], "start": 0, "end": 10}]}]
    conn = connect(path)
    write_claims_and_flags(conn, claims, flags)
    conn.close()
    page = c.get(f"/articles/{article['id']}").text
    assert 'id="ev-' + str(start) + '"' in page and "hl-flag" in page and "hl-claim" in page
    assert "title did not hold" in page and "No flags found." not in page
    everything = c.get("/flags").text
    assert "one quote, two speakers" in everything and "title did not hold" in everything
    assert everything.index("one quote, two speakers") < everything.index("title did not hold")  # errors first
    warnings = c.get("/flags", params={"severity": "warning"}).text
    assert "title did not hold" in warnings and "one quote, two speakers" not in warnings
    by_kind = c.get("/flags", params={"kind": "misattribution"}).text
    assert "one quote, two speakers" in by_kind and "title did not hold" not in by_kind
    assert "<mark>Sheinbaum</mark>" in warnings
    assert c.get("/api/flags", params={"severity": "error"}).json()["items"] == [flags[1]]
    story = c.get("/api/stories").json()["items"]
    assert sum(s["counts"]["flags"] for s in story) >= 1
    story_id = next(s["id"] for s in story if s["counts"]["flags"])
    story_page = c.get(f"/stories/{story_id}").text
    assert "one quote, two speakers" in story_page and "Claims <span class=\"muted\">(1)</span>" in story_page


# --- the command ---------------------------------------------------------------------------

def test_serve_command_refuses_a_missing_store_and_documents_the_token(tmp_path):
    from click.testing import CliRunner

    from dossier.cli import main

    runner = CliRunner()
    missing = runner.invoke(main, ["serve", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "no database at" in missing.output
    assert not (tmp_path / "none.db").exists()
    helped = runner.invoke(main, ["serve", "--help"])
    assert helped.exit_code == 0 and "DOSSIER_TOKEN" in helped.output and "127.0.0.1" in helped.output


def test_a_post_that_does_not_finish_in_time_answers_202_and_its_job_tells_the_result_later(writable):
    import time

    c, _ = writable
    text = OWN_TEXT.replace("Port Quillon", "Port Amsel").replace("dredge", "widen")
    response = c.post("/api/articles", params={"wait": 0}, json={"text": text, "outlet": "Amsel Post"}, headers=auth())
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] in ("queued", "running") and response.headers["location"] == job["status_url"]
    deadline = time.time() + 120
    while True:
        answer = c.get(job["status_url"])
        if answer.status_code != 200 or answer.json().get("status") not in ("queued", "running"):
            break
        assert time.time() < deadline, "the build did not finish in 120 s"
        time.sleep(0.2)
    assert answer.status_code == 201 and answer.json()["new_articles"] == 1 and answer.json()["job"] == job["job"]
    article_id = answer.json()["articles"][0]["id"]
    assert c.get(f"/api/articles/{article_id}").json()["outlet_name"] == "Amsel Post"
    assert c.get("/api/jobs/0000000000000000").status_code == 404


# --- the pieces behind the pages ------------------------------------------------------------

def test_evidence_spans_split_text_into_segments_that_keep_every_overlap():
    from dossier.web.highlight import Span, segment

    text = "The mayor said the plan costs 14 million.\n\nIt starts in May, she added, after the vote."
    quote = Span(15, 41, "quote", "statement", "occ-15")
    claim = Span(30, 40, "claim", "claim: 14 million", "ev-30")
    across = Span(35, 60, "flag", "warning: spans two paragraphs", "ev-35")
    outside = Span(80, 500, "cue", "clipped to the text")
    paragraphs = segment(text, [quote, claim, across, outside])
    assert len(paragraphs) == 2
    first = paragraphs[0]
    assert "".join(s.text for s in first) == text[:41]
    assert [(s.text, s.classes) for s in first] == [
        ("The mayor said ", ""), ("the plan costs ", "hl-quote"), ("14 mi", "hl-claim hl-quote"),
        ("llion", "hl-claim hl-flag hl-quote"), (".", "hl-flag hl-quote")]
    assert first[1].anchors == ["occ-15"] and first[2].anchors == ["ev-30"] and first[3].anchors == ["ev-35"]
    second = paragraphs[1]
    assert "".join(s.text for s in second) == text[43:]
    assert second[0].classes == "hl-flag" and second[0].anchors == []  # the anchor is given once
    assert second[-1].classes == "hl-cue" and second[-1].text == text[80:]


def test_timeline_places_days_as_dots_ranges_as_bars_and_leaves_undated_events_unplaced():
    from dossier.web.views import timeline

    events = [
        {"id": "a", "date": "2025-03-01", "date_range": {"earliest": "2025-03-01", "latest": "2025-03-01"}},
        {"id": "b", "date": "2025-03-05", "date_range": {"earliest": "2025-03-04", "latest": "2025-03-11"}},
        {"id": "c", "date": None, "date_range": None},
    ]
    t = timeline(events, width=320)
    a, b, c = t["rows"]
    assert (t["low"], t["high"]) == ("2025-03-01", "2025-03-11")
    assert not a["range"] and a["dot"] == 8.0
    assert b["range"] and b["x0"] < b["dot"] < b["x0"] + b["w"] and b["x0"] + b["w"] == 312.0
    assert not c["dated"] and "dot" not in c


def test_dossier_serve_runs_on_loopback_and_stops_cleanly(built):
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "DOSSIER_TOKEN"}
    server = subprocess.Popen([sys.executable, "-m", "dossier", "serve", "--db", str(built[0]), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.time() + 60
        while True:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/api/status", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.time() < deadline, "the server did not start"
                time.sleep(0.2)
        assert status.status_code == 200 and status.json()["read_only"] is True
        assert httpx.get(f"http://localhost:{port}/", timeout=5).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": "rebind.example"}, timeout=5).status_code == 421
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=30)[0].decode()
    assert f"Serving {built[0]} on http://127.0.0.1:{port}/" in output and "read-only" in output


def test_a_post_while_a_build_writes_the_store_is_503_with_retry_after(writable, monkeypatch):
    from dossier.web import ingest
    from test_store_lock import _holder

    c, path = writable
    monkeypatch.setattr(ingest, "BUSY_WAIT", 0.3)
    holder = _holder(path, 30)
    try:
        response = c.post("/api/articles", content=OWN_TEXT.encode(), headers=auth({"Content-Type": "text/plain"}))
    finally:
        holder.kill()
        holder.wait()
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "60"
    assert response.json()["error"].startswith(f"the store is busy: {path} is being written by a test's holder")
    again = c.post("/api/articles", content=OWN_TEXT.encode(), headers=auth({"Content-Type": "text/plain"}))
    assert again.status_code == 201, again.text  # the server goes on once the store is free


def test_claims_are_read_a_page_at_a_time_in_the_export_s_order(client, built):
    """The server keeps no claims: pages of the claims (in the export's order, read once per store
    version) and each article's claims (by its claim scopes) are read from the store when asked,
    and agree with the export."""
    _, document = built
    paged, url = [], "/api/claims?limit=3"
    while url:
        page = client.get(url).json()
        assert page["total"] == len(document["claims"]) and len(page["items"]) <= 3
        paged += page["items"]
        url = page["next"]
    assert paged == document["claims"] and len(paged) > 3
    assert client.get(f"/api/claims?offset={len(paged) + 5}").json()["items"] == []
    counted = 0
    for article in document["articles"]:
        mine = [c for c in document["claims"] if any(o["article"] == article["id"] for o in c["occurrences"])]
        assert client.get(f"/api/articles/{article['id']}").json()["claims"] == mine
        counted += bool(mine)
    assert counted > 3


def test_events_are_answered_whole_though_the_index_keeps_them_light(client, built):
    """The server's index keeps events without each member's why and date reason; the API reads
    them from the store for the events it answers with, as the export has them."""
    _, document = built
    assert any(e["why"] for e in document["events"]) and any(e.get("date_reasons") for e in document["events"])
    for event in document["events"]:
        got = client.get(f"/api/events/{event['id']}").json()
        assert {k: got[k] for k in event} == event
    events = {e["id"]: e for e in document["events"]}
    for story in document["stories"]:
        answer = client.get(f"/api/stories/{story['id']}")
        assert answer.json()["events"] == [events[e] for e in story["events"]]
        # (encoded a chunk of events at a time: the same compact JSON as the other answers)
        assert answer.content == json.dumps(answer.json(), ensure_ascii=False, separators=(",", ":")).encode()
        assert answer.headers["content-type"] == "application/json"
    paged = client.get("/api/events?limit=2&offset=1").json()["items"]
    assert paged == document["events"][1:3]
    assert client.get("/api/events/nope").status_code == 404


def test_copy_relations_are_answered_whole_though_the_index_keeps_them_light(client, built):
    """The index keeps copy relations without their passages and changes; an article's and an
    event's relations are read whole from the store, in the export's order."""
    _, document = built
    copies = [c for c in document["copies"] if c["article"] != c["of"]]
    assert any(c["changes"] for c in copies)
    for article in document["articles"]:
        got = client.get(f"/api/articles/{article['id']}").json()
        assert got["copy_of"] == [c for c in copies if c["article"] == article["id"]]
        assert got["copied_by"] == [c for c in copies if c["of"] == article["id"]]
    for event in document["events"]:
        assert client.get(f"/api/events/{event['id']}").json()["copies"] == [
            c for a in event["articles"] for c in copies if c["article"] == a]
    event = next(e for e in document["events"] if any(c["changes"] and c["article"] in e["articles"]
                                                      and c["of"] in e["articles"] for c in copies))
    assert "change(s)</summary>" in client.get(f"/events/{event['id']}").text  # the tree shows a relation's changes


# --- a large store's index rebuilt beside the served one --------------------------------------

def _own_article_file(folder):
    path = folder / "harbor.jsonl"
    path.write_text(json.dumps({"text": OWN_TEXT, "url": "https://portquillon.example/news/dredging",
                                "outlet": "Port Quillon Gazette", "title": "Port board approves channel dredging",
                                "published": "2025-10-06"}) + "\n", encoding="utf-8")
    return path


def _newer_index(reader, than, seconds=60.0):
    """The reader's index once it is no longer `than` (a rebuild in its thread), or fail."""
    import time

    deadline = time.monotonic() + seconds
    while (index := reader.index()) is than:
        assert time.monotonic() < deadline, "the index was not rebuilt"
        time.sleep(0.05)
    return index


def test_a_large_store_s_index_is_rebuilt_in_a_thread_while_the_old_one_answers(built, tmp_path):
    from dossier.web.data import Reader

    path = tmp_path / "copy.db"
    shutil.copy(built[0], path)
    reader = Reader(path, background_after=0.0)  # every index counts as large
    old = reader.index()
    before = old.counts["articles"]
    conn = connect(path)  # a `dossier build` beside the server
    build([str(_own_article_file(tmp_path))], conn)
    conn.close()
    with reader._building:  # the rebuild waits: the old index answers meanwhile, at once
        assert reader.index() is old and old.counts["articles"] == before
        assert reader.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == before + 1  # the pages' reads
    new = _newer_index(reader, old)
    assert new.counts["articles"] == before + 1
    added = [a for a in new.articles if a not in old.articles]
    assert len(added) == 1
    assert reader.article(added[0])["title"] == "Port board approves channel dredging"
    assert reader.index() is new  # nothing changed since: no more rebuilds


def test_a_server_holds_no_snapshot_that_would_keep_the_write_ahead_log_from_restarting(built, tmp_path):
    """A reader in an old read transaction stops SQLite from restarting its log: beside a build, the
    log would grow by everything the build writes. Between requests the server holds none."""
    from dossier.web.data import Reader

    path = tmp_path / "copy.db"
    shutil.copy(built[0], path)
    reader = Reader(path, background_after=0.0)
    old = reader.index()
    reader.article(next(iter(old.articles)))
    writer = connect(path)
    build([str(_own_article_file(tmp_path))], writer)  # commits while the server serves the old index
    assert reader.index() is old or reader._building.locked() or reader._pending is not None
    _newer_index(reader, old)
    reader.article(next(iter(old.articles)))
    writer.execute("UPDATE articles SET lang = lang WHERE rowid = (SELECT MIN(rowid) FROM articles)")  # a later commit
    assert not reader.conn.in_transaction
    busy, _, _ = writer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0  # the whole log was checkpointed and restarted
    writer.close()


def test_a_failed_rebuild_keeps_serving_the_old_index_and_is_not_retried_for_the_same_version(built, tmp_path,
                                                                                              monkeypatch, caplog):
    from dossier.web import data

    path = tmp_path / "copy.db"
    shutil.copy(built[0], path)
    reader = data.Reader(path, background_after=0.0)
    old = reader.index()
    calls = []

    def broken(conn):
        calls.append(1)
        raise RuntimeError("disk went away")

    monkeypatch.setattr(data, "build_index", broken)
    conn = connect(path)
    build([str(_own_article_file(tmp_path))], conn)
    conn.close()
    import time

    assert reader.index() is old
    deadline = time.monotonic() + 30
    while reader._failed_at is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for _ in range(3):
        assert reader.index() is old
    time.sleep(0.2)
    assert len(calls) == 1 and "rebuilding the index" in caplog.text
    assert reader.article(next(iter(old.articles)))  # the old version's pages still read


def test_a_post_s_article_has_its_page_at_once_and_joins_the_lists_when_the_index_is_rebuilt(built, tmp_path):
    import time

    path = tmp_path / "copy.db"
    shutil.copy(built[0], path)
    app = create_app(path, token=TOKEN, max_body=200_000)
    reader = app.state.reader
    reader.background_after = 0.0  # as on a large store: a request never rebuilds the index itself
    with TestClient(app) as c:
        before = c.get("/api/status").json()["counts"]["articles"]
        response = c.post("/api/articles", json={"text": OWN_TEXT, "title": "Port board approves channel dredging",
                                                 "published": "2025-10-06"}, headers=auth())
        assert response.status_code == 201, response.text  # done when stored and linked, not when indexed
        new_id = response.json()["articles"][0]["id"]
        assert c.get(f"/api/articles/{new_id}").json()["title"] == "Port board approves channel dredging"
        deadline = time.monotonic() + 60
        while c.get("/api/status").json()["counts"]["articles"] == before:  # the old index, until rebuilt
            assert time.monotonic() < deadline, "the index was never rebuilt"
            time.sleep(0.05)
        assert c.get("/api/status").json()["counts"]["articles"] == before + 1
        assert new_id in [a["id"] for a in c.get("/api/articles", params={"limit": 500}).json()["items"]]


def test_the_server_s_own_write_is_indexed_once_when_it_is_done_not_between_its_commits(built, tmp_path, monkeypatch):
    from dossier.web import data

    path = tmp_path / "copy.db"
    shutil.copy(built[0], path)
    reader = data.Reader(path, background_after=0.0)
    old = reader.index()
    builds = []
    real = data.build_index
    monkeypatch.setattr(data, "build_index", lambda conn: builds.append(1) or real(conn))
    with reader.writing():  # as an ingest job: a build of several commits
        conn = connect(path)
        build([str(_own_article_file(tmp_path))], conn)
        conn.close()
        for _ in range(3):  # requests meanwhile: the old version, and no rebuild started
            assert reader.index() is old
        assert not builds and not reader._building.locked()
    new = _newer_index(reader, old)  # the first request after it starts the rebuild
    assert new.counts["articles"] == old.counts["articles"] + 1 and len(builds) == 1


def test_other_pages_answer_while_a_search_rebuilds_the_search_index(built, tmp_path, monkeypatch):
    import threading

    from dossier.web import search

    path = tmp_path / "copy.db"
    shutil.copy(built[0], path)
    started, release = threading.Event(), threading.Event()
    real = search.ensure_index

    def slow(conn):  # a rebuild as long as the test wants
        started.set()
        assert release.wait(30)
        return real(conn)

    monkeypatch.setattr(search, "ensure_index", slow)
    with TestClient(create_app(path)) as c:
        answers = {}
        searching = threading.Thread(target=lambda: answers.update(search=c.get("/api/search", params={"q": "Sheinbaum"})))
        searching.start()
        assert started.wait(30)
        status = c.get("/api/status")  # answered while the rebuild runs
        assert status.status_code == 200 and searching.is_alive()
        release.set()
        searching.join(30)
        assert answers["search"].status_code == 200 and answers["search"].json()["total"] > 0


def test_a_widely_carried_statement_shows_the_same_though_only_its_shown_occurrences_are_read(built, monkeypatch):
    """Story and event pages read, of a statement carried by more than SHOWN_OVER articles, only the
    occurrences its row shows (altered ones, the first article's) and its outlets by SQL: the same page."""
    from dossier.web import data

    path, document = built
    story = max(document["stories"], key=lambda s: len(s["events"]))
    event = next(e for e in document["events"] if len(e["articles"]) > 1)
    pages = [f"/stories/{story['id']}", f"/events/{event['id']}"]
    with TestClient(create_app(path)) as c:
        whole = [c.get(p).text for p in pages]
    monkeypatch.setattr(data, "SHOWN_OVER", 0)  # every statement counts as widely carried
    with TestClient(create_app(path)) as c:
        assert [c.get(p).text for p in pages] == whole
    assert "altered" in whole[0] or "altered" in whole[1]  # the pages show what the shortcut must keep


def test_a_statement_altered_in_many_articles_lists_the_first_and_counts_the_rest(built, monkeypatch):
    from dossier.web import data

    path, document = built
    altered = [q for q in document["quotes"] if q["kind"] != "fragment" and any(o.get("changes") for o in q["occurrences"])]
    assert altered, "the sample has a statement some article words differently"
    quote = altered[0]
    event = next(e for e in document["events"] if quote["occurrences"][0]["article"] in e["articles"])
    count = sum(1 for o in quote["occurrences"] if o.get("changes"))
    monkeypatch.setattr(data, "SHOWN_OVER", 0)
    monkeypatch.setattr(data, "ALTERED_SHOWN", 0)  # none listed: all counted
    with TestClient(create_app(path)) as c:
        row = c.get(f"/events/{event['id']}").text.split(f'id="q-{quote["id"]}"')[1].split("</tr>")[0]
    assert f"altered in {count} article(s)" in row and f"and {count} more" in row


def test_the_search_index_is_built_in_batches_that_let_a_build_write_between_them(built, tmp_path):
    """Rebuilt a batch of rows per transaction: the same index as at once; a build's commit between two
    batches goes through (it waited for one batch, not the rebuild) and makes the next search rebuild."""
    import sqlite3

    from dossier.web import search

    whole, batched = tmp_path / "whole.db", tmp_path / "batched.db"
    for path in (whole, batched):
        shutil.copy(built[0], path)
    queries = ["cartels", "Sheinbaum", "military", "policemen", "sovereignty"]

    def results(path, rows):
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("INSERT INTO builds (started_at, inputs) VALUES ('2026-12-05T09:00:00Z', '[]')")  # changed
        assert search.ensure_index(conn, rows=rows) and not search.ensure_index(conn, rows=rows)  # then current
        found = [(search.search_articles(conn, q, 500, 0), search.search_quotes(conn, q, 500, 0)) for q in queries]
        conn.close()
        return found

    at_once = results(whole, 1_000_000)
    assert results(batched, 1) == at_once and any(articles[0] for articles, _ in at_once)

    writes, batches = [], []

    class BuildBetweenBatches(sqlite3.Connection):
        def execute(self, sql, *args):
            if sql.startswith("SELECT MAX(rid)"):  # between two batches of articles (after the first)
                batches.append(1)
                if len(batches) == 2:
                    other = sqlite3.connect(batched, isolation_level=None, timeout=0.5)  # a build's short wait
                    other.execute("INSERT INTO builds (started_at, inputs) VALUES ('2026-12-05T10:00:00Z', '[]')")
                    other.close()
                    writes.append(1)
            return super().execute(sql, *args)

    conn = sqlite3.connect(batched, isolation_level=None, factory=BuildBetweenBatches)
    conn.execute("INSERT INTO builds (started_at, inputs) VALUES ('2026-12-05T09:30:00Z', '[]')")  # the store changed
    assert search.ensure_index(conn, rows=1) and writes  # the build wrote during the rebuild
    assert search.ensure_index(conn, rows=1)  # what it wrote made the index not current: rebuilt again
    assert not search.ensure_index(conn, rows=1)
    conn.close()
