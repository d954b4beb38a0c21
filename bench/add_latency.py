"""Adding one article to a built store, as a user does: `dossier build FILE --db STORE`, one
process per article (each loads the saved linking state, links the article, saves), timed, with
the peak resident memory of the process and its children.

    .venv/bin/python bench/add_latency.py STORE --source /tmp/dossier-scale/corpus-1000000 [--adds 3]
    .venv/bin/python bench/add_latency.py STORE --source CORPUS --batch 1000     # one build of 1,000 new articles

The articles are the first N records of the corpus's first shard (bench/corpus_gen.py's output)
with a new url and a line added that names the time of the run, so each is a new article that
copies a stored one (bench/scale.py's adds, run once on a store, add the same line each time).
The store keeps them (it grows by N articles): use a copy to keep it as it was. bench/scale.py
times its adds inside the build's process; this starts a process per add, so the state's load
and the interpreter's start are in each number, as they are for a user.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import PeakMemory  # noqa: E402  (bench/scale.py: a process tree's peak memory, from /proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store")
    parser.add_argument("--source", required=True, help="a corpus directory of JSON Lines shards (bench/corpus_gen.py)")
    parser.add_argument("--adds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=0,
                        help="instead, one build of this many new articles (a day's batch), in this process, with its steps' seconds")
    args = parser.parse_args()
    if args.batch:
        batch(args.store, Path(args.source), args.batch)
        return
    shard = sorted(Path(args.source).glob("*.jsonl"))[0]
    with open(shard, encoding="utf-8") as lines:
        records = [json.loads(next(lines)) for _ in range(args.adds)]
    walls, peaks = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n, record in enumerate(records):
            stamp = time.strftime("%Y%m%d%H%M%S")
            # (the stamp in the text too: a text the store holds already would add a source, not an article)
            record = dict(record, url=f"{record['url']}-added-{stamp}-{n}",
                          text=record["text"] + f"\n\nUpdate {n} of {stamp}: more to follow.")
            path = Path(tmp) / f"add-{n}.jsonl"
            path.write_text(json.dumps(record) + "\n", encoding="utf-8")
            command = [sys.executable, "-m", "dossier", "build", str(path), "--db", args.store, "--workers", "1"]
            started = time.perf_counter()
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            memory = PeakMemory(process.pid, every=0.05)
            _, errors = process.communicate()
            wall = time.perf_counter() - started
            peak = memory.stop()
            if process.returncode != 0:
                raise SystemExit(f"add {n} failed ({process.returncode}):\n{errors}")
            walls.append(wall)
            peaks.append(peak)
            print(f"add {n}: {wall:.1f} s, peak RSS {peak / 2**30:.2f} GiB", flush=True)
    print(f"{len(walls)} adds: wall p50 {statistics.median(walls):.1f} s, max {max(walls):.1f} s; "
          f"peak RSS max {max(peaks) / 2**30:.2f} GiB")


def batch(store: str, source: Path, count: int) -> None:
    """One build of `count` new articles (records of the corpus's middle shard, each with a line that
    names the run added, so each is a new article copying a stored one, with its statements)."""
    from dossier.build import BuildOptions, build
    from dossier.store.db import connect

    shards = sorted(source.glob("*.jsonl"))
    stamp = time.strftime("%Y%m%d%H%M%S")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "batch.jsonl"
        with open(shards[len(shards) // 2], encoding="utf-8") as lines, open(path, "w", encoding="utf-8") as out:
            for n in range(count):
                record = json.loads(next(lines))
                out.write(json.dumps(dict(record, url=f"{record['url']}-batch-{stamp}-{n}",
                                          text=record["text"] + f"\n\nBatch {n} of {stamp}.")) + "\n")
        started = time.perf_counter()
        report = build([str(path)], connect(store), BuildOptions(workers=1))
    print(f"{count} new articles: {time.perf_counter() - started:.1f} s, {report.linked['linked_new']} linked; "
          f"the link's steps (s): {json.dumps(report.linked['seconds'])}")


if __name__ == "__main__":
    main()
