"""The web pages in a real browser: Debian's headless Chromium driven by Selenium.

Skips with the reason when Chromium, ChromeDriver or Selenium is missing (`.ci/run`
installs them). Selenium is given /usr/bin/chromedriver, so Selenium Manager never
downloads anything.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed (pip install 'dossier[web]')")
uvicorn = pytest.importorskip("uvicorn", reason="uvicorn is not installed (pip install 'dossier[web]')")
pytest.importorskip("selenium", reason="selenium is not installed (pip install 'dossier[test]')")
import httpx  # noqa: E402

from conftest import SAMPLE  # noqa: E402
from dossier.build import build  # noqa: E402
from dossier.store.db import connect  # noqa: E402
from dossier.web.app import create_app  # noqa: E402

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists() or not CHROMEDRIVER.exists(),
                       reason="needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)"),
]
TOKEN = "browser-test-token"
HOSTILE = {
    "text": "Inspectors said the payload <script>window.__xss = 1; document.title = 'owned';</script> was inert.\n\n"
            "A second one, <img src=x onerror=\"window.__xss = 2\">, was printed as text too.\n\n"
            "\"Nothing ran on the page,\" said inspector Maren Olufsen.",
    "title": "Payload test <img src=x onerror=\"window.__xss = 3\">",
    "outlet": "<script>window.__xss = 4</script> Gazette",
    "url": "javascript:window.__xss = 5",
    "published": "2025-10-09",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    conn = connect(folder / "sample.db")
    build([str(SAMPLE)], conn)
    conn.close()
    port = _free_port()
    config = uvicorn.Config(create_app(folder / "sample.db", token=TOKEN), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        if instance.started:
            break
        time.sleep(0.05)
    yield base
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1600", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_story_page_timeline_and_coverage_render_and_lead_to_a_highlighted_quote(server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    stories = httpx.get(f"{server}/api/stories").json()["items"]
    story = max(stories, key=lambda s: s["counts"]["events"])
    browser.get(f"{server}/stories/{story['id']}")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.timeline tbody tr")
    assert len(rows) == story["counts"]["events"]
    dots = browser.find_elements(By.CSS_SELECTOR, "table.timeline svg circle.dot")
    assert dots and all(d.is_displayed() for d in dots)
    xs = [float(d.get_attribute("cx")) for d in dots]
    width = float(browser.find_element(By.CSS_SELECTOR, "table.timeline svg").get_attribute("width"))
    assert all(0 <= x <= width for x in xs) and min(xs) < max(xs)  # spread along the axis by date
    first, last = xs[0], xs[-1]  # rows run from the earliest event to the latest
    assert first < last
    outlets = browser.find_elements(By.CSS_SELECTOR, "table.coverage tbody th[scope=row]")
    assert len(outlets) == story["counts"]["outlets"]
    assert browser.find_element(By.CSS_SELECTOR, "table.coverage").is_displayed()
    browser.save_screenshot(str(tmp_path / "story.png"))
    # the first event of the timeline, then its original article
    browser.find_element(By.CSS_SELECTOR, "table.timeline a.event-link").click()
    assert "/events/" in browser.current_url
    browser.find_element(By.CSS_SELECTOR, "ul.tree li.original > a").click()
    assert "/articles/" in browser.current_url
    quotes = browser.find_elements(By.CSS_SELECTOR, "#text .hl-quote")
    assert quotes and quotes[0].is_displayed() and quotes[0].text.strip()
    background = quotes[0].value_of_css_property("background-color")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # the stylesheet loaded and highlights it
    article_id = browser.current_url.rsplit("/", 1)[-1]
    occurrences = httpx.get(f"{server}/api/articles/{article_id}").json()["quotations"]
    shown = " ".join(q.text for q in quotes)
    assert any(o["text"].split()[0] in shown for o in occurrences)
    # the little script works: turning the quote layer off removes the highlight
    browser.find_element(By.CSS_SELECTOR, "#layers input[data-layer=quote]").click()
    assert "hide-quote" in browser.find_element(By.TAG_NAME, "body").get_attribute("class")
    assert quotes[0].value_of_css_property("background-color") in ("rgba(0, 0, 0, 0)", "transparent")
    browser.save_screenshot(str(tmp_path / "article.png"))
    assert (tmp_path / "story.png").stat().st_size > 10_000 and (tmp_path / "article.png").stat().st_size > 10_000


def test_script_payloads_in_an_ingested_article_do_not_run_and_show_as_text(server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    response = httpx.post(f"{server}/api/articles", json=HOSTILE, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert response.status_code == 201, response.text
    article_id = response.json()["articles"][0]["id"]
    for url in (f"{server}/articles/{article_id}", f"{server}/", f"{server}/search?q=payload"):
        browser.get(url)
        assert browser.execute_script("return window.__xss === undefined")
        assert browser.title != "owned"
        assert not browser.find_elements(By.CSS_SELECTOR, "main img, main script")
    browser.get(f"{server}/articles/{article_id}")
    text = browser.find_element(By.ID, "text").text
    assert "<script>window.__xss = 1; document.title = 'owned';</script>" in text
    assert '<img src=x onerror="window.__xss = 2">' in text
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert heading == 'Payload test <img src=x onerror="window.__xss = 3">'
    assert "<script>window.__xss = 4</script> Gazette" in browser.find_element(By.TAG_NAME, "main").text
    assert not browser.find_elements(By.CSS_SELECTOR, "a[href^='javascript:']")
    browser.save_screenshot(str(tmp_path / "hostile.png"))
    assert (tmp_path / "hostile.png").stat().st_size > 10_000
