"""The shard stage and its engines: same export whatever the engine and worker count,
a killed driver or worker never changes the result, finished shards are not redone.

Input is the bundled sample corpus (synthetic articles we wrote: text files, HTML pages,
JSON Lines, an RSS feed, a WARC.gz and broken files), so every kind of shard occurs.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from conftest import SAMPLE, WIRE_BODY, wire_text, write_jsonl
from dossier.build import BuildOptions, build
from dossier.cli import main
from dossier.corpus.inputs import expand_inputs
from dossier.scale import Failed
from dossier.scale.local import LocalExecutor
from dossier.scale.shards import TEST_HOOK_ENV, plan, stamp
from dossier.report.document import build_document
from dossier.store.db import connect
from dossier.store.shards import FAILED_PREFIX

SOURCE = str(SAMPLE)


def export(conn) -> dict:
    """The JSON export as `dossier export --format json` writes it."""
    return json.loads(json.dumps(build_document(conn)))


def build_sample(tmp_path, name: str, **options) -> tuple[dict, object, sqlite3.Connection]:
    conn = connect(tmp_path / f"{name}.db")
    report = build([SOURCE], conn, BuildOptions(**options))
    return export(conn), report, conn


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The sample built in this process with one worker and the default shard size."""
    document, report, conn = build_sample(tmp_path_factory.mktemp("ref"), "ref", workers=1)
    conn.close()
    assert report.stored > 20 and report.shards_failed == 0
    document["_documents_read"] = report.documents
    return document


def same(document: dict, reference: dict) -> bool:
    return document == {k: v for k, v in reference.items() if k != "_documents_read"}


def shard_rows(conn) -> dict[str, tuple]:
    return {row[0]: tuple(row[1:]) for row in conn.execute("SELECT id, done_at, items FROM shards")}


def test_shards_are_stable_and_bounded(tmp_path):
    """Same inputs → same shard ids; a container is cut every `size` records; touching one
    file changes only the ids of its own shards."""
    directory = tmp_path / "in"
    directory.mkdir()
    for i in range(5):
        (directory / f"note-{i}.txt").write_text(wire_text(f"Border Crossing Report Number {i}"), encoding="utf-8")
    records = [{"text": wire_text(f"Wire Item {i} on the Crossings", [f"Item {i}: " + WIRE_BODY[0], *WIRE_BODY[1:]])}
               for i in range(7)]
    write_jsonl(directory / "wire.jsonl", records)

    def shards():
        files, _ = expand_inputs([str(directory)])
        return list(plan([stamp(f) for f in files], 3, 10**7))

    first = shards()
    assert [(s.name.rsplit("/", 1)[-1], s.items, s.last) for s in first] == [
        ("note-0.txt", 3, False), ("note-3.txt", 2, False),  # groups of small files
        ("wire.jsonl", 3, False), ("wire.jsonl", 3, False), ("wire.jsonl", 1, True),  # slices of a container
    ]
    assert [r.source.rsplit("#", 1)[-1] for r in first[3].records] == ["4", "5", "6"]
    assert [s.id for s in shards()] == [s.id for s in first]
    os.utime(directory / "wire.jsonl", ns=(1, 1))
    changed = shards()
    assert [a.id == b.id for a, b in zip(first, changed)] == [True, True, False, False, False]


def test_same_export_with_one_or_two_workers_and_any_shard_size(tmp_path, reference):
    one, report_one, _ = build_sample(tmp_path, "one", workers=1, shard_size=3)
    two, report_two, _ = build_sample(tmp_path, "two", workers=2, shard_size=3)
    assert report_one.shards == report_two.shards > 5
    assert same(one, reference)
    assert same(two, reference)


def test_each_article_comes_with_its_line_profile_from_its_shard(tmp_path, monkeypatch):
    """The workers make each article's line profile (what learning its outlets' boilerplate reads),
    so the build's process reads no text to learn the outlets after the shards; the profiles
    stored are those of the articles' base texts."""
    from dossier.corpus.clean import LineProfile, line_profile
    from dossier.store import corpus as store_corpus

    made_by_the_build = []
    real = store_corpus.line_profile
    monkeypatch.setattr(store_corpus, "line_profile", lambda text: made_by_the_build.append(text) or real(text))
    _, report, conn = build_sample(tmp_path, "profiles", workers=2, shard_size=3)
    assert report.shards > 5 and report.shards_failed == 0
    assert made_by_the_build == []
    stored = {r[0]: LineProfile.from_json(json.loads(r[1])) for r in conn.execute("SELECT article_id, profile FROM article_lines")}
    bases = {r[0]: r[1] for r in conn.execute(f"SELECT a.id, {store_corpus.BASE_TEXT} FROM articles a")}
    assert stored.keys() == bases.keys() and len(stored) > 20
    assert all(stored[a] == line_profile(bases[a]) for a in stored)
    # the sample plants outlet boilerplate: some base texts are not the texts the articles show
    assert conn.execute("SELECT COUNT(*) FROM articles WHERE base_text != ''").fetchone()[0] > 0


