"""Throughput of the shard stage alone (read + extract + clean + per-article analysis + store
writes with completion markers), on text and on WARC.gz input, local pool vs Ray at 1 and
2 workers; and how many analysis records the finalize step makes stale (they are redone).

Inputs are made at run time in a temporary folder, never stored in the repository:
- text: JSON Lines from bench/corpus_gen.py (prose generated from the statistics of the real
  texts in ../shared/data/, with planted events, quotations and copies);
- WARC.gz: the real HTML pages of ../shared/data/article-extraction/html written into one
  WARC.gz, cycled until there are --pages records, each with a distinct edition line so
  every record is a distinct article.

Ray runs on a Ray instance started before the timer (its start-up, about 5-10 s here, is
reported apart). `read only` is the driver reading the containers without any work: the
share of the stage that cannot run on the workers.

    .venv/bin/python bench/shards.py [--texts 2000] [--pages 300] [--engines local ray] [--workers 1 2] [--repeat 1] [--resume]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from dossier.analyze.record import cached_kb
from dossier.build import BuildOptions, BuildReport, _shard_stage
from dossier.corpus.inputs import expand_inputs
from dossier.scale.shards import SHARD_SIZE, plan, stamp
from dossier.store import corpus as store
from dossier.store.analysis import AnalysisOptions, analyze_articles
from dossier.store.db import connect

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "bench"))


def make_text(folder: Path, articles: int) -> Path:
    from corpus_gen import generate

    generate(folder, articles, seed=7)
    return folder / "*.jsonl"  # not its manifest.json


def make_warc(path: Path, pages: int) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    sources = sorted((DATA / "article-extraction" / "html").glob("*.html.gz"))
    htmls = [gzip.decompress(p.read_bytes()).decode("utf-8", "replace") for p in sources]
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for i in range(pages):
            html = htmls[i % len(htmls)].replace("<p>", f"<p>Edition {i} of this page. ", 1)
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            record = writer.create_warc_record(f"https://site{i % 40}.example/page/{i}", "response",
                                               payload=io.BytesIO(html.encode("utf-8")), http_headers=headers,
                                               warc_headers_dict={"WARC-Date": "2025-03-05T12:00:00Z"})
            writer.write_record(record)
    return path


def _cpu() -> float:
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def cpu_ceiling() -> float:
    """How much faster two processes run pure-Python work than one, right now: the most 2
    workers can gain on this machine while other jobs share its 2 cores."""
    from concurrent.futures import ProcessPoolExecutor

    n = 10_000_000
    started = time.perf_counter()
    _spin(n), _spin(n)
    serial = time.perf_counter() - started
    with ProcessPoolExecutor(2) as pool:
        started = time.perf_counter()
        list(pool.map(_spin, [n, n]))
        parallel = time.perf_counter() - started
    return serial / parallel


def read_only(path: Path | str) -> tuple[float, int]:
    files, _ = expand_inputs([str(path)])
    started = time.perf_counter()
    items = sum(s.items for s in plan([stamp(f) for f in files], SHARD_SIZE, BuildOptions().max_bytes))
    return time.perf_counter() - started, items


def shard_stage(path: Path | str, db: Path, engine: str, workers: int) -> dict:
    conn = connect(db)
    files, _ = expand_inputs([str(path)])
    options = BuildOptions(workers=workers, engine=engine)
    analysis = AnalysisOptions(workers=workers)
    report = BuildReport(inputs=[str(path)])
    cpu_before = _cpu()
    started = time.perf_counter()
    _shard_stage(conn, [stamp(f) for f in files], options, analysis, report, lambda e, v: None)
    seconds = time.perf_counter() - started
    row = {"engine": engine, "workers": workers, "documents": report.documents, "seconds": round(seconds, 2),
           "per_second": round(report.documents / seconds, 1), "shards": report.shards}
    if engine == "local":  # the pool's workers are our children (Ray's are not): CPU seconds of driver + workers
        row["cpu_seconds"] = round(_cpu() - cpu_before, 2)
    started = time.perf_counter()
    store.finalize(conn)
    row["redone_after_finalize"] = analyze_articles(conn, AnalysisOptions(workers=workers))
    row["articles"] = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    row["finalize_and_redo_seconds"] = round(time.perf_counter() - started, 2)
    conn.close()
    return row


def resume_after_kill(path: Path, db: Path) -> dict:
    """Kill a one-worker build of the archive once half its shards are written, then time the
    shard stage of the rerun: it should take about half the time of an uninterrupted one."""
    import signal
    import sqlite3
    import subprocess

    command = [sys.executable, "-m", "dossier", "build", str(path), "--db", str(db), "--workers", "1", "-q"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    total = -(-read_only(path)[1] // SHARD_SIZE)
    written = 0
    while process.poll() is None and written < total // 2:
        time.sleep(0.05)
        try:
            with sqlite3.connect(db, timeout=5) as probe:
                written = probe.execute("SELECT COUNT(*) FROM shards").fetchone()[0]
        except sqlite3.OperationalError:
            pass
    process.send_signal(signal.SIGKILL)
    process.wait()
    conn = connect(db)
    files, _ = expand_inputs([str(path)])
    report = BuildReport(inputs=[str(path)])
    started = time.perf_counter()
    _shard_stage(conn, [stamp(f) for f in files], BuildOptions(workers=1), AnalysisOptions(), report, lambda e, v: None)
    seconds = time.perf_counter() - started
    conn.close()
    return {"input": "WARC.gz, rerun after a kill", "engine": "local", "workers": 1, "shards_total": total,
            "shards_finished_before": report.shards_finished_before, "shards_written": report.shards,
            "documents": report.documents, "seconds": round(seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--engines", nargs="+", default=["local", "ray"])
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each configuration; the fastest is kept")
    parser.add_argument("--resume", action="store_true", help="also: kill a build half-way through the WARC, time the rerun")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if "ray" in args.engines:
        try:
            import ray  # noqa: F401
        except ImportError:
            print("note: Ray is not installed (pip install -e '.[ray]'): measuring the local engine only", file=sys.stderr)
            args.engines = [e for e in args.engines if e != "ray"]
    cached_kb(None)  # loaded once, outside the timings (the workers fork with it)
    results = {"machine": f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}",
               "shard_size": SHARD_SIZE, "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        inputs = {"text (JSON Lines)": make_text(tmp_path / "text", args.texts),
                  "WARC.gz (HTML pages)": make_warc(tmp_path / "crawl.warc.gz", args.pages)}
        for label, path in inputs.items():
            seconds, items = read_only(path)
            print(f"{label}: driver reads {items} records in {seconds:.2f} s ({items / seconds:,.0f}/s)", flush=True)
            results["runs"].append({"input": label, "engine": "read only", "documents": items, "seconds": round(seconds, 2),
                                    "per_second": round(items / seconds, 1)})
        for engine in args.engines:
            for workers in args.workers:
                ray_start = None
                if engine == "ray":
                    import ray

                    started = time.perf_counter()
                    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
                    ray_start = round(time.perf_counter() - started, 1)
                try:
                    for label, path in inputs.items():
                        rows = []
                        for attempt in range(args.repeat):  # the machine is shared: keep the least disturbed run
                            ceiling = round(cpu_ceiling(), 2)
                            db = tmp_path / f"{engine}-{workers}-{len(results['runs'])}-{attempt}.db"
                            rows.append({"input": label, "cpu_ceiling_2_vs_1": ceiling, **shard_stage(path, db, engine, workers)})
                        row = max(rows, key=lambda r: r["per_second"])
                        row["all_per_second"] = [r["per_second"] for r in rows]
                        if ray_start is not None:
                            row["ray_start_seconds"] = ray_start
                        results["runs"].append(row)
                        print(json.dumps(row), flush=True)
                finally:
                    if engine == "ray":
                        ray.shutdown()
        if args.resume:
            row = resume_after_kill(inputs["WARC.gz (HTML pages)"], tmp_path / "killed.db")
            results["runs"].append(row)
            print(json.dumps(row), flush=True)
    for label in {r["input"] for r in results["runs"]}:
        for engine in args.engines:
            speeds = {r["workers"]: r["per_second"] for r in results["runs"]
                      if r["input"] == label and r["engine"] == engine and "per_second" in r}
            if 1 in speeds and 2 in speeds:
                print(f"{label}, {engine}: 2 workers / 1 worker = {speeds[2] / speeds[1]:.2f}x")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
