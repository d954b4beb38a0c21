"""Mentions of actors in one article, resolved to knowledge-base or corpus-local actors.

Four kinds of mention, found in this order; a later one never overlaps an earlier one,
so the longest, most specific reading of a stretch of text wins:

1. names of known actors: a token trie over every KB name and alias, accent- and
   case-insensitive, except that each matched word must be capitalised as a name is
   (so the alias "Fox" does not match "fox"), short aliases ("AMLO", "AP", "US") must
   match with the same letter case, and a one-word alias that opens a sentence is not
   taken when the article also uses it as an ordinary lower-case word;
2. unknown people, by pattern: a title or descriptor before capitalised names
   ("Security analyst David Saucedo", "Mayor Ingrid Solvang", "Mr. Smith") or a name next
   to a reporting verb ("Maria Lopez said", "said Mayor Elena Quintero"); each becomes a
   corpus-local actor `local:<slug>`, and its descriptor (before the name, or an
   apposition after it: ", president of the union,") a role mention of that actor;
3. role phrases with a country ("Mexico's president", "the U.S. ambassador", "la
   presidenta de México"), resolved to whoever held the office on the article's date;
4. short forms, bare roles and pronouns ("Saucedo", "the president", "she"), resolved
   to the nearest compatible person the article named before them.

`via` on each mention says how it was resolved:

* "alias": a KB name or alias;
* "pattern": an unknown name found by pattern (a corpus-local actor);
* "role": the office's holder on the article's date (by the KB's dated roles);
* "article": no usable date, and the article itself names exactly one holder of the office;
* "apposition": a role written next to a name ("U.S. Secretary of State Marco Rubio",
  "Dana Whitcombe, president of the union") is that person, whoever held the office;
* "antecedent": a surname, bare role or pronoun takes the nearest compatible person before it.

A pure function of the text, the KB and the dates; the alias matcher is built once per KB.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from dossier.kb import KnowledgeBase
from dossier.kb.model import Actor, Role, date_lo, norm
from dossier.model import Mention

# Abbreviations with dots ("U.S.") are one token; other punctuation separates tokens.
_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|\w+(?:['’\-](?![sS]\b)\w+)*")  # "Obrador’s" → "Obrador"
# What may stand between two words of one name: spaces on one line, ". " after an initial, a hyphen.
_NEXT_TOKEN = re.compile(r"(?:[^\S\n]+|\. |-)(" + _TOKEN.pattern + ")")
# Where a name can start: a capital that begins a token (not inside "U.S." or "Jean-Pierre").
# The range after Þ holds Latin Extended letters of both cases; the code checks isupper().
_NAME_START = re.compile(r"(?<![\w'’])(?<!\w[\-.])[A-ZÀ-ÖØ-ÞĀ-ɏ]")
_CONNECTORS = frozenset("de del la las los y e of the van von da di al el bin dos das do".split())
# Capitalised words that begin sentences or titles but are never names on their own:
# function words (also never the start of a descriptor), then titles and adjectives.
_FUNCTION_WORDS = frozenset(norm(w) for w in (
    "The A An And But Or If In On At For From To By With Without As After Before During Since While When Where "
    "What Who Why How This That These Those It Its We Our They Their He She His Her I You Your There Here "
    "Then Also However Meanwhile Still Later Earlier Now Today Yesterday Separately Instead Asked Speaking "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August "
    "September October November December El La Los Las Un Una Y En Con Por Para Según Pero Sin Este Esta".split()))
_NOT_NAMES = _FUNCTION_WORDS | frozenset(norm(w) for w in (
    "President Presidenta Presidente Secretary Minister Ambassador Senator Governor Mayor General Gen Sen Rep "
    "Mr Mrs Ms Dr Analyst Officials Security Foreign Defense State National Congress Government Mexican American "
    "U.S. US Mexico's Washington's Spokesperson Spokesman Spokeswoman Sr Sra Don Doña Lic".split()))
# A capitalised name with one of these words is an organisation, not a person.
_ORG_WORDS = frozenset(norm(w) for w in (
    "Authority Ministry Department Agency Council Party Union Company Inc Corp Corporation Office Commission "
    "Committee Court Police Army Navy Bank University Institute Association Federation Group Cartel Times Post "
    "News Press Network Foundation Center Centre Secretariat Senate Congress Chamber Board Service Services "
    "Administration Bureau Guard Force Forces Organization Organisation Coalition Alliance Church Airlines "
    "Watch International Journal Tribune Herald "
    "Secretaría Consejo Instituto Partido Gobierno Ejército Guardia Comisión Universidad").split())
_SHORT_ALIAS = 4  # aliases of one word this short must match with the same letter case
_MAX_ALIAS_TOKENS = 8

_FEMALE_NAMES = frozenset(norm(n) for n in (
    "Claudia Alicia Ana María Maria Elena Rosa Marta Martha Laura Patricia Gabriela Alejandra Andrea Adriana Olga "
    "Luisa Beatriz Carmen Lucía Lucia Sofía Sofia Valeria Verónica Veronica Guadalupe Margarita Teresa Irma "
    "Hillary Kamala Nancy Condoleezza Janet Kristi Pam Pamela Tulsi Karine Jill Michelle Melania Susan Mary "
    "Elizabeth Sarah Jennifer Linda Barbara Karen Lisa Emily Jane Anne Ann Dana Julia Alice Kelly Amy Sandra "
    "Ingrid Theresa Angela Liz Ximena Xóchitl Xochitl Rocío Rocio Mariana Daniela Paola Fernanda Norma Ivonne "
    "Citlalli Ariadna Luz".split()))
_MALE_NAMES = frozenset(norm(n) for n in (
    "Andrés Andres Manuel Enrique Felipe Vicente Marcelo Omar Luis Juan José Jose Carlos Jorge Miguel Pedro "
    "Antonio Francisco Javier Ricardo Roberto Alejandro Fernando Sergio Rafael Raúl Raul Eduardo Arturo Alfonso "
    "Alfredo Héctor Hector Ernesto Salvador Gerardo Mario Óscar Oscar Hugo Adán Adan Ovidio Joaquín Joaquin Ismael "
    "Ronald Donald Joe Joseph Barack George Bill William Marco Antony Anthony Mike Michael John Pete Peter Lloyd "
    "Ken Kenneth Christopher Chris Robert Richard David Daniel James Thomas Steven Mark Paul Kevin Brian Tom "
    "Rex Colin Chuck Ted Tim Kash Ron Dan Greg Gregory Tomás Tomas Samuel Diego Emilio Rubén Ruben Glen "
    "Boris Keir Rishi Justin Emmanuel Olaf Friedrich Nemesio Heriberto Raymundo".split()))
_MALE_WORDS = frozenset(norm(w) for w in "mr he him his señor sr el presidente senador gobernador spokesman congressman chairman".split())
_FEMALE_WORDS = frozenset(norm(w) for w in "mrs ms she her señora sra la presidenta senadora gobernadora spokeswoman congresswoman chairwoman".split())

# --------------------------------------------------------------------------- unknown people
_ADJECTIVES = r"(?:security|political|foreign|former|senior|deputy|chief|local|independent|veteran)"
_LOWER_DESCRIPTORS = (
    r"(?:analyst|expert|professor|researcher|economist|lawyer|attorney|diplomat|journalist|reporter|activist|"
    r"spokesman|spokeswoman|spokesperson|official|lawmaker|legislator|senator|representative|congressman|"
    r"congresswoman|governor|mayor|minister|secretary|ambassador|general|colonel|commander|director|chairman|"
    r"chairwoman|president|judge|candidate|leader|"
    r"analista|experto|experta|investigador|investigadora|senador|senadora|diputado|diputada|gobernador|"
    r"gobernadora|alcalde|alcaldesa|secretario|secretaria|canciller|embajador|embajadora|vocero|vocera|"
    r"portavoz|presidente|presidenta|licenciado|licenciada)")
# Capitalised titles that stand before a name ("Mayor Ingrid Solvang"); "General" is left out
# because "General Motors" is no general.
_TITLES = (r"(?:Senator|Sen\.|Rep\.|Representative|Governor|Gov\.|Mayor|Minister|Secretary|Ambassador|Gen\.|"
           r"Col\.|Lt\.|Sgt\.|Capt\.|Adm\.|Admiral|Judge|Commissioner|Director|Professor|Prof\.|President|"
           r"Senador|Senadora|Diputado|Diputada|Gobernador|Gobernadora|Alcalde|Alcaldesa|Embajador|Embajadora|"
           r"Canciller)")
_HONORIFICS = r"(?:Mrs\.?|Mr\.?|Ms\.?|Dr\.?|Sra\.|Sr\.)"
# A title that may stand before a surname alone ("Sen. Roe", "Mayor Solvang").
_SURNAME_TITLES = re.compile(rf"(?:{_HONORIFICS}|Sen\.|Rep\.|Gov\.|Gen\.|Col\.|Lt\.|Sgt\.|Capt\.|Adm\.|Prof\.|"
                             r"Senator|Mayor|Governor|Ambassador|Judge)$")
# A descriptor is a capitalised title, an honorific, or a lower-case descriptor with at most
# one word before it ("analyst", "Security analyst", "Authority spokesman").
_DESCRIPTOR = (rf"(?:(?:(?:[A-ZÁÉÍÓÚÑ][\w’'\-]*|(?i:{_ADJECTIVES}))\s+)?{_LOWER_DESCRIPTORS}(?!\w)"
               rf"|{_TITLES}(?!\w)|{_HONORIFICS}(?!\w))")
_NAME_WORD = r"(?:[A-ZÁÉÍÓÚÑÜ][\w'’\-]+|[A-Z]\.)"
_NAME = rf"{_NAME_WORD}(?:\s+(?:(?:de|del|la|de\s+la|y)\s+)?{_NAME_WORD}){{0,3}}"
_DESCRIBED_PERSON = re.compile(rf"(?<![\w.])(?P<desc>{_DESCRIPTOR})[^\S\n]+(?P<name>{_NAME})")
_REPORT_VERBS = (r"(?:said|says|told|added|wrote|warned|argued|insisted|noted|stated|explained|asked|replied|"
                 r"dijo|afirmó|señaló|aseguró|declaró|explicó|añadió|agregó|advirtió|sostuvo)")
_NAME_BEFORE_VERB = re.compile(rf"(?P<name>{_NAME_WORD}\s+{_NAME})(?:,[^,\n]{{1,80}},)?\s+{_REPORT_VERBS}\b")
_VERB_BEFORE_NAME = re.compile(rf"\b{_REPORT_VERBS}\s+(?:(?P<desc>{_DESCRIPTOR})\s+)?(?P<name>{_NAME_WORD}\s+{_NAME})")
# ", president of the Port Alder Transit Workers Union," right after a name: that person's title.
_APPOSITIVE = re.compile(
    rf",[^\S\n]+(?:(?:a|an|the|el|la|un|una)\s+)?(?P<desc>(?:[\w’'\-]+\s+){{0,2}}?(?i:{_ADJECTIVES}\s+)?"
    rf"{_LOWER_DESCRIPTORS}\b(?:[^,.;:\n\"“”«»()]|\.(?=\S)){{0,80}}?)(?=\s*(?:[,;]|\.(?:\s|$)))")
_NOT_DESCRIPTOR_START = frozenset("said says told who whom whose which that and but or dijo quien que y".split())

# --------------------------------------------------------------------------- roles
# Titles are the KB's; the country is given in the phrase or by context.
_COUNTRIES = {
    "mexico": "Mexico", "méxico": "Mexico", "mexico's": "Mexico", "mexican": "Mexico", "mexicano": "Mexico",
    "mexicana": "Mexico", "u.s.": "United States", "us": "United States", "u.s": "United States",
    "american": "United States", "united states": "United States", "the united states": "United States",
    "the united states'": "United States", "the u.s.": "United States",
    "washington's": "United States", "estados unidos": "United States", "estadounidense": "United States",
    "ee. uu.": "United States", "ee.uu.": "United States",
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
_PRESIDENT_NOUNS = frozenset("president presidente presidenta mandatario mandataria leader".split())
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
# Every role phrase contains one of these words; the full pattern runs only near them.
_ROLE_HINT = re.compile(r"(?i)presiden|leader|secretar|minister|ambassador|mandatari|canciller|embajador")
_BARE_ROLE = re.compile(r"\b(?:[Tt]he|[Ee]l|[Ll]a)\s+(?P<r>[Pp]resident|presidente|presidenta|mandatario|mandataria|leader)\b"
                        r"(?!\s+(?:of|de)\b)(?!\s+[A-ZÁÉÍÓÚ])")
_SPEAKS = re.compile(r"^[^.!?\n“”\"«»]{0,40}?\b(?:said|says|told|tells|added|argued|insisted|warned|stated|declared|"
                     r"explained|wrote|replied|responded|dijo|afirmó|señaló|aseguró|declaró|explicó|añadió|"
                     r"agregó|advirtió|sostuvo|respondió)\b")
_PRONOUN = re.compile(r"\b(?P<p>he|she|He|She|él|ella|Él|Ella)\b")
_SENTENCE_OPENING = re.compile(r"(?:^|[.!?:;\"“”«»]\s*|\n\s*)$")

# With only a latest possible date (a crawl day), an office's holder counts when the same
# person held it over this many days before: articles are rarely crawled much later.
LATEST_WINDOW = timedelta(days=90)
PRONOUN_REACH = 600  # characters back that a pronoun looks for its antecedent

_word_key = lru_cache(maxsize=200_000)(norm)  # the same words recur across articles


# --------------------------------------------------------------------------- known names
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


def _abbreviation(alias: str) -> bool:
    """"US", "U.S.", "AMLO": written in capitals, so never an ordinary word."""
    letters = [c for c in alias if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


@lru_cache(maxsize=4)
def _matcher(kb: KnowledgeBase) -> _Matcher:
    """Built once per KB (and per worker process): the trie of every usable alias."""
    matcher = _Matcher()
    for actor in kb:
        curated = any("curated" in source or "user" in source for source in actor.sources)
        for alias in {actor.name, *actor.aliases}:
            if not alias or (norm(alias) in _NOT_NAMES and not _abbreviation(alias)):
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
    person, else the only curated one, else none (an ambiguous name stays unresolved
    rather than guessed; the article may still name the person in full, see _short_forms)."""
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


