"""One record per statement: merge each quotation's occurrences across the corpus.

Occurrences join when their normalised wording is the same, when one is contained in
the other (a partial quote of a longer one), or when a reworded copy is still close
(rapidfuzz ratio; a looser bar when both name the same speaker). Each new wording is
compared only with the earlier ones it shares a rare word with (inverted indexes), so
the work grows with the corpus, not with its square, and a new article updates only
the statements it touches (`QuoteIndex`).
Each merged quote gets a canonical wording (the most common direct one), its speaker
(the most common resolved one), the earliest article it appears in, and for each
occurrence worded otherwise, the word-level difference.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
import hashlib
import json
import os
import re
import struct
import tempfile
from array import array
from bisect import bisect_left
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import lz4.block
from rapidfuzz import fuzz, process

from dossier.link import pickling

SAME_WORDING = 88  # ratio at or above which two wordings are one statement
SAME_SPEAKER_WORDING = 70  # looser bar when both occurrences name the same speaker
MIN_CONTAINED_WORDS = 4  # a contained wording shorter than this joins only with the same speaker
MAX_POSTINGS = 500  # words in more wordings than this are too common to pair on
RARE_WORDS = 3  # a wording is paired with those sharing one of its rarest words ...
RARE_DF = 25  # ... or any word held by at most this many wordings
FEW_CANDIDATES = 200  # a wording with fewer candidates (with repeats) reads them all: numpy's overhead costs more
FEW_WORDINGS = 32  # fewer wordings than this are read one by one (`_Wordings.many`), more at once
_PUNCT = re.compile(r"[^\w\s]")
_STOP = frozenset(
    "a an the and or but of to in on for with at by from as is are was were be been it its this that these those "
    "we our us i my you your he his she her they their them not no will would can could have has had do does "
    "el la los las un una y o de del en con por para que es son fue se no lo al su sus".split()
)


def normalize_quote(text: str) -> str:
    """Case, accents, quotation marks and punctuation do not make a different statement.

    NFKD, every combining mark dropped, casefold. ASCII text is its own NFKD and has no marks;
    the marks it has are found among its distinct characters and dropped by one pattern, not by
    testing each character in Python, which was most of the quotes check's CPU on whole articles."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        marks = frozenset(c for c in set(text) if unicodedata.combining(c))
        if marks:
            text = _marks_pattern(marks).sub("", text)
    return " ".join(_PUNCT.sub(" ", text.casefold()).split())


@lru_cache(maxsize=1024)
def _marks_pattern(marks: frozenset[str]) -> re.Pattern[str]:
    """One character class of the given combining marks (an article has a few kinds: acute,
    tilde, diaeresis...). A class of every mark Unicode has, or `str.translate`, was slower
    than testing each character."""
    return re.compile("[" + "".join(map(re.escape, sorted(marks))) + "]")


class Occurrence:
    """One place a statement occurs: an extractor's span plus what linking needs.

    What a caller hands to `QuoteIndex.add`. The index does not keep these objects: it keeps
    each occurrence as a row of its columns (see `QuoteIndex`), and hands back `_Stored` views
    of them when it merges a statement."""

    __slots__ = ("article", "published", "text", "norm", "speaker", "kind", "start", "end", "_record")

    def __init__(self, article: str, published: str | None, text: str, norm: str, record: dict[str, Any],
                 speaker: str | None = None) -> None:
        self.article, self.published, self.text, self.norm, self.speaker = article, published, text, norm, speaker
        self.kind, self.start, self.end = record["kind"], record["start"], record["end"]
        self._record = record

    @property
    def record(self) -> dict[str, Any]:
        """The extractor's record, a fresh copy as JSON gives it back (what the index stores)."""
        return json.loads(json.dumps(self._record, ensure_ascii=False))


_COLUMNS = ("kind", "start", "end", "speaker")  # record fields an occurrence's columns hold already
_NO = object()
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # json.dumps makes one per call
_NONE, _AT, _NAMED, _AS_IS = 0, 1, 2, 3  # how a row keeps a record's value: None, an int less the start,
# a string by its number (cues and names repeat), or as JSON has it
_IMPLIED = -1  # ... or not at all (an occurrence's column holds it)
_LONG = 255  # a row's first byte: its compressed text's length, or this and that length in 4 bytes
_LONG_TEXT = 0xFFFF  # then 2 bytes: the text's length in bytes, or these and that length in 4 bytes
_HEAD = struct.Struct("<BH").pack  # both lengths, as most rows have them
_OCCURRENCE_COLUMNS = ("_offsets", "_occ_article", "_occ_published", "_occ_speaker", "_occ_kind", "_occ_start", "_occ_length",
                       "_occ_next")
_WIDER = {"B": "H", "H": "I", "I": "Q", "i": "q"}
CHUNK_ITEMS = 10_000  # postings or members pickled at a time (`QuoteIndex.pickled_apart`)


@lru_cache(maxsize=None)
def _struct(layout: str) -> struct.Struct:
    """The packing of a row's values of this layout (one format letter a value; a few dozen layouts)."""
    return struct.Struct("<" + layout)


def _layout(values: list[Any], hows: list[int]) -> str | None:
    """The narrowest struct letters of a row's values (ints less the start: signed; string numbers:
    unsigned), or None when one is kept as JSON has it (`_AS_IS`) or is too large for 8 bytes."""
    if _AS_IS in hows:
        return None
    letters = []
    for v, how in zip(values, hows):
        if how == _AT:
            letters.append("b" if -128 <= v < 128 else "h" if -32768 <= v < 32768 else "i" if -2**31 <= v < 2**31
                           else "q" if -2**63 <= v < 2**63 else "")
        else:
            letters.append("B" if v < 256 else "H" if v < 65536 else "I" if v < 2**32 else "")
    return None if "" in letters else "".join(letters)


class _Stored(Occurrence):
    """An occurrence read back from a `QuoteIndex`'s columns; its text and record are decoded from
    its row of the index's blob when first asked (ordering statements needs neither)."""

    __slots__ = ("_index", "_n", "_values", "_text")

    def __init__(self, index: "QuoteIndex", n: int, norm: str) -> None:
        self._index, self._n, self._values, self._text, self.norm = index, n, None, None, norm
        self.article = index._articles.values[index._occ_article[n]]
        self.published = index._dates.values[index._occ_published[n]]
        self.speaker = index._speakers.values[index._occ_speaker[n]]
        self.kind = index._kinds.values[index._occ_kind[n]]
        self.start = index._occ_start[n]
        self.end = self.start + index._occ_length[n]

    def _row(self) -> tuple[bytes, int, int, int]:
        """The row's bytes, where its compressed text starts and ends, and the text's length in bytes."""
        offsets = self._index._offsets
        row = self._index._blob[offsets[self._n]:offsets[self._n + 1]]
        size, at = row[0], 1
        if size == _LONG:
            size, at = int.from_bytes(row[1:5], "little"), 5
        length = row[at] | row[at + 1] << 8
        at += 2
        if length == _LONG_TEXT:
            length, at = int.from_bytes(row[at:at + 4], "little"), at + 4
        return row, at, at + size, length

    def _decoded(self) -> list[Any]:
        """The row's shape and values (see `QuoteIndex._store`)."""
        if self._values is None:
            row, _, at, _ = self._row()
            pack, at = row[at], at + 1
            if pack == _LONG:
                pack, at = int.from_bytes(row[at:at + 4], "little"), at + 4
            shape, layout = self._index._packs.values[pack]
            values = json.loads(row[at:].decode("utf-8", "surrogatepass")) if layout is None else \
                _struct(layout).unpack_from(row, at)
            self._values = [shape, *values]
        return self._values

    @property  # type: ignore[override]
    def text(self) -> str:
        """Decoded alone: a statement's place (`QuoteIndex._place`) needs its canonical text only."""
        if self._text is None:
            row, start, end, length = self._row()
            self._text = lz4.block.decompress(row[start:end], uncompressed_size=length,
                                              dict=self.norm.encode("utf-8", "surrogatepass")).decode("utf-8", "surrogatepass")
        return self._text

    @property
    def record(self) -> dict[str, Any]:
        values = self._decoded()
        strings, start, kept = self._index._strings.values, self.start, iter(values[1:])
        return {key: getattr(self, key) if how == _IMPLIED else None if how == _NONE else next(kept) + start
                if how == _AT else strings[next(kept)] if how == _NAMED else next(kept)
                for key, how in self._index._plan(values[0])}


