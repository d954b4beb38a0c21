"""Incremental linking: a build adds its new articles to the saved linking state, and the
result is the one a full link of the same store gives (on the bundled sample)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from dossier.build import BuildOptions, build
from dossier.link.corpus import link
from dossier.link.linker import load_state, stored_state_size
from dossier.report.document import build_document
from dossier.store.db import connect

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample"


def _shape(document: dict) -> dict:
    """What a user reads of a dossier, keyed by source paths (article ids are content hashes)."""
    source = {a["id"]: a["source"] for a in document["articles"]}
    return {
        "events": sorted(sorted(source[i] for i in e["articles"]) for e in document["events"]),
        "stories": len(document["stories"]),
        "copies": sorted((source[c["article"]], source[c["of"]], c["kind"]) for c in document["copies"]),
        "quotes": sorted((q["text"], q["speaker"], len(q["occurrences"])) for q in document["quotes"]),
        "actors": sorted(a["id"] for a in document["actors"]),
        "claims": len(document["claims"]),
        "flags": sorted((f["kind"], f["severity"], f["message"]) for f in document["flags"]),
    }


def test_a_second_build_links_only_its_new_articles_and_matches_a_full_link(tmp_path):
    conn = connect(tmp_path / "story.db")
    first = build([str(SAMPLE / "html"), str(SAMPLE / "txt")], conn, BuildOptions(workers=1))
    second = build([str(SAMPLE / "feeds")], conn, BuildOptions(workers=1))
    assert first.linked["linked_new"] == first.linked["articles"]
    # the feed articles are new and no older article changed: only they were linked
    assert 0 < second.linked["linked_new"] == second.linked["articles"] - first.linked["articles"]
    incremental = _shape(build_document(conn))
    sizes = link(conn, full=True)
    assert sizes["linked_new"] == sizes["articles"]
    full = _shape(build_document(conn))
    assert incremental == full
    assert len(incremental["events"]) >= 3 and incremental["copies"] and incremental["flags"]


def test_nothing_new_changes_nothing_and_the_state_is_kept_in_the_store(tmp_path):
    conn = connect(tmp_path / "story.db")
    build([str(SAMPLE)], conn, BuildOptions(workers=1))
    before = json.dumps(build_document(conn), sort_keys=True)
    assert stored_state_size(conn) > 0
    again = build([str(SAMPLE)], conn, BuildOptions(workers=1))
    assert again.linked["linked_new"] == 0
    assert json.dumps(build_document(conn), sort_keys=True) == before


def test_a_full_link_that_fails_at_its_end_keeps_the_state_it_had(tmp_path, monkeypatch):
    """A full link drops its state once pickled, before claims and flags, and stores it at the
    end: a failure in between leaves the store's state (and its token) as they were."""
    from dossier.link import corpus
    from dossier.store.marks import read_mark

    conn = connect(tmp_path / "story.db")
    build([str(SAMPLE)], conn, BuildOptions(workers=1))
    before = (list(conn.execute("SELECT seq, data FROM link_state_chunks ORDER BY seq")), read_mark(conn, "linking state"))

    def fail(*args, **kwargs):
        raise RuntimeError("claims and flags failed")

    monkeypatch.setattr(corpus, "claims_and_flags", fail)
    with pytest.raises(RuntimeError, match="claims and flags failed"):
        link(conn, full=True)
    assert (list(conn.execute("SELECT seq, data FROM link_state_chunks ORDER BY seq")), read_mark(conn, "linking state")) == before
    monkeypatch.undo()
    link(conn, full=True)  # and the next link stores a new one
    assert read_mark(conn, "linking state") != before[1] and stored_state_size(conn) > 0


@pytest.mark.parametrize("copy_process", [False, True], ids=["one process", "copy stage"])
def test_no_part_of_the_state_is_alive_during_claims_and_flags(tmp_path, monkeypatch, copy_process):
    """Claims and flags fork their workers beside the parent: a full link has dropped its whole
    state by then (a second reference to the statements once kept ~560 MB at 200,000 articles)."""
    import gc

    from dossier.analyze.record import cached_kb, kb_fingerprint
    from dossier.link import corpus
    from dossier.link.copies import CopyIndex
    from dossier.link.events import EventIndex
    from dossier.link.linker import Linker
    from dossier.link.quotes import QuoteIndex

    conn = connect(tmp_path / "story.db")
    build([str(SAMPLE)], conn, BuildOptions(workers=1))
    kinds = (Linker, QuoteIndex, CopyIndex, EventIndex)

    def instances() -> list:
        gc.unfreeze()  # frozen objects are not listed
        gc.collect()
        found = [o for o in gc.get_objects() if isinstance(o, kinds)]
        gc.freeze()
        return found

    before = instances()  # other tests' (kept referenced here, so no new object takes an id of theirs)
    known = {id(o) for o in before}
    alive: list[str] = []
    derive = corpus.claims_and_flags

    def looking(*args, **kwargs):
        alive.extend(type(o).__name__ for o in instances() if id(o) not in known)
        return derive(*args, **kwargs)

    monkeypatch.setattr(corpus, "claims_and_flags", looking)
    sizes = corpus._link_full(conn, cached_kb(None), kb_fingerprint(None), copy_process=copy_process)
    assert ("stage" in sizes["cpu"]) == copy_process
    assert sizes["quotes"] and sizes["copies"]  # there was a state to drop
    assert alive == []


