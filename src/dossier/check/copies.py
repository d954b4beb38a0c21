"""Uncredited copy: an article that reproduces another outlet's material without naming it.

Works on `copies[]` (syndicated copies and rewrites; a duplicate is the same text, credit
and all). The original's credits are its own outlet names (and their initials, as wire
datelines abbreviate them: "Continental Press" is "(CP)") and whatever it credits in
turn: a dateline credit "MEXICO CITY (AP) —", a byline "By Ana Ruiz, Continental Press",
"as reported by ...", "according to <outlet>", "con información de ...", "Fuente: ...".
The copy is credited when its text, its removed lines (bylines the cleaner took out), its
author field or its own outlet names any of them.

Severity: a warning when most of the copy is the other's material (and that material is
more than a few lines of the original) and the direction is
sure (both dated to the day, or the original carries a wire credit, its own or another's); info when the copy reuses
only part of it, when the direction rests on length alone, or when the copy credits some
other wire or outlet (it may have taken the material from there).
"""

from __future__ import annotations

import re
from typing import Any

from dossier.check.common import by_id, outlet, span
from dossier.kb import KnowledgeBase

KIND = "uncredited copy"
WARNING_COVERAGE = 0.5  # share of the copy's words in passages matched to the original
MIN_MATERIAL_WORDS = 15  # words of the original in the matched passages: less is not material reproduced
WARNING_MATERIAL_WORDS = 40
MAX_EVIDENCE_PASSAGES = 12
SURE_DIRECTIONS = ("published earlier",)
# Wire services and syndicates whose name in a copy is a credit in itself.
WIRES = ("Associated Press", "AP", "Reuters", "Agence France-Presse", "AFP", "EFE", "Agencia EFE", "Bloomberg",
         "Deutsche Presse-Agentur", "dpa", "ANSA", "Europa Press", "Notimex", "Xinhua", "Kyodo", "Press Association",
         "PA", "Canadian Press", "CNN Wire", "United Press International", "UPI", "Tribune News Service", "TNS")
_WIRE_WORDS = {w: re.compile(rf"(?<![\w-]){re.escape(w)}(?![\w-])") for w in WIRES}  # each as a word of its own
# "del" before "de": a credit phrase's name ends where the pattern stops, and with "de" first
# "Por Noticias del Golfo" credited "Noticias de"
_NAME = r"(?:[A-Z][\w&'’.-]*|del|de|la|el|of|the)(?:[ \t]+(?:[A-Z][\w&'’.-]*|del|de|la|el|of|the)){0,5}"
# "according to" and "via" name sources of facts ("according to a poll"), not of the text: left out
_CREDIT_PHRASES = re.compile(
    rf"(?i:\bas reported by|\breported by|\bcourtesy of|\bcon información de|\bfuente:|\bsource:|^por)[ \t]+"
    rf"(?P<name>(?:the[ \t]+)?{_NAME})", re.M)
_DATELINE_CREDIT = re.compile(r"^[A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑ .,'’-]{2,40}\((?P<name>[^)]{1,40})\)\s*[—–-]", re.M)
_BYLINE_OUTLET = re.compile(rf"^(?:By|Por)\s+[^,\n|]{{2,60}}[,|]\s*(?P<name>{_NAME})\s*$", re.M)
_OUTLET_REPORTED = re.compile(rf"(?P<name>{_NAME})\s+(?:reported|reports|informó|publicó)\b")


# Each pattern with the words it cannot match without, looked for in the case-folded text
# (True) or as written (False). Searching the whole text for a credit phrase or an outlet that
# "reported" cost half a millisecond an article, most of the copies check's CPU.
_CREDIT_PATTERNS = (
    (_CREDIT_PHRASES, ("reported by", "courtesy of", "con información de", "fuente:", "source:", "\npor"), True),
    (_DATELINE_CREDIT, ("(",), False),
    (_BYLINE_OUTLET, ("By", "Por"), False),
    (_OUTLET_REPORTED, ("reported", "reports", "informó", "publicó"), False),
)


def initials(name: str) -> str | None:
    """"Continental Press" -> "CP": how wire datelines abbreviate an outlet."""
    parts = [p for p in re.findall(r"[^\W\d_]+", name) if p[0].isupper()]
    return "".join(p[0] for p in parts) if len(parts) >= 2 else None


def _lines(article: dict[str, Any]) -> str:
    """All the text an article carries: clean text, removed lines (bylines), author, title."""
    removed = [r.get("text") or "" for r in article.get("removed") or []]
    for source in article.get("sources") or []:
        removed += [r.get("text") or "" for r in source.get("removed") or []]
    return "\n".join([article.get("text") or "", *removed, article.get("author") or "", article.get("title") or ""])


def own_names(article: dict[str, Any]) -> set[str]:
    """The outlet names an article goes by: its primary source's (an aggregator that
    carries the same text is a duplicate source, not the article's outlet)."""
    return {n for n in (article.get("outlet_name"), article.get("outlet")) if n and len(n) > 2}


