"""Altered quote: the same statement quoted with different words, beyond punctuation and case.

Two ways a quotation is found altered:

1. Within a merged statement of `quotes[]`: an article's wording of a direct quotation
   (or quoted fragment) differs from the closest better-carried wording in an article of
   the same event or copy family (a speaker who says a line again in other words on
   another day has not been misquoted). A shorter or longer excerpt of the same words is
   not an alteration (partial quotes are normal), nor is a gap the article marks with an
   ellipsis, an editor's [insertion], a contraction, an abbreviation, a spelling variant,
   or a text that stops mid-word. Articles in another language are not compared; when the
   speaker spoke another language than the article's and the two articles do not copy
   each other, they may be two translations, and the flag is only `info`. So is a change
   of function words alone ("in" for "on") and words dropped with none added.
2. Within a copy relation (`copies[]`, a rewrite or a reprint): the copy keeps the
   original's sentence but puts other words in the same speaker's mouth, which quote
   merging cannot join because no words are shared (``"absolutely ruled out"`` becoming
   ``"completely off the table"``). The copy's wording must appear in no other article, and
   the two sentences must agree outside the quotation marks.

Indirect speech is not checked: it is the reporter's own wording.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from dossier.check.common import by_id, outlet, outlets, short, span, words
from dossier.kb import KnowledgeBase

KIND = "altered quote"
QUOTED_KINDS = ("direct", "fragment")
MIN_WORDS = 6  # shorter wordings are not compared within a statement (slogans: "make America whole again")
MAX_REFERENCE_EVIDENCE = 3
MAX_WORDINGS = 100  # wordings of one statement compared with each other (the most carried): pairs grow as the square
MIN_SHARED_WORDS = 3  # two wordings are one statement reworded when they share this many words in order
SHARED_SHARE = 0.4  # ... and this share of the longer one's words when one article copies the other
SHARED_SHARE_UNLINKED = 0.6  # ... or this share, between articles of one event (a speaker repeats a line in new words)
CONTEXT_JACCARD = 0.3  # copy route: sentences around the two quotations must share this much
MIN_CONTEXT_WORDS = 4
_ELLIPSIS = re.compile(r"\.\.\.|…|\[\.\.\.\]|\(\.\.\.\)")
_CONTEXT_STOP = frozenset(
    "a an the and or but of to in on for with at by from as is are was were be been it its this that these those "
    "he she they we i you his her their our him them us not no will would can could has have had do does did said which "
    "who whom into onto about "
    "says told say el la los las un una y o de del en con por para que es son fue se lo al su sus dijo".split())


_APOSTROPHES = ("'", "’")
# (pattern, replacement, needles): a pattern is tried only on a text holding one of its needles
# (lowercased), which it cannot match without; most quotations hold none of most of them.
_CONTRACTIONS = [(re.compile(p, re.I), r, needles) for p, r, needles in (
    (r"\[[^\]]{0,40}\]", " ", ("[",)),  # an editor's insertion: "he [Trump] is"
    (r"\bwon['’]t\b", "will not", _APOSTROPHES), (r"\bcan['’]t\b", "can not", _APOSTROPHES),
    (r"\bcannot\b", "can not", ("cannot",)), (r"n['’]t\b", " not", _APOSTROPHES),
    (r"['’]re\b", " are", _APOSTROPHES), (r"['’]ll\b", " will", _APOSTROPHES), (r"['’]ve\b", " have", _APOSTROPHES),
    (r"\bi['’]m\b", "i am", _APOSTROPHES), (r"['’]d\b", " would", _APOSTROPHES),
    (r"\b(it|that|there|here|what|who|he|she)['’]s\b", r"\1 is", _APOSTROPHES), (r"&", " and ", ("&",)),
    (r"\bokay\b", "ok", ("okay",)), (r"\b(\d+)\s*%", r"\1 percent", ("%",)), (r"\bper cent\b", "percent", ("per cent",)))]
# Languages of the countries whose officials a corpus quotes most; a speaker of another
# language is quoted in translation, and two translations may differ in good faith.
_ENGLISH = {"United States", "United Kingdom", "Canada", "Australia", "New Zealand", "Ireland"}
_SPANISH = {"Mexico", "Spain", "Argentina", "Colombia", "Chile", "Peru", "Venezuela", "Ecuador", "Guatemala", "Cuba",
            "Bolivia", "Dominican Republic", "Honduras", "Paraguay", "El Salvador", "Nicaragua", "Costa Rica",
            "Panama", "Uruguay"}


@lru_cache(maxsize=65536)
def quote_words(text: str) -> tuple[str, ...]:
    """`spelled_out_words` of a quotation, kept: the same quotations are read in many scopes."""
    return spelled_out_words(text)


def spelled_out_words(text: str) -> tuple[str, ...]:
    """The words of a text, with contractions spelled out, "&", "okay", "%" written one way and an
    editor's [insertions] left out. Whole articles are read with this, not `quote_words`: kept
    in its cache, a worker's articles held ~300 MB at 100,000 articles."""
    lowered = text.lower()
    for pattern, replacement, needles in _CONTRACTIONS:
        if any(needle in lowered for needle in needles):  # the pattern cannot match without one of them
            text = pattern.sub(replacement, text)
    return tuple(words(text))


