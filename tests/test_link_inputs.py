"""`link.corpus.link_inputs`: the articles a link reads, in linking order, with their primary
source's title, their earliest date and their outlets, read from SQLite a chunk at a time."""

import json

from dossier.link.corpus import link_inputs
from dossier.store.db import connect

# id -> its sources as (source, published, title, outlet name); text written for this test
SOURCES = {
    "a": [("a-wire.json#1", "2025-03-04T10:00:00", "Later wire copy", "Wire"),
          ("a-daily.html", "2025-03-02", "First report", "Daily")],
    "b": [("b.html", "2025-03-02", "Same day, other id", None)],
    "g": [("g.html", "2025-03-02T08:00:00", "Same day, later id", "Gazette")],
    "c": [("c.html", "2025-03", "Only a month", "Monthly")],
    "d": [("d.html", None, "No date at all", "Undated")],
    "e": [],  # analysed, but no source row
    "f": [("f.html", "2025-03-01", "Not analysed", "Daily")],
}


def _store(tmp_path):
    conn = connect(tmp_path / "inputs.db")
    for article_id, sources in SOURCES.items():
        text = f"Article {article_id}: the council met on Tuesday and voted on the budget."
        conn.execute("INSERT INTO articles (id, base_text, text) VALUES (?, ?, ?)", (article_id, text, text))
        if article_id != "f":
            conn.execute("INSERT INTO analyses (article_id, key, record) VALUES (?, ?, ?)",
                         (article_id, f"key-{article_id}", json.dumps({"mentions": [], "quotes": [], "id": article_id})))
        for source, published, title, outlet in sources:
            conn.execute("INSERT INTO sources (source, file, article_id, url, outlet_name, title, published) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", (source, source.split("#")[0], article_id,
                                                         f"https://example.org/{source}", outlet, title, published))
    return conn


def _expected_order(ids):
    """The order as the linker defines it: full days first, then month- or year-dated, then
    undated, each by date then id; an article's date is its earliest source's."""
    def day(a):
        dates = [p for _, p, _, _ in SOURCES[a] if p]
        return min(dates) if dates else None
    return sorted(ids, key=lambda a: (len(day(a) or "") < 10, day(a) is None, day(a) or "", a))


def test_every_analysed_article_in_linking_order_with_its_primary_source(tmp_path):
    conn = _store(tmp_path)
    inputs = list(link_inputs(conn, chunk=2))  # chunks smaller than the corpus: order kept across them
    assert [i.id for i in inputs] == _expected_order(["a", "b", "c", "d", "e", "g"]) == ["a", "b", "g", "c", "d", "e"]
    a = inputs[0]
    assert a.published == "2025-03-02"  # the earliest source's date
    assert a.title == "First report"  # the primary source: earliest published
    assert a.outlets == ["Daily", "Wire"]
    assert a.key == "key-a" and a.record["id"] == "a" and a.text.startswith("Article a:")
    by_id = {i.id: i for i in inputs}
    assert by_id["b"].outlets == [] and by_id["c"].published == "2025-03"
    assert by_id["d"].published is None and by_id["d"].title == "No date at all"
    assert by_id["e"].published is None and by_id["e"].title is None and by_id["e"].outlets == []
    assert "f" not in by_id  # no analysis: nothing to link


def test_a_list_of_ids_is_read_in_the_same_order_and_leaves_no_temporary_table(tmp_path):
    conn = _store(tmp_path)
    full = [i.id for i in link_inputs(conn)]
    subset = ["e", "g", "a", "a", "c"]
    assert [i.id for i in link_inputs(conn, subset)] == [a for a in full if a in subset]
    assert [i.id for i in link_inputs(conn, ["f", "missing"])] == []
    assert [i.record for i in link_inputs(conn, ["c"], records=False)] == [{}]
    assert conn.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table'").fetchall() == []


def test_two_readers_at_once_and_an_unfinished_one(tmp_path):
    conn = _store(tmp_path)
    first, second = link_inputs(conn, ["a", "b", "c"], chunk=1), link_inputs(conn, ["d", "g"], chunk=1)
    assert [next(first).id, next(second).id, next(first).id, next(second).id] == ["a", "g", "b", "d"]
    first.close()  # left unfinished: its table goes all the same
    assert [i.id for i in second] == []
    assert conn.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table'").fetchall() == []
