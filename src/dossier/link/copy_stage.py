"""The copy stage of a full link: copies and statements, each in a process of its own beside the
rest of the linker.

Copies are found from the articles' texts alone (`link.copies`), whatever the statements and
events, and they were about half of the linker's CPU at 10,000-100,000 articles. So a full
link of a large store runs its `CopyIndex` in a child process that reads the store itself, in
the linking order (`link.corpus.link_inputs`), and hands each article's relations over as
they are found, while the parent links actors and events; at the end the parent takes the
finished index (the state an incremental link adds to). The result is the same as one
process's: the same index, fed the same articles in the same order.

The statements (`link.quotes.QuoteIndex`) are linked in a second child, so the processes' loads
are nearer even (at 100,000 articles the statements were ~180 s of the parent's ~480 s CPU, the
copies ~250 s once weak candidates were limited by date): they need only the articles'
quotations, and events need of them only the keys of the statements each article's
occurrences are in as the index has them right after that article (`link.linker.add_statements`),
which the child sends as it goes. The parent takes the finished statements at the end too.
Each part has a process of its own, on two cores too: now that the children write what they find into
files and run ahead of the parent (`_Findings`, session 20), three processes share two cores better than
two did (session 21, `bench/link_stage.py --children one|two` on copies of generated stores: the linker
phase 4.8 -> 4.3-4.5 s at 3,000 articles, 18.4 -> 16.5 s at 10,000, 40.4 -> 35.7 s at 20,000). Sessions
6-7 had measured one child faster below ~50,000 articles, when a child waited on the parent to read
its queue. `CopyStage` still takes a grouping (`groups`): the bench compares them.
"""

from __future__ import annotations

import gc
import os
import pickle
import queue
import tempfile
import time
import traceback
from multiprocessing import get_all_start_methods, get_context
from typing import Any, Callable

from dossier.link import scratch
from dossier.link.checkpoint import Checkpoints
from dossier.link.copies import ArticleText, CopyIndex
from dossier.link.linker import LinkInput, SpooledIndex, add_statements, text_reader
from dossier.link.pool import ProcessFailed, collect_less, die_with_parent
from dossier.link.quotes import QuoteIndex

MIN_ARTICLES = 2000  # below this a second process costs more (~1 s to start) than it saves
BATCH = 100  # articles' findings written at a time
# A child is faster than the parent. It writes what it finds into a file the parent reads as it goes
# (`_Findings`), not into a queue, so it runs ahead as far as it can, finishes, hands its indexes over in
# files and ends while the parent links on: its memory is the system's again before the parent's state is
# at its largest. (A queue's data is held in the sender's memory until read: at 1,000,000 articles the
# statements' child kept ~300 MB of it, so it was bounded to 64 batches ahead, and each child held its
# whole index until the parent's last article, when the link's memory peaks.)
WAIT_FOR_DATA = 0.01  # seconds between looks at a child's file when the parent has read all it wrote
FREEZE_EVERY = 500  # the collector's full passes need not rescan the growing index (as link.corpus)
WAIT = 5.0  # seconds between checks that the child is still alive while waiting for it
# The children run at a lower priority than the linking process, which reads what they find. With the
# same priority, three processes on two cores get two thirds of a core each: the children, with less
# work to do, finished well ahead, and the linking process then ran alone on one core while the other
# stood idle (~11 s of a 40 s linker step at 20,000 articles). Favoured, it keeps pace and they take
# what it leaves: the 100,000 linker step 235 -> 218 s, near the (CPU of all three) / 2 = 219 s a
# perfect packing gives (BENCHMARKS.md, session 28). With a core each, it changes nothing.
CHILD_NICENESS = 8

PARTS = ("copies", "statements")


def children() -> tuple[tuple[str, ...], ...]:
    """The parts each child links: each in a process of its own, whatever the store's size (see the
    module's docstring)."""
    return tuple((part,) for part in PARTS)


def _finder(conn: Any, part: str, index: Any = None) -> tuple[CopyIndex | QuoteIndex, Callable[[LinkInput], Any]]:
    """A part's index (`index`: the one a checkpoint kept, else a new one) and what it finds of one
    article: its copy relations, or the keys of its statements."""
    if part == "statements":
        # the parent names the statements' speakers (it has the actors); the rows wait in a file until
        # the index is pickled: the child never reads them
        quotes = QuoteIndex(spool_rows=True) if index is None else index
        quotes.spool_rows()
        return quotes, lambda item: add_statements(quotes, item)[2]
    # as the linker's (`Linker.__init__`): it sends the relations instead of keeping them
    copies = CopyIndex(keep_relations=False) if index is None else index
    copies.texts = text_reader(conn)  # texts are read again from the store, not kept (CopyIndex.texts)
    return copies, lambda item: copies.add(ArticleText(item.id, item.text, item.published, item.outlets))


