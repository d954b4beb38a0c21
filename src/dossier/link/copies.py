"""Who copied whom: duplicates, syndicated copies, rewrites and shared sources.

Candidates come from sentences, not whole articles: every sentence of enough content
words gets a MinHash signature of its word set (rensa, a Rust MinHash: the hashing is
the hot loop), and LSH pairs sentences whose word sets overlap by about half or more.
Whole-article shingles miss heavy rewrites (30 % of words changed leaves few 3-word
shingles intact) while most rewritten sentences keep most of their words.

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
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from rensa import RMinHash, RMinHashLSH

NUM_PERM = 128
LSH_THRESHOLD = 0.5  # word-set Jaccard at which two sentences become candidates
LSH_BANDS = 32
MIN_SENTENCE_WORDS = 6  # content words; shorter sentences ("He said no.") pair with everything
MATCH_JACCARD = 0.45  # two sentences match at this word-set overlap (or containment below)
MATCH_CONTAINMENT = 0.8
MIN_COVERAGE = 0.25  # share of the copy's words in matched sentences to call it a copy at all
SYNDICATED_IDENTICAL = 0.9  # share of matched words in identical sentences for "syndicated"
MAX_PASSAGES = 30
MIN_PROSE_SENTENCES = 2  # matched sentences outside quotation marks needed for any copy relation
TOP_CANDIDATES = 5  # earlier articles each article is verified against
MAX_HOLDERS = 25  # articles remembered per distinct sentence

_STOP = frozenset(
    "a an the and or but of to in on for with at by from as is are was were be been being it its this that these "
    "those he she they we i you his her their our my your him them us not no will would can could has have had do "
    "does did said says el la los las un una y o de del en con por para que es son fue se lo al su sus".split())
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"”’»)]*|\n|$)")
_WORD = re.compile(r"\w+")
_QUOTED = re.compile(r"[\"“«„]([^\"”»“]{3,})[\"”»“]")
_NUMBER = re.compile(r"\d")
# A wire dateline and credit ("MEXICO CITY (CP) —"): reprints change it without changing the story.
_DATELINE = re.compile(r"^[A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑ .,'’-]{2,40}(?:\([^)]{1,40}\))?\s*[—–-]{1,2}\s*")


def _norm(word: str) -> str:
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
    quoted_spans = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]
    out = []
    for start, end in _sentence_spans(text):
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end <= start:
            continue
        dateline = _DATELINE.match(text[start:end])
        words = [_norm(w) for w in _WORD.findall(text[start + (dateline.end() if dateline else 0):end])]
        if not words:
            continue
        inside = sum(min(e, end) - max(s, start) for s, e in quoted_spans if s < end and e > start)
        out.append(Sentence(start, end, words, frozenset(w for w in words if w not in _STOP and not w.isdigit()),
                            inside > 0.5 * (end - start)))
    return out


def _signature(words: frozenset[str]) -> RMinHash:
    minhash = RMinHash(num_perm=NUM_PERM, seed=7)
    minhash.update(sorted(words))
    return minhash


def _candidates(article: ArticleText, lsh: RMinHashLSH, contents: list[frozenset[str]],
                holders: dict[frozenset[str], list[int]]) -> Counter:
    """Earlier articles sharing near-identical sentences with this one, by how many."""
    hits: Counter = Counter()
    for sentence in article.sentences:
        if len(sentence.content) < MIN_SENTENCE_WORDS:
            continue
        for key in lsh.query(_signature(sentence.content)):
            for holder in holders[contents[key]]:
                hits[holder] += 1
    return hits


def _insert(index: int, article: ArticleText, lsh: RMinHashLSH, contents: list[frozenset[str]],
            holders: dict[frozenset[str], list[int]]) -> None:
    """Index an article's sentences; a sentence already indexed (a wire's reprints share
    most) only adds the article to its holders, so families of copies stay cheap."""
    for sentence in article.sentences:
        if len(sentence.content) < MIN_SENTENCE_WORDS:
            continue
        known = holders.get(sentence.content)
        if known is None:
            holders[sentence.content] = [index]
            contents.append(sentence.content)
            lsh.insert(len(contents) - 1, _signature(sentence.content))
        elif len(known) < MAX_HOLDERS and known[-1] != index:
            known.append(index)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> tuple[float, float]:
    if not a or not b:
        return 0.0, 0.0
    shared = len(a & b)
    return shared / len(a | b), shared / min(len(a), len(b))


def align(a: ArticleText, b: ArticleText) -> list[tuple[Sentence, Sentence]]:
    """Each sentence of b with its best match in a, where they match."""
    index: dict[str, list[int]] = defaultdict(list)
    for i, sentence in enumerate(a.sentences):
        for word in sentence.content:
            index[word].append(i)
    pairs = []
    used: set[int] = set()
    for sentence in b.sentences:
        if len(sentence.content) < 3:
            continue
        counts: dict[int, int] = defaultdict(int)
        for word in sentence.content:
            for i in index.get(word, ()):
                counts[i] += 1
        best, best_score = None, 0.0
        for i, _ in sorted(counts.items(), key=lambda kv: -kv[1])[:5]:
            jaccard, containment = _jaccard(a.sentences[i].content, sentence.content)
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


def find_copies(articles: list[ArticleText]) -> list[dict[str, Any]]:
    """Each copy with the one article it was copied from, in a stable order.

    Articles are taken earliest first; each is compared with the TOP_CANDIDATES earlier
    ones that share the most near-identical sentences with it, so the work grows with the
    corpus, not with its square, even when hundreds of reprints of one wire story arrive.
    """
    for article in articles:
        if not article.sentences:
            article.sentences = split_sentences(article.text)
    order = sorted(range(len(articles)), key=lambda i: (articles[i].published is None, articles[i].published or "",
                                                         articles[i].id))
    lsh = RMinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM, num_bands=LSH_BANDS)
    contents: list[frozenset[str]] = []
    holders: dict[frozenset[str], list[int]] = {}
    found = []
    for i in order:
        hits = _candidates(articles[i], lsh, contents, holders)
        for j, _ in sorted(hits.items(), key=lambda kv: (-kv[1], articles[kv[0]].id))[:TOP_CANDIDATES]:
            relation = classify(articles[j], articles[i])
            if relation is not None:
                found.append(relation)
        _insert(i, articles[i], lsh, contents, holders)
    return closest_originals(found)


def closest_originals(relations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of one story resemble each other too; keep for each copy only its source.

    Of the articles a copy resembles, those that are themselves copies of another of them
    are passed over (a wire's two reprints are not copies of each other), and of the rest
    the most similar is its source.
    """
    by_copy: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in relations:
        by_copy[r["article"]].append(r)
    copied_from = {(r["article"], r["of"]) for r in relations}
    kept = []
    for copy, candidates in by_copy.items():
        originals = {r["of"] for r in candidates}
        roots = [r for r in candidates if not any((r["of"], o) in copied_from for o in originals if o != r["of"])]
        best = max(roots or candidates, key=lambda r: (r["kind"] != "shared-source", r["similarity"], r["of"]))
        kept.append(best)
    kept.sort(key=lambda c: (c["of"], c["article"]))
    return kept
