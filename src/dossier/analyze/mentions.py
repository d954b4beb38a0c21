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
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from itertools import chain

from dossier.kb import KnowledgeBase
from dossier.kb.model import Actor, Role, date_lo, norm
from dossier.model import Mention

# Abbreviations with dots ("U.S.") are one token; other punctuation separates tokens.
_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|\w+(?:['’\-](?![sS]\b)\w+)*")  # "Obrador’s" → "Obrador"
# What may stand between two words of one name: spaces on one line, ". " after an initial, a hyphen.
_NEXT_TOKEN = re.compile(r"(?:[^\S\n]+|\. |-)(" + _TOKEN.pattern + ")")
# Where a name can start: a capital that begins a token (not inside "U.S." or "Jean-Pierre").
# The range after Þ holds Latin Extended letters of both cases; the code checks isupper().
# (The lookbehinds follow the capital so that the engine only tries them at capitals.)
_NAME_START = re.compile(r"[A-ZÀ-ÖØ-ÞĀ-ɏ](?<!\w.)(?<!\w[\-.'’].)")
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
    "Attorney Vice Deputy Chief Prime Chancellor Representative Gov Col Lt Sgt Capt Adm Admiral Prof Professor "
    "Mr Mrs Ms Dr Analyst Officials Security Foreign Defense State National Congress Government Mexican American "
    "U.S. US Mexico's Washington's Spokesperson Spokesman Spokeswoman Sr Sra Don Doña Lic".split()))
# A capitalised name with one of these words is an organisation, not a person.
_ORG_WORDS = frozenset(norm(w) for w in (
    "Authority Ministry Department Agency Council Party Union Company Inc Corp Corporation Office Commission "
    "Committee Court Police Army Navy Bank University Institute Association Federation Group Cartel Times Post "
    "News Press Network Foundation Center Centre Secretariat Senate Congress Chamber Board Service Services "
    "Administration Bureau Guard Force Forces Organization Organisation Coalition Alliance Church Airlines "
    "Watch International "
    "Secretaría Consejo Instituto Partido Gobierno Ejército Guardia Comisión Universidad").split())
# ... and one with one of these is a news outlet.
_OUTLET_WORDS = frozenset(norm(w) for w in (
    "News Times Post Press Journal Tribune Herald Newswire Gazette Daily Radio TV Noticias Diario Periódico").split())
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
_MALE_WORDS = frozenset(norm(w) for w in (
    "mr he him his señor sr el presidente mandatario jefe senador gobernador embajador spokesman congressman "
    "chairman").split())
_FEMALE_WORDS = frozenset(norm(w) for w in (
    "mrs ms she her señora sra la presidenta mandataria jefa senadora gobernadora embajadora spokeswoman "
    "congresswoman chairwoman").split())

# --------------------------------------------------------------------------- unknown people
_ADJECTIVES = r"(?:security|political|foreign|former|senior|deputy|chief|local|independent|veteran)"
_LOWER_DESCRIPTOR_WORDS = (
    "analyst expert professor researcher economist lawyer attorney diplomat journalist reporter activist "
    "spokesman spokeswoman spokesperson official lawmaker legislator senator representative congressman "
    "congresswoman governor mayor minister secretary ambassador general colonel commander director chairman "
    "chairwoman president judge candidate leader "
    "analista experto experta investigador investigadora senador senadora diputado diputada gobernador "
    "gobernadora alcalde alcaldesa secretario secretaria canciller embajador embajadora vocero vocera "
    "portavoz presidente presidenta licenciado licenciada").split()
# Capitalised titles that stand before a name ("Mayor Ingrid Solvang"); "General" is left out
# because "General Motors" is no general.
_TITLE_WORDS = (
    "Senator Sen. Rep. Representative Governor Gov. Mayor Minister Secretary Ambassador Gen. Col. Lt. Sgt. "
    "Capt. Adm. Admiral Judge Commissioner Director Professor Prof. President Senador Senadora Diputado "
    "Diputada Gobernador Gobernadora Alcalde Alcaldesa Embajador Embajadora Canciller").split()
