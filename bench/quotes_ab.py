"""The CPU of `QuoteIndex` adds and merging, this checkout's against another's, in one process.

On a machine shared with other jobs two runs minutes apart see different loads; here the two
versions of link/quotes.py (this one, and OTHER, e.g. `git archive main src` unpacked) run one after
the other, in alternating order, REPEATS times over the same first N articles of a store, adding
them as `Linker.add` does (`add(merge=False)`, then `statement_of` of each wording, the collector
frozen every 500 articles) and then merging every statement (`each`). Prints the CPU seconds
(`time.process_time`) of each run, their minimum and median, and a digest of the merged statements
(the two must match).

    .venv/bin/python bench/quotes_ab.py STORE /tmp/base/src/dossier/link/quotes.py --articles 5000 --repeats 6

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

import dossier.link.quotes as this
from dossier.link.corpus import link_inputs

from ab import alternate, other_module, seconds  # bench/ab.py (bench/ is this script's folder)

FREEZE_EVERY = 500  # as link.corpus._link_full


def run(module: ModuleType, articles: list[list[tuple[Any, ...]]]) -> tuple[float, float, str]:
    """CPU seconds of the adds and of merging every statement, and the statements' digest."""
    batches = [[module.Occurrence(article=a, published=p, text=w, norm=n, record=r, speaker=r.get("speaker"))
                for a, p, w, n, r in quotes] for quotes in articles]
    index = module.QuoteIndex({})
    gc.collect()
    started = time.process_time()
    for k, batch in enumerate(batches, 1):
        index.add(batch, merge=False)
        for o in batch:
            if o.norm and o.kind != "fragment":
                index.statement_of(o.norm)
        if k % FREEZE_EVERY == 0:
            gc.freeze()
    adds = time.process_time() - started
    started, digest = time.process_time(), hashlib.sha256()
    for quote in index.each():
        digest.update(json.dumps(quote.to_dict(), sort_keys=True).encode())
    merging = time.process_time() - started
    gc.unfreeze()
    return adds, merging, digest.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store")
    parser.add_argument("other", help="the other version's link/quotes.py")
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=6)
    args = parser.parse_args()
    conn = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    ids = [row[0] for row in conn.execute("SELECT article_id FROM analyses")]
    articles = []
    for item in itertools.islice(link_inputs(conn, ids), args.articles):
        quotes = []
        for quote in item.record.get("quotes", []):
            wording = item.text[quote["start"]:quote["end"]]
            quotes.append((item.id, item.published, wording, this.normalize_quote(wording), quote))
        articles.append(quotes)
    versions = {"this": this, "other": other_module(args.other, "other_quotes")}
    for name, runs in alternate(versions, args.repeats, lambda module: run(module, articles)).items():
        print(f"{name:>5}: adds {seconds([r[0] for r in runs])}; merging {seconds([r[1] for r in runs])} s CPU; "
              f"digest {', '.join(sorted({r[2] for r in runs}))}")


if __name__ == "__main__":
    main()
