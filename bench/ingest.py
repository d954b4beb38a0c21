"""Ingest speed: text articles/s and HTML pages/s through `dossier build`, end to end.

Inputs are real articles from ../shared/data/ (never copied into the repository): the
gold bodies of the Zyte and NAEB extraction sets written out as .txt files (repeated
with a varying line until there are --texts of them, so each is a distinct article),
and their raw HTML pages as .html files. Each build starts from an empty database and
includes reading, extraction, cleaning, language identification and storing.

    .venv/bin/python bench/ingest.py [--texts 5000] [--workers 1 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from dossier.build import BuildOptions, build
from dossier.store.db import connect

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"


def real_bodies() -> list[tuple[str, str]]:
    bodies = []
    zyte = json.loads((DATA / "article-extraction" / "ground-truth.json").read_text(encoding="utf-8"))
    bodies += [("", item["articleBody"]) for _, item in sorted(zyte.items())]
    naeb = json.loads((DATA / "article-extraction-naeb" / "articles.json").read_text(encoding="utf-8"))
    bodies += [(item.get("title") or "", item["articleBody"]) for _, item in sorted(naeb.items())]
    return [(t, b) for t, b in bodies if b and b.strip()]


def write_text_corpus(folder: Path, count: int) -> int:
    bodies = real_bodies()
    for i in range(count):
        title, body = bodies[i % len(bodies)]
        text = (f"{title}\n\n" if title else "") + body + f"\n\nCopy {i} of the benchmark corpus."
        (folder / f"{i:06d}.txt").write_text(text, encoding="utf-8")
    return count


def write_html_corpus(folder: Path) -> int:
    pages = sorted((DATA / "article-extraction" / "html").glob("*.html.gz")) + sorted(
        (DATA / "article-extraction-naeb" / "html").glob("*.html.gz"))
    for page in pages:
        (folder / page.name[:-3]).write_bytes(gzip.decompress(page.read_bytes()))
    return len(pages)


def timed_build(folder: Path, workers: int) -> tuple[float, int, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        conn = connect(Path(tmp) / "bench.db")
        start = time.perf_counter()
        report = build([str(folder)], conn, BuildOptions(workers=workers))
        elapsed = time.perf_counter() - start
        conn.close()
    return elapsed, report.stored, report.stage_seconds


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=5000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"{DATA} is absent: this benchmark needs ../shared/data beside the repository")
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}")
    results = []
    work = Path(tempfile.mkdtemp(prefix="dossier-ingest-"))
    try:
        text_dir, html_dir = work / "text", work / "html"
        text_dir.mkdir()
        html_dir.mkdir()
        inputs = {"text": write_text_corpus(text_dir, args.texts), "html": write_html_corpus(html_dir)}
        for kind, folder in (("text", text_dir), ("html", html_dir)):
            for workers in args.workers:
                elapsed, stored, stages = timed_build(folder, workers)
                rate = inputs[kind] / elapsed
                read_rate = inputs[kind] / stages["read"]
                results.append({"input": kind, "workers": workers, "documents": inputs[kind], "stored": stored,
                                "seconds": round(elapsed, 2), "per_second": round(rate, 1),
                                "read_per_second": round(read_rate, 1),
                                "stage_seconds": {k: round(v, 2) for k, v in stages.items()}})
                print(f"{kind:5} workers={workers}: {inputs[kind]} documents ({stored} stored) in {elapsed:.1f} s = {rate:,.0f}/s"
                      f" (read and clean {stages['read']:.1f} s = {read_rate:,.0f}/s; analyse {stages['analyse']:.1f} s;"
                      f" link {stages['link']:.1f} s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
