"""The command line as a user types it: help, version, build, export in every format."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from conftest import SPANISH_BODY, wire_html, wire_text
from dossier import SCHEMA, __version__
from dossier.cli import main

DESIGN_ARTICLE_FIELDS = {"id", "source", "url", "outlet", "title", "author", "published", "published_range", "lang", "text", "removed"}
DESIGN_ARRAYS = {"articles", "actors", "quotes", "copies", "events", "stories", "claims", "flags"}


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(wire_text(extra=["Share your thoughts in the comments below!"]), encoding="utf-8")
    (folder / "b.html").write_text(wire_html("Alcaldes piden fondos para patrullas", SPANISH_BODY, site="La Gaceta",
                                             url="https://lagaceta.example/n/1"), encoding="utf-8")
    (folder / "empty.txt").write_text("")
    return folder


def run(*args, input=None):
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    return result


def test_help_and_version():
    assert __version__ in run("--version").output
    top = run("--help")
    assert top.exit_code == 0 and "build" in top.output and "export" in top.output and "demo" in top.output
    for command in ("build", "export", "demo"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output and "--help" in result.output


def test_build_prints_a_summary_with_skips_and_is_idempotent(corpus, tmp_path):
    db = str(tmp_path / "d.db")
    first = run("build", str(corpus), "--db", db)
    assert first.exit_code == 0, first.output
    assert "Stored 2 articles (2 new)" in first.output
    assert re.search(r"^Read 3 documents from 3 files; the build took [\d.]+ s \(reading and analysing [\d.]+ s, "
                     r"linking [\d.]+ s\)\.$", first.output, re.M), first.output
    assert "Languages: en 1, es 1" in first.output
    assert "1 input skipped:" in first.output and f"{corpus}/empty.txt — empty file" in first.output
    second = run("build", str(corpus), "--db", db)
    assert "Stored 0 articles (0 new); the database now holds 2 articles." in second.output
    assert re.search(r"^Read 0 documents from 0 files \(3 unchanged files not read again\); the build took", second.output,
                     re.M), second.output
    assert "1 input skipped:" in second.output  # still reported, though not read again
    quiet = run("build", str(corpus), "--db", db, "-q")
    assert quiet.output == ""


def test_exit_codes(corpus, tmp_path):
    db = str(tmp_path / "d.db")
    assert run("build", str(corpus), "--db", db, "--strict").exit_code == 1
    nothing = run("build", str(corpus / "empty.txt"), "--db", str(tmp_path / "e.db"))
    assert nothing.exit_code == 1 and "nothing could be read" in nothing.output
    assert run("build", str(tmp_path / "missing"), "--db", str(tmp_path / "f.db")).exit_code == 1
    assert run("export", "--db", str(tmp_path / "never.db"), "--format", "json").exit_code == 1


def test_stdin(tmp_path):
    db = str(tmp_path / "d.db")
    result = run("build", "-", "--db", db, input=wire_text())
    assert result.exit_code == 0 and "Stored 1 articles (1 new)" in result.output
    document = json.loads(run("export", "--db", db, "--format", "json").output)
    assert document["articles"][0]["source"] == "<stdin>"


def test_export_formats(corpus, tmp_path):
    db = str(tmp_path / "d.db")
    run("build", str(corpus), "--db", db)

    document = json.loads(run("export", "--db", db, "--format", "json").output)
    assert document["schema"] == SCHEMA
    assert DESIGN_ARRAYS <= set(document)
    assert all(document[name] == [] for name in DESIGN_ARRAYS - {"articles", "actors", "quotes", "events", "stories", "claims"})
    assert any(c["text"] == "312 incidents" for c in document["claims"])  # "The cities reported 312 incidents ..."
    assert sum(len(e["articles"]) for e in document["events"]) == 2 and len(document["stories"]) >= 1
    # the wire article quotes its mayor: a direct quote with her as speaker, and she is an actor
    quote = next(q for q in document["quotes"] if q["text"].startswith("We cannot keep doing this"))
    assert quote["occurrences"][0]["speaker_given"] == "Mayor Elena Quintero of San Lázaro"
    assert any(a["name"] == "Elena Quintero" for a in document["actors"])
    assert len(document["articles"]) == 2
    for article in document["articles"]:
        assert DESIGN_ARTICLE_FIELDS <= set(article)
    english = next(a for a in document["articles"] if a["lang"] == "en")
    assert english["removed"] == [{"text": "Share your thoughts in the comments below!", "reason": "comment prompt"}]
    assert document["problems"] == [{"source": f"{corpus}/empty.txt", "file": f"{corpus}/empty.txt", "action": "skipped", "reason": "empty file"}]

    lines = run("export", "--db", db, "--format", "jsonl").output.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [a["id"] for a in document["articles"]]

    parquet_path = tmp_path / "out" / "a.parquet"
    assert run("export", "--db", db, "--format", "parquet", "-o", str(parquet_path)).exit_code == 0
    table = pq.read_table(parquet_path)
    assert table.num_rows == 2 and table.column("id").to_pylist() == [a["id"] for a in document["articles"]]

    markdown = run("export", "--db", db, "--format", "md").output
    assert markdown.startswith("# Dossier") and "Alcaldes piden fondos para patrullas" in markdown
    assert "lagaceta.example" in markdown and "empty file" in markdown

    html_path = tmp_path / "out" / "d.html"
    run("export", "--db", db, "--format", "html", "-o", str(html_path))
    page = html_path.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "Alcaldes piden fondos para patrullas" in page


def test_html_export_escapes_hostile_article_text(tmp_path):
    db = str(tmp_path / "d.db")
    hostile = wire_text("Title <script>alert('t')</script>", ["Body <img src=x onerror=alert(1)> and more words to make a paragraph."])
    run("build", "-", "--db", db, input=hostile)
    page = run("export", "--db", db, "--format", "html").output
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_module_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "dossier", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and __version__ in result.stdout


def test_user_kb_file_names_an_actor_and_gives_her_roles(tmp_path):
    kb = tmp_path / "actors.csv"
    kb.write_text("id,name,kind,aliases,title,of,start,end,source\n"
                  "me:quintero,Elena Quintero,person,Quintero|Mayor Quintero,Mayor of San Lázaro,Mexico,2021-10-01,,our notes\n",
                  encoding="utf-8")
    (tmp_path / "a.txt").write_text(wire_text(), encoding="utf-8")
    db = str(tmp_path / "d.db")
    result = run("build", str(tmp_path / "a.txt"), "--db", db, "--kb", str(kb))
    assert result.exit_code == 0, result.output
    document = json.loads(run("export", "--db", db, "--format", "json").output)
    quote = next(q for q in document["quotes"] if q["text"].startswith("We cannot keep doing this"))
    assert quote["speaker"] == "me:quintero" and quote["speaker_name"] == "Elena Quintero"
    actor = next(a for a in document["actors"] if a["id"] == "me:quintero")
    assert actor["roles"][0]["title"] == "Mayor of San Lázaro" and actor["roles"][0]["source"] == "our notes"
    # the same build again, with the KB file changed, redoes the analysis with the new actors
    kb.write_text(kb.read_text(encoding="utf-8").replace("me:quintero", "me:eq"), encoding="utf-8")
    assert run("build", str(tmp_path / "a.txt"), "--db", db, "--kb", str(kb)).exit_code == 0
    document = json.loads(run("export", "--db", db, "--format", "json").output)
    assert any(q["speaker"] == "me:eq" for q in document["quotes"])


def test_missing_quote_model_is_a_clear_error(tmp_path, monkeypatch):
    from dossier.analyze import quote_model

    monkeypatch.setattr(quote_model, "MODEL_DIR", tmp_path / "no-model")
    quote_model._session.cache_clear()
    (tmp_path / "a.txt").write_text(wire_text(), encoding="utf-8")
    result = run("build", str(tmp_path / "a.txt"), "--db", str(tmp_path / "d.db"), "--quotes", "model", "--workers", "1")
    assert result.exit_code == 1
    assert "quotation tagger" in result.output
    quote_model._session.cache_clear()


def test_bad_user_kb_file_is_named_and_stops_before_reading(tmp_path):
    kb = tmp_path / "actors.jsonl"
    kb.write_text('{"name": "Ana Ruiz"}\n{not json\n', encoding="utf-8")
    (tmp_path / "a.txt").write_text(wire_text(), encoding="utf-8")
    result = run("build", str(tmp_path / "a.txt"), "--db", str(tmp_path / "d.db"), "--kb", str(kb))
    assert result.exit_code == 1
    assert "actors.jsonl: cannot be read as an actor file" in result.output


def test_html_report_shows_events_copies_and_quotes(tmp_path):
    from conftest import SAMPLE

    out = tmp_path / "out"
    result = run("demo", "--sample", str(SAMPLE), "--out", str(out))
    assert result.exit_code == 0, result.output
    page = (out / "dossier.html").read_text(encoding="utf-8")
    # the story views: a timeline of events, the articles of an event by copy relation, the statements
    assert '<section id="timeline">' in page and "Articles, by copy relation" in page and '<section id="statements">' in page
    assert '<span class="kind">credit removed</span> <del>MEXICO CITY (CP)</del> → <ins>MEXICO CITY</ins>' in page
    assert "built-in method" not in page


def test_a_store_whose_disk_fills_says_so_and_the_next_build_goes_on(tmp_path, monkeypatch):
    """SQLite rolls back by itself on a full disk: the build's own ROLLBACK then raised an error that hid
    it, and the user saw a traceback. Now: one line, the store as it was, and the next build goes on."""
    import dossier.cli as cli
    from conftest import SAMPLE
    from dossier.store.db import connect

    reference = tmp_path / "reference.db"
    assert run("build", str(SAMPLE), "--db", str(reference), "--workers", "1", "-q").exit_code == 0
    whole = run("export", "--db", str(reference), "--format", "json").output

    def small_disk(path, **kwargs):  # the disk fills once the store has grown by 30 pages of 4 KB
        conn = connect(path, **kwargs)
        conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0] + 30}")
        return conn

    db = tmp_path / "story.db"
    monkeypatch.setattr(cli, "connect", small_disk)
    full = CliRunner().invoke(main, ["build", str(SAMPLE), "--db", str(db), "--workers", "1", "--shard-size", "3"])
    assert full.exit_code == 1
    assert f"Error: the store {db} could not be written: database or disk is full. It keeps what it held" in full.output
    assert "Traceback" not in full.output and isinstance(full.exception, SystemExit)
    conn = connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    kept = conn.execute("SELECT COUNT(*) FROM shards").fetchone()[0]
    assert 0 < kept
    conn.close()

    monkeypatch.undo()
    again = run("build", str(SAMPLE), "--db", str(db), "--workers", "1", "--shard-size", "3")
    assert again.exit_code == 0, again.output
    read = re.search(r"^Read (\d+) documents from \d+ files \((\d+) unchanged files not read again\)", again.output, re.M)
    assert read and int(read.group(2)) > 0 and 0 < int(read.group(1)) < 30  # the files stored before were not read
    exported = run("export", "--db", str(db), "--format", "json").output
    assert _without_build_details(exported) == _without_build_details(whole)


def _without_build_details(export: str) -> dict:
    """The export less what differs between two stores of the same articles (their paths and build times)."""
    document = json.loads(export)
    document.pop("generated_at", None)
    document.pop("build", None)
    return document
