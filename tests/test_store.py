"""The store: idempotent builds, one article per clean text, resumable after SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import wire_text, write_jsonl
from dossier.build import BuildOptions, build
from dossier.report.document import build_document
from dossier.store.db import connect
from dossier.store.schema import MIGRATIONS

FOOTER = "The Valley Tribune has served the river towns since 1921."


def synthetic_corpus(folder: Path, n: int) -> Path:
    """n different short articles (numbers and names vary), as text files."""
    folder.mkdir(parents=True, exist_ok=True)
    places = ["San Lázaro", "Nogales", "Reynosa", "Matamoros", "Tijuana", "Mexicali", "Laredo"]
    for i in range(n):
        place = places[i % len(places)]
        body = [
            f"Officials in {place} reported {100 + i} crossings on day {i} of the count, the city said in a statement on Monday.",
            f"\u201cWe need {i % 9 + 2} more inspectors at gate {i % 13},\u201d said the port director, who asked for federal help.",
            f"The figure for report {i} compares with {90 + i * 3 % 70} in the same week last year, according to the ministry.",
        ]
        (folder / f"report-{i:05d}.txt").write_text(wire_text(f"Crossings Report Number {i} From {place}", body), encoding="utf-8")
    return folder


def export(conn) -> str:
    return json.dumps(build_document(conn), sort_keys=True)


def test_schema_is_migrated_once_and_reopens(tmp_path):
    conn = connect(tmp_path / "x.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    conn.close()
    again = connect(tmp_path / "x.db")
    assert again.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_building_twice_changes_nothing(tmp_path, db):
    corpus = synthetic_corpus(tmp_path / "in", 20)
    first = build([str(corpus)], db)
    before = export(db)
    second = build([str(corpus)], db)
    assert first.new_articles == 20 and second.new_articles == 0
    assert second.files_unchanged == 20 and second.documents == 0
    assert export(db) == before
    # even when files must be read again (touched), nothing changes
    for path in corpus.iterdir():
        os.utime(path, None)
    third = build([str(corpus)], db)
    assert third.documents == 20 and third.new_articles == 0
    assert export(db) == before


def test_same_clean_text_from_two_sources_is_one_article_with_two_sources(tmp_path, db):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "wire.txt").write_text(wire_text(), encoding="utf-8")
    (folder / "copy.txt").write_text(wire_text(extra=["Share your thoughts in the comments below!"]), encoding="utf-8")
    write_jsonl(folder / "meta.jsonl", [
        {"file": "wire.txt", "outlet": "North Wire", "published": "2025-03-04"},
        {"file": "copy.txt", "url": "https://www.valleytribune.example/x", "published": "2025-03-05"},
    ])
    build([str(folder)], db)
    [article] = build_document(db)["articles"]
    assert article["source"].endswith("wire.txt")  # the earliest dated source is primary
    assert [s["source"].rsplit("/", 1)[-1] for s in article["sources"]] == ["wire.txt", "copy.txt"]
    assert article["sources"][1]["removed"] == [{"text": "Share your thoughts in the comments below!", "reason": "comment prompt"}]


def test_a_changed_file_replaces_what_it_gave_before(tmp_path, db):
    path = tmp_path / "items.jsonl"
    write_jsonl(path, [{"text": wire_text()}, {"text": wire_text("Second Story", ["Different body text for the second record of the file."])}, {"title": "x"}])
    build([str(path)], db)
    assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 2
    assert db.execute("SELECT COUNT(*) FROM problems").fetchone()[0] == 1
    write_jsonl(path, [{"text": wire_text()}])
    os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    build([str(path)], db)
    assert [r[0] for r in db.execute("SELECT source FROM sources")] == [f"{path}#1"]
    assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 1
    assert db.execute("SELECT COUNT(*) FROM problems").fetchone()[0] == 0


def footed_corpus(folder: Path, footed: int) -> Path:
    """Six articles of one outlet (Valley Tribune, by their urls), the first `footed` ending with its footer."""
    synthetic_corpus(folder, 6)
    records = []
    for i, path in enumerate(sorted(folder.iterdir())):
        if i < footed:
            path.write_text(path.read_text(encoding="utf-8") + f"\n{FOOTER}\n", encoding="utf-8")
        records.append({"file": path.name, "url": f"https://www.valleytribune.example/{i}"})
    write_jsonl(folder / "meta.jsonl", records)
    return folder


def test_lines_repeated_across_an_outlet_are_learned_and_removed(tmp_path, db):
    folder = footed_corpus(tmp_path / "in", footed=6)
    build([str(folder)], db)
    articles = build_document(db)["articles"]
    assert len(articles) == 6
    for article in articles:
        assert FOOTER not in article["text"]
        assert {"text": FOOTER, "reason": "repeated across outlet"} in article["removed"]
        assert "Officials in" in article["text"]


def test_parallel_workers_give_the_same_result_as_one(tmp_path):
    corpus = synthetic_corpus(tmp_path / "in", 60)
    one, two = connect(tmp_path / "one.db"), connect(tmp_path / "two.db")
    build([str(corpus)], one, BuildOptions(workers=1))
    build([str(corpus)], two, BuildOptions(workers=2))
    assert export(one) == export(two)


def test_a_build_killed_part_way_resumes_with_nothing_lost_or_doubled(tmp_path):
    corpus = synthetic_corpus(tmp_path / "in", 3000)
    reference = connect(tmp_path / "reference.db")
    build([str(corpus)], reference, BuildOptions(workers=1))

    db_path = tmp_path / "killed.db"
    command = [sys.executable, "-m", "dossier", "build", str(corpus), "--db", str(db_path), "--workers", "1", "-q"]
    process = subprocess.Popen(command)
    stored = 0
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        if db_path.exists():
            try:
                probe = connect(db_path)
                stored = probe.execute("SELECT COUNT(*) FROM sources").fetchone()[0]
                probe.close()
            except Exception:
                stored = 0
            if stored >= 400:
                break
        time.sleep(0.02)
    assert process.poll() is None, "the build finished before it could be killed; make the corpus bigger"
    process.send_signal(signal.SIGKILL)
    process.wait()
    partial = connect(db_path)
    partial_count = partial.execute("SELECT COUNT(*) FROM sources").fetchone()[0]
    assert 0 < partial_count < 3000
    partial.close()

    resumed = subprocess.run(command, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    final = connect(db_path)
    assert final.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 3000
    assert final.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 3000
    assert export(final) == export(reference)
    # the resumed build read only what the killed one had not finished
    documents = final.execute("SELECT documents FROM builds ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert documents <= 3000 - partial_count + 200


def _two_outlet_corpus(folder: Path, n: int, start: int = 0) -> Path:
    """n articles split between two outlets, each outlet's with its own footer."""
    synthetic_corpus(folder, start + n)
    records = []
    for i, path in enumerate(sorted(folder.glob("report-*.txt"))):
        if i < start:
            path.unlink()
            continue
        outlet = "valleytribune" if i % 2 else "riverpost"
        footer = FOOTER if i % 2 else "Read more from the River Post at our website every morning."
        path.write_text(path.read_text(encoding="utf-8") + f"\n{footer}\n", encoding="utf-8")
        records.append({"file": path.name, "url": f"https://www.{outlet}.example/{i}"})
    write_jsonl(folder / "meta.jsonl", records)
    return folder


