"""The CPU of `CopyIndex` adds, this checkout's against another's, in one process.

As `bench/quotes_ab.py` for statements (both use `bench/ab.py`): the two versions of link/copies.py
(this one, and OTHER, e.g. `git show REV:src/dossier/link/copies.py > /tmp/copies_old.py`) run one after the other, in
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
import itertools
import json
import sqlite3
import time
from types import ModuleType
from typing import Any

import dossier.link.copies as this
from dossier.link.corpus import link_inputs, text_reader

from ab import alternate, other_module, seconds  # bench/ab.py (bench/ is this script's folder)

FREEZE_EVERY = 500  # as link.copy_stage


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
    versions = {"this": this, "other": other_module(args.other, "other_copies")}
    for name, runs in alternate(versions, args.repeats, lambda module: run(module, articles, texts)).items():
        print(f"{name:>5}: {seconds([r[0] for r in runs])} s CPU; digest {', '.join(sorted({r[1] for r in runs}))}")


if __name__ == "__main__":
    main()