def credited_names(article: dict[str, Any], memo: dict[str, frozenset[str]] | None = None) -> set[str]:
    """Outlets and wires an article credits in its own text: datelines, bylines, "reported by".
    `memo` keeps them by article id for one pass (an original with many copies is read once)."""
    if memo is not None:
        if article["id"] not in memo:
            memo[article["id"]] = frozenset(credited_names(article))
        return set(memo[article["id"]])
    text = _lines(article)
    # case-folded as the phrases' (?i:) compares: it takes "İ" and "ı" for an "i" too
    # (after a newline, as the start of a line is: "\npor" needs a line that starts with "por")
    folded = "\n" + text.replace("\u0130", "i").replace("\u0131", "i").casefold()
    names = set()
    for pattern, needles, haystack in _CREDIT_PATTERNS:
        if not any(needle in (folded if haystack else text) for needle in needles):
            continue  # it cannot match a text without one of its words: most texts have none
        for m in pattern.finditer(text):
            name = m.group("name").strip(" .,")
            if name.casefold().startswith("the "):
                name = name[4:]
            if len(name) >= 2 and (name in WIRES or len(name) > 3 and name[0].isupper()):
                names.add(name)
    # the plain substring test first: most wires are not in a text, and it rules them out without the regex
    names |= {w for w in WIRES if w in text and _WIRE_WORDS[w].search(text)}
    return names


def _mentions(text: str, name: str) -> bool:
    if len(name) <= 4 and name.isupper():  # initials count only as a word of their own: "(CP)", "CP reported"
        return name in text and re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None
    return name.casefold() in text.casefold()


def _credits_domain(copy: dict[str, Any], original: dict[str, Any], memo: dict[str, frozenset[str]] | None = None) -> bool:
    """An original known only by its domain is credited by the name the domain spells:
    "(AP)" for apnews.com, "La Gaceta del Norte" for lagacetadelnorte.example."""
    labels = {n.casefold().removeprefix("www.").split(".")[0] for n in own_names(original) if "." in n}
    given = {re.sub(r"\W", "", n).casefold() for n in credited_names(copy, memo)}
    return any(g and len(g) >= 2 and label.startswith(g) for g in given for label in labels)


def expected_credits(original: dict[str, Any], memo: dict[str, frozenset[str]] | None = None) -> set[str]:
    """Any of these in a copy credits the original: its outlet, their initials, what it credits."""
    names = own_names(original) | credited_names(original, memo)
    names |= {i for n in list(names) if (i := initials(n)) and len(i) >= 2}
    return names


def detect(document: dict[str, Any], records: dict[str, dict], kb: KnowledgeBase) -> list[dict[str, Any]]:
    articles = by_id(document)
    flags = []
    memo: dict[str, frozenset[str]] = {}  # credited names by article, for this pass
    for relation in document.get("copies", []):
        if relation.get("kind") not in ("syndicated", "rewrite") or relation["article"] == relation["of"]:
            continue
        copy, original = articles.get(relation["article"]), articles.get(relation["of"])
        if not copy or not original:
            continue
        mine = own_names(copy)
        if mine & own_names(original):
            continue  # one outlet reusing its own material
        expected = expected_credits(original, memo)
        if any(_mentions(name, e) or _mentions(e, name) for name in mine for e in expected):
            continue  # the copy is the outlet the original credits (the direction is the other way)
        carried = _lines(copy)
        if any(_mentions(carried, name) for name in expected) or _credits_domain(copy, original, memo):
            continue
        material = sum(len(original["text"][p["of_start"]:p["of_end"]].split()) for p in relation.get("passages") or []
                       if p.get("of_start") is not None and p.get("of_end") is not None)
        if material < MIN_MATERIAL_WORDS:
            continue  # a few names or a short line in common
        flags.append(_flag(relation, copy, original, expected, material, memo))
    return flags


def _flag(relation: dict[str, Any], copy: dict[str, Any], original: dict[str, Any], expected: set[str],
          material: int, memo: dict[str, frozenset[str]] | None = None) -> dict[str, Any]:
    coverage = (relation.get("coverage") or {}).get("copy", relation.get("similarity", 0.0))
    wire_credit = credited_names(original, memo) - own_names(original)
    self_credit = any(_mentions(original.get("text") or "", i) for n in own_names(original)
                      if (i := initials(n))) or bool(credited_names(original, memo) & own_names(original))
    days = [len(a.get("published") or "") >= 10 for a in (copy, original)]
    # which of the two came first does not matter when the material is a wire's: the copy took it
    # from the wire or from the original, and names neither
    sure = (relation.get("direction") in SURE_DIRECTIONS and all(days)) or self_credit or bool(wire_credit)
    other_credit = credited_names(copy, memo) - own_names(copy)
    substantial = coverage >= WARNING_COVERAGE and material >= WARNING_MATERIAL_WORDS
    severity = "warning" if substantial and sure and not other_credit else "info"
    source = outlet(original)
    if wire_credit:
        whose = f"material {source} credits to {', '.join(sorted(wire_credit))}"
        names = sorted(wire_credit | {source})
    else:
        whose = f"{source}'s article"
        names = [source]
    how = "reprints" if relation["kind"] == "syndicated" else "rewrites"
    message = (f"{outlet(copy)} {how} {whose} ({round(100 * coverage)}% of its text matches) without naming "
               f"{' or '.join(names)}: no byline, dateline credit or mention of the source.")
    if other_credit:
        message += f" It does credit {', '.join(sorted(other_credit))}, which may be where it took the material from."
    passages = relation.get("passages") or []
    evidence = []
    for p in passages[:MAX_EVIDENCE_PASSAGES]:
        evidence += span(copy["id"], p.get("start"), p.get("end"))
    for p in passages[:2]:
        evidence += span(original["id"], p.get("of_start"), p.get("of_end"))
    if not evidence:
        evidence = span(copy["id"], 0, len(copy.get("text") or ""))
    return {"kind": KIND, "severity": severity, "message": message, "evidence": evidence,
            "copy_kind": relation["kind"], "coverage": coverage, "credits_expected": sorted(expected),
            "related": [original["id"]]}
