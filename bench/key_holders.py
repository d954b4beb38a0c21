"""CPU and size of the copy index's key -> holders map (`link.copies.KeyHolders`) as a link uses it:
for each of N articles, look up its ~45 candidate keys (`holders`) and add them (`add`); a share
of the keys repeat earlier articles' (copies and stock sentences). Prints CPU per article by
fifth, and the map's bytes at the end. Run it with another checkout's `src` on PYTHONPATH to compare:

    .venv/bin/python bench/key_holders.py [--articles 100000]
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np

from dossier.link.copies import KeyHolders


def nbytes(holders: KeyHolders) -> int:
    holders.merge()
    return sum(v.nbytes for v in holders.__dict__.values() if isinstance(v, np.ndarray))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(11)
    holders = KeyHolders()
    earlier: list[int] = []
    started = mark = time.process_time()
    step = args.articles // 5
    for index in range(args.articles):
        keys = {rng.randrange(-2**63, 2**63) for _ in range(rng.randrange(20, 70))}
        if earlier:  # a tenth of the keys an earlier article's
            keys.update(rng.choice(earlier) for _ in range(len(keys) // 10))
        ordered = sorted(keys)
        holders.holders(ordered)
        holders.add(ordered, index)
        earlier.extend(ordered[:3])
        if (index + 1) % step == 0:
            print(f"  articles {index + 2 - step:,}-{index + 1:,}: {1e6 * (time.process_time() - mark) / step:.0f} us CPU an article",
                  flush=True)
            mark = time.process_time()
    busy = time.process_time() - started
    size = nbytes(holders)
    pairs = len(getattr(holders, "_values", getattr(holders, "_keys", None)))  # this version's array of pairs
    print(f"{args.articles:,} articles: {busy:.1f} s CPU; arrays {size / 1e6:.1f} MB for {pairs:,} (key, holder) "
          f"pairs ({size / pairs:.2f} bytes a pair)")


if __name__ == "__main__":
    main()
