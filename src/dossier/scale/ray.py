"""The Ray engine: shards as Ray tasks, on a local Ray instance or an existing cluster.

Optional (`pip install 'dossier[ray]'`). Without `--address`, `ray.init()` starts Ray
on this machine with `num_cpus=workers`; with `--address ray://host:port` (Ray Client)
or `auto` (a cluster this machine belongs to) it joins that cluster, whose nodes need
dossier installed and the input files at the same paths. Ray retries a task whose
worker died (`max_retries`); after that the shard is reported as failed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from dossier.scale import MAX_ATTEMPTS, Failed, window

INSTALL_HINT = "--engine ray needs Ray: pip install 'dossier[ray]' (or .venv/bin/pip install -e '.[ray]' in a checkout)"


class RayExecutor:
    """`--engine ray [--address ADDR] --workers N`."""

    def __init__(self, workers: int = 1, address: str | None = None):
        try:
            import ray
        except ImportError as exc:
            raise ImportError(INSTALL_HINT) from exc
        self.ray = ray
        self.workers = max(1, int(workers))
        self.started = False
        if not ray.is_initialized():
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(num_cpus=self.workers, include_dashboard=False, log_to_driver=False)
            self.started = True
        if address:  # on a cluster, keep as many tasks in flight as it has CPUs
            self.workers = max(self.workers, int(ray.cluster_resources().get("CPU", self.workers)))

    def run(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        ray = self.ray
        remote = ray.remote(num_cpus=1, max_retries=MAX_ATTEMPTS - 1)(fn)
        limit = window(self.workers)
        pending: deque[tuple[Any, Any]] = deque()
        try:
            for item in items:
                pending.append((item, remote.remote(item)))
                while len(pending) >= limit:
                    yield self._get(*pending.popleft())
            while pending:
                yield self._get(*pending.popleft())
        finally:
            for _, ref in pending:
                ray.cancel(ref, force=True)

    def _get(self, item: Any, ref: Any) -> tuple[Any, Any]:
        exceptions = self.ray.exceptions
        try:
            return item, self.ray.get(ref)
        except exceptions.RayTaskError as exc:  # the shard function raised
            cause = getattr(exc, "cause", None)
            if isinstance(cause, ImportError):
                raise cause from None
            shown = cause if cause is not None else exc
            return item, Failed(f"{type(shown).__name__}: {str(shown).strip().splitlines()[0][:200] if str(shown).strip() else ''}")
        except (exceptions.WorkerCrashedError, exceptions.NodeDiedError, exceptions.TaskCancelledError) as exc:
            return item, Failed(f"its Ray worker died {MAX_ATTEMPTS} times ({type(exc).__name__})")
        except exceptions.RayError as exc:
            return item, Failed(f"Ray could not run it ({type(exc).__name__}: {str(exc)[:200]})")

    def close(self) -> None:
        if self.started:
            self.ray.shutdown()
            self.started = False
