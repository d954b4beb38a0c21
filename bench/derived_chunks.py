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

    .venv/bin/python bench/derived_chunks.py STORE [--top 3]
"""

from __future__ import annotations

import argparse
import platform
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from dossier.link import derived  # noqa: E402


def _count(conn: sqlite3.Connection, query: str, ids: list[str]) -> int:
    total = 0
    for part in derived._chunks(ids):
        total += conn.execute(query.format(marks=derived._marks(part)), part).fetchone()[0]
    return total


def _copy_articles(conn: sqlite3.Connection, keys: list[str]) -> list[str]:
    relations = derived._copies(conn, keys, originals=False)
    return sorted({c["article"] for c in relations} | {c["of"] for c in relations})


def chunk_sizes(conn: sqlite3.Connection) -> dict[str, list[tuple[int, int]]]:
    """(articles, occurrences) each chunk of the full plan reads, by scope kind (`k-every`: the
    k: chunks' occurrences when every occurrence of their statements is read)."""
    plan = derived._full_plan(conn)
    out: dict[str, list[tuple[int, int]]] = {k: [] for k in ("g", "p", "a", "e", "c", "k", "k-every", "q")}
    for chunk in plan.groups:
        out["g"].append((sum(len(members) for _, members in chunk), 0))
    for chunk in plan.pairs:
        out["p"].append((2 * len(chunk), 0))
    for keys in plan.keys["a"]:
        out["a"].append((len(keys), 0))
    for keys in plan.keys["e"]:
        members = derived._event_members(conn, keys)
        out["e"].append((sum(len(m) for m in members.values()), 0))
    for keys in plan.keys["c"]:
        out["c"].append((len(_copy_articles(conn, keys)), 0))
    for keys in plan.keys["k"]:
        ids = _copy_articles(conn, keys)
        within = _count(conn, "SELECT COUNT(*) FROM quote_occurrences WHERE article_id IN ({marks})", ids)
        quotes = sorted(derived._quote_ids_of(conn, ids))
        every = _count(conn, "SELECT COUNT(*) FROM quote_occurrences WHERE quote_id IN ({marks})", quotes)
        articles = _count(conn, "SELECT COUNT(DISTINCT article_id) FROM quote_occurrences WHERE quote_id IN ({marks})",
                          quotes)  # per part: an upper bound when an article carries statements of two parts
        out["k"].append((len(ids), within))
        out["k-every"].append((articles, every))
    for keys in plan.keys["q"]:
        occurrences = _count(conn, "SELECT COUNT(*) FROM quote_occurrences WHERE quote_id IN ({marks})", keys)
        articles = _count(conn, "SELECT COUNT(DISTINCT article_id) FROM quote_occurrences WHERE quote_id IN ({marks})",
                          keys)
        out["q"].append((articles, occurrences))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--top", type=int, default=3, help="the largest N chunks of each kind")
    args = parser.parse_args()
    started = time.perf_counter()
    conn = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}; "
          f"{args.store} ({articles:,} articles)")
    sizes = chunk_sizes(conn)
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


if __name__ == "__main__":
    main()