def _texts(conn) -> dict:
    removed = {}
    for row in conn.execute("SELECT article_id, text, reason FROM removals WHERE article_id IS NOT NULL ORDER BY article_id, seq"):
        removed.setdefault(row[0], []).append((row[1], row[2]))
    return {row[0]: (row[1], removed.get(row[0], [])) for row in conn.execute("SELECT id, text FROM articles")}


def test_outlet_boilerplate_learned_in_batches_equals_learning_all_at_once(tmp_path):
    """Each build relearns only the outlets whose articles changed; the texts end up as if
    everything had been built at once."""
    first = _two_outlet_corpus(tmp_path / "first", 8)
    second = _two_outlet_corpus(tmp_path / "second", 8, start=8)
    together = _two_outlet_corpus(tmp_path / "together", 16)
    batches, once = connect(tmp_path / "batches.db"), connect(tmp_path / "once.db")
    build([str(first)], batches)
    build([str(second)], batches)
    build([str(together)], once)
    assert _texts(batches) == _texts(once)
    assert all(FOOTER not in text for text, _ in _texts(once).values())


def test_a_build_into_one_outlet_does_not_relearn_the_others(tmp_path, monkeypatch):
    from dossier.store import corpus as store_corpus

    folder = _two_outlet_corpus(tmp_path / "in", 12)
    conn = connect(tmp_path / "store.db")
    build([str(folder)], conn)
    learned, profiled = [], []
    real = store_corpus.learn_from_profiles
    monkeypatch.setattr(store_corpus, "learn_from_profiles", lambda profiles: learned.append(list(profiles)) or real(learned[-1]))
    real_profile = store_corpus.line_profile
    monkeypatch.setattr(store_corpus, "line_profile", lambda text: profiled.append(text) or real_profile(text))
    applied = []
    real_apply = store_corpus._apply_outlet_lines

    def apply(conn, article_id, lines_of):
        applied.extend(r[0].rsplit("/", 1)[-1] for r in conn.execute("SELECT source FROM sources WHERE article_id = ?", (article_id,)))
        return real_apply(conn, article_id, lines_of)

    monkeypatch.setattr(store_corpus, "_apply_outlet_lines", apply)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "late.txt").write_text(wire_text("A Late Report From Nogales", ["Officials in Nogales counted 999 crossings late on Friday, the city said.",
                                                                            "The count will resume on Monday morning at the main gate."])
                                    + f"\n{FOOTER}\n", encoding="utf-8")
    write_jsonl(extra / "meta.jsonl", [{"file": "late.txt", "url": "https://www.valleytribune.example/late"}])
    build([str(extra)], conn)
    assert len(learned) == 1 and len(learned[0]) == 7  # the outlet's six earlier articles and the new one; not the other outlet
    assert profiled == []  # no text is read: the earlier profiles are stored, the new one came with its shard
    assert applied == ["late.txt"]  # the outlet's lines did not change: only the new article's text is derived
    late = conn.execute("SELECT a.text FROM articles a JOIN sources s ON s.article_id = a.id WHERE s.source LIKE '%late.txt'").fetchone()[0]
    assert FOOTER not in late and "999 crossings" in late


