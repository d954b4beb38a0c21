"""Load test of `dossier serve`: story page and /api/quotes latency (p50/p99) and requests/s.

    .venv/bin/python bench/api.py [--articles 10000] [--workers 1] [--duration 10] [--connections 16]

1. Generates a corpus of N articles from real texts (PolNeAR and NAEB bodies under
   ../shared/data, read at run time and written only to the work folder, never to the
   repository): each real article as published, plus syndicated copies (a wire credit,
   another outlet, a day later), rewrites (paragraphs dropped and reordered), excerpts
   and mash-ups of two articles, spread over 40 outlets.
2. Builds it with `dossier build` (cached in the work folder for the next run).
3. Serves it with `dossier serve` on loopback in its own process(es), and loads it from
   a second process: `wrk` (Debian package) when installed, else a small asyncio HTTP/1.1
   keep-alive client written here. Each request of /api/quotes asks for a random page
   (limit 50, random offset); story pages cycle over the 20 largest stories.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
POLNEAR = DATA / "polnear"
NAEB = DATA / "article-extraction-naeb" / "articles.json"
BIN = Path(sys.executable).parent


def real_articles() -> list[dict]:
    """Every real article body with what is known of it (title, date, publisher)."""
    meta = {}
    with open(POLNEAR / "metadata.tsv", encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        for line in handle:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            meta[row["filename"]] = row
    out = []
    for split in ("train", "dev"):
        for path in sorted((POLNEAR / split / "text").glob("*.txt")):
            row = meta.get(path.stem, {})
            text = path.read_text(encoding="utf-8").strip()
            if len(text) > 400:
                out.append({"text": text, "title": row.get("title"), "published": row.get("publication_date"),
                            "publisher": row.get("publisher") or path.stem.split("_")[0]})
    for record in json.loads(NAEB.read_text(encoding="utf-8")).values():
        body = (record.get("articleBody") or "").strip()
        if len(body) > 400:
            out.append({"text": body, "title": record.get("title"), "published": (record.get("date") or "")[:10] or None,
                        "publisher": "naeb"})
    return out


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def generate(n: int, seed: int = 7) -> list[dict]:
    """N article records: the real ones, then copies, rewrites, excerpts and mash-ups of them."""
    rng = random.Random(seed)
    bases = real_articles()
    outlets = [f"Bench Outlet {i:02d}" for i in range(40)]
    records = []

    def day(base: dict, shift: int) -> str:
        try:
            start = date.fromisoformat(base["published"])
        except (TypeError, ValueError):
            start = date(2016, 1, 1) + timedelta(days=rng.randrange(300))
        return (start + timedelta(days=shift)).isoformat()

    for i, base in enumerate(bases):
        records.append({"text": base["text"], "title": base["title"], "published": day(base, 0),
                        "outlet": f"{base['publisher'].title()} (bench)", "url": f"https://{base['publisher']}.bench.example/a/{i}"})
    while len(records) < n:
        base = rng.choice(bases)
        parts = paragraphs(base["text"])
        kind = rng.random()
        if kind < 0.35:  # syndicated: the same body with a credit, elsewhere, a day later
            text = f"({rng.choice(['AP', 'Reuters', 'AFP'])}) — " + "\n\n".join(parts)
            if rng.random() < 0.5 and len(parts) > 3:
                text = "\n\n".join(parts[:-1])
        elif kind < 0.65:  # rewrite: some paragraphs dropped, some swapped
            kept = [p for p in parts if rng.random() > 0.25] or parts[:1]
            if len(kept) > 3:
                a, b = rng.sample(range(1, len(kept)), 2)
                kept[a], kept[b] = kept[b], kept[a]
            text = "\n\n".join(kept)
        elif kind < 0.85:  # excerpt
            text = "\n\n".join(parts[:max(2, len(parts) // 2)])
        else:  # mash-up of two stories
            other = paragraphs(rng.choice(bases)["text"])
            text = "\n\n".join(parts[:max(2, len(parts) // 2)] + other[len(other) // 2:])
        outlet = rng.choice(outlets)
        records.append({"text": text + f"\n\nFiled {len(records)} for {outlet}.", "title": base["title"],
                        "published": day(base, rng.randrange(0, 3)), "outlet": outlet,
                        "url": f"https://{outlet.lower().replace(' ', '')}.example/{len(records)}"})
    return records[:n]


def build_store(work: Path, n: int) -> tuple[Path, float | None]:
    db = work / f"bench-{n}.db"
    if db.exists() and (work / f"bench-{n}.done").exists():
        return db, None
    if db.exists():
        db.unlink()
    corpus = work / f"corpus-{n}.jsonl"
    with open(corpus, "w", encoding="utf-8") as handle:
        for record in generate(n):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    started = time.time()
    subprocess.run([str(BIN / "dossier"), "build", str(corpus), "--db", str(db), "--workers", "2", "-q"], check=True)
    (work / f"bench-{n}.done").write_text("ok")
    return db, time.time() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=120) as response:
        return json.loads(response.read())


def timed_get(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
    return time.perf_counter() - started


# --- load generators ---------------------------------------------------------------------

WRK_SCRIPT = """
paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def run_wrk(base: str, paths: list[str], duration: int, connections: int, work: Path) -> dict:
    listing = work / "paths.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = work / "paths.lua"
    script.write_text(WRK_SCRIPT % listing)
    out = subprocess.run(["wrk", "-t", "1", "-c", str(connections), "-d", f"{duration}s", "--latency", "-s", str(script), base],
                         capture_output=True, text=True, check=True).stdout
    def ms(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"tool": "wrk", "p50_ms": ms("50"), "p99_ms": ms("99"),
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "requests": int(re.search(r"(\d+) requests in", out).group(1)), "errors": int(errors.group(1)) if errors else 0}