def test_a_changed_article_makes_the_next_link_a_full_one(tmp_path):
    conn = connect(tmp_path / "story.db")
    build([str(SAMPLE / "txt")], conn, BuildOptions(workers=1))
    before = _shape(build_document(conn))
    # an analysis redone (e.g. cleaning learned new boilerplate) cannot be unlinked piecemeal
    conn.execute("UPDATE analyses SET key = key || '-changed' WHERE article_id = (SELECT MIN(article_id) FROM analyses)")
    conn.commit()
    sizes = link(conn)
    assert sizes["linked_new"] == sizes["articles"]
    assert _shape(build_document(conn)) == before


def test_a_state_from_another_version_is_not_trusted(tmp_path):
    conn = connect(tmp_path / "story.db")
    build([str(SAMPLE / "txt")], conn, BuildOptions(workers=1))
    conn.execute("UPDATE link_state SET version = 'old'")
    conn.commit()
    sizes = link(conn)
    assert sizes["linked_new"] == sizes["articles"]
    assert conn.execute("SELECT version FROM link_state").fetchone()[0] != "old"


@pytest.mark.parametrize("groups", [(("copies", "statements"),), (("copies",), ("statements",))],
                         ids=["one child", "two children"])
def test_a_full_link_with_the_copy_stage_in_a_second_process_gives_the_same_tables(tmp_path, monkeypatch, groups):
    """A large store's full link finds copies and links statements in child processes
    (link.copy_stage: both in one, or each in its own) while the parent links actors and events
    with the statement keys a child sends: the tables, the export and the saved state must be
    those of one process."""
    import io
    import pickle

    from dossier.analyze.record import cached_kb, kb_fingerprint
    from dossier.link import copy_stage
    from dossier.link.corpus import _link_full
    from dossier.link.linker import _Inflating, _stored_chunks

    monkeypatch.setattr(copy_stage, "children", lambda: groups)
    monkeypatch.setattr(copy_stage, "BATCH", 2)  # many batches in each child's file of findings
    spool = tmp_path / "spool"  # where the children spool their indexes for the parent (removed once read)
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))

    conn = connect(tmp_path / "story.db")
    build([str(SAMPLE)], conn, BuildOptions(workers=1))
    tables = {}
    for copy_process in (False, True):
        sizes = _link_full(conn, cached_kb(None), kb_fingerprint(None), copy_process=copy_process)
        assert ("stage" in sizes["cpu"]) == copy_process
        tables[copy_process] = {t: sorted(tuple(r) for r in conn.execute(f"SELECT * FROM {t}"))
                                for t in ("copies", "events", "event_articles", "quotes", "quote_occurrences",
                                          "stories", "story_events", "claims", "flags")}
        tables[copy_process]["export"] = json.dumps(build_document(conn), sort_keys=True)
        # the state as saved: its parts (link.linker._compressed_pickle) the same; the statements,
        # copies and events pickled byte for byte as one process pickles them (the first part's
        # article ids are other string objects when the copy relations come from the child, which
        # pickle's memo shows: it is compared as loaded)
        saved = io.BufferedReader(_Inflating(_stored_chunks(conn)))
        rest = pickle.load(saved)
        tables[copy_process]["state"] = [rest, saved.read()]
        state = load_state(conn, cached_kb(None), kb_fingerprint(None))
        tables[copy_process]["relations kept"] = sorted(json.dumps(r, sort_keys=True) for r in state.each_copy_record())
        assert len(state.copies) and not len(state.copies._found)  # the linker keeps the relations, not its index
        tables[copy_process]["statements"] = [q.to_dict() for q in state.quotes.all()]
    assert tables[True] == tables[False]
    assert tables[True]["copies"] and tables[True]["relations kept"] and tables[True]["state"][1]
    assert not list(spool.iterdir())
    # a server's full link keeps its state resident: the copies' index is loaded from the child's file
    from dossier.link import corpus
    from dossier.link.copies import CopyIndex

    _link_full(conn, cached_kb(None), kb_fingerprint(None), resident=True, copy_process=True)
    resident = corpus._RESIDENT.pop("state")[1]
    assert isinstance(resident.copies, CopyIndex) and resident.copies.texts is not None
    # the index the child built, every article in it as in the saved one (the relations are the linker's)
    assert len(resident.copies) == len(state.copies) > 0
    assert [resident.copies._id(n) for n in range(len(state.copies))] == [state.copies._id(n) for n in range(len(state.copies))]
    assert sorted(json.dumps(r, sort_keys=True) for r in resident.each_copy_record()) == tables[True]["relations kept"]
    # its statements, from the child's file: the ids and the speakers' names one process gives them
    assert [q.to_dict() for q in resident.quotes.all()] == tables[True]["statements"]
    assert not list(spool.iterdir())
    # statements that several articles carry, with their speakers named (the parent's actors)
    assert any(len(q["occurrences"]) > 1 and q["speaker_name"] for q in tables[True]["statements"])


