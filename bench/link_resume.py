"""A full link stopped part way and started again: what the checkpoints (`link.checkpoint`) cost
and what they save, on a real store.

Four full relinks of a copy of STORE, each in a process of its own (`dossier.link.corpus.link`,
as `dossier build --relink` runs it):

1. without checkpoints (DOSSIER_LINK_CHECKPOINT_EVERY=0): the time of a plain link;
2. with a checkpoint every --every articles: what writing them costs;
3. the same, stopped (the linking process exits, as one killed would) at its --stop-at-th article;
4. the same again, which goes on from the last checkpoint before that article.

Prints each one's seconds, the checkpoint folder's largest size, and a digest of the corpus-level
tables after 1, 2 and 4 (all three must be the same).

    .venv/bin/python bench/link_resume.py STORE --every 25000 --stop-at 60000 [--work DIR]

STORE is not changed: the relinks run on a copy in --work (default: beside STORE).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

TABLES = ("actors", "quotes", "quote_occurrences", "copies", "events", "event_articles", "stories", "story_events",
          "claims", "flags", "claim_scopes")


def digest(path: str) -> str:
    """The corpus-level tables' rows, sorted, hashed."""
    from dossier.store.db import connect

    conn = connect(path, create=False)
    out = hashlib.sha256()
    for table in TABLES:
        for row in sorted(tuple(r) for r in conn.execute(f"SELECT * FROM {table}")):
            out.update(repr(row).encode())
    return out.hexdigest()[:16]


def relink(path: str, stop_at: int) -> None:
    """One full relink (the child's work): stopped at article `stop_at` when it is not 0."""
    from dossier.link import corpus
    from dossier.link.linker import Linker
    from dossier.store.db import connect

    if stop_at:
        add, seen = Linker.add, [0]

        def stopping(self, item, *args, **kwargs):
            seen[0] += 1
            if seen[0] == stop_at:
                os._exit(9)  # the linking process ends here, as one killed would
            return add(self, item, *args, **kwargs)

        Linker.add = stopping
    result = corpus.link(connect(path, create=False), full=True)
    print(json.dumps({"resumed_from": result["cpu"].get("resumed_from"), "seconds": result["seconds"]}))


def folder_size(folder: Path) -> int:
    try:
        return sum(p.stat().st_size for p in folder.iterdir())
    except OSError:
        return 0


def run(path: str, every: int, stop_at: int = 0) -> tuple[float, dict | None, int]:
    """Seconds of a relink in a child process, what it printed (None if it was stopped), and the
    checkpoint folder's largest size meanwhile (sampled every second)."""
    env = {**os.environ, "DOSSIER_LINK_CHECKPOINT_EVERY": str(every)}
    largest, done = [0], threading.Event()

    def sample() -> None:
        while not done.wait(1.0):
            largest[0] = max(largest[0], folder_size(Path(f"{path}.link-checkpoint")))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.time()
    child = subprocess.run([sys.executable, __file__, "--child", path, "--stop-at", str(stop_at)], env=env,
                           capture_output=True, text=True)
    seconds = time.time() - started
    done.set()
    sampler.join()
    if child.returncode != 0 and not stop_at:
        raise SystemExit(f"the relink failed:\n{child.stderr[-3000:]}")
    lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
    return seconds, json.loads(lines[-1]) if lines and child.returncode == 0 else None, largest[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", nargs="?")
    parser.add_argument("--every", type=int, default=25_000)
    parser.add_argument("--stop-at", type=int, default=60_000)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        relink(args.child, args.stop_at)
        return
    work = args.work or Path(args.store).parent
    copy = str(work / "link-resume-copy.db")
    shutil.copyfile(args.store, copy)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(args.store + suffix):
            shutil.copyfile(args.store + suffix, copy + suffix)
    try:
        plain, result, _ = run(copy, 0)
        print(f"1. no checkpoints: {plain:.1f} s; linker {result['seconds'].get('linker', 0):.1f} s; tables {digest(copy)}",
              flush=True)
        kept, result, size = run(copy, args.every)
        print(f"2. a checkpoint every {args.every:,} articles: {kept:.1f} s ({kept - plain:+.1f} s); linker "
              f"{result['seconds'].get('linker', 0):.1f} s; folder at most {size / 1e6:.0f} MB; tables {digest(copy)}",
              flush=True)
        stopped, _, size = run(copy, args.every, args.stop_at)
        print(f"3. stopped at article {args.stop_at:,}: after {stopped:.1f} s; folder at most {size / 1e6:.0f} MB",
              flush=True)
        resumed, result, _ = run(copy, args.every)
        print(f"4. started again: {resumed:.1f} s, from article {result['resumed_from']:,}; linker "
              f"{result['seconds'].get('linker', 0):.1f} s; tables {digest(copy)}", flush=True)
        print(f"stopped and started again: {stopped + resumed:.1f} s in all, against {kept:.1f} s uninterrupted "
              f"and {stopped + kept:.1f} s had it started from nothing")
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(copy + suffix).unlink(missing_ok=True)
        shutil.rmtree(copy + ".link-checkpoint", ignore_errors=True)


if __name__ == "__main__":
    main()