def speaker_language(actor_id: str | None, kb: KnowledgeBase) -> str | None:
    """The language a speaker most likely spoke, from the countries of their roles (None: unknown)."""
    actor = kb.actor(actor_id) if actor_id else None
    countries = {r.of for r in actor.roles} if actor else set()
    if countries and countries <= _ENGLISH:
        return "en"
    if countries and countries <= _SPANISH:
        return "es"
    return None


def _abbreviation(a: list[str], b: list[str]) -> bool:
    """"U.S."/"United States", "EE UU"/"Estados Unidos": one side the other's initials (doubled in Spanish plurals)."""
    short_side, long_side = sorted((a, b), key=len)
    letters = "".join(short_side)
    initials = "".join(w[0] for w in long_side)
    return len(long_side) >= 2 and (letters == initials or letters == "".join(c * 2 for c in initials))


def _contiguous(short_words: list[str], long_words: list[str]) -> bool:
    n = len(short_words)
    return any(long_words[i:i + n] == short_words for i in range(len(long_words) - n + 1))


def same_statement(a: tuple[str, ...], b: tuple[str, ...], share: float = 0.4) -> bool:
    """Whether two wordings share enough words in order to be one statement reworded
    (quote merging also joins different quotations that one indirect report contains);
    a shorter excerpt is checked against the longer one's words before this."""
    matched = sum(block.size for block in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks())
    return matched >= MIN_SHARED_WORDS and matched >= share * max(len(a), len(b))


def _variants(a: list[str], b: list[str]) -> bool:
    return len(a) == len(b) > 0 and all(_spelling_variant(x, y) for x, y in zip(a, b))


def _spelling_variant(a: str, b: str) -> bool:
    """One word spelled two ways ("organisation"/"organization", "honor"/"honour"), or singular and plural."""
    if min(len(a), len(b)) > 3 and a.rstrip("s") == b.rstrip("s"):
        return True
    if min(len(a), len(b)) < 5:
        return False
    return difflib.SequenceMatcher(a=a, b=b, autojunk=False).ratio() >= 0.85


