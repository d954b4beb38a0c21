"""What a reader of `dossier serve` waits for while an article is added to a large store.

Starts `dossier serve` on STORE (use a copy: an article is added to it) with a token, times how
long it takes to answer its first request (the index is read at start), then POSTs one new article
(our own synthetic text) with `wait=0` and, until the job is done, asks for a small page
(`/api/stories?limit=5`) every `--every` seconds from another client, timing each answer. Prints the
start time, the job's time to done and to when the new article's page answers, and the page
answers' median and slowest while the job ran and after it: the cost of a store change to
everybody else reading the server.

    .venv/bin/python bench/serve_refresh.py /tmp/copy-of-store-100000.db
    PYTHONPATH=OLD/src .venv/bin/python bench/serve_refresh.py /tmp/another-copy.db   # another checkout's code
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_pages import get, start_server  # noqa: E402  (bench/serve_pages.py: the server started, a GET timed)

TOKEN = "bench-token"
# Our own words (synthetic), not an article from anywhere.
TEXT = ("Harbor officials in Port Quillon approved a plan on Monday to dredge the north channel.\n\n"
        "\"We will finish the work before the storm season,\" said Mayor Tomasz Wiercioch, who chairs the port board.\n\n"
        "The plan costs {millions} million dollars, according to the board, and the work starts in {month}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between page requests")
    parser.add_argument("--after", type=float, default=10.0, help="seconds of page requests after the job is done")
    args = parser.parse_args()
    server, base, first = start_server(args.store, {**os.environ, "DOSSIER_TOKEN": TOKEN})
    try:
        # (a text of its own each run: the same text twice is the same article, and adds nothing to link)
        body = json.dumps({"text": TEXT.format(month=time.strftime("%B"), millions=int(time.time()) % 100_000),
                           "title": "Port board approves dredging",
                           "outlet": "Port Quillon Gazette", "published": time.strftime("%Y-%m-%d")}).encode()
        request = urllib.request.Request(base + "/api/articles?wait=0", data=body, method="POST", headers={
            "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        posted = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            job = json.loads(response.read())
        during, after, done_at, new, shown, visible_at = [], [], None, None, None, None
        while True:
            _, seconds, _ = get(base + "/api/stories?limit=5")
            (during if done_at is None else after).append(seconds)
            if done_at is None:
                status = json.loads(get(base + job["status_url"])[2])
                if status.get("status") not in ("queued", "running"):
                    done_at = time.perf_counter() - posted
                    new = status.get("articles", [{}])[0].get("id")
                    shown = get(base + f"/api/articles/{new}")[0] if new else None
            elif visible_at is None and new and get(base + f"/api/articles/{new}")[0] == 200:
                visible_at = time.perf_counter() - posted
            elif visible_at is not None and time.perf_counter() - posted > max(done_at, visible_at) + args.after:
                break
            time.sleep(args.every)
    finally:
        server.terminate()
        server.wait(30)

    def summary(values: list[float]) -> str:
        return f"{len(values)} answers, median {statistics.median(values):.2f} s, slowest {max(values):.2f} s" if values else "none"

    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"first answer after start: {first:.1f} s")
    print(f"POST of one article: job done after {done_at:.1f} s; the new article's page then answered {shown}, "
          f"and 200 from {visible_at:.1f} s after the post")
    print(f"/api/stories?limit=5 while the job ran: {summary(during)}")
    print(f"/api/stories?limit=5 in the {args.after:.0f} s after: {summary(after)}")


if __name__ == "__main__":
    main()
