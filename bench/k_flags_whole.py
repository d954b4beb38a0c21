"""The `k:` flags a store's scoped derivation wrote (altered quotes within copies, `link.derived`),
against the same detector run over the whole corpus at once (`check.quotes._within_copies` on every
article, statement and copy relation of the store), as a check that scoping changes nothing.

Holds the whole corpus in memory (~3 GB at 100,000 articles, ~6 GB at 200,000): for benchmarks, not
for a store of a million.

    .venv/bin/python bench/k_flags_whole.py STORE
"""

from __future__ import annotations

import json
import sys
import time

from dossier.check import quotes as altered
from dossier.link import derived
from dossier.link.corpus import read_copies, read_quotes
from dossier.store.db import connect


def key(flag: dict) -> tuple:
    return flag["quote"], flag["evidence"][0]["article"], flag["evidence"][0]["start"], flag["added"][0]


def main() -> None:
    started = time.time()
    conn = connect(sys.argv[1], create=False)
    ids = [row[0] for row in conn.execute("SELECT id FROM articles")]
    document = {"articles": derived.export_articles(conn, ids), "quotes": read_quotes(conn), "copies": read_copies(conn)}
    document["actors"] = derived._actors(conn, derived._speakers(document["quotes"]))
    names = {a["id"]: a["name"] for a in document["actors"]}
    whole = sorted(key(f) for f in altered._within_copies(document, altered.by_id(document), names))
    scoped = sorted(key(json.loads(row[0])) for row in conn.execute("SELECT record FROM flags WHERE scope LIKE 'k:%'"))
    print(f"whole corpus {len(whole):,} flags, scoped {len(scoped):,}; the same: {whole == scoped} "
          f"(only whole {len(set(whole) - set(scoped))}, only scoped {len(set(scoped) - set(whole))}); "
          f"{time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
