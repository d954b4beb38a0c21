"""Shares of a `py-spy record -f raw` profile: by part of the build, and by function.

py-spy's raw output is one line per stack ("frame;frame;... COUNT"). This prints each part's
share of all samples (a part is the innermost of these frames on the stack: the shard stage's
`run_shard`, the copy stage's children `_Child.__init__`, the claims-and-flags workers'
`_compute`, the linking process's `_linking_process`), then, within the parts asked for, the
functions holding the most samples (inclusive) and the lines where they were taken (leaf).
`--match NAME=REGEX` (repeatable) also prints the share of all samples with a frame matching
REGEX anywhere on the stack (a library's share: `json=\(json/`, `langid=langid`; py-spy names a
standard library file from the library's folder, "(json/decoder.py:353)").

    .venv/bin/py-spy record --subprocesses -r 25 -f raw -o build.raw -- \\
        .venv/bin/python bench/scale.py --sizes 20000 --workers 2 --adds 0
    .venv/bin/python bench/pyspy_shares.py build.raw [--parts shard,copy children] [--top 25] [--match "json=\(json/"]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict

PARTS = [("shard", "run_shard"), ("copy children", "_Child.__init__"), ("claims and flags", "_compute"),
         ("linking process", "_linking_process"), ("build", "_build")]
_PATH = re.compile(r"\(/.*?/(?:src/dossier|site-packages|python3\.\d+)/")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("raw")
    parser.add_argument("--parts", default=",".join(name for name, _ in PARTS))
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", action="append", default=[], help="NAME=REGEX")
    args = parser.parse_args()
    matches = [(name, re.compile(pattern)) for name, _, pattern in (m.partition("=") for m in args.match)]
    matched: Counter = Counter()
    samples: Counter = Counter()
    inclusive: dict[str, Counter] = defaultdict(Counter)
    leaves: dict[str, Counter] = defaultdict(Counter)
    for line in open(args.raw, encoding="utf-8"):
        stack, _, count = line.rstrip().rpartition(" ")
        frames = [_PATH.sub("(", frame) for frame in stack.split(";")]
        part = next((name for name, marker in PARTS if any(marker in f for f in frames)), "other")
        samples[part] += int(count)
        matched.update({name: int(count) for name, pattern in matches if pattern.search(stack)})
        leaves[part][frames[-1]] += int(count)
        for name in {re.sub(r":\d+\)$", ")", f) for f in frames}:
            inclusive[part][name] += int(count)
    total = sum(samples.values())
    print(f"{total} samples")
    for part, n in samples.most_common():
        print(f"{n / total:6.1%} {part}")
    for name, _ in matches:
        print(f"{matched[name] / total:6.1%} of all with a frame of {name}")
    for part in args.parts.split(","):
        if not samples[part]:
            continue
        print(f"\n== {part}: functions (inclusive), then lines (leaf), as shares of the part")
        for name, n in inclusive[part].most_common(args.top):
            print(f"  {n / samples[part]:6.1%} {name[:150]}")
        print("  --")
        for name, n in leaves[part].most_common(args.top):
            print(f"  {n / samples[part]:6.1%} {name[:150]}")


if __name__ == "__main__":
    main()
