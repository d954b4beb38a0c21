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
import re
from bisect import bisect_left
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterator

from rapidfuzz import fuzz, process

SAME_WORDING = 88  # ratio at or above which two wordings are one statement
SAME_SPEAKER_WORDING = 70  # looser bar when both occurrences name the same speaker
MIN_CONTAINED_WORDS = 4  # a contained wording shorter than this joins only with the same speaker
MAX_POSTINGS = 500  # words in more wordings than this are too common to pair on
RARE_WORDS = 3  # a wording is paired with those sharing one of its rarest words ...
RARE_DF = 25  # ... or any word held by at most this many wordings
_PUNCT = re.compile(r"[^\w\s]")
_STOP = frozenset(
    "a an the and or but of to in on for with at by from as is are was were be been it its this that these those "
    "we our us i my you your he his she her they their them not no will would can could have has had do does "
    "el la los las un una y o de del en con por para que es son fue se no lo al su sus".split()
)


def normalize_quote(text: str) -> str:
    """Case, accents, quotation marks and punctuation do not make a different statement."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(_PUNCT.sub(" ", text).split())


class Occurrence:
    """One place a statement occurs: an extractor's span plus what linking needs.

    The linker keeps one per quotation of the corpus (about 13 per article), so it is compact:
    slots, and the extractor's record as JSON bytes, decoded when a statement is merged (as a
    dict it was ~1 KB, most of the linking state's memory at 100,000 articles)."""

    __slots__ = ("article", "published", "text", "norm", "speaker", "kind", "start", "end", "_record")

    def __init__(self, article: str, published: str | None, text: str, norm: str, record: dict[str, Any],
                 speaker: str | None = None) -> None:
        self.article, self.published, self.text, self.norm, self.speaker = article, published, text, norm, speaker
        self.kind, self.start, self.end = record["kind"], record["start"], record["end"]
        self._record = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @property
    def record(self) -> dict[str, Any]:
        return json.loads(self._record)

    def __getstate__(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state: tuple) -> None:
        for name, value in zip(self.__slots__, state):
            setattr(self, name, value)


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
        self.parent = list(range(n))

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
    """`same_statement(a, b)` for any b of `others` (occurrences all worded `theirs`; a is worded
    `mine`), given whether one wording contains the other and their ratio (when at least
    SAME_SPEAKER_WORDING, else anything lower): the same decisions, with the wordings compared
    once for the pair, not per occurrence."""
    short = mine if len(mine) <= len(theirs) else theirs
    words = len(short.split())
    for b in others:
        same_speaker = a.speaker is not None and a.speaker == b.speaker
        if contained:
            if words >= MIN_CONTAINED_WORDS or (same_speaker and words >= 2):
                return True
            continue
        if a.kind == "fragment" or b.kind == "fragment":
            continue
        if 200 * len(short) / (len(mine) + len(theirs)) < SAME_SPEAKER_WORDING:
            return False  # the same for every b: too different in length
        if ratio >= SAME_WORDING or (same_speaker and words >= 6 and ratio >= SAME_SPEAKER_WORDING):
            return True
    return False


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
    return "q" + hashlib.sha256(normalize_quote(text).encode("utf-8")).hexdigest()[:12]


