"""The fork pool of a full link's per-chunk steps (link/pool.py): results in the order of the
tasks whatever order the workers finish them in; a failure raises, and nothing is left running."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap
import time

import pytest

from dossier.link.pool import ForkPool
from dossier.store.db import connect


def test_results_come_in_the_order_of_the_tasks(tmp_path):
    connect(tmp_path / "s.db").close()

    def work(conn, n):  # a closure: the workers are forked, it is not pickled
        time.sleep(0.02 * (n % 3 == 0))  # every third task is slower, so the workers finish out of order
        articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]  # the worker's own connection
        return n * n, articles

    with ForkPool(str(tmp_path / "s.db"), work, 2, "test worker") as pool:
        got = list(pool.map(range(40)))
    assert got == [(n, (n * n, 0)) for n in range(40)]
    assert not multiprocessing.active_children()


def test_a_failure_with_large_tasks_waiting_neither_hangs_the_parent_nor_its_exit(tmp_path):
    """The workers fail on their first task while tasks far larger than a pipe's buffer wait to
    be sent: the parent raises, and its process still exits (no thread left waiting to send)."""
    connect(tmp_path / "s.db").close()
    script = textwrap.dedent(f"""
        from dossier.link.pool import ForkPool

        def work(conn, task):
            raise ValueError("this task cannot be done")

        try:
            with ForkPool({str(tmp_path / "s.db")!r}, work, 2, "test worker") as pool:
                for _ in pool.map("x" * 300_000 for _ in range(50)):
                    pass
        except RuntimeError as exc:
            print("raised:", str(exc).splitlines()[0], "|", str(exc).splitlines()[-1])
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "raised: a test worker failed: | ValueError: this task cannot be done" in done.stdout


def test_a_worker_that_cannot_open_the_store_is_reported(tmp_path):
    with pytest.raises(RuntimeError, match="(?s)a test worker failed.*no database at"):
        with ForkPool(str(tmp_path / "missing.db"), lambda conn, task: task, 2, "test worker") as pool:
            list(pool.map(range(3)))
    assert not multiprocessing.active_children()


def test_a_result_that_cannot_be_sent_is_reported(tmp_path):
    """A result the worker cannot pickle is its failure, not a result lost on the way (which
    would leave the parent waiting for it)."""
    connect(tmp_path / "s.db").close()
    with pytest.raises(RuntimeError, match="(?s)a test worker failed.*pickle"):
        with ForkPool(str(tmp_path / "s.db"), lambda conn, task: (lambda: task), 2, "test worker") as pool:
            list(pool.map(range(3)))
    assert not multiprocessing.active_children()


def test_workers_collect_less_often_and_still_collect_garbage_in_cycles(tmp_path):
    """A worker lets the cyclic collector pass over new objects every YOUNG_PASS_EVERY
    allocations (its indexes are kept objects, not garbage), and garbage in reference cycles
    is still collected on its own, without an explicit gc.collect()."""
    import gc
    import weakref

    from dossier.link.pool import YOUNG_PASS_EVERY

    connect(tmp_path / "s.db").close()

    class Node:
        pass

    def work(conn, n):
        threshold = gc.get_threshold()[0]
        first, second = Node(), Node()
        first.other, second.other = second, first  # a cycle: reference counts never free it
        gone = weakref.ref(first)
        del first, second
        kept = [[k] for k in range(YOUNG_PASS_EVERY + 1000)]  # allocations enough for a pass
        return threshold, gone() is None, len(kept)

    before = gc.get_threshold()
    with ForkPool(str(tmp_path / "s.db"), work, 2, "test worker") as pool:
        got = [value for _, value in pool.map(range(4))]
    assert got == [(YOUNG_PASS_EVERY, True, YOUNG_PASS_EVERY + 1000)] * 4
    assert YOUNG_PASS_EVERY > 700 and gc.get_threshold() == before  # the parent's collector is left as it was
