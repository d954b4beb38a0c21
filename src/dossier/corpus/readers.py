"""Reading input files into raw documents, one reader per format.

Every reader yields `RawDocument`s for what it can read and `Skip`s, each with a plain
reason, for what it cannot; no reader raises on bad input, so one broken file never
stops a build.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO

from dossier.corpus import feeds, warc
from dossier.corpus.decode import GunzipStream, UnreadableInput, bytes_to_text, is_gzip, open_maybe_gzip
from dossier.corpus.inputs import InputFile, format_from_name
from dossier.model import RawDocument, Skip

DEFAULT_MAX_BYTES = 20_000_000
RECORD_FIELDS = ("url", "outlet", "title", "author", "published", "lang", "synthetic")

Item = RawDocument | Skip


def _size_reason(size: int, max_bytes: int) -> str:
    return f"{size / 1e6:.1f} MB is over the size limit of {max_bytes / 1e6:.1f} MB (raise it with --max-bytes)"


def sniff_format(head: bytes) -> str:
    """Guess the format of content whose name says nothing (stdin, odd endings)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:2048].lower()
    if text.startswith(b"warc/"):
        return "warc"
    if text.startswith(b"<?xml") or text.startswith(b"<rss") or text.startswith(b"<feed"):
        if b"<rss" in text or b"<feed" in text or b"<rdf:rdf" in text:
            return "feed"
        return "html" if b"<html" in text else "feed"
    if text.startswith(b"<"):
        return "html"
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        return "jsonl"
    return "text"


def _with_sidecar(sidecar: dict[str, Any], meta: dict[str, Any], source_tag: str) -> dict[str, Any]:
    merged = dict(sidecar)
    if "published" in sidecar:
        merged["published_source"] = "sidecar"
    for key, value in meta.items():
        if value not in (None, ""):
            merged[key] = value
    if meta.get("published"):
        merged["published_source"] = source_tag
    return merged


def _single_document(source: str, data: bytes, kind: str, sidecar: dict[str, Any], max_bytes: int) -> Iterator[Item]:
    try:
        decoded = bytes_to_text(data, max_bytes)
    except UnreadableInput as exc:
        yield Skip(source, str(exc))
        return
    meta = _with_sidecar(sidecar, {}, "sidecar")
    if decoded.repairs:
        meta["repairs"] = decoded.repairs
    yield RawDocument(source, decoded.text, kind, meta)


def _record_document(source: str, record: Any, sidecar: dict[str, Any]) -> Item:
    """One JSON record with `text` or `html` → a raw document."""
    if not isinstance(record, dict):
        return Skip(source, "record is not a JSON object")
    html, text = record.get("html"), record.get("text")
    if isinstance(html, str) and html.strip():
        content, kind = html, "html"
    elif isinstance(text, str) and text.strip():
        content, kind = text, "text"
    else:
        return Skip(source, 'record has no "text" or "html" with content')
    meta = {k: record[k] for k in RECORD_FIELDS if k in record and record[k] is not None}
    for key in ("title", "author", "url", "outlet", "published", "lang"):
        if key in meta and not isinstance(meta[key], str):
            meta[key] = str(meta[key])
    return RawDocument(source, content, kind, _with_sidecar(sidecar, meta, "record"))


