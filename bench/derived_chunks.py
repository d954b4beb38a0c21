"""How much each chunk of a full claims-and-flags derivation reads, by scope kind.

`link.derived` says a full derivation's memory is a chunk's. That holds only if no chunk's
reads grow with the corpus. This walks the full plan of a built store (no claim or flag is
computed, only counted with SQL) and prints, for each scope kind, the number of chunks and the
largest chunk's articles and statement occurrences:

| kind | articles a chunk reads | occurrences a chunk reads |
|---|---|---|
| g | the members of its claim groups | — |
| p | the two articles of each copy pair | — |
| a | its articles | — |
| e | the members of its events | — |
| c | its copies and their originals | — |
| k | its copies and their originals | of the statements they carry, in those articles (`_quotes_in`); `k-every` counts every occurrence of the same statements, as read before session 18 |
| q | every article carrying one of its statements | every occurrence of its statements (`_bounded`) |

A kind whose largest chunk grows with the corpus is a memory problem at 1,000,000 articles.

With `--run`, the largest chunk of each kind (by occurrences for `k` and `q`, else by articles) is
then computed as a worker computes it (`derived._compute`: read, detect, rows), each in a fresh
process, which prints its seconds and the rise of its peak resident memory over what it held
before the chunk (imports, knowledge base, plan). Run it with another checkout's `src` on
PYTHONPATH to compare versions.

    .venv/bin/python bench/derived_chunks.py STORE [--top 3] [--run]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from dossier.link import derived


def _count(conn: sqlite3.Connection, query: str, ids: list[str]) -> int:
    total = 0
    for part in derived._chunks(ids):
        total += conn.execute(query.format(marks=derived._marks(part)), part).fetchone()[0]
    return total


def _copy_articles(conn: sqlite3.Connection, keys: list[str]) -> list[str]:
    relations = derived._copies(conn, keys, originals=False)
    return sorted({c["article"] for c in relations} | {c["of"] for c in relations})


def chunk_sizes(conn: sqlite3.Connection) -> tuple[dict[str, list[tuple[int, int]]], dict[str, tuple[int, Any]]]:
    """(articles, occurrences) each chunk of the full plan reads, by scope kind (`k-every`: the
    k: chunks' occurrences when every occurrence of their statements is read); and the largest
    chunk of each kind (size, chunk)."""
    plan = derived._full_plan(conn)
    out: dict[str, list[tuple[int, int]]] = {k: [] for k in ("g", "p", "a", "e", "c", "k", "k-every", "q")}
    largest: dict[str, tuple[int, Any]] = {}

    def seen(kind: str, articles: int, occurrences: int, chunk: Any) -> None:
        out[kind].append((articles, occurrences))
        size = occurrences if kind in "kq" else articles
        if size > largest.get(kind, (-1, None))[0]:
            largest[kind] = (size, chunk)

    for chunk in plan.groups:
        seen("g", sum(len(members) for _, members in chunk), 0, chunk)
    for chunk in plan.pairs:
        seen("p", 2 * len(chunk), 0, chunk)
    for keys in plan.keys["a"]:
        seen("a", len(keys), 0, keys)
    for keys in plan.keys["e"]:
        members = derived._event_members(conn, keys)
        seen("e", sum(len(m) for m in members.values()), 0, keys)
    for keys in plan.keys["c"]:
        seen("c", len(_copy_articles(conn, keys)), 0, keys)
    for keys in plan.keys["k"]:
        ids = _copy_articles(conn, keys)
        within = _count(conn, "SELECT COUNT(*) FROM quote_occurrences WHERE article_id IN ({marks})", ids)
        quotes = sorted(derived._quote_ids_of(conn, ids))
        every = _count(conn, "SELECT COUNT(*) FROM quote_occurrences WHERE quote_id IN ({marks})", quotes)
        articles = _count(conn, "SELECT COUNT(DISTINCT article_id) FROM quote_occurrences WHERE quote_id IN ({marks})",
                          quotes)  # per part: an upper bound when an article carries statements of two parts
        seen("k", len(ids), within, keys)
        out["k-every"].append((articles, every))
    for keys in plan.keys["q"]:
        occurrences = _count(conn, "SELECT COUNT(*) FROM quote_occurrences WHERE quote_id IN ({marks})", keys)
        articles = _count(conn, "SELECT COUNT(DISTINCT article_id) FROM quote_occurrences WHERE quote_id IN ({marks})",
                          keys)
        seen("q", articles, occurrences, keys)
    return out, largest


def run_chunk(store: str, kind: str, chunk_file: str) -> None:
    """In a fresh process: compute one chunk as a worker does, and print its cost."""
    from dossier.analyze.record import cached_kb
    from dossier.store.db import connect

    conn = connect(store, create=False)
    kb = cached_kb(None)
    chunk = json.loads(Path(chunk_file).read_text())
    if kind == "g":
        chunk = [(scope, members) for scope, members in chunk]
    elif kind == "p":
        chunk = [tuple(pair) for pair in chunk]
    import dossier.check  # noqa: F401  (what the chunk imports is not its memory)
    import dossier.report.document  # noqa: F401
    from dossier.check import copies, dates, numbers, quotes, roles, speakers  # noqa: F401
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.process_time()
    _, claims, _, flags = derived._compute(kb, derived.Carriers(), conn, (kind, chunk))
    seconds = time.process_time() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"| {kind} | {seconds:.1f} | {before / 1024:.0f} | {(after - before) / 1024:.0f} | "
          f"{len(claims):,} claims, {len(flags):,} flags |  ({derived.__file__})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--top", type=int, default=3, help="the largest N chunks of each kind")
    parser.add_argument("--run", action="store_true", help="then compute the largest chunk of each kind (see above)")
    parser.add_argument("--chunk", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)  # the fresh process
    args = parser.parse_args()
    if args.chunk:
        run_chunk(str(args.store), *args.chunk)
        return
    started = time.perf_counter()
    conn = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
          f"{args.store} ({articles:,} articles)")
    sizes, largest = chunk_sizes(conn)
    print("| kind | chunks | largest chunk: articles | largest chunk: occurrences | mean articles | mean occurrences |")
    print("|---|---|---|---|---|---|")
    for kind, found in sizes.items():
        if not found:
            print(f"| {kind} | 0 | | | | |")
            continue
        by_articles = sorted((a for a, _ in found), reverse=True)[:args.top]
        by_occurrences = sorted((o for _, o in found), reverse=True)[:args.top]
        mean_a = sum(a for a, _ in found) / len(found)
        mean_o = sum(o for _, o in found) / len(found)
        print(f"| {kind} | {len(found):,} | {', '.join(f'{n:,}' for n in by_articles)} | "
              f"{', '.join(f'{n:,}' for n in by_occurrences)} | {mean_a:,.0f} | {mean_o:,.0f} |")
    print(f"({time.perf_counter() - started:.1f} s)")
    if not args.run:
        return
    print("\n| kind (largest chunk) | CPU s | RSS before, MiB | peak rise, MiB | rows |\n|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, (_, chunk) in largest.items():
            path = Path(tmp) / f"{kind}.json"
            path.write_text(json.dumps(chunk))
            subprocess.run([sys.executable, __file__, str(args.store), "--chunk", kind, str(path)], check=True)


if __name__ == "__main__":
    main()
