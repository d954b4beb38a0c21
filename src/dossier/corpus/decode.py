"""Bytes → text: gzip, size limits, binary detection and encoding repair.

Input is hostile: files may be compressed, truncated, binary, or in an encoding other
than UTF-8. Each function here either returns usable data plus a note of what it
repaired, or raises `UnreadableInput` with a plain reason a user understands.
"""

from __future__ import annotations

import codecs
import io
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

from charset_normalizer import from_bytes

GZIP_MAGIC = b"\x1f\x8b"
MIN_BYTES_TO_DETECT = 20
CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32)])  # not tab, newlines, form feed

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


class GunzipStream(io.RawIOBase):
    """A gzip stream (one member or many, as in WARC.gz) that ends early instead of
    raising when the data is truncated or damaged, and says so in `damage`.

    We wrote this because gzip.GzipFile raises EOFError on a truncated file and loses
    the whole buffer it was decompressing, i.e. the records before the damage.
    """

    CHUNK = 1 << 16

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
        self.in_member = False
        self.buffer = b""
        self.finished = False
        self.damage: str | None = None

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        while not self.buffer and not self.finished:
            data = self.raw.read(self.CHUNK)
            if not data:
                if self.in_member:
                    self.damage = "truncated gzip: kept the part that could be decompressed"
                self.finished = True
                return
            try:
                out = []
                while data:
                    if self.decompressor.eof:  # the next member of a multi-member file
                        self.decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
                    self.in_member = True
                    out.append(self.decompressor.decompress(data))
                    data = self.decompressor.unused_data if self.decompressor.eof else b""
                    if self.decompressor.eof:
                        self.in_member = False
                self.buffer = b"".join(out)
            except zlib.error as exc:
                self.damage = f"corrupt gzip data: kept the part before the damage ({exc})"
                self.finished = True

    def readinto(self, target) -> int:  # type: ignore[override]
        self._fill()
        n = min(len(target), len(self.buffer))
        target[:n] = self.buffer[:n]
        self.buffer = self.buffer[n:]
        return n


def is_gzip(stream: BinaryIO) -> bool:
    """Peek at a buffered stream for the gzip magic number without consuming it."""
    return stream.peek(2)[:2] == GZIP_MAGIC  # type: ignore[attr-defined]


def gunzip(data: bytes, max_bytes: int) -> tuple[bytes, list[str]]:
    """Decompress gzip data, keeping what can be read of a truncated or corrupt stream."""
    stream = GunzipStream(io.BytesIO(data))
    out = io.BufferedReader(stream).read(max_bytes + 1)
    if len(out) > max_bytes:
        raise UnreadableInput(f"decompressed size is over the limit of {max_bytes:,} bytes")
    if stream.damage and not out:
        raise UnreadableInput(stream.damage.replace(": kept the part", ": nothing"))
    return out, [stream.damage] if stream.damage else []


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
    controls = len(head) - len(head.translate(None, CONTROL_BYTES))
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
    # charset-normalizer guesses wildly on a handful of high bytes; Windows-1252 is the
    # likeliest single-byte encoding of news text, so it decides the small cases.
    best = from_bytes(data[:200_000]).best() if non_ascii >= MIN_BYTES_TO_DETECT else None
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
