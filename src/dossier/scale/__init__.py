"""Engines that run the shard stage of a build: one small interface, one module each.

An engine maps a picklable top-level function over shards and yields each shard's
outcome *in the order the shards were given*, with a bounded number in flight (the
driver writes them in that order, so the store is the same whatever the engine). A
shard whose worker dies is retried a bounded number of times; after that its outcome
is a `Failed`, which the driver records as a problem: a lost worker never stops a build.

- `local` (scale/local.py): a process pool on this machine; 1 worker runs in-process.
- `ray` (scale/ray.py): tasks on a Ray cluster, local or remote (`pip install dossier[ray]`).

The pattern is datatrove's (LocalPipelineExecutor / RayPipelineExecutor): the executor
only schedules tasks; completion markers live with the results (here, the store).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

ENGINES = ("local", "ray")
MAX_ATTEMPTS = 3  # a shard whose worker dies is tried this many times in all


@dataclass(frozen=True)
class Failed:
    """A shard that could not be run: why, in plain words."""

    reason: str


class Executor(Protocol):
    """Runs `fn(item)` for every item; yields (item, result or Failed) in item order."""

    workers: int

    def run(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[tuple[Any, Any]]: ...

    def close(self) -> None: ...


def window(workers: int) -> int:
    """How many shards may be in flight: enough to keep every worker busy while the driver
    writes, few enough that memory stays bounded (never a whole archive at once)."""
    return 2 * workers + 1


def make_executor(engine: str = "local", workers: int = 1, address: str | None = None) -> Executor:
    """The executor for `--engine` (local or ray) with `--workers` and, for Ray, `--address`."""
    if engine == "local":
        if address:
            raise ValueError("--address is for --engine ray")
        from dossier.scale.local import LocalExecutor

        return LocalExecutor(workers)
    if engine == "ray":
        from dossier.scale.ray import RayExecutor

        return RayExecutor(workers, address)
    raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
