"""A full link of a store in a file links and writes its tables in a forked process, which exits
before claims and flags (`link.corpus._linking_process`): the memory its state took leaves with it
instead of staying in the build's heap, where the claims-and-flags workers are forked from."""

from __future__ import annotations

import os

import pytest

from dossier.link import corpus
from dossier.link.linker import Linker, PickledState
from dossier.store.marks import read_mark

TABLES = ("actors", "quotes", "quote_occurrences", "copies", "events", "event_articles", "stories", "story_events",
          "claims", "flags", "claim_scopes")


def _tables(conn) -> dict[str, list[tuple]]:
    return {t: sorted(tuple(r) for r in conn.execute(f"SELECT * FROM {t}")) for t in TABLES}


def _state(conn) -> tuple:
    return list(conn.execute("SELECT seq, data FROM link_state_chunks ORDER BY seq")), read_mark(conn, "linking state")


def test_the_linking_runs_in_another_process_and_writes_what_one_process_writes(store, tmp_path, monkeypatch):
    seen = tmp_path / "pids"
    add = Linker.add

    def noting(self, *args, **kwargs):
        with open(seen, "a") as f:  # a file: the forked process's memory is not ours
            f.write(f"{os.getpid()}\n")
        return add(self, *args, **kwargs)

    monkeypatch.setattr(Linker, "add", noting)
    forked = corpus.link(store, full=True)
    pids = set(seen.read_text().split())
    assert pids and str(os.getpid()) not in pids
    tables, state = _tables(store), [data for _, data in _state(store)[0]]
    assert tables["quotes"] and tables["events"] and tables["claims"] and tables["flags"]

    seen.unlink()
    monkeypatch.setattr(corpus, "can_fork", lambda: False)  # as where fork is missing: all in this process
    here = corpus.link(store, full=True)
    assert set(seen.read_text().split()) == {str(os.getpid())}
    assert _tables(store) == tables
    assert [data for _, data in _state(store)[0]] == state  # the same state, byte for byte
    assert {k: v for k, v in forked.items() if k not in ("seconds", "cpu")} == \
        {k: v for k, v in here.items() if k not in ("seconds", "cpu")}
    assert list(forked["seconds"]) == list(here["seconds"])  # every step timed, in the same order


def test_a_linking_process_that_fails_is_reported_and_changes_nothing(store, monkeypatch):
    # rows a full link would write again: still gone after a link that fails once it wrote them
    store.execute("DELETE FROM events WHERE id = (SELECT MIN(id) FROM events)")
    store.execute("DELETE FROM copies WHERE rowid = (SELECT MIN(rowid) FROM copies)")
    store.commit()
    tables, state = _tables(store), _state(store)

    def fail(*args, **kwargs):
        raise ValueError("no room left on the device")

    monkeypatch.setattr(corpus, "_write_statements", fail)  # after every other table is written in its transaction
    with pytest.raises(corpus.LinkFailed, match=r"failed: ValueError: no room left on the device\. The articles read "
                                                r"are stored; the same build again links them\.$") as failed:
        corpus.link(store, full=True)
    assert "Traceback" in failed.value.detail and "_write_statements" in failed.value.detail  # for `build -v`
    assert _tables(store) == tables and _state(store) == state
    monkeypatch.undo()
    corpus.link(store, full=True)  # the store is still usable
    relinked = _tables(store)
    assert len(relinked["events"]) == len(tables["events"]) + 1 and len(relinked["copies"]) == len(tables["copies"]) + 1
    assert _state(store)[1] != state[1]


