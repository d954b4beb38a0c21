"""Who copied whom: duplicates, syndicated copies, rewrites and shared sources.

Candidates come from sentences, not whole articles: every sentence of enough content
words gets a small MinHash of its word set (rensa, a Rust MinHash), cut into LSH bands;
each band is one candidate key (`candidate_keys`, stable 64-bit ints, so a store can keep
them). Articles sharing keys share near-identical sentences. Whole-article shingles miss
heavy rewrites (30 % of words changed leaves few 3-word shingles intact) while most
rewritten sentences keep most of their words. `CopyIndex` adds articles one at a time
against a key -> articles map; `find_copies` is the same index fed in date order.

Each candidate pair of articles is then aligned sentence by sentence; how much of each
text is matched, and how much of the matched text is identical, decide the kind:

* duplicate: the same clean text (one article with several sources in the store);
* syndicated: the same body (matched sentences identical), with different boilerplate,
  headline or dropped paragraphs;
* rewrite: one paraphrases or reuses the other (matched sentences reworded);
* shared-source: both carry passages of the same outside material (a wire story), each
  with prose of its own.

Sharing only quotations is not copying: independent reports of one statement quote the
same words (that is what `quotes[]` records), so a relation needs matched prose.

The original is the earlier published; on the same day or undated, the one the other
credits by outlet name, else the longer. Changes in matched sentences are classified
(quote reworded, number changed, name swapped, title changed) with the words on each side.
"""

from __future__ import annotations

import difflib
import heapq
from bisect import bisect_left
import hashlib
import re
import struct
import unicodedata
import zlib
from array import array
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import chain
from collections.abc import Iterable, Iterator
from typing import Any, Callable

import numpy as np
from rensa import RMinHash

from dossier import fastjson
from dossier.link.events import period_of

MINHASH_SEED = 7
KEY_BANDS = 3  # candidate keys per sentence
KEY_ROWS = 3  # MinHash rows per key: sentences at Jaccard s share a key with probability s**3
MIN_SENTENCE_WORDS = 6  # content words; shorter sentences ("He said no.") pair with everything
MATCH_JACCARD = 0.45  # two sentences match at this word-set overlap (or containment below)
MATCH_CONTAINMENT = 0.8
MIN_COVERAGE = 0.25  # share of the copy's words in matched sentences to call it a copy at all
SYNDICATED_IDENTICAL = 0.9  # share of matched words in identical sentences for "syndicated"
MAX_PASSAGES = 30
MIN_PROSE_SENTENCES = 2  # matched sentences outside quotation marks needed for any copy relation
MIN_OTHER_PASSAGES = 3  # sentences a second source must explain that the first does not
TOP_CANDIDATES = 5  # earlier articles each article is verified against
MAX_HOLDERS = 25  # articles remembered per candidate key
MIN_SHARED_KEYS = 2  # an earlier article sharing fewer keys is not verified, unless one of the two is short:
SHORT_KEYS = 45  # an article with at most this many keys (about 15 sentences); see CopyIndex.candidates
WEAK_MATCH_DAYS = 7  # an earlier article sharing fewer than MIN_SHARED_KEYS keys is verified only this close in date
PREPARED_CACHE = 2048  # earlier articles kept split into sentences (~20 KB each; 256 re-split 3 in 5 candidates at 10,000)

_STOP = frozenset(
    "a an the and or but of to in on for with at by from as is are was were be been being it its this that these "
    "those he she they we i you his her their our my your him them us not no will would can could has have had do "
    "does did said says el la los las un una y o de del en con por para que es son fue se lo al su sus".split())
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"”’»)]*|\n|$)")
_WORD = re.compile(r"\w+")
# Double quotes, guillemets, and single quotes as British-style outlets use them ('...'): an
# opening ' after a non-word and a closing ' before one, so "didn't" and "Trump's" are not quotes.
# A quotation still open at the end of a paragraph runs to its end (a quote continued in the next
# paragraph is not closed, by convention, and a text cut short leaves its last quote open). Both
# single-quote forms stop at 400 characters: past that, an opening mark is more likely a stray one.
# The leading lookahead names every alternative's first character, so the scan skips other positions
# without trying each alternative's lookbehind there: the same matches (the copy stage's child 43.9 -> 40.0 s
# CPU at 20,000 articles, bench/link_stage.py).
_QUOTED = re.compile(r"(?=[\"“«„'‘])(?:[\"“«„]([^\"”»“]{3,})[\"”»“]|(?<!\w)['‘](?=\w)([^\n]{3,400}?)(?<=[\w.,!?])['’](?!\w)"
                     r"|(?<!\w)[\"“«„'‘](?=\w)[^\n\"”»“]{3,400}$)", re.M)
_NUMBER = re.compile(r"\d")
# A wire dateline and credit ("MEXICO CITY (CP) —"): reprints change it without changing the story.
_DATELINE = re.compile(r"^[A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑ .,'’-]{2,40}(?:\([^)]{1,40}\))?\s*[—–-]{1,2}\s*")