def test_an_added_article_that_makes_a_line_boilerplate_takes_it_out_of_the_earlier_articles(tmp_path):
    """Two of five articles end with the footer (too few to learn); a sixth with it makes three,
    and the footer comes out of all three, as when the six are built at once. The three without
    it are derived again too (their outlet's lines changed) and keep their text."""
    folder = footed_corpus(tmp_path / "in", footed=3)
    late = min(folder.glob("report-*.txt"))
    first = tmp_path / "first"
    first.mkdir()
    for path in sorted(folder.glob("report-*.txt"))[1:]:
        path.rename(first / path.name)
    records = [json.loads(line) for line in (folder / "meta.jsonl").read_text(encoding="utf-8").splitlines()]
    write_jsonl(first / "meta.jsonl", [r for r in records if r["file"] != late.name])
    write_jsonl(folder / "meta.jsonl", [r for r in records if r["file"] == late.name])
    batches = connect(tmp_path / "batches.db")
    build([str(first)], batches, BuildOptions(workers=1))
    assert sum(FOOTER in text for text, _ in _texts(batches).values()) == 2
    build([str(folder)], batches, BuildOptions(workers=1))
    texts = _texts(batches)
    assert len(texts) == 6 and not any(FOOTER in text for text, _ in texts.values())
    assert sum((FOOTER, "repeated across outlet") in removed for _, removed in texts.values()) == 3

    once = connect(tmp_path / "once.db")
    for path in sorted(first.glob("report-*.txt")):
        path.rename(folder / path.name)
    write_jsonl(folder / "meta.jsonl", records)
    build([str(folder)], once, BuildOptions(workers=1))
    assert _texts(once) == texts


def test_a_changed_text_is_analysed_again_and_an_unchanged_one_is_not_read(tmp_path):
    from dossier.store.analysis import AnalysisOptions, stale_tasks

    conn = connect(tmp_path / "store.db")
    build([str(synthetic_corpus(tmp_path / "in", 5))], conn)
    assert stale_tasks(conn, AnalysisOptions()) == []
    assert conn.execute("SELECT COUNT(*) FROM articles WHERE text_hash IS NULL").fetchone()[0] == 0
    article_id = conn.execute("SELECT id FROM articles ORDER BY id LIMIT 1").fetchone()[0]
    conn.execute("UPDATE articles SET text = text || ' Corrected.' WHERE id = ?", (article_id,))
    assert conn.execute("SELECT text_hash FROM articles WHERE id = ?", (article_id,)).fetchone()[0] is None
    assert [t.article_id for t in stale_tasks(conn, AnalysisOptions())] == [article_id]


