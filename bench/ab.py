"""Two versions of one module of dossier timed in one process, for `bench/quotes_ab.py` and
`bench/copies_ab.py`: on a machine shared with other jobs, runs minutes apart see different loads,
so the versions run one after the other in alternating order over the same input."""

from __future__ import annotations

import importlib.util
import statistics
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any


def other_module(path: str, name: str) -> ModuleType:
    """The module in the file at `path` (another checkout's), imported under `name`."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def alternate(versions: dict[str, ModuleType], repeats: int,
              run: Callable[[ModuleType], tuple[Any, ...]]) -> dict[str, list[tuple[Any, ...]]]:
    """`run` of each version `repeats` times, the two versions' order swapped at every repeat."""
    names = list(versions)
    seen: dict[str, list[tuple[Any, ...]]] = {name: [] for name in names}
    for repeat in range(repeats):
        for name in (names if repeat % 2 else names[::-1]):
            seen[name].append(run(versions[name]))
    return seen


def seconds(values: list[float]) -> str:
    """Each run's seconds, then their minimum and median."""
    return (f"{' '.join(f'{s:.2f}' for s in values)} (min {min(values):.2f}, "
            f"median {statistics.median(values):.2f})")
