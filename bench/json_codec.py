"""The store's JSON read and written by the standard library and by `dossier.fastjson` (orjson).

Reads up to --limit rows of each JSON column of a built store (read-only), decodes them with
each, encodes the values back as the store writes them (analysis records, claims and flags with
sorted keys; statements' occurrences as given), and prints CPU seconds and µs a row for each,
and whether both decoders gave equal values.

    .venv/bin/python bench/json_codec.py /tmp/dossier-scale/store-20000.db [--limit 20000]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time

from dossier import fastjson

COLUMNS = [("analyses", "record", True), ("claims", "record", True), ("flags", "record", True),
           ("quote_occurrences", "record", False), ("events", "record", True), ("claim_features", "features", False)]


def _cpu(work) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store")
    parser.add_argument("--limit", type=int, default=20000)
    args = parser.parse_args()
    conn = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    print(f"{'table':<18} {'rows':>7} {'KB a row':>8} | decode µs: json  fastjson | encode µs: json  fastjson | equal")
    totals = [0.0, 0.0, 0.0, 0.0]
    for table, column, sort_keys in COLUMNS:
        texts = [r[0] for r in conn.execute(f"SELECT {column} FROM {table} LIMIT ?", (args.limit,))]
        if not texts:
            continue
        # each decoder's values are dropped as they come: a list of them kept while the other one
        # runs would make the collector's passes longer for the second
        times = [_cpu(lambda: all(json.loads(t) is not None for t in texts)),
                 _cpu(lambda: all(fastjson.loads(t) is not None for t in texts))]
        old = [json.loads(t) for t in texts]
        equal = all(fastjson.loads(t) == v for t, v in zip(texts, old))
        times += [_cpu(lambda: [json.dumps(v, ensure_ascii=False, sort_keys=sort_keys) for v in old]),
                  _cpu(lambda: [fastjson.dumps(v, sort_keys=sort_keys) for v in old])]
        totals = [a + b for a, b in zip(totals, times)]
        per_row = [1e6 * t / len(texts) for t in times]
        size = sum(map(len, texts)) / len(texts) / 1000
        print(f"{table:<18} {len(texts):>7} {size:>8.1f} | {per_row[0]:>14.1f} {per_row[1]:>9.1f} | "
              f"{per_row[2]:>14.1f} {per_row[3]:>9.1f} | {equal}")
    print(f"all, CPU s: decode {totals[0]:.2f} -> {totals[1]:.2f}, encode {totals[2]:.2f} -> {totals[3]:.2f}")


if __name__ == "__main__":
    main()
