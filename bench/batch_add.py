"""Batches added to a built store, as a user adds a day's articles: the seconds of the build and
of its steps, and optionally whether the claims and flags the batches left equal a full
derivation of the same store.

Each batch is a folder `dossier build` reads (`bench/corpus_gen.py OUT --articles 2000 --seed 7`
makes one whose articles are new to the generated corpora). The store is changed in place: give
it a copy. For each batch it prints one JSON line: the build's wall seconds, its read and link
stages, the outlet boilerplate step, the link's steps (`link.corpus.Laps`), and what the claims
and flags redid (`link.derived.derive`: scopes of each kind, seconds of each). With `--check`,
after the last batch every scope is derived again (`claims_and_flags` over the whole store) and
the claims, flags and claim scopes are compared with what the batches left.

    cp /tmp/dossier-scale/store-100000.db /tmp/copy.db
    .venv/bin/python bench/batch_add.py /tmp/copy.db BATCH [BATCH ...] [--workers 2] [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time

from dossier.analyze.record import cached_kb
from dossier.build import BuildOptions, build
from dossier.link import derived
from dossier.link.corpus import claims_and_flags
from dossier.store import corpus as store_corpus
from dossier.store.db import connect


def derived_rows(conn) -> dict[str, tuple[int, str]]:
    """Each table's rows as a count and a digest, JSON compared by value (rowids left out)."""
    out = {}
    for table in ("claims", "flags"):
        rows = sorted((r[0], json.dumps(json.loads(r[1]), sort_keys=True), r[2])
                      for r in conn.execute(f"SELECT id, record, scope FROM {table}"))
        out[table] = (len(rows), hashlib.sha1(repr(rows).encode()).hexdigest()[:12])
    rows = sorted(tuple(r) for r in conn.execute("SELECT article_id, scope FROM claim_scopes"))
    out["claim_scopes"] = (len(rows), hashlib.sha1(repr(rows).encode()).hexdigest()[:12])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store")
    parser.add_argument("batches", nargs="+")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--check", action="store_true", help="compare with a full derivation after the last batch")
    args = parser.parse_args()

    seen: dict[str, object] = {}
    learn, derive = store_corpus.learn_outlet_boilerplate, derived.derive

    def timed_learn(conn):
        started = time.perf_counter()
        result = learn(conn)
        seen["boilerplate"] = round(time.perf_counter() - started, 1)
        return result

    def kept_derive(*a, **k):
        seen["claims and flags"] = result = derive(*a, **k)
        return result

    store_corpus.learn_outlet_boilerplate, derived.derive = timed_learn, kept_derive
    conn = connect(args.store)
    for batch in args.batches:
        seen.clear()
        started = time.perf_counter()
        report = build([batch], conn, BuildOptions(workers=args.workers))
        linked = report.linked if isinstance(report.linked, dict) else {}
        print(json.dumps({"batch": batch, "stored": report.stored, "seconds": round(time.perf_counter() - started, 1),
                          "stages": {k: round(v, 1) for k, v in report.stage_seconds.items()},
                          "link steps": linked.get("seconds"), **seen}), flush=True)
    if args.check:
        store_corpus.learn_outlet_boilerplate, derived.derive = learn, derive
        batches = derived_rows(conn)
        started = time.perf_counter()
        claims_and_flags(conn, cached_kb(None))
        full = derived_rows(conn)
        print(json.dumps({"after the batches": batches, "full derivation": full,
                          "full seconds": round(time.perf_counter() - started, 1), "equal": batches == full}), flush=True)


if __name__ == "__main__":
    main()
