"""`POST /api/articles`: articles sent to the server go through `dossier build` itself.

The body (JSON records, JSON Lines, plain text or HTML) is checked, turned into JSON
Lines records and saved as one upload file beside the database, named by the hash of
its content; then `build()` reads that file like any other input: the same reading,
cleaning, analysis and linking, the same idempotence (posting the same body twice adds
nothing), and every article's source names the upload file it came from.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.build import BuildOptions, build
from dossier.corpus.decode import UnreadableInput, bytes_to_text
from dossier.store.db import connect

MAX_RECORDS = 1000
STRING_FIELDS = ("url", "outlet", "title", "author", "published", "lang")
JSON_TYPES = ("application/json",)
JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines")
TEXT_TYPES = ("text/plain",)
HTML_TYPES = ("text/html", "application/xhtml+xml")
ACCEPTED = JSON_TYPES + JSONL_TYPES + TEXT_TYPES + HTML_TYPES

_LOCK = threading.Lock()  # one ingest at a time: each links the whole store
BUSY_WAIT = 5.0  # seconds an ingest waits for another writer of the store (a build from the CLI) before a 503


class BadInput(Exception):
    """The request body cannot be taken as articles; `status` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 422, details: list[str] | None = None):
        super().__init__(message)
        self.message, self.status, self.details = message, status, details or []