def test_the_analysis_step_after_the_shards_reads_only_the_texts_that_changed_there(tmp_path, monkeypatch):
    """A new article is stored with its text's hash, so the records the shard stage made are found
    current without reading and hashing every text again; a text the outlet boilerplate changed after
    its shard (the trigger clears its hash) is hashed and analysed again."""
    from dossier import build as build_module
    from dossier.store import analysis
    from dossier.store.analysis import AnalysisOptions, stale_tasks, text_hash
    from dossier.store.corpus import BASE_TEXT

    folder = footed_corpus(tmp_path / "in", footed=5)  # one outlet's footer on five: learned, then removed
    stopped = {}
    monkeypatch.setattr(build_module, "analyze_articles", lambda conn, *a, **k: stopped.setdefault("conn", conn) and 0)
    monkeypatch.setattr(build_module, "link", lambda *a, **k: {})
    conn = connect(tmp_path / "store.db")
    build([str(folder)], conn)  # the shards and the corpus steps, stopped before the analysis step
    rows = conn.execute(f"SELECT a.text, {BASE_TEXT}, a.text_hash FROM articles a").fetchall()
    changed = [r for r in rows if r[0] != r[1]]
    assert all(r[2] == text_hash(r[0]) for r in rows if r[0] == r[1]) and len(rows) - len(changed) == 1
    hashed = []
    monkeypatch.setattr(analysis, "text_hash", lambda text: hashed.append(text) or text_hash(text))
    tasks = stale_tasks(conn, AnalysisOptions())
    assert sorted(hashed) == sorted(r[0] for r in changed)  # only those texts read and hashed
    assert len(tasks) == len(changed) > 0
    assert "conn" in stopped


def test_the_corpus_steps_read_the_log_of_source_changes_and_end_where_a_full_pass_would(tmp_path, monkeypatch):
    """Outlet keys, outlet boilerplate and the analyses' freshness look only at what the source
    log names since their marks (a one-article build does not read every source); what they leave
    is what running them over everything gives."""
    from dossier.store import corpus as store_corpus
    from dossier.store.analysis import AnalysisOptions, analyze_articles

    conn = connect(tmp_path / "store.db")
    build([str(_two_outlet_corpus(tmp_path / "first", 8))], conn)
    assert {r[0] for r in conn.execute("SELECT name FROM marks")} >= {"outlet keys", "outlet boilerplate", "analyses"}
    signed = []
    real = store_corpus.outlet_signatures
    monkeypatch.setattr(store_corpus, "outlet_signatures",
                        lambda c, outlets=None: signed.append(None if outlets is None else set(outlets)) or real(c, outlets))
    build([str(_two_outlet_corpus(tmp_path / "second", 4, start=8))], conn)
    assert signed and all(outlets is not None for outlets in signed)  # the outlets the log names, not all
    # a dated source for an old article: its record must be redone for the new date
    old = conn.execute("SELECT article_id, source FROM sources WHERE published IS NULL LIMIT 1").fetchone()
    conn.execute("UPDATE sources SET published = '2025-01-02' WHERE source = ?", (old[1],))
    assert analyze_articles(conn, AnalysisOptions()) == 1
    state = lambda: (sorted(tuple(r) for r in conn.execute("SELECT source, outlet FROM sources")),  # noqa: E731
                     sorted(tuple(r) for r in conn.execute("SELECT id, text FROM articles")),
                     sorted(tuple(r) for r in conn.execute("SELECT article_id, key FROM analyses")))
    before = state()
    conn.execute("DELETE FROM marks")  # every step runs over everything again
    store_corpus.finalize(conn)
    assert analyze_articles(conn, AnalysisOptions()) == 0
    assert state() == before


