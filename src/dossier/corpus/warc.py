"""WARC and WARC.gz archives (CC-NEWS is published this way).

Every HTML `response` record becomes a raw document named `file#n` (n counts those
records from 1) with its target URI and record date. warcio reads the container and
undoes chunked and compressed HTTP bodies; a truncated archive keeps the records before
the damage and reports the rest.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from dossier.corpus.decode import GunzipStream, UnreadableInput, bytes_to_text, is_gzip
from dossier.model import RawDocument, Skip

HTML_TYPES = ("text/html", "application/xhtml+xml")
CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.I)


def _decode_payload(payload: bytes, content_type: str, max_bytes: int) -> tuple[str, list[str]]:
    match = CHARSET.search(content_type)
    if match:
        try:
            return payload.decode(match.group(1)), []
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declared charset: let detection decide
    decoded = bytes_to_text(payload, max_bytes)
    return decoded.text, decoded.repairs


def read_warc(path: str, stream: BinaryIO, sidecar: dict[str, Any], max_bytes: int) -> Iterator[RawDocument | Skip]:
    number = 0
    # Undo gzip ourselves: our stream reads per-record gzip (the WARC.gz norm), a whole
    # archive gzipped in one piece (which warcio refuses) and truncated files alike.
    buffered = io.BufferedReader(stream) if not hasattr(stream, "peek") else stream
    gunzipped = GunzipStream(buffered) if is_gzip(buffered) else None
    try:
        for record in ArchiveIterator(io.BufferedReader(gunzipped) if gunzipped else buffered):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            content_type = record.http_headers.get_header("Content-Type") or ""
            if not content_type.lower().startswith(HTML_TYPES):
                continue
            status = record.http_headers.get_statuscode() or ""
            if not status.startswith("2"):
                continue
            number += 1
            source = f"{path}#{number}"
            length = int(record.rec_headers.get_header("Content-Length") or 0)
            if length > max_bytes:
                yield Skip(source, f"record of {length / 1e6:.1f} MB is over the size limit (raise it with --max-bytes)")
                continue
            try:
                html, repairs = _decode_payload(record.content_stream().read(), content_type, max_bytes)
            except UnreadableInput as exc:
                yield Skip(source, str(exc))
                continue
            meta = dict(sidecar)
            meta["url"] = record.rec_headers.get_header("WARC-Target-URI")
            date = record.rec_headers.get_header("WARC-Date")
            if date:
                meta["fetched"] = date
            if repairs:
                meta["repairs"] = repairs
            yield RawDocument(source, html, "html", meta)
    except (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error, AttributeError, TypeError) as exc:
        # warcio raises many kinds of error on a damaged archive; all mean "stop here".
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = f"after record {number}" if number else "before any HTML record"
        yield Skip(path, f"truncated or corrupt WARC: stopped {where} ({reason[:200]})")
        return
    if gunzipped is not None and gunzipped.damage:
        where = f"after record {number}" if number else "before any HTML record"
        yield Skip(path, f"truncated or corrupt WARC: stopped {where} ({gunzipped.damage})")
