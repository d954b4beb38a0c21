"""A full link keeps checkpoints of its state (`link.checkpoint`): a link stopped part way goes on
from its last checkpoint and gives what an uninterrupted link gives."""

from __future__ import annotations

import os

import pytest

from dossier.build import BuildOptions, build
from dossier.link import checkpoint, copy_stage, corpus
from dossier.link.checkpoint import Checkpoints
from dossier.link.linker import Linker
from dossier.store.db import connect
from test_link_forked import _tables


ADD = Linker.add  # (each recording wraps this one, not the one before it)


def _path(conn) -> str:
    return conn.execute("PRAGMA database_list").fetchone()[2]


def _recording(monkeypatch, seen, stop_at: int | None = None) -> None:
    """Linker.add notes each article it links in `seen` (the linking process is forked: a file);
    with `stop_at`, the process dies on that article, as one the user or the machine killed."""
    def noting(self, item, *args, **kwargs):
        with open(seen, "a") as f:
            f.write(item.id + "\n")
        if stop_at is not None and len(seen.read_text().split()) == stop_at:
            os._exit(9)
        return ADD(self, item, *args, **kwargs)

    monkeypatch.setattr(Linker, "add", noting)


def test_a_stopped_link_goes_on_from_its_last_checkpoint(store, tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "MIN_ARTICLES", 1)  # the copy stage, which checkpoints, even for the sample's articles
    monkeypatch.setenv("DOSSIER_LINK_CHECKPOINT_EVERY", "6")  # at 6, 12, 18 and 24
    articles = store.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
    assert articles > 25
    whole = corpus.link(store, full=True)
    tables = _tables(store)
    monkeypatch.setenv("DOSSIER_LINK_CHECKPOINT_EVERY", "0")  # the checkpoints change nothing in what a link gives
    corpus.link(store, full=True)
    assert _tables(store) == tables
    monkeypatch.setenv("DOSSIER_LINK_CHECKPOINT_EVERY", "6")
    uninterrupted = connect(tmp_path / "uninterrupted.db")
    store.backup(uninterrupted)
    assert tables["events"] and tables["quotes"] and tables["copies"]
    assert whole["cpu"]["resumed_from"] == 0
    assert not checkpoint.folder_of(_path(store)).exists()  # gone once the link is stored

    stopped = tmp_path / "stopped"
    _recording(monkeypatch, stopped, stop_at=15)
    with pytest.raises(corpus.LinkFailed, match=r"its process ended \(exit code 9\)\. .* links them \(from its "
                                                r"checkpoint after 12 articles, if the store is unchanged\)"):
        corpus.link(store, full=True)
    assert (checkpoint.folder_of(_path(store)) / checkpoint.META).exists()

    again = tmp_path / "again"
    _recording(monkeypatch, again)
    resumed = corpus.link(store, full=True)
    assert resumed["cpu"]["resumed_from"] == 12  # the last checkpoint before article 15
    order = [item.id for item in corpus.link_inputs(store)]
    assert stopped.read_text().split() == order[:15]
    assert again.read_text().split() == order[12:]  # only the articles after the checkpoint were linked again
    assert _tables(store) == tables
    assert not checkpoint.folder_of(_path(store)).exists()

    # and the same state to add to (its bytes differ only in which equal objects the pickle shares):
    # an article added to each store links the same way
    monkeypatch.setattr(Linker, "add", ADD)
    new = tmp_path / "new" / "mayor-responds.txt"
    new.parent.mkdir()
    new.write_text("Mayor responds to cartel designation\n\nThe mayor of San Lázaro said on Tuesday that the city "
                   "would not accept foreign troops. “We will defend our own streets,” she told reporters, "
                   "echoing President Claudia Sheinbaum, who said Mexico rejects any U.S. military action.\n",
                   encoding="utf-8")
    for conn in (store, uninterrupted):
        build([str(new)], conn, BuildOptions(workers=1))
    assert _tables(store) == _tables(uninterrupted)
    assert len(_tables(store)["event_articles"]) == len(tables["event_articles"]) + 1  # it was linked


def test_a_resumed_link_starts_its_children_before_it_reads_its_own_part(store, tmp_path, monkeypatch):
    """Children forked after the linking process read its part would share that state's pages, and
    every page the link then changed would be copied: a resumed 1,000,000 link held ~1 GB twice."""
    monkeypatch.setattr(corpus, "MIN_ARTICLES", 1)
    monkeypatch.setenv("DOSSIER_LINK_CHECKPOINT_EVERY", "6")
    _recording(monkeypatch, tmp_path / "stopped", stop_at=15)
    with pytest.raises(RuntimeError, match="exit code 9"):
        corpus.link(store, full=True)
    monkeypatch.setattr(Linker, "add", ADD)

    happened = tmp_path / "happened"  # (the linking process is forked: a file)
    read, start = Checkpoints.read, copy_stage._Child.__init__

    def reading(self, part, n):
        if part == "linker":  # (the children read theirs in their own processes)
            with open(happened, "a") as f:
                f.write(f"read {part} {n} in {os.getpid()}\n")
        return read(self, part, n)

    def starting(self, *args, **kwargs):
        start(self, *args, **kwargs)
        with open(happened, "a") as f:
            f.write(f"child started by {os.getpid()}\n")

    monkeypatch.setattr(Checkpoints, "read", reading)
    monkeypatch.setattr(copy_stage._Child, "__init__", starting)
    assert corpus.link(store, full=True)["cpu"]["resumed_from"] == 12
    events = happened.read_text().splitlines()
    assert [event.split()[0] for event in events] == ["child"] * len(copy_stage.children()) + ["read"]
    assert events[-1].startswith("read linker 12 in ")
    assert len({event.split()[-1] for event in events}) == 1  # all in the linking process