def test_the_copy_stage_gives_each_part_a_process_of_its_own():
    """Copies and statements each get a child, whatever the store's size: on two cores three
    processes now beat two from the smallest store that uses the stage (session 21)."""
    from dossier.link.copy_stage import PARTS, children

    assert children() == tuple((part,) for part in PARTS) == (("copies",), ("statements",))


def test_the_copy_stage_children_run_below_the_linking_process(tmp_path, monkeypatch):
    """The children yield the CPU to the linking process, which reads what they find: on two
    cores it would otherwise fall behind them and finish alone (session 28)."""
    import os

    from dossier.analyze.record import cached_kb, kb_fingerprint
    from dossier.link import corpus
    from dossier.link.copy_stage import CHILD_NICENESS

    conn = connect(tmp_path / "story.db")
    build([str(SAMPLE)], conn, BuildOptions(workers=1))
    seen = tmp_path / "niceness"
    real = corpus.link_inputs

    def reading(*args, **kwargs):  # runs in whichever process reads the articles: each notes its niceness
        with open(seen, "a", encoding="utf-8") as out:
            out.write(f"{'child' if 'records' in kwargs else 'linking'} {os.nice(0)}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(corpus, "link_inputs", reading)
    corpus._link_full(conn, cached_kb(None), kb_fingerprint(None), copy_process=True)
    lines = sorted(seen.read_text(encoding="utf-8").split("\n")[:-1])
    ours = os.nice(0)
    assert lines == [f"child {min(19, ours + CHILD_NICENESS)}"] * 2 + [f"linking {ours}"]


def test_the_copy_stage_reports_a_child_that_fails(tmp_path):
    """A copy stage whose child cannot read the store says so; it does not hang."""
    import pytest

    from dossier.link.copy_stage import CopyStage

    stage = CopyStage(str(tmp_path / "missing.db"))
    try:
        with pytest.raises(RuntimeError, match="copy stage failed"):
            stage.found("a1")
    finally:
        stage.close()


def test_an_incremental_link_rewrites_only_the_stories_its_events_are_in(tmp_path):
    """Stories are kept in the linking state: adding an article rewrites the story rows of the
    events it changed (and deletes the rows of stories merged away), not every story; the
    stories then read as a full link of the same store gives them."""
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE / "txt", corpus)
    late = corpus / "gaceta-sin-subordinacion.txt"
    held = late.read_text(encoding="utf-8")
    late.unlink()
    conn = connect(tmp_path / "story.db")
    build([str(corpus)], conn, BuildOptions(workers=1))
    # a mark in every story row: a row written again (even with the same record) loses it
    conn.execute("UPDATE stories SET record = json_set(record, '$.untouched', 1)")
    before = {r[0] for r in conn.execute("SELECT id FROM stories")}
    # and a note of every story_events row written (schema 14: a story's events are rows)
    # (in the store, not TEMP: a full link writes its tables from a process of its own, with its own connection)
    conn.execute("CREATE TABLE written (event TEXT)")
    conn.execute("CREATE TRIGGER noted AFTER INSERT ON story_events BEGIN INSERT INTO written VALUES (NEW.event); END")
    rows_before = set(conn.execute("SELECT event, story, place FROM story_events"))
    late.write_text(held, encoding="utf-8")
    second = build([str(corpus)], conn, BuildOptions(workers=1))
    assert second.linked["linked_new"] == 1
    written = {r[0] for r in conn.execute("SELECT event FROM written")}
    # only the rows that changed: a new event, one whose first day moved, those of a story merged away
    changed = {r[0] for r in set(conn.execute("SELECT event, story, place FROM story_events")) - rows_before}
    assert written == changed and len(written) < len(rows_before)
    kept = {r[0] for r in conn.execute("SELECT id FROM stories WHERE json_extract(record, '$.untouched') = 1")}
    rewritten = before - kept
    assert len(before) >= 2 and 1 <= len(rewritten) < len(before)  # some story row was left as it was
    assert len(rewritten) <= 2  # the story the new article's event is in, and one it may have merged
    # an article of our own on another day and happening, by actors of the story: a new event
    # that joins it; its row is written, and no other (unless its story merges with another)
    meeting = tmp_path / "meeting.jsonl"
    meeting.write_text(json.dumps({
        "url": "https://example.org/2025/09/03/security-group", "outlet": "Example Post", "published": "2025-09-03",
        "title": "Sheinbaum and Rubio set up a security group",
        "text": "President Claudia Sheinbaum met U.S. Secretary of State Marco Rubio at the National Palace on "
                "Wednesday and agreed to set up a joint security group on cartels and arms trafficking.\n\n"
                "Sheinbaum said the group would respect Mexico's sovereignty, and Rubio said Washington would "
                "work with Mexico rather than act alone."}) + "\n", encoding="utf-8")
    conn.execute("DELETE FROM written")
    rows_before = set(conn.execute("SELECT event, story, place FROM story_events"))
    third = build([str(corpus), str(meeting)], conn, BuildOptions(workers=1))
    assert third.linked["linked_new"] == 1 and third.linked["events"] == second.linked["events"] + 1
    written = {r[0] for r in conn.execute("SELECT event FROM written")}
    changed = {r[0] for r in set(conn.execute("SELECT event, story, place FROM story_events")) - rows_before}
    assert written == changed and 1 <= len(written) < len(rows_before)
    conn.execute("UPDATE stories SET record = json_remove(record, '$.untouched')")
    incremental = build_document(conn)["stories"]
    (new_event,) = conn.execute("SELECT ea.event_id FROM event_articles ea JOIN sources s ON s.article_id = ea.article_id "
                                "WHERE s.file = ?", (str(meeting),)).fetchone()
    assert any(new_event in s["events"] and len(s["events"]) > 1 for s in incremental)  # it joined a story
    link(conn, full=True)
    full = build_document(conn)["stories"]
    assert {r[0] for r in conn.execute("SELECT event FROM written")} == {e for s in full for e in s["events"]}  # noted
    assert [s["events"] for s in incremental] == [s["events"] for s in full]  # the same events, in the same order
    assert [s["id"] for s in incremental] == [s["id"] for s in full]
    assert [s["title"] for s in incremental] == [s["title"] for s in full]


