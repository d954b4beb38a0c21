"""How many cores a command keeps busy, over time: the schedule a profile does not show.

py-spy says where each process spends its CPU, not whether the machine's cores are all at work.
This runs COMMAND, reads the machine's CPU counters (`/proc/stat`) every --every seconds while it
runs, and prints the busy cores of each interval, then the mean and the seconds spent with fewer
than --below cores busy (where the build left a core idle). It counts the whole machine, so run it
alone. With --json the samples ([seconds since the start, busy cores], ...) are written there too.

    .venv/bin/python bench/cpu_busy.py [--every 0.5] [--below 1.5] [--json OUT] -- \\
        .venv/bin/python bench/link_stage.py /tmp/copy-of-store.db

(Session 28 used it to find the linker step's idle core: its three processes had 70.7 s of CPU
between them, yet the step took 39.8 s on two cores.)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


def busy_and_total() -> tuple[int, int]:
    """The machine's busy and total jiffies so far (idle and waiting for I/O count as not busy)."""
    with open("/proc/stat", encoding="ascii") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def sample(command: list[str], every: float) -> tuple[int, list[tuple[float, float]]]:
    """Run the command; its exit code and the busy cores of each interval."""
    cores = os.cpu_count() or 1
    start = time.monotonic()
    process = subprocess.Popen(command)
    samples: list[tuple[float, float]] = []
    busy, total = busy_and_total()
    while process.poll() is None:
        time.sleep(every)
        now_busy, now_total = busy_and_total()
        if now_total > total:
            samples.append((round(time.monotonic() - start, 2), round(cores * (now_busy - busy) / (now_total - total), 2)))
        busy, total = now_busy, now_total
    return process.returncode, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("--below", type=float, default=1.5, help="report the time with fewer cores than this busy")
    parser.add_argument("--json", help="write the samples here")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to run")
    code, samples = sample(command, args.every)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(samples, out)
    print("busy cores every", args.every, "s:", " ".join(f"{b:.1f}" for _, b in samples))
    if samples:
        mean = sum(b for _, b in samples) / len(samples)
        low = sum(args.every for _, b in samples if b < args.below)
        print(f"{len(samples) * args.every:.1f} s sampled on {os.cpu_count()} cores: {mean:.2f} busy on average; "
              f"{low:.1f} s with fewer than {args.below} busy")
    sys.exit(code)


if __name__ == "__main__":
    main()