def differences(reference: list[str], wording: list[str]) -> tuple[list[str], list[str]]:
    """(words removed, words added) from the reference to the wording, spelling variants aside;
    the removed words at either end of the reference are an excerpt's cut, not a change."""
    removed, added = [], []
    ops = difflib.SequenceMatcher(a=reference, b=wording, autojunk=False).get_opcodes()
    for n, (op, i1, i2, j1, j2) in enumerate(ops):
        if op == "equal":
            continue
        if op in ("delete", "insert") and (n == 0 or n == len(ops) - 1):
            continue  # one quotation starts later or stops earlier than the other
        if op == "replace" and _variants(reference[i1:i2], wording[j1:j2]):
            continue
        if op == "replace" and _abbreviation(reference[i1:i2], wording[j1:j2]):
            continue
        if op == "replace" and n == len(ops) - 1 and j2 - j1 == 1 and " ".join(reference[i1:i2]).startswith(wording[j1]):
            continue  # the text stops in the middle of the last word
        if op == "replace" and n == len(ops) - 1 and _variants(reference[i1:i2], wording[j1:j1 + i2 - i1]):
            continue  # the wording goes on after the reference's last words
        if op == "replace" and n == 0 and i2 - i1 <= j2 - j1 and _variants(reference[i1:i2], wording[j2 - (i2 - i1):j2]):
            continue  # the wording starts earlier
        if op in ("delete", "replace"):
            removed.append(" ".join(reference[i1:i2]))
        if op in ("insert", "replace"):
            added.append(" ".join(wording[j1:j2]))
    return removed, added


def describe(removed: list[str], added: list[str]) -> str:
    parts = []
    if removed:
        parts.append("removed " + ", ".join(f"\u201c{w}\u201d" for w in removed))
    if added:
        parts.append("added " + ", ".join(f"\u201c{w}\u201d" for w in added))
    return "; ".join(parts)


def detect(document: dict[str, Any], records: dict[str, dict], kb: KnowledgeBase) -> list[dict[str, Any]]:
    articles = by_id(document)
    actor_names = {a["id"]: a["name"] for a in document.get("actors", [])}
    linked = {frozenset((c["article"], c["of"])) for c in document.get("copies", [])}
    flags = _within_quotes(document, articles, actor_names, linked, kb)
    flags += _within_copies(document, articles, actor_names)
    return flags


def _spanned(occurrence: dict[str, Any]) -> bool:
    return isinstance(occurrence.get("start"), int) and isinstance(occurrence.get("end"), int)


def _speaker_name(occurrence: dict[str, Any], actor_names: dict[str, str], fallback: str | None = None) -> str:
    name = actor_names.get(occurrence.get("speaker") or "") or occurrence.get("speaker_name") or fallback
    return name or "the speaker"


def _within_quotes(document: dict[str, Any], articles: dict[str, dict[str, Any]], actor_names: dict[str, str],
                   linked: set[frozenset[str]], kb: KnowledgeBase) -> list[dict[str, Any]]:
    event_of = {a: e["id"] for e in document.get("events", []) for a in e.get("articles", [])}
    flags = []
    for quote in document.get("quotes", []):
        wordings: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for o in quote["occurrences"]:
            if o.get("kind") in QUOTED_KINDS and o.get("article") in articles and _spanned(o):
                w = quote_words(o.get("text") or "")
                if len(w) >= MIN_WORDS:
                    wordings[w].append(o)
        if len(wordings) < 2:
            continue
        support = {w: len({o["article"] for o in occ}) for w, occ in wordings.items()}
        ranked = sorted(wordings, key=lambda w: (-support[w], -len(w), w))[:MAX_WORDINGS]
        for wording in ranked[1:]:
            better = [r for r in ranked if support[r] >= support[wording] and r != wording]
            if any(_contiguous(list(wording), list(r)) for r in better):
                continue  # an excerpt of a wording others give
            if any(_contiguous(list(r), list(wording)) for r in better):
                continue  # a longer quotation that contains the others' words
            better = [r for r in better if same_statement(r, wording, SHARED_SHARE)]
            if not better:
                continue  # merged with the others, but not the same words reworded
            better.sort(key=lambda r: (-difflib.SequenceMatcher(a=r, b=wording, autojunk=False).ratio(), -support[r], r))
            for o in wordings[wording]:
                article = articles[o["article"]]
                # the reference: the closest better-supported wording in an article of the same
                # event or copy family (a speaker says much the same words on other days too)
                reference, others = None, []
                for r in better:
                    close = same_statement(r, wording, SHARED_SHARE_UNLINKED)
                    others = [x for x in wordings[r] if x["article"] != o["article"]
                              and articles[x["article"]].get("lang") == article.get("lang")
                              and (close and event_of.get(x["article"]) == event_of.get(o["article"]) is not None
                                   or frozenset((o["article"], x["article"])) in linked)]
                    if others:
                        reference = r
                        break
                if reference is None:
                    continue
                translated = speaker_language(o.get("speaker") or quote.get("speaker"), kb) not in (None, article.get("lang"))
                copied = any(frozenset((o["article"], x["article"])) in linked for x in others)
                flag = _flag(o, others, list(reference), list(wording), article, articles, actor_names, quote["id"],
                             translated and not copied)
                if flag:
                    flags.append(flag)
    return flags