def _used_as_word(text: str, surface: str) -> bool:
    """The article writes this word in lower case somewhere ("the fox"), so a capitalised
    one at the start of a sentence may be the word too."""
    return re.search(rf"(?<!\w){re.escape(surface.lower())}(?!\w)", text) is not None


def _known_names(text: str, kb: KnowledgeBase, on: date | None) -> list[Mention]:
    """Walk the alias trie from every capital that starts a token; the longest match wins."""
    root = _matcher(kb).root
    found: list[Mention] = []
    last_end = 0
    for start_match in _NAME_START.finditer(text):
        start = start_match.start()
        if start < last_end or not text[start].isupper():
            continue
        token = _TOKEN.match(text, start)
        if token is None or _word_key(token.group()) not in root:
            continue
        node, best, words = root, None, []
        while token is not None:
            node = node.get(_word_key(token.group()))
            if node is None:
                break
            words.append(token.group())
            if None in node:
                best = (token.end(), node[None], len(words))
            following = _NEXT_TOKEN.match(text, token.end())
            token = _TOKEN.match(text, following.start(1)) if following else None
        if best is None:
            continue
        end, (ids, forms), count = best
        surface, matched = text[start:end], words[:count]
        ok = all(_capitalised(w) for w in matched)
        if ok and count == 1 and len(matched[0]) <= _SHORT_ALIAS:
            ok = surface in forms or surface.upper() == surface and any(f.upper() == f for f in forms)
        if ok and count == 1 and not _abbreviation(surface) and _SENTENCE_OPENING.search(text, max(0, start - 3), start) \
                and _used_as_word(text, surface):
            ok = False
        if not ok:
            continue
        actor = _choose(kb, list(ids), on)
        found.append(Mention(start, end, surface, actor.kind if actor else "person",
                             actor.id if actor else None, actor.name if actor else None, "alias"))
        last_end = end
    return found


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and span[1] > s for s, e in taken)