def test_migration_14_keeps_each_storys_events_in_order(tmp_path):
    """A store whose stories list their events in the record (schema 13) reads the same stories
    after the migration that makes those events rows (and moves the state into chunks), and the
    next build relinks it in full (the linking state's version changed with it), keying the rows
    by the linker's stories."""
    from conftest import SAMPLE

    conn = connect(tmp_path / "old.db")
    build([str(SAMPLE / "txt")], conn, BuildOptions(workers=1))
    stories = build_document(conn)["stories"]
    assert any(len(s["events"]) > 1 for s in stories)
    # back to schema 13: each story's events in its record, in their order
    conn.execute("UPDATE stories SET record = json_set(record, '$.events', (SELECT json_group_array(event) FROM "
                 "(SELECT event FROM story_events WHERE story = stories.root ORDER BY place, event)))")
    conn.execute("DROP TABLE story_events")
    conn.execute("ALTER TABLE stories DROP COLUMN root")
    # and the rest of schema 14 undone: the state in one value, the outlet names' index of one column
    conn.execute("UPDATE link_state SET version = '11', state = (SELECT data FROM link_state_chunks WHERE seq = 0)")
    conn.execute("DROP TABLE link_state_chunks")
    conn.execute("DROP INDEX sources_outlet_name")
    conn.execute("CREATE INDEX sources_outlet_name ON sources(outlet_name)")
    conn.execute("DROP INDEX articles_lang")  # and schema 15's indexes
    conn.execute("DROP INDEX sources_outlet")
    conn.execute("CREATE INDEX sources_outlet ON sources(outlet)")
    conn.execute("DROP TABLE article_lines")  # and schema 16's
    conn.execute("DROP TRIGGER article_lines_base_changed")
    conn.execute("PRAGMA user_version = 13")
    conn.close()
    again = connect(tmp_path / "old.db")
    assert build_document(again)["stories"] == stories
    assert again.execute("SELECT COUNT(*) FROM stories WHERE json_extract(record, '$.events') IS NOT NULL").fetchone()[0] == 0
    assert again.execute("SELECT COUNT(*) FROM link_state_chunks").fetchone()[0] == 1  # the old state, moved
    second = build([str(SAMPLE / "txt")], again, BuildOptions(workers=1))
    assert second.linked["linked_new"] == second.linked["articles"]  # relinked in full
    assert build_document(again)["stories"] == stories


def test_the_build_summary_counts_languages_and_outlets_from_indexes_alone(tmp_path):
    """A summary that scanned the articles table took 5.7 s of each single-article build into a
    store of 1,000,000 articles; from the indexes it reads only what it counts."""
    from dossier.store import corpus

    conn = connect(tmp_path / "x.db")
    build([str(synthetic_corpus(tmp_path / "in", 12))], conn, BuildOptions(workers=1))
    summary = corpus.counts(conn)
    assert summary["articles"] == 12 and sum(row["n"] for row in summary["languages"]) == 12
    traced: list[str] = []
    conn.set_trace_callback(traced.append)
    corpus.counts(conn)
    conn.set_trace_callback(None)
    grouped = [sql for sql in traced if "GROUP BY" in sql]
    assert len(grouped) == 2
    for sql in grouped:
        plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))
        assert "COVERING INDEX" in plan, plan  # not a scan of the table's rows


def test_a_full_rewrite_has_a_large_page_cache_and_gives_the_connection_its_own_back(tmp_path):
    """The full link's one transaction (`link.corpus._rewrite`) writes with BULK_CACHE_KB of cache,
    commits, or rolls back when it raises; either way the connection's cache is its own again."""
    import pytest

    from dossier.link.corpus import _rewrite
    from dossier.store.db import BULK_CACHE_KB

    conn = connect(tmp_path / "cache.db")
    own = conn.execute("PRAGMA cache_size").fetchone()[0]
    assert own != -BULK_CACHE_KB
    with _rewrite(conn):
        assert conn.execute("PRAGMA cache_size").fetchone()[0] == -BULK_CACHE_KB
        conn.execute("CREATE TABLE kept (x)")
        conn.execute("INSERT INTO kept VALUES (1)")
    assert conn.execute("PRAGMA cache_size").fetchone()[0] == own
    with pytest.raises(RuntimeError):
        with _rewrite(conn):
            conn.execute("DELETE FROM kept")
            raise RuntimeError("a failing link")
    assert conn.execute("PRAGMA cache_size").fetchone()[0] == own
    assert [tuple(row) for row in conn.execute("SELECT x FROM kept")] == [(1,)]
    assert not conn.in_transaction