def _norm(word: str) -> str:
    if word.isascii():
        return word.lower()
    word = unicodedata.normalize("NFKD", word)
    return "".join(c for c in word if not unicodedata.combining(c)).casefold()


@dataclass
class Sentence:
    start: int
    end: int
    words: list[str]  # normalised, all words (a leading wire dateline left out)
    content: frozenset[str]  # normalised content words
    quoted: bool  # mostly inside quotation marks


@dataclass
class ArticleText:
    id: str
    text: str
    published: str | None
    outlets: list[str]
    sentences: list[Sentence] = field(default_factory=list)
    word_index: dict[str, list[int]] | None = field(default=None, repr=False, compare=False)  # see _word_index

    @property
    def words(self) -> int:
        return sum(len(s.words) for s in self.sentences) or 1


_BREAK = re.compile(r"[.!?]+[\"”’»)]*\s+|\n+")
_ABBREVIATED = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|Gen|Sen|Rep|Gov|Lt|Col|St|Jr|Sr|No|Sra|vs|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Inc|Corp|Co|Ltd|a\.m|p\.m))\.$")


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans, not broken after "U.S." or "Mr."."""
    spans, start = [], 0
    for m in _BREAK.finditer(text):
        head = text[max(start, m.start() - 4):m.start() + 1]
        if "\n" not in m.group() and _ABBREVIATED.search(head):
            continue
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with their normalised words; quoted ones marked (shared quotations are
    what independent reports of the same event have in common)."""
    quoted_spans = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]  # in order, not overlapping
    quote_ends = [e for _, e in quoted_spans]
    out = []
    for start, end in _sentence_spans(text):
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end <= start:
            continue
        dateline = _DATELINE.match(text[start:end])
        body = text[start + (dateline.end() if dateline else 0):end]
        # lower-casing the whole ASCII sentence at once gives the same words as _norm on each, faster
        words = (_WORD.findall(body.lower()) if body.isascii()
                 else [w.lower() if w.isascii() else _norm(w) for w in _WORD.findall(body)])  # _norm inlined for ASCII
        if not words:
            continue
        inside = 0
        for k in range(bisect_left(quote_ends, start + 1), len(quoted_spans)):  # the quotations ending after start
            s, e = quoted_spans[k]
            if s >= end:
                break
            inside += min(e, end) - max(s, start)
        out.append(Sentence(start, end, words, frozenset(w for w in set(words).difference(_STOP) if not w.isdigit()),
                            inside > 0.5 * (end - start)))
    return out


def _sentence_keys(contents: list[frozenset[str]]) -> list[int]:
    """LSH band keys of each sentence's MinHash (fixed seed), as signed 64-bit ints.

    Two sentences share a band key when their MinHash values agree on all KEY_ROWS rows of
    that band, which happens with probability Jaccard**KEY_ROWS; the key is a blake2b hash
    of (band, values), so it is the same in every process and fits an SQLite INTEGER."""
    if not contents:
        return []
    keys = []
    for content in contents:
        # one RMinHash per sentence: rensa's batch call starts threads, slower for ~30 small sets
        minhash = RMinHash(num_perm=KEY_BANDS * KEY_ROWS, seed=MINHASH_SEED)
        minhash.update(sorted(content))
        digest = minhash.digest()
        for band in range(KEY_BANDS):
            values = digest[band * KEY_ROWS:(band + 1) * KEY_ROWS]
            raw = hashlib.blake2b(struct.pack(f"<B{KEY_ROWS}I", band, *values), digest_size=8).digest()
            keys.append(int.from_bytes(raw, "little", signed=True))
    return keys


def candidate_keys(article: ArticleText) -> list[int]:
    """The article's candidate keys: band keys of every sentence with enough content words,
    sorted and unique. Deterministic across processes and runs, so they can be stored."""
    if not article.sentences:
        article.sentences = split_sentences(article.text)
    contents = [s.content for s in article.sentences if len(s.content) >= MIN_SENTENCE_WORDS]
    return sorted(set(_sentence_keys(contents)))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> tuple[float, float]:
    if not a or not b:
        return 0.0, 0.0
    shared = len(a & b)
    return shared / len(a | b), shared / min(len(a), len(b))


def _word_index(article: ArticleText) -> dict[str, list[int]]:
    """Content word -> the sentences holding it; kept on the article, which is aligned with
    each article it is a candidate for."""
    if article.word_index is None:
        # (a dict's get and the list's append: a fifth faster than a defaultdict's, ~47 against ~60 us an article)
        index: dict[str, list[int]] = {}
        get = index.get
        for i, sentence in enumerate(article.sentences):
            for word in sentence.content:
                sentences = get(word)
                if sentences is None:
                    index[word] = [i]
                else:
                    sentences.append(i)
        article.word_index = index
    return article.word_index