def test_a_linking_process_that_dies_is_reported_and_keeps_the_old_state(store, monkeypatch):
    state = _state(store)
    monkeypatch.setattr(PickledState, "write_statements", lambda self, quotes: os._exit(3))
    with pytest.raises(corpus.LinkFailed, match=r"the link of .*story\.db failed: its process ended \(exit code 3\)"):
        corpus.link(store, full=True)
    assert _state(store) == state


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"  # ended, not yet reaped
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads process states from /proc (Linux)")
def test_forked_workers_end_when_the_build_that_forked_them_is_killed(store, tmp_path):
    """A build killed by the user (or the OOM killer) must not leave a linking process writing on,
    nor workers waiting for work forever (`pool.die_with_parent`)."""
    import subprocess
    import sys
    import time

    script = (
        "import sys, time\n"
        "from dossier.link.pool import ForkPool\n"
        "pool = ForkPool(sys.argv[1], lambda conn, task: None, 2, 'test worker', daemon=False)\n"
        "print(' '.join(str(p.pid) for p in pool._processes), flush=True)\n"
        "time.sleep(600)\n")
    path = store.execute("PRAGMA database_list").fetchone()[2]
    parent = subprocess.Popen([sys.executable, "-c", script, path], stdout=subprocess.PIPE, text=True)
    workers = [int(p) for p in parent.stdout.readline().split()]
    assert len(workers) == 2 and not any(_gone(w) for w in workers)
    parent.kill()
    parent.wait()
    deadline = time.time() + 30
    while time.time() < deadline and not all(_gone(w) for w in workers):
        time.sleep(0.05)
    assert all(_gone(w) for w in workers)


def test_the_copy_stage_children_collect_less_often(store, monkeypatch):
    """The copy stage's children build the copy index and statements (millions of kept objects at
    scale): their collector passes over new objects every YOUNG_PASS_EVERY allocations."""
    import gc

    from dossier.link import copy_stage
    from dossier.link.pool import YOUNG_PASS_EVERY

    def finder(conn, part, index=None):  # each child's finding for each article: its collector's threshold
        return None, lambda item: (part, gc.get_threshold()[0])

    monkeypatch.setattr(copy_stage, "_finder", finder)  # the children are forked: they run this one
    path = store.execute("PRAGMA database_list").fetchone()[2]
    order = [item.id for item in corpus.link_inputs(store)]
    stage = copy_stage.CopyStage(path, groups=(("copies",), ("statements",)))
    try:
        found = [stage.found(article_id) for article_id in order]
    finally:
        stage.close()
    assert len(found) > 10
    assert set(found) == {(("copies", YOUNG_PASS_EVERY), ("statements", YOUNG_PASS_EVERY))}
    assert gc.get_threshold()[0] != YOUNG_PASS_EVERY


def test_the_copy_stage_children_finish_ahead_of_the_parent_and_hold_nothing(store, monkeypatch):
    """A child writes its findings into a file, not a bounded queue: it runs to the end however far
    behind the parent is, hands its indexes over in files and ends, its memory given back before the
    parent's state is at its largest; the parent then reads every finding in order."""
    import os
    import time

    from dossier.link import copy_stage

    monkeypatch.setattr(copy_stage, "BATCH", 1)  # a batch an article: many more than a queue held ahead
    path = store.execute("PRAGMA database_list").fetchone()[2]
    order = [item.id for item in corpus.link_inputs(store)]
    stage = copy_stage.CopyStage(path, groups=(("copies",), ("statements",)))
    try:
        children = [child._process for child in stage._children]
        deadline = time.monotonic() + 120
        while any(p.exitcode is None for p in children) and time.monotonic() < deadline:
            time.sleep(0.1)  # the parent reads nothing meanwhile
        assert [p.exitcode for p in children] == [0, 0]  # both done and gone before the parent read a thing
        assert all(os.path.getsize(child._findings.path) > 0 for child in stage._children)  # on disk, not in memory
        found = [stage.found(article_id) for article_id in order]  # all there, in order
        assert any(copies for copies, _ in found) and any(keys for _, keys in found)
        with pytest.raises(RuntimeError, match="ended before the link's last article"):
            stage.found("an article the children never read")
        assert not any(child._findings.path for child in stage._children)  # unlinked once read from
        copies, statements = stage.indexes()
        assert len(copies.load()) == len(order)
    finally:
        stage.close()
