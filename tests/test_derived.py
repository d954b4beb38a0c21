"""Claims and flags derived per scope (link/derived.py): a build of A then B gives the same
claims and flags as one build of A+B, and a batch rewrites only the scopes it touched."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import SAMPLE, needs_shared
from dossier.build import build
from dossier.link.corpus import read_claims, read_flags
from dossier.store.db import connect

REPO = Path(__file__).resolve().parents[1]


def _derived(conn):
    return json.loads(json.dumps({"claims": read_claims(conn), "flags": read_flags(conn)}))


def _sample_halves():
    files = sorted(str(p) for p in (SAMPLE / "txt").iterdir()) + sorted(str(p) for p in (SAMPLE / "html").iterdir())
    return files[::2], files[1::2] + [str(SAMPLE / d) for d in ("archive", "feeds")]


def test_sample_in_two_batches_gives_the_same_claims_and_flags_as_one(tmp_path):
    first, second = _sample_halves()
    whole = connect(tmp_path / "whole.db")
    build(first + second, whole)
    parts = connect(tmp_path / "parts.db")
    build(first, parts)
    assert parts.execute("SELECT COUNT(*) FROM claims WHERE scope IS NULL").fetchone()[0] == 0
    build(second, parts)
    expected, got = _derived(whole), _derived(parts)
    assert len(expected["flags"]) > 10 and any(len(c["occurrences"]) > 1 for c in expected["claims"])
    assert [f["id"] for f in got["flags"]] == [f["id"] for f in expected["flags"]]
    assert got == expected
    # every row says the scope that produced it
    assert parts.execute("SELECT COUNT(*) FROM flags WHERE scope IS NULL").fetchone()[0] == 0


def test_one_more_article_redoes_only_the_scopes_it_reaches(tmp_path):
    from dossier.link.corpus import claims_and_flags
    from dossier.analyze.record import cached_kb

    conn = connect(tmp_path / "s.db")
    build([str(SAMPLE)], conn)
    before = _derived(conn)
    articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    one = conn.execute("SELECT id FROM articles ORDER BY id LIMIT 1").fetchone()[0]
    redone = claims_and_flags(conn, cached_kb(None), {"articles": {one}, "events": set(), "quotes": set()})
    assert redone["a"] == 1 and redone["g"] == 1 and redone["q"] < conn.execute("SELECT COUNT(*) FROM quotes").fetchone()[0]
    assert articles > 10
    assert _derived(conn) == before  # nothing changed, so redoing a part gives the same rows
    full = claims_and_flags(conn, cached_kb(None))
    assert full["a"] == articles and _derived(conn) == before
    # the kept claim features give what the texts give
    assert conn.execute("SELECT COUNT(*) FROM claim_features").fetchone()[0] > 10
    conn.execute("DELETE FROM claim_features")
    claims_and_flags(conn, cached_kb(None))
    assert _derived(conn) == before


@needs_shared
def test_generated_corpus_batches_derive_what_a_full_derivation_gives(tmp_path):
    """A corpus bench/corpus_gen.py generates from real text (events, syndicated copies,
    numbers, quotes), built in three batches interleaved in time. After each batch the rows
    the batch rewrote equal a derivation over every scope of the same store. (Against one
    build of everything they differ here because the linking itself — events, stories, copies,
    statements — depends on arrival order on this corpus; claims and flags follow from those.)"""
    from dossier.analyze.record import cached_kb
    from dossier.link.corpus import claims_and_flags

    sys.path.insert(0, str(REPO / "bench"))
    import corpus_gen

    corpus_gen.generate(tmp_path / "gen", 240, seed=3)
    records = [line for p in sorted((tmp_path / "gen").glob("shard-*.jsonl"))
               for line in p.read_text(encoding="utf-8").splitlines()]
    batches = [records[::2], records[1::2][:-8], records[1::2][-8:]]
    conn = connect(tmp_path / "parts.db")
    for n, batch in enumerate(batches):
        path = tmp_path / f"batch{n}.jsonl"
        path.write_text("\n".join(batch) + "\n", encoding="utf-8")
        build([str(path)], conn)
        got = _derived(conn)
        redone = claims_and_flags(conn, cached_kb(None))  # every scope, from the same linked tables
        assert redone["a"] == conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        assert got == _derived(conn), f"batch {n}"
    assert len(got["claims"]) > 100 and len(got["flags"]) > 5
    assert any(len({o["article"] for o in c["occurrences"]}) > 2 for c in got["claims"])


def _rows(conn):
    """Claims, flags and which claim scopes hold each article, as a comparable value."""
    return (_derived(conn), sorted(tuple(r) for r in conn.execute("SELECT article_id, scope FROM claim_scopes")))


def _largest_group(conn):
    return conn.execute("SELECT MAX(n) FROM (SELECT COUNT(*) n FROM claim_scopes WHERE scope LIKE 'g:%' "
                        "GROUP BY scope)").fetchone()[0]


def test_copies_across_events_do_not_merge_claim_groups_and_batches_stay_exact(tmp_path):
    """Wire copies reprinted days later land in other events. Here syndicated copies of the
    sample are moved to other events, as the linker would place late reprints: each move is a
    batch (its two events touched), each copy pair across events becomes a scope of its own, no
    claim group outgrows an event, and after every batch the rows equal a full derivation's."""
    from dossier.analyze.record import cached_kb
    from dossier.link.corpus import claims_and_flags

    kb = cached_kb(None)
    conn = connect(tmp_path / "s.db")
    build([str(SAMPLE)], conn)
    event_of = dict(conn.execute("SELECT article_id, event_id FROM event_articles").fetchall())
    sizes = dict(conn.execute("SELECT event_id, COUNT(*) FROM event_articles GROUP BY event_id").fetchall())
    relations = [(r[0], r[1]) for r in conn.execute(
        "SELECT article, of FROM copies WHERE article != of AND kind = 'syndicated' ORDER BY article")
        if event_of.get(r[0]) and event_of.get(r[0]) == event_of.get(r[1])]
    by_event = {}
    for copy, original in relations:
        by_event.setdefault(event_of[copy], (copy, original))
    moves = sorted(by_event.values())
    assert len(moves) >= 2, "the sample has syndicated copies in at least two events"
    small = sorted(sizes, key=lambda e: (sizes[e], e))
    for n, (copy, original) in enumerate(moves):
        old = event_of[copy]
        new = next(e for e in small if e != old and e != event_of[original] and e not in {event_of[c] for c, _ in moves})
        position = conn.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM event_articles WHERE event_id = ?",
                                (new,)).fetchone()[0]
        conn.execute("UPDATE event_articles SET event_id = ?, position = ? WHERE article_id = ?", (new, position, copy))
        conn.commit()
        event_of[copy] = new
        redone = claims_and_flags(conn, kb, {"articles": set(), "events": {old, new}, "quotes": set()})
        assert redone["g"] == 2 and redone["p"] >= 1, redone
        got = _rows(conn)
        claims_and_flags(conn, kb)
        assert _rows(conn) == got, f"move {n}"
    # each moved copy shares claims with its original across events, as a pair of two articles
    pairs = conn.execute("SELECT scope, record FROM claims WHERE scope LIKE 'p:%'").fetchall()
    assert pairs and all(len({o["article"] for o in json.loads(r[1])["occurrences"]}) == 2 for r in pairs)
    assert _largest_group(conn) == max(Counter(event_of.values()).values())

    # one article of an event that copies tie to others: its own group only, and the same rows
    copy, original = moves[0]
    redone = claims_and_flags(conn, kb, {"articles": {original}, "events": set(), "quotes": set()})
    assert redone["g"] == 1 and redone["p"] == 1
    assert _rows(conn) == got

    # the linker drops a relation (it rewrites a copy's relations): the pair's rows go with it
    conn.execute("DELETE FROM copies WHERE article = ? AND of != article", (copy,))
    conn.commit()
    claims_and_flags(conn, kb, {"articles": {copy}, "events": set(), "quotes": set()})
    scope = f"p:{min(copy, original)}:{max(copy, original)}"
    assert conn.execute("SELECT COUNT(*) FROM claims WHERE scope = ?", (scope,)).fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM claim_scopes WHERE scope = ?", (scope,)).fetchone()[0] == 0
    got = _rows(conn)
    claims_and_flags(conn, kb)
    assert _rows(conn) == got


