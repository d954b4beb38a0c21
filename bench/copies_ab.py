"""The CPU of `CopyIndex` adds, this checkout's against another's, in one process.

As `bench/quotes_ab.py` for statements: the two versions of link/copies.py (this one, and OTHER,
e.g. `git show REV:src/dossier/link/copies.py > /tmp/copies_old.py`) run one after the other, in
alternating order, REPEATS times over the same first N articles of a store in linking order, added
as the copy stage's child adds them (`CopyIndex(keep_relations=False)`, texts read back from the
store when a candidate left the cache). Prints the CPU seconds (`time.process_time`) of each run,
their minimum and median, and a digest of the relations found (the two must match).

    .venv/bin/python bench/copies_ab.py STORE /tmp/copies_old.py --articles 20000 --repeats 4

The store is opened read-only.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib.util
import itertools
import json
import sqlite3
import statistics
import sys
import time
from types import ModuleType
from typing import Any

import dossier.link.copies as this
from dossier.link.corpus import link_inputs, text_reader

FREEZE_EVERY = 500  # as link.copy_stage


def other_module(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("other_copies", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["other_copies"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def run(module: ModuleType, articles: list[tuple[str, str, Any, list[str]]], texts: Any) -> tuple[float, str]:
    """CPU seconds of the adds, and the relations' digest."""
    index = module.CopyIndex(keep_relations=False)
    index.texts = texts
    gc.collect()
    digest = hashlib.sha256()
    started = time.process_time()
    for k, (id_, text, published, outlets) in enumerate(articles, 1):
        for relation in index.add(module.ArticleText(id_, text, published, list(outlets))):
            digest.update(json.dumps(relation, sort_keys=True).encode())
        if k % FREEZE_EVERY == 0:
            gc.freeze()
    seconds = time.process_time() - started
    gc.unfreeze()
    return seconds, digest.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store")
    parser.add_argument("other", help="the other version's link/copies.py")
    parser.add_argument("--articles", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args()
    conn = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    articles = [(item.id, item.text, item.published, list(item.outlets))
                for item in itertools.islice(link_inputs(conn), args.articles)]
    texts = text_reader(conn)
    versions = {"this": this, "other": other_module(args.other)}
    seen: dict[str, list[tuple[float, str]]] = {name: [] for name in versions}
    for repeat in range(args.repeats):
        for name in (("this", "other") if repeat % 2 else ("other", "this")):
            seen[name].append(run(versions[name], articles, texts))
            print(f"  {name}: {seen[name][-1][0]:.2f} s", flush=True)
    for name, runs in seen.items():
        cpu = [r[0] for r in runs]
        print(f"{name:>5}: {' '.join(f'{s:.2f}' for s in cpu)} (min {min(cpu):.2f}, median {statistics.median(cpu):.2f}) "
              f"s CPU; digest {', '.join(sorted({r[1] for r in runs}))}")


if __name__ == "__main__":
    main()
