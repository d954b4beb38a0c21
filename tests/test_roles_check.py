"""Role-date conflicts: titles that did not hold on the article's date."""

from __future__ import annotations

import json
from datetime import date

import pytest

from conftest import SAMPLE, SHARED, needs_shared
from dossier.analyze.record import analyze_text
from dossier.check import roles
from dossier.kb import load_kb

GOLD = json.loads((SAMPLE / "gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def kb():
    return load_kb()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from dossier.build import build
    from dossier.report.document import build_document
    from dossier.store.analysis import iter_records
    from dossier.store.db import connect

    conn = connect(tmp_path_factory.mktemp("sample") / "sample.db")
    build([str(SAMPLE)], conn)
    return build_document(conn), dict(iter_records(conn))


def check(text: str, kb, published: str | None, published_range: dict | None = None) -> list[dict]:
    on = date.fromisoformat(published) if published and len(published) == 10 else None
    record = analyze_text(text, on=on, latest=None, lang="en", kb=kb)
    article = {"id": "a1", "text": text, "published": published, "published_range": published_range}
    return roles.detect({"articles": [article]}, {"a1": record}, kb)


def test_every_planted_role_date_conflict_is_found_and_nothing_else_above_info(sample, kb):
    document, records = sample
    flags = roles.detect(document, records, kb)
    texts = {a["id"]: a for a in document["articles"]}
    raised = set()
    for flag in flags:
        assert flag["kind"] == "role-date conflict"
        (ev,) = flag["evidence"]
        article = texts[ev["article"]]
        source = article["sources"][0]["source"][len(str(SAMPLE)) + 1:]
        raised.add((source, article["text"][ev["start"]:ev["end"]], flag["severity"]))
    planted = [f for f in GOLD["flags"] if f["kind"] == "role-date conflict"]
    assert len(planted) == 3
    for gold in planted:
        hits = [r for r in raised if r[0] == gold["source"] and gold["evidence"] in r[1]]
        assert hits and all(severity == "error" for _, _, severity in hits), gold["source"]
    above_info = [r for r in raised if r[2] != "info"]
    assert len(above_info) == len(planted)


def test_messages_name_the_person_the_title_and_the_dates(sample, kb):
    document, records = sample
    messages = [f["message"] for f in roles.detect(document, records, kb)]
    assert any("Claudia Sheinbaum" in m and "“Mexican President”" in m and "2024-10-01" in m
               and "2024-03-16" in m and "Andrés Manuel López Obrador" in m for m in messages)
    assert any("Donald Trump" in m and "“former President”" in m and "still in office" in m for m in messages)


def test_former_while_in_office_is_an_error(kb):
    text = "Former President Joe Biden said on Monday that the bill would pass."
    (flag,) = check(text, kb, "2023-05-02")
    assert flag["severity"] == "error" and flag["problem"] == "still"
    assert text[flag["evidence"][0]["start"]:flag["evidence"][0]["end"]] == "Former President Joe Biden"
    assert check(text, kb, "2025-05-02") == []  # after his term: right


def test_a_title_before_the_term_is_an_error_and_after_it_only_info(kb):
    before = check("La presidenta Claudia Sheinbaum dijo que no habrá intervención.", kb, "2023-06-01")
    assert [f["severity"] for f in before] == ["error"] and before[0]["problem"] == "not yet"
    after = check("President Barack Obama praised the ruling.", kb, "2019-06-01")
    assert [f["severity"] for f in after] == ["info"] and "“former” would be right" in after[0]["message"]


def test_a_title_meant_at_the_time_spoken_of_raises_nothing(kb):
    assert check("The program grew under President Barack Obama, officials said.", kb, "2019-06-01") == []
    assert check("President Obama's health law was debated again.", kb, "2019-06-01") == []
    # the sentence dates the remarks inside the term
    assert check("In 2019, President Donald Trump said he would designate the cartels.", kb, "2023-03-01") == []


def test_only_a_range_gives_info_and_the_titles_own_bounds_do_not_count(kb):
    text = "Former President Andrés Manuel López Obrador said the army would stay in the streets."
    rng = {"earliest": "2022-01-01", "latest": "2022-12-31", "reasons": [
        {"bound": "earliest", "date": "2022-01-01", "kind": "metadata", "reason": "", "start": None, "end": None},
        {"bound": "latest", "date": "2022-12-31", "kind": "metadata", "reason": "", "start": None, "end": None},
        {"bound": "earliest", "date": "2024-10-01", "kind": "former title", "reason": "", "start": 0, "end": 44}]}
    (flag,) = check(text, kb, "2022", rng)
    assert flag["severity"] == "info" and flag["article_date"]["certain"] is False
    unbounded = {"earliest": None, "latest": None, "reasons": []}
    assert check(text, kb, None, unbounded) == []  # no date, no range: nothing to compare with


@needs_shared
def test_real_coverage_raises_no_warning_or_error(kb):
    """Real articles with their true dates (no planted errors): nothing above info."""
    folder = SHARED / "data" / "polnear" / "dev" / "text"
    rows = [line.split("\t") for line in (SHARED / "data" / "polnear" / "metadata.tsv").read_text().splitlines()[1:]]
    articles = {row[1]: row[5] for row in rows if row[0] == "dev" and (folder / f"{row[1]}.txt").exists()}
    real = SHARED / "data" / "real-corpus" / "articles"
    for line in (real / "meta.jsonl").read_text().splitlines():
        meta = json.loads(line)
        if meta["published"] and len(meta["published"]) == 10:
            articles[str(real / meta["file"])] = meta["published"]
    assert len(articles) >= 120
    for name, published in articles.items():
        path = folder / f"{name}.txt" if not name.startswith("/") else name
        flags = check(open(path, encoding="utf-8").read(), kb, published)
        assert [f for f in flags if f["severity"] != "info"] == [], name


def test_other_titles_date_an_undated_article_for_the_check(kb):
    """Undated, but "Secretary of State Marco Rubio" puts it on or after 2025-01-21, when
    Trump was in office: "former President Trump" is a conflict, at info for a range."""
    from dossier.analyze.published_range import published_range

    text = ("U.S. Secretary of State Marco Rubio met Mexican officials. "
            "Former President Donald Trump had called for strikes on cartels.")
    record = analyze_text(text, on=None, latest=None, lang="en", kb=kb)
    inferred = record["published_range"]
    rng = published_range(inferred["reasons"] + inferred["ignored"])
    article = {"id": "a1", "text": text, "published": None, "published_range": rng}
    (flag,) = roles.detect({"articles": [article]}, {"a1": record}, kb)
    assert flag["severity"] == "info" and flag["problem"] == "still"
    assert flag["article_date"] == {"earliest": "2025-01-21", "latest": None, "certain": False}
    assert "on or after 2025-01-21" in flag["message"]


def test_former_that_belongs_to_another_noun_raises_nothing(kb):
    assert check("Former President Joe Biden aide Jane Roe said the bill would pass.", kb, "2023-05-02") == []
    assert check("A former President Joe Biden adviser, Jane Roe, spoke.", kb, "2023-05-02") == []


def test_spanish_former_title_while_in_office(kb):
    (flag,) = check("El expresidente Andrés Manuel López Obrador dijo el viernes que México no combatirá.", kb,
                    "2024-03-18")
    assert flag["severity"] == "error" and "“expresidente”" in flag["message"]


def test_a_title_right_on_the_day_the_sentence_reports_raises_nothing(kb):
    # Wednesday 2025-01-22: "on Friday" is 2025-01-17, before Trump's second term began
    assert check("Former President Donald Trump said on Friday that tariffs would come.", kb, "2025-01-22") == []
    (flag,) = check("Former President Donald Trump said on Tuesday that tariffs would come.", kb, "2025-01-22")
    assert flag["severity"] == "error"  # Tuesday 2025-01-21: in office
