"""What the event dates read of each lead (`link.timeline.lead_dates`), to compare two versions.

Runs `lead_dates` on the first N articles of a store (each with its earliest source's day, as a
full link's event dates do; undated articles are left out), prints its CPU per article (best of
--repeats), and writes every result as a JSON line. Run it with another checkout's `src` on
PYTHONPATH for the other version's file, then compare the two byte for byte:

    .venv/bin/python bench/lead_dates.py STORE --articles 20000 -o /tmp/after.jsonl
    PYTHONPATH=/path/to/old/src .venv/bin/python bench/lead_dates.py STORE --articles 20000 -o /tmp/before.jsonl
    cmp /tmp/before.jsonl /tmp/after.jsonl

The store is opened read-only.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from datetime import date

from dossier.link.timeline import lead_dates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store")
    parser.add_argument("--articles", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("-o", "--out")
    args = parser.parse_args()
    conn = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    rows = conn.execute("SELECT a.id, a.text, (SELECT MIN(published) FROM sources s WHERE s.article_id = a.id) "
                        "FROM articles a ORDER BY a.id LIMIT ?", (args.articles,)).fetchall()
    leads = [(aid, text or "", date.fromisoformat(day[:10])) for aid, text, day in rows if day and len(day) >= 10]
    best, found = float("inf"), []
    for _ in range(args.repeats):
        started = time.process_time()
        found = [lead_dates(text, day) for _, text, day in leads]
        best = min(best, time.process_time() - started)
    print(f"{len(leads):,} dated articles: lead_dates {best / len(leads) * 1e6:.0f} us of CPU an article "
          f"(best of {args.repeats}); {sum(map(len, found)):,} dates found")
    if args.out:
        with open(args.out, "w") as out:
            for (aid, _, _), dates in zip(leads, found):
                out.write(json.dumps({"id": aid, "dates": dates}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
