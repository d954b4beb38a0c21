"""An incremental link reads the saved state a part at a time (`link.adding`): one part of the
statements, copies and events in memory at once, and none while claims and flags run. It must
give what adding each article to the whole state gives (`Linker.add`, as a server does)."""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path

import lz4.frame
import pytest

from dossier.build import BuildOptions, build
from dossier.link import adding
from dossier.link import corpus as link_corpus
from dossier.link import linker as linker_module
from dossier.link import pickling
from dossier.report.document import build_document
from dossier.store.db import connect

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample"
BENCH = Path(__file__).resolve().parents[1] / "bench"
PARTS = ("txt", "feeds", "html")


def _export(conn) -> str:
    document = build_document(conn)
    document.pop("generator", None)
    return json.dumps(document, sort_keys=True)


def _state(conn) -> list[object]:
    """The saved state: the pickle of each of the Linker's own attributes, then each part's
    pickled bytes (the attributes pickled together may share strings either way)."""
    data = b"".join(r[0] for r in conn.execute("SELECT data FROM link_state_chunks ORDER BY seq"))
    places = linker_module.part_places(conn)
    bounds = [0, *(places[p] for p in linker_module.PARTS), len(data)]
    frames = [lz4.frame.decompress(data[a:b]) for a, b in zip(bounds, bounds[1:])]
    head = pickling.load(io.BytesIO(frames[0]))
    return [{k: pickle.dumps(v, protocol=5) for k, v in head.items()}, *frames[1:]]


def _no_journal(monkeypatch) -> None:
    monkeypatch.setattr(linker_module, "JOURNAL_MIN", 0)
    monkeypatch.setattr(linker_module, "JOURNAL_SHARE", 0.0)


@pytest.mark.parametrize("saves", ["journal", "snapshots", "journal then snapshot"])
def test_a_link_a_part_at_a_time_gives_what_the_whole_state_gives(tmp_path, monkeypatch, saves):
    """`journal`: each add appends to the journal, and the next replays it; `snapshots`: each add
    saves a snapshot, written a part at a time; `journal then snapshot`: the last add replays the
    journal of the one before, then saves a snapshot of what that gives."""
    reads = []
    real_read = adding.read_part
    monkeypatch.setattr(adding, "read_part", lambda conn, linker, part: reads.append(part) or real_read(conn, linker, part))

    def builds(store, monkeypatch) -> None:
        for n, part in enumerate(PARTS):
            if saves == "snapshots" or (saves == "journal then snapshot" and n == len(PARTS) - 1):
                _no_journal(monkeypatch)
            report = build([str(SAMPLE / part)], store, BuildOptions(workers=1))
            assert report.linked["linked_new"] > 0

    parted = connect(tmp_path / "parted.db")
    with monkeypatch.context() as patched:
        builds(parted, patched)
    assert reads == ["quotes", "copies", "events"] * (len(PARTS) - 1)  # every add after the first build's full link
    journaled = parted.execute("SELECT COUNT(article_id) FROM link_journal").fetchone()[0]
    assert (journaled > 0) == (saves == "journal")
    whole = connect(tmp_path / "whole.db")
    with monkeypatch.context() as patched:  # the same builds, each adding to the whole state loaded at once
        patched.setattr(adding, "read_head", lambda *a: None)
        patched.setattr(adding, "part_places", lambda conn: None)  # (a state saved whole: read whole)
        builds(whole, patched)
    assert _export(parted) == _export(whole)
    assert _state(parted) == _state(whole)  # the snapshot the same (and the journal)
    assert parted.execute("SELECT * FROM link_journal ORDER BY seq").fetchall() == \
        whole.execute("SELECT * FROM link_journal ORDER BY seq").fetchall()


def _generated_batches(folder: Path, monkeypatch) -> list[Path]:
    """Three batches of generated articles (bench/corpus_gen.py, its words drawn from our sample
    texts): events of their own in each batch, some articles copied or rewritten, and in the
    later batches earlier articles again at another address (new sources of stored articles)."""
    monkeypatch.syspath_prepend(str(BENCH))
    import corpus_gen

    texts = [p.read_text(encoding="utf-8") for p in sorted((SAMPLE / "txt").glob("*.txt"))]
    monkeypatch.setattr(corpus_gen, "real_texts", lambda: texts)
    corpus_gen.generate(folder / "generated", 180, seed=7, days=30)
    records = [json.loads(line) for line in (folder / "generated" / "shard-00000.jsonl").open(encoding="utf-8")]
    batches = []
    for n in range(3):
        batch = records[60 * n:60 * (n + 1)]
        for old in records[:60 * n:12]:  # stored articles at another address
            batch.append(dict(old, url=old["url"] + f"?again={n}"))
        path = folder / f"batch-{n}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in batch), encoding="utf-8")
        batches.append(path)
    return batches


