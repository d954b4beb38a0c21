"""One article posted into an existing store, as `POST /api/articles` does it: parse the body,
build it (read, clean, analyse, link incrementally, claims, flags), time each post.

    .venv/bin/python bench/post_latency.py STORE [--posts 3]

STORE is a store built by `dossier build` (e.g. from `bench/corpus_gen.py OUT --articles 1000`);
each post adds one new article of our own writing to it.
"""

from __future__ import annotations

import argparse
import json
import time

from dossier.web.ingest import ingest, parse_body

TEXT = ("Claudia Sheinbaum said on Tuesday that Mexico would not accept any U.S. military action on its territory.\n\n"
        "\u201cCollaboration yes, subordination no,\u201d Sheinbaum said at her morning news conference, adding that "
        "talks with Washington would go on ({n}).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store")
    parser.add_argument("--posts", type=int, default=3)
    args = parser.parse_args()
    stamp = int(time.time())
    for n in range(args.posts):
        body = json.dumps({"text": TEXT.format(n=f"{stamp}-{n}"), "url": f"https://example.org/2025/11/04/post-{stamp}-{n}",
                           "outlet": "Post Test", "published": "2025-11-04", "title": "Sheinbaum rejects U.S. action"})
        started = time.time()
        result = ingest(args.store, parse_body(body.encode(), "application/json", {}))
        print(f"post {n + 1}: {time.time() - started:.2f} s, linked {result['linked'].get('linked_new')} new article(s) "
              f"into {result['linked'].get('articles')}")


if __name__ == "__main__":
    main()
