"""The shard stage of a build: inputs split into shards, and the pure function of one shard.

Two kinds of shard, each of at most `size` items (SHARD_SIZE by default):

- a *group of files*: consecutive single-article files (text, HTML, anything not named as
  a container). The worker reads them itself. A file is done when its group is written
  (the `files` table marks it, as before), so a rerun regroups only unfinished files.
- a *slice of records* of one container (JSON Lines, JSON, WARC, feed, stdin): the driver
  streams the container once (gzip and WARC have no random access, and reading is the
  cheap part: see BENCHMARKS.md) and cuts it every `size` records; shard k of a file is
  the same records whenever the file is unchanged, so its id (path, size, mtime, size
  limit, k) is stable. A rerun reads through the finished part but sends no finished
  shard to the workers; a changed file gets new ids, and its first shard clears what the
  older version of the file left in the store.

`run_shard` is the work: extract, clean, and the per-article analysis record (keyed as
`store.analysis.stale_tasks` keys it, so a record made here is not redone unless the
outlet-boilerplate step of `finalize` changes the text or another source changes the date).

Why 50 items: a shard then takes about 0.2 s (text) to 1.5 s (HTML pages) of one core,
so its transaction and its trip to a worker (a few ms) cost under 1 %; it is small
enough that a few hundred pages already keep several workers busy and that a killed
build loses little (at most the 2 x workers + 1 shards in flight); and a shard of web
pages holds about 5 MB, so memory stays bounded whatever the archive's size.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from dossier import fastjson
from dossier.analyze.article import analyze_document
from dossier.corpus.clean import line_profile
from dossier.corpus.inputs import InputFile, format_from_name
from dossier.corpus.readers import read_input
from dossier.model import Article, RawDocument, Skip
from dossier.store.analysis import AnalysisOptions, Task, analysis_key, run_task

SHARD_SIZE = 50
CONTAINER_FORMATS = ("jsonl", "json", "warc", "feed")
# Test-only: DOSSIER_TEST_SHARD_HOOK="exit:NAME" makes the worker of any shard holding a
# source whose name contains NAME exit at once (a killed worker); "exit-once:FLAG" does so
# only while the file FLAG does not exist (it creates it: the retry then succeeds);
# "sleep:SECONDS" slows every shard down. The driver reads it and passes it with the shard.
TEST_HOOK_ENV = "DOSSIER_TEST_SHARD_HOOK"


@dataclass(frozen=True)
class FileStamp:
    """An input file and the size and modification time it had when planned."""

    file: InputFile
    size: int
    mtime_ns: int

    @property
    def name(self) -> str:
        return "<stdin>" if self.file.is_stdin else self.file.path


@dataclass
class Shard:
    """One unit of work. Either `files` (a group the worker reads) or `records` (a slice
    of one container that the driver read), never both."""

    id: str
    seq: int  # index of the shard within its container (0 for a group of files)
    files: list[FileStamp] = field(default_factory=list)
    records: list[RawDocument | Skip] = field(default_factory=list)
    container: FileStamp | None = None
    last: bool = False  # the last shard of its container: it marks the file done

    @property
    def name(self) -> str:
        return self.container.name if self.container else self.files[0].name

    @property
    def items(self) -> int:
        return len(self.records) if self.container else len(self.files)

    @property
    def label(self) -> str:
        """How problems name the shard: its file, or `file#first-last` for records."""
        if self.container is None or not self.records:
            return self.name
        first, last = self.records[0].source, self.records[-1].source
        return first if first == last else f"{first}-{last.rsplit('#', 1)[-1]}"


@dataclass(frozen=True)
class ShardContext:
    """What every shard needs besides its input; the same for a whole build."""

    analysis: AnalysisOptions
    config: str  # store.analysis.analysis_config(analysis), computed once by the driver
    max_bytes: int
    test_hook: str | None = None
    cwd: str | None = None  # the driver's working directory: relative input paths mean the same in a worker


@dataclass
class ShardResult:
    """What the driver writes for a shard: (file, Article or Skip) in input order, and
    per distinct article one analysis record (article id, key, JSON) and one line profile
    (article id, JSON of `corpus.clean.LineProfile`: what learning its outlets' boilerplate
    reads of its text, made here so that the build's process does not make it alone after
    the shards)."""

    items: list[tuple[str, Article | Skip]] = field(default_factory=list)
    records: list[tuple[str, str, str]] = field(default_factory=list)
    profiles: list[tuple[str, str]] = field(default_factory=list)


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode("utf-8")).hexdigest()[:20]


def stamp(input_file: InputFile) -> FileStamp:
    """The file with its size and mtime now: part of its shards' ids, so a change shows."""
    size = mtime_ns = 0
    if not input_file.is_stdin:
        try:
            stat = os.stat(input_file.path)
            size, mtime_ns = stat.st_size, stat.st_mtime_ns
        except OSError:
            pass  # the reader reports why it cannot be read
    return FileStamp(input_file, size, mtime_ns)


def is_container(input_file: InputFile) -> bool:
    """Read by the driver and cut into slices of records (formats that hold many articles)."""
    return input_file.is_stdin or format_from_name(input_file.path) in CONTAINER_FORMATS


def plan(todo: list[FileStamp], size: int, max_bytes: int, stdin: BinaryIO | None = None) -> Iterator[Shard]:
    """The shards of the files still to read, in input order, lazily (a container is read
    as its shards are taken, so an archive is never held whole)."""
    group: list[FileStamp] = []
    for entry in todo:
        if not is_container(entry.file):
            group.append(entry)
            if len(group) >= size:
                yield _group_shard(group, size)
                group = []
            continue
        if group:
            yield _group_shard(group, size)
            group = []
        yield from _record_shards(entry, size, max_bytes, stdin)
    if group:
        yield _group_shard(group, size)