def test_a_journal_replayed_a_part_at_a_time_gives_what_the_whole_state_gives(tmp_path, monkeypatch):
    """Generated batches, whose events and stories the later batches do not all touch: the second
    batch is journaled; the third replays it (its stories joined at the batch's end, the events of
    articles with new sources dated again) and saves a snapshot."""
    batches = _generated_batches(tmp_path, monkeypatch)

    def builds(store, monkeypatch) -> None:
        for n, batch in enumerate(batches):
            if n == len(batches) - 1:
                _no_journal(monkeypatch)
            report = build([str(batch)], store, BuildOptions(workers=1))
            assert report.linked["linked_new"] > 0

    parted, whole = connect(tmp_path / "parted.db"), connect(tmp_path / "whole.db")
    with monkeypatch.context() as patched:
        builds(parted, patched)
    with monkeypatch.context() as patched:
        patched.setattr(adding, "read_head", lambda *a: None)
        patched.setattr(adding, "part_places", lambda conn: None)
        builds(whole, patched)
    assert parted.execute("SELECT COUNT(*) FROM events").fetchone()[0] > 10
    assert _export(parted) == _export(whole)
    assert _state(parted) == _state(whole)


def test_one_part_is_in_memory_at_a_time_and_none_during_claims_and_flags(tmp_path, monkeypatch):
    conn = connect(tmp_path / "store.db")
    build([str(SAMPLE / "txt")], conn, BuildOptions(workers=1))
    loaded: list[tuple[str, list[str]]] = []
    linkers = []
    real_read, real_claims = adding.read_part, link_corpus.claims_and_flags

    def read_part(conn, linker, part):
        linkers.append(linker)
        loaded.append((part, [p for p in linker_module.PARTS if getattr(linker, p) is not None]))
        real_read(conn, linker, part)

    def claims_and_flags(*args, **kwargs):
        loaded.append(("claims and flags", [p for p in linker_module.PARTS if getattr(linkers[-1], p) is not None]))
        return real_claims(*args, **kwargs)

    monkeypatch.setattr(adding, "read_part", read_part)
    monkeypatch.setattr(link_corpus, "claims_and_flags", claims_and_flags)  # (called by `derive_added`)
    build([str(SAMPLE / "feeds")], conn, BuildOptions(workers=1))
    assert loaded == [("quotes", []), ("copies", []), ("events", []), ("claims and flags", [])]


def test_a_state_saved_whole_is_read_whole_and_links_alike(tmp_path):
    """A state saved before its parts had frames of their own (no places in its mark) is read
    whole by `load_state`, which reads one frame or several alike."""
    from dossier.store.marks import read_mark, write_mark

    conn, reference = connect(tmp_path / "old.db"), connect(tmp_path / "new.db")
    for store in (conn, reference):
        build([str(SAMPLE / "txt")], store, BuildOptions(workers=1))
    mark = read_mark(conn, "linking state")
    write_mark(conn, "linking state", mark.pop("seq"), token=mark["token"])  # its parts' places unknown
    conn.commit()
    assert linker_module.part_places(conn) is None
    for store in (conn, reference):
        build([str(SAMPLE / "feeds")], store, BuildOptions(workers=1))
    assert _export(conn) == _export(reference)


def test_a_part_that_cannot_be_read_makes_the_link_a_full_one(tmp_path):
    conn = connect(tmp_path / "store.db")
    build([str(SAMPLE / "txt")], conn, BuildOptions(workers=1))
    places = linker_module.part_places(conn)
    # the events' frame spoiled (LZ4's magic number gone): the statements and copies read, then the events not
    row = conn.execute("SELECT seq, data FROM link_state_chunks ORDER BY seq").fetchall()
    assert len(row) == 1
    data = bytearray(row[0][1])
    data[places["events"]:places["events"] + 4] = b"\0\0\0\0"
    conn.execute("UPDATE link_state_chunks SET data = ? WHERE seq = ?", (bytes(data), row[0][0]))
    conn.commit()
    report = build([str(SAMPLE / "feeds")], conn, BuildOptions(workers=1))
    assert report.linked["linked_new"] == report.linked["articles"]  # linked anew, not added to
    reference = connect(tmp_path / "reference.db")
    build([str(SAMPLE / "txt"), str(SAMPLE / "feeds")], reference, BuildOptions(workers=1))
    assert _export(conn) == _export(reference)


