"""Time and peak memory of `dossier export` on a built store, per format.

Each export runs as the command a user types, in a process of its own (`python -m dossier export`),
so its peak RSS is the export's own (`os.wait4`'s resource usage of that process). `--code SRC` runs another
checkout's `src` (by PYTHONPATH), to compare with the code before a change; `--keep` keeps the
files (to `cmp` two codes' exports), which are otherwise deleted after their size is read.

    .venv/bin/python bench/export.py /tmp/dossier-scale/store-100000.db --formats jsonl,parquet,json
    .venv/bin/python bench/export.py STORE --formats json --code /tmp/old/src --keep /tmp/old-export
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(store: str, fmt: str, folder: Path, code: str) -> dict[str, float]:
    target = folder / f"export.{fmt}"
    env = {**os.environ, "PYTHONPATH": code}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "dossier", "export", "--db", store, "--format", fmt,
                                "-o", str(target)], env=env)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"the {fmt} export failed ({process.returncode})")
    peak = usage.ru_maxrss / 1024  # KB -> MB
    return {"wall": wall, "peak_mb": peak, "bytes": target.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store")
    parser.add_argument("--formats", default="jsonl,parquet,json", help="comma-separated")
    parser.add_argument("--code", default=str(REPO / "src"), help="the src folder whose dossier runs")
    parser.add_argument("--keep", help="a folder to keep the exports in")
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.1f}; code {args.code}")
    with tempfile.TemporaryDirectory(dir=args.keep) as scratch:
        folder = Path(args.keep) if args.keep else Path(scratch)
        for fmt in args.formats.split(","):
            result = run(args.store, fmt, folder, args.code)
            print(f"{fmt:8s} {result['wall']:8.1f} s  peak RSS {result['peak_mb']:8.0f} MB  "
                  f"{result['bytes'] / 1e6:10.1f} MB written", flush=True)


if __name__ == "__main__":
    main()