def test_a_full_derivation_in_small_chunks_gives_the_same_rows(tmp_path, monkeypatch):
    """The full derivation writes a chunk of scopes at a time; the chunk size changes nothing."""
    from dossier.analyze.record import cached_kb
    from dossier.link import derived
    from dossier.link.corpus import claims_and_flags

    conn = connect(tmp_path / "s.db")
    build([str(SAMPLE)], conn)
    expected = _rows(conn)
    monkeypatch.setattr(derived, "SPAN", 3)
    monkeypatch.setattr(derived, "CHUNK", 2)
    monkeypatch.setattr(derived, "OCCURRENCES", 3)
    redone = claims_and_flags(conn, cached_kb(None))
    assert redone["g"] == conn.execute("SELECT COUNT(DISTINCT scope) FROM claim_scopes WHERE scope LIKE 'g:%'").fetchone()[0]
    assert _rows(conn) == expected


def test_statement_chunks_are_bounded_by_occurrences_and_keep_their_order(tmp_path):
    """A chunk of statements reads every article that carries one of them, so a chunk holds at
    most OCCURRENCES occurrences; a statement carried more widely goes alone."""
    from dossier.link import derived

    conn = connect(tmp_path / "s.db")
    build([str(SAMPLE)], conn)
    carried = dict(conn.execute("SELECT quote_id, COUNT(*) FROM quote_occurrences GROUP BY quote_id").fetchall())
    widest = max(carried.values())
    assert widest >= 3  # the sample has statements carried by several articles
    unbounded = [q for chunk in derived._statements_in_order(conn, occurrences=10 ** 9) for q in chunk]
    chunks = list(derived._statements_in_order(conn, size=50, occurrences=widest - 1))
    assert [q for chunk in chunks for q in chunk] == unbounded and len(unbounded) == len(carried)
    for chunk in chunks:
        assert len(chunk) <= 50
        assert sum(carried[q] for q in chunk) <= widest - 1 or len(chunk) == 1
    assert any(len(chunk) == 1 and carried[chunk[0]] == widest for chunk in chunks)
    # a batch's statements: the same order and bounds
    some = set(unbounded[::2])
    local = list(derived._local_chunks(conn, some, size=50, occurrences=widest - 1))
    assert [q for chunk in local for q in chunk] == [q for q in unbounded if q in some]
    assert all(sum(carried[q] for q in chunk) <= widest - 1 or len(chunk) == 1 for chunk in local)


