"""One article posted into an existing store, as `POST /api/articles` does it: parse the body,
build it (read, clean, analyse, link incrementally, claims, flags), time each post.

The first post loads the linking state; the server keeps it in memory for the next ones
(`link(resident=True)`), so the later posts are what a user of `dossier serve` waits for:
their p50 / p95 and, on average, where the time went (the build's stages, and the link's steps).

    .venv/bin/python bench/post_latency.py STORE [--posts 6] [--outlet NAME]

STORE is a store built by `dossier build` (e.g. from `bench/corpus_gen.py OUT --articles 1000`);
each post adds one new article of our own writing to it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from dossier.web.ingest import ingest, parse_body

TEXT = ("Claudia Sheinbaum said on Tuesday that Mexico would not accept any U.S. military action on its territory.\n\n"
        "\u201cCollaboration yes, subordination no,\u201d Sheinbaum said at her morning news conference, adding that "
        "talks with Washington would go on ({n}).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store")
    parser.add_argument("--posts", type=int, default=6)
    parser.add_argument("--outlet", default="Post Test",
                        help="the outlet the posts name: a new one (the default) or one the store holds many articles of")
    args = parser.parse_args()
    stamp = int(time.time())
    latencies: list[float] = []
    cpus: list[float] = []  # the process's CPU seconds of each post: what the wall time is on a quiet machine
    steps: dict[str, float] = {}
    for n in range(args.posts):
        body = json.dumps({"text": TEXT.format(n=f"{stamp}-{n}"), "url": f"https://example.org/2025/11/04/post-{stamp}-{n}",
                           "outlet": args.outlet, "published": "2025-11-04", "title": "Sheinbaum rejects U.S. action"})
        started, cpu_started = time.time(), time.process_time()
        result = ingest(args.store, parse_body(body.encode(), "application/json", {}))
        elapsed, cpu = time.time() - started, time.process_time() - cpu_started
        parts = {**result["seconds"], **{f"link: {k}": v for k, v in result["linked"].get("seconds", {}).items()}}
        print(f"post {n + 1}: {elapsed:.3f} s, linked {result['linked'].get('linked_new')} new article(s); "
              + ", ".join(f"{k} {v:.3f}" for k, v in parts.items()), flush=True)
        if n:  # the first post loaded the state
            latencies.append(elapsed)
            cpus.append(cpu)
            for k, v in parts.items():
                steps[k] = steps.get(k, 0.0) + v / (args.posts - 1)
    if latencies:
        print(f"posts after the first ({len(latencies)}): p50 {1000 * statistics.median(latencies):.0f} ms, "
              f"p95 {1000 * _p95(latencies):.0f} ms (CPU p50 {1000 * statistics.median(cpus):.0f} ms, "
              f"p95 {1000 * _p95(cpus):.0f} ms); mean by step: " + ", ".join(f"{k} {1000 * v:.0f} ms" for k, v in steps.items()))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


if __name__ == "__main__":
    main()
