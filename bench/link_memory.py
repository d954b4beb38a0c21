"""Where a full link's memory peaks: the PSS of its process tree, step by step.

Runs `link.corpus.link(conn, full=True)` on STORE in a child process (a store is opened,
migrated and relinked: use a copy), samples the proportional set size of the child and every
process it starts (the copy stage's children, the forked workers of event dates and of claims
and flags) every --every seconds, and prints for each step of the link (as `link.corpus.Laps`
names it when it ends) the largest sum sampled and the largest processes at that moment.
PSS counts a page shared by forked processes once over them, so the sum is the memory the
link holds. Run it with another checkout's `src` on PYTHONPATH to compare two versions:

    .venv/bin/python bench/link_memory.py /tmp/x/copy.db [--every 0.5] [--samples samples.jsonl]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import _pss, _tree, announce_steps  # noqa: E402  (bench/scale.py: the process tree and its PSS, from /proc)


def child(store: str) -> None:
    """In the child: the full link, printing when each step ends."""
    from dossier.link import corpus
    from dossier.store.db import connect

    conn = connect(store)
    announce_steps()
    sizes = corpus.link(conn, full=True)
    print("SIZES " + json.dumps({"seconds": sizes.get("seconds"), "cpu": sizes.get("cpu")}), flush=True)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("--samples", type=Path, help="write every sample here (JSON lines: time, step, each process's PSS)")
    args = parser.parse_args()
    process = subprocess.Popen([sys.executable, __file__, "--child", str(args.store)], stdout=subprocess.PIPE, text=True)
    samples: list[tuple[float, list[int]]] = []
    marks: list[tuple[float, str]] = []
    out = open(args.samples, "w") if args.samples else None

    def sample() -> None:
        while process.poll() is None:
            pids, _ = _tree(process.pid)
            at, each = time.time(), {pid: _pss(pid) for pid in pids}
            samples.append((at, sorted(each.values(), reverse=True)))
            if out:  # the pids say which process is which: the link's is the oldest, its children after it
                out.write(json.dumps({"at": round(at, 2), "after": marks[-1][1] if marks else None, "pss": each}) + "\n")
                out.flush()
            time.sleep(args.every)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    for line in process.stdout or ():
        if line.startswith("STEP "):
            _, at, step = line.rstrip("\n").split(" ", 2)
            marks.append((float(at), step))
        elif line.startswith("SIZES "):
            print("link:", line[6:].strip())
    if process.wait() != 0:
        raise SystemExit(f"the link failed ({process.returncode})")
    sampler.join()
    if out:
        out.close()
    for (start, _), (end, step) in zip(marks, marks[1:]):
        inside = [s for s in samples if start <= s[0] <= end]
        if inside:
            at, sizes = max(inside, key=lambda s: sum(s[1]))
            print(f"{step:22s} {end - start:7.1f} s  peak PSS {sum(sizes) / 1e6:7,.0f} MB  "
                  f"largest processes then (MB) {[round(p / 1e6) for p in sizes[:4]]}")
    print(f"peak PSS over the link: {max(sum(s[1]) for s in samples) / 1e6:,.0f} MB")


if __name__ == "__main__":
    main()
