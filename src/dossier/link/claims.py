"""Claims across articles: the same numeric claim, as each article of a story states it.

Two numbers in two articles are "the same claim" when they measure the same thing: the
same unit, the same counted noun (lemma, with a few synonyms and Spanish→English
translations: "cárteles" = "cartels", "criminal organizations" = "criminal groups"), and
similar sentence context (idf-weighted overlap of the words around them, idf taken over the
claims of the scope being matched, so a scope's claims depend on it alone and can be redone
alone: link/derived.py). Claims are matched within one event, and between the two articles of
a copy relation that crosses events (`claim_scopes`); a copy relation is strong evidence and
lowers the bar. Matches are grouped by average linkage, so one loose match cannot chain two
different claims together.

The output is DESIGN.md's `claims[]`, one entry per claim with every occurrence (article
and span), plus extensions: what it counts, the values seen and the pairs of occurrences
that matched directly with the reason (`links`), which the number-mismatch detector reads.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from collections.abc import Iterable
from typing import Any

from dossier.analyze.claims import _STOP, _fold, extract_claims, lemma

# A match needs this much context overlap (idf-weighted Jaccard of the sentence words), by
# what ties the two articles: (both count the same noun, one or both count nothing named
# as in "deaths ... at more than 70,000"). Copies need less; articles of one story more.
BARS = {"copy": (0.30, 0.40), "event": (0.45, 0.60), "story": (0.55, 0.70)}
NAME_REACH = 8  # words before a number in its clause where the names it is about are looked for
MAX_PAIRS_PER_TERM = 200
# Articles of one story but different events are not compared (no "story" tie since the scopes
# of `claim_scopes`): a story can span most of a corpus (one story of 613 events in the
# 10,000-article benchmark store), so a batch redid the story's claims; at 10,000 articles it
# kept 156 of 6,031 matched pairs, and the five PolNeAR number flags it raised were all false
# alarms (BENCHMARKS.md, claims and flags per batch).
CONTEXT_WORDS = 8  # content words taken on each side of the number
PREFIX = 5  # context words are compared by their first letters  # a context word shared by more claims than this is not used to find candidates

# Counted nouns that name the same thing in these stories (lemmas → one key).
_SYNONYMS = {
    "cartel": "group", "organization": "group", "organisation": "group", "gang": "group", "group": "group",
    "organizacion": "group", "grupo": "group", "pandilla": "group",
    "officer": "officer", "policeman": "officer", "policemen": "officer", "police": "officer", "cop": "officer",
    "agent": "officer", "policia": "officer", "agente": "officer", "elemento": "troop",
    "troop": "troop", "soldier": "troop", "soldado": "troop", "militar": "troop", "tropa": "troop",
    "death": "death", "dead": "death", "fatality": "death", "muerte": "death", "muerto": "death",
    "fallecido": "death", "homicide": "homicide", "homicidio": "homicide", "murder": "homicide",
    "asesinato": "homicide", "person": "person", "people": "person", "persona": "person", "gente": "person",
    "migrant": "migrant", "migrante": "migrant", "immigrant": "migrant", "inmigrante": "migrant",
    "prisoner": "prisoner", "inmate": "prisoner", "detainee": "prisoner", "fugitive": "prisoner",
    "preso": "prisoner", "reo": "prisoner", "recluso": "prisoner", "seizure": "seizure", "decomiso": "seizure", "aseguramiento": "seizure",
    "arrest": "arrest", "detenido": "arrest", "arresto": "arrest", "detencion": "arrest",
    "country": "country", "pais": "country", "nation": "country", "nacion": "country",
    "state": "state", "estado": "state", "year": "year", "ano": "year", "month": "month", "mes": "month",
    "day": "day", "dia": "day", "week": "week", "semana": "week", "victim": "victim", "victima": "victim",
    "ton": "ton", "tonelada": "ton", "kilogram": "kilogram", "kilo": "kilogram", "kilogramo": "kilogram",
    "weapon": "weapon", "arma": "weapon", "gun": "weapon", "firearm": "weapon",
    "american": "american", "estadounidense": "american", "mexican": "mexican", "mexicano": "mexican",
    "territory": "territory", "territorio": "territory", "member": "member", "miembro": "member",
    "integrante": "member", "worker": "worker", "trabajador": "worker", "job": "job", "empleo": "job",
    "vehicle": "vehicle", "vehiculo": "vehicle", "child": "child", "children": "child", "nino": "child",
    "woman": "woman", "women": "woman", "mujer": "woman", "man": "man", "men": "man", "hombre": "man",
    "student": "student", "estudiante": "student", "journalist": "journalist", "periodista": "journalist",
    "official": "official", "funcionario": "official", "vote": "vote", "voto": "vote",
    "dollar": "dollar", "dolar": "dollar", "border": "border", "frontera": "border", "fentanilo": "fentanyl",
    "overdose": "overdose", "sobredosis": "overdose", "crossing": "crossing", "cruce": "crossing",
    "pill": "pill", "pastilla": "pill", "lab": "lab", "laboratory": "lab", "laboratorio": "lab",
    "drug": "drug", "droga": "drug", "reduccion": "reduction", "caida": "fall", "designo": "designated",
    "designated": "designated", "designar": "designated", "terrorista": "terrorist", "extranjera": "foreign",
    "extranjero": "foreign", "criminal": "criminal", "criminale": "criminal", "febrero": "february",
    "enero": "january", "junio": "june", "julio": "july", "marzo": "march", "abril": "april", "mayo": "may",
    "agosto": "august", "septiembre": "september", "octubre": "october", "noviembre": "november",
    "diciembre": "december", "gobierno": "government", "presidente": "president", "presidenta": "president",
}
_UNIT_CLASS = {"percent": "share", "fraction": "share"}
_CONTEXT_WORD = re.compile(r"[^\W\d_][\w'’\-]+")
_SENTENCE_END = re.compile(r"[.!?](?=[\"”’»)]*\s+[\"“«¿¡(]?[A-ZÁÉÍÓÚÑ])|\n")


def canon(word: str | None, lang: str | None = "en") -> str | None:
    """One key per counted thing across languages and close synonyms."""
    if not word:
        return None
    base = lemma(word, lang) if " " not in word else word
    return _SYNONYMS.get(base, base)


@dataclass
class ClaimArticle:
    """What claim linking needs of an article."""
    id: str
    text: str
    lang: str | None = None
    published: str | None = None
    outlet: str | None = None


@dataclass
class Occurrence:
    article: str
    claim: dict[str, Any]
    lang: str | None
    published: str | None
    context: frozenset[str] = field(default_factory=frozenset)
    names: frozenset[str] = field(default_factory=frozenset)
    crowded: bool = False
    head: str | None = field(init=False)  # computed once: pair scoring reads them millions of times
    unit_class: str = field(init=False)

    def __post_init__(self) -> None:
        self.head = _SYNONYMS.get(self.claim.get("head") or "", self.claim.get("head"))
        unit = self.claim["unit"]
        self.unit_class = _UNIT_CLASS.get(unit, unit)


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(0, start - 300)
    begin = left
    for m in _SENTENCE_END.finditer(text, left, start):
        begin = m.end()
    m = _SENTENCE_END.search(text, end, min(len(text), end + 300))
    return begin, (m.end() if m else min(len(text), end + 300))


def context_terms(text: str, claim: dict[str, Any], lang: str | None) -> frozenset[str]:
    """The content words around the number in its sentence (CONTEXT_WORDS each side, so a
    long sentence does not dilute the overlap), as crude stems with the shared
    synonyms/translations applied, plus the counted noun."""
    begin, finish = _sentence(text, claim["start"], claim["end"])
    before: list[str] = []
    after: list[str] = []
    for m in _CONTEXT_WORD.finditer(text, begin, finish):
        if claim["number_start"] <= m.start() < claim["number_end"]:
            continue
        word = m.group(0)
        if _fold(word) in _STOP or len(word) < 3:
            continue
        base = lemma(word, lang)
        base = _SYNONYMS.get(base, base)[:PREFIX]  # a crude stem that also bridges the languages: fentanyl/fentanilo
        (before if m.start() < claim["number_start"] else after).append(base)
    terms = set(before[-CONTEXT_WORDS:]) | set(after[:CONTEXT_WORDS])
    if claim.get("head"):
        terms.add("head:" + (_SYNONYMS.get(claim["head"], claim["head"])))
    return frozenset(terms)


_NAME = re.compile(r"\b[A-ZÁÉÍÓÚÑ][\w'’\-]+")
_CLAUSE = re.compile(r"[,;:.!?()\"“”«»—–\n]")


_NOT_NAMES = frozenset("""january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday enero febrero marzo abril mayo junio julio agosto
septiembre setiembre octubre noviembre diciembre lunes martes miercoles jueves viernes sabado domingo
sept sep oct nov dec jan feb mar apr aug""".split())
_OPENING = re.compile(r"(?:^|[.!?:]\s+|\n\s*|[\"“«(]\s*)$")


def local_names(text: str, claim: dict[str, Any]) -> frozenset[str]:
    """Capitalised words in the few words before the number, within its clause, and in what it
    counts: whose number it is ("Ted Cruz has 11 delegates" vs "Marco Rubio has won 25").
    Months, weekdays and a sentence's first word are not names."""
    start = claim["number_start"]
    left = max(0, start - 120)
    before = text[left:start]
    cut = max((m.end() for m in re.finditer(_CLAUSE.pattern + r"|\s(?:and|but|while|y|pero|mientras)\s", before)), default=0)
    words = list(re.finditer(r"\S+", before[cut:]))[-NAME_REACH:]
    window_start = left + cut + (words[0].start() if words else len(before) - cut)
    spans = [(m.start() + window_start, m.group(0)) for m in _NAME.finditer(text, window_start, start)]
    if claim.get("counts"):
        offset = text.find(claim["counts"], claim["number_start"])
        if offset >= 0:
            spans += [(m.start(), m.group(0)) for m in _NAME.finditer(text, offset, offset + len(claim["counts"]))]
    names = set()
    for position, word in spans:
        if _OPENING.search(text[max(0, position - 3):position]) or position == 0:
            continue
        folded = _fold(word).strip("'")
        if folded.endswith("'s"):
            folded = folded[:-2]
        if folded not in _STOP and folded not in _NOT_NAMES and len(folded) > 2:
            names.add(folded)
    return frozenset(names)


