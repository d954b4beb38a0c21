"""How long `dossier serve` takes to start on a store, what it then holds, and how long its pages take.

Starts `dossier serve` on STORE (read-only), times its first answer (the index is read at start),
then asks for each page twice in turn (a page the server memoizes answers the second time from its
memo): the home page and the stories' API, the largest story's page and API answer, an event's and an
article's page and API answer, the flags page and API, a page of claims deep in their order, a page
of articles. Prints each answer's seconds and the server's peak resident set (VmHWM) at the end.

    .venv/bin/python bench/serve_pages.py /tmp/dossier-scale/store-100000.db
    PYTHONPATH=OLD/src .venv/bin/python bench/serve_pages.py STORE      # another checkout's code
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 3600.0) -> tuple[int, float, bytes]:
    """(status, seconds, body) of a GET; a 404 is an answer too."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, time.perf_counter() - started, response.read()
    except urllib.error.HTTPError as error:
        return error.code, time.perf_counter() - started, error.read()


def start_server(store: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str, float]:
    """`dossier serve` on STORE on a free port: the process, its base URL and the seconds to its first
    answer (it reads its index before it listens). Also used by bench/serve_refresh.py."""
    base = f"http://127.0.0.1:{(port := free_port())}"
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "dossier", "serve", "--db", str(store), "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while True:
        try:
            get(base + "/api/status", timeout=5)
            return server, base, time.perf_counter() - started
        except OSError:
            if server.poll() is not None:
                sys.exit(f"the server stopped: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.5)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    args = parser.parse_args()
    server, base, first = start_server(args.store, {k: v for k, v in os.environ.items() if k != "DOSSIER_TOKEN"})
    try:
        stories = json.loads(get(base + "/api/stories?limit=500")[2])["items"]
        story = max(stories, key=lambda s: s["counts"]["articles"])
        event = json.loads(get(base + f"/api/events?story={story['id']}&limit=1")[2])["items"][0]
        article = event["articles"][0]
        pages = [("home page", "/"), ("stories API, first 20", "/api/stories?limit=20"),
                 (f"largest story's page ({story['counts']['articles']:,} articles)", f"/stories/{story['id']}"),
                 ("its API answer", f"/api/stories/{story['id']}"),
                 ("an event's page", f"/events/{event['id']}"), ("an article's page", f"/articles/{article}"),
                 ("its API answer", f"/api/articles/{article}"), ("flags page", "/flags"),
                 ("flags API, 50", "/api/flags?limit=50"), ("claims API, 50 from 1,000", "/api/claims?limit=50&offset=1000"),
                 ("articles API, 50", "/api/articles?limit=50")]
        print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"first answer after start: {first:.1f} s")
        for name, path in pages:
            (code, once, _), (_, twice, _) = get(base + path), get(base + path)
            print(f"  {name}: {once:.2f} s, again {twice:.2f} s" + ("" if code == 200 else f" (status {code})"))
        print(f"server's peak resident set: {peak_rss_mb(server.pid):,.0f} MB")
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
