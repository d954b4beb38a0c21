"""`dossier build`: read inputs, analyse each article, store them in batches, then link.

Stages: read and clean (per file, in batches) → outlet keys and outlet boilerplate
(`store.finalize`) → per-article analysis records on the final text
(`store.analysis`) → corpus linking (`link.corpus`).

The per-article analysis is a pure function, so it runs in a pool of worker processes;
results come back in input order and are written in batches, one transaction each. A
file is marked done in the same transaction as its last article, so a killed build
resumes at the first file that was not finished and redoes nothing else.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_all_start_methods, get_context
from typing import Any, BinaryIO

from dossier.analyze.article import analyze_document
from dossier.corpus.inputs import InputFile, expand_inputs
from dossier.corpus.readers import DEFAULT_MAX_BYTES, read_input
from dossier.model import Article, RawDocument, Skip
from dossier.link.corpus import link
from dossier.store import corpus as store
from dossier.store.analysis import AnalysisOptions, analyze_articles

BATCH_SIZE = 200
CHUNK_SIZE = 16


@dataclass
class FileEnd:
    """Marks the end of one input file in the stream of work."""

    file: InputFile
    size: int
    mtime_ns: int


@dataclass
class BuildOptions:
    max_bytes: int = DEFAULT_MAX_BYTES
    workers: int = 1
    batch_size: int = BATCH_SIZE
    stdin: BinaryIO | None = None
    extractor: str = "rules"  # quotation extractor: "rules" (fast) or "model" (learned)
    kb_file: str | None = None  # the user's own actors, added to the shipped KB
    relink: bool = False  # link the whole corpus anew, not only the new articles


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
    analysed: int = 0  # articles whose analysis record was (re)computed
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


def analyze_item(item: Any) -> Any:
    """Worker function: analyse documents, pass markers through; never raise."""
    file, payload = item
    if isinstance(payload, RawDocument):
        try:
            payload = analyze_document(payload)
        except Exception as exc:  # a bug on one hostile article must not stop the build
            payload = Skip(payload.source, f"could not be analysed ({type(exc).__name__}: {str(exc)[:200]})")
    return file, payload


def _run_chunk(items: list[Any]) -> list[Any]:
    return [analyze_item(item) for item in items]


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ordered_map(items: Iterable[Any], workers: int) -> Iterator[Any]:
    """Analyse items in worker processes, in input order, with a bounded window in flight
    (Pool.imap would read a whole archive ahead into memory)."""
    if workers <= 1:
        yield from map(analyze_item, items)
        return
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(workers, mp_context=get_context(method)) as pool:
        pending: deque = deque()
        for chunk in _chunks(items, CHUNK_SIZE):
            pending.append(pool.submit(_run_chunk, chunk))
            if len(pending) >= 4 * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _work(files: list[InputFile], options: BuildOptions, on_file: Callable[[InputFile], None]) -> Iterator[tuple[InputFile, Any]]:
    for input_file in files:
        size = mtime_ns = 0
        if not input_file.is_stdin:
            try:
                stat = os.stat(input_file.path)
                size, mtime_ns = stat.st_size, stat.st_mtime_ns
            except OSError:
                pass
        for item in read_input(input_file, options.max_bytes, options.stdin):
            yield input_file, item
        yield input_file, FileEnd(input_file, size, mtime_ns)
        on_file(input_file)


def build(
    paths: list[str],
    conn: sqlite3.Connection,
    options: BuildOptions | None = None,
    progress: Callable[[str, Any], None] | None = None,
) -> BuildReport:
    """Read, analyse and store everything under PATHS; idempotent and resumable."""
    options = options or BuildOptions()
    notify = progress or (lambda event, value: None)
    started = time.time()
    report = BuildReport(inputs=list(paths))
    files, arg_problems = expand_inputs(paths)
    conn.execute(
        "INSERT INTO builds (started_at, inputs) VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?)", (json.dumps(paths),)
    )
    build_id = conn.execute("SELECT last_insert_rowid()").fetchone()[0]

    todo: list[InputFile] = []
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
        todo.append(input_file)
    report.files = len(files)
    notify("files", len(todo))

    batch = store.Batch()
    batch.skips.extend((p.source, p) for p in arg_problems)
    seen: dict[str, store.FileDone] = {}
    stream = _work(todo, options, lambda f: notify("file_done", f.path))
    for input_file, result in ordered_map(stream, options.workers):
        name = "<stdin>" if input_file.is_stdin else input_file.path
        done = seen.setdefault(name, store.FileDone(name, 0, 0))
        if isinstance(result, Article):
            batch.articles.append((name, result))
            done.sources.add(result.source)
            report.documents += 1
            report.stored += 1
        elif isinstance(result, Skip):
            batch.skips.append((name, result))
            done.skipped.add(result.source)
            report.documents += 1
            report.skipped_now += 1
        elif isinstance(result, FileEnd):
            done.size, done.mtime_ns = result.size, result.mtime_ns
            if not input_file.is_stdin:
                batch.files_done.append(seen.pop(name))
            notify("documents", report.documents)
        if len(batch) >= options.batch_size:
            report.new_articles += store.save_batch(conn, batch)
            batch = store.Batch()
    report.new_articles += store.save_batch(conn, batch)

    store.finalize(conn)
    report.stage_seconds["read"] = time.time() - started
    notify("stage", "analysing")
    report.analysed = analyze_articles(
        conn, AnalysisOptions(extractor=options.extractor, kb_file=options.kb_file, workers=options.workers),
        lambda n: notify("analysed", n))
    report.stage_seconds["analyse"] = time.time() - started - report.stage_seconds["read"]
    notify("stage", "linking")
    report.linked = link(conn, options.kb_file, full=options.relink)
    report.stage_seconds["link"] = time.time() - started - report.stage_seconds["read"] - report.stage_seconds["analyse"]
    input_names = {f.path if not f.is_stdin else "<stdin>" for f in files} | {p.source for p in arg_problems}
    report.problems = store.problems(conn, input_names)
    report.elapsed = time.time() - started
    conn.execute(
        "UPDATE builds SET finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), documents = ?, new_articles = ?, skipped = ? WHERE id = ?",
        (report.documents, report.new_articles, report.skipped_now, build_id),
    )
    return report