def test_a_checkpoint_whose_linking_part_cannot_be_read_is_dropped_for_a_whole_link(store, tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "MIN_ARTICLES", 1)
    monkeypatch.setenv("DOSSIER_LINK_CHECKPOINT_EVERY", "6")
    corpus.link(store, full=True)
    tables = _tables(store)
    _recording(monkeypatch, tmp_path / "stopped", stop_at=15)
    with pytest.raises(RuntimeError, match="exit code 9"):
        corpus.link(store, full=True)
    part = checkpoint.folder_of(_path(store)) / "linker-12.pickle.lz4"
    part.write_bytes(part.read_bytes()[:1000])  # cut short, as by a disk that filled after it was marked whole

    again = tmp_path / "again"
    _recording(monkeypatch, again)
    assert corpus.link(store, full=True)["cpu"]["resumed_from"] == 0
    assert again.read_text().split() == [item.id for item in corpus.link_inputs(store)]  # every article, once
    assert _tables(store) == tables  # the children started again too: their parts were not used alone
    assert not checkpoint.folder_of(_path(store)).exists()


def test_a_checkpoint_is_used_only_by_the_link_it_was_made_for(tmp_path):
    key = {"articles": 100, "analysis_seq": 7, "kb": "kb1", "children": [["copies"], ["statements"]]}
    made = Checkpoints(str(tmp_path / "story.db"), key, interval=30)
    assert [n for n in range(1, 101) if made.due(n)] == [30, 60, 90]
    assert made.write("linker", 30, {"a": 1})
    assert not made.complete(30, ["linker", "copies"])  # the copies' part is not written yet
    assert not (made.folder / checkpoint.META).exists()
    assert made.write("copies", 30, [1, 2, 3])
    assert made.complete(30, ["linker", "copies"])
    made.write("linker", 60, {"a": 2})  # the next one, begun when the link stopped
    assert Checkpoints(str(tmp_path / "story.db"), key).resume_from() == 30
    assert made.read("copies", 30) == [1, 2, 3]

    other = Checkpoints(str(tmp_path / "story.db"), {**key, "analysis_seq": 8})  # the store changed since
    assert other.resume_from() == 0
    assert not made.folder.exists()  # and the stale checkpoint is gone


def test_checkpoints_every_so_many_articles_as_the_environment_says(monkeypatch):
    monkeypatch.delenv("DOSSIER_LINK_CHECKPOINT_EVERY", raising=False)
    assert checkpoint.every() == checkpoint.EVERY
    monkeypatch.setenv("DOSSIER_LINK_CHECKPOINT_EVERY", "0")
    assert checkpoint.every() == 0
    assert not Checkpoints("x.db", {"articles": 10}).due(5)
    monkeypatch.setenv("DOSSIER_LINK_CHECKPOINT_EVERY", "a lot")
    with pytest.raises(ValueError, match="must be a number of articles"):
        checkpoint.every()


def test_a_checkpoint_that_cannot_be_written_is_left_out_and_the_last_whole_one_stays(tmp_path, monkeypatch, caplog):
    key = {"articles": 100, "analysis_seq": 7, "kb": "kb1", "children": [["copies", "statements"]]}
    made = Checkpoints(str(tmp_path / "story.db"), key, interval=30)
    assert made.write("linker", 30, {"a": 1}) and made.complete(30, ["linker"])

    def full(value, file):
        file.write(b"half a pickle")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoint, "_dump", full)
    assert not made.write("linker", 60, {"a": 2})
    assert "not kept" in caplog.text and "No space left on device" in caplog.text
    assert not made.complete(60, ["linker"])
    assert sorted(p.name for p in made.folder.iterdir()) == [checkpoint.META, "linker-30.pickle.lz4"]  # no half file
    assert Checkpoints(str(tmp_path / "story.db"), key).resume_from() == 30


def test_a_checkpoint_left_by_a_stopped_relink_goes_when_the_store_is_linked_another_way(store, tmp_path, monkeypatch):
    """A `build --relink` stopped in its link keeps the old state: a later build adds to that state
    instead, and the checkpoint it left, of no more use, is removed."""
    monkeypatch.setattr(corpus, "MIN_ARTICLES", 1)
    monkeypatch.setenv("DOSSIER_LINK_CHECKPOINT_EVERY", "10")
    _recording(monkeypatch, tmp_path / "stopped", stop_at=15)
    with pytest.raises(RuntimeError, match="exit code 9"):
        corpus.link(store, full=True)
    assert (checkpoint.folder_of(_path(store)) / checkpoint.META).exists()
    monkeypatch.setattr(Linker, "add", ADD)
    new = tmp_path / "new" / "council-vote.txt"
    new.parent.mkdir()
    new.write_text("Council votes on security plan\n\nThe city council of Port Alder voted on Monday to fund a new "
                   "security plan. “This is our answer,” the council president said after the vote.\n", encoding="utf-8")
    build([str(new)], store, BuildOptions(workers=1))
    assert store.execute("SELECT COUNT(*) FROM analyses").fetchone()[0] > 25
    assert not checkpoint.folder_of(_path(store)).exists()
