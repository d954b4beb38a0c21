"""False alarms of the flag detectors on real coverage without planted errors.

Sets (read from ../shared/data/, built end to end with dossier into a temporary database):

  naeb      article-extraction-naeb/html/*.html.gz: 210 news pages of unrelated stories
  polnear   PolNeAR train+dev texts (924 articles of 2016 U.S. election coverage from seven
            publishers, many on the same events and wire stories), with publisher, date and
            title from its metadata.tsv
  real      real-corpus/articles: 107 openings of real pages on the U.S.-Mexico cartel story
            (English and Spanish, many reprints and rewrites)

For each set: flags per 100 articles by kind and severity, then every flag above `info`
(or a sample of N of them) with its message and evidence, to be read by hand: the goal is
fewer than 1 warning per 100 articles that a careful reader would reject. It runs whatever
detectors `dossier.check.DETECTORS` registers. The texts are printed to the terminal only;
do not copy them into the repository.

Usage:
  .venv/bin/python bench/flags.py [--sets naeb,polnear,real] [--sample N] [--seed 1] [--json FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
DATA = REPO.parent / "shared" / "data"
SEVERITIES = ("info", "warning", "error")


def polnear_jsonl(out: Path) -> Path:
    """PolNeAR texts as JSON Lines with the metadata a build can use (written to a temp dir only)."""
    root = DATA / "polnear"
    meta = {}
    with open(root / "metadata.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            meta[row["filename"]] = row
    with open(out, "w", encoding="utf-8") as handle:
        for split in ("train", "dev"):
            for path in sorted((root / split / "text").glob("*.txt")):
                row = meta.get(path.stem, {})
                record = {"text": path.read_text(encoding="utf-8"), "outlet": row.get("publisher"),
                          "published": row.get("publication_date"), "lang": "en",
                          "title": row.get("title"), "author": row.get("author")}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return out


def inputs(name: str, tmp: Path) -> list[str]:
    if name == "naeb":
        return [str(DATA / "article-extraction-naeb" / "html")]
    if name == "polnear":
        return [str(polnear_jsonl(tmp / "polnear.jsonl"))]
    if name == "real":
        return [str(DATA / "real-corpus" / "articles")]
    raise SystemExit(f"unknown set {name!r}")


def build_set(name: str) -> tuple[dict, dict, float]:
    from dossier.build import BuildOptions, build
    from dossier.report.document import build_document
    from dossier.store.analysis import iter_records
    from dossier.store.db import connect

    with tempfile.TemporaryDirectory() as tmp:
        conn = connect(Path(tmp) / "bench.db")
        started = time.time()
        build(inputs(name, Path(tmp)), conn, BuildOptions(workers=2))
        seconds = time.time() - started
        document = build_document(conn)
        records = dict(iter_records(conn))
        conn.close()
    return document, records, seconds


def check_seconds(document: dict, records: dict) -> float:
    """The detectors alone, run again on the built document (what linking adds for flags)."""
    from dossier.analyze.record import cached_kb
    from dossier.check import run_checks

    started = time.time()
    run_checks({**document, "flags": []}, records, cached_kb(None))
    return time.time() - started


def table(name: str, document: dict) -> dict:
    from dossier.check import DETECTORS, MODULES

    n = len(document["articles"])
    counts = Counter((f["kind"], f["severity"]) for f in document["flags"])
    kinds = [k for m, k in MODULES.items() if any(d.__module__.endswith("." + m) for d in DETECTORS)]
    print(f"\n## {name}: {n} articles, {len(document['flags'])} flags "
          f"(detectors: {', '.join(kinds)})")
    print("| kind | info | warning | error | above info per 100 articles |")
    print("|---|---|---|---|---|")
    rows = {}
    for kind in kinds:
        row = [counts[(kind, s)] for s in SEVERITIES]
        per100 = 100 * (row[1] + row[2]) / n if n else 0.0
        rows[kind] = {"info": row[0], "warning": row[1], "error": row[2], "above_info_per_100": round(per100, 2)}
        print(f"| {kind} | {row[0]} | {row[1]} | {row[2]} | {per100:.2f} |")
    above = sum(r["warning"] + r["error"] for r in rows.values())
    print(f"| all | {sum(r['info'] for r in rows.values())} | {sum(r['warning'] for r in rows.values())} | "
          f"{sum(r['error'] for r in rows.values())} | {100 * above / n if n else 0:.2f} |")
    return {"articles": n, "kinds": rows}


def show(document: dict, sample: int | None, seed: int, with_info: bool) -> None:
    texts = {a["id"]: a for a in document["articles"]}
    flags = [f for f in document["flags"] if with_info or f["severity"] != "info"]
    if sample is not None and len(flags) > sample:
        flags = random.Random(seed).sample(flags, sample)
    for f in flags:
        print(f"\n[{f['severity']}] {f['kind']} {f['id']}\n  {f['message']}")
        for e in f["evidence"][:6]:
            article = texts[e["article"]]
            source = article["sources"][0]["source"].rsplit("/", 1)[-1]
            print(f"    {source} [{e['start']}:{e['end']}] {article['text'][e['start']:e['end']][:160]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="naeb,polnear,real")
    parser.add_argument("--sample", type=int, default=None, help="show at most N flags above info per set")
    parser.add_argument("--info", action="store_true", help="show info flags too")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="write the counts here")
    args = parser.parse_args()
    results = {}
    for name in args.sets.split(","):
        document, records, seconds = build_set(name)
        results[name] = table(name, document)
        results[name]["build_seconds"] = round(seconds, 1)
        results[name]["check_seconds"] = round(check_seconds(document, records), 2)
        print(f"build {seconds:.1f} s; detectors alone {results[name]['check_seconds']:.2f} s")
        show(document, args.sample, args.seed, args.info)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
