"""A full claims-and-flags derivation on worker processes (link/derived.py on link/pool.py): the same
rows, written in the same order, as one process; a worker that fails or dies is reported, and
the store keeps the rows it had."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from conftest import SAMPLE
from dossier.analyze.record import cached_kb
from dossier.build import build
from dossier.link import derived, pool
from dossier.store.db import connect


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    """The sample, with two syndicated copies taken out of their events (as late reprints the
    linker placed apart), so that the plan has copy pairs across groups (`p:` scopes) too."""
    path = tmp_path_factory.mktemp("pool") / "sample.db"
    conn = connect(path)
    build([str(SAMPLE)], conn)
    copies = [r[0] for r in conn.execute(
        "SELECT c.article FROM copies c JOIN event_articles a ON a.article_id = c.article JOIN event_articles o "
        "ON o.article_id = c.of AND o.event_id = a.event_id WHERE c.kind = 'syndicated' ORDER BY c.article LIMIT 2")]
    conn.executemany("DELETE FROM event_articles WHERE article_id = ?", [(c,) for c in copies])
    conn.commit()
    derived.derive(conn, cached_kb(None))
    conn.close()
    return path


def _tables(conn) -> dict[str, list[tuple]]:
    """Every row the derivation writes, in the order it was written (rowid) where the table has one."""
    return {"claims": [tuple(r) for r in conn.execute("SELECT rowid, * FROM claims ORDER BY rowid")],
            "flags": [tuple(r) for r in conn.execute("SELECT rowid, * FROM flags ORDER BY rowid")],
            "claim_scopes": [tuple(r) for r in conn.execute("SELECT * FROM claim_scopes ORDER BY 1, 2")],
            "claim_features": [tuple(r) for r in conn.execute("SELECT rowid, * FROM claim_features ORDER BY rowid")]}


def _copy(store, tmp_path):
    import shutil

    shutil.copy(store, tmp_path / "s.db")
    return connect(tmp_path / "s.db")


def test_workers_write_the_rows_one_process_writes_in_the_same_order(sample_store, tmp_path, monkeypatch):
    """Small chunks, so that many are in flight on two workers at once; the claim features are
    dropped first, so the workers compute them (and the pair chunks compute the group chunks'
    again, which must not be written twice)."""
    conn = _copy(sample_store, tmp_path)
    monkeypatch.setattr(derived, "SPAN", 3)
    monkeypatch.setattr(derived, "CHUNK", 2)
    kb = cached_kb(None)
    tables, redone = {}, {}
    for workers in (1, 2):
        conn.execute("DELETE FROM claim_features")
        redone[workers] = derived.derive(conn, kb, None, workers)
        tables[workers] = _tables(conn)
    assert redone[2]["workers"] == 2 and redone[1]["workers"] == 1
    assert {k: v for k, v in redone[2].items() if len(k) == 1} == {k: v for k, v in redone[1].items() if len(k) == 1}
    assert redone[1]["p"] > 0 and redone[1]["g"] > 1  # pairs across events as well as groups
    assert redone[1]["a"] > 5 * derived.SPAN and redone[1]["q"] > 10 * derived.CHUNK  # many chunks in flight
    assert tables[2] == tables[1]
    assert all(tables[1][t] for t in tables[1])
    assert not multiprocessing.active_children()


def test_the_pool_is_used_by_default_only_for_a_large_store(sample_store, tmp_path, monkeypatch):
    conn = _copy(sample_store, tmp_path)
    kb = cached_kb(None)
    assert derived.derive(conn, kb)["workers"] == 1  # the sample is far below pool.MIN_ARTICLES
    monkeypatch.setattr(pool, "MIN_ARTICLES", 1)
    assert derived.derive(conn, kb)["workers"] == (os.cpu_count() or 1)
    one = conn.execute("SELECT id FROM articles ORDER BY id LIMIT 1").fetchone()[0]
    batch = derived.derive(conn, kb, {"articles": {one}, "events": set(), "quotes": set()}, workers=2)
    assert batch["workers"] == 1 and batch["a"] == 1  # a small batch is derived in process


def test_a_batch_that_reaches_many_scopes_is_derived_on_workers_with_the_same_rows(sample_store, tmp_path, monkeypatch):
    """A batch whose plan has BATCH_POOL_CHUNKS chunks or more (here: every article and statement of
    the sample touched, in small chunks) forks workers; the rows and their order are those the same
    batch writes in process, and those a full derivation gives."""
    conn = _copy(sample_store, tmp_path)
    monkeypatch.setattr(derived, "SPAN", 3)
    monkeypatch.setattr(derived, "CHUNK", 2)
    monkeypatch.setattr(derived, "BATCH_POOL_CHUNKS", 8)
    kb = cached_kb(None)
    full = _tables(conn)
    touched = {"articles": {r[0] for r in conn.execute("SELECT id FROM articles")},
               "events": {r[0] for r in conn.execute("SELECT DISTINCT event_id FROM event_articles")},
               "quotes": {r[0] for r in conn.execute("SELECT id FROM quotes")}}
    tables, redone = {}, {}
    for workers in (1, 2):
        redone[workers] = derived.derive(conn, kb, touched, workers)
        tables[workers] = _tables(conn)
    assert redone[2]["workers"] == 2 and redone[1]["workers"] == 1
    assert redone[2]["a"] == len(touched["articles"]) and redone[2]["q"] == len(touched["quotes"])
    assert tables[2] == tables[1]
    assert {t: sorted(r[1:] for r in rows) for t, rows in tables[2].items() if t != "claim_scopes"} == \
        {t: sorted(r[1:] for r in rows) for t, rows in full.items() if t != "claim_scopes"}
    assert tables[2]["claim_scopes"] == full["claim_scopes"]
    # a batch of one article stays in process, whatever the workers asked for
    one = min(touched["articles"])
    assert derived.derive(conn, kb, {"articles": {one}, "events": set(), "quotes": set()}, workers=2)["workers"] == 1
    assert not multiprocessing.active_children()


def _fails(kb, carriers, conn, task):
    if task[0] == "q":
        raise ValueError("a detector broke on this chunk")
    return _real_compute(kb, carriers, conn, task)


def _dies(kb, carriers, conn, task):
    if task[0] == "e":
        os._exit(7)  # as a worker killed by the system (out of memory) ends: no exception, no report
    return _real_compute(kb, carriers, conn, task)


_real_compute = derived._compute


@pytest.mark.parametrize("compute, message", [(_fails, "(?s)claims-and-flags worker failed.*a detector broke"),
                                              (_dies, "claims-and-flags worker process ended without its result .exit code 7")])
def test_a_worker_that_fails_or_dies_is_reported_and_the_store_keeps_its_rows(sample_store, tmp_path, monkeypatch,
                                                                              compute, message):
    """The workers are forked, so they run the patched `_compute`; the parent raises, rolls
    back the derivation's transaction (claims and flags stay those of the last derivation),
    ends the other worker, and does not hang."""
    conn = _copy(sample_store, tmp_path)
    before = _tables(conn)
    monkeypatch.setattr(derived, "_compute", compute)
    with pytest.raises(RuntimeError, match=message):
        derived.derive(conn, cached_kb(None), None, workers=2)
    assert not conn.in_transaction
    assert _tables(conn) == before and before["claims"] and before["flags"]
    assert not multiprocessing.active_children()
    monkeypatch.setattr(derived, "_compute", _real_compute)
    derived.derive(conn, cached_kb(None), None, workers=2)  # the store is usable: a derivation goes through
    assert _tables(conn) == before


def test_event_dates_read_on_workers_are_those_read_in_process(sample_store, tmp_path):
    """`date_events` with its articles' leads read on two workers, a few articles a task: the
    same dates, reasons and evidence for every event, and the same entries kept per article."""
    import copy

    from dossier.link.corpus import date_events, read_events

    conn = _copy(sample_store, tmp_path)
    events, _ = read_events(conn)
    assert len(events) > 3
    got = {}
    for workers in (1, 2):
        known = {}
        dated = date_events(conn, copy.deepcopy(events), known, chunk=3, workers=workers)
        got[workers] = (dated, list(known.items()))
    assert got[2] == got[1]
    assert any(e["date_reasons"] for e in got[1][0]) and len(got[1][1]) == conn.execute(
        "SELECT COUNT(DISTINCT article_id) FROM event_articles").fetchone()[0]
    assert not multiprocessing.active_children()


def test_a_full_link_on_workers_gives_the_tables_of_one_process(sample_store, tmp_path, monkeypatch):
    """The whole full link with its per-chunk steps on workers forked from a process that holds
    the linker's state: every table it writes, and the state it saves, as in one process."""
    from dossier.link.corpus import _link_full
    from dossier.link.linker import load_state
    from dossier.analyze.record import kb_fingerprint

    conn = _copy(sample_store, tmp_path)
    forked = []

    class Counted(pool.ForkPool):
        def __init__(self, *args, **kwargs):
            forked.append(args[3])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(derived, "ForkPool", Counted)
    tables, dated = {}, {}
    for least in (10**9, 1):
        monkeypatch.setattr(pool, "MIN_ARTICLES", least)
        sizes = _link_full(conn, cached_kb(None), kb_fingerprint(None), copy_process=False)
        tables[least] = {t: [tuple(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2")]
                         for t in ("events", "event_articles", "stories", "quotes", "claims", "flags", "claim_scopes")}
        dated[least] = load_state(conn, cached_kb(None), kb_fingerprint(None)).dated
        assert sizes["claims"] and sizes["flags"]
    assert forked == ["claims-and-flags worker"]  # in the second link only
    assert tables[1] == tables[10**9] and dated[1] == dated[10**9]
    assert not multiprocessing.active_children()
