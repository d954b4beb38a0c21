"""Mentions of actors in one article, resolved to knowledge-base or corpus-local actors.

Four kinds of mention, found in this order and never overlapping:

1. names of known actors: a token trie over every KB name and alias, accent- and
   case-insensitive, except that each matched word must be capitalised as a name is
   (so the alias "Fox" does not match "fox") and short aliases ("AMLO", "AP") must match
   exactly;
2. unknown people, by pattern: a descriptor before capitalised names ("Security analyst
   David Saucedo", "Mr. Smith") or a name next to a reporting verb ("Maria Lopez said",
   "said Mayor Elena Quintero"); each becomes a corpus-local actor `local:<slug>`;
3. role phrases ("Mexico's president", "the U.S. ambassador", "la presidenta de
   México"), resolved to whoever held the office on the article's date;
4. pronouns and bare roles ("he", "she", "the president"), resolved to the nearest
   compatible person named earlier in the article; a later surname alone ("Saucedo")
   resolves to the full name given earlier.

A pure function of the text, the KB and the date; the matcher is built once per KB.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from dossier.kb import KnowledgeBase
from dossier.kb.model import Actor, norm
from dossier.model import Mention

# Abbreviations with dots ("U.S.") are one token; other punctuation separates tokens.
_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|\w+(?:['’\-](?![sS]\b)\w+)*")  # "Obrador’s" → "Obrador"
_CONNECTORS = frozenset("de del la las los y e of the van von da di al el bin dos das do".split())
# Capitalised words that begin sentences or titles but are never names on their own.
_NOT_NAMES = frozenset(norm(w) for w in (
    "The A An And But Or If In On At For From To By With Without As After Before During Since While When Where "
    "What Who Why How This That These Those It Its We Our They Their He She His Her I You Your There Here "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August "
    "September October November December El La Los Las Un Una Y En Con Por Para Según Pero Sin Este Esta "
    "President Presidenta Presidente Secretary Minister Ambassador Senator Governor Mayor General Gen Sen Rep "
    "Mr Mrs Ms Dr Analyst Officials Security Foreign Defense State National Congress Government Mexican American "
    "U.S. US Mexico's Washington's Spokesperson Spokesman Spokeswoman Sr Sra Don Doña Lic".split()))
# A capitalised name with one of these words is an organisation, not a person.
_ORG_WORDS = frozenset(norm(w) for w in (
    "Authority Ministry Department Agency Council Party Union Company Inc Corp Corporation Office Commission "
    "Committee Court Police Army Navy Bank University Institute Association Federation Group Cartel Times Post "
    "News Press Network Foundation Center Centre Secretariat Senate Congress Chamber Board Service Services "
    "Administration Bureau Guard Force Forces Organization Organisation Coalition Alliance Church Airlines "
    "Secretaría Consejo Instituto Partido Gobierno Ejército Guardia Comisión Universidad").split())
_SHORT_ALIAS = 4  # aliases of one word this short must match with the same letter case
_MAX_ALIAS_TOKENS = 8

_FEMALE_NAMES = frozenset(norm(n) for n in (
    "Claudia Alicia Ana María Maria Elena Rosa Marta Martha Laura Patricia Gabriela Alejandra Andrea Adriana Olga "
    "Rosa Luisa Beatriz Carmen Lucía Lucia Sofía Sofia Valeria Verónica Veronica Guadalupe Margarita Teresa Irma "
    "Hillary Kamala Nancy Condoleezza Janet Kristi Pam Pamela Tulsi Karine Jill Michelle Melania Susan Mary "
    "Elizabeth Sarah Jennifer Linda Barbara Karen Lisa Emily Jane Anne Ann Dana Julia Alice Kelly Amy Sandra "
    "Ximena Xóchitl Xochitl Rocío Rocio Mariana Daniela Paola Fernanda Norma Ivonne Citlalli Ariadna Luz".split()))
_MALE_NAMES = frozenset(norm(n) for n in (
    "Andrés Andres Manuel Enrique Felipe Vicente Marcelo Omar Luis Juan José Jose Carlos Jorge Miguel Pedro "
    "Antonio Francisco Javier Ricardo Roberto Alejandro Fernando Sergio Rafael Raúl Raul Eduardo Arturo Alfonso "
    "Alfredo Héctor Hector Ernesto Salvador Gerardo Mario Óscar Oscar Hugo Adán Adan Ovidio Joaquín Joaquin Ismael "
    "Ronald Donald Joe Joseph Barack George Bill William Marco Antony Anthony Mike Michael John Pete Peter Lloyd "
    "Ken Kenneth Christopher Chris Robert Richard David Daniel James Thomas Steven Mark Paul Kevin Brian Tom "
    "Ken Rex Mike Colin Chuck Ted Tim Kash Ron Dan Greg Gregory Luis Tomás Tomas Samuel Diego Emilio Rubén Ruben".split()))
_MALE_WORDS = frozenset(norm(w) for w in "mr he him his señor sr el presidente senador gobernador spokesman congressman chairman".split())
_FEMALE_WORDS = frozenset(norm(w) for w in "mrs ms she her señora sra la presidenta senadora gobernadora spokeswoman congresswoman chairwoman".split())

_DESCRIPTOR = (
    r"(?:[Ss]ecurity\s+|[Pp]olitical\s+|[Ff]oreign\s+|[Ff]ormer\s+|[Ss]enior\s+|[Dd]eputy\s+|[Cc]hief\s+)?"
    r"(?:analyst|expert|professor|researcher|economist|lawyer|attorney|diplomat|journalist|reporter|activist|"
    r"spokesman|spokeswoman|spokesperson|official|lawmaker|legislator|senator|Sen\.|Rep\.|representative|"
    r"congressman|congresswoman|governor|Gov\.|mayor|minister|secretary|ambassador|general|Gen\.|Col\.|Lt\.|"
    r"Sgt\.|colonel|commander|director|chairman|chairwoman|president|judge|candidate|leader|"
    r"Mr\.|Mrs\.|Ms\.|Dr\.|Mr|Mrs|Ms|Dr|"
    r"analista|experto|experta|investigador|investigadora|senador|senadora|diputado|diputada|gobernador|"
    r"gobernadora|alcalde|alcaldesa|secretario|secretaria|canciller|embajador|embajadora|vocero|vocera|"
    r"portavoz|presidente|presidenta|general|licenciado|licenciada)"
)
_NAME_WORD = r"(?:[A-ZÁÉÍÓÚÑÜ][\w'’\-]+|[A-Z]\.)"
_NAME = rf"{_NAME_WORD}(?:\s+(?:(?:de|del|la|de\s+la|y)\s+)?{_NAME_WORD}){{0,3}}"
_DESCRIBED_PERSON = re.compile(rf"\b{_DESCRIPTOR}\s+(?P<name>{_NAME})")
_REPORT_VERBS = (r"(?:said|says|told|added|wrote|warned|argued|insisted|noted|stated|explained|asked|replied|"
                 r"dijo|afirmó|señaló|aseguró|declaró|explicó|añadió|agregó|advirtió|sostuvo)")
_NAME_BEFORE_VERB = re.compile(rf"(?P<name>{_NAME_WORD}\s+{_NAME})(?:,[^,\n]{{1,80}},)?\s+{_REPORT_VERBS}\b")
_VERB_BEFORE_NAME = re.compile(rf"\b{_REPORT_VERBS}\s+(?:{_DESCRIPTOR}\s+)?(?P<name>{_NAME_WORD}\s+{_NAME})")

# Role phrases. Titles are the KB's; the country is given in the phrase or by context.
_COUNTRIES = {
    "mexico": "Mexico", "méxico": "Mexico", "mexico's": "Mexico", "mexican": "Mexico", "mexicano": "Mexico",
    "mexicana": "Mexico", "u.s.": "United States", "us": "United States", "u.s": "United States",
    "american": "United States", "united states": "United States", "the united states": "United States",
    "washington's": "United States", "estados unidos": "United States", "estadounidense": "United States",
}
_ROLE_TITLES = {  # role noun -> {country: KB title}
    "president": {"Mexico": "President", "United States": "President"},
    "presidente": {"Mexico": "President", "United States": "President"},
    "presidenta": {"Mexico": "President", "United States": "President"},
    "leader": {"Mexico": "President", "United States": "President"},
    "mandatario": {"Mexico": "President", "United States": "President"},
    "mandataria": {"Mexico": "President", "United States": "President"},
    "secretary of state": {"United States": "Secretary of State"},
    "foreign minister": {"Mexico": "Secretary of Foreign Affairs", "United States": "Secretary of State"},
    "foreign secretary": {"Mexico": "Secretary of Foreign Affairs", "United States": "Secretary of State"},
    "canciller": {"Mexico": "Secretary of Foreign Affairs"},
    "ambassador": {"United States": "Ambassador to Mexico"},
    "embajador": {"United States": "Ambassador to Mexico"},
    "security minister": {"Mexico": "Secretary of Security and Citizen Protection"},
    "security secretary": {"Mexico": "Secretary of Security and Citizen Protection"},
    "defense secretary": {"United States": "Secretary of Defense", "Mexico": "Secretary of National Defense"},
    "secretary of defense": {"United States": "Secretary of Defense"},
    "vice president": {"United States": "Vice President"},
}
_ROLE_NOUN = (r"(?:secretary\s+of\s+state|foreign\s+(?:minister|secretary)|security\s+(?:minister|secretary)|"
              r"defen[cs]e\s+secretary|secretary\s+of\s+defen[cs]e|vice\s+president|president|leader|"
              r"ambassador(?:\s+to\s+M[eé]xico)?|"
              r"presidente|presidenta|mandatario|mandataria|canciller|embajador)")
_COUNTRY_BEFORE = r"(?:Mexico's|Mexican|U\.S\.|US|American|Washington's|the\s+United\s+States'|mexicano|mexicana)"
_COUNTRY_AFTER = r"(?:Mexico|México|the\s+United\s+States|the\s+U\.S\.|Estados\s+Unidos|EE\.\s?UU\.)"
_ROLE_WITH_COUNTRY = re.compile(
    rf"\b(?:(?:[Tt]he|[Ee]l|[Ll]a)\s+)?(?:(?P<c1>{_COUNTRY_BEFORE})\s+(?P<r1>{_ROLE_NOUN})"
    rf"|(?P<r2>{_ROLE_NOUN})\s+(?:of|de)\s+(?P<c2>{_COUNTRY_AFTER})"
    rf"|(?P<r3>presidente|presidenta|mandatario|mandataria)\s+(?P<c3>mexicano|mexicana|estadounidense))\b",
    re.IGNORECASE)
_BARE_ROLE = re.compile(r"\b(?:[Tt]he|[Ee]l|[Ll]a)\s+(?P<r>president|presidente|presidenta|mandatario|mandataria|leader)\b(?!\s+(?:of|de)\b)(?!\s+[A-ZÁÉÍÓÚ])")
_SPEAKS = re.compile(r"^[^.!?\n“”\"«»]{0,40}?\b(?:said|says|told|tells|added|argued|insisted|warned|stated|declared|"
                     r"explained|wrote|replied|responded|dijo|afirmó|señaló|aseguró|declaró|explicó|añadió|"
                     r"agregó|advirtió|sostuvo|respondió)\b")
_PRONOUN = re.compile(r"\b(?P<p>he|she|He|She|él|ella|Él|Ella)\b")


_word_key = lru_cache(maxsize=200_000)(norm)  # the same words recur across articles


@dataclass
class _Matcher:
    """A token trie over normalised aliases; each leaf lists (actor ids, exact alias forms)."""

    root: dict = field(default_factory=dict)

    def add(self, alias: str, actor_id: str) -> None:
        tokens = [norm(t) for t in _TOKEN.findall(alias)]
        if not tokens or len(tokens) > _MAX_ALIAS_TOKENS:
            return
        node = self.root
        for token in tokens:
            node = node.setdefault(token, {})
        entry = node.setdefault(None, ({}, set()))
        entry[0][actor_id] = None
        entry[1].add(alias)


@lru_cache(maxsize=4)
def _matcher(kb: KnowledgeBase) -> _Matcher:
    matcher = _Matcher()
    for actor in kb:
        curated = any("curated" in source or "user" in source for source in actor.sources)
        for alias in {actor.name, *actor.aliases}:
            if not alias or norm(alias) in _NOT_NAMES:
                continue
            if actor.kind == "person" and not curated and len(_TOKEN.findall(alias)) < 2:
                continue  # a lone surname from bulk data ("Note", "Bush") is too often a word or someone else
            matcher.add(alias, actor.id)
    return matcher


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", norm(text)).strip("-")


def _capitalised(token: str) -> bool:
    return token[:1].isupper() or norm(token) in _CONNECTORS


def _holds(actor: Actor, on: date | None) -> bool:
    return on is not None and any(role.holds_on(on) for role in actor.roles)


def _choose(kb: KnowledgeBase, ids: list[str], on: date | None) -> Actor | None:
    """One actor for an alias several share: the one in office on the date, else the only
    person, else none (an ambiguous name stays unresolved rather than guessed)."""
    actors = [a for a in (kb.actor(i) for i in ids) if a is not None]
    if len(actors) == 1:
        return actors[0]
    holding = [a for a in actors if _holds(a, on)]
    if len(holding) == 1:
        return holding[0]
    people = [a for a in actors if a.kind == "person"]
    if len(people) == 1:
        return people[0]
    curated = [a for a in actors if a.id.startswith("cur:")]
    return curated[0] if len(curated) == 1 else None


def _known_names(text: str, kb: KnowledgeBase, on: date | None) -> list[Mention]:
    matcher = _matcher(kb)
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    keys = [_word_key(t[2]) for t in tokens]
    found: list[Mention] = []
    i = 0
    while i < len(tokens):
        if not tokens[i][2][:1].isupper():  # a name starts with a capital
            i += 1
            continue
        node, best, j = matcher.root, None, i
        while j < len(tokens) and keys[j] in node:
            if j > i:
                gap = text[tokens[j - 1][1]:tokens[j][0]]
                if gap not in (" ", ". ", "-") and not (gap.strip() == "" and "\n" not in gap):
                    break
            node = node[keys[j]]
            if None in node:
                best = (j, node[None])
            j += 1
        if best is None:
            i += 1
            continue
        end_index, (ids, forms) = best
        surface = text[tokens[i][0]:tokens[end_index][1]]
        words = [t[2] for t in tokens[i:end_index + 1]]
        ok = all(_capitalised(w) for w in words) and any(w[:1].isupper() for w in words)
        if ok and len(words) == 1 and len(words[0]) <= _SHORT_ALIAS:
            ok = surface in forms or surface.upper() == surface and any(f.upper() == f for f in forms)
        if not ok:
            i += 1
            continue
        actor = _choose(kb, list(ids), on)
        found.append(Mention(tokens[i][0], tokens[end_index][1], surface,
                             actor.kind if actor else "person", actor.id if actor else None,
                             actor.name if actor else None, "alias"))
        i = end_index + 1
    return found


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and span[1] > s for s, e in taken)


def _trim_name(name: str) -> str:
    """Drop trailing words that are not names ("David Saucedo The" cannot happen across a
    sentence, but "Elena Quintero In" can when a line wraps)."""
    words = re.sub(r"['’][sS]$", "", name).split()
    while words and (norm(words[-1]) in _NOT_NAMES or norm(words[-1]) in _CONNECTORS):
        words.pop()
    while words and norm(words[0]) in _NOT_NAMES:
        words.pop(0)
    return " ".join(words)


def _unknown_people(text: str, taken: list[tuple[int, int]]) -> list[Mention]:
    found: list[Mention] = []
    for pattern in (_DESCRIBED_PERSON, _VERB_BEFORE_NAME, _NAME_BEFORE_VERB):
        for m in pattern.finditer(text):
            raw = m.group("name")
            name = _trim_name(raw)
            if not name:
                continue
            start = m.start("name") + raw.index(name)
            span = (start, start + len(name))
            honorific = pattern is _DESCRIBED_PERSON and re.match(r"(?:Mr|Mrs|Ms|Dr)\.?\s", m.group())
            if len(name.split()) < 2 and not honorific:
                continue
            if _overlaps(span, taken):
                continue
            taken.append(span)
            kind = "organization" if any(norm(w) in _ORG_WORDS for w in name.split()) else "person"
            found.append(Mention(span[0], span[1], name, kind, f"local:{_slug(name)}", name, "pattern"))
    return found


def _holder(kb: KnowledgeBase, title: str, country: str, on: date | None, latest: date | None) -> Actor | None:
    """Who held an office on the date; with only a latest date, the holder over the 90
    days before it when that is one person (articles are rarely crawled much later)."""
    if on is not None:
        holders = kb.holders(title, country, on)
        return holders[0] if len(holders) == 1 else None
    if latest is not None:
        a, b = kb.holders(title, country, latest), kb.holders(title, country, latest - timedelta(days=90))
        if len(a) == 1 and a == b:
            return a[0]
    return None


def _named_holder(kb: KnowledgeBase, mentions: list[Mention], title: str, country: str) -> Actor | None:
    """For an undated article: the one person it names who ever held the office."""
    found = {}
    for m in mentions:
        actor = kb.actor(m.actor) if m.actor and m.kind == "person" else None
        if actor is not None and any(r.title == title and norm(r.of) == norm(country) for r in actor.roles):
            found[actor.id] = actor
    return next(iter(found.values())) if len(found) == 1 else None


def _role_noun(raw: str) -> str:
    noun = " ".join(raw.lower().split())
    return re.sub(r" to m[eé]xico$", "", noun.replace("defence", "defense"))


def _gender_of(mention: Mention, text: str) -> str | None:
    words = [norm(w) for w in _TOKEN.findall(text[max(0, mention.start - 12):mention.start]) + [mention.text]]
    first = norm(mention.text.split()[0]) if mention.text.split() else ""
    if first in _FEMALE_NAMES or any(w in _FEMALE_WORDS for w in words[-3:]):
        return "f"
    if first in _MALE_NAMES or any(w in _MALE_WORDS for w in words[-3:]):
        return "m"
    return None


def find_mentions(text: str, kb: KnowledgeBase, on: date | None = None, latest: date | None = None) -> list[Mention]:
    """Every actor mention in one article's text, resolved where the evidence allows."""
    mentions = _known_names(text, kb, on)
    taken = [(m.start, m.end) for m in mentions]
    mentions += _unknown_people(text, taken)

    people_spans = [(m.start, m.end) for m in mentions if m.kind == "person"]
    role_spans: list[tuple[int, int]] = []
    for m in _ROLE_WITH_COUNTRY.finditer(text):
        span = (m.start(), m.end())
        if _overlaps(span, people_spans):
            continue
        role_spans.append(span)
        country_word = m.group("c1") or m.group("c2") or m.group("c3")
        noun = _role_noun(m.group("r1") or m.group("r2") or m.group("r3"))
        country = _COUNTRIES.get(" ".join(country_word.lower().split()).replace("ee. uu.", "estados unidos").replace("ee.uu.", "estados unidos"))
        title = _ROLE_TITLES.get(noun, {}).get(country or "")
        actor = _holder(kb, title, country, on, latest) if title and country else None
        via = "role" if actor else None
        if actor is None and title and country and on is None:
            actor, via = _named_holder(kb, mentions, title, country), "article"
        mentions.append(Mention(span[0], span[1], m.group(), "role", actor.id if actor else None,
                                actor.name if actor else None, via if actor else None))
    # a country inside a role phrase ("US Ambassador to Mexico") is part of the role
    mentions = [m for m in mentions if m.kind == "role" or not _overlaps((m.start, m.end), role_spans)]

    mentions.sort(key=lambda x: x.start)
    _resolve_appositions(text, mentions)
    mentions = _resolve_short_forms(text, mentions, kb)
    for m in _BARE_ROLE.finditer(text):
        span = (m.start(), m.end())
        if not _overlaps(span, [(x.start, x.end) for x in mentions]):
            mentions.append(Mention(span[0], span[1], m.group(), "role"))
    for m in _PRONOUN.finditer(text):
        mentions.append(Mention(m.start(), m.end(), m.group(), "pronoun"))
    mentions.sort(key=lambda x: x.start)
    return _resolve_antecedents(text, mentions, kb, on, latest)


