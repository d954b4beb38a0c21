"""A full link whose process fails or is killed: the user is told what it means and what to do
(`link.corpus.LinkFailed`), not shown a traceback, and the store keeps what it had."""

from __future__ import annotations

import os
import signal

import pytest
from click.testing import CliRunner

from conftest import SAMPLE
from dossier.cli import main
from dossier.link import corpus
from dossier.link.linker import Linker
from dossier.store.db import connect
from test_link_forked import _tables

ADD = Linker.add


def test_what_a_failure_means_is_said_in_words():
    killed = corpus._failure_reason("a link process ended without its result (exit code -9)")
    assert killed.startswith("its process was killed (signal 9)") and "memory" in killed
    assert corpus._failure_reason("a link process ended without its result (exit code 3)") == "its process ended (exit code 3)"
    full = corpus._failure_reason("a link failed:\nTraceback (most recent call last):\n  File \"x.py\", line 1\n"
                                  "RuntimeError: the copy stage failed (copies):\nTraceback ...\n"
                                  "OSError: [Errno 28] No space left on device")
    assert full.startswith("a disk is full") and "TMPDIR" in full
    assert "memory" in corpus._failure_reason("a link failed:\nTraceback ...\nMemoryError")
    assert corpus._failure_reason("a link failed:\nTraceback ...\nKeyError: 'q9'") == "KeyError: 'q9'"


def test_a_build_whose_link_is_killed_says_so_and_the_next_build_links(tmp_path, monkeypatch):
    db = tmp_path / "story.db"
    runner = CliRunner()
    done = runner.invoke(main, ["build", str(SAMPLE), "--db", str(db), "--workers", "1", "--quiet"])
    assert done.exit_code == 0, done.output
    conn = connect(db)
    tables = _tables(conn)
    conn.close()

    def killed(self, item, *args, **kwargs):  # in the forked linking process: as the system's OOM killer does
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(Linker, "add", killed)
    failed = runner.invoke(main, ["build", str(SAMPLE), "--db", str(db), "--workers", "1", "--relink", "-v"])
    assert failed.exit_code == 1
    assert f"Error: the link of {db} failed: its process was killed (signal 9)" in failed.output
    assert "the same build again links them." in failed.output
    assert "a link process ended without its result (exit code -9)" in failed.output  # what -v adds
    assert "Traceback" not in failed.output

    monkeypatch.setattr(Linker, "add", ADD)
    conn = connect(db)
    assert _tables(conn) == tables  # the last whole link's tables are kept
    conn.close()
    again = runner.invoke(main, ["build", str(SAMPLE), "--db", str(db), "--workers", "1", "--relink", "--quiet"])
    assert again.exit_code == 0, again.output
    conn = connect(db)
    assert _tables(conn) == tables


def test_a_claims_and_flags_worker_killed_is_a_link_failure_in_words_and_the_store_keeps_its_rows(store, monkeypatch):
    from dossier.link import derived

    tables = _tables(store)
    compute = derived._compute

    def killed(kb, carriers, conn, task):  # in a forked worker: as the system's OOM killer ends it
        if task[0] == "e":
            os.kill(os.getpid(), signal.SIGKILL)
        return compute(kb, carriers, conn, task)

    monkeypatch.setattr(derived, "default_workers", lambda articles: 2)  # the pool, even for the sample
    monkeypatch.setattr(derived, "_compute", killed)
    with pytest.raises(corpus.LinkFailed, match=r"failed: its process was killed \(signal 9\)") as failed:
        corpus.link(store, full=True)
    assert failed.value.detail == "a claims-and-flags worker process ended without its result (exit code -9)"
    assert _tables(store) == tables
