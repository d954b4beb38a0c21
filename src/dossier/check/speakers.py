"""Speaker conflict: the same quotation given to different people in different articles.

Works on the merged statements of `quotes[]`: each occurrence carries the speaker its
article gives. Occurrences are compared only with those that carry the same words (one
contains the other, or nearly the same wording): quote merging also chains two
statements that share a slogan. Only direct quotations of a few words count (a short phrase or a scare
quote is said by many; indirect speech is the reporter's wording), and only speakers
resolved to people (an agency's spokesman quoting a minister is not a conflict). An
article that gives one quotation to two people is left out: that is an extraction doubt,
not a claim of the article, and so is a quotation that names its own speaker ("I spoke
with President Sheinbaum" given to Sheinbaum). The attribution most articles give is
named as the majority; when the articles are evenly split, the flag is a warning only if
every side names its speaker at the quotation.
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from typing import Any

from dossier.check.common import by_id, outlet, outlets, short, span, words
from dossier.kb import KnowledgeBase

KIND = "speaker conflict"
MIN_WORDS = 5  # a quotation shorter than this is a phrase many people say
MIN_CONTAINED = 6  # an excerpt this long of another occurrence's words is the same statement
SAME_WORDS_RATIO = 0.8  # word-sequence similarity at which two wordings are the same statement
MAX_WORDINGS = 100  # wordings of one statement compared pairwise (the most carried): pairs grow as the square
MAX_RELATED_EVIDENCE = 3  # occurrences of the majority attribution shown as evidence


def _evidence(occurrences: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for o in occurrences:
        out += span(o["article"], o["start"], o["end"]) + span(o["article"], o.get("speaker_start"), o.get("speaker_end"))
    return out


def _named(occurrence: dict[str, Any], name: str, kb: KnowledgeBase) -> bool:
    """Whether the article names the speaker at the quotation ("Sheinbaum said"), rather than
    a pronoun or a description ("she said", "the president said") resolved by the analysis."""
    given = set(words(occurrence.get("speaker_given") or ""))
    actor = kb.actor(occurrence.get("speaker") or "")
    names = [name, *(actor.aliases if actor else [])]
    return any(len(w) > 2 and w in given for n in names for w in words(n))


def _speaks_of_self(said: set[str], name: str) -> bool:
    """A quotation that names its own speaker ("I spoke with President Sheinbaum") was
    most likely said by someone else: the analysis resolved the speaker wrongly."""
    surnames = {w for w in words(name)[1:] if len(w) > 3}  # "Claudia Sheinbaum Pardo": sheinbaum, pardo
    return bool(surnames & said)


def _same_person(a: str, b: str) -> bool:
    """Two actor names that may be one person resolved twice ("Trump", "Donald J. Trump")."""
    last_a, last_b = words(a)[-1:], words(b)[-1:]
    return bool(last_a) and last_a == last_b


def detect(document: dict[str, Any], records: dict[str, dict], kb: KnowledgeBase) -> list[dict[str, Any]]:
    """One flag per article that gives a quotation to someone other than most articles do
    (one flag per quotation when the articles are evenly split)."""
    articles = by_id(document)
    people = {a["id"]: a["name"] for a in document.get("actors", []) if a.get("kind") == "person"}
    flags = []
    for quote in document.get("quotes", []):
        usable = [o for o in quote["occurrences"]
                  if o.get("kind") == "direct" and o.get("speaker") in people and isinstance(o.get("start"), int)
                  and len(words(o.get("text") or "")) >= MIN_WORDS]
        for group in same_words_groups(usable):
            said = {w for o in group for w in words(o["text"])}
            group = [o for o in group if not _speaks_of_self(said, people[o["speaker"]])]
            flags += _conflicts(quote, group, articles, people, kb)
    return flags


def same_words_groups(occurrences: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Occurrences of a merged statement that carry the same words: one contains the other
    (an excerpt of six words or more) or they are worded almost alike. Quote merging joins
    looser chains (two statements that share a slogan), which are not one statement."""
    carried = Counter(tuple(words(o["text"])) for o in occurrences)
    # the most carried wordings only: pairs grow as the square, and a statement with hundreds of
    # wordings is a slogan, whose rarest variants are extraction noise
    wordings = sorted(sorted(carried, key=lambda w: (-carried[w], w))[:MAX_WORDINGS])
    parent = list(range(len(wordings)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, a in enumerate(wordings):
        for j in range(i + 1, len(wordings)):
            if find(i) != find(j) and _same_words(a, wordings[j]):
                parent[find(j)] = find(i)
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    index = {w: i for i, w in enumerate(wordings)}
    for o in occurrences:
        w = tuple(words(o["text"]))
        if w in index:
            groups[find(index[w])].append(o)
    return [groups[k] for k in sorted(groups)]


def _same_words(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    shorter, longer = sorted((a, b), key=len)
    n = len(shorter)
    if n >= MIN_CONTAINED and any(longer[i:i + n] == shorter for i in range(len(longer) - n + 1)):
        return True
    return difflib.SequenceMatcher(a=a, b=b, autojunk=False).ratio() >= SAME_WORDS_RATIO


def _conflicts(quote: dict[str, Any], occurrences: list[dict[str, Any]], articles: dict[str, dict[str, Any]],
               people: dict[str, str], kb: KnowledgeBase) -> list[dict[str, Any]]:
    flags: list[dict[str, Any]] = []
    per_article: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for o in occurrences:
        per_article[o["article"]][o["speaker"]].append(o)
    by_speaker: dict[str, list[str]] = defaultdict(list)
    for article_id, speakers in sorted(per_article.items()):
        if len(speakers) == 1 and article_id in articles:
            by_speaker[next(iter(speakers))].append(article_id)
    if len(by_speaker) < 2:
        return []
    ranked = sorted(by_speaker, key=lambda s: (-len(by_speaker[s]), people[s]))
    top = ranked[0]
    if any(_same_person(people[top], people[s]) for s in ranked[1:]):
        return []
    # the words this group carries (the merged statement's canonical text may be another group's)
    text = short(max((o["text"] for o in occurrences), key=lambda t: (len(words(t)), t)))
    if len(by_speaker[top]) == len(by_speaker[ranked[1]]):
        named = all(_named(o, people[s], kb) for s in ranked for a in by_speaker[s] for o in per_article[a][s])
        return [_split_flag(quote, text, ranked, by_speaker, per_article, articles, people, named)]
    majority_articles = [articles[a] for a in by_speaker[top]]
    majority_evidence = _evidence([o for a in by_speaker[top][:MAX_RELATED_EVIDENCE] for o in per_article[a][top]])
    n = len(majority_articles)
    for speaker in ranked[1:]:
        for article_id in by_speaker[speaker]:
            flags.append({
                "kind": KIND, "severity": "warning",
                "message": (f"{outlet(articles[article_id])} attributes \u201c{text}\u201d to {people[speaker]}, but "
                            f"{n} other article{'s' if n > 1 else ''} ({outlets(majority_articles)}) attribute{'' if n > 1 else 's'} it to "
                            f"{people[top]}."),
                "evidence": _evidence(per_article[article_id][speaker]) + majority_evidence,
                "quote": quote["id"], "speaker": speaker, "majority_speaker": top, "related": by_speaker[top],
            })
    return flags


def _split_flag(quote: dict[str, Any], text: str, ranked: list[str], by_speaker: dict[str, list[str]],
                per_article: dict[str, dict[str, list[dict[str, Any]]]], articles: dict[str, dict[str, Any]],
                people: dict[str, str], named: bool) -> dict[str, Any]:
    """The articles are evenly split: no attribution is the majority, so one flag shows all sides.
    A warning only when every side names its speaker: with a pronoun or a description on one
    side, a wrong resolution by the analysis is as likely as a wrong article."""
    sides = [f"{outlets([articles[a] for a in by_speaker[s]])} to {people[s]}" for s in ranked]
    evidence = _evidence([o for s in ranked for a in by_speaker[s] for o in per_article[a][s]])
    return {"kind": KIND, "severity": "warning" if named else "info",
            "message": f"Articles disagree on who said \u201c{text}\u201d: {'; '.join(sides)}; no attribution is given by most sources.",
            "evidence": evidence, "quote": quote["id"], "speakers": ranked,
            "related": sorted(a for s in ranked for a in by_speaker[s])}
