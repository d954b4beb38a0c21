"""A full link's temporary files (`link.scratch`): gone when it ends, fails or is killed, at the
latest when the next link starts."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

from dossier.link import corpus, scratch
from dossier.link.linker import Linker
from test_link_forked import _tables

ADD = Linker.add


def _ended_pid() -> int:
    """The number of a process that has ended (and been reaped)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def test_sweep_removes_only_the_folders_of_processes_that_ended(tmp_path):
    ns, pid = scratch.namespace(), _ended_pid()
    ended = tmp_path / f"{scratch.PREFIX}{ns}-{pid}-abc"
    ended.mkdir()
    (ended / "dossier-link-x.pickle.lz4").write_bytes(b"spooled index")
    mine = tmp_path / f"{scratch.PREFIX}{ns}-{os.getpid()}-def"
    mine.mkdir()
    elsewhere = tmp_path / f"{scratch.PREFIX}{ns}1-{pid}-jkl"  # a container's of another PID namespace
    elsewhere.mkdir()
    unnamed = tmp_path / f"{scratch.PREFIX}{ns}-nobody-ghi"
    unnamed.mkdir()
    loose = tmp_path / "dossier-link-old.pickle.lz4"
    loose.write_bytes(b"an older version's file")

    assert scratch.sweep(str(tmp_path)) == [str(ended)]
    assert not ended.exists()
    assert mine.is_dir() and elsewhere.is_dir() and unnamed.is_dir() and loose.is_file()


def _temporary_folder(tmp_path, monkeypatch):
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))  # the forked processes' too
    return folder


def _stage_files(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_link_leaves_no_files_whether_it_ends_or_is_killed(store, tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "MIN_ARTICLES", 1)  # the copy stage, with its children's files, even for the sample
    monkeypatch.setenv("DOSSIER_LINK_CHECKPOINT_EVERY", "0")
    folder = _temporary_folder(tmp_path, monkeypatch)
    noted, make = tmp_path / "made", scratch.make

    def noting() -> str:  # (made in the forked linking process: noted in a file)
        made = make()
        with open(noted, "a") as file:
            file.write(made + "\n")
        return made

    monkeypatch.setattr(scratch, "make", noting)

    corpus.link(store, full=True)
    tables = _tables(store)
    made = noted.read_text().split()
    # the copy stage's folder, and that of the claim features made ahead (link.features_ahead)
    assert len(made) == 2 and all(m.startswith(str(folder)) for m in made)
    assert _stage_files(folder) == []

    def killed(self, item, *args, **kwargs):  # the linking process dies on its 15th article, as one the user killed
        killed.n = getattr(killed, "n", 0) + 1
        if killed.n == 15:
            os._exit(9)
        return ADD(self, item, *args, **kwargs)

    monkeypatch.setattr(Linker, "add", killed)
    with pytest.raises(RuntimeError, match=r"exit code 9"):
        corpus.link(store, full=True)
    assert len(noted.read_text().split()) == 4
    assert _stage_files(folder) == []
    assert _tables(store) == tables  # and the store keeps what the last whole link wrote


def test_the_next_link_removes_what_a_killed_build_left(store, tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "MIN_ARTICLES", 1)
    monkeypatch.setenv("DOSSIER_LINK_CHECKPOINT_EVERY", "0")
    folder = _temporary_folder(tmp_path, monkeypatch)
    left = folder / f"{scratch.PREFIX}{scratch.namespace()}-{_ended_pid()}-xyz"  # as a killed build leaves it
    left.mkdir()
    (left / "dossier-link-abc.pickle.lz4").write_bytes(b"\0" * 4096)
    (left / "dossier-found-def").write_bytes(b"\0" * 512)

    corpus.link(store, full=True)
    assert _stage_files(folder) == []


def test_a_link_that_fails_after_its_children_are_done_leaves_no_files(store, tmp_path, monkeypatch):
    """The children's indexes, handed over but not loaded, go with the stage's folder."""
    monkeypatch.setattr(corpus, "MIN_ARTICLES", 1)
    monkeypatch.setenv("DOSSIER_LINK_CHECKPOINT_EVERY", "0")
    folder = _temporary_folder(tmp_path, monkeypatch)

    def fail(*args, **kwargs):  # after the copies' index was stored as it was and the statements' loaded
        raise ValueError("no room left on the device")

    monkeypatch.setattr(corpus, "_write_statements", fail)
    with pytest.raises(corpus.LinkFailed, match="no room left"):
        corpus.link(store, full=True)
    assert _stage_files(folder) == []
