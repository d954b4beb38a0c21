"""Analysis records read at random from a store, as the link's later steps read them by id:
wall and CPU seconds, so the difference is time waiting on the disk. With --drop-caches (root
only) the page cache is emptied first, as a store larger than the memory left for it is read.

    .venv/bin/python bench/cold_reads.py /tmp/dossier-scale/store-1000000.db [--records 20000] [--drop-caches]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store")
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--drop-caches", action="store_true")
    args = parser.parse_args()
    conn = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    ids = [r[0] for r in conn.execute("SELECT id FROM articles")]
    sample = sorted(random.Random(1).sample(ids, min(args.records, len(ids))))
    if args.drop_caches:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("1\n")
    wall, cpu, size = time.perf_counter(), time.process_time(), 0
    for start in range(0, len(sample), 500):
        part = sample[start:start + 500]
        size += sum(len(r[0]) for r in conn.execute(
            f"SELECT record FROM analyses WHERE article_id IN ({','.join('?' * len(part))})", part))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{len(sample):,} records ({size / len(sample) / 1000:.1f} KB each) of {len(ids):,} articles: "
          f"{wall:.1f} s wall, {cpu:.1f} s CPU, {1000 * wall / len(sample):.2f} ms a record")


if __name__ == "__main__":
    main()