_HONORIFIC_WORDS = "Mrs. Mrs Mr. Mr Ms. Ms Dr. Dr Sra. Sr.".split()
# Titles that may stand before a surname alone ("Sen. Roe", "Mayor Solvang").
_SURNAME_TITLE_WORDS = frozenset(_HONORIFIC_WORDS + (
    "Sen. Rep. Gov. Gen. Col. Lt. Sgt. Capt. Adm. Prof. Senator Mayor Governor Ambassador Judge").split())
_DESCRIPTOR_WORDS = frozenset(_LOWER_DESCRIPTOR_WORDS + _TITLE_WORDS + _HONORIFIC_WORDS)


def _alternation(words: list[str]) -> str:
    """A regex group of literal words, longest first so that "Mrs." wins over "Mr"."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w))) + ")"


_LOWER_DESCRIPTORS = _alternation(_LOWER_DESCRIPTOR_WORDS)
_TITLES = _alternation(_TITLE_WORDS)
_HONORIFICS = _alternation(_HONORIFIC_WORDS)
# A descriptor is a capitalised title, an honorific, or a lower-case descriptor with at most
# one word before it ("analyst", "Security analyst", "Authority spokesman").
_DESCRIPTOR = (rf"(?:(?:(?:[A-ZÁÉÍÓÚÑ][\w’'\-]*|(?i:{_ADJECTIVES}))\s+)?{_LOWER_DESCRIPTORS}(?!\w)"
               rf"|{_TITLES}(?!\w)|{_HONORIFICS}(?!\w))")
_NAME_WORD = r"(?:[A-ZÁÉÍÓÚÑÜ][\w'’\-]+|[A-Z]\.)"
_NAME = rf"{_NAME_WORD}(?:\s+(?:(?:de|del|la|de\s+la|y)\s+)?{_NAME_WORD}){{0,3}}"
_DESCRIBED_PERSON = re.compile(rf"(?<![\w.])(?P<desc>{_DESCRIPTOR})[^\S\n]+(?P<name>{_NAME})")
_REPORT_VERBS = (r"(?:said|says|told|added|wrote|warned|argued|insisted|noted|stated|explained|asked|replied|"
                 r"dijo|afirmó|señaló|aseguró|declaró|explicó|añadió|agregó|advirtió|sostuvo)")
# Both scan the whole text: each opens with a look at its first character (a capital; a reporting verb's first
# letter), which `re` checks before the rest at every position (the same matches: 126 -> 91 and 68 -> 62 us a text)
_NAME_BEFORE_VERB = re.compile(rf"(?=[A-ZÁÉÍÓÚÑÜ])(?<![\w'’\-])(?P<name>{_NAME_WORD}\s+{_NAME})(?:,[^,\n]{{1,80}},)?"
                               rf"\s+{_REPORT_VERBS}\b")
# "said Mayor Elena Quintero", "said a cousin of the women, Kenny LeBarón"
_VERB_BEFORE_NAME = re.compile(rf"(?=[adeinrstw])\b{_REPORT_VERBS}\s+"
                               rf"(?:(?:a|an|the|his|her|their)\s+[^,.;\n\"“”«»]{{1,60}},\s+)?"
                               rf"(?:(?P<desc>{_DESCRIPTOR})\s+)?(?P<name>{_NAME_WORD}\s+{_NAME})")
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
# The kind of office a bare role names ("the president", "el embajador"), by its nouns.
_OFFICE_NOUNS = {
    **dict.fromkeys("president presidente presidenta mandatario mandataria leader jefe jefa".split(), "President"),
    **dict.fromkeys("ambassador embajador embajadora".split(), "Ambassador"),
}
_ROLE_NOUN = (r"(?:secretary\s+of\s+state|foreign\s+(?:minister|secretary)|security\s+(?:minister|secretary)|"
              r"defen[cs]e\s+secretary|secretary\s+of\s+defen[cs]e|vice\s+president|president|leader|"
              r"ambassador(?:\s+to\s+M[eé]xico)?|"
              r"presidente|presidenta|mandatario|mandataria|canciller|embajador)")
_COUNTRY_BEFORE = r"(?:Mexico's|Mexican|U\.S\.|(?-i:US)|American|Washington's|the\s+United\s+States'|mexicano|mexicana)"
_COUNTRY_AFTER = r"(?:Mexico|México|the\s+United\s+States|the\s+U\.S\.|Estados\s+Unidos|EE\.\s?UU\.)"
_ROLE_WITH_COUNTRY = re.compile(
    rf"\b(?:(?:[Tt]he|[Ee]l|[Ll]a)\s+)?(?:(?P<c1>{_COUNTRY_BEFORE})\s+(?P<r1>{_ROLE_NOUN})"
    rf"|(?P<r2>{_ROLE_NOUN})\s+(?:of|de)\s+(?P<c2>{_COUNTRY_AFTER})"
    rf"|(?P<r3>presidente|presidenta|mandatario|mandataria)\s+(?P<c3>mexicano|mexicana|estadounidense))\b",
    re.IGNORECASE)
# Every role phrase contains one of these words; the full pattern runs only near them.
_ROLE_HINTS = ("presiden", "leader", "secretar", "minister", "ambassador", "mandatari", "canciller", "embajador")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_BARE_ROLE = re.compile(r"\b(?:[Tt]he|[Ee]l|[Ll]a)\s+"
                        r"(?P<r>[Pp]resident|presidente|presidenta|mandatario|mandataria|leader|"
                        r"head\s+of\s+state|jef[ea]\s+de\s+Estado|jef[ea]\s+del\s+(?:Ejecutivo|Estado)(?:\s+federal)?|"
                        r"[Aa]mbassador|embajador|embajadora)\b"
                        r"(?!\s+(?:of|de)\b)(?!\s+[A-ZÁÉÍÓÚ])")
_SPEAKS = re.compile(r"^[^.!?\n“”\"«»]{0,40}?\b"
                     r"(?:said|says|told|tells|added|argued|insisted|warned|stated|declared|"
                     r"explained|wrote|replied|responded|dijo|afirmó|señaló|aseguró|declaró|explicó|añadió|"
                     r"agregó|advirtió|sostuvo|respondió)\b")
# "he" but not the Spanish auxiliary ("he tenido", "he dicho": I have ...).
# (The lookahead names the first letters, so the engine tests one class at other positions.)
_PRONOUN = re.compile(r"(?=[hHsSéeÉE])\b(?P<p>(?:he|He)(?![^\S\n]+\w+(?:ado|ido|to|cho)\b)|she|She|él|ella|Él|Ella)\b")
# Text between quotation marks within a paragraph (any opening mark closes with any closing
# one, as rewrites mix them). A simpler reading than analyze.quotes', and much faster: it
# only keeps quoted names from being antecedents.
_QUOTED = re.compile(r"[“\"«„][^“”\"«»„\n]*[”\"»“]")
_SENTENCE_OPENING = re.compile(r"(?:^|[.!?:;\"“”«»‘']\s*|\n\s*)$")
# "the Trump administration" names an administration, not the man: no antecedent for a pronoun.
_ATTRIBUTIVE = re.compile(r"[^\S\n]+(?:administration|government|era|team|campaign|presidency|years|policy|policies|"
                          r"doctrine|tariffs?|cabinet|camp|allies|supporters)\b")

# With only a latest possible date (a crawl day), an office's holder counts when the same
# person held it over this many days before: articles are rarely crawled much later.
LATEST_WINDOW = timedelta(days=90)
PRONOUN_REACH = 600  # characters back that a pronoun looks for its antecedent
BARE_ROLE_REACH = 200  # person mentions back that "the president" looks through (bounds the work)

_word_key = lru_cache(maxsize=200_000)(norm)  # the same words recur across articles


# --------------------------------------------------------------------------- known names
@dataclass
class _Matcher:
    """A token trie over normalised aliases; each leaf lists (actor ids, exact alias forms)."""

    root: dict = field(default_factory=dict)

    def add(self, alias: str, actor_id: str) -> None:
        tokens = [_word_key(t) for t in _TOKEN.findall(alias)]
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
            if not alias or (_word_key(alias) in _NOT_NAMES and not _abbreviation(alias)):
                continue
            if actor.kind == "person" and not curated and len(_TOKEN.findall(alias)) < 2:
                continue  # a lone surname from bulk data ("Note", "Bush") is too often a word or someone else
            matcher.add(alias, actor.id)
    return matcher


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _word_key(text)).strip("-")


def _capitalised(token: str) -> bool:
    return token[:1].isupper() or _word_key(token) in _CONNECTORS


def _lower_in_alias(word: str, forms: set[str]) -> bool:
    """A lower-case word is part of the name when the alias writes it so ("Council on
    Foreign Relations")."""
    return any(word in _TOKEN.findall(form) for form in forms)


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
    word = surface.lower()
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not text[at - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            return True
        at = text.find(word, end)
    return False


def _known_names(text: str, kb: KnowledgeBase, on: date | None, starts: list[int]) -> list[Mention]:
    """Walk the alias trie from every capital that starts a token; the longest match wins."""
    root = _matcher(kb).root
    found: list[Mention] = []
    as_words: dict[str, bool] = {}  # one-word aliases the article also writes in lower case
    last_end = 0
    for start in starts:
        if start < last_end:
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
        ok = all(_capitalised(w) or _lower_in_alias(w, forms) for w in matched)
        if ok and count == 1 and len(matched[0]) <= _SHORT_ALIAS:
            ok = surface in forms or surface.upper() == surface and any(f.upper() == f for f in forms)
        opens_sentence = _SENTENCE_OPENING.search(text, max(0, start - 3), start) is not None
        if ok and count == 1 and opens_sentence and not _abbreviation(surface):
            if surface not in as_words:
                as_words[surface] = _used_as_word(text, surface)
            ok = not as_words[surface]
        if not ok:
            continue
        actor = _choose(kb, list(ids), on)
        found.append(Mention(start, end, surface, actor.kind if actor else "person",
                             actor.id if actor else None, actor.name if actor else None, "alias"))
        last_end = end
    return found


class _Spans:
    """Spans that do not overlap one another, kept sorted, so that "does this overlap any
    of them?" is a binary search (an article has hundreds of mentions and candidates)."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for span in sorted(spans):
            self.add(span)

    def overlaps(self, span: tuple[int, int]) -> bool:
        i = bisect_right(self.starts, span[0]) - 1
        if i >= 0 and self.ends[i] > span[0]:
            return True
        return i + 1 < len(self.starts) and self.starts[i + 1] < span[1]

    def add(self, span: tuple[int, int]) -> None:
        i = bisect_right(self.starts, span[0])
        self.starts.insert(i, span[0])
        self.ends.insert(i, span[1])


# --------------------------------------------------------------------------- unknown people
def _trim_name(raw: str) -> tuple[int, int] | None:
    """The name inside a pattern's match, as (start, end) in it: without words at the edges
    that are not names ("Elena Quintero In" when a line wraps, "Then David Saucedo" at a
    sentence start) and without a possessive "'s"."""
    words = list(re.finditer(r"\S+", re.sub(r"['’][sS]$", "  ", raw)))
    while words and (_word_key(words[-1].group()) in _NOT_NAMES or _word_key(words[-1].group()) in _CONNECTORS):
        words.pop()
    while words and _word_key(words[0].group()) in _NOT_NAMES:
        words.pop(0)
    return (words[0].start(), words[-1].end()) if words else None


def _descriptor_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The descriptor without leading words that are no part of it ("On Tuesday analyst")."""
    for word in re.finditer(r"\S+", text[start:end]):
        if _word_key(word.group()) not in _FUNCTION_WORDS:
            return start + word.start(), end
    return None


def _in_headline(text: str, position: int, cache: dict[int, bool]) -> bool:
    """Is the position on a line in Title Case ("Mexican President Says Country Won't Combat
    Cartels"), where capitals say nothing about names?"""
    line_start = text.rfind("\n", 0, position) + 1
    if line_start not in cache:
        line_end = text.find("\n", position)
        words = [w for w in text[line_start:line_end if line_end >= 0 else len(text)].split()
                 if len(w) > 3 and w[0].isalpha()]
        cache[line_start] = len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.75 * len(words)
    return cache[line_start]


def _kind_of_name(name: str) -> str:
    """A name found by pattern is an outlet or organisation when one of its words says so."""
    words = {_word_key(w) for w in name.split()}
    if words & _OUTLET_WORDS:
        return "outlet"
    return "organization" if words & _ORG_WORDS else "person"


def _word_before(text: str, position: int) -> tuple[int, str] | None:
    """The word right before a position on the same line, with where it starts."""
    end = position
    while end > 0 and text[end - 1] in " \t\u00a0":
        end -= 1
    if end == position or end == 0:
        return None
    start = end  # back to the last space, tab, no-break space or line break (four rfinds scanned to the text's start)
    while start > 0 and text[start - 1] not in " \n\t\u00a0":
        start -= 1
    return start, text[start:end]


def _described_people(text: str, starts: list[int]) -> Iterator[re.Match]:
    """_DESCRIBED_PERSON's matches, tried only where a capitalised word follows a descriptor
    word (much faster than scanning every position with the whole pattern)."""
    for start in starts:
        before = _word_before(text, start)
        if before is None or before[1] not in _DESCRIPTOR_WORDS:
            continue
        earlier = _word_before(text, before[0])
        for at in ([earlier[0]] if earlier else []) + [before[0]]:
            m = _DESCRIBED_PERSON.match(text, at)
            if m is not None and m.start("name") == start:
                yield m
                break


def _unknown_people(text: str, taken: _Spans, starts: list[int]) -> list[Mention]:
    """People (and organisations) the KB lacks, from titles, descriptors and reporting verbs."""
    found: list[Mention] = []
    headline_lines: dict[int, bool] = {}
    candidates = chain(_described_people(text, starts), _VERB_BEFORE_NAME.finditer(text),
                       _NAME_BEFORE_VERB.finditer(text))
    for m in candidates:
        if _in_headline(text, m.start("name"), headline_lines):
            continue
        trimmed = _trim_name(m.group("name"))
        if trimmed is None:
            continue
        span = (m.start("name") + trimmed[0], m.start("name") + trimmed[1])
        name = " ".join(text[span[0]:span[1]].split())
        desc = m.groupdict().get("desc")
        titled = desc is not None and desc.split()[-1] in _SURNAME_TITLE_WORDS
        if (len(name.split()) < 2 and not titled) or taken.overlaps(span):
            continue
        kind = _kind_of_name(name)
        actor = f"local:{_slug(name)}"
        taken.add(span)
        found.append(Mention(span[0], span[1], name, kind, actor, name, "pattern"))
        if desc and kind == "person" and desc not in _HONORIFIC_WORDS:
            role = _descriptor_span(text, m.start("desc"), m.end("desc"))
            if role and not taken.overlaps(role):
                taken.add(role)
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
        if hit is None or _word_key(hit.group("desc").split()[0]) in _NOT_DESCRIPTOR_START:
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
    return any(r.title == title and _word_key(r.of) == _word_key(country) for r in actor.roles)


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
    if holder is not None and (not named or holder.id in {a.id for a in named}):
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
    lower = text.lower()
    if len(lower) != len(text):  # a rare letter that lower() lengthens ("İ"): keep every offset
        lower = text.translate(_ASCII_LOWER)
    hits = []
    for word in _ROLE_HINTS:
        at = lower.find(word)
        while at >= 0:
            hits.append(at)
            at = lower.find(word, at + len(word))
    windows: list[tuple[int, int]] = []
    for at in sorted(hits):
        lo = max(0, at - 40)
        hi = text.find(" ", min(len(text), at + 50))
        hi = len(text) if hi < 0 else hi
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(hi, windows[-1][1]))
        else:
            windows.append((lo, hi))
    return windows


def _role_phrases(text: str, kb: KnowledgeBase, on: date | None, latest: date | None,
                  mentions: list[Mention]) -> list[Mention]:
    taken = _Spans((m.start, m.end) for m in mentions if m.kind != "country")
    found: list[Mention] = []
    for lo, hi in _role_windows(text):
        for m in _ROLE_WITH_COUNTRY.finditer(text, lo, hi):
            span = (m.start(), m.end())
            if taken.overlaps(span):
                continue
            taken.add(span)
            country_word = " ".join((m.group("c1") or m.group("c2") or m.group("c3")).lower().split())
            country = _COUNTRIES.get(country_word)
            noun = _role_noun(m.group("r1") or m.group("r2") or m.group("r3"))
            title = _ROLE_TITLES.get(noun, {}).get(country or "")
            actor, via = None, None
            if title and country:
                actor, via = _resolve_office(kb, title, country, on, latest, mentions)
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
def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what the re module's \w is


def _word_hits(text: str, words: list[str]) -> Iterator[tuple[int, int]]:
    """What `re.finditer(r"\b(?:w1|w2|...)\b", text)` finds for these literal words, in that
    order of preference, without compiling a pattern for each article's own set of words (that
    compiling was most of _short_forms' time: the re module's cache keeps only 512 patterns).
    Each word's occurrences are found with str.find; at each position the first word that
    matches there between word boundaries wins, and the next match starts after it."""
    size = len(text)

    def boundary(i: int) -> bool:
        left = i > 0 and _is_word_char(text[i - 1])
        right = i < size and _is_word_char(text[i])
        return left != right

    best: dict[int, tuple[int, int]] = {}  # start -> (rank of the word, end)
    for rank, word in enumerate(words):
        at = text.find(word)
        while at >= 0:
            end = at + len(word)
            if at not in best and boundary(at) and boundary(end):
                best[at] = (rank, end)
            at = text.find(word, at + 1)
    last_end = 0
    for start in sorted(best):
        if start >= last_end:
            last_end = best[start][1]
            yield start, last_end


def _short_forms(text: str, mentions: list[Mention], kb: KnowledgeBase, on: date | None) -> list[Mention]:
    """A surname alone ("Saucedo") is the person the article names in full with it (the
    first such, usually earlier; headlines give the surname first). A one-word name that
    matched a KB alias or a title pattern is re-read the same way when the article names
    someone else in full with it ("Ronald Johnson ... Johnson" is not the KB's Boris
    Johnson, unless he held office on the date), or when it is the last word of a KB
    person's full name the article mentions ("AMLO ... Mr Obrador")."""
    surnames: dict[str, Mention] = {}  # last word -> the article's first person named in full with it
    named_in_full: set[str] = set()
    for m in mentions:
        if m.kind == "person" and m.actor and " " in m.text:
            named_in_full.add(m.actor)
            surnames.setdefault(_word_key(m.text.split()[-1]), m)
    kb_surnames: dict[str, Mention] = {}  # last word of a mentioned KB person's full name
    for m in mentions:
        if m.kind == "person" and m.actor and not m.actor.startswith("local:") and m.name and " " in m.name:
            kb_surnames.setdefault(_word_key(m.name.split()[-1]), m)
    for m in mentions:
        if m.kind != "person" or " " in m.text:
            continue
        full = surnames.get(_word_key(m.text)) or kb_surnames.get(_word_key(m.text))
        if full is None or full.actor == m.actor or m.actor in named_in_full:
            continue
        actor = kb.actor(m.actor) if m.actor else None
        if actor is None or not _holds(actor, on):
            m.actor, m.name, m.via = full.actor, full.name, "antecedent"
    for m in mentions:
        if m.kind == "person" and m.actor and m.actor.startswith("local:") and " " not in m.text:
            surnames.setdefault(_word_key(m.text), m)  # "Mr. Smith" ... "Smith"
    if not surnames:
        return mentions
    out = list(mentions)
    taken = _Spans((m.start, m.end) for m in mentions)
    # in the order of their escaped forms, as the pattern that found them was written
    words = sorted({m.text.split()[-1] for m in surnames.values()}, key=re.escape)
    for span in _word_hits(text, words):
        hit = text[span[0]:span[1]]
        full = surnames.get(_word_key(hit))
        if full is None or taken.overlaps(span):
            continue
        taken.add(span)
        out.append(Mention(span[0], span[1], hit, "person", full.actor, full.name, "antecedent"))
    return out


def _gender_of(mention: Mention, text: str) -> str | None:
    """"f", "m" or None: from a first name we know (in the mention or the actor's full
    name), else from a gendered word just before the mention or opening it ("Mrs.",
    "la presidenta")."""
    firsts = {_word_key(n.split()[0]) for n in (mention.text, mention.name or "") if n.split()}
    if firsts & _FEMALE_NAMES:
        return "f"
    if firsts & _MALE_NAMES:
        return "m"
    words = [_word_key(w) for w in _TOKEN.findall(text[max(0, mention.start - 12):mention.start])[-2:]]
    words += [_word_key(w) for w in mention.text.split()[:2]]
    if any(w in _FEMALE_WORDS for w in words):
        return "f"
    if any(w in _MALE_WORDS for w in words):
        return "m"
    return None


def _name_gender(name: str) -> str | None:
    first = _word_key(name.split()[0]) if name.split() else ""
    return "f" if first in _FEMALE_NAMES else ("m" if first in _MALE_NAMES else None)


def _holds_role(role: Role, on: date | None, latest: date | None) -> bool:
    """Could the role have held on the article's date? Without one: if it began by the
    latest possible date; without that either, any holder named in the article will do."""
    if on is not None:
        return role.holds_on(on)
    if latest is not None:
        start = date_lo(role.start)
        return start is None or start <= latest
    return True


def _inside(position: int, regions: _Spans) -> bool:
    return regions.overlaps((position, position + 1))


def _resolve_antecedents(text: str, mentions: list[Mention], kb: KnowledgeBase,
                         on: date | None, latest: date | None) -> list[Mention]:
    """Pronouns and bare roles take the nearest compatible person named before them,
    outside quotation marks (a name quoted is not the narrative's subject) and not used
    as a modifier ("the Trump administration")."""
    quoted = _Spans((m.start(), m.end()) for m in _QUOTED.finditer(text))
    people: list[tuple[Mention, str | None]] = []  # resolved person mentions so far, with gender
    genders: dict[str, str | None] = {}
    called: dict[str, set[str]] = {}  # office kind -> actors this article itself titles so
    countries: dict[str, int] = {}
    for m in mentions:
        if m.kind == "country" and m.name:
            countries[m.name] = countries.get(m.name, 0) + 1
    by_mentions = sorted(countries, key=lambda c: (-countries[c], c))  # the article's countries, most mentioned first
    for m in mentions:
        if m.actor and m.kind in ("person", "role"):
            gender = genders.get(m.actor) or _gender_of(m, text)
            genders[m.actor] = gender
            office = _office_of(m.text) if m.kind == "role" else None
            if office:
                called.setdefault(office, set()).add(m.actor)
            if not _inside(m.start, quoted) and not _ATTRIBUTIVE.match(text, m.end):
                people.append((m, gender))
            continue
        if m.kind == "pronoun" and m.actor is None:
            want = "f" if _word_key(m.text) in ("she", "ella") else "m"
            chosen = _antecedent(text, m, want, people)
            if chosen is not None:
                m.actor, m.name, m.via = chosen.actor, chosen.name, "antecedent"
                if not _inside(m.start, quoted):  # "He said ... he said": the chain keeps its speaker
                    people.append((m, want))
        elif m.kind == "role" and m.actor is None and _BARE_ROLE.fullmatch(m.text):
            _resolve_bare_role(m, people, called, mentions, kb, on, latest, by_mentions)
            if m.actor:
                people.append((m, genders.get(m.actor)))
    return mentions


def _office_of(role_text: str) -> str | None:
    """"President" or "Ambassador" for a role phrase that names such an office."""
    for word in role_text.split():
        office = _OFFICE_NOUNS.get(_word_key(word))
        if office:
            return office
    return None


def _antecedent(text: str, pronoun: Mention, want: str, people: list[tuple[Mention, str | None]]) -> Mention | None:
    """The person a pronoun means: the last one named within PRONOUN_REACH characters
    before it whose gender is not known to differ, preferring the subject of a speech verb
    (in "López Obrador said he would call Trump. ... he said", "he" is López Obrador)."""
    nearest = None
    for person, gender in reversed(people):
        if pronoun.start - person.end >= PRONOUN_REACH:
            break
        if gender not in (want, None):
            continue
        if _SPEAKS.match(text[person.end:person.end + 80]):
            return person
        nearest = nearest or person
    return nearest


def _resolve_bare_role(m: Mention, people: list[tuple[Mention, str | None]], called: dict[str, set[str]],
                       mentions: list[Mention], kb: KnowledgeBase, on: date | None, latest: date | None,
                       countries: list[str]) -> None:
    """"The president", "el embajador": the nearest person before it (among the last
    BARE_ROLE_REACH person mentions) whom the article titles so or who held such an office
    on the date; failing that (for a president), the president on the date of the country
    the article mentions most, of a compatible gender ("la mandataria" is no man); failing
    that, the one person the article names anywhere who ever held such an office (an
    opening that quotes "el mandatario" before it names him)."""
    office = _office_of(m.text) or "President"
    words = [_word_key(w) for w in m.text.split()]
    want = "f" if _FEMALE_WORDS & set(words) else ("m" if _MALE_WORDS & set(words) else None)

    def of_office(role: Role) -> bool:
        return role.title == office or role.title.startswith(office + " ")

    for previous, gender in people[:-BARE_ROLE_REACH - 1:-1]:
        if not previous.actor or (want is not None and gender is not None and gender != want):
            continue
        actor = kb.actor(previous.actor)
        in_office = actor is not None and any(of_office(r) and _holds_role(r, on, latest) for r in actor.roles)
        if previous.actor in called.get(office, ()) or in_office:
            m.actor, m.name, m.via = previous.actor, previous.name, "antecedent"
            return
    if office == "President" and words[-1] != "leader":
        for country in countries:
            holder = _holder(kb, "President", country, on, latest)
            if holder is not None and (want is None or _name_gender(holder.name) in (want, None)):
                m.actor, m.name, m.via = holder.id, holder.name, "role"
                return
    holders: dict[str, Actor] = {}
    for other in mentions:
        actor = kb.actor(other.actor) if other.actor and other.kind == "person" else None
        if actor is not None and any(of_office(r) for r in actor.roles) and other.actor not in holders:
            holders[actor.id] = actor
    if len(holders) == 1:
        (actor,) = holders.values()
        m.actor, m.name, m.via = actor.id, actor.name, "article"


def _without_overlaps(mentions: list[Mention]) -> list[Mention]:
    """Each stage already avoids what earlier ones found; this keeps the promise for any
    case they miss: the earlier-found (more specific) mention wins, then the longer."""
    kept: list[Mention] = []
    taken = _Spans()
    for m in mentions:
        if m.end > m.start and not taken.overlaps((m.start, m.end)):
            kept.append(m)
            taken.add((m.start, m.end))
    return sorted(kept, key=lambda x: (x.start, x.end))


def find_mentions(text: str, kb: KnowledgeBase, on: date | None = None, latest: date | None = None) -> list[Mention]:
    """Every actor mention in one article's text, resolved where the evidence allows.

    `on` is the publication date; without it, `latest` is the latest day the article can
    have been published (the day it was crawled). Mentions are sorted by start and never
    overlap."""
    starts = [m.start() for m in _NAME_START.finditer(text) if text[m.start()].isupper()]
    mentions = _known_names(text, kb, on, starts)
    mentions += _unknown_people(text, _Spans((m.start, m.end) for m in mentions), starts)
    mentions.sort(key=lambda x: x.start)
    mentions += _appositive_roles(text, mentions)
    roles = _role_phrases(text, kb, on, latest, mentions)
    # a country inside a role phrase ("US Ambassador to Mexico") is part of the role
    role_spans = _Spans((m.start, m.end) for m in roles)
    mentions = [m for m in mentions if m.kind != "country" or not role_spans.overlaps((m.start, m.end))] + roles
    mentions.sort(key=lambda x: x.start)
    _resolve_appositions(text, mentions)
    mentions = _short_forms(text, mentions, kb, on)
    taken = _Spans((m.start, m.end) for m in mentions)
    for m in _BARE_ROLE.finditer(text):
        if not taken.overlaps((m.start(), m.end())):
            mentions.append(Mention(m.start(), m.end(), m.group(), "role"))
    for m in _PRONOUN.finditer(text):
        if not taken.overlaps((m.start(), m.end())):
            mentions.append(Mention(m.start(), m.end(), m.group(), "pronoun"))
    mentions = _without_overlaps(mentions)
    return _resolve_antecedents(text, mentions, kb, on, latest)