class _SpooledRows:
    """The occurrences' rows (`QuoteIndex._blob`) appended to an unnamed temporary file, not kept
    in memory: ~37 bytes an occurrence, ~250 MB at 1,000,000 articles that a full link's
    statements' child held until it pickled its index, though it never reads a row (it merges
    nothing: `QuoteIndex.add(merge=False)`); a row asked for is read back from the file (`_Stored._row`)."""

    BLOCK = 1 << 20

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(buffering=self.BLOCK)
        self._size = 0

    def __iadd__(self, data: bytes) -> "_SpooledRows":
        self._file.write(data)
        self._size += len(data)
        return self

    def __len__(self) -> int:
        return self._size

    def _read(self, start: int, size: int) -> bytes:
        """Bytes from `start`; the file is left at its end, where the next row is appended."""
        self._file.seek(start)
        data = self._file.read(size)
        self._file.seek(0, os.SEEK_END)
        return data

    def __getitem__(self, part: slice) -> bytes:
        start, stop, _ = part.indices(self._size)
        return self._read(start, max(0, stop - start))

    def blocks(self) -> Iterator[bytes]:
        """The rows, a block at a time."""
        for start in range(0, self._size, self.BLOCK):
            yield self._read(start, self.BLOCK)

    def __reduce__(self) -> tuple[Any, tuple[bytearray]]:
        # pickled whole by a plain pickle (`pickling.dump` writes them a block at a time instead)
        return bytearray, (bytearray(b"".join(self.blocks())),)


class _Table:
    """Distinct values numbered in order of arrival (article ids, dates, speakers, kinds, record
    shapes): an occurrence keeps their numbers in its columns. Pickled as the values alone."""

    __slots__ = ("values", "numbers")

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.numbers: dict[Any, int] = {}

    def number(self, value: Any) -> int:
        n = self.numbers.get(value)
        if n is None:
            n = self.numbers[value] = len(self.values)
            self.values.append(value)
        return n

    def __getstate__(self) -> tuple:
        return (self.values,)

    def __setstate__(self, state: tuple) -> None:
        self.values = state[0]
        self.numbers = {value: n for n, value in enumerate(self.values)}


_END = "\x00"  # what follows each wording in `_Wordings`' buffer: `normalize_quote` leaves none in a wording
_DTYPES = {"I": np.uintc, "Q": np.uint64}
_ANY_SPEAKER: Any = object()  # `QuoteIndex._matches` for any occurrence of the wording


class _Wordings:
    """The distinct wordings in order of arrival, as one UTF-8 buffer (each followed by a NUL) and
    where each starts: ~81 bytes a wording where a list of str took ~137 (a 49-byte str object and
    an 8-byte pointer each; 99 MB at 100,000 articles). A wording is made a str again when it is
    read; `many` reads a batch (a new wording's candidates) with one join, one decode and one split,
    all in C: ~60 ns a wording more than a list's items (measured at 100,000 articles, where most of
    either is the memory read, the candidates being scattered through the corpus). A list's
    interface, as far as `QuoteIndex` and its tests use it."""

    __slots__ = ("_text", "_starts", "_plain", "_wide", "_extra")

    def __init__(self, wordings: Iterable[str] = ()) -> None:
        self._text = bytearray()
        self._starts = array("I", (0,))  # wording i is _text[_starts[i]:_starts[i + 1] - 1]
        self._plain = True  # no wording holds the NUL (else `many` reads one at a time)
        self._wide, self._extra = array("I"), array("I")  # the wordings not ASCII, and their bytes less their characters
        for wording in wordings:
            self.append(wording)

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, i: int) -> str:
        if type(i) is int and i >= 0:  # as the index reads them: no more checks (past the end, starts[i + 1] raises)
            starts = self._starts
            return self._text[starts[i]:starts[i + 1] - 1].decode("utf-8", "surrogatepass")
        if isinstance(i, slice):  # a list of them, as a list's slice
            return self.many(range(len(self))[i])  # type: ignore[return-value]
        i = range(len(self))[i]  # a negative one, or an IndexError
        return self[i]

    def __iter__(self) -> Iterator[str]:
        step = 1 << 12  # ~0.5 MB of str objects at a time (what a load holds besides the index while it hashes them)
        starts, text = self._starts, self._text
        for first in range(0, len(self), step):
            last = min(first + step, len(self))
            if self._plain:  # a run of wordings is one stretch of the buffer: one decode and one split
                # (`many` of its numbers, a slice for each: 0.9 us a wording, 1.3 s for 200,000 articles')
                yield from text[starts[first]:starts[last] - 1].decode("utf-8", "surrogatepass").split(_END)
            else:
                yield from self.many(range(first, last))

    def append(self, wording: str) -> None:
        self._plain = self._plain and _END not in wording
        encoded = wording.encode("utf-8", "surrogatepass")
        if len(encoded) != len(wording):
            self._wide.append(len(self))
            self._extra.append(len(encoded) - len(wording))
        self._text += encoded
        self._text += _END.encode()
        try:
            self._starts.append(len(self._text))
        except OverflowError:  # past 4 GB of wordings
            self._starts = array("Q", self._starts)
            self._starts.append(len(self._text))

    def many(self, numbers: Any) -> list[str]:
        """The wordings of these numbers (a sequence of ints or an integer numpy array), in that order."""
        if len(numbers) < FEW_WORDINGS or not self._plain:  # numpy's calls cost more than reading each
            starts, text = self._starts, self._text
            return [text[starts[i]:starts[i + 1] - 1].decode("utf-8", "surrogatepass")
                    for i in (numbers.tolist() if isinstance(numbers, np.ndarray) else numbers)]
        numbers = np.asarray(numbers, dtype=np.int64)
        starts = np.frombuffer(self._starts, dtype=_DTYPES[self._starts.typecode])
        slices = map(slice, starts[numbers].tolist(), starts[numbers + 1].tolist())
        with memoryview(self._text) as text:  # let go before the buffer grows again
            joined = b"".join(itemgetter(*slices)(text))
        del starts
        return joined[:-1].decode("utf-8", "surrogatepass").split(_END)

    def index(self, wording: str) -> int:
        return list(self).index(wording)

    def sizes(self, numbers: np.ndarray) -> np.ndarray:
        """The lengths in characters of the wordings of these numbers (an integer numpy array), from
        where they start (bytes, less a byte for each non-ASCII wording's extra ones): what a kept array
        of lengths answered, without it (3 MB at 100,000 articles)."""
        starts = np.frombuffer(self._starts, dtype=_DTYPES[self._starts.typecode])
        sizes = starts[numbers + 1].astype(np.int64) - starts[numbers] - 1
        del starts
        if len(self._wide):
            wide = np.frombuffer(self._wide, dtype=np.uintc)
            at = np.minimum(np.searchsorted(wide, numbers), len(wide) - 1)
            sizes -= np.where(wide[at] == numbers, np.frombuffer(self._extra, dtype=np.uintc)[at], 0)
            del wide
        return sizes

    def __getstate__(self) -> tuple:
        return self._text, self._starts, self._plain, self._wide, self._extra

    def __setstate__(self, state: tuple) -> None:
        self._text, self._starts, self._plain, self._wide, self._extra = state


