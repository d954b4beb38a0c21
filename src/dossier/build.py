"""`dossier build`: read inputs in shards, analyse each article, store them, then link.

Stages: the shard stage (scale/shards.py: read, extract, clean and the per-article
analysis record, per shard, on a local process pool or Ray; each shard written with its
completion marker in one transaction) → outlet keys and outlet boilerplate
(`store.finalize`) → analysis records redone where finalize changed an article's text or
another source its date (`store.analysis`) → corpus linking (`link.corpus`).

A rerun skips unchanged files and finished shards, so a killed build resumes where it
stopped and redoes only unfinished shards; the result is the same whatever the engine
and the number of workers, because shards are written in input order.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from dossier.analyze.record import cached_kb
from dossier.corpus.inputs import expand_inputs
from dossier.corpus.readers import DEFAULT_MAX_BYTES
from dossier.scale import Failed, make_executor
from dossier.scale.shards import (SHARD_SIZE, TEST_HOOK_ENV, Shard, ShardContext, plan, run_shard, split_group, stamp,
                                   summary, warm_up)
from dossier.link.corpus import link
from dossier.store import corpus as store
from dossier.store import shards as shard_store
from dossier.store.analysis import AnalysisOptions, analysis_config, analyze_articles
from dossier.store.lock import writing


@dataclass
class BuildOptions:
    max_bytes: int = DEFAULT_MAX_BYTES
    workers: int = 1
    stdin: BinaryIO | None = None
    extractor: str = "rules"  # quotation extractor: "rules" (fast) or "model" (learned)
    kb_file: str | None = None  # the user's own actors, added to the shipped KB
    relink: bool = False  # link the whole corpus anew, not only the new articles
    engine: str = "local"  # where the shard stage runs: "local" (process pool) or "ray"
    address: str | None = None  # Ray cluster address (ray://host:port or auto); None starts Ray here
    shard_size: int = SHARD_SIZE  # records (of a container) or files (of a group) per shard
    resident_state: bool = False  # keep the linking state in memory for this process's next build (a server)
    table_counts: bool = True  # count the linked tables' rows after an incremental link (the CLI prints them)
    writer: str = "a dossier build"  # how the store's lock names this build to another writer (store/lock.py)
    lock_wait: float = 10.0  # seconds to wait for another writer of the store before StoreBusy


@dataclass
class BuildReport:
    inputs: list[str]
    files: int = 0
    files_unchanged: int = 0
    documents: int = 0  # documents analysed in this run
    stored: int = 0  # of them, stored as articles (new or already known)
    new_articles: int = 0
    skipped_now: int = 0
    elapsed: float = 0.0
    problems: list[dict[str, str]] = field(default_factory=list)  # skips and repairs of these inputs
    unchanged_articles: int = 0
    analysed: int = 0  # analysis records computed in this run (in the shards, and redone after finalize)
    reanalysed: int = 0  # of them, redone after finalize (outlet boilerplate changed the text, or the date changed)
    shards: int = 0  # shards written in this run
    shards_finished_before: int = 0  # shards a previous build had finished (not redone)
    shards_failed: int = 0  # shards whose worker kept dying: reported, retried next build
    linked: dict[str, int] = field(default_factory=dict)  # sizes of the corpus-level tables
    stage_seconds: dict[str, float] = field(default_factory=dict)  # read and store, analyse, link

    @property
    def skipped(self) -> list[dict[str, str]]:
        return [p for p in self.problems if p["action"] == "skipped"]

    @property
    def repaired(self) -> list[dict[str, str]]:
        return [p for p in self.problems if p["action"] == "repaired"]

    @property
    def anything_read(self) -> bool:
        return self.stored > 0 or self.unchanged_articles > 0


def build(
    paths: list[str],
    conn: sqlite3.Connection,
    options: BuildOptions | None = None,
    progress: Callable[[str, Any], None] | None = None,
) -> BuildReport:
    """Read, analyse and store everything under PATHS; idempotent and resumable. A store in a file is
    written by one build at a time (`store.lock`): StoreBusy if another holds it for `lock_wait` seconds."""
    options = options or BuildOptions()
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    with writing(path, options.writer, options.lock_wait) if path else nullcontext():
        return _build(paths, conn, options, progress)


def _build(paths: list[str], conn: sqlite3.Connection, options: BuildOptions,
           progress: Callable[[str, Any], None] | None) -> BuildReport:
    notify = progress or (lambda event, value: None)
    started = time.time()
    report = BuildReport(inputs=list(paths))
    files, arg_problems = expand_inputs(paths)
    conn.execute(
        "INSERT INTO builds (started_at, inputs) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?)", (json.dumps(paths),)
    )
    build_id = conn.execute("SELECT last_insert_rowid()").fetchone()[0]

    todo = []
    for input_file in files:
        if not input_file.is_stdin:
            try:
                stat = os.stat(input_file.path)
                done_articles = store.finished_file_articles(conn, input_file.path, stat.st_size, stat.st_mtime_ns)
                if done_articles is not None:
                    report.files_unchanged += 1
                    report.unchanged_articles += done_articles
                    continue
            except OSError:
                pass  # the reader reports why it cannot be read
        todo.append(stamp(input_file))
    report.files = len(files)
    notify("files", len(todo))

    store.save_batch(conn, store.Batch(skips=[(p.source, p) for p in arg_problems]))
    analysis = AnalysisOptions(extractor=options.extractor, kb_file=options.kb_file, workers=options.workers)
    _shard_stage(conn, todo, options, analysis, report, notify)

    store.finalize(conn)
    report.stage_seconds["read"] = time.time() - started
    notify("stage", "analysing")
    report.reanalysed = analyze_articles(conn, analysis, lambda n: notify("analysed", n))
    report.analysed += report.reanalysed
    report.stage_seconds["analyse"] = time.time() - started - report.stage_seconds["read"]
    notify("stage", "linking")
    report.linked = link(conn, options.kb_file, full=options.relink, resident=options.resident_state,
                         counts=options.table_counts, progress=lambda step, done, total: notify("link", (step, done, total)))
    report.stage_seconds["link"] = time.time() - started - report.stage_seconds["read"] - report.stage_seconds["analyse"]
    input_names = {f.path if not f.is_stdin else "<stdin>" for f in files} | {p.source for p in arg_problems}
    report.problems = store.problems(conn, input_names)
    report.elapsed = time.time() - started
    conn.execute(
        "UPDATE builds SET finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), documents = ?, new_articles = ?, skipped = ? WHERE id = ?",
        (report.documents, report.new_articles, report.skipped_now, build_id),
    )
    return report


def _shard_stage(conn: sqlite3.Connection, todo: list, options: BuildOptions, analysis: AnalysisOptions,
                 report: BuildReport, notify: Callable[[str, Any], None]) -> None:
    """Run the shards of the files still to read on the chosen engine and write each one,
    in input order, with its completion marker; shards finished before are not sent."""
    if not todo:
        return
    context = ShardContext(analysis, analysis_config(analysis), options.max_bytes, os.environ.get(TEST_HOOK_ENV) or None,
                           cwd=os.getcwd())
    failed_files: set[str] = set()
    unmarked: list = []  # containers whose last shard was written before but which are not marked done

    def pending():
        for shard in plan(todo, options.shard_size, options.max_bytes, options.stdin):
            stored_before = shard_store.finished(conn, shard.id)
            if stored_before is not None:
                report.shards_finished_before += 1
                report.unchanged_articles += stored_before
                if shard.last:
                    if shard.container is not None and not shard.container.file.is_stdin:
                        unmarked.append(shard.container)
                    notify("file_done", shard.name)
                continue
            yield context, shard

    cached_kb(options.kb_file)  # loaded once before the workers fork, so they share it
    if options.engine == "local" and options.workers > 1:
        warm_up(context)
    executor = make_executor(options.engine, options.workers, options.address)
    try:
        for (_, shard), outcome in executor.run(run_shard, pending()):
            if isinstance(outcome, Failed) and len(shard.files) > 1:
                # one file of the group kills its worker: run them one by one, so only that file is reported
                singles = [(context, single) for single in split_group(shard, options.shard_size)]
                for (_, single), single_outcome in executor.run(run_shard, singles):
                    _write(conn, single, single_outcome, report, failed_files)
            else:
                _write(conn, shard, outcome, report, failed_files)
            for name in ([shard.name] if shard.container is not None and shard.last else [e.name for e in shard.files]):
                notify("file_done", name)
            notify("documents", report.documents)
    finally:
        executor.close()
    for container in unmarked:
        if container.name not in failed_files:
            shard_store.finish_container(conn, container)


def _write(conn: sqlite3.Connection, shard: Shard, outcome: Any, report: BuildReport, failed_files: set[str]) -> None:
    if isinstance(outcome, Failed):
        shard_store.save_failure(conn, shard, outcome.reason)
        report.shards_failed += 1
        failed_files.add(shard.name)
        return
    report.new_articles += shard_store.save_shard(conn, shard, outcome, finish_file=shard.name not in failed_files)
    report.shards += 1
    report.analysed += len(outcome.records)
    counts = summary(outcome)
    report.documents += counts["documents"]
    report.stored += counts["articles"]
    report.skipped_now += counts["skipped"]
