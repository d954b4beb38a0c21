"""A bigger store from a built one, for timing a batch's claims and flags at a corpus size that
is too slow to link here: the store's corpus N times over, each copy's ids given a suffix, so
every copy has the same events, copies, statements, claims and flags as the original (the
copies share no article, so nothing links across them). The first copy keeps the original ids.

Only what `link/derived.py` reads is carried over (articles, sources, analyses, claim features,
events and their members, stories, copy relations, statements, claims, flags and the claim
scope rows of schema 10 or 11); actors are shared. Not a store to build on: no linking state.

    .venv/bin/python bench/inflate.py SOURCE.db OUT.db --times 10
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import time


def _scope(column: str) -> str:
    """A scope key with the suffix `:s` on each id: "p:<a>:<b>" holds two, the others one."""
    return (f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} LIKE 'p:%' THEN "
            f"'p:' || substr({column}, 3, instr(substr({column}, 3), ':') - 1) || :s || ':' || "
            f"substr({column}, 3 + instr(substr({column}, 3), ':')) || :s ELSE {column} || :s END")


STATEMENTS = [
    "INSERT INTO articles (id, base_text, text, lang, added_at, text_hash) "
    "SELECT id || :s, base_text, text, lang, added_at, text_hash FROM src.articles",
    "INSERT INTO sources SELECT source || :s, file, article_id || :s, url, outlet, outlet_name, title, author, "
    "published, published_source, fetched, partial, extractor, synthetic FROM src.sources",
    "INSERT INTO analyses SELECT article_id || :s, key, record FROM src.analyses",
    "INSERT INTO claim_features SELECT article_id || :s, key, features FROM src.claim_features",
    "INSERT INTO events SELECT id || :s, seq, record FROM src.events",
    "INSERT INTO event_articles SELECT article_id || :s, event_id || :s, position, why, reason FROM src.event_articles",
    "INSERT INTO copies SELECT article || :s, of || :s, source, kind, similarity, "
    "json_set(record, '$.article', article || :s, '$.of', of || :s) FROM src.copies",
    "INSERT INTO quotes SELECT id || :s, text, kind, speaker, speaker_name, first_seen || :s, first_seen_candidates "
    "FROM src.quotes",
    "INSERT INTO quote_occurrences SELECT quote_id || :s, article_id || :s, start, end, "
    "json_set(record, '$.article', article_id || :s) FROM src.quote_occurrences",
    f"INSERT INTO claims (id, seq, record, scope) SELECT id || :s, seq, record, {_scope('scope')} FROM src.claims",
    f"INSERT INTO flags (id, seq, kind, severity, record, scope) SELECT id || :s, seq, kind, severity, record, "
    f"{_scope('scope')} FROM src.flags",
]
OPTIONAL = {
    "claim_groups": "INSERT INTO claim_groups SELECT article_id || :s, grp || :s, event || :s, story || :s "
                    "FROM src.claim_groups",
    "claim_scopes": f"INSERT INTO claim_scopes SELECT article_id || :s, {_scope('scope')} FROM src.claim_scopes",
}


def inflate(source: str, out: str, times: int) -> None:
    shutil.copy(source, out)
    conn = sqlite3.connect(out, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("ATTACH DATABASE ? AS src", (source,))
    tables = {r[0] for r in conn.execute("SELECT name FROM src.sqlite_master WHERE type = 'table'")}
    stories = conn.execute("SELECT id, seq, root, record FROM src.stories").fetchall()
    story_events = conn.execute("SELECT event, story, place FROM src.story_events").fetchall()
    for k in range(1, times):
        started = time.perf_counter()
        s = {"s": f"~{k:02d}"}
        conn.execute("BEGIN")
        for statement in STATEMENTS + [q for t, q in OPTIONAL.items() if t in tables]:
            conn.execute(statement, s)
        for story_id, seq, root, record in stories:
            entry = json.loads(record)
            entry["id"] = story_id + s["s"]
            conn.execute("INSERT INTO stories (id, seq, root, record) VALUES (?, ?, ?, ?)",
                         (story_id + s["s"], seq, root + s["s"], json.dumps(entry)))
        conn.executemany("INSERT INTO story_events (event, story, place) VALUES (?, ?, ?)",
                         [(event + s["s"], story + s["s"], place) for event, story, place in story_events])
        conn.execute("COMMIT")
        print(f"copy {k}: {time.perf_counter() - started:.0f} s", flush=True)
    conn.execute("DETACH DATABASE src")
    print(f"{out}: {conn.execute('SELECT COUNT(*) FROM articles').fetchone()[0]:,} articles")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source")
    parser.add_argument("out")
    parser.add_argument("--times", type=int, default=10)
    args = parser.parse_args()
    inflate(args.source, args.out, args.times)


if __name__ == "__main__":
    main()
