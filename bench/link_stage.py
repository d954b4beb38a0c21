"""A full link of a store, timed, with the copy stage's process and without, and its export.

Runs `link.corpus.link(conn, full=True)` on STORE (a store is opened, migrated and relinked: use
a copy) and prints the seconds of each step, the linker's CPU seconds in each process (the
parent: actors and events; the copy stage's child: copies and statements, `link.copy_stage`),
the seconds the parent took to receive the child's indexes, the peak resident sets and the
load average. With -o it writes the JSON export (`dossier export --format json`) so two
versions of the code can be compared byte for byte:

    .venv/bin/python bench/link_stage.py /tmp/x/after.db -o /tmp/x/after.json
    PYTHONPATH=/path/to/old/src .venv/bin/python bench/link_stage.py /tmp/x/before.db -o /tmp/x/before.json
    cmp /tmp/x/before.json /tmp/x/after.json

With --one-process the stage is not used (the whole linker in this process); --children one or two
puts copies and statements in one child or each in its own, whatever `link.copy_stage.children` says.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

from dossier.store.db import connect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("-o", "--output", type=Path, help="write the JSON export here")
    parser.add_argument("--one-process", action="store_true", help="link without the copy stage's process")
    parser.add_argument("--children", choices=("auto", "one", "two"), default="auto",
                        help="copies and statements in one child or each in its own (auto: link.copy_stage.children)")
    args = parser.parse_args()
    if args.children != "auto":
        from dossier.link import copy_stage

        groups = (copy_stage.PARTS,) if args.children == "one" else tuple((p,) for p in copy_stage.PARTS)
        copy_stage.children = lambda: groups  # (before link.corpus imports it)
    conn = connect(args.store)
    articles = conn.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
    print(f"{platform.python_version()} on {os.cpu_count()} cores; {articles:,} articles; "
          f"load average before {os.getloadavg()}", flush=True)
    started, cpu = time.perf_counter(), time.process_time()
    if args.one_process:
        from dossier.analyze.record import cached_kb, kb_fingerprint
        from dossier.link.corpus import _link_full

        sizes = _link_full(conn, cached_kb(None), kb_fingerprint(None), copy_process=False)
    else:
        from dossier.link.corpus import link

        sizes = link(conn, full=True)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"full link: {elapsed:.1f} s wall ({articles / elapsed:,.0f} articles/s), this process {cpu:.1f} s CPU; "
          f"load average after {os.getloadavg()}")
    print("steps (s):", json.dumps(sizes.get("seconds", {})))
    print("linker CPU per process; waited for the child, then its indexes received (s):", json.dumps(sizes.get("cpu", {})))
    print(f"peak RSS: this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB, "
          f"largest child {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:,.0f} MB")
    print("tables:", json.dumps({k: v for k, v in sizes.items() if isinstance(v, int)}))
    if args.output:
        from dossier.report.document import build_document

        args.output.write_text(json.dumps(build_document(conn), ensure_ascii=False, sort_keys=True), encoding="utf-8")
        print(f"export: {args.output} ({args.output.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
