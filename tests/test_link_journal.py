"""The linking state's journal: an incremental build appends the articles it linked instead of
saving the whole state again; loading replays them onto the snapshot. The result must be the
one that saving a snapshot after every build gives."""

from __future__ import annotations

import json
from pathlib import Path

from dossier.build import BuildOptions, build
from dossier.link import linker as linker_module
from dossier.report.document import build_document
from dossier.store.db import connect

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample"
PARTS = ("txt", "feeds", "html")  # the archive would relink: its pages teach cleaning a boilerplate line


def _builds(db: Path) -> tuple[object, list[bytes]]:
    conn = connect(db)
    snapshots, before = [], 0
    for part in PARTS:
        report = build([str(SAMPLE / part)], conn, BuildOptions(workers=1))
        # only the new articles were linked: the journal's were replayed onto the snapshot, not relinked
        assert report.linked["linked_new"] == report.linked["articles"] - before > 0
        before = report.linked["articles"]
        snapshots.append(b"".join(r[0] for r in conn.execute("SELECT data FROM link_state_chunks ORDER BY seq")))
    return conn, snapshots


def _export(conn) -> str:
    document = build_document(conn)
    document.pop("generator", None)
    return json.dumps(document, sort_keys=True)


def test_a_journaled_state_links_as_saving_a_snapshot_every_time_would(tmp_path, monkeypatch):
    journaled, kept = _builds(tmp_path / "journal.db")
    journal = journaled.execute("SELECT COUNT(*), COUNT(article_id) FROM link_journal").fetchone()
    assert journal[1] > 0  # the later builds were journaled ...
    assert kept[1:] == kept[:1] * (len(PARTS) - 1)  # ... and the snapshot of the first build kept
    monkeypatch.setattr(linker_module, "JOURNAL_MIN", 0)
    monkeypatch.setattr(linker_module, "JOURNAL_SHARE", 0.0)
    snapshots, saved = _builds(tmp_path / "snapshots.db")
    assert snapshots.execute("SELECT COUNT(*) FROM link_journal").fetchone()[0] == 0
    assert len(set(saved)) == len(PARTS)
    assert _export(journaled) == _export(snapshots)


def test_a_server_links_posts_onto_its_state_in_memory_and_reloads_when_another_writer_changed_it(tmp_path, monkeypatch):
    """`dossier serve` keeps the state it saved last: the next post does not load it from the
    store, and gives what loading it would have given; a build by another process in between
    (here another connection) makes it load the store's state again."""
    from dossier.link import adding
    from dossier.link import corpus as link_corpus

    loads = []
    real_load, real_head = link_corpus.load_state, adding.read_head
    monkeypatch.setattr(link_corpus, "load_state", lambda *a: loads.append("load") or real_load(*a))
    monkeypatch.setattr(adding, "read_head", lambda *a: loads.append("head") or real_head(*a))  # (a build's: a part at a time)
    resident, reference = connect(tmp_path / "resident.db"), connect(tmp_path / "reference.db")
    for part in PARTS[:2]:
        build([str(SAMPLE / part)], resident, BuildOptions(workers=1, resident_state=True))
        build([str(SAMPLE / part)], reference, BuildOptions(workers=1))
    assert len(loads) == 2 + 1  # resident: only its first build looked for a saved state; reference: its second
    assert _export(resident) == _export(reference)

    other = connect(tmp_path / "resident.db")  # another writer: a full relink of the same store
    build([str(SAMPLE / PARTS[0])], other, BuildOptions(workers=1, relink=True))
    build([str(SAMPLE / PARTS[0])], reference, BuildOptions(workers=1, relink=True))  # (a relink may group otherwise)
    loads.clear()
    build([str(SAMPLE / PARTS[2])], resident, BuildOptions(workers=1, resident_state=True))
    build([str(SAMPLE / PARTS[2])], reference, BuildOptions(workers=1))
    assert len(loads) == 2  # the resident state no longer matched the store's: loaded again
    assert _export(resident) == _export(reference)


def test_the_saved_state_is_written_and_read_in_chunks(tmp_path, monkeypatch):
    """The linking state is stored as a run of chunks (schema 14): a state of a million articles
    would pass SQLite's 1 GB limit on one value. Saved in small chunks, it loads as the state a
    single chunk holds, and links the next articles alike."""
    from dossier.analyze.record import cached_kb, kb_fingerprint
    from dossier.link.linker import _Chunks, load_state, save_state, stored_state_size

    conn = connect(tmp_path / "one.db")
    build([str(SAMPLE / "txt")], conn, BuildOptions(workers=1))
    one = conn.execute("SELECT COUNT(*) FROM link_state_chunks").fetchone()[0]
    state = load_state(conn, cached_kb(None), kb_fingerprint(None))
    monkeypatch.setattr(_Chunks, "CHUNK", 1024)
    save_state(conn, state)
    chunks = conn.execute("SELECT COUNT(*) FROM link_state_chunks").fetchone()[0]
    assert one == 1 and chunks > 10 and chunks == -(-stored_state_size(conn) // 1024)  # all full but the last
    reloaded = load_state(conn, cached_kb(None), kb_fingerprint(None))
    assert reloaded is not None and reloaded.linked == state.linked
    assert sorted(reloaded.events.events) == sorted(state.events.events)
    build([str(SAMPLE / "feeds")], conn, BuildOptions(workers=1))
    reference = connect(tmp_path / "two.db")
    for part in ("txt", "feeds"):
        build([str(SAMPLE / part)], reference, BuildOptions(workers=1))
    assert _export(conn) == _export(reference)


def test_a_state_with_large_arrays_is_saved_and_loaded(tmp_path):
    """Pickle protocol 5 writes a large buffer (a numpy array of copy keys at scale) to the file
    as a PickleBuffer, not bytes: the state's compressing writer takes both (a state of 100,000
    articles failed to save before it did; the sample's arrays are too small to be written so)."""
    import numpy as np

    from dossier.analyze.record import cached_kb, kb_fingerprint
    from dossier.link.linker import load_state, save_state

    conn = connect(tmp_path / "big.db")
    build([str(SAMPLE / "txt")], conn, BuildOptions(workers=1))
    state = load_state(conn, cached_kb(None), kb_fingerprint(None))
    holders = state.copies._holders
    holders.merge()
    extra = np.arange(1, 300_001, dtype=np.int64) * 7919  # 2.4 MB of keys, held by no real article
    holders.add(extra.tolist(), 0)
    holders.merge()
    assert holders._values.nbytes >= 2_400_000
    save_state(conn, state)
    loaded = load_state(conn, cached_kb(None), kb_fingerprint(None))
    assert np.array_equal(loaded.copies._holders._values, holders._values)
    assert loaded.copies._holders.holders([7919, 15838]) == {0: 2}