def test_the_saved_state_is_read_from_any_place_a_piece_at_a_time_or_whole(tmp_path, monkeypatch):
    """`_stored_chunks(conn, place)` gives the stored bytes from `place` on, across chunks: by
    SQLite's blob I/O a MiB at a time (Python 3.11), or a chunk at a time where there is none."""
    conn = connect(tmp_path / "store.db")
    monkeypatch.setattr(linker_module._Chunks, "CHUNK", 4096)  # many chunks
    build([str(SAMPLE / "txt")], conn, BuildOptions(workers=1))
    stored = b"".join(r[0] for r in conn.execute("SELECT data FROM link_state_chunks ORDER BY seq"))
    assert conn.execute("SELECT COUNT(*) FROM link_state_chunks").fetchone()[0] > 5

    class Without:  # a connection without blob I/O (Python 3.10)
        def execute(self, *args):
            return conn.execute(*args)

    for place in (0, 1, 4095, 4096, 10_000, len(stored) - 1, len(stored)):
        pieces = list(linker_module._stored_chunks(conn, place))
        assert b"".join(pieces) == stored[place:]
        assert all(len(piece) <= 1 << 20 for piece in pieces)
        assert b"".join(linker_module._stored_chunks(Without(), place)) == stored[place:]


KILLED_IN_A_STEP = """
import os, signal, sys
from dossier.build import BuildOptions, build
from dossier.link import adding
from dossier.link import corpus as link_corpus
from dossier.store.db import connect

real = adding.read_part
def read_part(conn, linker, part):
    if part == sys.argv[3]:
        os.kill(os.getpid(), signal.SIGKILL)  # the statements (and copies) linked, nothing written yet
    return real(conn, linker, part)
adding.read_part = read_part
build([sys.argv[2]], connect(sys.argv[1]), BuildOptions(workers=1))
"""


