"""Incremental linking: a build adds its new articles to the saved linking state, and the
result is the one a full link of the same store gives (on the bundled sample)."""

from __future__ import annotations

import json
from pathlib import Path

from dossier.build import BuildOptions, build
from dossier.link.corpus import link
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
    state = conn.execute("SELECT length(state) FROM link_state").fetchone()[0]
    assert state > 0
    again = build([str(SAMPLE)], conn, BuildOptions(workers=1))
    assert again.linked["linked_new"] == 0
    assert json.dumps(build_document(conn), sort_keys=True) == before


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