class QuoteIndex:
    """Statements kept up to date occurrence by occurrence, for incremental linking.

    Each distinct wording is compared, when it first arrives, with the earlier wordings it
    shares a rare word with (see `_join`); a match joins their statements. `add` returns the statements
    that changed, so a caller rewrites only those. `merge_quotes` adds in a fixed order,
    so a batch is deterministic.
    """

    def __init__(self, actor_names: dict[str, str] | None = None) -> None:
        self.actor_names = actor_names if actor_names is not None else {}
        self.wordings: list[str] = []
        self.index: dict[str, int] = {}
        self.postings: dict[str, list[int]] = defaultdict(list)
        # per wording, the words whose earlier wordings it is compared with (see `_candidates`):
        # a few strings, where the candidates themselves were up to ~1,500 ints per wording
        self.paired_on: list[tuple[str, ...]] = []
        self.by_wording: list[list[Occurrence]] = []
        self.reps: list[dict[str | None, Occurrence]] = []  # one occurrence per wording and speaker
        self.groups = _UnionFind(0)
        self.members: dict[int, list[int]] = {}  # group root -> wordings
        self.quote_ids: dict[int, str] = {}  # group root -> id of its merged record as last returned
        self._retired: list[str] = []

    def _new_wording(self, norm: str) -> int:
        i = len(self.wordings)
        self.wordings.append(norm)
        self.index[norm] = i
        self.by_wording.append([])
        self.reps.append({})
        self.groups.parent.append(i)
        self.members[i] = [i]
        words = set(norm.split()) - _STOP
        rare = sorted(words, key=lambda w: (len(self.postings.get(w, ())), w))[:RARE_WORDS]
        self.paired_on.append(tuple(sorted(w for w in words if w in self.postings and (
            (w in rare and len(self.postings[w]) <= MAX_POSTINGS) or len(self.postings[w]) <= RARE_DF))))
        for word in words:
            self.postings[word].append(i)
        return i

    def _candidates(self, i: int) -> list[int]:
        """The earlier wordings that wording i is compared with: those that, when it arrived,
        held one of its words it pairs on (postings grow in wording order, so those are the
        entries before i)."""
        found: set[int] = set()
        for word in self.paired_on[i]:
            posting = self.postings[word]
            found.update(posting[:bisect_left(posting, i)])
        return sorted(found)

    def _join(self, i: int, occurrence: Occurrence) -> None:
        """Compare a new (wording, speaker) representative with the candidates of its wording:
        the earlier wordings holding one of its RARE_WORDS rarest words, or any of its words
        that few wordings hold (so an earlier wording is found by its own rare words too).
        The same statement, however reworded or shortened, keeps most of its rare words, so
        this finds it while the pairs compared stay near linear in the corpus."""
        # Only two kinds of candidate can be the same statement: a wording containing the other,
        # and one of ratio at least SAME_SPEAKER_WORDING (which needs lengths close enough:
        # ratio <= 200 * short / (short + long)). Both are found over all candidates at once, the
        # ratios by rapidfuzz in C (its cutoff skips the far ones), not pair by pair in Python.
        mine = self.wordings[i]
        candidates = self._candidates(i)
        texts = [self.wordings[j] for j in candidates]
        padded = f" {mine} "
        contained = {candidates[k] for k, t in enumerate(texts)
                     if (t in mine and f" {t} " in padded) or (mine in t and padded in f" {t} ")}
        ratios = {candidates[k]: score for _, score, k in process.extract(
            mine, texts, scorer=fuzz.ratio, processor=None, score_cutoff=SAME_SPEAKER_WORDING, limit=None)} if texts else {}
        for j in sorted(contained | ratios.keys()):  # the candidates' order (they are sorted)
            is_contained = j in contained
            if self.groups.find(i) == self.groups.find(j):
                continue
            if _any_same_statement(occurrence, mine, self.wordings[j], self.reps[j].values(), is_contained,
                                   ratios.get(j, 0.0)):
                ri, rj = self.groups.find(i), self.groups.find(j)
                self.groups.union(ri, rj)
                root = self.groups.find(i)
                other = rj if root == ri else ri
                self.members[root] = self.members.get(root, []) + self.members.pop(other, [])
                old = self.quote_ids.pop(other, None)
                if old is not None:
                    self._retired.append(old)

    def add(self, occurrences: list[Occurrence], merge: bool = True) -> tuple[list[MergedQuote], list[str]]:
        """Add one article's (or several articles') occurrences; return the statements that
        changed, and the ids of statements that no longer exist (merged into another).
        With merge=False nothing is merged or returned yet (a full link calls `all` once at
        the end: re-merging a statement carried by thousands of articles at every article
        would be quadratic)."""
        self._retired = []
        touched = {self._add_occurrence(o) for o in sorted(occurrences, key=_position) if o.norm}
        if not merge:
            return [], []
        roots = sorted({self.groups.find(i) for i in touched})
        changed = []
        for root in roots:
            merged = self.merged(root)
            old = self.quote_ids.get(root)
            if old is not None and old != merged.id:
                self._retired.append(old)
            self.quote_ids[root] = merged.id
            changed.append(merged)
        retired = sorted(set(self._retired) - {q.id for q in changed})
        return changed, retired

    def statement_of(self, norm: str) -> str | None:
        """A key of the statement a wording belongs to (its group's first wording), stable
        as articles arrive unless two older statements merge."""
        i = self.index.get(norm)
        return None if i is None else f"r{self.groups.find(i)}"

    def _add_occurrence(self, o: Occurrence) -> int:
        i = self.index.get(o.norm)
        if i is None:
            i = self._new_wording(o.norm)
        o.norm = self.wordings[i]  # one string per wording, not one per occurrence
        self.by_wording[i].append(o)
        if o.speaker not in self.reps[i]:
            self.reps[i][o.speaker] = o
            self._join(i, o)
        return i

    def merged(self, root: int) -> MergedQuote:
        group = [o for i in self.members[root] for o in self.by_wording[i]]
        return _merge_group(group, self.actor_names)

    def all(self) -> list[MergedQuote]:
        """Every statement, in the export's order."""
        return list(self.each())

    def each(self) -> Iterator[MergedQuote]:
        """Every statement, in the export's order, merged one at a time: the order is found
        first from each statement's cheap parts (whether it is dated, its first article, the
        id of its canonical wording), so a full link writes them without holding them all
        (1.3 million occurrences as dicts at 100,000 articles took gigabytes)."""
        order = []
        for root, wordings in self.members.items():
            group = [o for i in wordings for o in self.by_wording[i]]
            order.append(((not any(o.published for o in group), min(o.article for o in group),
                           _quote_id(_canonical(group).text)), root))
        order.sort()
        for _, root in order:
            quote = self.merged(root)
            self.quote_ids[root] = quote.id
            yield quote


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