def _resolve_appositions(text: str, mentions: list[Mention]) -> None:
    """A role right before a name ("U.S. Secretary of State Marco Rubio") is that person's
    title: the role mention is the named person, whoever held the office that day."""
    for role, name in zip(mentions, mentions[1:]):
        if role.kind == "role" and name.kind == "person" and name.actor and text[role.end:name.start].strip(" ,") == "":
            role.actor, role.name, role.via = name.actor, name.name, "apposition"


def _resolve_short_forms(text: str, mentions: list[Mention], kb: KnowledgeBase) -> list[Mention]:
    """A surname alone ("Saucedo") that the article gave in full earlier is that person."""
    surnames: dict[str, Mention] = {}
    out = list(mentions)
    for m in mentions:
        if m.kind == "person" and m.actor and len(m.text.split()) >= 2:
            surnames.setdefault(norm(m.text.split()[-1]), m)
    if not surnames:
        return out
    taken = [(m.start, m.end) for m in mentions]
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(s.text.split()[-1]) for s in surnames.values()) + r")\b")
    for hit in pattern.finditer(text):
        span = (hit.start(), hit.end())
        full = surnames.get(norm(hit.group()))
        if full is None or full.start >= hit.start() or _overlaps(span, taken):
            continue
        taken.append(span)
        out.append(Mention(span[0], span[1], hit.group(), "person", full.actor, full.name, "antecedent"))
    return out