async def _client(host: str, port: int, paths: list[str], until: float, latencies: list[float], errors: list[int], offset: int) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    n = offset
    while time.perf_counter() < until:
        path = paths[n % len(paths)]
        n += 1
        started = time.perf_counter()
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
        if not head.startswith(b"HTTP/1.1 200"):
            errors.append(1)
    writer.close()


def run_python_load(base: str, paths: list[str], duration: int, connections: int) -> dict:
    """Our own keep-alive load generator (used when wrk is not installed)."""
    host, port = base.split("//")[1].split(":")
    latencies: list[float] = []
    errors: list[int] = []

    async def main() -> None:
        until = time.perf_counter() + duration
        await asyncio.gather(*(_client(host, int(port), paths, until, latencies, errors, i * 7) for i in range(connections)))

    started = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return {"tool": "python asyncio", "p50_ms": cuts[49] * 1000, "p99_ms": cuts[98] * 1000,
            "rps": len(latencies) / elapsed, "requests": len(latencies), "errors": len(errors)}


def load(base: str, paths: list[str], duration: int, connections: int, work: Path, tool: str) -> dict:
    if tool == "wrk":
        return run_wrk(base, paths, duration, connections, work)
    # the load generator runs in a second process, as wrk would
    code = (f"import json, sys; sys.path.insert(0, {str(REPO / 'bench')!r}); import api; "
            f"print(json.dumps(api.run_python_load({base!r}, {paths!r}, {duration}, {connections})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per URL set")
    parser.add_argument("--connections", type=int, nargs="+", default=[4, 16], help="concurrent connections (each level is run)")
    parser.add_argument("--work", default="/tmp/dossier-bench-api", help="folder for the corpus and the store")
    parser.add_argument("--load", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()
    if not POLNEAR.is_dir() or not NAEB.exists():
        sys.exit(f"{DATA} is absent: the bench needs PolNeAR and NAEB texts from ../shared/data")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    tool = args.load if args.load != "auto" else ("wrk" if shutil.which("wrk") else "python")

    db, build_seconds = build_store(work, args.articles)
    print(f"store: {db} ({args.articles} articles)" + (f", built in {build_seconds:.0f} s" if build_seconds else ", reused"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ}
    env.pop("DOSSIER_TOKEN", None)
    server = subprocess.Popen([str(BIN / "dossier"), "serve", "--db", str(db), "--port", str(port), "--workers", str(args.workers)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        for _ in range(600):
            try:
                status = get_json(f"{base}/api/status")
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("the server did not start: " + server.stderr.read().decode()[:2000])
        counts = status["counts"]
        print("counts:", json.dumps(counts))
        stories, url = [], f"{base}/api/stories?limit=500"
        while url:
            page = get_json(url)
            stories += page["items"]
            url = base + page["next"] if page["next"] else None
        stories = sorted(stories, key=lambda s: -s["counts"]["articles"])[:20]
        story_paths = [f"/stories/{s['id']}" for s in stories]
        rng = random.Random(1)
        quote_paths = [f"/api/quotes?limit=50&offset={rng.randrange(max(counts['quotes'] - 50, 1))}" for _ in range(2000)]
        # cold: the first request of each story page after a start renders it (later ones are served from memory
        # until the store changes); the first request of all builds the index of the corpus-level tables
        cold = [timed_get(base + p) * 1000 for p in story_paths]
        print(f"story pages, first request each (cold, index then built): max {max(cold):.0f} ms, "
              f"median {statistics.median(cold):.0f} ms; biggest story has {stories[0]['counts']}")
        results = {}
        for name, paths in (("/api/quotes (random page of 50)", quote_paths), ("story pages (20 largest)", story_paths),
                            ("/api/stories", ["/api/stories?limit=50"])):
            for connections in args.connections:
                r = results[(name, connections)] = load(base, paths, args.duration, connections, work, tool)
                print(f"{name:34s} p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  {r['rps']:7.0f} req/s  "
                      f"({r['requests']} requests, {r['errors']} errors, {tool}, {connections} connections, "
                      f"{args.workers} server process(es))")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