def test_a_few_events_joining_a_large_story_take_the_places_a_sort_gives_them():
    """`linker._merged` puts a small story's events into a large one's one at a time; the order is
    the sort's, for small stories (put in) and like-sized ones (sorted), dated or not."""
    import random
    from datetime import date, timedelta

    from dossier.link.linker import SMALL_MERGE, _merged

    rng = random.Random(7)
    places = {}
    for n in range(5000):
        key = f"e{rng.getrandbits(48):012x}"
        day = None if rng.random() < 0.05 else date(2025, 1, 1) + timedelta(days=rng.randrange(400))
        places[key] = (day is None, day or date.min, key)  # as Linker._first_day gives them
    keys = list(places)
    for big_size, small_size in [(4000, 1), (4000, SMALL_MERGE), (4000, SMALL_MERGE + 1), (100, 90), (40, 3)]:
        chosen = rng.sample(keys, big_size + small_size)
        big = sorted(chosen[:big_size], key=places.__getitem__)
        small = sorted(chosen[big_size:], key=places.__getitem__)
        assert _merged(list(big), small, places.__getitem__) == sorted(chosen, key=places.__getitem__)


def test_changes_folded_one_after_another_keep_a_statement_changed_or_retired_by_its_last_change():
    """`Changes.update` takes only the later change's statements out of the retired ones; folding
    random changes (each with no statement both changed and retired, as `add_statements_of` and
    `merge_statements` give them) ends as taking every changed statement out of the retired at each step."""
    import random

    from dossier.link.linker import Changes

    rng = random.Random(7)
    ids = [f"q{n}" for n in range(12)]
    for _ in range(200):
        folded, reference_quotes, reference_retired = Changes(), {}, set()
        for _ in range(rng.randint(1, 8)):
            chosen = rng.sample(ids, rng.randint(0, 6))
            cut = rng.randint(0, len(chosen))
            quotes = {q: f"{q}@{rng.random()}" for q in chosen[:cut]}
            retired = set(chosen[cut:])
            folded.update(Changes(quotes=dict(quotes), retired_quotes=set(retired)))
            for q in retired:
                reference_quotes.pop(q, None)
            reference_retired |= retired
            reference_quotes.update(quotes)
            reference_retired -= set(reference_quotes)
        assert folded.quotes == reference_quotes and folded.retired_quotes == reference_retired
        assert not folded.retired_quotes & set(folded.quotes)