@dataclass
class Upload:
    records: list[dict[str, Any]]

    def to_jsonl(self) -> bytes:
        return b"".join(json.dumps(r, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n" for r in self.records)


def _check_record(record: Any, where: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise BadInput(f"{where}: an article must be a JSON object with \"text\" or \"html\", not {type(record).__name__}")
    problems = []
    content = None
    for key in ("text", "html"):
        value = record.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append(f"{where}.{key}: must be a string, not {type(value).__name__}")
        elif value.strip() and content is None:
            content = key
    for key in STRING_FIELDS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(f"{where}.{key}: must be a string or null, not {type(value).__name__}")
    if any(isinstance(record.get(k), str) and "\x00" in record[k] for k in ("text", "html")):
        problems.append(f"{where}: the text contains NUL bytes (binary data is not an article)")
    for key in ("text", "html", *STRING_FIELDS):
        value = record.get(key)
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                problems.append(f"{where}.{key}: not valid Unicode (an unpaired surrogate {value[exc.start]!r} at {exc.start})")
    if problems:
        raise BadInput(problems[0], details=problems)
    if content is None:
        raise BadInput(f'{where}: an article needs a non-empty "text" or "html"')
    keep = {k: record[k] for k in ("text", "html", *STRING_FIELDS) if record.get(k) is not None}
    return keep


def _records_from_json(value: Any) -> list[Any]:
    if isinstance(value, dict) and isinstance(value.get("articles"), list):
        return value["articles"]
    if isinstance(value, list):
        return value
    return [value]


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"the body is not UTF-8 (byte {exc.start}); JSON must be sent as UTF-8", 400) from exc


def parse_body(body: bytes, content_type: str, meta: dict[str, str]) -> Upload:
    """Check a request body and turn it into article records, or raise BadInput."""
    media = content_type.split(";")[0].strip().lower()
    if not body.strip():
        raise BadInput("the body is empty: send JSON records, JSON Lines, plain text or HTML", 400)
    if media in JSON_TYPES:
        try:
            value = json.loads(_utf8(body))
        except json.JSONDecodeError as exc:
            raise BadInput(f"the body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", 400) from exc
        except RecursionError as exc:
            raise BadInput("the body is JSON nested too deeply to be articles", 400) from exc
        records = _records_from_json(value)
    elif media in JSONL_TYPES:
        records = []
        for number, line in enumerate(_utf8(body).splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise BadInput(f"line {number} is not valid JSON: {exc.msg} at column {exc.colno}", 400) from exc
            except RecursionError as exc:
                raise BadInput(f"line {number} is JSON nested too deeply to be an article", 400) from exc
    elif media in TEXT_TYPES + HTML_TYPES:
        try:
            decoded = bytes_to_text(body, len(body) + 1)
        except UnreadableInput as exc:
            raise BadInput(f"the body cannot be read as text: {exc}", 422) from exc
        records = [{("html" if media in HTML_TYPES else "text"): decoded.text, **meta}]
    else:
        raise BadInput(f"content type {media or '(none)'} is not accepted; send one of: {', '.join(ACCEPTED)}", 415)
    if not records:
        raise BadInput("no articles in the body", 422)
    if len(records) > MAX_RECORDS:
        raise BadInput(f"{len(records)} articles in one request; send at most {MAX_RECORDS} at a time", 413)
    checked = [_check_record(r, f"articles[{n}]") for n, r in enumerate(records)]
    if media in JSON_TYPES + JSONL_TYPES:
        for record in checked:  # query parameters fill in what records leave out
            for key, value in meta.items():
                record.setdefault(key, value)
    return Upload(checked)


def uploads_dir(db_path: str) -> Path:
    return Path(f"{db_path}.uploads")


# One connection per store, kept between posts (used under _LOCK only): closing the last
# connection to a store checkpoints its write-ahead log, ~20 ms of every one-article post at
# 100,000 articles. With it open, SQLite checkpoints as the log grows (every ~1,000 pages).
_CONNECTIONS: dict[str, tuple[tuple[int, int], sqlite3.Connection]] = {}


def _connection(db_path: str) -> sqlite3.Connection:
    """The store's kept connection, or a new one when there is none or the file was replaced."""
    kept = _CONNECTIONS.get(db_path)
    if kept is not None and kept[0] == _file_identity(db_path):
        return kept[1]
    _close(db_path)
    conn = connect(db_path, check_same_thread=False)  # creates the file when there is none
    _CONNECTIONS[db_path] = (_file_identity(db_path), conn)
    return conn


def _file_identity(path: str) -> tuple[int, int]:
    """(device, inode) of a file, (0, 0) when there is none: a store replaced under the same name differs."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return 0, 0
    return stat.st_dev, stat.st_ino


def _close(db_path: str) -> None:
    kept = _CONNECTIONS.pop(db_path, None)
    if kept is not None:
        kept[1].close()


def ingest(db_path: str, upload: Upload, kb_file: str | None = None) -> dict[str, Any]:
    """Save the upload and build it into the store; what was stored, what was skipped and why."""
    data = upload.to_jsonl()
    folder = uploads_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()[:20]}.jsonl"
    if not path.exists():
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(data)
        temporary.replace(path)
    with _LOCK:
        conn = _connection(db_path)
        try:
            # the linking state stays in memory between posts: each post links onto it, not onto a reload
            report = build([str(path)], conn, BuildOptions(workers=1, kb_file=kb_file, resident_state=True,
                                                           table_counts=False, writer="the dossier server's ingest",
                                                           lock_wait=BUSY_WAIT))
            rows = conn.execute("SELECT source, article_id, title, url FROM sources WHERE file = ? ORDER BY source",
                                (str(path),)).fetchall()
            new_ids = set()
            if report.new_articles:  # this file's articles that no other source has (by index, not a scan)
                new_ids = {r["article_id"] for r in rows if conn.execute(
                    "SELECT 1 FROM sources WHERE article_id = ? AND file != ? LIMIT 1",
                    (r["article_id"], str(path))).fetchone() is None}
        except BaseException:
            _close(db_path)  # a failed build may leave the connection mid-way: the next post opens another
            raise
    return {
        "upload": str(path),
        "articles": [{"source": r["source"], "id": r["article_id"], "title": r["title"], "url": r["url"],
                      "new": r["article_id"] in new_ids} for r in rows],
        "new_articles": report.new_articles,
        "skipped": [{"source": p["source"], "reason": p["reason"]} for p in report.skipped],
        "linked": report.linked,
        "seconds": {stage: round(seconds, 3) for stage, seconds in report.stage_seconds.items()},
    }