def test_a_base_text_is_stored_only_while_the_learned_boilerplate_changes_the_text(tmp_path):
    """An article's text before the outlet boilerplate learned across articles comes out is kept
    (the next learning starts from it) but stored only while it differs from the text: one footer
    on five of an outlet's six articles is learned, and those five keep their text with the footer;
    the sixth stores one copy. When the lines no longer apply, the text is its base again and one copy."""
    from dossier.store.corpus import BASE_TEXT

    folder = footed_corpus(tmp_path / "in", footed=5)
    conn = connect(tmp_path / "store.db")
    build([str(folder)], conn, BuildOptions(workers=1))
    rows = conn.execute(f"SELECT a.text, a.base_text, {BASE_TEXT} FROM articles a").fetchall()
    learned = [r for r in rows if r[1]]
    assert len(rows) == 6 and len(learned) == 5
    assert all(FOOTER in base and FOOTER not in text and base == stored for text, stored, base in learned)
    unlearned = [(text, base) for text, stored, base in rows if not stored]
    assert len(unlearned) == 1 and unlearned[0][0] == unlearned[0][1] and FOOTER not in unlearned[0][0]
    # learned lines that no longer apply (as after the outlet's articles change): the text is its base again
    from dossier.store.corpus import _apply_outlet_lines

    article_id = conn.execute("SELECT id FROM articles WHERE base_text != '' ORDER BY id LIMIT 1").fetchone()[0]
    with conn:
        assert _apply_outlet_lines(conn, article_id, {})
    text, stored = conn.execute("SELECT text, base_text FROM articles WHERE id = ?", (article_id,)).fetchone()
    assert FOOTER in text and stored == ""


def test_line_profiles_are_kept_per_article_and_dropped_when_its_base_text_changes(tmp_path):
    """Each article's `LineProfile` is stored when its outlet is first learned; taking learned lines
    out of its text keeps it (the base text is the same), a new base text drops it, and the next
    build makes it again from that text."""
    from dossier.corpus.clean import LineProfile, line_profile
    from dossier.store.corpus import BASE_TEXT, _apply_outlet_lines, learn_outlet_boilerplate

    folder = footed_corpus(tmp_path / "in", footed=5)
    conn = connect(tmp_path / "store.db")
    build([str(folder)], conn, BuildOptions(workers=1))
    rows = {r[0]: LineProfile.from_json(json.loads(r[1])) for r in conn.execute("SELECT article_id, profile FROM article_lines")}
    bases = {r[0]: r[1] for r in conn.execute(f"SELECT a.id, {BASE_TEXT} FROM articles a")}
    assert rows.keys() == bases.keys() and len(rows) == 6
    assert all(rows[a] == line_profile(bases[a]) for a in rows)
    footed = conn.execute("SELECT id FROM articles WHERE base_text != '' ORDER BY id LIMIT 1").fetchone()[0]
    with conn:
        assert _apply_outlet_lines(conn, footed, {})  # the text changes; the base does not
    assert conn.execute("SELECT COUNT(*) FROM article_lines").fetchone()[0] == 6
    plain = conn.execute("SELECT id FROM articles WHERE base_text = '' ORDER BY id LIMIT 1").fetchone()[0]
    with conn:
        conn.execute("UPDATE articles SET text = text || '\n\nCorrected.' WHERE id = ?", (plain,))  # its base with it
    assert conn.execute("SELECT COUNT(*) FROM article_lines WHERE article_id = ?", (plain,)).fetchone()[0] == 0
    conn.execute("DELETE FROM outlet_boilerplate")  # learn every outlet again
    conn.execute("DELETE FROM marks WHERE name = 'outlet boilerplate'")
    conn.commit()
    learn_outlet_boilerplate(conn)
    text = conn.execute(f"SELECT {BASE_TEXT} FROM articles a WHERE a.id = ?", (plain,)).fetchone()[0]
    profile = conn.execute("SELECT profile FROM article_lines WHERE article_id = ?", (plain,)).fetchone()[0]
    assert "Corrected." in text and LineProfile.from_json(json.loads(profile)) == line_profile(text)


def test_an_immediate_block_commits_what_it_wrote_or_rolls_it_back_when_it_raises(tmp_path):
    import pytest

    from dossier.store.db import immediate

    conn = connect(tmp_path / "store.db")
    conn.execute("CREATE TABLE scratch (n INTEGER)")
    with immediate(conn):
        conn.execute("INSERT INTO scratch VALUES (1)")
    with pytest.raises(ZeroDivisionError), immediate(conn):
        conn.execute("INSERT INTO scratch VALUES (2)")
        1 / 0
    assert not conn.in_transaction
    assert [r[0] for r in connect(tmp_path / "store.db").execute("SELECT n FROM scratch")] == [1]