def _work(path: str, parts: tuple[str, ...], out: Any, found_path: str, parent: int, folder: str,
          checkpoints: Checkpoints | None = None, start: int = 0) -> None:
    """A child: what its parts find of every analysed article in linking order (one value per part), then
    their indexes (with, for reports, its CPU seconds and the time it was done). With `checkpoints`, its
    indexes are pickled into each checkpoint before the findings of its last article are sent; a link
    resumed from checkpoint `start` reads them back and goes on from the article after it. The findings
    go into the file `found_path` (`_Findings`), the indexes into files in `folder` (the stage's
    `link.scratch` folder), and any error into the queue `out`."""
    from dossier.link.corpus import link_inputs  # not at import time: link.corpus imports this module
    from dossier.store.db import connect

    die_with_parent(parent)
    collect_less()
    if hasattr(os, "nice"):
        os.nice(CHILD_NICENESS)
    try:
        conn = connect(path, create=False)
        found = open(found_path, "ab", buffering=1 << 16)
        kept = [checkpoints.read(part, start) if checkpoints and start else None for part in parts]
        indexes, finds = zip(*(_finder(conn, part, index) for part, index in zip(parts, kept)))
        del kept
        batch: list[tuple[str, Any]] = []
        for n, item in enumerate(link_inputs(conn, records="statements" in parts, skip=start), start + 1):
            batch.append((item.id, tuple(find(item) for find in finds)))
            if checkpoints is not None and checkpoints.due(n):  # kept before the parent can have article n
                for part, index in zip(parts, indexes):
                    checkpoints.write(part, n, index)
                _Findings.write(found, batch)
                batch = []
            elif len(batch) >= BATCH:
                _Findings.write(found, batch)
                batch = []
            if n % FREEZE_EVERY == 0:
                gc.freeze()
        _Findings.write(found, batch)
        found.close()
        spooled = tuple(SpooledIndex.write(index, folder).path for index in indexes)  # each part in a file of its own
        out.put(("index", (spooled, time.process_time(), time.time())))
    except BaseException:  # reported to the parent, which raises it
        out.put(("error", traceback.format_exc()))


class _Findings:
    """A child's findings in a file, batch after batch (8 bytes of length, then the pickled batch):
    the child appends, the parent reads each batch once the child has written it whole. The file
    is unlinked once the parent has read from it (the child has it open by then), or when the
    stage closes. On disk, not in memory: at 20,000 articles 233 bytes an article for the copies' child,
    98 for the statements' (a few hundred MB at 1,000,000)."""

    def __init__(self, folder: str) -> None:
        handle, self.path = tempfile.mkstemp(prefix="dossier-found-", dir=folder)
        os.close(handle)
        self._file = open(self.path, "rb", buffering=0)
        self._data = bytearray()

    @staticmethod
    def write(file: Any, batch: list[tuple[str, Any]]) -> None:
        """In the child: one batch, whole, visible to the parent when this returns."""
        data = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
        file.write(len(data).to_bytes(8, "little") + data)
        file.flush()

    def read(self, wait: Callable[[], None]) -> list[tuple[str, Any]]:
        """The next batch, calling `wait` while the child has not written it yet."""
        size = int.from_bytes(self._take(8, wait), "little")
        self.unlink()
        return pickle.loads(self._take(size, wait))

    def _take(self, size: int, wait: Callable[[], None]) -> bytes:
        while len(self._data) < size:
            more = self._file.read(max(size - len(self._data), 1 << 16))
            if more:
                self._data += more
            else:
                wait()
        taken = bytes(self._data[:size])
        del self._data[:size]
        return taken

    def more(self) -> bool:
        """Whether the file holds bytes not read yet (once the child is done: another batch)."""
        if not self._data:
            self._data += self._file.read(1 << 16)
        return bool(self._data)

    def unlink(self) -> None:
        if self.path:
            try:
                os.unlink(self.path)
            except OSError:
                pass
            self.path = ""

    def close(self) -> None:
        self.unlink()
        self._file.close()