def align(a: ArticleText, b: ArticleText) -> list[tuple[Sentence, Sentence]]:
    """Each sentence of b with its best match in a, where they match."""
    index = _word_index(a)
    get = index.get
    pairs = []
    used: set[int] = set()
    for sentence in b.sentences:
        if len(sentence.content) < 3:
            continue
        counts = Counter(chain.from_iterable(get(word, ()) for word in sentence.content))
        best, best_score = None, 0.0
        # the 5 sharing most words, ties by position (hash order varies): a partial sort of (-count, position)
        words = len(sentence.content)
        for negative, i in heapq.nsmallest(5, [(-n, i) for i, n in counts.items()]):
            # the count is |a_i & b| (each word indexes a sentence once): _jaccard's ratios without the set operations
            shared, theirs = -negative, len(a.sentences[i].content)
            jaccard, containment = shared / (theirs + words - shared), shared / min(theirs, words)
            if (jaccard >= MATCH_JACCARD or containment >= MATCH_CONTAINMENT) and jaccard > best_score and i not in used:
                best, best_score = i, jaccard
        if best is not None:
            used.add(best)
            pairs.append((a.sentences[best], sentence))
    return pairs


def _dateline(article: ArticleText, sentence: Sentence) -> str | None:
    m = _DATELINE.match(article.text[sentence.start:sentence.end])
    return m.group().strip(" —–-") if m else None


def _credits(copy: ArticleText, original: ArticleText) -> bool:
    text = copy.text.casefold()
    return any(len(o) > 3 and o.casefold() in text for o in original.outlets)


MAX_EDIT_WORDS = 6  # a difference longer than this is a rewritten sentence, not an edit in it
MIN_EDIT_RATIO = 0.6  # sentences less alike than this are reported whole, as reworded


def _change_kind(original_words: str, copy_words: str, in_quote: bool) -> str:
    if in_quote:
        return "quote reworded"
    if _NUMBER.search(original_words) and _NUMBER.search(copy_words):
        return "number changed"
    if re.search(r"\bformer\b|\bex-", copy_words, re.I) and not re.search(r"\bformer\b|\bex-", original_words, re.I):
        return "title changed"
    if original_words and copy_words and all(w[:1].isupper() for w in (original_words + " " + copy_words).split()):
        return "name swapped"
    if not original_words:
        return "words added"
    if not copy_words:
        return "words omitted"
    return "reworded"


def sentence_changes(original: ArticleText, copy: ArticleText, a: Sentence, b: Sentence) -> list[dict[str, Any]]:
    """Word-level edits between two matched sentences, each classified; a sentence that
    was rewritten rather than edited is reported whole."""
    a_text, b_text = original.text[a.start:a.end], copy.text[b.start:b.end]
    a_tokens, b_tokens = a_text.split(), b_text.split()
    strip = ".,;:!?\"“”«»'’()"
    matcher = difflib.SequenceMatcher(a=[_norm(t.strip(strip)) for t in a_tokens],
                                      b=[_norm(t.strip(strip)) for t in b_tokens], autojunk=False)
    if matcher.ratio() < MIN_EDIT_RATIO:
        return [{"kind": "sentence reworded", "original": a_text, "copy": b_text}]
    quoted_a = [(m.start(), m.end()) for m in _QUOTED.finditer(a_text)]
    offsets, pos = [], 0
    for token in a_tokens:
        pos = a_text.index(token, pos)
        offsets.append(pos)
        pos += len(token)
    changes = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        original_words = " ".join(t.strip(strip) for t in a_tokens[i1:i2]).strip()
        copy_words = " ".join(t.strip(strip) for t in b_tokens[j1:j2]).strip()
        if not original_words and not copy_words:
            continue  # punctuation only
        if i2 - i1 > MAX_EDIT_WORDS or j2 - j1 > MAX_EDIT_WORDS:
            return [{"kind": "sentence reworded", "original": a_text, "copy": b_text}]
        at = offsets[i1] if i1 < len(offsets) else len(a_text)
        in_quote = any(s <= at < e for s, e in quoted_a)
        changes.append({"kind": _change_kind(original_words, copy_words, in_quote),
                        "original": original_words or None, "copy": copy_words or None})
    return changes