def _crowding(claims: list[dict[str, Any]], text: str) -> list[bool]:
    """Whether each claim shares its sentence with another number of the same unit (a list of
    tallies, "Cruz has 11 delegates, Rubio has 10"), where matching by context is unsafe."""
    sentences = [_sentence(text, c["start"], c["end"]) for c in claims]
    out = []
    for i, c in enumerate(claims):
        unit = _UNIT_CLASS.get(c["unit"], c["unit"])
        out.append(any(j != i and sentences[j] == sentences[i] and _UNIT_CLASS.get(d["unit"], d["unit"]) == unit
                       for j, d in enumerate(claims)))
    return out


# ---- values ---------------------------------------------------------------------------------

def _rounding(value: float, unit: str) -> float:
    """How far a stated number may be from the true one by rounding alone: half the place of
    its last non-zero digit for round numbers ≥ 10 ("70,000" ± 5,000), nothing for small
    exact counts ("eight"), 0.02 for fractions in words ("half")."""
    if unit == "fraction":
        return 0.02
    if value != int(value):
        decimals = len(repr(float(value)).split(".")[1].rstrip("0")) or 1
        return 0.5 * 10 ** -decimals
    n = int(abs(value))
    if n < 10:
        return 0.0
    place = 1
    while n % (place * 10) == 0:
        place *= 10
    return place / 2 if place > 1 else 0.5