def _flag(o: dict[str, Any], others: list[dict[str, Any]], reference: list[str], wording: list[str],
          article: dict[str, Any], articles: dict[str, dict[str, Any]], actor_names: dict[str, str],
          quote_id: str | None, translated: bool) -> dict[str, Any] | None:
    """`translated`: the speaker spoke another language and the articles do not copy each
    other, so the two may be independent translations: info, not a warning."""
    removed, added = differences(reference, wording)
    if not removed and not added:
        return None
    text = _words_of(o, article)
    if not added and _ELLIPSIS.search(text):
        return None  # the gap is marked
    other_articles = list({x["article"]: articles[x["article"]] for x in others}.values())
    shown = others[0]
    n = len(other_articles)
    function_words_only = all(w in _CONTEXT_STOP for part in removed + added for w in part.split())
    # words dropped from inside a quotation with none put in, "in" for "on", or another translation: info
    severity = "warning" if added and not function_words_only and not translated else "info"
    message = (f"{outlet(article)} quotes {_speaker_name(o, actor_names)} as saying \u201c{short(text)}\u201d, but "
               f"{n} other article{'s' if n > 1 else ''} ({outlets(other_articles)}) quote{'' if n > 1 else 's'} "
               f"\u201c{short(_words_of(shown, articles[shown['article']]))}\u201d "
               f"({describe(removed, added)})."
               + (" The speaker did not speak the article's language: these may be two translations." if translated else ""))
    evidence = span(o["article"], o["start"], o["end"])
    for x in others[:MAX_REFERENCE_EVIDENCE]:
        evidence += span(x["article"], x["start"], x["end"])
    return {"kind": KIND, "severity": severity, "message": message, "evidence": evidence, "quote": quote_id,
            "removed": removed, "added": added, "related": sorted(a["id"] for a in other_articles)}


def _words_of(occurrence: dict[str, Any], article: dict[str, Any]) -> str:
    """An occurrence's words: its own `text` (the article's text at its span, as the link keeps
    it), so per-statement checks need not read whole articles; else cut from the article."""
    text = occurrence.get("text")
    return text if isinstance(text, str) else article["text"][occurrence["start"]:occurrence["end"]]


def _paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    left = text.rfind("\n", 0, start) + 1
    right = text.find("\n", end)
    return left, len(text) if right < 0 else right


def _context(text: str, start: int, end: int, quoted: list[tuple[int, int]]) -> set[str]:
    """Content words of the paragraph around a quotation, without any quoted words."""
    left, right = _paragraph(text, start, end)
    chars = list(text[left:right])
    for s, e in quoted:
        for i in range(max(s, left), min(e, right)):
            chars[i - left] = " "
    return {w for w in words("".join(chars)) if w not in _CONTEXT_STOP and not w.isdigit()}