class _Child:
    """One child process (`_work` of its parts) and what it has found, taken in linking order."""

    def __init__(self, context: Any, path: str, parts: tuple[str, ...], folder: str,
                 checkpoints: Checkpoints | None = None, start: int = 0) -> None:
        self.parts = parts
        self._queue = context.Queue()
        self._findings = _Findings(folder)
        self._process = context.Process(target=_work, args=(path, parts, self._queue, self._findings.path, os.getpid(),
                                                            folder, checkpoints, start), daemon=True)
        self._process.start()
        self._pending: list[tuple[str, Any]] = []
        self._next = 0
        self._index: Any = None  # what the child sent once done (it may be done long before the parent)

    @property
    def part(self) -> str:
        """How errors name the child."""
        return " and ".join(self.parts)

    def _ended(self) -> ProcessFailed:
        return ProcessFailed(f"the copy stage's {self.part} process ended without its result (exit code "
                             f"{self._process.exitcode})")

    def _failed(self, traceback_text: str) -> ProcessFailed:
        return ProcessFailed(f"the copy stage failed ({self.part}):\n{traceback_text}")

    def _receive(self) -> tuple[str, Any]:
        while True:
            try:
                kind, value = self._queue.get(timeout=WAIT)
            except queue.Empty:
                if not self._process.is_alive():
                    raise self._ended() from None
                continue
            if kind == "error":
                raise self._failed(value)
            return kind, value

    def _wait_for_findings(self) -> None:
        """While the parent has read all the child wrote: what the child says (an error, or that it
        is done), else a moment's wait; an error if it will write no more."""
        if self._index is not None:  # done, and it wrote every finding before it said so
            raise RuntimeError(f"the copy stage's {self.part} ended before the link's last article")
        try:
            kind, value = self._queue.get(timeout=WAIT_FOR_DATA)
        except queue.Empty:
            if self._process.exitcode is None:
                return
            try:  # ended: what it said last may still be on its way
                kind, value = self._queue.get(timeout=1.0)
            except queue.Empty:
                raise self._ended() from None
        if kind == "error":
            raise self._failed(value)
        self._index = value

    def found(self, article_id: str) -> Any:
        while self._next >= len(self._pending):
            self._pending, self._next = self._findings.read(self._wait_for_findings), 0
        found_id, found = self._pending[self._next]
        self._next += 1
        if found_id != article_id:  # every process reads the same store in the same order
            raise RuntimeError(f"the copy stage's {self.part} is out of step: {found_id} where {article_id} was expected")
        return found

    def index(self) -> tuple[tuple[SpooledIndex, ...], float, float]:
        """The finished indexes of its parts (in their files), the child's CPU seconds and when it was done."""
        if self._index is None:
            _, self._index = self._receive()
        # (its last batch may be empty: a checkpoint's, or the corpus a multiple of BATCH)
        if self._next < len(self._pending) or any(self._findings.read(self._wait_for_findings)
                                                  for _ in iter(self._findings.more, False)):
            raise RuntimeError(f"the copy stage's {self.part} sent findings of articles the link did not read")
        self._process.join()
        self._findings.close()
        paths, cpu, done = self._index
        return tuple(SpooledIndex(path) for path in paths), cpu, done

    def close(self) -> None:
        """End the child; its files go with the stage's folder (`CopyStage.close`)."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._findings.close()


class CopyStage:
    """The child processes and what they have sent of every analysed article of the store at
    `path`: `found(article_id)` in linking order, then `indexes()`. With
    `checkpoints`, the children keep their indexes in each (`link.checkpoint`); from `start`, they
    begin with those of that checkpoint, after its last article. Their files are in a folder of the
    stage's own (`link.scratch`), removed when the stage is closed, or by a later link if this one
    is killed."""

    def __init__(self, path: str, groups: tuple[tuple[str, ...], ...] | None = None,
                 checkpoints: Checkpoints | None = None, start: int = 0) -> None:
        # fork, as the shard stage's pool (scale/local.py): spawn would import the caller's main
        # module again, which a script calling link() without a __main__ guard does not survive
        context = get_context("fork" if "fork" in get_all_start_methods() else "spawn")
        self.groups = groups or children()
        self.start = start  # articles linked before (a link resumed from a checkpoint)
        self.folder = scratch.make()
        self._children = [_Child(context, path, parts, self.folder, checkpoints, start) for parts in self.groups]
        self.child_cpu = 0.0  # the children's CPU seconds, once `indexes` has them
        self.waited = 0.0  # seconds `indexes` waited for the children to finish their articles
        self.transfer = 0.0  # seconds from then (or the call) until the indexes' files were received

    def found(self, article_id: str) -> tuple[list[dict[str, Any]], list[str | None]]:
        """The copy relations the article has with the articles before it, and the keys of the
        statements its occurrences are in (`link.linker.add_statements`)."""
        found = {part: value for child in self._children for part, value in zip(child.parts, child.found(article_id))}
        return found["copies"], found["statements"]

    def indexes(self) -> tuple[SpooledIndex, SpooledIndex]:
        """The finished copy index and statements, once every article's findings have been taken,
        each in its file: the caller loads one when it needs it (a full link stores the copies'
        as it is). The statements name no speakers yet: the caller gives them its actors' names."""
        started = time.time()
        indexes, done = {}, started
        self.child_cpu = 0.0
        for child in self._children:
            values, cpu, child_done = child.index()
            indexes.update(zip(child.parts, values))
            self.child_cpu += cpu
            done = max(done, child_done)
        self.waited = max(0.0, done - started)
        self.transfer = time.time() - max(started, done)
        return indexes["copies"], indexes["statements"]

    def close(self) -> None:
        """End the children and remove the stage's folder: their findings and every index not loaded
        (a link that failed, or one that stored an index as it was)."""
        for child in self._children:
            child.close()
        scratch.remove(self.folder)