def classify(a: ArticleText, b: ArticleText) -> dict[str, Any] | None:
    """The copy relation between two articles, or None when they only share a little."""
    for article in (a, b):
        if not article.sentences:
            article.sentences = split_sentences(article.text)
    matched = align(a, b)
    if not matched:
        return None
    a_cov = sum(len(x.words) for x, _ in matched) / a.words
    b_cov = sum(len(y.words) for _, y in matched) / b.words
    identical_words = sum(len(y.words) for x, y in matched if x.words == y.words)
    matched_words = sum(len(y.words) for _, y in matched) or 1
    identical = identical_words / matched_words
    quoted = sum(len(y.words) for x, y in matched if x.quoted or y.quoted) / matched_words
    original, copy, direction = _direction(a, b)
    if original is b:
        matched = [(y, x) for x, y in matched]
    coverage_copy = b_cov if copy is b else a_cov
    copy_side = [y if copy is b else x for x, y in matched]
    prose_words = sum(len(z.words) for z in copy.sentences if not z.quoted) or 1
    prose_coverage = sum(len(z.words) for z in copy_side if not z.quoted) / prose_words
    prose_matched = [pair for pair in matched if not (pair[0].quoted or pair[1].quoted)]
    if len(prose_matched) < MIN_PROSE_SENTENCES or prose_coverage < MIN_COVERAGE / 2:
        return None  # the same quotations, or a sentence in common: the same event, not a copy
    if identical >= SYNDICATED_IDENTICAL and coverage_copy >= 0.5:
        kind = "syndicated"
    elif quoted >= 0.5 and coverage_copy < 0.5:
        kind = "shared-source"  # the same quotations and a little prose, each with its own
    elif coverage_copy >= MIN_COVERAGE:
        kind = "rewrite"
    else:
        return None
    changes: list[dict[str, Any]] = []
    for x, y in matched:
        if x.words != y.words:
            changes.extend(sentence_changes(original, copy, x, y))
        elif _dateline(original, x) != _dateline(copy, y):
            before, after = _dateline(original, x), _dateline(copy, y)
            changes.append({"kind": "credit removed" if before and "(" in before and "(" not in (after or "") else "credit changed",
                            "original": before, "copy": after})
    if kind != "shared-source":
        seen_original = {id(x) for x, _ in matched}
        seen_copy = {id(y) for _, y in matched}
        dropped = [x for x in original.sentences if id(x) not in seen_original and len(x.content) >= MIN_SENTENCE_WORDS]
        added = [y for y in copy.sentences if id(y) not in seen_copy and len(y.content) >= MIN_SENTENCE_WORDS]
        changes += [{"kind": "sentence dropped", "original": original.text[x.start:x.end], "copy": None} for x in dropped[:5]]
        changes += [{"kind": "sentence added", "original": None, "copy": copy.text[y.start:y.end]} for y in added[:5]]
    similarity = round((a_cov + b_cov) / 2, 3)
    return {
        "article": copy.id, "of": original.id, "kind": kind, "similarity": similarity,
        "changes": changes[:50],
        # extensions
        "direction": direction, "credited": _credits(copy, original),
        "coverage": {"copy": round(coverage_copy, 3), "original": round(a_cov if copy is b else b_cov, 3)},
        "identical": round(identical, 3),
        "passages": [{"of_start": x.start, "of_end": x.end, "start": y.start, "end": y.end, "same": x.words == y.words}
                     for x, y in matched[:MAX_PASSAGES]],
    }


@lru_cache(maxsize=8192)
def _days(published: str | None) -> tuple[int, int] | None:
    """The first and last day (ordinals) a publication date can stand for: one day for a full
    date, a month's or a year's days for "2019-11" or "2019" (`events.period_of`); None when unknown."""
    if published and len(published) >= 10:
        try:
            day = date.fromisoformat(published[:10]).toordinal()
        except ValueError:
            return None
        return day, day
    period = period_of(published)
    return (period[0].toordinal(), period[1].toordinal()) if period else None


