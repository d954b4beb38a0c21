"""The local engine: a pool of worker processes on this machine (1 worker: in-process).

A worker that dies (killed, out of memory, a crash in a C extension) breaks the whole
`ProcessPoolExecutor`: every shard in flight fails with BrokenProcessPool, and we cannot
tell which one killed it. So after a break each shard that was in flight is run alone in
a fresh one-process pool, up to MAX_ATTEMPTS in all, which finds the culprit exactly and
lets the innocent shards finish; then a new pool takes the rest.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_all_start_methods, get_context
from typing import Any

from dossier.scale import MAX_ATTEMPTS, Failed, window


def _context():
    # fork shares what the driver loaded (the knowledge base) with the workers
    return get_context("fork" if "fork" in get_all_start_methods() else "spawn")


def _call(fn: Callable[[Any], Any], item: Any) -> Any:
    """In-process: an exception in one shard becomes its Failed (a missing optional
    dependency is the user's to fix and stops the build)."""
    try:
        return fn(item)
    except ImportError:
        raise
    except Exception as exc:
        return Failed(f"{type(exc).__name__}: {str(exc)[:200]}")


def _outcome(future: Future) -> Any:
    """The result of a finished future; BrokenProcessPool passes through to the caller."""
    try:
        return future.result()
    except (BrokenProcessPool, ImportError):
        raise
    except Exception as exc:
        return Failed(f"{type(exc).__name__}: {str(exc)[:200]}")


class LocalExecutor:
    """`--engine local --workers N`."""

    def __init__(self, workers: int = 1):
        self.workers = max(1, int(workers))
        self.restarts = 0  # pools replaced after a worker died (for tests and reports)

    def run(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        if self.workers == 1:
            for item in items:
                yield item, _call(fn, item)
            return
        limit = window(self.workers)
        pool = ProcessPoolExecutor(self.workers, mp_context=_context())
        pending: deque[tuple[Any, Future]] = deque()
        try:
            for item in items:
                while True:
                    try:
                        future = pool.submit(fn, item)
                        break
                    except BrokenProcessPool:  # a worker died since the last result: recover first
                        if pending:
                            pool = yield from self._drain_one(fn, pending, pool)
                        else:
                            pool.shutdown(wait=True, cancel_futures=True)
                            pool = ProcessPoolExecutor(self.workers, mp_context=_context())
                pending.append((item, future))
                while len(pending) >= limit:
                    pool = yield from self._drain_one(fn, pending, pool)
            while pending:
                pool = yield from self._drain_one(fn, pending, pool)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _drain_one(self, fn, pending: deque, pool: ProcessPoolExecutor):
        """Yield the oldest shard's outcome; after a worker died, rerun what was in flight."""
        item, future = pending[0]
        try:
            outcome = _outcome(future)
        except BrokenProcessPool:
            pool.shutdown(wait=True, cancel_futures=True)
            self.restarts += 1
            while pending:
                item, future = pending.popleft()
                try:
                    outcome = _outcome(future)  # finished before the break: keep it
                except BrokenProcessPool:
                    outcome = self._isolated(fn, item, attempts_left=MAX_ATTEMPTS - 1)
                yield item, outcome
            return ProcessPoolExecutor(self.workers, mp_context=_context())
        pending.popleft()
        yield item, outcome
        return pool

    def _isolated(self, fn, item: Any, attempts_left: int) -> Any:
        """Run one shard alone in a fresh process, retrying if its worker dies."""
        for _ in range(attempts_left):
            with ProcessPoolExecutor(1, mp_context=_context()) as alone:
                try:
                    return _outcome(alone.submit(fn, item))
                except BrokenProcessPool:
                    continue
        return Failed(f"its worker process died {MAX_ATTEMPTS} times (killed, out of memory or crashed)")

    def close(self) -> None:
        pass