def test_statement_checks_read_no_article_texts_and_flag_what_whole_articles_flag(tmp_path, monkeypatch):
    """Per-statement detectors get each carrying article's id, language and outlet only: the
    occurrences carry their own words. Their flags are those of whole articles."""
    from dossier.analyze.record import cached_kb
    from dossier.link import derived

    conn = connect(tmp_path / "s.db")
    build([str(SAMPLE)], conn)
    keys = [q for chunk in derived._statements_in_order(conn) for q in chunk]
    quotes = derived._quotes(conn, keys)
    ids = {o["article"] for q in quotes for o in q["occurrences"]}
    light = derived._quoting_articles(conn, ids)
    whole = derived.export_articles(conn, ids)
    assert {a["id"] for a in light} == ids and all("text" not in a for a in light)
    assert [{k: a[k] for k in ("id", "source", "outlet", "outlet_name", "lang")} for a in sorted(whole, key=lambda a: a["id"])] \
        == sorted(light, key=lambda a: a["id"])
    kb = cached_kb(None)
    light_flags = derived._flags(conn, kb, "q", keys)
    monkeypatch.setattr(derived, "_quoting_articles", derived.export_articles)
    assert derived._flags(conn, kb, "q", keys) == light_flags
    kinds = Counter(f["kind"] for _, f in light_flags)
    assert kinds["altered quote"] and kinds["speaker conflict"], kinds


