"""Claim features made ahead on the core a full link leaves idle (`link.features_ahead`), on the
bundled sample: made after the linker step, at the lowest priority, and the claims and flags the
same as when claims and flags compute the features themselves."""

from __future__ import annotations

import os
from pathlib import Path

from dossier.analyze.record import cached_kb, kb_fingerprint
from dossier.build import BuildOptions, build
from dossier.link import corpus, features_ahead
from dossier.link.features_ahead import NICENESS, FeaturesAhead
from dossier.link.linker import Linker
from dossier.store.db import connect

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample"


def _built(tmp_path):
    conn = connect(tmp_path / "story.db")
    build([str(SAMPLE)], conn, BuildOptions(workers=1))
    return conn


def _derived(conn) -> dict[str, list]:
    return {t: sorted(tuple(r) for r in conn.execute(f"SELECT * FROM {t}"))
            for t in ("claims", "flags", "claim_scopes", "claim_features")}


def test_a_full_link_makes_every_articles_features_after_its_linker_step_and_the_same_claims(tmp_path, monkeypatch):
    conn = _built(tmp_path)
    kb, fingerprint = cached_kb(None), kb_fingerprint(None)
    conn.execute("DELETE FROM claim_features")  # as a first link finds them
    corpus._link_full(conn, kb, fingerprint, copy_process=False)  # no copy stage: claims and flags make them
    alone = _derived(conn)
    assert len(alone["claim_features"]) == conn.execute("SELECT COUNT(*) FROM analyses").fetchone()[0] > 20

    order = tmp_path / "order"
    add, inputs = Linker.add, features_ahead.claim_inputs

    def adding(self, *args, **kwargs):  # in the linking process
        with open(order, "a", encoding="utf-8") as out:
            out.write("linked\n")
        return add(self, *args, **kwargs)

    def making(*args, **kwargs):  # in the process making features ahead
        with open(order, "a", encoding="utf-8") as out:
            out.write(f"features {os.nice(0)}\n")
        return inputs(*args, **kwargs)

    monkeypatch.setattr(Linker, "add", adding)
    monkeypatch.setattr(features_ahead, "claim_inputs", making)
    conn.execute("DELETE FROM claim_features")
    sizes = corpus._link_full(conn, kb, fingerprint, copy_process=True)
    assert sizes["cpu"]["features_ahead"] == len(alone["claim_features"])  # every article's, made ahead
    assert _derived(conn) == alone
    lines = order.read_text(encoding="utf-8").split("\n")[:-1]
    made = [line for line in lines if line.startswith("features")]
    assert made and set(made) == {f"features {min(19, os.nice(0) + NICENESS)}"}
    assert lines.index(made[0]) > max(i for i, line in enumerate(lines) if line == "linked")  # after the linker step


def test_told_to_stop_before_it_begins_it_makes_nothing_and_leaves_nothing(tmp_path):
    conn = _built(tmp_path)
    conn.execute("DELETE FROM claim_features")
    ahead = FeaturesAhead(str(tmp_path / "story.db"))
    assert Path(ahead.folder).is_dir()
    assert ahead.store(conn) == 0
    assert conn.execute("SELECT COUNT(*) FROM claim_features").fetchone()[0] == 0
    assert not Path(ahead.folder).exists() and not ahead._process.is_alive()


def test_it_keeps_only_whole_chunks_and_skips_articles_that_have_their_features(tmp_path, monkeypatch):
    """A chunk cut short (a process killed while writing) is left out; an article whose features
    are kept for its analysis is not done again."""
    conn = _built(tmp_path)
    conn.execute("DELETE FROM claim_features")
    keep = conn.execute("SELECT article_id, key FROM analyses ORDER BY article_id LIMIT 1").fetchone()
    conn.execute("INSERT INTO claim_features (article_id, key, features) VALUES (?, ?, '[]')", tuple(keep))
    monkeypatch.setattr(features_ahead, "CHUNK", 5)
    ahead = FeaturesAhead(str(tmp_path / "story.db"))
    ahead.begin()
    ahead._process.join(60)  # done: every article but the kept one, in chunks of 5
    with open(ahead.path, "a", encoding="utf-8") as out:
        out.write('[["cut short", "k", []]')  # no end of line: not a whole chunk
    made = ahead.store(conn)
    analysed = conn.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
    assert made == analysed - 1
    rows = dict(conn.execute("SELECT article_id, features FROM claim_features").fetchall())
    assert len(rows) == analysed and rows[keep[0]] == "[]" and "cut short" not in rows