def _canonical(group: list[Occurrence]) -> Occurrence:
    """The wording most occurrences use, full statements before fragments, earliest first."""
    kind_rank = {"direct": 0, "indirect": 1, "fragment": 2}
    counts = Counter(o.norm for o in group)
    return min(group, key=lambda o: (kind_rank.get(o.kind, 3), -counts[o.norm], o.published is None,
                                     o.published or "", -len(o.norm), o.article, o.start))


def _merge_group(group: list[Occurrence], actor_names: dict[str, str]) -> MergedQuote:
    canonical = _canonical(group)
    speakers = Counter(o.speaker for o in group if o.speaker)
    speaker = None
    if speakers:
        earliest = {s: min((o.published or "9999", o.article) for o in group if o.speaker == s) for s in speakers}
        speaker = min(speakers, key=lambda s: (-speakers[s], earliest[s], s))
    records = [o.record for o in group]
    names = Counter(r.get("speaker_name") for r in records if r.get("speaker_name"))
    speaker_name = actor_names.get(speaker) if speaker else (names.most_common(1)[0][0] if names else None)
    dated = sorted({(o.published, o.article) for o in group if o.published})
    first_day = dated[0][0] if dated else None
    candidates = sorted({a for day, a in dated if day == first_day})
    kinds = {o.kind for o in group}
    kind = "direct" if "direct" in kinds else ("indirect" if "indirect" in kinds else "fragment")
    occurrences = []
    for o, record in zip(group, records):
        record["article"] = o.article
        record["text"] = o.text
        if o.norm != canonical.norm:
            record["changes"] = word_changes(canonical.text, o.text)
        occurrences.append(record)
    occurrences.sort(key=lambda r: (r["article"], r["start"]))
    return MergedQuote(
        id=_quote_id(canonical.text), text=canonical.text, kind=kind, speaker=speaker, speaker_name=speaker_name,
        first_seen=candidates[0] if candidates else None, first_seen_candidates=candidates, occurrences=occurrences,
    )