@pytest.mark.parametrize("part", ["copies", "events"])
def test_an_add_killed_in_a_step_leaves_the_store_as_it_was_and_the_next_build_links_it(tmp_path, part):
    import subprocess
    import sys

    conn, reference = connect(tmp_path / "killed.db"), connect(tmp_path / "reference.db")
    for store in (conn, reference):
        build([str(SAMPLE / "txt")], store, BuildOptions(workers=1))
    before = _state(conn)
    killed = subprocess.run([sys.executable, "-c", KILLED_IN_A_STEP, str(tmp_path / "killed.db"),
                             str(SAMPLE / "feeds"), part], capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr
    conn = connect(tmp_path / "killed.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _state(conn) == before and conn.execute("SELECT COUNT(*) FROM link_journal").fetchone()[0] == 0
    report = build([str(SAMPLE / "feeds")], conn, BuildOptions(workers=1))
    assert 0 < report.linked["linked_new"] < report.linked["articles"]  # an add, not a full link
    build([str(SAMPLE / "feeds")], reference, BuildOptions(workers=1))
    assert _export(conn) == _export(reference)


W1 = ("We will not accept any foreign soldiers on Mexican soil, and no government in Washington "
      "will decide that for the people of this country")
W2 = ("We will not accept any foreign soldiers on Mexican soil, and no government in Washington "
      "will decide that for the people of our country")


def _quoting(n: int, wording: str, day: int) -> dict:
    """An article of our own writing that quotes the Mexican president in `wording`."""
    text = (f"Mexico's president spoke in the capital on the {day}th. \"{wording},\" Claudia Sheinbaum said "
            f"at her morning news conference, in the remarks numbered {n} in this test.\n\n"
            f"Officials in the capital said talks on security would go on next week (note {n}).")
    return {"text": text, "title": f"Sheinbaum rejects foreign troops ({n})", "url": f"https://outlet{n}.example/story-{n}",
            "outlet": f"outlet{n}.example", "published": f"2025-03-{day:02d}"}


@pytest.mark.parametrize("journal", [True, False])
@pytest.mark.parametrize("state", ["parts", "whole"])
def test_a_statement_whose_id_goes_and_comes_back_within_an_add_keeps_one_row(tmp_path, monkeypatch, journal, state):
    """Two wordings of one statement: the stored articles use the first; the new ones, in the order
    they are linked, first outnumber it with the second (the statement's id becomes the second's:
    the first's is retired) and then the first outnumbers that again (its id comes back). The store
    ends with one statement, under the first wording's id, as a full link of the same articles gives."""
    old = [_quoting(1, W1, 1), _quoting(2, W1, 2)]
    new = [_quoting(3, W2, 3), _quoting(4, W2, 4), _quoting(5, W2, 5), _quoting(6, W1, 6), _quoting(7, W1, 7)]
    for name, records in (("old.jsonl", old), ("new.jsonl", new)):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    if not journal:
        _no_journal(monkeypatch)
    if state == "whole":  # the state loaded whole (`corpus._link`), as a state saved by earlier code is
        monkeypatch.setattr(adding, "read_head", lambda *a: None)
        monkeypatch.setattr(adding, "part_places", lambda conn: None)
    conn = connect(tmp_path / "story.db")
    build([str(tmp_path / "old.jsonl")], conn, BuildOptions(workers=1))
    first = [q["id"] for q in build_document(conn)["quotes"] if "foreign soldiers" in q["text"]]
    assert len(first) == 1
    seen = []  # the statement's id after each new article (the batch's adds, in order)
    real_add = linker_module.Linker.add_statements_of

    def add_statements_of(self, item, changes, merge=True, records=True):
        keys = real_add(self, item, changes, merge, records)
        seen.append(sorted(set(self.quotes.quote_ids.values())))
        return keys

    monkeypatch.setattr(linker_module.Linker, "add_statements_of", add_statements_of)
    report = build([str(tmp_path / "new.jsonl")], conn, BuildOptions(workers=1))
    assert report.linked["linked_new"] == len(new)
    others = set.intersection(*map(set, seen))  # the articles' other statement (their second paragraph's)
    ids = [sorted(set(s) - others) for s in seen]
    # the second wording outnumbers the first at the third new article; the first is back at the fourth (a tie: earliest)
    assert ids == [first, first, [ids[2][0]], first, first] and ids[2] != first
    rows = conn.execute("SELECT id FROM quotes WHERE text LIKE '%foreign soldiers%'").fetchall()
    assert [r[0] for r in rows] == first
    added = _export(conn)
    link_corpus.link(conn, full=True)  # (the articles' dates rise in the order they were added: a full link's order)
    assert _export(conn) == added


def _lead(n: int, lead: str, published: str, url: str | None = None) -> dict:
    """An article of our own writing on the president's rejection of foreign troops."""
    text = (f"{lead} Mexican President Claudia Sheinbaum rejected any deployment of United States troops against "
            f"the cartels, saying Mexico would cooperate on security but would not accept intervention.\n\n"
            f"Sheinbaum told reporters that her government had sent the proposal back to Washington (item {n}).")
    return {"text": text, "title": f"Sheinbaum rejects U.S. troops against cartels ({n})",
            "url": url or f"https://outlet{n}.example/sheinbaum-{n}", "outlet": f"outlet{n}.example", "published": published}


@pytest.mark.parametrize("state", ["parts", "whole"])
def test_an_earlier_source_of_a_linked_article_dates_its_event_again(tmp_path, monkeypatch, state):
    """An event's date tally is saved with a snapshot; a later build gives one of its articles an
    earlier source, so its lead's "on Thursday" is another day. The article's analysis is redone
    (its key holds its earliest date), so that build links in full and the event is dated from the
    new day; a build after it adds to the event and keeps that date, as a full link dates it. (That
    re-analysis is why no saved tally outlives a change of its articles' dates: the tallies dropped for
    articles with new sources, in `apply_changes`, `_replay` and `link_added`, are a guard only.)"""
    if state == "whole":
        monkeypatch.setattr(adding, "read_head", lambda *a: None)
        monkeypatch.setattr(adding, "part_places", lambda conn: None)
    thursday = _lead(1, "On Thursday,", "2025-03-07")
    batches = [
        [thursday, _lead(2, "In Mexico City,", "2025-03-07")],
        [_lead(3, "At her news conference,", "2025-03-08")],  # saved as a snapshot: the event's tally with it
        [dict(thursday, url="https://early.example/sheinbaum-1", outlet="early.example", published="2025-03-01"),
         _lead(4, "Separately,", "2025-03-20")],  # the first article's earliest source is now a week before
        [_lead(5, "In a statement,", "2025-03-08")],  # adds to the event
    ]
    conn = connect(tmp_path / "story.db")
    dates, linked = [], []
    for n, batch in enumerate(batches):
        path = tmp_path / f"batch-{n}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in batch), encoding="utf-8")
        with monkeypatch.context() as patched:
            if n == 1:
                _no_journal(patched)
            report = build([str(path)], conn, BuildOptions(workers=1))
        linked.append((report.linked["linked_new"], report.linked["articles"]))
        first = conn.execute("SELECT event_id FROM event_articles WHERE article_id = "
                             "(SELECT article_id FROM sources WHERE url = ?)", (thursday["url"],)).fetchone()[0]
        dates.append(build_document(conn)["events"][[e["id"] for e in build_document(conn)["events"]].index(first)]["date"])
    assert linked == [(2, 2), (1, 3), (4, 4), (1, 5)]  # the third build linked in full
    assert dates == ["2025-03-06", "2025-03-06", "2025-02-27", "2025-02-27"]  # the Thursday before the earliest source

    def dated(conn) -> list[tuple[list[str], str]]:  # (an add links in arrival order, a full link by date: the
        return sorted((sorted(e["articles"]), e["date"]) for e in build_document(conn)["events"])  # same events)
    added = dated(conn)
    link_corpus.link(conn, full=True)
    assert dated(conn) == added
