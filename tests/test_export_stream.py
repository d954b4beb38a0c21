"""The JSON export is written an item at a time from the store, read a chunk at a time: the same
bytes `json.dump(build_document(conn), indent=1)` gives, without holding the document (which does
not fit in memory at 1,000,000 articles). On the bundled sample, built once."""

from __future__ import annotations

import io
import json
from collections import Counter

import pyarrow.parquet as pq
import pytest

from dossier.check import flag_order
from dossier.link import corpus as link_corpus
from dossier.report import document as document_module
from dossier.report import writers
from dossier.report.document import build_document, iter_export_articles, iter_timeline
from dossier.store import corpus as store_corpus


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from dossier.build import BuildOptions, build
    from dossier.store.db import connect

    from conftest import SAMPLE

    conn = connect(tmp_path_factory.mktemp("export") / "sample.db")
    build([str(SAMPLE)], conn, BuildOptions(workers=1))
    return conn


def test_the_json_written_an_item_at_a_time_is_what_dumping_the_whole_document_gives(sample, monkeypatch):
    whole = json.dumps(build_document(sample), ensure_ascii=False, indent=1) + "\n"
    monkeypatch.setattr(writers, "build_document", lambda conn: pytest.fail("the json export built the whole document"))
    out = io.StringIO()
    writers.write_json(sample, out)
    assert out.getvalue() == whole
    document = json.loads(whole)
    assert all(document[k] for k in ("articles", "actors", "quotes", "copies", "events", "stories", "timeline",
                                     "claims", "flags"))  # every array written with items, none empty


def test_an_empty_store_exports_every_field_with_empty_arrays(tmp_path):
    from dossier.store.db import connect

    conn = connect(tmp_path / "empty.db")
    out = io.StringIO()
    writers.write_json(conn, out)
    assert out.getvalue() == json.dumps(build_document(conn), ensure_ascii=False, indent=1) + "\n"
    assert json.loads(out.getvalue())["quotes"] == []


@pytest.mark.parametrize("read", [
    lambda conn, chunk: store_corpus.iter_articles(conn, chunk=chunk),
    lambda conn, chunk: iter_export_articles(conn, chunk=chunk),
    lambda conn, chunk: link_corpus.iter_quotes(conn, chunk=chunk),
    lambda conn, chunk: link_corpus.iter_events(conn, chunk=chunk),
    lambda conn, chunk: link_corpus.iter_stories(conn, chunk=chunk),
    lambda conn, chunk: iter_timeline(conn, chunk=chunk),
    lambda conn, chunk: link_corpus.iter_claims(conn, chunk=chunk),
    lambda conn, chunk: link_corpus.iter_flags(conn, chunk=chunk),
], ids=["articles", "export articles", "quotes", "events", "stories", "timeline", "claims", "flags"])
def test_each_part_reads_the_same_whatever_its_chunk(sample, read):
    one = list(read(sample, 1))
    assert len(one) > 1
    assert list(read(sample, 3)) == one == list(read(sample, 10_000))


def test_the_parts_come_in_the_export_s_order_with_what_each_carries(sample):
    document = build_document(sample)
    articles = document["articles"]
    assert [a["id"] for a in articles] == [a["id"] for a in sorted(
        articles, key=lambda a: (a["published"] is None, a["published"] or "", a["id"]))]
    assert any(a["published"] is None for a in articles)  # (the sample has undated articles, exported last)
    # a quotation's outlets: every source of every article it is in, by name or else by outlet key
    outlets = {a["id"]: {s["outlet_name"] or s["outlet"] for s in a["sources"] if s["outlet_name"] or s["outlet"]}
               for a in articles}
    for quote in document["quotes"]:
        assert quote["outlets"] == sorted(set().union(*(outlets[o["article"]] for o in quote["occurrences"])))
    assert any(len(q["outlets"]) > 1 for q in document["quotes"])
    claims = document["claims"]
    assert claims == sorted(claims, key=lambda c: (-len({o["article"] for o in c["occurrences"]}), c["id"]))
    assert len({len({o["article"] for o in c["occurrences"]}) for c in claims}) > 1
    assert document["flags"] == sorted(document["flags"], key=flag_order)
    assert len(Counter(f["severity"] for f in document["flags"])) > 1
    when = [(t["date"] or t["latest"] or t["earliest"]) for t in document["timeline"]]
    assert [t["event"] for t in document["timeline"]] == [t["event"] for t in sorted(
        document["timeline"], key=lambda t: ((t["date"] or t["latest"] or t["earliest"]) is None,
                                             t["date"] or t["latest"] or t["earliest"] or "", t["event"]))]
    assert sorted(t["event"] for t in document["timeline"]) == sorted(e["id"] for e in document["events"])
    assert any(when)
    events = {e["id"]: e for e in document["events"]}
    for row in document["timeline"]:
        assert row["reasons"] == events[row["event"]].get("date_reasons", [])
    assert any(row["reasons"] for row in document["timeline"])


def test_parquet_is_written_in_row_groups_with_every_article(sample, tmp_path):
    path = tmp_path / "articles.parquet"
    with open(path, "wb") as out:
        writers.write_parquet(sample, out, batch=4)
    table = pq.read_table(path)
    articles = list(document_module.iter_export_articles(sample))
    assert pq.ParquetFile(path).num_row_groups == -(-len(articles) // 4)
    assert table.column("id").to_pylist() == [a["id"] for a in articles]
    assert table.column("text").to_pylist() == [a["text"] for a in articles]
    assert table.column("sources").to_pylist() == [[s["source"] for s in a["sources"]] for a in articles]


def test_an_item_written_a_few_pieces_at_a_time_is_the_same(sample, monkeypatch):
    """A statement carried by thousands of articles is written in batches of json's pieces, not one
    string: at batches of 3 pieces the bytes are the same."""
    whole = json.dumps(build_document(sample), ensure_ascii=False, indent=1) + "\n"
    monkeypatch.setattr(writers, "_PIECES", 3)
    out = io.StringIO()
    writers.write_json(sample, out)
    assert out.getvalue() == whole


def test_the_json_export_tells_its_progress_array_by_array(sample):
    """Each array's step ends with how many items were written, out of what the store counts."""
    told = []
    writers.write_json(sample, io.StringIO(), progress=lambda event, value: told.append((event, value)))
    document = build_document(sample)
    last = {}
    for event, (step, done, total) in told:
        assert event == "link" and done <= total
        if step:
            last[step] = (done, total)
    arrays = [k for k, v in document.items() if isinstance(v, list)]
    assert last == {f"writing {k}": (len(document[k]), len(document[k])) for k in arrays}
    assert told[-1] == ("link", (None, 0, 0))  # the last bar closed


@pytest.mark.parametrize("over", [0, 1, 3])
def test_statements_written_an_occurrence_at_a_time_are_the_same(sample, monkeypatch, over):
    """A statement with more occurrences than `STREAM_OVER` has them written as they are read, and its
    outlets from its articles' sources: the same bytes (at 0 every statement is written so)."""
    whole = json.dumps(build_document(sample), ensure_ascii=False, indent=1) + "\n"
    monkeypatch.setattr(writers, "STREAM_OVER", over)
    streamed = [q for q in link_corpus.iter_quotes(sample, stream_over=over) if not isinstance(q["occurrences"], list)]
    for quote in streamed:
        list(quote["occurrences"])
    assert len(streamed) > (0 if over else 5)
    out = io.StringIO()
    writers.write_json(sample, out)
    assert out.getvalue() == whole