def _json_lines(path: str, lines: Iterator[bytes], sidecar: dict[str, Any], max_bytes: int) -> Iterator[Item]:
    number = 0
    for raw_line in lines:
        if not raw_line.strip():
            continue
        number += 1
        source = f"{path}#{number}"
        if len(raw_line) > max_bytes:
            yield Skip(source, _size_reason(len(raw_line), max_bytes))
            continue
        try:
            record = json.loads(raw_line.decode("utf-8", errors="replace"))
        except json.JSONDecodeError as exc:
            yield Skip(source, f"line is not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        yield _record_document(source, record, sidecar)


def _json_file(path: str, data: bytes, sidecar: dict[str, Any], max_bytes: int) -> Iterator[Item]:
    """A JSON array of records, an object holding one, or (misnamed) JSON Lines."""
    try:
        decoded = bytes_to_text(data, max_bytes)
    except UnreadableInput as exc:
        yield Skip(path, str(exc))
        return
    try:
        parsed = json.loads(decoded.text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several objects, one per line: JSON Lines
            yield from _json_lines(path, iter(decoded.text.encode("utf-8").splitlines()), sidecar, max_bytes)
        else:
            yield Skip(path, f"not valid JSON ({exc.msg} at line {exc.lineno})")
        return
    if isinstance(parsed, dict):
        for key in ("articles", "records", "items", "data"):
            if isinstance(parsed.get(key), list):
                parsed = parsed[key]
                break
    if isinstance(parsed, dict):
        yield _record_document(path, parsed, sidecar)
    elif isinstance(parsed, list):
        for number, record in enumerate(parsed, start=1):
            yield _record_document(f"{path}#{number}", record, sidecar)
    else:
        yield Skip(path, "JSON holds neither a record nor a list of records")


def _read_bytes(input_file: InputFile, limit: int, stdin: BinaryIO | None) -> bytes:
    if input_file.is_stdin:
        return (stdin or sys.stdin.buffer).read(limit + 1)
    with open(input_file.path, "rb") as handle:
        return handle.read(limit + 1)


def read_input(input_file: InputFile, max_bytes: int = DEFAULT_MAX_BYTES, stdin: BinaryIO | None = None) -> Iterator[Item]:
    """Yield the raw documents of one input file and skips for what cannot be read."""
    path = input_file.path
    source_name = "<stdin>" if input_file.is_stdin else path
    sidecar = input_file.sidecar
    try:
        if not input_file.is_stdin and not os.path.isfile(path):
            yield Skip(path, "not a regular file")
            return
        fmt = None if input_file.is_stdin else format_from_name(path)
        if fmt in ("warc", "jsonl"):
            with open(path, "rb") as handle:
                if fmt == "warc":
                    yield from warc.read_warc(path, handle, sidecar, max_bytes)
                    return
                gunzipped = GunzipStream(handle) if is_gzip(handle) else None
                lines = io.BufferedReader(gunzipped) if gunzipped else handle
                yield from _json_lines(path, iter(lines), sidecar, max_bytes)
                if gunzipped is not None and gunzipped.damage:
                    yield Skip(path, gunzipped.damage)
                return
        # Containers (feeds, JSON arrays, and stdin, which may hold many records) may be
        # larger than one article; each of their records is held to max_bytes.
        container = input_file.is_stdin or fmt not in ("text", "html", None)
        size_limit = 10 * max_bytes if container else max_bytes
        data = _read_bytes(input_file, size_limit, stdin)
        if len(data) > size_limit:
            size = len(data) if input_file.is_stdin else os.path.getsize(path)
            yield Skip(source_name, _size_reason(size, size_limit))
            return
        if fmt in ("text", "html"):
            yield from _single_document(source_name, data, fmt, sidecar, max_bytes)
            return
        try:
            plain, gzip_repairs = open_maybe_gzip(data, size_limit)
        except UnreadableInput as exc:
            yield Skip(source_name, str(exc))
            return
        if fmt is None:
            fmt = sniff_format(plain[:4096])
        if fmt in ("text", "html"):  # found by sniffing
            yield from _single_document(source_name, plain, fmt, sidecar, max_bytes)
            return
        data = plain
        for item in _container_items(fmt, source_name, data, sidecar, max_bytes):
            if gzip_repairs and isinstance(item, RawDocument):
                item.meta["repairs"] = gzip_repairs + item.meta.get("repairs", [])
            yield item
    except PermissionError:
        yield Skip(source_name, "permission denied")
    except IsADirectoryError:
        yield Skip(source_name, "is a directory")
    except OSError as exc:
        yield Skip(source_name, f"cannot read: {exc.strerror or exc}")


def _container_items(fmt: str, source_name: str, data: bytes, sidecar: dict[str, Any], max_bytes: int) -> Iterator[Item]:
    """Formats that hold many records, read from bytes already decompressed."""
    if fmt == "warc":
        yield from warc.read_warc(source_name, io.BytesIO(data), sidecar, max_bytes)
    elif fmt == "jsonl":
        yield from _json_lines(source_name, iter(data.splitlines()), sidecar, max_bytes)
    elif fmt == "json":
        yield from _json_file(source_name, data, sidecar, max_bytes)
    else:
        yield from feeds.read_feed(source_name, data, sidecar, max_bytes)