def _within_copies(document: dict[str, Any], articles: dict[str, dict[str, Any]], actor_names: dict[str, str],
                   carried_elsewhere: Callable[[str, tuple[str, ...], str], bool] | None = None
                   ) -> list[dict[str, Any]]:
    """A copy that puts new words in the mouth of the speaker its original quoted. Words another
    article carries too are not new: the document's articles are asked, and `carried_elsewhere`
    (statement id, words, copy id) when the document holds only part of the corpus."""
    occurrences: dict[str, list[dict[str, Any]]] = defaultdict(list)
    carried_by: dict[tuple[str, ...], set[str]] = defaultdict(set)
    quote_of: dict[int, str] = {}
    for quote in document.get("quotes", []):
        for o in quote["occurrences"]:
            if o.get("article") not in articles or not _spanned(o):
                continue
            occurrences[o["article"]].append(o)
            quote_of[id(o)] = quote["id"]
            carried_by[quote_words(o.get("text") or "")].add(o["article"])
    for found in occurrences.values():  # by place, not by the statements' order: a tie in `best` below
        found.sort(key=lambda o: (o["start"], o["end"]))  # goes the same way whatever order the store reads them in
    normalized = {}

    def norm_text(article_id: str) -> str:
        if article_id not in normalized:
            normalized[article_id] = " " + " ".join(spelled_out_words(articles[article_id]["text"])) + " "
        return normalized[article_id]

    flags = []
    for relation in document.get("copies", []):
        copy_id, original_id = relation["article"], relation["of"]
        if relation.get("kind") not in ("syndicated", "rewrite") or copy_id == original_id:
            continue
        copy, original = articles.get(copy_id), articles.get(original_id)
        if not copy or not original or copy.get("lang") != original.get("lang"):
            continue
        quoted_copy = [(o["start"], o["end"]) for o in occurrences[copy_id]]
        quoted_original = [(o["start"], o["end"]) for o in occurrences[original_id]]
        for o in occurrences[copy_id]:
            w = quote_words(o.get("text") or "")
            if (o.get("kind") not in QUOTED_KINDS or not o.get("speaker") or len(w) < 2
                    or f" {' '.join(w)} " in norm_text(original_id) or carried_by[w] - {copy_id}):
                continue  # the original has these words, or another article quotes them too
            around = _context(copy["text"], o["start"], o["end"], quoted_copy)
            best, best_score = None, 0.0
            for x in occurrences[original_id]:
                xw = quote_words(x.get("text") or "")
                if (x.get("kind") not in QUOTED_KINDS or x.get("speaker") != o.get("speaker") or len(xw) < 2
                        or f" {' '.join(xw)} " in norm_text(copy_id) or quote_of[id(x)] == quote_of[id(o)]):
                    continue  # another speaker, or words the copy keeps somewhere
                theirs = _context(original["text"], x["start"], x["end"], quoted_original)
                shared = around & theirs
                score = len(shared) / (len(around | theirs) or 1)
                if len(shared) >= MIN_CONTEXT_WORDS and score >= CONTEXT_JACCARD and score > best_score:
                    best, best_score = x, score
            if best is None or (carried_elsewhere is not None and carried_elsewhere(quote_of[id(o)], w, copy_id)):
                continue  # asked last: it reads the store (most occurrences that get this far have no best)
            mine = copy["text"][o["start"]:o["end"]]
            theirs_text = original["text"][best["start"]:best["end"]]
            flags.append({
                "kind": KIND, "severity": "warning",
                "message": (f"{outlet(copy)}, in a {relation['kind']} of {outlet(original)}'s article, quotes "
                            f"{_speaker_name(o, actor_names)} as saying \u201c{short(mine)}\u201d where {outlet(original)} "
                            f"quotes \u201c{short(theirs_text)}\u201d in the same sentence."),
                "evidence": span(copy_id, o["start"], o["end"]) + span(original_id, best["start"], best["end"]),
                "quote": quote_of[id(o)], "removed": [" ".join(quote_words(theirs_text))], "added": [" ".join(w)],
                "related": [original_id],
            })
    return flags