def test_altered_quotes_within_copies_read_the_chunks_occurrences_only_and_flag_the_same(tmp_path, monkeypatch):
    """The `k:` scopes (new words in a copy's speaker's mouth) read the statements a chunk of copies
    and their originals carry with their occurrences in those articles only: the detector skips
    every other occurrence. Reading all of them held ~1.4 GiB a worker at 1,000,000 articles."""
    from dossier.analyze.record import cached_kb
    from dossier.link import derived

    conn = connect(tmp_path / "s.db")
    build([str(SAMPLE)], conn)
    keys = [k for chunk in derived._full_plan(conn).keys["k"] for k in chunk]
    assert len(keys) > 5

    def every_occurrence(conn, ids):  # what the k: scopes read before
        return derived._quotes(conn, derived._quote_ids_of(conn, ids))

    kb = cached_kb(None)
    elsewhere = 0
    for chunk in [keys] + [[k] for k in keys]:
        relations = derived._copies(conn, chunk, originals=False)
        ids = {c["article"] for c in relations} | {c["of"] for c in relations}
        whole = every_occurrence(conn, ids)
        within = derived._quotes_in(conn, ids)
        assert [q["id"] for q in within] == [q["id"] for q in whole]
        assert within == [{**q, "occurrences": [o for o in q["occurrences"] if o["article"] in ids]} for q in whole]
        elsewhere += sum(o["article"] not in ids for q in whole for o in q["occurrences"])
    assert elsewhere > 0  # some statements are carried beyond the copy and its original

    found = derived._flags(conn, kb, "k", keys)
    one_by_one = [f for k in keys for f in derived._flags(conn, kb, "k", [k])]
    assert found
    monkeypatch.setattr(derived, "_quotes_in", every_occurrence)
    assert derived._flags(conn, kb, "k", keys) == found
    assert [f for k in keys for f in derived._flags(conn, kb, "k", [k])] == one_by_one


def test_words_a_copy_shares_with_an_article_outside_its_chunk_are_not_new(tmp_path, monkeypatch):
    """The detector of altered quotes within copies does not flag words another article carries
    too. A `k:` chunk holds a thousand copies and their originals; another article anywhere in the
    corpus carrying the copy's words in the same statement counts as well (`_carried_elsewhere`), as
    it does for the detector run on the whole export."""
    from dossier.analyze.record import cached_kb
    from dossier.check import quotes as altered
    from dossier.link import derived
    from dossier.report.document import build_document

    conn = connect(tmp_path / "s.db")
    build([str(SAMPLE)], conn)
    kb = cached_kb(None)
    keys = [k for chunk in derived._full_plan(conn).keys["k"] for k in chunk]

    def whole_corpus() -> list[tuple[str, str, int, str]]:  # the detector on the whole export
        document = build_document(conn)
        names = {a["id"]: a["name"] for a in document["actors"]}
        return [(f["quote"], f["evidence"][0]["article"], f["evidence"][0]["start"], f["added"][0])
                for f in altered._within_copies(document, altered.by_id(document), names)]

    def scoped() -> list[tuple[str, str, int, str]]:
        return [(f["quote"], f["evidence"][0]["article"], f["evidence"][0]["start"], f["added"][0])
                for _, f in derived._flags(conn, kb, "k", keys)]

    flagged = scoped()
    assert flagged and flagged == whole_corpus()
    flag = quote_id, copy_id, start, _ = flagged[0]
    relations = derived._copies(conn, keys, originals=False)
    chunk_articles = {c["article"] for c in relations} | {c["of"] for c in relations}
    outside = conn.execute(f"SELECT id FROM articles WHERE id NOT IN ({derived._marks(sorted(chunk_articles))}) "
                           f"ORDER BY id LIMIT 1", sorted(chunk_articles)).fetchone()[0]
    record = json.loads(conn.execute("SELECT record FROM quote_occurrences WHERE article_id = ? AND start = ?",
                                     (copy_id, start)).fetchone()[0])
    # the outside article quotes the same words, as an occurrence of the same statement
    record.update(article=outside, start=10 ** 6, end=10 ** 6 + record["end"] - record["start"])
    conn.execute("INSERT INTO quote_occurrences (quote_id, article_id, start, end, record) VALUES (?, ?, ?, ?, ?)",
                 (quote_id, outside, record["start"], record["end"], json.dumps(record)))
    assert flag not in whole_corpus()
    assert flag not in scoped()
    # a chunk's articles alone do not see it: the flag was derived from the chunk before
    monkeypatch.setattr(derived, "_carried_elsewhere", lambda conn, carriers=None: lambda quote_id, words, copy_id: False)
    assert flag in scoped()


def test_a_store_of_schema_10_gets_its_claim_scopes_on_the_next_batch(tmp_path):
    """Migration 11 drops the old claim groups (connected components); the first batch after it
    finds no scope rows and derives every scope, and the rows are those of a fresh derivation."""
    from dossier.analyze.record import cached_kb
    from dossier.link.corpus import claims_and_flags

    conn = connect(tmp_path / "s.db")
    build([str(SAMPLE)], conn)
    expected = _rows(conn)
    conn.execute("DELETE FROM claim_scopes")  # what migration 12 leaves: the rows of schema 10 are gone
    conn.commit()
    one = conn.execute("SELECT id FROM articles ORDER BY id LIMIT 1").fetchone()[0]
    redone = claims_and_flags(conn, cached_kb(None), {"articles": {one}, "events": set(), "quotes": set()})
    assert redone["a"] == conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert _rows(conn) == expected


