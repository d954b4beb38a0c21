"""Bytes → text: gzip, size limits, binary detection and encoding repair.

Input is hostile: files may be compressed, truncated, binary, or in an encoding other
than UTF-8. Each function here either returns usable data plus a note of what it
repaired, or raises `UnreadableInput` with a plain reason a user understands.
"""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from dataclasses import dataclass, field

from charset_normalizer import from_bytes

GZIP_MAGIC = b"\x1f\x8b"

# Magic numbers of formats that are surely not articles, to name them in the reason.
BINARY_SIGNATURES = [
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x7fELF", "an executable program"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ", "an xz archive"),
    (b"SQLite format 3", "an SQLite database"),
]

BOMS = [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


class UnreadableInput(Exception):
    """The input cannot be read as text; the message is the reason shown to the user."""


@dataclass
class Decoded:
    text: str
    repairs: list[str] = field(default_factory=list)


def gunzip(data: bytes, max_bytes: int) -> tuple[bytes, list[str]]:
    """Decompress gzip data, keeping what can be read of a truncated or corrupt stream."""
    repairs: list[str] = []
    out = io.BytesIO()
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        pos = 0
        chunk = 1 << 16
        while pos < len(data):
            out.write(decompressor.decompress(data[pos : pos + chunk]))
            if out.tell() > max_bytes:
                raise UnreadableInput(f"decompressed size is over the limit of {max_bytes:,} bytes")
            pos += chunk
            if decompressor.eof and decompressor.unused_data:
                # A multi-member gzip file: start the next member.
                rest = decompressor.unused_data
                decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
                data, pos = rest, 0
        out.write(decompressor.flush())
        if not decompressor.eof:
            repairs.append("truncated gzip: kept the part that could be decompressed")
    except zlib.error as exc:
        if out.tell() == 0:
            raise UnreadableInput(f"corrupt gzip data ({exc})") from exc
        repairs.append("corrupt gzip data: kept the part before the damage")
    return out.getvalue(), repairs


def open_maybe_gzip(data: bytes, max_bytes: int) -> tuple[bytes, list[str]]:
    """Return the data, decompressed if it is gzip (recognised by content, not by name)."""
    if data[:2] == GZIP_MAGIC:
        return gunzip(data, max_bytes)
    return data, []


def binary_reason(data: bytes) -> str | None:
    """Why these bytes are not text, or None when they may well be text."""
    head = data[:8192]
    for magic, name in BINARY_SIGNATURES:
        if head.startswith(magic):
            return f"binary file: looks like {name}, not text"
    if any(head.startswith(bom) for bom, _ in BOMS):
        return None
    if b"\x00" in head:
        return "binary file: contains NUL bytes, not text"
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if head and controls / len(head) > 0.05:
        return "binary file: too many control characters to be text"
    return None


def decode_text(data: bytes) -> Decoded:
    """Decode bytes to text: BOM, else strict UTF-8, else repair.

    Mostly-UTF-8 input with a few bad bytes keeps its UTF-8 and replaces the bad bytes;
    other input is decoded with the encoding charset-normalizer finds (Latin-1,
    Windows-1252 ...), falling back to Windows-1252, which maps every byte.
    """
    for bom, codec in BOMS:
        if data.startswith(bom):
            return Decoded(data.decode(codec, errors="replace").lstrip("\ufeff"))
    try:
        return Decoded(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    non_ascii = sum(1 for b in data if b >= 0x80)
    multibyte_chars = sum(1 for ch in lenient if ord(ch) >= 0x80 and ch != "\ufffd")
    if multibyte_chars and multibyte_chars >= bad:
        # Valid UTF-8 sequences dominate: the file is UTF-8 with some damage.
        return Decoded(lenient, [f"invalid UTF-8: replaced {bad} undecodable byte sequence(s)"])
    best = from_bytes(data[:200_000]).best()
    encoding = best.encoding if best is not None else "cp1252"
    if encoding in ("utf_8", "ascii"):  # cannot be: strict UTF-8 failed above
        encoding = "cp1252"
    text = data.decode(encoding, errors="replace")
    name = codecs.lookup(encoding).name
    return Decoded(text, [f"not UTF-8: decoded as {name} ({non_ascii} non-ASCII bytes)"])


def bytes_to_text(data: bytes, max_bytes: int) -> Decoded:
    """The whole path for one file or record: gzip, emptiness, binary, encoding."""
    data, repairs = open_maybe_gzip(data, max_bytes)
    if not data.strip():
        raise UnreadableInput("empty file" if not repairs else "empty after decompression")
    reason = binary_reason(data)
    if reason:
        raise UnreadableInput(reason)
    decoded = decode_text(data)
    decoded.repairs[:0] = repairs
    return decoded