def _near(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    """Whether two publication dates can be within WEAK_MATCH_DAYS of each other."""
    return a is None or b is None or (b[0] - a[1] <= WEAK_MATCH_DAYS and a[0] - b[1] <= WEAK_MATCH_DAYS)


def _direction(a: ArticleText, b: ArticleText) -> tuple[ArticleText, ArticleText, str]:
    """(original, copy, why): the earlier date; else the one credited; else the longer."""
    if a.published and b.published and a.published != b.published:
        return (a, b, "published earlier") if a.published < b.published else (b, a, "published earlier")
    a_credits_b, b_credits_a = _credits(a, b), _credits(b, a)
    if b_credits_a and not a_credits_b:
        return a, b, "credited by the copy"
    if a_credits_b and not b_credits_a:
        return b, a, "credited by the copy"
    if a.words != b.words:
        return (a, b, "longer") if a.words > b.words else (b, a, "longer")
    return (a, b, "undecided") if a.id < b.id else (b, a, "undecided")


class KeyHolders:
    """Candidate key -> the first MAX_HOLDERS article indexes that hold it.

    Most keys are held by one article, and a dict of millions of Python ints took ~500 MB at
    100,000 articles (4.5 million keys). So each pair (key, holder) is one 64-bit number in a numpy
    array sorted by key, then holder: the key's top `bits` bits pick its bucket (`_starts`, where each
    bucket's pairs begin), and the number keeps the key's other 64 - bits bits above the holder's
    `bits` bits (8 bytes a pair; numpy arrays of keys and holders took 12). `bits` grows with the
    holders (a bucket holds ~32-64 pairs of ~45 keys an article), and the pairs are packed again
    when it does. The keys of the latest articles are in a small dict, inserted into the array when
    it has RECENT keys (one pass over the array every ~3,000 articles). Written here because no
    library keeps a compact, appendable multimap of int64 keys; numpy does the sorting."""

    RECENT = 1 << 17
    MIN_BITS = 4
    _CHUNK = 1 << 20  # pairs repacked at a time when `bits` grows

    def __init__(self) -> None:
        self._bits = self.MIN_BITS
        self._values = np.empty(0, np.uint64)  # (key's low bits << bits) | holder, by bucket, key, holder
        self._buffer: np.ndarray | None = None  # what `_values` is the start of, with room to grow (`_room`)
        self._starts = np.zeros((1 << self._bits) + 1, np.int64)  # bucket b's pairs: _values[_starts[b]:_starts[b + 1]]
        self._recent: dict[int, int | list[int]] = {}
        self._last: tuple[list[int], np.ndarray] | None = None  # the last lookup's keys and held counts (for add)

    def __getstate__(self) -> dict[str, Any]:
        # the recent keys merged first: as a dict of Python ints they took ~10 MB of a loaded state
        # (RECENT keys at most), in the array a third of that (lookups answer the same either way)
        self.merge()
        state = dict(self.__dict__, _last=None)
        del state["_buffer"]  # `_values` alone: the room to grow is made again
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._buffer = None

    def _split(self, keys: Any) -> tuple[np.ndarray, np.ndarray]:
        """Keys (int64) as their buckets and the rest of their bits."""
        u = np.asarray(keys, np.int64).view(np.uint64)
        shift = np.uint64(64 - self._bits)
        return (u >> shift).astype(np.int64), u & np.uint64((1 << (64 - self._bits)) - 1)

    def _lookup(self, keys: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(holders, which key each is of) of the keys in the array, in key order."""
        buckets, lows = self._split(keys)
        starts = self._starts[buckets]
        sizes = self._starts[buckets + 1] - starts
        total = int(sizes.sum())
        if not total:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        owner = np.repeat(np.arange(len(keys)), sizes)
        ends = np.cumsum(sizes)
        at = np.arange(total) + np.repeat(starts - (ends - sizes), sizes)
        values = self._values[at]
        bits = np.uint64(self._bits)
        match = (values >> bits) == lows[owner]
        return (values[match] & np.uint64((1 << self._bits) - 1)).astype(np.int64), owner[match]

    def stats(self) -> tuple[int, int]:
        """(distinct keys, keys with two holders or more), for benchmarks."""
        self.merge()
        if not len(self._values):
            return 0, 0
        new = np.ones(len(self._values), bool)
        new[1:] = (self._values[1:] >> np.uint64(self._bits)) != (self._values[:-1] >> np.uint64(self._bits))
        new[self._starts[1:-1][self._starts[1:-1] < len(new)]] = True  # a bucket's first pair starts a key
        starts = np.flatnonzero(new)
        sizes = np.diff(np.r_[starts, len(self._values)])
        return len(sizes), int(np.count_nonzero(sizes >= 2))

    def holders(self, keys: list[int]) -> Counter:
        """Each holder of any of these keys, with how many of them it holds."""
        hits: Counter = Counter()
        if len(self._values) and keys:
            held, owner = self._lookup(keys)
            hits.update(held.tolist())
            self._last = (list(keys), np.bincount(owner, minlength=len(keys)))
        recent = self._recent
        for key in keys:
            holder = recent.get(key)
            if holder is None:
                continue
            if isinstance(holder, int):
                hits[holder] += 1
            else:
                hits.update(holder)
        return hits

    def add(self, keys: list[int], index: int) -> None:
        """Index holds these keys (indexes are added in increasing order); a key already held
        MAX_HOLDERS times ignores it."""
        merged: dict[int, int] = {}  # key -> its holders in the sorted array
        if len(self._values) and keys:
            last, self._last = self._last, None
            if last is not None and last[0] == keys:  # looked up by `holders` just before
                counts = last[1]
            else:
                counts = np.bincount(self._lookup(keys)[1], minlength=len(keys))
            merged = {keys[i]: int(counts[i]) for i in np.flatnonzero(counts).tolist()}
        recent = self._recent
        for key in keys:
            held = merged.get(key, 0)
            holder = recent.get(key)
            if holder is None:
                if held < MAX_HOLDERS:
                    recent[key] = index
            elif isinstance(holder, int):
                if held + 1 < MAX_HOLDERS:
                    recent[key] = [holder, index]
            elif held + len(holder) < MAX_HOLDERS:
                holder.append(index)
        if len(recent) >= self.RECENT:
            self.merge()

    def _widen(self, bits: int) -> None:
        """Pack the pairs with more bits for buckets and holders (the pairs keep their order)."""
        old, shift = self._bits, bits - self._bits
        starts = self._starts
        counts = np.zeros(1 << bits, np.int64)
        keep = np.uint64((1 << (64 - bits)) - 1)
        holder = np.uint64((1 << old) - 1)
        bucket = 0
        while bucket < (1 << old):  # a run of whole buckets at a time, ~_CHUNK pairs
            end = min(1 << old, int(np.searchsorted(starts, starts[bucket] + self._CHUNK, "right")) - 1)
            end = max(end, bucket + 1)
            lo, hi = int(starts[bucket]), int(starts[end])
            values = self._values[lo:hi]  # a view: rewritten in place
            lows = values >> np.uint64(old)  # the key's 64 - old low bits
            news = (np.repeat(np.arange(bucket, end, dtype=np.int64), np.diff(starts[bucket:end + 1])) << shift) \
                | (lows >> np.uint64(64 - bits)).astype(np.int64)
            counts += np.bincount(news, minlength=1 << bits)
            values[:] = ((lows & keep) << np.uint64(bits)) | (values & holder)
            bucket = end
        self._bits = bits
        self._starts = np.r_[0, np.cumsum(counts)].astype(np.int64)

    def merge(self) -> None:
        """Move the recent keys into the sorted array."""
        self._last = None
        if not self._recent:
            return
        pairs = [(key, index) for key, holder in self._recent.items()
                 for index in ((holder,) if isinstance(holder, int) else holder)]
        self._recent = {}
        keys = np.fromiter((k for k, _ in pairs), np.int64, len(pairs))
        indexes = np.fromiter((i for _, i in pairs), np.int64, len(pairs))
        bits = max(self._bits, int(indexes.max()).bit_length())
        if bits > self._bits:
            self._widen(bits)
        buckets, lows = self._split(keys)
        values = (lows << np.uint64(bits)) | indexes.astype(np.uint64)
        order = np.lexsort((values, buckets))  # by bucket, key, holder
        buckets, values = buckets[order], values[order]
        # where each goes: after its bucket's pairs of lower or equal value (a binary search within each bucket)
        lo, hi = self._starts[buckets], self._starts[buckets + 1]
        while True:
            open_ = lo < hi
            if not open_.any():
                break
            mid = (lo + hi) >> 1
            right = open_ & (self._values[np.minimum(mid, max(len(self._values) - 1, 0))] <= values) if len(self._values) \
                else np.zeros(len(values), bool)
            lo = np.where(right, mid + 1, lo)
            hi = np.where(open_ & ~right, mid, hi)
        self._insert(lo, values)
        self._starts[1:] += np.cumsum(np.bincount(buckets, minlength=1 << bits))

    def _insert(self, at: np.ndarray, values: np.ndarray) -> None:
        """`np.insert(self._values, at, values)` (`at` in increasing order) in the array's own buffer:
        np.insert made a new array at each merge, and the old and the new one were in memory together
        (~350 MB each in the copy stage's child at 1,000,000 articles, every ~3,000 articles). The
        pairs between two insertion points move up together, the last first."""
        size, added = len(self._values), len(values)
        self._room(size + added)
        buffer = self._buffer
        assert buffer is not None
        points = at.tolist() + [size]
        for shift in range(added, 0, -1):  # the pairs between two insertion points move up by the values before them
            first, end = points[shift - 1], points[shift]
            while end > first:  # a chunk at a time from the end (numpy copies an overlapping slice first)
                start = max(first, end - self._CHUNK)
                buffer[start + shift:end + shift] = buffer[start:end]
                end = start
        buffer[at + np.arange(added)] = values
        self._values = buffer[:size + added]

    def _room(self, size: int) -> None:
        """A buffer of at least `size` pairs that begins with `_values`, grown by a sixteenth when it
        must grow: in place, as the C allocator resizes a large block (by moving pages, not
        copying them), where the array owns its memory; a loaded array is copied once. (numpy
        fills the new room with zeros, so the room is resident: a sixteenth, not more.)"""
        buffer = self._buffer
        if buffer is not None and len(buffer) >= size:
            return
        capacity = max(size, len(self._values) * 17 // 16, 1024)
        used = len(self._values)
        if buffer is None or not buffer.flags.owndata:
            grown = np.empty(capacity, np.uint64)
            grown[:used] = self._values
        else:
            self._values = None  # type: ignore[assignment]  # no view of the buffer while it is resized
            buffer.resize(capacity, refcheck=False)
            grown = buffer
        self._buffer, self._values = grown, grown[:used]


class _Interned:
    """A column of values from a small set (dates, outlet lists): each row a number into the
    table of distinct values, 4 bytes a row instead of a reference to an object of its own."""

    def __init__(self) -> None:
        self._values: list[Any] = []
        self._codes: dict[Any, int] = {}
        self._rows = array("I")

    def __len__(self) -> int:
        return len(self._rows)

    def __getstate__(self) -> dict[str, Any]:
        return {"_values": self._values, "_rows": self._rows}  # the codes are the values' places

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._codes = {v: n for n, v in enumerate(self._values)}

    def append(self, value: Any) -> None:
        code = self._codes.get(value)
        if code is None:
            code = self._codes[value] = len(self._values)
            self._values.append(value)
        self._rows.append(code)

    def value(self, row: int) -> Any:
        return self._values[self._rows[row]]


class _Relations:
    """JSON texts appended and read back all together (the relations a CopyIndex found): full
    blocks of BLOCK texts compressed as one (zlib; one small compressed text each took 12.4 MB at
    100,000 articles), the last block's texts as they are."""

    BLOCK = 256

    def __init__(self) -> None:
        self._blocks: list[bytes] = []
        self._open: list[str] = []

    def __len__(self) -> int:
        return len(self._blocks) * self.BLOCK + len(self._open)

    def __getstate__(self) -> dict[str, Any]:  # the open block compressed as well
        return {"_blocks": self._blocks, "_open": zlib.compress("\n".join(self._open).encode("utf-8")),
                "_count": len(self._open)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._blocks = state["_blocks"]
        self._open = zlib.decompress(state["_open"]).decode("utf-8").split("\n") if state["_count"] else []

    def extend(self, texts: Iterable[str]) -> None:
        for text in texts:
            self._open.append(text)
            if len(self._open) >= self.BLOCK:
                self._blocks.append(zlib.compress("\n".join(self._open).encode("utf-8")))
                self._open = []

    def __iter__(self) -> Iterator[str]:
        for block in self._blocks:
            yield from zlib.decompress(block).decode("utf-8").split("\n")
        yield from list(self._open)


class CopyIndex:
    """Copies found incrementally: each added article is verified against the earlier-added
    ones that share the most candidate keys with it.

    The key -> articles map keeps at most MAX_HOLDERS articles per key (a wire's hundredth
    reprint adds nothing to find it), and each article is classified against its
    TOP_CANDIDATES, so the work per article stays flat as the index grows. With compact
    (the default) earlier articles are kept as compressed text and re-split when they are
    candidates (a few per add; the split sentences of all would take gigabytes at 100,000
    articles); find_copies, which holds every article anyway, keeps them split.

    An index linked from a store is given `texts`, a reader of an article's text by id (the
    store's `articles.text`, what the article was linked with): it then keeps no text at all
    and reads a candidate's text when it must re-split it. The compressed texts were most of
    the copies' part of the linking state (~130 MB at 100,000 articles); after the
    WEAK_MATCH_DAYS rule a few candidates in a hundred need the read. `texts` is not saved with
    the state: whoever loads the state sets it again (link.corpus)."""

    # whether `relations` can be asked: the class's value for a state saved before it was an option
    _keep_relations = True

    def __init__(self, compact: bool = True, keep_relations: bool = True) -> None:
        self._compact = compact
        # A linker keeps the relations `add` returns itself (`Linker.relations`, link.linkstate) and
        # never asks the index for them: its index does not keep them (~85 MB compressed, in the copy
        # stage's child, at 1,000,000 articles)
        self._keep_relations = keep_relations
        self.texts: Callable[[str], str] | None = None
        self._holders = KeyHolders()
        # Each added article's id, date and outlets as columns: a tuple of them per article took
        # ~320 bytes (31.7 MB at 100,000 articles). Ids are one UTF-8 buffer cut at `_id_ends`;
        # dates and outlet lists are numbers into their tables of distinct values.
        self._ids = bytearray()
        self._id_ends = array("Q")
        self._dates = _Interned()  # publication dates (str or None)
        self._outlets = _Interned()  # outlet tuples
        self._packed: dict[int, bytes] = {}  # zlib texts, for articles added while no `texts` reads the store
        self._kept: list[ArticleText] = []  # the articles themselves when not compact
        self._prepared: OrderedDict[int, ArticleText] = OrderedDict()  # recently split candidates
        self._found = _Relations()  # relations as compressed JSON: at 100,000 articles the dicts took ~400 MB
        self._key_counts = array("H")  # candidate keys of each article (capped at 65,535)

    def __len__(self) -> int:
        return len(self._id_ends)

    def __getstate__(self) -> dict[str, Any]:
        # the cache is not saved with the linking state, nor the store's reader (set again on loading)
        return dict(self.__dict__, _prepared=OrderedDict(), texts=None)

    def _id(self, index: int) -> str:
        return self._ids[self._id_ends[index - 1] if index else 0:self._id_ends[index]].decode("utf-8")

    def _article(self, index: int) -> ArticleText:
        if not self._compact:
            return self._kept[index]
        article = self._prepared.get(index)
        if article is None:
            id_ = self._id(index)
            packed = self._packed.get(index)
            if packed:
                text = zlib.decompress(packed).decode("utf-8")
            elif self.texts is not None:
                text = self.texts(id_)
            else:
                raise RuntimeError(f"the copy index keeps no text of article {id_} and has no reader of the store's texts")
            article = ArticleText(id_, text, self._dates.value(index), list(self._outlets.value(index)))
            article.sentences = split_sentences(article.text)
            self._prepared[index] = article
            if len(self._prepared) > PREPARED_CACHE:
                self._prepared.popitem(last=False)
        else:
            self._prepared.move_to_end(index)
        return article

    def candidates(self, keys: list[int], published: str | None = None) -> list[int]:
        """Indexes of the earlier articles sharing the most keys, most first (ties: by id);
        `published` is the new article's date (see WEAK_MATCH_DAYS)."""
        hits = self._holders.holders(keys)
        # One shared key is one sentence in common, nearly always a stock phrase: at 4,000 generated
        # articles, 4 of 10,934 such candidates were copies, and verifying them was most of the
        # copy stage's time. A copy of a long article shares many (a sentence reworded by 30 %
        # shares a key with probability ~0.4); only a short article can be a copy sharing one.
        # A short article's single shared key is still weak evidence: at 20,000 generated articles,
        # 63,083 of 66,669 verified candidates shared one key and 37 of them were related (loose
        # "rewrites" months apart); the real corpus's copies are all within a day of their source.
        # So a weak candidate is verified only when the two could be published within
        # WEAK_MATCH_DAYS of each other (an undated one always is).
        short = len(keys) <= SHORT_KEYS
        days = _days(published)
        counts, dates, id_of = self._key_counts, self._dates.value, self._id
        ranked = sorted(((i, n) for i, n in hits.items()
                         if n >= MIN_SHARED_KEYS or ((short or counts[i] <= SHORT_KEYS) and _near(days, _days(dates(i))))),
                        key=lambda kv: (-kv[1], id_of(kv[0])))
        return [i for i, _ in ranked[:TOP_CANDIDATES]]

    def add(self, article: ArticleText) -> list[dict[str, Any]]:
        """Index the article; the copy relations between it and earlier-added articles."""
        keys = candidate_keys(article)
        found = []
        for j in self.candidates(keys, article.published):
            relation = classify(self._article(j), article)
            if relation is not None:
                found.append(relation)
        index = len(self._id_ends)
        self._key_counts.append(min(len(keys), 65535))
        self._ids += article.id.encode("utf-8")
        self._id_ends.append(len(self._ids))
        self._dates.append(article.published)
        self._outlets.append(tuple(article.outlets))
        if self._compact:
            if self.texts is None:
                self._packed[index] = zlib.compress(article.text.encode("utf-8"))
            self._prepared[index] = article  # split already: likely a candidate of the next few articles
            if len(self._prepared) > PREPARED_CACHE:
                self._prepared.popitem(last=False)
        else:
            self._kept.append(article)
        self._holders.add(keys, index)
        if self._keep_relations:
            self._found.extend(fastjson.dumps(r) for r in found)
        return found

    def relations(self) -> list[dict[str, Any]]:
        """Every relation found so far, each copy with its closest original(s)."""
        if not self._keep_relations:
            raise ValueError("this copy index does not keep its relations (a linker's: see Linker.relations)")
        return closest_originals([fastjson.loads(r) for r in self._found])


def find_copies(articles: list[ArticleText]) -> list[dict[str, Any]]:
    """Each copy with the article it was copied from, in a stable order: the articles are
    added to a CopyIndex earliest first (undated last), so batch and incremental linking
    are the same code."""
    index = CopyIndex(compact=False)
    for article in sorted(articles, key=lambda a: (a.published is None, a.published or "", a.id)):
        index.add(article)
    return index.relations()


def closest_originals(relations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of one story resemble each other too; keep for each copy only its source(s).

    Of the articles a copy resembles, those that are themselves copies of another of them
    are passed over (a wire's two reprints are not copies of each other), and of the rest
    the most similar is its source. A copy stitched from two articles (the first half of
    one, the rest of another) has two sources: a further one is kept when its matched
    passages are mostly other sentences of the copy than those already explained.
    """
    by_copy: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in relations:
        by_copy[r["article"]].append(r)
    copied_from = {(r["article"], r["of"]) for r in relations}
    kept = []
    for copy, candidates in by_copy.items():
        originals = {r["of"] for r in candidates}
        roots = [r for r in candidates if not any((r["of"], o) in copied_from for o in originals if o != r["of"])]
        ranked = sorted(roots or candidates, key=lambda r: (r["kind"] != "shared-source", r["similarity"], r["of"]),
                        reverse=True)
        explained = {p["start"] for p in ranked[0]["passages"]}
        kept.append(ranked[0])
        for r in ranked[1:]:
            new = [p for p in r["passages"] if p["start"] not in explained]
            if r["kind"] != "shared-source" and len(new) >= MIN_OTHER_PASSAGES and len(new) >= 0.5 * len(r["passages"]):
                kept.append(r)
                explained.update(p["start"] for p in r["passages"])
    kept.sort(key=lambda c: (c["of"], c["article"]))
    return kept