def test_migration_11_replaces_the_claim_groups_of_schema_10(tmp_path):
    import sqlite3

    from dossier.store.db import _statements
    from dossier.store.schema import MIGRATIONS

    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    for script in MIGRATIONS[:10]:
        for statement in _statements(script):
            old.execute(statement)
    old.execute("INSERT INTO claim_groups (article_id, grp, event, story) VALUES ('a1', 'a1', 'e1', 's1')")
    old.execute("PRAGMA user_version = 10")
    old.commit()
    old.close()
    conn = connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "claim_groups" not in tables and "claim_scopes" in tables
    assert conn.execute("SELECT COUNT(*) FROM claim_scopes").fetchone()[0] == 0


@pytest.mark.parametrize("big, kept", [(1000, 10 ** 6), (0, 10 ** 6), (0, 5)])
def test_carriers_answer_as_reading_the_statements_rows_does(tmp_path, monkeypatch, big, kept):
    """`Carriers` answers whether an article other than the copy carries some words in the same
    statement exactly as reading every row of the statement does: by reading rows until one does
    (statements of at most BIG_STATEMENT occurrences, as all of the sample's), or from a map of its
    wordings read once per derivation (every statement, with BIG_STATEMENT 0), however few of the
    maps are kept (KEPT_WORDINGS 5: most are dropped and read again)."""
    from dossier.check.quotes import quote_words
    from dossier.link import derived

    monkeypatch.setattr(derived, "BIG_STATEMENT", big)
    monkeypatch.setattr(derived, "KEPT_WORDINGS", kept)
    conn = connect(tmp_path / "s.db")
    build([str(SAMPLE)], conn)
    rows: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for quote_id, article_id, record in conn.execute("SELECT quote_id, article_id, record FROM quote_occurrences"):
        o = json.loads(record)
        if isinstance(o.get("start"), int) and isinstance(o.get("end"), int):
            rows.setdefault(quote_id, []).append((article_id, quote_words(o.get("text") or "")))
    reads = []
    conn.set_trace_callback(lambda sql: reads.append(sql) if "json_extract(record, '$.text')" in sql else None)
    carriers = derived.Carriers()
    articles = sorted({a for found in rows.values() for a, _ in found})
    asked = 0
    for quote_id, found in sorted(rows.items()):
        carried = derived._carried_elsewhere(conn, carriers)  # a chunk's, sharing the derivation's carriers
        for words in sorted({w for _, w in found} | {("words", "nobody", "said")}):
            for copy_id in articles[:3] + sorted({a for a, _ in found}):
                expected = any(a != copy_id and w == words for a, w in found)
                assert carried(quote_id, words, copy_id) == expected, (quote_id, words, copy_id)
                asked += 1
    assert asked > 300 and len(rows) > 20
    first = len(reads)
    carried = derived._carried_elsewhere(conn, carriers)
    for quote_id, found in sorted(rows.items()):  # each statement asked about again, in a later chunk
        assert carried(quote_id, found[0][1], "no such article")
    if big == 0 and kept > 100:
        assert first == len(reads) == len(rows)  # each statement read once, however often it was asked about
    elif big == 0:
        assert first == len(rows) < len(reads)  # most maps dropped, and read again
    else:
        assert first == asked  # a scan each time


LATE_ARTICLE = """Sheinbaum Repeats Her Answer on Troops

MEXICO CITY (Lakeside Ledger) — President Claudia Sheinbaum on Friday repeated at her morning news conference that any U.S. military action in Mexico was "completely off the table" and said cooperation with Washington would continue.

The president spoke for nearly an hour about security, trade and the coming visit of a U.S. delegation.
"""


