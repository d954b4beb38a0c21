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
