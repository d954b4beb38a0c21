"""One writer of a store at a time (`store.lock`): a second build waits, then is told who holds it;
a holder that was killed holds nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from conftest import SAMPLE
from dossier.build import BuildOptions, build
from dossier.cli import main
from dossier.store.db import connect
from dossier.store.lock import StoreBusy, lock_path, writing

HOLD = """
import sys, time
from dossier.store.lock import writing
with writing(sys.argv[1], "a test's holder"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(store, seconds: float) -> subprocess.Popen:
    """Another process holding the store's lock for `seconds`, once it has said so."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(store), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_writer_is_told_who_holds_the_store(tmp_path):
    store = tmp_path / "story.db"
    holder = _holder(store, 30)
    try:
        started = time.monotonic()
        with pytest.raises(StoreBusy, match=rf"{store} is being written by a test's holder \(process {holder.pid}, "
                                            r"since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\): wait for it"):
            with writing(store, "a second writer", wait=0.5):
                pass
        assert 0.5 <= time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_holder_holds_nothing_and_a_released_lock_leaves_no_file(tmp_path):
    store = tmp_path / "story.db"
    holder = _holder(store, 30)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert lock_path(store).exists()  # left by the killed process: it locks nothing
    with writing(store, "the next build", wait=0):
        assert str(os.getpid()) in lock_path(store).read_text()
    assert not lock_path(store).exists()


def test_a_build_waits_for_a_short_holder_and_refuses_a_long_one(tmp_path):
    store = tmp_path / "story.db"
    conn = connect(store)
    holder = _holder(store, 1.5)
    try:
        started = time.monotonic()
        report = build([str(SAMPLE)], conn, BuildOptions(workers=1))  # waits up to lock_wait (10 s)
        assert time.monotonic() - started >= 1.0 and report.stored > 20
    finally:
        holder.wait()

    holder = _holder(store, 30)
    try:
        with pytest.raises(StoreBusy, match="a test's holder"):
            build([str(SAMPLE)], conn, BuildOptions(workers=1, lock_wait=0.3))
    finally:
        holder.kill()
        holder.wait()


def test_the_command_line_says_the_store_is_busy_in_one_line(tmp_path, monkeypatch):
    import dossier.cli as cli

    store = tmp_path / "story.db"
    holder = _holder(store, 30)
    real = cli.BuildOptions
    monkeypatch.setattr(cli, "BuildOptions", lambda **options: real(**options, lock_wait=0.3))
    try:
        result = CliRunner().invoke(main, ["build", str(SAMPLE), "--db", str(store), "--workers", "1"])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    assert f"Error: {store} is being written by a test's holder (process {holder.pid}" in result.output
    assert "Traceback" not in result.output


def test_an_export_is_one_snapshot_and_notes_a_build_writing_the_store(tmp_path, monkeypatch):
    """`dossier export` reads every table from one read transaction: a build that commits meanwhile (here: its
    claims rewritten as the export reaches them) is not half in it. While a build holds the store, it says so."""
    import json
    import sqlite3

    from dossier.report import document

    store = tmp_path / "story.db"
    conn = connect(store)
    build([str(SAMPLE)], conn, BuildOptions(workers=1))
    claims = conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
    assert claims > 0
    conn.close()

    iter_claims = document.iter_claims

    def a_build_commits_first(conn):  # another connection, as a build's
        with sqlite3.connect(store) as other:
            other.execute("DELETE FROM claims")
        return iter_claims(conn)

    monkeypatch.setattr(document, "iter_claims", a_build_commits_first)
    holder = _holder(store, 30)
    try:
        result = CliRunner().invoke(main, ["export", "--db", str(store), "--format", "json"])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 0, result.output
    assert f"note: a test's holder (process {holder.pid}" in result.stderr
    assert len(json.loads(result.stdout)["claims"]) == claims  # the claims as they were when the export began
    again = CliRunner().invoke(main, ["export", "--db", str(store), "--format", "json"])
    assert "note:" not in again.stderr and json.loads(again.stdout)["claims"] == []
