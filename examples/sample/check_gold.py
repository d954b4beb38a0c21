"""Check examples/sample/gold.json against the sample files.

    python examples/sample/check_gold.py      # exit status 0 when every check passes

Verifies that every article file and record in the folder is listed exactly once in
`articles` or `skipped`; that no other file is in the folder unless `ignored` names it;
that titles, outlets, languages and dates agree with the files; and that every `text`,
`evidence`, quote occurrence and copy change is an exact substring of one block (line
or paragraph) of the article's visible text (HTML tags stripped, entities unescaped,
runs of whitespace collapsed). Needs only the standard library and warcio.
"""

from __future__ import annotations

import email.utils
import html
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
BLOCK_TAGS = r"p|div|h[1-6]|li|br|article|section|header|footer|nav|main|tr|td|blockquote|title|body|html"


def visible_text(markup: str) -> str:
    """Very small HTML-to-text: drop head/script/style/comments, tags become line breaks inside blocks."""
    s = re.sub(r"(?is)<!--.*?-->", "", markup)
    s = re.sub(r"(?is)<head\b.*?</head>", "", s)
    s = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", s)
    s = re.sub(rf"(?is)</?(?:{BLOCK_TAGS})\b[^>]*>", "\n", s)
    s = re.sub(r"(?s)<[^>]+>", "", s)
    return normalise(html.unescape(s))


def normalise(text: str) -> str:
    lines = (re.sub(r"\s+", " ", ln).strip() for ln in text.splitlines())
    return "\n".join(ln for ln in lines if ln)


def h1_of(markup: str) -> str | None:
    m = re.search(r"(?is)<h1\b[^>]*>(.*?)</h1>", markup)
    return normalise(html.unescape(re.sub(r"<[^>]+>", "", m.group(1)))) if m else None


def meta_of(markup: str, attr: str, name: str) -> str | None:
    m = re.search(rf'(?is)<meta\s+{attr}="{re.escape(name)}"\s+content="([^"]*)"', markup)
    return html.unescape(m.group(1)) if m else None


def lang_of(markup: str) -> str | None:
    m = re.search(r'(?is)<html[^>]*\blang="([^"]+)"', markup)
    return m.group(1) if m else None


class Unit:
    """One article unit: a file or a record inside a container."""

    def __init__(self, source, text=None, title=None, outlet=None, published=None, lang=None, raw=None):
        self.source, self.text, self.title, self.outlet = source, text, title, outlet
        self.published, self.lang, self.raw = published, lang, raw


