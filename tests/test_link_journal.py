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
        snapshots.append(conn.execute("SELECT state FROM link_state").fetchone()[0])
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
