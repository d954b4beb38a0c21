"""RSS and Atom feed files.

feedparser reads both (and tolerates much malformed XML). An entry with full content
(`content:encoded`, Atom `content`) becomes an HTML document; an entry with only a
summary is kept and marked partial, so users know its text is not the whole article.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import feedparser

from dossier.corpus.outlet import display_name
from dossier.model import RawDocument, Skip


def _iso_date(parsed: time.struct_time | None) -> str | None:
    return time.strftime("%Y-%m-%d", parsed) if parsed else None


def _longest_content(entry: Any) -> str:
    contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    return max(contents, key=len) if contents else ""


def read_feed(path: str, data: bytes, sidecar: dict[str, Any], max_bytes: int) -> Iterator[RawDocument | Skip]:
    parsed = feedparser.parse(data)
    if not parsed.entries:
        if parsed.get("bozo"):
            reason = str(parsed.get("bozo_exception") or "malformed XML")
            yield Skip(path, f"not a readable RSS or Atom feed ({reason[:200]})")
        elif not parsed.get("version"):
            yield Skip(path, "XML file that is not an RSS or Atom feed")
        else:
            yield Skip(path, "feed has no entries")
        return
    feed_title = display_name(parsed.feed["title"]) if parsed.feed.get("title") else None
    for number, entry in enumerate(parsed.entries, start=1):
        source = f"{path}#{number}"
        content = _longest_content(entry)
        summary = entry.get("summary", "") or ""
        partial = len(content.strip()) == 0
        body = summary if partial else content
        if not body.strip():
            yield Skip(source, "feed entry has neither content nor summary")
            continue
        meta: dict[str, Any] = dict(sidecar)
        if feed_title and "outlet" not in meta:
            meta["outlet"] = feed_title
        for key, value in (("url", entry.get("link")), ("title", entry.get("title")), ("author", entry.get("author"))):
            if value:
                meta[key] = value
        published = _iso_date(entry.get("published_parsed") or entry.get("updated_parsed"))
        if published:
            meta["published"], meta["published_source"] = published, "feed"
        if partial:
            meta["partial"] = True
        yield RawDocument(source, body, "fragment", meta)