def test_rebuild_redoes_nothing(tmp_path):
    _, first, conn = build_sample(tmp_path, "again", workers=1, shard_size=4)
    markers = shard_rows(conn)
    again = build([SOURCE], conn, BuildOptions(workers=1, shard_size=4))
    assert again.shards == 0 and again.documents == 0 and again.analysed == 0
    assert 0 < first.reanalysed < first.analysed  # finalize changed a few texts (outlet boilerplate)
    assert again.unchanged_articles >= first.stored
    assert shard_rows(conn) == markers


def test_killed_driver_resumes_without_redoing_finished_shards(tmp_path, reference):
    db = tmp_path / "killed.db"
    env = {**os.environ, TEST_HOOK_ENV: "sleep:0.3"}  # slow shards, so the kill lands half-way
    process = subprocess.Popen([sys.executable, "-m", "dossier", "build", SOURCE, "--db", str(db), "--workers", "1",
                                "--shard-size", "2", "-q"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finished: dict[str, str] = {}
    deadline = time.time() + 60
    try:
        # kill once the first slice of the JSON Lines file is written: half-way through a container
        while time.time() < deadline and not any(name.endswith("aggregator.jsonl") for name in finished.values()):
            time.sleep(0.03)
            if db.exists():
                try:
                    with sqlite3.connect(db, timeout=5) as probe:
                        finished = {r[0]: r[1] for r in probe.execute("SELECT id, file FROM shards")}
                except sqlite3.OperationalError:
                    pass  # not migrated yet
        assert process.poll() is None, "the build ended before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    conn = connect(db)
    before = shard_rows(conn)
    assert len(before) >= 3
    half_done = conn.execute("SELECT COUNT(*) FROM files WHERE file LIKE '%aggregator.jsonl'").fetchone()[0] == 0
    report = build([SOURCE], conn, BuildOptions(workers=1, shard_size=2))
    after = shard_rows(conn)
    assert {k: after[k] for k in before} == before  # finished shards: markers untouched,
    # and their documents not read again (a group's files are marked done with it, a slice of
    # an archive by its marker); a group of small files holds one document per file
    assert report.documents == reference["_documents_read"] - sum(items for _, items in before.values())
    assert report.shards == len(after) - len(before) > 0
    if half_done:  # the finished slice of the container was recognised by its marker
        assert report.shards_finished_before == 1
    assert same(export(conn), reference)


def test_ctrl_c_says_what_is_kept_and_the_next_build_goes_on(tmp_path, reference):
    db = tmp_path / "interrupted.db"
    env = {**os.environ, TEST_HOOK_ENV: "sleep:0.3"}
    process = subprocess.Popen([sys.executable, "-m", "dossier", "build", SOURCE, "--db", str(db), "--workers", "1",
                                "--shard-size", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 60
    stored = 0
    while time.time() < deadline and stored < 2:  # once two shards are stored: as a user presses Ctrl-C
        time.sleep(0.05)
        try:
            with sqlite3.connect(db, timeout=5) as probe:
                stored = probe.execute("SELECT COUNT(*) FROM shards").fetchone()[0]
        except sqlite3.OperationalError:
            pass  # not there or not migrated yet
    assert process.poll() is None, "the build ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.strip().endswith(f"Interrupted. {db} keeps every shard stored so far and the last whole link; the same "
                                "build again goes on from there.")
    assert "Traceback" not in err
    conn = connect(db)
    report = build([SOURCE], conn, BuildOptions(workers=1, shard_size=2))
    assert 0 < report.documents < reference["_documents_read"]  # what was stored was not read again
    assert same(export(conn), reference)


def test_worker_killed_once_is_retried(tmp_path, reference, monkeypatch):
    flag = tmp_path / "died-once"
    monkeypatch.setenv(TEST_HOOK_ENV, f"exit-once:{flag}")
    document, report, _ = build_sample(tmp_path, "retried", workers=2, shard_size=3)
    assert flag.exists()  # a worker did die
    assert report.shards_failed == 0
    assert not [p for p in report.problems if p["reason"].startswith(FAILED_PREFIX)]
    assert same(document, reference)


def test_worker_that_always_dies_is_reported_and_retried_next_build(tmp_path, reference, monkeypatch):
    victim = "borderbeat-six-cartels.txt"
    monkeypatch.setenv(TEST_HOOK_ENV, f"exit:{victim}")
    document, report, conn = build_sample(tmp_path, "dies", workers=2, shard_size=3)
    # its group of three files failed, then each file alone: only the victim is reported, not marked done
    assert report.shards_failed == 1
    failed = [p for p in report.problems if p["reason"].startswith(FAILED_PREFIX)]
    assert [p["source"].rsplit("/", 1)[-1] for p in failed] == [victim]
    assert "died 3 times" in failed[0]["reason"]
    assert conn.execute("SELECT COUNT(*) FROM files WHERE file LIKE ?", (f"%{victim}",)).fetchone()[0] == 0
    sources = {s["source"] for a in document["articles"] for s in a["sources"]}
    assert not any(s.endswith(victim) for s in sources)
    assert len(sources) == len({s["source"] for a in reference["articles"] for s in a["sources"]}) - 1
    monkeypatch.delenv(TEST_HOOK_ENV)
    # relink: linking one added article into the saved state gives the same events and quotes but
    # join scores as of the join and another quote order than linking all at once (link/, not shards)
    again = build([SOURCE], conn, BuildOptions(workers=2, shard_size=3, relink=True))
    assert again.shards == 1 and again.shards_failed == 0 and again.documents == 1
    assert not [p for p in again.problems if p["reason"].startswith(FAILED_PREFIX)]
    assert same(export(conn), reference)


def test_a_full_disk_while_articles_are_analysed_fails_the_shard_and_the_next_build_redoes_it(tmp_path, reference,
                                                                                              monkeypatch):
    """Not an article's fault: its shard must not be stored as read with the article skipped (a build once
    stored every article of a corpus as 'could not be analysed (OSError: No space left on device)', and the
    builds after it read none of them again)."""
    import errno

    from dossier.scale import shards

    victim = "borderbeat-six-cartels.txt"
    analyse = shards.analyze_document

    def full_disk(raw):
        if raw.source.endswith(victim):
            raise OSError(errno.ENOSPC, "No space left on device")
        return analyse(raw)

    monkeypatch.setattr(shards, "analyze_document", full_disk)  # one worker: the shards run in this process
    _, report, conn = build_sample(tmp_path, "full", workers=1, shard_size=3)
    failed = [p for p in report.problems if p["reason"].startswith(FAILED_PREFIX)]
    assert [p["source"].rsplit("/", 1)[-1] for p in failed] == [victim]
    assert "No space left on device" in failed[0]["reason"]
    assert not [p for p in report.problems if "could not be analysed" in p["reason"]]
    monkeypatch.setattr(shards, "analyze_document", analyse)
    again = build([SOURCE], conn, BuildOptions(workers=1, shard_size=3, relink=True))
    assert again.shards == 1 and again.shards_failed == 0 and again.documents == 1
    assert same(export(conn), reference)


def test_changed_container_replaces_its_old_records(tmp_path):
    path = tmp_path / "wire.jsonl"
    records = [{"text": wire_text(f"Wire Item {i} on the Crossings", [f"Item {i}: " + WIRE_BODY[0], *WIRE_BODY[1:]]),
                "outlet": "Valley Tribune"} for i in range(5)]
    write_jsonl(path, records)
    conn = connect(tmp_path / "changed.db")
    build([str(path)], conn, BuildOptions(workers=1, shard_size=2))
    assert conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 5
    write_jsonl(path, records[:3])
    os.utime(path, ns=(10**18, 10**18))
    report = build([str(path)], conn, BuildOptions(workers=1, shard_size=2))
    assert report.shards == 2 and report.shards_finished_before == 0
    assert [r[0] for r in conn.execute("SELECT source FROM sources ORDER BY source")] == [f"{path}#{i}" for i in (1, 2, 3)]
    assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 3
    assert conn.execute("SELECT COUNT(*) FROM shards").fetchone()[0] == 2  # the old version's markers went


def test_ray_engine_without_ray_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    (tmp_path / "a.txt").write_text(wire_text(), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(tmp_path / "a.txt"), "--db", str(tmp_path / "x.db"), "--engine", "ray"])
    assert result.exit_code != 0
    assert "pip install 'dossier[ray]'" in result.output


def test_failed_slice_of_a_container_is_redone_alone_next_build(tmp_path, monkeypatch):
    path = tmp_path / "wire.jsonl"
    write_jsonl(path, [{"text": wire_text(f"Wire Item {i} on the Crossings", [f"Item {i}: " + WIRE_BODY[0], *WIRE_BODY[1:]])}
                       for i in range(5)])
    conn = connect(tmp_path / "slice.db")
    monkeypatch.setenv(TEST_HOOK_ENV, f"exit:{path.name}#3")  # the worker of records 3-4 always dies
    first = build([str(path)], conn, BuildOptions(workers=2, shard_size=2))
    assert (first.shards, first.shards_failed, first.stored) == (2, 1, 3)
    assert [p["source"] for p in first.problems if p["reason"].startswith(FAILED_PREFIX)] == [f"{path}#3-4"]
    assert conn.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 0  # not done: one slice is missing
    monkeypatch.delenv(TEST_HOOK_ENV)
    second = build([str(path)], conn, BuildOptions(workers=2, shard_size=2))
    assert (second.shards, second.shards_finished_before, second.documents) == (1, 2, 2)
    assert not second.problems
    third = build([str(path)], conn, BuildOptions(workers=2, shard_size=2))
    assert third.files_unchanged == 1 and third.documents == 0
    assert conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 5


def square_or_die(n: int) -> int:
    """A shard function for the executor test: item 4 kills its worker, item 6 raises."""
    if n == 4:
        os._exit(3)
    if n == 6:
        raise ValueError("six is not welcome")
    return n * n


def test_local_pool_keeps_order_and_isolates_the_shard_that_kills_its_worker():
    executor = LocalExecutor(2)
    outcomes = list(executor.run(square_or_die, range(12)))
    assert [item for item, _ in outcomes] == list(range(12))
    assert [o for item, o in outcomes if item not in (4, 6)] == [n * n for n in range(12) if n not in (4, 6)]
    assert outcomes[4][1] == Failed("its worker process died 3 times (killed, out of memory or crashed)")
    assert outcomes[6][1] == Failed("ValueError: six is not welcome")
    assert executor.restarts >= 1


def test_the_same_stdin_again_is_recognised_by_its_content(tmp_path):
    import io

    lines = "".join(json.dumps({"text": wire_text(f"Wire Item {i} on the Crossings", [f"Item {i}: " + WIRE_BODY[0],
                                                                                       *WIRE_BODY[1:]])}) + "\n"
                    for i in range(5)).encode("utf-8")
    conn = connect(tmp_path / "stdin.db")
    first = build(["-"], conn, BuildOptions(workers=1, shard_size=2, stdin=io.BytesIO(lines)))
    assert (first.shards, first.stored) == (3, 5)
    again = build(["-"], conn, BuildOptions(workers=1, shard_size=2, stdin=io.BytesIO(lines)))
    assert (again.shards, again.shards_finished_before, again.unchanged_articles) == (0, 3, 5)
    more = lines + json.dumps({"text": wire_text("A Sixth Item", WIRE_BODY[1:])}).encode("utf-8") + b"\n"
    third = build(["-"], conn, BuildOptions(workers=1, shard_size=2, stdin=io.BytesIO(more)))
    assert (third.shards, third.shards_finished_before, third.stored) == (1, 2, 2)  # only the changed last slice
    assert conn.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 6


def test_the_export_is_the_same_in_processes_with_different_hash_seeds(tmp_path):
    """Ray workers, pool workers and later builds are other processes, each with its own
    string-hash seed: nothing in the result may depend on the order a set iterates in."""
    exports = []
    for seed in ("1", "2"):
        db, out = tmp_path / f"seed{seed}.db", tmp_path / f"seed{seed}.json"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-m", "dossier", "build", SOURCE, "--db", str(db), "--workers", "1", "-q"],
                       check=True, env=env)
        subprocess.run([sys.executable, "-m", "dossier", "export", "--db", str(db), "--format", "json", "-o", str(out)],
                       check=True, env=env)
        exports.append(json.loads(out.read_text(encoding="utf-8")))
    assert exports[0]["events"] == exports[1]["events"]
    assert exports[0] == exports[1]