def _group_shard(group: list[FileStamp], size: int) -> Shard:
    ident = _digest("files", size, *(f"{e.name}:{e.size}:{e.mtime_ns}" for e in group))
    return Shard(ident, 0, files=list(group))


def split_group(shard: Shard, size: int) -> list[Shard]:
    """A group of files as one-file shards: after the group failed, this finds the file
    that kills its worker and lets the others be written."""
    return [_group_shard([entry], size) for entry in shard.files]


def _record_shards(entry: FileStamp, size: int, max_bytes: int, stdin: BinaryIO | None) -> Iterator[Shard]:
    seq, records = 0, []
    for item in read_input(entry.file, max_bytes, stdin):
        if len(records) == size:
            yield _record_shard(entry, seq, records, size, last=False)
            seq, records = seq + 1, []
        records.append(item)
    yield _record_shard(entry, seq, records, size, last=True)


def _record_shard(entry: FileStamp, seq: int, records: list, size: int, last: bool) -> Shard:
    if entry.file.is_stdin:  # no path or mtime to go by: the content names the shard
        content = hashlib.sha256()
        for r in records:
            content.update(f"{r.source}\0{getattr(r, 'content', getattr(r, 'reason', ''))}\0".encode("utf-8", "replace"))
        ident = _digest("stdin", size, seq, content.hexdigest())
    else:
        ident = _digest("records", entry.name, entry.size, entry.mtime_ns, size, seq)
    return Shard(ident, seq, records=records, container=entry, last=last)


# --- the work of one shard (runs in a worker) -----------------------------------------------

def _test_hook(hook: str | None, shard: Shard) -> None:
    if not hook:
        return
    action, _, arg = hook.partition(":")
    names = [e.name for e in shard.files] + [r.source for r in shard.records]
    if action == "sleep":
        time.sleep(float(arg))
    elif action == "exit" and any(arg in n for n in names):
        os._exit(17)
    elif action == "exit-once" and not os.path.exists(arg):
        open(arg, "w").close()
        os._exit(17)


def _documents(shard: Shard, max_bytes: int) -> Iterator[tuple[str, RawDocument | Skip]]:
    if shard.container is not None:
        for record in shard.records:
            yield shard.container.name, record
        return
    for entry in shard.files:
        for item in read_input(entry.file, max_bytes):
            yield entry.name, item


def run_shard(job: tuple[ShardContext, Shard]) -> ShardResult:
    """Read (a group of files), extract, clean and analyse one shard: a pure function of
    the shard and the build's settings, so any worker on any engine gives the same result."""
    context, shard = job
    if context.cwd and shard.files and os.getcwd() != context.cwd and os.path.isdir(context.cwd):
        os.chdir(context.cwd)  # a Ray worker starts elsewhere; it reads the files the build named
    _test_hook(context.test_hook, shard)
    result = ShardResult()
    for file, item in _documents(shard, context.max_bytes):
        if isinstance(item, RawDocument):
            try:
                item = analyze_document(item)
            except (OSError, MemoryError):
                # the machine's trouble (a full disk, no memory), not the article's: the shard fails, is
                # reported with the reason, and is redone by the next build (skipped, its articles were lost)
                raise
            except Exception as exc:  # a bug on one hostile article must not stop the build
                item = Skip(item.source, f"could not be analysed ({type(exc).__name__}: {str(exc)[:200]})")
        result.items.append((file, item))
    # One record per distinct article, dated as store.analysis._dates dates it: the earliest
    # publication date its sources in this shard give, else the earliest crawl date.
    firsts: dict[str, Article] = {}
    dates: dict[str, tuple[str | None, str | None]] = {}
    for _, item in result.items:
        if not isinstance(item, Article):
            continue
        firsts.setdefault(item.id, item)
        on, fetched = dates.get(item.id, (None, None))
        on = min(filter(None, (on, item.published)), default=None)
        fetched = min(filter(None, (fetched, item.fetched)), default=None)
        dates[item.id] = (on, fetched)
    for aid, article in firsts.items():
        on, fetched = dates[aid]
        latest = None if on else fetched
        key = analysis_key(article.text, on, latest, context.config)
        result.records.append(run_task(Task(aid, key, article.text, article.lang, on, latest), context.analysis))
        # an article's id is its text's hash, so the stored base text is this text
        result.profiles.append((aid, fastjson.dumps(line_profile(article.text).to_json())))
    return result


WARM_UP_TEXT = ("The mayor of San Lázaro said on Tuesday that the city would ask for more money. "
                "\u201cWe cannot keep doing this,\u201d she told reporters, according to a statement.")


def warm_up(context: ShardContext) -> None:
    """Run one short article of our own through the shard function, so what loads lazily
    (the language model, matchers) is loaded before a local pool forks: each worker would
    otherwise load it again (about 0.4 s of CPU each)."""
    entry = FileStamp(InputFile("warm-up.txt"), 0, 0)
    shard = Shard("warm-up", 0, records=[RawDocument("warm-up.txt", WARM_UP_TEXT, "text", {})], container=entry)
    run_shard((replace(context, test_hook=None), shard))


def summary(result: ShardResult) -> dict[str, int]:
    """Counts of a shard's result, for reports."""
    articles = sum(isinstance(i, Article) for _, i in result.items)
    return {"documents": len(result.items), "articles": articles, "skipped": len(result.items) - articles}
