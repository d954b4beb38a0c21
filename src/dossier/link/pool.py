"""Worker processes for the per-chunk steps of a full link (claims and flags, event dates).

Each step splits its work into chunks that read the store and nothing else the step changes,
so chunks can be computed anywhere and in any order; the parent takes their results in the
order it sent them and writes them as one process would, so the tables are the same. Our own
small pool rather than `concurrent.futures`: its workers are forked at a time we choose (before
the parent's write transaction: a connection holding locks must not cross a fork), each opens
its own connection once, and a failure ends every worker at once instead of letting them run on.
"""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import queue
import signal
import sqlite3
import traceback
from collections.abc import Callable, Iterable, Iterator
from multiprocessing import get_all_start_methods, get_context
from typing import Any

AHEAD = 2  # tasks sent ahead per worker: its next one is there when it finishes one, and few wait in memory
WAIT = 2.0  # seconds between checks that the workers are alive while waiting for a result
_END = object()
PR_SET_PDEATHSIG = 1  # prctl(2)
MIN_ARTICLES = 1000  # a full link's steps use the pool from this size (BENCHMARKS.md: "Claims and flags on two cores")
YOUNG_PASS_EVERY = 50_000  # allocations between the collector's passes over new objects in our workers (CPython: 700)


def default_workers(articles: int) -> int:
    """Workers for a full link's per-chunk steps over this many articles: one per core if it pays."""
    return (os.cpu_count() or 1) if articles >= MIN_ARTICLES else 1


def can_fork() -> bool:
    """Whether workers can be forked here (they share the parent's memory: no spawn fallback)."""
    return "fork" in get_all_start_methods()


def collect_less() -> None:
    """In a forked worker: let the cyclic collector pass over new objects every YOUNG_PASS_EVERY
    allocations, not every 700. These processes build indexes of small objects that are kept, not
    garbage, and the passes rescan them. In a build of 100,000 articles the copy stage's copies
    child spent 30.3 s of its 202 s of CPU in the collector, 2.8 s with this; the claims-and-flags
    workers 4.9 % of theirs, 1.5 % with it (BENCHMARKS.md, session 18). Garbage in reference cycles
    is still collected, at most YOUNG_PASS_EVERY objects later."""
    gc.set_threshold(YOUNG_PASS_EVERY, *gc.get_threshold()[1:])


def give_back_freed_memory() -> None:
    """Ask glibc's allocator to return the free memory it still holds to the system (on the
    state of 10,000 articles, 246 -> 183 MB resident; a state of 100,000 loaded from the store,
    454 -> 400 MB). Freed Python objects are not given
    back by themselves while other objects share their heap pages; elsewhere than glibc, nothing."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class ProcessFailed(RuntimeError):
    """A forked process failed (the message has its traceback) or ended without its result (killed: the
    message has its exit code). `link.corpus.link` tells the user what it means (`LinkFailed`)."""


def die_with_parent(parent: int) -> None:
    """In a forked worker: end when the process that forked it ends, however it ends. A build
    killed while its workers run would otherwise leave them running on (a linking process
    writing its tables into a store the user builds again), or waiting for work forever. Linux
    only (`prctl`); elsewhere, nothing."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it ended before the request was made
        os._exit(1)


def _serve(path: str, work: Callable[[sqlite3.Connection, Any], Any], tasks: Any, results: Any, parent: int) -> None:
    """A worker: `work(conn, task)` of each task it is sent, with its own connection, until None."""
    die_with_parent(parent)
    gc.freeze()  # what it inherited is not its garbage: the collector need not scan (and copy) it
    collect_less()
    try:
        from dossier.store.db import connect

        conn = connect(path, create=False)
        while (task := tasks.get()) is not None:
            seq, item = task
            # pickled here, not in the queue's thread, where a failure would be printed and the parent left waiting
            results.put(("done", seq, pickle.dumps(work(conn, item), protocol=pickle.HIGHEST_PROTOCOL)))
    except BaseException:  # reported to the parent, which raises it
        results.put(("error", None, traceback.format_exc()))


class ForkPool:
    """`workers` processes forked from this one, so they share its memory copy-on-write (the
    knowledge base, and `work` itself, which is not pickled: a closure will do). `map` gives
    each task's result in the order the tasks come; a worker that fails or dies raises
    RuntimeError there, naming `what`. Use it as a context manager: leaving it ends the workers."""

    def __init__(self, path: str, work: Callable[[sqlite3.Connection, Any], Any], workers: int,
                 what: str = "worker", daemon: bool = True) -> None:
        """`daemon=False` lets a worker start processes of its own (a daemonic process may not)."""
        context = get_context("fork")
        self.size, self._what, self._finished = workers, what, False
        self._tasks, self._results = context.Queue(), context.Queue()
        self._processes = [context.Process(target=_serve, args=(path, work, self._tasks, self._results, os.getpid()),
                                           daemon=daemon)
                           for _ in range(workers)]
        for process in self._processes:
            process.start()

    def __enter__(self) -> ForkPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def map(self, tasks: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """(task, result) in the order of `tasks`, at most AHEAD tasks per worker in flight."""
        sent: dict[int, Any] = {}
        ready: dict[int, Any] = {}
        count = done = 0
        pending = iter(tasks)
        more = True
        while True:
            while more and len(sent) < AHEAD * self.size:
                task = next(pending, _END)
                if task is _END:
                    more = False
                else:
                    sent[count] = task
                    self._tasks.put((count, task))
                    count += 1
            if done == count:
                self._finished = True
                return
            while done not in ready:
                seq, result = self._receive()
                ready[seq] = result
            yield sent.pop(done), ready.pop(done)
            done += 1

    def _receive(self) -> tuple[int, Any]:
        while True:
            try:
                kind, seq, value = self._results.get(timeout=WAIT)
            except queue.Empty:
                dead = [p for p in self._processes if not p.is_alive()]
                if dead:
                    raise ProcessFailed(f"a {self._what} process ended without its result (exit code "
                                       f"{dead[0].exitcode})") from None
                continue
            if kind == "error":
                raise ProcessFailed(f"a {self._what} failed:\n{value}")
            return seq, pickle.loads(value)

    def close(self) -> None:
        """Let the workers end after a complete `map`, else end them now."""
        if self._finished:
            for _ in self._processes:
                self._tasks.put(None)
            for process in self._processes:
                process.join(timeout=WAIT)
        else:  # tasks no worker will read may wait in the pipe: the thread that sends them must not be waited for
            self._tasks.cancel_join_thread()
        for process in self._processes:
            if process.is_alive():
                process.terminate()
            process.join()
        self._tasks.close()
        self._results.close()
        if self._finished:
            self._tasks.join_thread()  # every task was read: the sending thread ends before another fork