# --------------------------------------------------------------------------- unknown people
def _trim_name(name: str) -> str:
    """Drop words at the edges that are not names ("Elena Quintero In" when a line wraps,
    "Then David Saucedo" at a sentence start)."""
    words = re.sub(r"['’][sS]$", "", name).split()
    while words and (norm(words[-1]) in _NOT_NAMES or norm(words[-1]) in _CONNECTORS):
        words.pop()
    while words and norm(words[0]) in _NOT_NAMES:
        words.pop(0)
    return " ".join(words)


def _descriptor_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The descriptor without leading words that are no part of it ("On Tuesday analyst")."""
    for word in re.finditer(r"\S+", text[start:end]):
        if norm(word.group()) not in _FUNCTION_WORDS:
            return start + word.start(), end
    return None


def _unknown_people(text: str, taken: list[tuple[int, int]]) -> list[Mention]:
    """People (and organisations) the KB lacks, from titles, descriptors and reporting verbs."""
    found: list[Mention] = []
    for pattern in (_DESCRIBED_PERSON, _VERB_BEFORE_NAME, _NAME_BEFORE_VERB):
        for m in pattern.finditer(text):
            raw = m.group("name")
            name = _trim_name(raw)
            if not name:
                continue
            start = m.start("name") + raw.index(name)
            span = (start, start + len(name))
            desc = m.groupdict().get("desc")
            titled = desc is not None and _SURNAME_TITLES.search(desc) is not None
            if (len(name.split()) < 2 and not titled) or _overlaps(span, taken):
                continue
            kind = "organization" if any(norm(w) in _ORG_WORDS for w in name.split()) else "person"
            actor = f"local:{_slug(name)}"
            taken.append(span)
            found.append(Mention(span[0], span[1], name, kind, actor, name, "pattern"))
            if desc and kind == "person" and not re.fullmatch(_HONORIFICS, desc):
                role = _descriptor_span(text, m.start("desc"), m.end("desc"))
                if role and not _overlaps(role, taken):
                    taken.append(role)
                    found.append(Mention(role[0], role[1], text[role[0]:role[1]], "role", actor, name, "apposition"))
    return found


def _appositive_roles(text: str, mentions: list[Mention]) -> list[Mention]:
    """A descriptor set off after a corpus-local person ("Dana Whitcombe, president of the
    Port Alder Transit Workers Union, said") is that person's role; it stops before any
    other mention inside it."""
    out: list[Mention] = []
    taken = [(m.start, m.end) for m in mentions]
    for m in mentions:
        if m.kind != "person" or not (m.actor or "").startswith("local:") or m.via != "pattern":
            continue
        hit = _APPOSITIVE.match(text, m.end)
        if hit is None or norm(hit.group("desc").split()[0]) in _NOT_DESCRIPTOR_START:
            continue
        start, end = hit.start("desc"), hit.end("desc")
        inside = [s for s, e in taken if start < e and end > s]
        if inside:
            end = min(inside)
            end = start + len(re.sub(r"(?:\s+(?:of|for|at|de|del|the|la|el|in))+\s*$", "", text[start:end]).rstrip())
        if end - start < 3:
            continue
        taken.append((start, end))
        out.append(Mention(start, end, text[start:end], "role", m.actor, m.name, "apposition"))
    return out


# --------------------------------------------------------------------------- roles
def _ever_held(actor: Actor, title: str, country: str) -> bool:
    return any(r.title == title and norm(r.of) == norm(country) for r in actor.roles)


def _named_holders(kb: KnowledgeBase, mentions: list[Mention], title: str, country: str) -> list[Actor]:
    """The people the article names who ever held the office, in order of first mention."""
    found: dict[str, Actor] = {}
    for m in mentions:
        actor = kb.actor(m.actor) if m.actor and m.kind == "person" else None
        if actor is not None and _ever_held(actor, title, country):
            found.setdefault(actor.id, actor)
    return list(found.values())


def _holder(kb: KnowledgeBase, title: str, country: str, on: date | None, latest: date | None) -> Actor | None:
    """Who held an office on the date; with only a latest date, the one holder over the
    LATEST_WINDOW days before it, if it was one person throughout."""
    if on is not None:
        holders = kb.holders(title, country, on)
        return holders[0] if len(holders) == 1 else None
    if latest is not None:
        a, b = kb.holders(title, country, latest), kb.holders(title, country, latest - LATEST_WINDOW)
        if len(a) == 1 and a == b:
            return a[0]
    return None


def _resolve_office(kb: KnowledgeBase, title: str, country: str, on: date | None, latest: date | None,
                    mentions: list[Mention]) -> tuple[Actor | None, str | None]:
    """The actor a role phrase means, and how we know.

    With the publication date, the KB's holder on that day. Without it, the holder near the
    latest possible date only when the article does not name another holder of the office
    (a 2019 article crawled in 2025 that names López Obrador is not about Sheinbaum); and
    failing that, the one holder the article names."""
    holder = _holder(kb, title, country, on, latest)
    if on is not None and holder is not None:
        return holder, "role"
    named = _named_holders(kb, mentions, title, country)
    if holder is not None and (not named or holder in named):
        return holder, "role"
    if on is not None and kb.holders(title, country, on):
        return None, None  # the KB knows the day's holders and they are not one person
    if len(named) == 1:
        return named[0], "article"
    return None, None


def _role_noun(raw: str) -> str:
    noun = " ".join(raw.lower().split())
    return re.sub(r" to m[eé]xico$", "", noun.replace("defence", "defense"))


def _role_windows(text: str) -> list[tuple[int, int]]:
    """Stretches of text around role words, so the role pattern skips the rest quickly."""
    windows: list[tuple[int, int]] = []
    for hit in _ROLE_HINT.finditer(text):
        lo = max(0, hit.start() - 40)
        hi = text.find(" ", min(len(text), hit.end() + 40))
        hi = len(text) if hi < 0 else hi
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
    return windows


def _role_phrases(text: str, kb: KnowledgeBase, on: date | None, latest: date | None,
                  mentions: list[Mention]) -> list[Mention]:
    taken = [(m.start, m.end) for m in mentions if m.kind != "country"]
    found: list[Mention] = []
    for lo, hi in _role_windows(text):
        for m in _ROLE_WITH_COUNTRY.finditer(text, lo, hi):
            span = (m.start(), m.end())
            if _overlaps(span, taken):
                continue
            taken.append(span)
            country_word = " ".join((m.group("c1") or m.group("c2") or m.group("c3")).lower().split())
            country = _COUNTRIES.get(country_word)
            noun = _role_noun(m.group("r1") or m.group("r2") or m.group("r3"))
            title = _ROLE_TITLES.get(noun, {}).get(country or "")
            actor, via = _resolve_office(kb, title, country, on, latest, mentions) if title and country else (None, None)
            found.append(Mention(span[0], span[1], m.group(), "role", actor.id if actor else None,
                                 actor.name if actor else None, via))
    return found


def _resolve_appositions(text: str, mentions: list[Mention]) -> None:
    """A role right before a name ("U.S. Secretary of State Marco Rubio", "El embajador de
    Estados Unidos, Ronald Johnson") or set off right after one ("Trump, the U.S. president,")
    is that person's title: the role mention is the named person, whoever held the office
    that day (a check can then compare the title with the date)."""
    for a, b in zip(mentions, mentions[1:]):
        gap = text[a.end:b.start]
        if a.kind == "role" and b.kind == "person" and b.actor and gap.strip(" ,") == "":
            a.actor, a.name, a.via = b.actor, b.name, "apposition"
        elif a.kind == "person" and a.actor and b.kind == "role" and gap == ", " \
                and text[b.end:b.end + 1] in (",", ".", ";"):
            b.actor, b.name, b.via = a.actor, a.name, "apposition"


# --------------------------------------------------------------------------- short forms and pronouns
def _short_forms(text: str, mentions: list[Mention], kb: KnowledgeBase) -> list[Mention]:
    """A surname alone ("Saucedo") that the article gave in full earlier is that person;
    so is a KB surname alias the article gave in full for someone else ("Ronald Johnson
    ... Johnson" is not Boris Johnson)."""
    surnames: dict[str, Mention] = {}
    for m in mentions:
        if m.kind != "person" or not m.actor:
            continue
        words = m.text.split()
        if len(words) >= 2 or m.actor.startswith("local:"):
            surnames.setdefault(norm(words[-1]), m)
    if not surnames:
        return mentions
    for m in mentions:  # KB single-word matches the article's own full name overrides
        full = surnames.get(norm(m.text)) if m.kind == "person" and len(m.text.split()) == 1 else None
        if full is not None and full.start < m.start and full.actor != m.actor:
            m.actor, m.name, m.via = full.actor, full.name, "antecedent"
    out = list(mentions)
    taken = [(m.start, m.end) for m in mentions]
    pattern = re.compile(r"\b(?:" + "|".join(sorted({re.escape(s.text.split()[-1]) for s in surnames.values()})) + r")\b")
    for hit in pattern.finditer(text):
        span = (hit.start(), hit.end())
        full = surnames.get(norm(hit.group()))
        if full is None or full.start >= hit.start() or _overlaps(span, taken):
            continue
        taken.append(span)
        out.append(Mention(span[0], span[1], hit.group(), "person", full.actor, full.name, "antecedent"))
    return out


def _gender_of(mention: Mention, text: str) -> str | None:
    """"f", "m" or None: from a first name we know (in the mention or the actor's full
    name), else from a gendered word just before the mention or opening it ("Mrs.",
    "la presidenta")."""
    firsts = {norm(n.split()[0]) for n in (mention.text, mention.name or "") if n.split()}
    if firsts & _FEMALE_NAMES:
        return "f"
    if firsts & _MALE_NAMES:
        return "m"
    words = [norm(w) for w in _TOKEN.findall(text[max(0, mention.start - 12):mention.start])[-2:]]
    words += [norm(w) for w in mention.text.split()[:2]]
    if any(w in _FEMALE_WORDS for w in words):
        return "f"
    if any(w in _MALE_WORDS for w in words):
        return "m"
    return None


def _holds_role(role: Role, on: date | None, latest: date | None) -> bool:
    """Could the role have held on the article's date? Without one: if it began by the
    latest possible date; without that either, any holder named in the article will do."""
    if on is not None:
        return role.holds_on(on)
    if latest is not None:
        start = date_lo(role.start)
        return start is None or start <= latest
    return True


def _inside(position: int, regions: list[tuple[int, int]]) -> bool:
    return any(s <= position < e for s, e in regions)


def _resolve_antecedents(text: str, mentions: list[Mention], kb: KnowledgeBase,
                         on: date | None, latest: date | None) -> list[Mention]:
    """Pronouns and bare roles take the nearest compatible person named before them,
    outside quotation marks (a name quoted is not the narrative's subject, and a pronoun
    quoted is the speaker's, not the narrator's, so it is left unresolved)."""
    from dossier.analyze.quotes import quoted_regions

    quoted = quoted_regions(text)
    people: list[tuple[Mention, str | None]] = []  # resolved person mentions so far, with gender
    genders: dict[str, str | None] = {}
    called_president: set[str] = set()  # actors this article itself titles president
    countries: dict[str, int] = {}
    for m in mentions:
        if m.kind == "country" and m.name:
            countries[m.name] = countries.get(m.name, 0) + 1
    main_country = max(sorted(countries), key=lambda c: countries[c]) if countries else None
    for m in mentions:
        if m.actor and m.kind in ("person", "role"):
            gender = genders.get(m.actor) or _gender_of(m, text)
            genders[m.actor] = gender
            if m.kind == "role" and _PRESIDENT_NOUNS & {norm(w) for w in m.text.split()}:
                called_president.add(m.actor)
            if not _inside(m.start, quoted):
                people.append((m, gender))
            continue
        if m.kind == "pronoun" and m.actor is None and not _inside(m.start, quoted):
            want = "f" if norm(m.text) in ("she", "ella") else "m"
            compatible = [p for p, gender in people if gender in (want, None) and m.start - p.end < PRONOUN_REACH]
            # a speaker before an object: in "López Obrador said he would call Trump. ... he said",
            # "he" is López Obrador; prefer the last person who is the subject of a speech verb
            speaking = [p for p in compatible if _SPEAKS.match(text[p.end:p.end + 80])]
            chosen = (speaking or compatible or [None])[-1]
            if chosen is not None:
                m.actor, m.name, m.via = chosen.actor, chosen.name, "antecedent"
        elif m.kind == "role" and m.actor is None and _BARE_ROLE.fullmatch(m.text):
            _resolve_bare_role(m, people, genders, called_president, kb, on, latest, main_country)
            if m.actor:
                people.append((m, genders.get(m.actor)))
    return mentions


def _resolve_bare_role(m: Mention, people: list[tuple[Mention, str | None]], genders: dict[str, str | None],
                       called_president: set[str], kb: KnowledgeBase, on: date | None, latest: date | None,
                       main_country: str | None) -> None:
    """"The president": the nearest person before it whom the article calls president or
    who was a president on the date; failing that, the president of the country the article
    mentions most, on its date."""
    noun = norm(m.text.split()[-1])
    want = "f" if noun in ("presidenta", "mandataria") else ("m" if noun in ("presidente", "mandatario") else None)
    for previous, gender in reversed(people):
        if not previous.actor or (want is not None and gender is not None and gender != want):
            continue
        actor = kb.actor(previous.actor)
        in_office = actor is not None and any(r.title == "President" and _holds_role(r, on, latest) for r in actor.roles)
        if previous.actor in called_president or in_office:
            m.actor, m.name, m.via = previous.actor, previous.name, "antecedent"
            return
    if main_country and noun != "leader":
        holder = _holder(kb, "President", main_country, on, latest)
        if holder is not None:
            m.actor, m.name, m.via = holder.id, holder.name, "role"


def _without_overlaps(mentions: list[Mention]) -> list[Mention]:
    """Each stage already avoids what earlier ones found; this keeps the promise for any
    case they miss: the earlier-found (more specific) mention wins, then the longer."""
    kept: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for m in mentions:
        if m.end > m.start and not _overlaps((m.start, m.end), taken):
            kept.append(m)
            taken.append((m.start, m.end))
    return sorted(kept, key=lambda x: (x.start, x.end))


def find_mentions(text: str, kb: KnowledgeBase, on: date | None = None, latest: date | None = None) -> list[Mention]:
    """Every actor mention in one article's text, resolved where the evidence allows.

    `on` is the publication date; without it, `latest` is the latest day the article can
    have been published (the day it was crawled). Mentions are sorted by start and never
    overlap."""
    mentions = _known_names(text, kb, on)
    mentions += _unknown_people(text, [(m.start, m.end) for m in mentions])
    mentions.sort(key=lambda x: x.start)
    mentions += _appositive_roles(text, mentions)
    roles = _role_phrases(text, kb, on, latest, mentions)
    # a country inside a role phrase ("US Ambassador to Mexico") is part of the role
    role_spans = [(m.start, m.end) for m in roles]
    mentions = [m for m in mentions if m.kind != "country" or not _overlaps((m.start, m.end), role_spans)] + roles
    mentions.sort(key=lambda x: x.start)
    _resolve_appositions(text, mentions)
    mentions = _short_forms(text, mentions, kb)
    taken = [(m.start, m.end) for m in mentions]
    for m in _BARE_ROLE.finditer(text):
        if not _overlaps((m.start(), m.end()), taken):
            mentions.append(Mention(m.start(), m.end(), m.group(), "role"))
    for m in _PRONOUN.finditer(text):
        if not _overlaps((m.start(), m.end()), taken):
            mentions.append(Mention(m.start(), m.end(), m.group(), "pronoun"))
    mentions = _without_overlaps(mentions)
    return _resolve_antecedents(text, mentions, kb, on, latest)
