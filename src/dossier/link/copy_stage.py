"""The copy stage of a full link, run in a second process beside the rest of the linker.

Copies are found from the articles' texts alone (`link.copies`), whatever the statements and
events, and they were about half of the linker's CPU at 10,000-100,000 articles. So a full
link of a large store runs its `CopyIndex` in a child process that reads the store itself, in
the linking order (`link.corpus.link_inputs`), and hands each article's relations over as
they are found, while the parent links actors, statements and events; at the end the parent
takes the finished index (the state an incremental link adds to). The result is the same as
one process's: the same index, fed the same articles in the same order.
"""

from __future__ import annotations

import gc
import queue
import traceback
from multiprocessing import get_all_start_methods, get_context
from typing import Any

from dossier.link.copies import ArticleText, CopyIndex

MIN_ARTICLES = 2000  # below this a second process costs more (~1 s to start) than it saves
BATCH = 100  # articles' relations sent at a time
FREEZE_EVERY = 500  # the collector's full passes need not rescan the growing index (as link.corpus)
WAIT = 5.0  # seconds between checks that the child is still alive while waiting for it


def _work(path: str, ids: list[str], out: Any) -> None:
    """The child: every article's copy relations in linking order, then the index itself."""
    from dossier.link.corpus import link_inputs  # not at import time: link.corpus imports this module
    from dossier.link.linker import text_reader
    from dossier.store.db import connect

    try:
        conn = connect(path, create=False)
        index = CopyIndex()
        index.texts = text_reader(conn)  # texts are read again from the store, not kept (CopyIndex.texts)
        batch: list[tuple[str, list[dict[str, Any]]]] = []
        for n, item in enumerate(link_inputs(conn, ids, records=False), 1):
            batch.append((item.id, index.add(ArticleText(item.id, item.text, item.published, item.outlets))))
            if len(batch) >= BATCH:
                out.put(("relations", batch))
                batch = []
            if n % FREEZE_EVERY == 0:
                gc.freeze()
        out.put(("relations", batch))
        out.put(("index", index))
    except BaseException:  # reported to the parent, which raises it
        out.put(("error", traceback.format_exc()))


class CopyStage:
    """The child process and what it has sent: `relations(article_id)` in linking order, then `index()`."""

    def __init__(self, path: str, ids: list[str]) -> None:
        # fork, as the shard stage's pool (scale/local.py): spawn would import the caller's main
        # module again, which a script calling link() without a __main__ guard does not survive
        context = get_context("fork" if "fork" in get_all_start_methods() else "spawn")
        self._queue = context.Queue()
        self._process = context.Process(target=_work, args=(path, ids, self._queue), daemon=True)
        self._process.start()
        self._pending: list[tuple[str, list[dict[str, Any]]]] = []
        self._next = 0

    def _receive(self) -> tuple[str, Any]:
        while True:
            try:
                kind, value = self._queue.get(timeout=WAIT)
            except queue.Empty:
                if not self._process.is_alive():
                    raise RuntimeError(f"the copy stage's process ended without its result (exit code "
                                       f"{self._process.exitcode})") from None
                continue
            if kind == "error":
                raise RuntimeError(f"the copy stage failed:\n{value}")
            return kind, value

    def relations(self, article_id: str) -> list[dict[str, Any]]:
        """The copy relations the article has with the articles before it."""
        while self._next >= len(self._pending):
            kind, value = self._receive()
            if kind != "relations":
                raise RuntimeError(f"the copy stage ended before article {article_id}")
            self._pending, self._next = value, 0
        found_id, found = self._pending[self._next]
        self._next += 1
        if found_id != article_id:  # both sides read the same store in the same order
            raise RuntimeError(f"the copy stage is out of step: {found_id} where {article_id} was expected")
        return found

    def index(self) -> CopyIndex:
        """The finished index, once every article's relations have been taken."""
        while True:
            kind, value = self._receive()
            if kind == "index":
                self._process.join()
                return value
            if value:
                raise RuntimeError("the copy stage sent relations of articles the link did not read")

    def close(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