def _table_size(wordings: int) -> int:
    """Slots for this many wordings: a power of two, at least twice as many."""
    return max(1024, 1 << (2 * wordings).bit_length())


class _Runs(_Table):
    """A `_Table` of values that come in runs (an article's occurrences are added together): a value
    is numbered again unless it is the last one, so no dict of every value is kept (at 100,000
    articles that dict of article ids took ~7 MB). A value may have several numbers."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self.values = _Wordings()  # type: ignore[assignment]  # one buffer (7 MB of id strings at 100,000 articles)
        self.numbers = {}
        self._last: Any = None  # the last value (not read back from the buffer each time)

    def number(self, value: Any) -> int:
        values = self.values
        if not len(values) or self._last != value:
            values.append(value)
            self._last = value
        return len(values) - 1

    def __setstate__(self, state: tuple) -> None:
        self.values = state[0]
        self.numbers = {}
        self._last = self.values[len(self.values) - 1] if len(self.values) else None


_SLOTS_BATCH = 1 << 16  # wordings placed at a time by `_slots` (1 << 20 made a state's reading 72 MiB larger at 200,000 articles, no faster)


def _slots(wordings: Sequence[str], size: int) -> array:
    """An open-addressing table of `size` (a power of two) slots holding each wording's number at
    the first free slot from its hash (linear probing), -1 where free: what a dict of wording ->
    number did, in 4 bytes a slot instead of ~70 bytes a wording. Filled in rounds with numpy
    (every wording still unplaced tries its next slot; the lowest number takes a slot several
    want), which leaves every slot between a wording's first and its own taken, as probing needs.
    The wordings are placed _SLOTS_BATCH at a time, into the array itself: all at once, the
    rounds' arrays and a copy of the table took ~480 MB beside the statements of 1,000,000
    articles while a state loaded. (Which free slot a wording takes is not the same as placing
    them all at once, nor from one process to the next: str hashes differ. Only the numbers are read.)"""
    mask = size - 1
    out = array("i", [-1]) * size
    table = np.frombuffer(out, dtype=np.int32)  # a view: filled in place
    values = iter(wordings)
    try:
        for start in range(0, len(wordings), _SLOTS_BATCH):
            count = min(_SLOTS_BATCH, len(wordings) - start)
            pending = np.arange(start, start + count, dtype=np.int64)
            slots = np.fromiter(map(hash, islice(values, count)), dtype=np.int64, count=count) & mask
            while pending.size:
                free = np.flatnonzero(table[slots] < 0)
                taken, first = np.unique(slots[free], return_index=True)  # the first of those wanting a free slot
                table[taken] = pending[free[first]]
                placed = np.zeros(pending.size, dtype=bool)
                placed[free[first]] = True
                pending, slots = pending[~placed], (slots[~placed] + 1) & mask
    finally:
        del table  # the array may grow again only once no view of it is left
    return out


def _probe(table: array, values: Sequence[str], value: str) -> tuple[int, int]:
    """A value's number in a table of slots (`_slots`) of these values (-1 if it has none), and its
    slot (where a new one goes)."""
    mask = len(table) - 1
    slot = hash(value) & mask
    i = table[slot]
    while i >= 0 and values[i] != value:
        slot = (slot + 1) & mask
        i = table[slot]
    return i, slot


class _Strings:
    """Distinct strings numbered in order of arrival (a `_Table`'s `number`, and `get` for its
    `numbers.get`), kept in one buffer (`_Wordings`) with a table of slots for their numbers
    (`_slots`) instead of a list of str and a dict of them: the cues and speakers' names of records
    (75,773 strings, 10 MB at 100,000 articles, as a list and a dict)."""

    __slots__ = ("values", "_table", "_recent")
    RECENT = 4096  # strings looked up lately kept in a dict (the common cues: "said"), emptied when full

    def __init__(self) -> None:
        self.values = _Wordings()
        self._table = _slots([], 64)
        self._recent: dict[str, int] = {}

    def get(self, value: str, default: Any = None) -> Any:
        i = self._recent.get(value)
        if i is None:
            i = _probe(self._table, self.values, value)[0]
            if i < 0:
                return default
            self._remember(value, i)
        return i

    def number(self, value: str) -> int:
        i = self._recent.get(value)
        if i is not None:
            return i
        i, slot = _probe(self._table, self.values, value)
        if i < 0:
            i = len(self.values)
            self.values.append(value)
            self._table[slot] = i
            if 2 * len(self.values) > len(self._table):  # at most half full
                self._table = _slots(self.values, 2 * len(self._table))
        self._remember(value, i)
        return i

    def _remember(self, value: str, i: int) -> None:
        if len(self._recent) >= self.RECENT:
            self._recent.clear()
        self._recent[value] = i

    def __getstate__(self) -> tuple:
        return (self.values,)

    def __setstate__(self, state: tuple) -> None:
        self.values = state[0]
        self._table = _slots(self.values, _table_size(len(self.values)))
        self._recent = {}


@dataclass
class MergedQuote:
    id: str
    text: str
    kind: str
    speaker: str | None
    speaker_name: str | None
    first_seen: str | None
    first_seen_candidates: list[str]
    occurrences: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "kind": self.kind, "speaker": self.speaker,
                "speaker_name": self.speaker_name, "occurrences": self.occurrences,
                "first_seen": self.first_seen, "first_seen_candidates": self.first_seen_candidates}


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = array("I", range(n))  # 4 bytes a wording, where a list held an int object each

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _contained(short: str, long: str) -> bool:
    return f" {short} " in f" {long} "


def same_statement(a: Occurrence, b: Occurrence) -> bool:
    """Whether two differently worded occurrences report the same statement."""
    short, long = sorted((a.norm, b.norm), key=len)
    same_speaker = a.speaker is not None and a.speaker == b.speaker
    words = len(short.split())
    if _contained(short, long):
        return words >= MIN_CONTAINED_WORDS or (same_speaker and words >= 2)
    if a.kind == "fragment" or b.kind == "fragment":
        return False  # a short phrase is one statement only when it is contained as it is
    if 200 * len(short) / (len(short) + len(long)) < SAME_SPEAKER_WORDING:
        return False  # too different in length for the ratio to reach the bar
    ratio = fuzz.ratio(a.norm, b.norm)
    if ratio >= SAME_WORDING:
        return True
    return same_speaker and words >= 6 and ratio >= SAME_SPEAKER_WORDING


def _any_same_statement(a: Occurrence, mine: str, theirs: str, others: Any, contained: bool, ratio: float) -> bool:
    """`same_statement(a, b)` for any b of `others` (the (speaker, kind) of occurrences all worded
    `theirs`; a is worded `mine`), given whether one wording contains the other and their ratio (when at least
    SAME_SPEAKER_WORDING, else anything lower): the same decisions, with the wordings compared
    once for the pair, not per occurrence."""
    short = mine if len(mine) <= len(theirs) else theirs
    words = len(short.split())
    for speaker, kind in others:
        same_speaker = a.speaker is not None and a.speaker == speaker
        if contained:
            if words >= MIN_CONTAINED_WORDS or (same_speaker and words >= 2):
                return True
            continue
        if a.kind == "fragment" or kind == "fragment":
            continue
        if 200 * len(short) / (len(mine) + len(theirs)) < SAME_SPEAKER_WORDING:
            return False  # the same for every b: too different in length
        if ratio >= SAME_WORDING or (same_speaker and words >= 6 and ratio >= SAME_SPEAKER_WORDING):
            return True
    return False


def _union(heads: list[np.ndarray]) -> np.ndarray:
    """The wordings in any of these sorted arrays, sorted."""
    if len(heads) <= 1:
        return heads[0] if heads else np.zeros(0, dtype=np.uintc)
    out = np.concatenate(heads)  # np.unique's way, without the cost of its options on a few hundred
    out.sort()
    return out[np.concatenate(([True], out[1:] != out[:-1]))]


def _intersection(heads: list[np.ndarray]) -> np.ndarray:
    """The wordings in all of these sorted arrays (each holding a wording once), sorted."""
    out = heads[0]
    for head in heads[1:]:
        out = np.intersect1d(out, head, assume_unique=True)
    return out


def word_changes(original: str, copy: str) -> list[dict[str, str | None]]:
    """Word-level differences between two wordings, ignoring case and punctuation."""
    return [dict(change) for change in _word_changes(original, copy)]


@lru_cache(maxsize=65536)  # a statement's variants are diffed again each time it grows
def _word_changes(original: str, copy: str) -> list[dict[str, str | None]]:
    """Word-level differences between two wordings, ignoring case and punctuation."""
    a, b = original.split(), copy.split()
    na, nb = [normalize_quote(w) for w in a], [normalize_quote(w) for w in b]
    changes = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=na, b=nb, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        kind = {"replace": "reworded", "delete": "omitted", "insert": "added"}[op]
        changes.append({"kind": kind, "original": " ".join(a[i1:i2]) or None, "copy": " ".join(b[j1:j2]) or None})
    return changes


def _quote_id(text: str) -> str:
    return _norm_id(normalize_quote(text))


def _norm_id(norm: str) -> str:
    """`_quote_id` of a text whose normalised wording (`normalize_quote`) is `norm`: an occurrence's
    own (`Occurrence.norm`), so its text need not be decoded and normalised again."""
    return "q" + hashlib.sha256(norm.encode("utf-8")).hexdigest()[:12]


class QuoteIndex:
    """Statements kept up to date occurrence by occurrence, for incremental linking.

    Each distinct wording is compared, when it first arrives, with the earlier wordings it
    shares a rare word with (see `_join`); a match joins their statements. `add` returns the statements
    that changed, so a caller rewrites only those. `merge_quotes` adds in a fixed order,
    so a batch is deterministic.

    The index is most of the statements' part of the linking state (one occurrence per quotation
    of the corpus, ~8 per article), so it keeps them as columns, not objects: per occurrence the
    numbers of its article, date, speaker and kind (`_Table`s; article ids in runs, in a buffer), its
    span (start and length), the next occurrence of its wording (arrays as narrow as their numbers
    allow), and a row of a shared blob: its text compressed against its wording and the rest of its
    extractor record by shape, packed (`_store`, ~37 bytes; its strings numbered in `_Strings`). Per
    wording: its first and last occurrence, its statement (`groups`) and the id its statement was
    last returned under. The wordings are one UTF-8 buffer (`_Wordings`, ~81 bytes a wording where a
    list of str took ~137: each new one is compared with a few hundred of them, read back in
    batches); a wording's number is found by a table of 4-byte slots (`_find`), not a dict.
    Integers sit in arrays; a list holds a 28-byte object for each. A statement of one wording
    (most) keeps no `members` entry.

    With `spool_rows` the rows go to a temporary file as they are made (`_SpooledRows`): a full
    link's statements' child never reads them back. `pickling.dump` writes the rows, the postings
    and the members after the rest (`pickled_apart`), so its memo never holds them all.
    """

    def __init__(self, actor_names: dict[str, str] | None = None, spool_rows: bool = False) -> None:
        self.actor_names = actor_names if actor_names is not None else {}
        self.wordings = _Wordings()  # in one buffer
        self._table = _slots([], 1024)  # wording -> its number, by hash (`_find`; not pickled: made again on load)
        self.postings: dict[str, array] = {}  # word -> the wordings holding it, in order
        self.groups = _UnionFind(0)
        self.members: dict[int, array] = {}  # group root -> wordings, for statements of more than one
        self._first, self._last = array("I"), array("I")  # per wording: its first and last occurrence
        # per group root: 1 + the hex of the id it was last returned under, or 0; only as long as the
        # last root given one (a full link's statements' child never returns any: 8 bytes a wording saved)
        self._quote_ids = array("Q")
        self._more_reps: dict[int, list[int]] = {}  # wording -> occurrences of its second, third... speaker
        self._dates, self._speakers, self._kinds, self._shapes = (_Table() for _ in range(4))
        self._packs = _Table()  # (shape, struct layout of its values, or None: JSON) of rows, by the number a row starts with
        self._articles = _Runs()
        # the narrowest arrays their numbers fit in so far, made wider when one does not (`_widened`)
        self._occ_article, self._occ_published, self._occ_speaker, self._occ_kind = array("I"), array("H"), array("H"), array("B")
        self._occ_start, self._occ_length = array("H"), array("H")  # a span: its start, and its end less it
        self._occ_next = array("I")  # the next occurrence of the same wording, or 0
        self._offsets = array("I", [0])  # occurrence n's wording and record: _blob[_offsets[n]:_offsets[n + 1]]
        self._blob: bytearray | _SpooledRows = _SpooledRows() if spool_rows else bytearray()
        self._strings = _Strings()  # the short strings of records (cues, speakers' names), each kept once
        self._shape_of: dict[tuple, tuple] = {}  # (keys, implied) -> (keys a row keeps, {their types: (shape, hows)})
        self._plans: dict[int, list[tuple[str, int]]] = {}  # shape -> its keys and how a row keeps each (not pickled)
        self._retired: list[str] = []
        self._recent: dict[str, int] = {}  # the last `add`'s wordings (what `statement_of` is asked next)
        self._best: dict[int, tuple] = {}  # group root -> its canonical occurrence's key, once asked (`_canonical_of`)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["_table"], state["_shape_of"], state["_plans"], state["_recent"]
        state.pop("_best", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._table = _slots(self.wordings, _table_size(len(self.wordings)))
        self._shape_of, self._plans, self._recent, self._best = {}, {}, {}, {}

    def spool_rows(self) -> None:
        """Keep the rows in a file from now on (`_SpooledRows`), as a full link's statements' child
        does: an index unpickled (from a link's checkpoint) has them in memory."""
        if isinstance(self._blob, bytearray):
            rows = _SpooledRows()
            rows += self._blob
            self._blob = rows

    def pickled_apart(self) -> tuple[dict[str, Any], Callable[[Any], None]]:
        """For `pickling.dump`: the state less its rows, postings and members, and what writes
        those after it. The postings and members are dicts of arrays, hundreds of thousands at
        1,000,000 articles, each of which the pickler's memo kept until the dump ended (~100 MB
        at the moment the statements' child pickled its index): here they are pickled 10,000 at
        a time, each batch with a memo of its own. The rows are written as they are, from memory or
        from their file, a MiB at a time."""
        state = self.__getstate__()
        rows, postings, members = state.pop("_blob"), state.pop("postings"), state.pop("members")
        state["_rows_size"] = len(rows)

        def write_rest(file: Any) -> None:
            pickling.write_bytes(rows if isinstance(rows, bytearray) else rows.blocks(), file)
            for items in (postings, members):
                pickling.dump_dict_in_chunks(items, file, CHUNK_ITEMS)

        return state, write_rest

    @classmethod
    def unpickled_apart(cls, state: dict[str, Any], file: Any) -> "QuoteIndex":
        """The index `pickled_apart` wrote, its rest read from `file`."""
        state["_blob"] = pickling.read_bytes(file, state.pop("_rows_size"))
        for name in ("postings", "members"):
            state[name] = pickling.load_dict_in_chunks(file)
        index = cls.__new__(cls)
        index.__setstate__(state)
        return index

    # -- occurrences as columns ------------------------------------------------------------
    def _store(self, o: Occurrence) -> int:
        """Append an occurrence's row; return its number. The row is its text compressed with its
        wording as the dictionary (LZ4, in C: the wording is the text less case and punctuation),
        after a byte of that length and 2 of the text's, then the record: the number (a byte, or 255
        and 4 bytes) of its shape (its keys, those the columns hold, and how each other value is kept)
        with the layout of its values (ints less the occurrence's start, strings by number, None not at
        all), packed each in as few bytes as it fits (`_layout`: ~12 bytes where a JSON array of them
        took ~25), or as a JSON array when one is neither (a list, a float...): ~37 bytes where the
        text and record as JSON took ~155. The text and the record are read apart."""
        n = len(self._occ_article)
        record = o._record if not isinstance(o, _Stored) else o.record
        keys = tuple(record)
        get = record.get
        if get("kind", _NO) is o.kind and get("start", _NO) is o.start and get("end", _NO) is o.end \
                and get("speaker", _NO) is o.speaker:  # as Linker.add makes them: the record's own values
            implied = _COLUMNS
        else:
            implied = tuple(key for key in _COLUMNS if key in record and _same(record[key], getattr(o, key)))
        layout = self._shape_of.get((keys, implied))
        if layout is None:
            layout = self._shape_of[(keys, implied)] = (tuple(key for key in keys if key not in implied), {})
        kept, by_types = layout
        values = [record[key] for key in kept]
        types = tuple(map(type, values))
        shape = by_types.get(types)
        if shape is None:
            hows = tuple(_NONE if t is type(None) else _AT if t is int else _NAMED if t is str else _AS_IS for t in types)
            shape = by_types[types] = (self._shapes.number((keys, implied, hows)), hows)
        number, hows = shape
        start, get = o.start, self._strings.get
        text = o.text.encode("utf-8", "surrogatepass")
        row = [v - start if how == _AT else get(v, v) if how == _NAMED else v for v, how in zip(values, hows) if how]
        if str in map(type, row):  # a string not numbered yet
            row = [self._strings.number(v) if type(v) is str else v for v in row]
        layout = _layout(row, [how for how in hows if how])
        pack = self._packs.number((number, layout))
        packed = _struct(layout).pack(*row) if layout is not None else _ENCODE(row).encode("utf-8", "surrogatepass")
        compressed = lz4.block.compress(text, store_size=False, dict=o.norm.encode("utf-8", "surrogatepass"))
        size, length = len(compressed), len(text)
        if size < _LONG and length < _LONG_TEXT:
            head = _HEAD(size, length)
        else:
            head = (bytes((size,)) if size < _LONG else bytes((_LONG,)) + size.to_bytes(4, "little")) + \
                (length.to_bytes(2, "little") if length < _LONG_TEXT else _LONG_TEXT.to_bytes(2, "little") + length.to_bytes(4, "little"))
        self._blob += b"".join((head, compressed, bytes((pack,)) if pack < _LONG else bytes((_LONG,)) + pack.to_bytes(4, "little"),
                                packed))
        values = (len(self._blob), self._articles.number(o.article), self._dates.number(o.published),
                  self._speakers.number(o.speaker), self._kinds.number(o.kind), o.start, o.end - o.start, 0)
        try:
            self._offsets.append(values[0])
            self._occ_article.append(values[1])
            self._occ_published.append(values[2])
            self._occ_speaker.append(values[3])
            self._occ_kind.append(values[4])
            self._occ_start.append(values[5])
            self._occ_length.append(values[6])
            self._occ_next.append(0)
        except OverflowError:
            self._widened(n, values)
        return n

    def _widened(self, n: int, values: tuple[int, ...]) -> None:
        """Append occurrence n's values to the columns that lack them, each made wider if it must."""
        for name, value in zip(_OCCURRENCE_COLUMNS, values):
            column = getattr(self, name)
            if len(column) > n + (name == "_offsets"):
                continue
            while True:
                try:
                    column.append(value)
                    break
                except OverflowError:
                    column = array("q" if value < 0 else _WIDER[column.typecode], column)  # unsigned: a negative one signed
            setattr(self, name, column)

    def _plan(self, shape: int) -> list[tuple[str, int]]:
        """A shape's keys, each with how its rows keep it (`_IMPLIED` or one of `_store`'s ways)."""
        plan = self._plans.get(shape)
        if plan is None:
            keys, implied, hows = self._shapes.values[shape]
            kept = dict(zip([key for key in keys if key not in implied], hows))
            plan = self._plans[shape] = [(key, _IMPLIED if key in implied else kept[key]) for key in keys]
        return plan

    def _occurrences(self, i: int) -> list[_Stored]:
        """Wording i's occurrences, in the order they were added."""
        norm, out, n = self.wordings[i], [], self._first[i]
        while True:
            out.append(_Stored(self, n, norm))
            n = self._occ_next[n]
            if not n:
                return out

    def _reps(self, i: int) -> list[int]:
        """One occurrence of wording i per speaker (its first with that speaker)."""
        return [self._first[i], *self._more_reps.get(i, ())]

    def _quote_id_of(self, root: int) -> str | None:
        ids = self._quote_ids
        value = ids[root] if root < len(ids) else 0
        return None if not value else f"q{value - 1:012x}"

    def _set_quote_id(self, root: int, quote_id: str | None) -> None:
        ids = self._quote_ids
        if root >= len(ids):
            if quote_id is None:
                return
            ids.frombytes(bytes(ids.itemsize * (root + 1 - len(ids))))
        ids[root] = 0 if quote_id is None else int(quote_id[1:], 16) + 1

    @property
    def quote_ids(self) -> dict[int, str]:
        """Group root -> the id of its merged record as last returned (for tests and tools)."""
        return {root: q for root in range(len(self.wordings)) if (q := self._quote_id_of(root)) is not None}

    def _wordings_of(self, root: int) -> Sequence[int]:
        return self.members.get(root) or [root]

    def _roots(self) -> Iterator[int]:
        parent = self.groups.parent
        return (i for i in range(len(self.wordings)) if parent[i] == i)

    # -- adding ----------------------------------------------------------------------------
    def _find(self, norm: str) -> tuple[int, int]:
        """A wording's number (-1 if it is new), and its slot in the table (where a new one goes)."""
        return _probe(self._table, self.wordings, norm)

    def _new_wording(self, norm: str, slot: int) -> int:
        i = len(self.wordings)
        self.wordings.append(norm)
        self._table[slot] = i
        if 2 * len(self.wordings) > len(self._table):  # at most half full: probes stay short
            self._table = _slots(self.wordings, 2 * len(self._table))
        self._first.append(0)
        self._last.append(0)
        self.groups.parent.append(i)
        postings = self.postings
        for word in set(norm.split()) - _STOP:
            posting = postings.get(word)
            if posting is None:
                postings[word] = array("I", (i,))
            elif len(posting) <= MAX_POSTINGS:  # past that a word is never paired on (`paired_on`)
                posting.append(i)
        return i

    def paired_on(self, i: int, wording: str | None = None) -> list[tuple[str, int]]:
        """The words of wording i whose earlier wordings it is compared with, each with the number
        of those: its RARE_WORDS rarest words held by at most MAX_POSTINGS earlier wordings, and
        any word held by at most RARE_DF. Found from the postings as they were when it arrived
        (they grow in wording order, so those are the entries before i), not kept per wording.
        A word's postings stop at MAX_POSTINGS + 1 wordings (at 100,000 articles the common words'
        entries were about half of them): past that its count reads MAX_POSTINGS + 1, more than either
        bar, and words held by at most MAX_POSTINGS still sort first, so the same words pair."""
        postings = self.postings
        words = set((self.wordings[i] if wording is None else wording).split()) - _STOP
        if i == len(self.wordings) - 1:  # the newest wording (as when it arrives): the last entry, unless the word is full
            counts = [(len(postings[w]) - (postings[w][-1] == i), w) for w in words]
        else:
            counts = [(bisect_left(postings[w], i), w) for w in words]
        counts.sort()
        rare = {w for _, w in counts[:RARE_WORDS]}
        return sorted((w, n) for n, w in counts if n and ((w in rare and n <= MAX_POSTINGS) or n <= RARE_DF))

    def _candidates(self, i: int) -> list[int]:
        """The earlier wordings that wording i is compared with: those that held, when it
        arrived, one of the words it pairs on (`paired_on`)."""
        return _union(self._heads(i)).tolist()

    def _heads(self, i: int, pairs: list[tuple[str, int]] | None = None) -> list[np.ndarray]:
        """For each word wording i pairs on (`pairs`: `paired_on(i)`), the wordings that held it when
        i arrived (sorted)."""
        postings = self.postings
        return [np.frombuffer(postings[word][:n], dtype=np.uintc) for word, n in pairs or self.paired_on(i)]  # copies

    def _lengths_of(self, candidates: np.ndarray) -> np.ndarray:
        """The candidates' wordings' lengths, from where they start (not the strings: reading
        hundreds of wordings scattered in memory cost more than comparing them)."""
        return self.wordings.sizes(candidates)

    def _matches(self, i: int, mine: str | None = None, speaker: int | None | Any = _ANY_SPEAKER
                 ) -> tuple[set[int], dict[int, float]]:
        """Of wording i's candidates (`_candidates`), those containing it or contained in it
        (words bounded), and the ratio of those of ratio at least SAME_SPEAKER_WORDING (`mine`:
        wording i, when the caller has it). Given the `speaker` (its number; None: no speaker, or a
        fragment) of the occurrence that `_join` compares, the ratios are looked for only where they
        can decide (`_ratio_candidates`), not among all the candidates of a close length."""
        # Only two kinds of candidate can be the same statement: a wording containing the other,
        # and one of ratio at least SAME_SPEAKER_WORDING (which needs lengths close enough:
        # ratio <= 200 * short / (short + long)). Both are found over all candidates at once, the
        # ratios by rapidfuzz in C (its cutoff skips the far ones), not pair by pair in Python.
        #
        # At 100,000 articles a wording has hundreds of candidates, scattered through memory, and
        # reading them was most of the time: only those of a length that can reach the ratio, the
        # shorter ones (which it can contain) and the longer ones holding every word it pairs on
        # (which can contain it) are read (the lengths are kept in an array), each batch at once
        # (`_Wordings.many`): the same pairs.
        mine = self.wordings[i] if mine is None else mine
        pairs = self.paired_on(i, mine)
        if sum(n for _, n in pairs) < FEW_CANDIDATES:
            return self._read_all(i, pairs, mine)
        heads = self._heads(i, pairs)
        candidates = _union(heads)
        lengths = self._lengths_of(candidates)
        size = len(mine)
        # ratio <= 200 * short / (short + long): under the cutoff by more than any rounding, rapidfuzz's
        # cutoff leaves a candidate out (the bound in integers: 200 * short >= 69.99 * (short + long))
        close = 20000 * np.minimum(lengths, size) >= round(100 * (SAME_SPEAKER_WORDING - 0.01)) * (lengths + size)
        shorter = lengths < size
        if speaker is not _ANY_SPEAKER:
            close = self._ratio_candidates(candidates, lengths, close, size, mine, speaker)
        near, inside = candidates[close], candidates[shorter & ~close]  # what the ratio reads, and the other shorter ones
        texts = self.wordings.many(np.concatenate((near, inside)))  # the near ones first
        near_list, count = near.tolist(), near.size
        ratios = {near_list[k]: score for _, score, k in process.extract(
            mine, texts[:count], scorer=fuzz.ratio, processor=None, score_cutoff=SAME_SPEAKER_WORDING,
            limit=None)} if count else {}
        padded = f" {mine} "  # the shorter ones it holds, words bounded
        contained = {j for j, t, short in zip(near_list, texts, shorter[close].tolist())
                     if short and t in mine and f" {t} " in padded}
        contained.update(j for j, t in zip(inside.tolist(), texts[count:]) if t in mine and f" {t} " in padded)
        holding_all = _intersection(heads) if len(heads) > 1 else candidates
        longer = holding_all[self._lengths_of(holding_all) > size]  # the longer ones holding every word it pairs on
        contained.update(j for j, t in zip(longer.tolist(), self.wordings.many(longer)) if padded in f" {t} ")
        return contained, ratios

    def _ratio_candidates(self, candidates: np.ndarray, lengths: np.ndarray, close: np.ndarray, size: int, mine: str,
                          speaker: int | None) -> np.ndarray:
        """Of the candidates of a close length (`close`, a mask over `candidates`), those whose ratio
        with wording i (`mine`, `size` characters) can make them one statement for an occurrence of
        this `speaker` (`_any_same_statement`): a ratio of SAME_WORDING, which needs lengths closer
        still, or one of SAME_SPEAKER_WORDING when one of the candidate's speakers is this one (not
        None) and the shorter wording has 6 words or more. At 100,000 articles a wording's
        candidates of a close length were ~180 and 1 in 750 reached the ratio: reading them was
        most of the statements' time (a ratio decides nothing for a fragment: `speaker` None)."""
        # (within `close`: a length that allows a ratio of SAME_WORDING allows one of SAME_SPEAKER_WORDING)
        strict = 20000 * np.minimum(lengths, size) >= round(100 * (SAME_WORDING - 0.01)) * (lengths + size)
        if speaker is None:
            return strict
        loose = close & ~strict
        if len(mine.split()) < 6:  # the shorter is mine: these cannot reach the looser bar
            loose &= lengths < size
        if not loose.any():
            return strict
        ones = np.flatnonzero(loose)
        wordings = candidates[ones]
        firsts = np.frombuffer(self._first, dtype=self._first.typecode)  # numpy reads an array's typecode as its own
        said = np.frombuffer(self._occ_speaker, dtype=self._occ_speaker.typecode)
        same = said[firsts[wordings]] == speaker
        del firsts, said
        more, occ_speaker = self._more_reps, self._occ_speaker  # a wording's second, third... speaker
        if more:
            for k, j in enumerate(wordings.tolist()):
                if not same[k] and j in more and any(occ_speaker[n] == speaker for n in more[j]):
                    same[k] = True
        keep = strict.copy()
        keep[ones[same]] = True
        return keep

    def _read_all(self, i: int, pairs: list[tuple[str, int]], mine: str | None = None) -> tuple[set[int], dict[int, float]]:
        """`_matches` of a wording of few candidates (`mine`: wording i, when the caller has it): each
        of them read and compared."""
        found: set[int] = set()
        for word, n in pairs:
            found.update(self.postings[word][:n])
        candidates = sorted(found)
        mine = self.wordings[i] if mine is None else mine
        texts = self.wordings.many(candidates)
        padded = f" {mine} "
        contained = {candidates[k] for k, t in enumerate(texts)
                     if (t in mine and f" {t} " in padded) or (mine in t and padded in f" {t} ")}
        ratios = {candidates[k]: score for _, score, k in process.extract(
            mine, texts, scorer=fuzz.ratio, processor=None, score_cutoff=SAME_SPEAKER_WORDING, limit=None)} if texts else {}
        return contained, ratios

    def _join(self, i: int, occurrence: Occurrence) -> None:
        """Compare a new (wording, speaker) representative with the candidates of its wording:
        the earlier wordings holding one of its RARE_WORDS rarest words, or any of its words
        that few wordings hold (so an earlier wording is found by its own rare words too).
        The same statement, however reworded or shortened, keeps most of its rare words, so
        this finds it while the pairs compared stay near linear in the corpus."""
        mine = occurrence.norm  # wording i
        speaker = None if occurrence.speaker is None or occurrence.kind == "fragment" else \
            self._speakers.numbers[occurrence.speaker]  # stored: numbered
        contained, ratios = self._matches(i, mine, speaker)
        speakers, kinds = self._speakers.values, self._kinds.values
        for j in sorted(contained | ratios.keys()):  # the candidates' order (they are sorted)
            is_contained = j in contained
            if self.groups.find(i) == self.groups.find(j):
                continue
            reps = [(speakers[self._occ_speaker[n]], kinds[self._occ_kind[n]]) for n in self._reps(j)]
            if _any_same_statement(occurrence, mine, self.wordings[j], reps, is_contained, ratios.get(j, 0.0)):
                ri, rj = self.groups.find(i), self.groups.find(j)
                self.groups.union(ri, rj)
                root = self.groups.find(i)
                other = rj if root == ri else ri
                if self._best:
                    self._joined_best(root, other)
                members = self.members  # arrays: 4 bytes a wording, where a list held a 36-byte int object
                members[root] = members.pop(root, array("I", (root,))) + members.pop(other, array("I", (other,)))
                old = self._quote_id_of(other)
                if old is not None:
                    self._set_quote_id(other, None)
                    self._retired.append(old)

    def add(self, occurrences: list[Occurrence], merge: bool = True,
            records: bool = True) -> tuple[list[MergedQuote], list[str]]:
        """Add one article's (or several articles') occurrences; return the statements that
        changed, and the ids of statements that no longer exist (merged into another).
        With merge=False nothing is merged or returned yet (a full link calls `all` once at
        the end: re-merging a statement carried by thousands of articles at every article
        would be quadratic). With records=False the statements' ids are brought up to date as
        merging would, but no statement is merged or returned: a journal's replay (its rows are
        in the store already: merging them again was most of an add's time at 200,000), or an add
        of many articles, which merges what they touched once at its end (`merge_touched`)."""
        self._retired = []
        self._recent = {o.norm: self._add_occurrence(o) for o in sorted(occurrences, key=_position) if o.norm}
        touched = set(self._recent.values())
        if not merge:
            return [], []
        roots = sorted({self.groups.find(i) for i in touched})
        changed, ids = [], set()
        for root in roots:
            merged = self.merged(root) if records else None
            quote_id = merged.id if merged is not None else self._merged_id(root)
            old = self._quote_id_of(root)
            if old is not None and old != quote_id:
                self._retired.append(old)
            self._set_quote_id(root, quote_id)
            ids.add(quote_id)
            if merged is not None:
                changed.append(merged)
        retired = sorted(set(self._retired) - ids)
        return changed, retired

    def statement_of(self, norm: str) -> str | None:
        """A key of the statement a wording belongs to (its group's first wording), stable
        as articles arrive unless two older statements merge."""
        i = self._recent.get(norm)
        if i is None:
            i = self._find(norm)[0]
        return None if i < 0 else f"r{self.groups.find(i)}"

    def _add_occurrence(self, o: Occurrence) -> int:
        i, slot = self._find(o.norm)
        new = i < 0
        if new:
            i = self._new_wording(o.norm, slot)
        n = self._store(o)
        if new:
            self._first[i] = self._last[i] = n
            self._join(i, o)
        else:
            self._occ_next[self._last[i]] = n
            self._last[i] = n
            speaker = self._occ_speaker[n]
            if all(self._occ_speaker[r] != speaker for r in self._reps(i)):
                self._more_reps.setdefault(i, []).append(n)
                self._join(i, o)
        if self._best:
            root = self.groups.find(i)
            best = self._best.get(root)
            if best is not None:  # wording i's keys improved (one more occurrence), no other's changed
                self._best[root] = min(best, self._best_of((i,)))
        return i

    # -- merging ---------------------------------------------------------------------------
    def _group(self, root: int) -> list[_Stored]:
        return [o for i in self._wordings_of(root) for o in self._occurrences(i)]

    def merge_touched(self, wordings: Iterable[int],
                      stored: Callable[[str], set[tuple[str, int, int]] | None] | None = None) -> list[MergedQuote]:
        """The statements holding these wordings, each merged once as it is now (an add of many
        articles, `add(records=False)` for each, merges what they touched at its end: merged at
        every article, a statement carried by thousands of articles took ~80 ms an article at
        200,000); `stored` as `merged` takes it."""
        return [self.merged(root, stored) for root in sorted({self.groups.find(i) for i in wordings})]

    def touched(self) -> set[int]:
        """The wordings the last `add` put occurrences into."""
        return set(self._recent.values())

    def _merged_id(self, root: int) -> str:
        """The id `merged(root)` gives (of its canonical wording's text), without merging."""
        n, i = self._canonical_of(root)
        return _quote_id(_Stored(self, n, self.wordings[i]).text)

    def _canonical_of(self, root: int) -> tuple[int, int]:
        """The occurrence `_canonical` picks of the statement's (its number, and its wording's),
        from the columns: `_group`'s objects for every occurrence of a statement carried by
        thousands of articles were most of a journal's replay at 200,000 articles.

        Its key is kept (`_best`) and brought up to date as occurrences come and groups join
        (`_add_occurrence`, `_joined_best`), not found again from every occurrence at each add: adding
        2,000 articles to the 1,000,000 store, each of the many that quote its statement of 307,269
        occurrences scanned them all, 45 % of the batch's time (py-spy). A key only gets smaller
        as occurrences are added (its wording's count is in it), so the least of the kept key and
        the keys of the wording that grew is the least of all."""
        best = self._best.get(root)
        if best is None:
            best = self._best[root] = self._best_of(self._wordings_of(root))
        return best[-2], best[-1]

    def _joined_best(self, root: int, other: int) -> None:
        """The kept key of two groups joined under `root` (called before `members` joins them):
        the lesser of theirs, a group not kept found from its occurrences (nothing is kept when
        neither was: a full link asks for none)."""
        mine, theirs = self._best.pop(root, None), self._best.pop(other, None)
        if mine is None and theirs is None:
            return
        self._best[root] = min(mine or self._best_of(self._wordings_of(root)),
                               theirs or self._best_of(self._wordings_of(other)))

    def _best_of(self, wordings: Iterable[int]) -> tuple:
        """The least key `_canonical` would give these wordings' occurrences (the last two items:
        the occurrence's number and its wording's)."""
        kinds, dates, articles = self._kinds.values, self._dates.values, self._articles.values
        occ_kind, occ_published, occ_article, occ_start, following = \
            self._occ_kind, self._occ_published, self._occ_article, self._occ_start, self._occ_next
        best: tuple | None = None
        for i in wordings:
            numbers, n = [], self._first[i]  # its occurrences, as `_occurrences` walks them
            while True:
                numbers.append(n)
                n = following[n]
                if not n:
                    break
            size = len(self.wordings[i])
            for n in numbers:
                published = dates[occ_published[n]]
                key = (_KIND_RANK.get(kinds[occ_kind[n]], 3), -len(numbers), published is None, published or "", -size,
                       articles[occ_article[n]], occ_start[n], n, i)
                if best is None or key < best:
                    best = key
        assert best is not None
        return best

    def _place(self, root: int) -> tuple[bool, str, str]:
        """A statement's place in the export: whether it is undated, its first article, the id of
        its canonical wording."""
        n = self._first[root]
        if root not in self.members and not self._occ_next[n]:  # one occurrence, as most statements: its own
            published = self._dates.values[self._occ_published[n]]
            return not published, self._articles.values[self._occ_article[n]], _norm_id(self.wordings[root])
        group = self._group(root)
        return not any(o.published for o in group), min(o.article for o in group), _norm_id(_canonical(group).norm)

    def merged(self, root: int, stored: Callable[[str], set[tuple[str, int, int]] | None] | None = None) -> MergedQuote:
        """The statement `root` holds. `stored` gives the places (article, start, end) a statement
        id has stored, or None: a statement stored under its id is given with its other occurrences
        only (`_merge_group`'s `fresh`): a batch quoting one of 309,259 occurrences read and compared
        every one of them again (38-42 s at 1,000,000)."""
        group = self._group(root)
        places = stored(self._merged_id(root)) if stored is not None and len(group) > 1 else None
        if places is None:
            return _merge_group(group, self.actor_names)
        return _merge_group(group, self.actor_names, fresh=lambda o: (o.article, o.start, o.end) not in places)

    def all(self) -> list[MergedQuote]:
        """Every statement, in the export's order."""
        return list(self.each())

    def each(self) -> Iterator[MergedQuote]:
        """Every statement, in the export's order, merged one at a time: the order is found
        first from each statement's cheap parts (whether it is dated, its first article, the
        id of its canonical wording), so a full link writes them without holding them all
        (1.3 million occurrences as dicts at 100,000 articles took gigabytes)."""
        # The places as columns sorted by numpy, not a list of tuples (~220 bytes a statement: ~300 MB
        # at 200,000 articles): ids are 12 hex digits, so their numbers sort as they do; first articles
        # by their rank among the distinct ones; ties by root, as the tuples sorted (lexsort is stable).
        roots, undated, ids, firsts = array("q"), bytearray(), array("q"), array("q")
        seen: dict[str, int] = {}  # each first article once, numbered as it comes
        for root in self._roots():
            none_dated, first, quote_id = self._place(root)
            roots.append(root)
            undated.append(none_dated)
            firsts.append(seen.setdefault(first, len(seen)))
            ids.append(int(quote_id[1:], 16))
        articles = list(seen)  # by their numbers
        del seen
        rank = np.empty(len(articles), np.int64)  # an article's number -> its rank among them sorted
        rank[sorted(range(len(articles)), key=articles.__getitem__)] = np.arange(len(articles))
        ranks = rank[np.frombuffer(firsts, np.int64)]
        order = np.lexsort((np.frombuffer(ids, np.int64), ranks, np.frombuffer(undated, np.uint8)))
        for n in map(int, order):  # not order.tolist(): a list of every number at once
            root = roots[n]
            quote = _merge_group(self._group(root), self.actor_names, f"q{ids[n]:012x}")  # its id found above
            self._set_quote_id(root, quote.id)
            yield quote


def _merge_one(o: Occurrence, actor_names: dict[str, str], quote_id: str | None = None) -> MergedQuote:
    """`_merge_group` of a statement of one occurrence."""
    record = o.record
    speaker = o.speaker or None
    speaker_name = actor_names.get(speaker) if speaker else (record.get("speaker_name") or None)
    record["article"] = o.article
    record["text"] = text = o.text
    kind = o.kind if o.kind in ("direct", "indirect") else "fragment"
    first = [o.article] if o.published else []
    return MergedQuote(id=quote_id or _quote_id(text), text=text, kind=kind, speaker=speaker, speaker_name=speaker_name,
                       first_seen=first[0] if first else None, first_seen_candidates=first, occurrences=[record])


def _same(a: Any, b: Any) -> bool:
    """Equal and of one type (so a record's value is given back as it was: not 1 for True)."""
    return type(a) is type(b) and a == b


def merge_quotes(occurrences: list[Occurrence], actor_names: dict[str, str]) -> list[MergedQuote]:
    """Group occurrences into statements; deterministic for the same input (a QuoteIndex
    fed in a fixed order: by date, then article, then position)."""
    index = QuoteIndex(actor_names)
    by_article: dict[str, list[Occurrence]] = defaultdict(list)
    for o in occurrences:
        by_article[o.article].append(o)
    order = sorted(by_article, key=lambda a: (by_article[a][0].published is None, by_article[a][0].published or "", a))
    for article in order:
        for o in sorted(by_article[article], key=_position):
            if o.norm:
                index._add_occurrence(o)
    return index.all()


def _position(o: Occurrence) -> tuple:
    return o.article, o.start, o.end, o.norm, o.speaker or ""


_KIND_RANK = {"direct": 0, "indirect": 1, "fragment": 2}


def _canonical(group: list[Occurrence]) -> Occurrence:
    """The wording most occurrences use, full statements before fragments, earliest first
    (`QuoteIndex._canonical_of` picks the same from the index's columns)."""
    counts = Counter(o.norm for o in group)
    return min(group, key=lambda o: (_KIND_RANK.get(o.kind, 3), -counts[o.norm], o.published is None,
                                     o.published or "", -len(o.norm), o.article, o.start))


def _merge_group(group: list[Occurrence], actor_names: dict[str, str], quote_id: str | None = None,
                 fresh: Callable[[Occurrence], bool] | None = None) -> MergedQuote:
    """One statement from its occurrences; `quote_id`, when given, is `_quote_id` of its canonical
    wording's text (the caller found it already). With `fresh`, the statement's fields are found
    from every occurrence but only those `fresh` picks are given as its occurrences (their records
    read, their words compared with the canonical wording's): the others are stored already."""
    if len(group) == 1:  # most statements: the same fields, without the tallies
        return _merge_one(group[0], actor_names, quote_id)
    canonical = _canonical(group)
    speakers = Counter(o.speaker for o in group if o.speaker)
    speaker = None
    if speakers:
        # each speaker's earliest occurrence, in one pass (a pass per speaker was quadratic: a statement carried
        # by thousands of articles under hundreds of speakers took most of an add's time at 200,000 articles)
        earliest: dict[str, tuple[str, str]] = {}
        for o in group:
            if o.speaker:
                when = (o.published or "9999", o.article)
                if o.speaker not in earliest or when < earliest[o.speaker]:
                    earliest[o.speaker] = when
        speaker = min(speakers, key=lambda s: (-speakers[s], earliest[s], s))
    if speaker:
        speaker_name = actor_names.get(speaker)
    else:  # the name most occurrences give
        names = Counter(name for o in group if (name := o.record.get("speaker_name")))
        speaker_name = names.most_common(1)[0][0] if names else None
    dated = sorted({(o.published, o.article) for o in group if o.published})
    first_day = dated[0][0] if dated else None
    candidates = sorted({a for day, a in dated if day == first_day})
    kinds = {o.kind for o in group}
    kind = "direct" if "direct" in kinds else ("indirect" if "indirect" in kinds else "fragment")
    occurrences = []
    for o in group if fresh is None else filter(fresh, group):
        record = o.record
        record["article"] = o.article
        record["text"] = o.text
        if o.norm != canonical.norm:
            record["changes"] = word_changes(canonical.text, o.text)
        occurrences.append(record)
    occurrences.sort(key=lambda r: (r["article"], r["start"]))
    return MergedQuote(
        id=quote_id or _quote_id(canonical.text), text=canonical.text, kind=kind, speaker=speaker, speaker_name=speaker_name,
        first_seen=candidates[0] if candidates else None, first_seen_candidates=candidates, occurrences=occurrences,
    )