def _resolve_antecedents(text: str, mentions: list[Mention], kb: KnowledgeBase,
                         on: date | None, latest: date | None) -> list[Mention]:
    """Pronouns and bare roles take the nearest compatible person named before them,
    outside quotation marks (a name quoted is not the narrative's subject)."""
    from dossier.analyze.quotes import quoted_regions

    quoted = quoted_regions(text)
    people: list[tuple[Mention, str | None]] = []  # resolved person mentions so far, with gender
    genders: dict[str, str | None] = {}
    countries: dict[str, int] = {}
    for m in mentions:
        if m.kind == "country" and m.name:
            countries[m.name] = countries.get(m.name, 0) + 1
    main_country = max(sorted(countries), key=lambda c: countries[c]) if countries else None
    for m in mentions:
        if m.actor and m.kind in ("person", "role"):
            gender = genders.get(m.actor) or _gender_of(m, text)
            genders[m.actor] = gender
            if not any(s <= m.start < e for s, e in quoted):
                people.append((m, gender))
            continue
        if m.kind == "pronoun" and m.actor is None:
            want = "f" if norm(m.text) in ("she", "ella") else "m"
            compatible = [p for p, gender in people if gender in (want, None) and m.start - p.end < 600]
            # a speaker before an object: in "López Obrador said he would call Trump. ... he said",
            # "he" is López Obrador; prefer the last person who is the subject of a speech verb
            speaking = [p for p in compatible if _SPEAKS.match(text[p.end:p.end + 80])]
            chosen = (speaking or compatible or [None])[-1]
            if chosen is not None:
                m.actor, m.name, m.via = chosen.actor, chosen.name, "antecedent"
        elif m.kind == "role" and m.actor is None and _BARE_ROLE.fullmatch(m.text):
            noun = norm(m.text.split()[-1])
            want = "f" if noun in ("presidenta", "mandataria") else ("m" if noun in ("presidente", "mandatario") else None)
            for previous, gender in reversed(people):
                if want is not None and gender is not None and gender != want:
                    continue
                actor = kb.actor(previous.actor) if previous.actor else None
                if actor is not None and any(r.title == "President" and _holds_role(r, on, latest) for r in actor.roles):
                    m.actor, m.name, m.via = actor.id, actor.name, "antecedent"
                    break
            if m.actor is None and main_country:
                holder = _holder(kb, "President", main_country, on, latest)
                if holder is not None:
                    m.actor, m.name, m.via = holder.id, holder.name, "role"
            if m.actor:
                people.append((m, genders.get(m.actor)))
    return mentions


def _holds_role(role, on: date | None, latest: date | None) -> bool:
    if on is not None:
        return role.holds_on(on)
    if latest is not None:
        return role.holds_on(latest)
    return True  # undated: any president named earlier in the article is the likeliest referent