def test_a_batch_carrying_a_copys_new_words_clears_its_flag_though_the_statement_only_grew(tmp_path, monkeypatch):
    """The sample's rewrite puts "completely off the table" in Sheinbaum's mouth where its original
    says "absolutely ruled out" (a `k:` flag). A later article quoting those words joins the same
    statement, which keeps its id and its rows (kept: only the late article's row is written), so
    the batch reaches the articles that alone carried those words in it, the copy: its flag goes,
    as a full derivation says."""
    from dossier.analyze.record import cached_kb
    from dossier.link import adding, corpus
    from dossier.link.corpus import claims_and_flags

    conn = connect(tmp_path / "s.db")
    build([str(SAMPLE)], conn)
    flags = [json.loads(r[0]) for r in conn.execute("SELECT record FROM flags WHERE scope LIKE 'k:%'")]
    flagged = [f for f in flags if f["added"] == ["completely off the table"]]
    assert len(flagged) == 1
    quote_id = flagged[0]["quote"]
    rows = {tuple(r) for r in conn.execute("SELECT rowid, article_id FROM quote_occurrences WHERE quote_id = ?", (quote_id,))}
    late = tmp_path / "late"
    late.mkdir()
    (late / "lakeside-sheinbaum-repeats.txt").write_text(LATE_ARTICLE, encoding="utf-8")
    seen = {}
    real = corpus.derive_added
    spy = lambda conn, kb, changes, *rest: seen.update(
        kept=set(changes.kept_quotes), brought=dict(changes.brought)) or real(conn, kb, changes, *rest)
    monkeypatch.setattr(corpus, "derive_added", spy)
    monkeypatch.setattr(adding, "derive_added", spy)
    build([str(late)], conn)
    now = {tuple(r) for r in conn.execute("SELECT rowid, article_id FROM quote_occurrences WHERE quote_id = ?", (quote_id,))}
    assert rows < now and len(now - rows) == 1  # its rows kept as they were, the late article's beside them
    late_id = (now - rows).pop()[1]
    assert quote_id in seen["kept"] and seen["brought"][quote_id] == {late_id}
    assert not any(json.loads(r[0])["added"] == ["completely off the table"]
                   for r in conn.execute("SELECT record FROM flags WHERE scope LIKE 'k:%'"))
    got = _derived(conn)
    claims_and_flags(conn, cached_kb(None))  # every scope
    assert got == _derived(conn)


def test_a_statement_that_kept_its_id_reaches_the_lone_carriers_of_the_words_brought_to_it(tmp_path):
    """`_carriers_of_touched`: a statement with a new id reaches all its carriers. One kept (stored
    under the same id before) reaches the articles that brought it occurrences (the batch's, or
    those of a statement it took in) and, of the rest, an article that alone carried in it words
    so brought (spelled out: "won't" is "will not"), since another article carries them now; words
    two articles had already change nothing. When an article left the store, or the caller does
    not say what was kept, every carrier of every touched statement."""
    from dossier.link.derived import _carriers_of_touched

    conn = connect(tmp_path / "s.db")
    conn.execute("PRAGMA foreign_keys = OFF")  # occurrences alone: the articles and statements they name are not read
    texts = {"a1": ("q1", "We will not allow it"), "a2": ("q1", "we won't allow it!"), "a3": ("q1", "We will never allow it"),
             "a5": ("q1", "we will NEVER allow it"), "a6": ("q1", "Not here, not ever"), "a7": ("q1", "Never on our watch"),
             "a4": ("q2", "Not on our soil"), "new": ("q1", "We will not allow it"), "new2": ("q1", "never, on our watch")}
    conn.executemany("INSERT INTO quote_occurrences (quote_id, article_id, start, end, record) VALUES (?, ?, ?, ?, ?)",
                     [(q, a, 0, len(t), json.dumps({"text": t, "start": 0, "end": len(t)})) for a, (q, t) in texts.items()])
    batch = {"new", "new2"}
    kept = {"quotes": {"q1", "q2"}, "kept": {"q1", "q2"}, "brought": {"q1": batch}}
    assert _carriers_of_touched(conn, kept, set()) == batch | {"a7"}
    assert _carriers_of_touched(conn, {**kept, "brought": {"q1": batch | {"a3"}}}, set()) == batch | {"a7", "a3", "a5"}
    assert _carriers_of_touched(conn, {**kept, "kept": {"q2"}}, set()) == set(texts) - {"a4"}
    assert _carriers_of_touched(conn, {**kept, "kept": {"q1"}}, set()) == batch | {"a7", "a4"}
    assert _carriers_of_touched(conn, {"quotes": {"q1", "q2"}}, set()) == set(texts)
    assert _carriers_of_touched(conn, kept, {"gone"}) == set(texts)