def _as_share(value: float, unit: str) -> float:
    return value / 100 if unit == "percent" else value


_LOWER = {"more than", "at least"}
_UPPER = {"less than", "up to", "at most"}


def interval(claim: dict[str, Any]) -> tuple[float, float, str]:
    """(low, high, bound) the stated number allows, with rounding; bound is "lower", "upper" or "point"."""
    unit = claim["unit"]
    value = _as_share(float(claim["value"]), unit)
    tolerance = _rounding(float(claim["value"]), unit)
    tolerance = tolerance / 100 if unit == "percent" else tolerance
    qualifier = claim.get("qualifier")
    if qualifier in _LOWER:
        return value - tolerance, math.inf, "lower"
    if qualifier in _UPPER:
        return -math.inf, value + tolerance, "upper"
    if qualifier == "about":
        spread = tolerance + 0.1 * abs(value)
        return value - spread, value + spread, "point"
    if qualifier == "nearly":
        return value * 0.85 - tolerance, value + tolerance, "point"
    return value - tolerance, value + tolerance, "point"


def compatible(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two statements of one claim can both be true. Two bounds of the same kind must
    state the same number ("more than 17,000" vs "more than 70,000" disagree, though both
    could hold, because a copy that changes the bound changed the claim)."""
    if a.get("vague") or b.get("vague"):
        return True
    la, ha, ka = interval(a)
    lb, hb, kb = interval(b)
    if ka == kb and ka != "point":
        a_point = dict(a, qualifier=None)
        b_point = dict(b, qualifier=None)
        la, ha, _ = interval(a_point)
        lb, hb, _ = interval(b_point)
    return la <= hb + 1e-9 and lb <= ha + 1e-9


# ---- matching -------------------------------------------------------------------------------

def _ties(copies: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Articles tied by a copy relation: a copy and its original, and copies of one original."""
    originals: dict[str, set[str]] = defaultdict(set)
    for c in copies:
        if c["article"] != c["of"]:
            originals[c["article"]].add(c["of"])
    tied: dict[str, set[str]] = defaultdict(set)
    for copy, ofs in originals.items():
        for of in ofs:
            tied[copy].add(of)
            tied[of].add(copy)
    children: dict[str, set[str]] = defaultdict(set)
    for copy, ofs in originals.items():
        for of in ofs:
            children[of].add(copy)
    for of, kids in children.items():
        for kid in kids:
            tied[kid] |= kids - {kid}
    return tied


def claim_scopes(article_ids: Iterable[str], event_of: dict[str, str],
                 copies: list[dict[str, Any]]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Where claims are matched: each article's group (`group_key`: its event, or the article
    alone without one) and the copy pairs whose two articles are in different groups, each
    pair once as (smaller id, larger id).

    Why groups cannot grow past an event: a group used to be the connected set of articles
    that events and copy relations tie together, and a copy reprinted days later sits in
    another event, so copy ties chain events into one component that grows with the corpus
    (percolation) and every batch redid it. Here a copy relation across events is its own
    scope of two articles: its claims are matched between that copy and its original only
    (and can repeat occurrences their events' claims also hold), so a batch's claim work is
    its events and its copy pairs, whatever the corpus size."""
    ids = set(article_ids)
    group = {a: group_key(event_of.get(a), a) for a in ids}
    pairs = {(min(c["article"], c["of"]), max(c["article"], c["of"])) for c in copies
             if c["article"] != c["of"] and c["article"] in ids and c["of"] in ids
             and group[c["article"]] != group[c["of"]]}
    return group, sorted(pairs)


def group_key(event: str | None, article: str) -> str:
    """The scope of an article's group: its event's id, or its own id when it has no event
    (event ids, "e" and 10 hex digits, and article ids, 16 hex digits, never coincide)."""
    return "g:" + (event or article)


def pair_key(a: str, b: str) -> str:
    return f"p:{min(a, b)}:{max(a, b)}"


def match_score(a: Occurrence, b: Occurrence, idf: dict[str, float], tie: str) -> float:
    """How surely two occurrences state the same claim (0 when they cannot)."""
    if a.unit_class != b.unit_class or a.article == b.article:
        return 0.0
    if a.head and b.head and a.head != b.head:
        return 0.0
    if a.names and b.names and not a.names & b.names:
        return 0.0  # about different people or places
    union = a.context | b.context
    if not union:
        return 0.0
    # fsum: correctly rounded, so the score does not depend on the sets' (hash-seeded) order
    shared = math.fsum(idf.get(t, 1.0) for t in a.context & b.context)
    overlap = shared / math.fsum(idf.get(t, 1.0) for t in union)
    same_head, no_head = BARS[tie]
    bar = same_head if a.head and b.head else no_head
    return overlap if overlap >= bar else 0.0


Features = list[tuple[list[str], list[str], bool]]


def article_features(article: ClaimArticle, claims: list[dict[str, Any]]) -> Features:
    """What matching reads of each claim's sentence: (context terms, names, crowded), sorted,
    JSON-ready. A pure function of the article's text and claims, so it can be kept with the
    article (link/derived.py) and a group's claims redone without reading its texts."""
    return [(sorted(context_terms(article.text, claim, article.lang)), sorted(local_names(article.text, claim)), crowded)
            for claim, crowded in zip(claims, _crowding(claims, article.text))]


def link_claims(articles: list[ClaimArticle], claims_by_article: dict[str, list[dict[str, Any]]],
                events: list[dict[str, Any]], stories: list[dict[str, Any]],
                copies: list[dict[str, Any]], features: dict[str, Features] | None = None) -> list[dict[str, Any]]:
    """DESIGN.md's `claims[]`: each article's claims, matched within each event (`group_claims`)
    and between the two articles of each copy relation across events (`pair_claims`); see
    `claim_scopes`. `stories` are not used: articles of one story but different events are not
    compared (a story can span most of a corpus; measured in BENCHMARKS.md). `features` (by
    article id) are what `article_features` gives, when kept; an article without them is read now."""
    event_of = {a: e["id"] for e in events for a in e.get("articles", [])}
    group, pairs = claim_scopes((a.id for a in articles), event_of, copies)
    members: dict[str, list[ClaimArticle]] = defaultdict(list)
    for article in articles:
        members[group[article.id]].append(article)
    by_id = {a.id: a for a in articles}
    relations_of: dict[str, list[dict[str, Any]]] = defaultdict(list)  # by copy: each group reads its own
    for c in copies:
        relations_of[c["article"]].append(c)
    out: dict[str, dict[str, Any]] = {}
    for key in sorted(members):
        mine = [c for a in members[key] for c in relations_of.get(a.id, ())]
        out.update((c["id"], c) for c in group_claims(members[key], claims_by_article, event_of, mine, features))
    for a, b in pairs:
        out.update((c["id"], c) for c in pair_claims([by_id[a], by_id[b]], claims_by_article, features))
    return sorted(out.values(), key=lambda c: (-len({o["article"] for o in c["occurrences"]}), c["id"]))


def _occurrences(articles: list[ClaimArticle], claims_by_article: dict[str, list[dict[str, Any]]],
                 features: dict[str, Features] | None) -> list[Occurrence]:
    out = []
    for article in sorted(articles, key=lambda a: a.id):
        claims = claims_by_article.get(article.id) or []
        known = (features or {}).get(article.id)
        for claim, (context, names, crowded) in zip(claims, known if known is not None else article_features(article, claims)):
            out.append(Occurrence(article.id, claim, article.lang, article.published,
                                  frozenset(context), frozenset(names), crowded))
    return out


def group_claims(articles: list[ClaimArticle], claims_by_article: dict[str, list[dict[str, Any]]],
                 event_of: dict[str, str], copies: list[dict[str, Any]],
                 features: dict[str, Features] | None = None) -> list[dict[str, Any]]:
    """The claims of one group (the articles of one event, or one article without an event):
    every occurrence of their claims, in one claim each. `copies` must hold every relation whose
    copy is one of `articles`: two copies of one original match as copies wherever it is."""
    tied = _ties(copies)
    return _match(_occurrences(articles, claims_by_article, features), {a.id: a for a in articles},
                  lambda a, b: "copy" if b in tied.get(a, ()) else ("event" if event_of.get(a) is not None else None))


def pair_claims(articles: list[ClaimArticle], claims_by_article: dict[str, list[dict[str, Any]]],
                features: dict[str, Features] | None = None, shared_only: bool = True) -> list[dict[str, Any]]:
    """The claims a copy and its original in different events share: only those stated by
    both (each occurrence also has its own event's claim); with `shared_only` False, every
    occurrence of the two, one claim each, as the number-mismatch detector wants them (it
    reads every figure an article gives)."""
    found = _match(_occurrences(articles, claims_by_article, features), {a.id: a for a in articles},
                   lambda a, b: "copy")
    return [c for c in found if len({o["article"] for o in c["occurrences"]}) > 1] if shared_only else found


def _match(occurrences: list[Occurrence], by_id: dict[str, ClaimArticle], tie_of: Any) -> list[dict[str, Any]]:
    """Occurrences of one scope matched into claims. `tie_of(a, b)` says what ties two of its
    articles ("copy", "event", or None: not compared). idf is over the scope's claims, not the
    corpus: a scope's claims then depend on it alone, so they can be recomputed alone when a
    batch touches it (link/derived.py), and adding articles elsewhere changes no score here."""
    # Candidate pairs: of the same unit class, sharing a counted noun or at least two context words.
    df: Counter = Counter(t for o in occurrences for t in o.context)
    idf = {t: math.log(1 + len(occurrences) / c) for t, c in df.items()}
    postings: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, o in enumerate(occurrences):
        for t in o.context:
            postings[(o.unit_class, t)].append(i)
    shared: Counter = Counter()
    for (_, term), ids in postings.items():
        if len(ids) < 2 or len(ids) > MAX_PAIRS_PER_TERM:
            continue  # a word shared by this many claims of one scope does not tell claims apart
        owners = [occurrences[i].article for i in ids]
        for x, (i, owner) in enumerate(zip(ids, owners)):
            shared.update((i, ids[y]) for y in range(x + 1, len(ids)) if owners[y] != owner)
    scores: dict[tuple[int, int], float] = {}
    reasons: dict[tuple[int, int], str] = {}
    for (i, j), count in shared.items():
        a, b = occurrences[i], occurrences[j]
        if count < 2 and not (a.head and a.head == b.head):
            continue
        tie = tie_of(a.article, b.article)
        if tie is None:
            continue
        score = match_score(a, b, idf, tie)
        if score > 0:
            scores[(i, j)] = score
            reasons[(i, j)] = tie

    def cannot_link(group_a: list[int], group_b: list[int]) -> bool:  # one article, two values: two claims
        by_article: dict[str, list[int]] = defaultdict(list)
        for x in group_a:
            by_article[occurrences[x].article].append(x)
        return any(not compatible(occurrences[x].claim, occurrences[y].claim)
                   for y in group_b for x in by_article.get(occurrences[y].article, ()))

    clusters = _average_linkage(len(occurrences), scores, cannot_link)
    pairs_of: dict[int, list[tuple[int, int]]] = defaultdict(list)  # each occurrence's scored pairs, once
    for pair in sorted(scores):
        pairs_of[pair[0]].append(pair)
    out = [_export(members, occurrences, by_id, scores, reasons, pairs_of) for members in clusters]
    out.sort(key=lambda c: (-len({o["article"] for o in c["occurrences"]}), c["id"]))
    return out


def _average_linkage(n: int, scores: dict[tuple[int, int], float], cannot_link: Any) -> list[list[int]]:
    """Merge the best-scoring pairs first; two groups join only when the mean score over all
    their cross pairs (0 for pairs that did not match) stays at least a third of the joining pair's,
    and never when that would put one article's two different numbers in one claim. The sums
    of scores between groups are kept up to date, so a merge costs what the groups touch."""
    cluster_of = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    between: dict[int, dict[int, float]] = defaultdict(dict)
    for (i, j), score in scores.items():
        between[i][j] = between[i].get(j, 0.0) + score
        between[j][i] = between[j].get(i, 0.0) + score
    for (i, j), score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
        ci, cj = cluster_of[i], cluster_of[j]
        if ci == cj:
            continue
        mean = between[ci].get(cj, 0.0) / (len(members[ci]) * len(members[cj]))
        if mean < score / 3:
            continue
        if cannot_link(members[ci], members[cj]):
            continue
        if len(members[ci]) < len(members[cj]):
            ci, cj = cj, ci
        for x in members[cj]:
            cluster_of[x] = ci
        members[ci].extend(members.pop(cj))
        for k, value in between.pop(cj).items():
            between[k].pop(cj, None)
            if k == ci:
                continue
            between[ci][k] = between[ci].get(k, 0.0) + value
            between[k][ci] = between[k].get(ci, 0.0) + value
    return [sorted(m) for m in members.values()]


def _export(members: list[int], occurrences: list[Occurrence], by_id: dict[str, ClaimArticle],
            scores: dict[tuple[int, int], float], reasons: dict[tuple[int, int], str],
            pairs_of: dict[int, list[tuple[int, int]]]) -> dict[str, Any]:
    items = [occurrences[i] for i in members]
    # The claim's own value is the one most articles give (ties: the earliest article).
    exact = [o for o in items if not o.claim.get("vague")] or items  # "several" never outvotes "eight"
    votes = Counter((o.claim["value"], o.claim.get("qualifier")) for o in exact)
    first = min(items, key=lambda o: (o.published or "9999", o.article, o.claim["start"]))
    value, qualifier = max(votes, key=lambda v: (votes[v], v == (first.claim["value"], first.claim.get("qualifier"))))
    lead = next(o for o in sorted(items, key=lambda o: (o.published or "9999", o.article, o.claim["start"]))
                if (o.claim["value"], o.claim.get("qualifier")) == (value, qualifier))
    counts = lead.claim.get("counts") or lead.claim.get("about")
    digest = hashlib.sha1("|".join(f"{o.article}:{o.claim['start']}" for o in items).encode()).hexdigest()[:11]
    position = {i: n for n, i in enumerate(members)}
    pairs = sorted(pair for i in members for pair in pairs_of.get(i, ()) if pair[1] in position)
    links = [{"a": position[i], "b": position[j], "score": round(scores[(i, j)], 3), "tie": reasons[(i, j)]}
             for i, j in pairs]
    return {
        "id": "c" + digest,
        "text": lead.claim["text"],
        "value": value,
        "unit": lead.claim["unit"],
        "occurrences": [{
            "article": o.article, "start": o.claim["start"], "end": o.claim["end"], "value": o.claim["value"],
            "text": o.claim["text"], "unit": o.claim["unit"], "qualifier": o.claim.get("qualifier"),
            **({"vague": True} if o.claim.get("vague") else {}),
            **({"crowded": True} if o.crowded else {}),
        } for o in items],
        # extensions
        "qualifier": qualifier,
        "counts": counts,
        "head": lead.head,
        "values": sorted({str(o.claim["value"]) for o in items}),
        "links": links,
    }


def claims_for(articles: list[ClaimArticle], records: dict[str, dict[str, Any]] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Each article's claims: from its analysis record when it has them, else extracted now."""
    out = {}
    for article in articles:
        record = (records or {}).get(article.id) or {}
        claims = record.get("claims")
        out[article.id] = claims if claims is not None else extract_claims(article.text, article.lang)
    return out


def document_articles(document: dict[str, Any]) -> list[ClaimArticle]:
    """The export's articles as claim linking needs them."""
    return [ClaimArticle(a["id"], a.get("text") or "", a.get("lang"), a.get("published"), a.get("outlet"))
            for a in document.get("articles", [])]