def read_units() -> tuple[dict[str, Unit], set[str]]:
    units: dict[str, Unit] = {}
    seen_files: set[str] = set()

    def add(u: Unit):
        assert u.source not in units, f"duplicate unit {u.source}"
        units[u.source] = u

    # .txt with sidecar meta.jsonl, per directory
    for d in ("txt", "broken"):
        meta = {}
        mp = os.path.join(HERE, d, "meta.jsonl")
        if os.path.exists(mp):
            seen_files.add(f"{d}/meta.jsonl")
            with open(mp, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        rec = json.loads(line)
                        assert rec.get("synthetic") is True, f"meta.jsonl entry not marked synthetic: {rec}"
                        meta[rec["file"]] = rec
        for name in sorted(os.listdir(os.path.join(HERE, d))):
            if not name.endswith(".txt"):
                continue
            rel = f"{d}/{name}"
            seen_files.add(rel)
            raw = open(os.path.join(HERE, rel), "rb").read()
            try:
                text = raw.decode("utf-8") if raw and b"\x00" not in raw else None
            except UnicodeDecodeError:
                text = None
            m = meta.get(name, {})
            title = text.split("\n", 1)[0].strip() if text else None
            add(Unit(rel, normalise(text) if text else None, title, m.get("outlet"), m.get("published"),
                     m.get("lang"), raw))
        for name in meta:
            assert os.path.exists(os.path.join(HERE, d, name)), f"meta.jsonl names a missing file: {d}/{name}"

    # HTML pages
    for name in sorted(os.listdir(os.path.join(HERE, "html"))):
        rel = f"html/{name}"
        seen_files.add(rel)
        markup = open(os.path.join(HERE, rel), encoding="utf-8").read()
        assert meta_of(markup, "name", "dossier:synthetic") == "true", f"{rel}: not marked synthetic"
        pub = meta_of(markup, "property", "article:published_time")
        add(Unit(rel, visible_text(markup), h1_of(markup), meta_of(markup, "property", "og:site_name"),
                 pub[:10] if pub else None, lang_of(markup), markup))

    # JSON Lines
    rel = "feeds/aggregator.jsonl"
    seen_files.add(rel)
    with open(os.path.join(HERE, rel), encoding="utf-8") as fh:
        recs = [json.loads(line) for line in fh if line.strip()]
    for n, rec in enumerate(recs, 1):
        assert rec.get("synthetic") is True, f"{rel}#{n} not marked synthetic"
        text = normalise(rec["text"]) if "text" in rec else visible_text(rec["html"])
        add(Unit(f"{rel}#{n}", text, rec.get("title"), rec.get("outlet"), rec.get("published"), rec.get("lang")))

    # RSS
    rel = "feeds/outlet.rss"
    seen_files.add(rel)
    root = ET.parse(os.path.join(HERE, rel)).getroot()
    channel = root.find("channel")
    outlet = channel.findtext("title").split(" — ")[0]
    for n, item in enumerate(channel.findall("item"), 1):
        content = item.findtext(CONTENT_NS)
        text = visible_text(content) if content else normalise(item.findtext("description") or "")
        pub = email.utils.parsedate_to_datetime(item.findtext("pubDate")).date().isoformat()
        u = Unit(f"{rel}#{n}", text, item.findtext("title"), outlet, pub, channel.findtext("language"))
        u.partial = content is None
        add(u)

    # WARC
    from warcio.archiveiterator import ArchiveIterator

    rel = "archive/crawl.warc.gz"
    seen_files.add(rel)
    types = []
    n = 0
    with open(os.path.join(HERE, rel), "rb") as fh:
        for record in ArchiveIterator(fh):
            types.append(record.rec_type)
            if record.rec_type != "response":
                continue
            ctype = record.http_headers.get_header("Content-Type") or ""
            if "html" not in ctype:
                continue
            n += 1
            markup = record.content_stream().read().decode("utf-8")
            assert meta_of(markup, "name", "dossier:synthetic") == "true", f"{rel}#{n}: not marked synthetic"
            pub = meta_of(markup, "property", "article:published_time")
            add(Unit(f"{rel}#{n}", visible_text(markup), h1_of(markup), meta_of(markup, "property", "og:site_name"),
                     pub[:10] if pub else None, lang_of(markup), markup))
    assert "warcinfo" in types and "request" in types, f"WARC should hold warcinfo and request records: {types}"
    return units, seen_files


def main() -> int:
    gold = json.load(open(os.path.join(HERE, "gold.json"), encoding="utf-8"))
    units, seen_files = read_units()
    errors: list[str] = []

    def err(msg):
        errors.append(msg)

    # every file in the folder is a known unit file or ignored
    ignored = {i["path"] for i in gold["ignored"]}
    total = 0
    for dirpath, dirnames, filenames in os.walk(HERE):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for f in filenames:
            rel = os.path.relpath(os.path.join(dirpath, f), HERE).replace(os.sep, "/")
            total += os.path.getsize(os.path.join(dirpath, f))
            if rel not in seen_files and rel not in ignored:
                err(f"unexpected file in the sample folder: {rel}")
    if total >= 300_000:
        err(f"sample folder is {total} bytes (limit 300 KB)")

    # articles + skipped cover every unit exactly once
    listed = [a["source"] for a in gold["articles"]] + [s["source"] for s in gold["skipped"]]
    for src in listed:
        if listed.count(src) > 1:
            err(f"listed more than once: {src}")
        if src not in units:
            err(f"listed but not found in the files: {src}")
    for src in units:
        if src not in listed:
            err(f"unit not listed in articles or skipped: {src}")

    for s in gold["skipped"]:
        u = units.get(s["source"])
        if u and u.text:
            err(f"skipped source has readable text: {s['source']}")

    events = {e["key"]: e for e in gold["events"]}
    stories = {s["key"]: s for s in gold["stories"]}
    art_by_src = {a["source"]: a for a in gold["articles"]}
    for a in gold["articles"]:
        u = units.get(a["source"])
        if not u:
            continue
        if not a.get("synthetic"):
            err(f"{a['source']}: synthetic must be true")
        if not u.text:
            err(f"{a['source']}: no text")
            continue
        for field in ("title", "outlet", "published", "lang"):
            if getattr(u, field) != a[field]:
                err(f"{a['source']}: {field} is {getattr(u, field)!r} in the file, {a[field]!r} in gold")
        if a.get("partial", False) != getattr(u, "partial", False):
            err(f"{a['source']}: partial mismatch")
        if a["event"] not in events or a["source"] not in events[a["event"]]["sources"]:
            err(f"{a['source']}: not in the sources of its event {a['event']}")
        if a["story"] != events.get(a["event"], {}).get("story"):
            err(f"{a['source']}: story {a['story']} differs from its event's story")
        words = len(u.text.split())
        if not a.get("partial") and not (100 <= words <= 400):
            err(f"{a['source']}: {words} words")
    for e in gold["events"]:
        for src in e["sources"]:
            if art_by_src.get(src, {}).get("event") != e["key"]:
                err(f"event {e['key']}: {src} is not an article of this event")
        if e["key"] not in stories.get(e["story"], {}).get("events", []):
            err(f"event {e['key']} missing from story {e['story']}")

    def has(src, text, what):
        if text is None:
            return
        u = units.get(src)
        if u is None or not u.text:
            err(f"{what}: unknown or unreadable source {src}")
            return
        if "\n" in text or not any(text in block for block in u.text.split("\n")):
            err(f"{what}: not found in {src}: {text!r}")

    for x in gold["noise"]:
        has(x["source"], x["text"], "noise")
    for x in gold["body_must_survive"]:
        has(x["source"], x["text"], "body_must_survive")
        if any(x["text"] in n["text"] for n in gold["noise"] if n["source"] == x["source"]):
            err(f"body_must_survive text is also noise: {x}")
    for q in gold["quotes"]:
        srcs = [o["source"] for o in q["occurrences"]]
        if sorted(set(srcs)) != sorted(q["sources"]):
            err(f"quote {q['key']}: sources differ from occurrences")
        for o in q["occurrences"]:
            has(o["source"], o["text"], f"quote {q['key']}")
            if o["form"] == "exact" and o["text"].lower() != q["text"].lower():
                err(f"quote {q['key']}: exact occurrence differs in {o['source']}")
        for m in q["misattributed_in"]:
            if m["source"] not in q["sources"]:
                err(f"quote {q['key']}: misattributed_in source not in sources")
    for c in gold["copies"]:
        if c["kind"] not in {"duplicate", "syndicated", "rewrite", "shared-source"}:
            err(f"copy kind {c['kind']}")
        for ch in c["changes"]:
            has(c["of"], ch["original"], f"copy change (original) {c['source']}")
            has(c["source"], ch["copy"], f"copy change (copy) {c['source']}")
        if c["kind"] == "duplicate":
            orig_blocks = set(units[c["of"]].text.split("\n"))
            if not all(b in orig_blocks for b in units[c["source"]].text.split("\n")):
                err(f"duplicate {c['source']} has text that {c['of']} lacks")
    kinds = {"role-date conflict", "speaker conflict", "altered quote", "number mismatch", "date conflict",
             "uncredited copy"}
    for f in gold["flags"]:
        if f["kind"] not in kinds:
            err(f"flag kind {f['kind']}")
        has(f["source"], f["evidence"], f"flag {f['kind']}")
        for r in f.get("related", []):
            if r not in art_by_src:
                err(f"flag related source unknown: {r}")
    for f in gold["flags"]:
        if f["kind"] == "uncredited copy":
            if not any(c["source"] == f["source"] and not c["credited"] for c in gold["copies"]):
                err(f"uncredited-copy flag without an uncredited copy: {f['source']}")
    for c in gold["copies"]:
        if not c["credited"] and not any(f["kind"] == "uncredited copy" and f["source"] == c["source"]
                                         for f in gold["flags"]):
            err(f"uncredited copy without a flag: {c['source']}")

    counts = gold.get("counts", {})
    actual = dict(articles=len(gold["articles"]), skipped=len(gold["skipped"]),
                  outlets=len({a["outlet"] for a in gold["articles"]}), events=len(gold["events"]),
                  stories=len(gold["stories"]), quotes=len(gold["quotes"]), copies=len(gold["copies"]),
                  flags=len(gold["flags"]))
    if counts != actual:
        err(f"counts {counts} != {actual}")

    for e in errors:
        print("FAIL", e)
    if errors:
        print(f"{len(errors)} problem(s)")
        return 1
    print(f"ok: {actual}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
