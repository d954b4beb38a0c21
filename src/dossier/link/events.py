"""Events and stories: articles grouped by the happening they report, events by thread.

An article's event is decided by its lead (headline and first paragraphs), as an editor
would: the words of the lead (TF-IDF; Spanish words read in English where they are not
cognates, `crosslang`), the actors it names (one that many events name around its day only
where the words agree too: ACTOR_EVENTS, ACTOR_COSINE), the statements it quotes (those
few events carry, first carried a few days before: QUOTE_EVENTS, QUOTE_DAYS), the articles it copies
or is copied by, and its date (an event is one happening: articles more than MAX_DAYS apart do
not share one). The weekday a lead says the happening was on ("said on Friday", "este martes")
tells two happenings of one story apart (a strike's first day and the talks two days later)
and dates a late report back to its happening. Two dated leads that count the same things
("26 prisoners", "26 inmates") tell of one happening however else they word it. An event opened
by a month-dated report keeps that month. Each article joins the most similar event so far or
opens a new one, so a new article never moves older ones.

`EventIndex` does this incrementally: it keeps document frequencies running and finds the
events an article could join without scanning them all (events on the days around the
article's date, and an inverted index of rare lead terms, actors and quotes, which is all an
undated article has), so adding one article to a large corpus costs about a millisecond. The
batch `export_events` is the same code with the articles added in linking's order (by day,
month-dated and then undated ones last),
so the same corpus always gives the same events; another arrival order gives nearly the same
events, not exactly (BENCHMARKS.md measures how near).

Stories join events that share actors and vocabulary across time.
"""

from __future__ import annotations

import hashlib
import heapq
from array import array
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from itertools import compress, islice, repeat
from operator import itemgetter, le
from typing import Any, Callable, Iterable

import numpy as np

from dossier import fastjson
from dossier.link import pickling
from dossier.link.crosslang import to_english

LEAD_CHARS = 700
MAX_DAYS = 2  # articles further apart than this report different happenings (2 to 8 score alike here)
JOIN = 0.2  # similarity at which an article joins an event
JOIN_UNDATED = 0.4  # a higher bar when the date cannot rule an event out
JOIN_PERIOD = 0.3  # and one between the two when only the month (or year) is known
DAY_COST = 0.05  # each day between an article and an event's nearest day lowers their similarity by this
WEEKDAY_COST = 0.1  # lowers the similarity of an article whose lead names another weekday than the event's
CORE_DAYS = 0.1  # an event's days are those of at least this share of its dated articles (and its commonest)
CORE_ACTORS = 0.2  # its actors, those named by at least this share of its articles (and its commonest)
COUNT_GAIN = 0.1  # raises it when a dated lead counts the same number of things as the event's ("26 prisoners")
ACTOR_EVENTS = 10  # an actor more events than this name on the days around an article's is crowded there:
ACTOR_COSINE = 0.12  # it counts only where the lead terms' cosine shows this much besides
QUOTE_GAIN = 0.3  # raises it when the article carries a statement the event's articles carry
QUOTE_EVENTS = 3  # ... one that at most this many events carry: one in more tells no happening from another
QUOTE_DAYS = 7  # ... and that a dated article first carried at most this many days before
LEAD_TERM_CHARS = 1000  # the lead whose words are compared (page chrome skipped)
STEM = 6  # words are cut to this many letters: a crude stemmer that also meets cognates (cartels, carteles)
STORY_JOIN = 0.18
CANDIDATES = 40  # events scored in full per article: of those its date allows, the ones sharing the most rare
# evidence with it for their size (`EventIndex._ranked`)
RANKED = 4  # ... found among the RANKED * CANDIDATES sharing the most evidence
NEAR_SETS = 16  # `_near` keeps the sets of the last NEAR_SETS spans of days it was asked for
POSTING_CAP = 200  # a key carried by more events than this is too common to find candidates by
TERMS_KEPT = 400  # an event keeps its heaviest terms (bounded memory and scoring cost at scale)
STORY_SCAN = 30  # per actor or term, the most recent events sharing it that an event is compared with for its story
CORE_CACHE = 4096  # tallies whose core is kept (`_core_of`): the large events candidates now,
# not every event's (each entry holds its tally, which the event itself may have replaced)
STORY_CHECKS = 8  # of those, the ones sharing most of its top terms are compared by vocabulary
_WORD = re.compile(r"[^\W\d_]{3,}")
_STOP = frozenset("""
the and for that with this from have has had was were are been will would could should their they them his her
its our you your but not who what when where which while about after before over into than then there these those
said says say also more most some such just only very can may might must one two three new year years day week
president government officials official country countries people time first last told according report reports
los las del por para con una que como más pero sus este esta entre sobre también fue han sido ser dijo ante
desde hasta durante contra sin muy ese esa eso porque cuando donde presidente gobierno país
""".split())


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _drop_combining(match: re.Match[str]) -> str:
    return "" if unicodedata.combining(match.group()) else match.group()


def _norm(text: str) -> str:
    if text.isascii():  # NFKD leaves ASCII as it is, and casefold is lower there
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    # combining marks are never ASCII: only the other characters are looked at
    return _NON_ASCII.sub(_drop_combining, text).casefold()


def period_of(published: str | None) -> tuple[date, date] | None:
    """The days a month- or year-precise date ("2019-11", "2019") can stand for."""
    if not published or len(published) >= 10:
        return None
    try:
        if len(published) == 7:
            year, month = int(published[:4]), int(published[5:7])
            end = date(year + (month == 12), month % 12 + 1, 1)
            return date(year, month, 1), date.fromordinal(end.toordinal() - 1)
        year = int(published[:4])
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        return None


_NUMBER = re.compile(r"\d[\d,.]*\d")


@lru_cache(maxsize=8)  # one article's lead is asked for by its terms, counts, guessed day and why
def lead_text(text: str) -> str:
    """The opening prose of an article: lines with fewer than four words (menus, share buttons,
    bylines, dates, photo credits) are page chrome, not the lead."""
    out, size = [], 0
    finditer = _WORD.finditer
    for line in text.splitlines():
        if len(list(islice(finditer(line), 4))) < 4:  # fewer than four words (not counting them all)
            continue
        out.append(line)
        size += len(line) + 1
        if size >= LEAD_TERM_CHARS:
            break
    return "\n".join(out)[:LEAD_TERM_CHARS]


_MONTHS = {name: n for n, names in enumerate([
    "january jan enero", "february feb febrero", "march mar marzo", "april apr abril", "may mayo", "june jun junio",
    "july jul julio", "august aug agosto", "september sep sept septiembre setiembre", "october oct octubre",
    "november nov noviembre", "december dec diciembre"], 1) for name in names.split()}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_FULL_DATES = [
    re.compile(rf"\b(?P<m>{_MONTH})\.? (?P<d>\d{{1,2}}),? (?P<y>(?:19|20)\d\d)\b", re.I),  # February 19, 2025
    re.compile(rf"\b(?P<d>\d{{1,2}}) (?:de )?(?P<m>{_MONTH})\.?,? (?:de |del )?(?P<y>(?:19|20)\d\d)\b", re.I),  # 19 de febrero de 2025
]


def day_in_text(text: str, period: tuple[date, date] | None = None) -> date | None:
    """The latest full date the lead writes out (an undated article's best guess at its event's
    day), inside the article's month or year when that is known."""
    found = []
    for pattern in _FULL_DATES:
        for match in pattern.finditer(lead_text(text)):
            try:
                day = date(int(match["y"]), _MONTHS[match["m"].casefold()], int(match["d"]))
            except ValueError:
                continue
            if not period or period[0] <= day <= period[1]:
                found.append(day)
    return max(found, default=None)


_WEEKDAYS = {name: n for n, names in enumerate(["monday lunes", "tuesday martes", "wednesday miercoles",
                                                  "thursday jueves", "friday viernes", "saturday sabado",
                                                  "sunday domingo"]) for name in names.split()}
# on the raw text (case and the accents of miércoles and sábado ignored), not a date stamp ("Friday, March 10")
_WEEKDAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|lunes|martes|mi[eé]rcoles|jueves|"
                      rf"viernes|s[aá]bado|domingo)\b(?!,? +(?:\d|(?:{_MONTH})\b))", re.I)
# a day to come, not the happening's: "will take effect on Monday", "by Friday", "el próximo lunes"
_AHEAD = re.compile(r"\b(?:will(?: \w+){0,3}|effect|next|until|by|pr[oó]ximo|hasta(?: el)?|partir del?)\s+(?:on\s+|el\s+)?$",
                    re.I)
WEEKDAY_CHARS = 400  # the weekday of the happening is said in the lead's first sentences


def weekday_in_lead(text: str) -> int | None:
    """The weekday the lead says the happening was on ("said on Monday", "este martes"):
    the first weekday named in its opening (0 is Monday), in English or Spanish.
    Two reports that name different weekdays tell of different happenings."""
    lead = lead_text(text[:4 * LEAD_TERM_CHARS])[:WEEKDAY_CHARS]  # the lead is in the first few thousand characters
    for match in _WEEKDAY.finditer(lead):
        if not _AHEAD.search(lead[max(0, match.start() - 30):match.start()]):
            return _WEEKDAYS[_norm(match[1])]
    return None


def happening_day(published: date, weekday: int) -> date:
    """The day a report published on `published` means by a weekday: the latest such day up to then."""
    return published - timedelta(days=(published.weekday() - weekday) % 7)


# a number of things: "26 prisoners", "10,000 troops", "26 reos" (not a date's day, not a year, not a span of time)
# (it opens with a look for a digit, which `re` checks before the rest at every position: a third of the time)
_COUNT = re.compile(rf"(?=\d)(?<![\d,.])(\d{{1,3}}(?:[,.]\d{{3}})+|\d+)(?![\d,.]?\d)\s+(?!(?:de\s+|of\s+)?(?:{_MONTH})\b)"
                    r"(?:(?:of|de)\s+(?:(?:the|its|their|los|las|sus)\s+)?)?"  # "48 of its buses", "26 de los reos"
                    r"(?!(?:years?|days?|hours?|minutes?|months?|weeks?|a[nñ]os?|d[ií]as?|horas?|minutos?|meses|mes|"
                    r"semanas?)\b)[^\W\d_]{3,}", re.I)
_DATE_BEFORE = re.compile(rf"\b(?:{_MONTH})\.?\s*$", re.I)


def counts_in_lead(title: str | None, text: str) -> set[str]:
    """Numbers of things the headline and lead count ("26 prisoners", "10,000 troops"): two reports of the
    same days that count the same things tell of one happening, however else they word it ("26 inmates",
    "26 fugitives"). Numbers under 10 are left out (often spelled, "six", and common), as are years, the
    day of a date ("March 12 ...") and spans of time ("50 years")."""
    lead = f"{title or ''}\n{lead_text(text)}"
    out = set()
    for match in _COUNT.finditer(lead):
        number = re.sub(r"[,.]", "", match[1])
        if len(number) < 2 or (len(number) == 4 and number[:2] in ("19", "20")):
            continue
        if _DATE_BEFORE.search(lead[max(0, match.start() - 12):match.start()]):
            continue
        out.add(number)
    return out


def _surface(article: EventArticle) -> dict[str, str]:
    """Each stem of the article's lead with the first word it was cut from, to explain in words."""
    out: dict[str, str] = {}
    for word in _WORD.findall(f"{article.title or ''}\n{lead_text(article.text)}"):
        out.setdefault(_stem(to_english(_norm(word))), word.lower())
    return out


def _stem(word: str) -> str:
    """The first STEM letters, after a plural "s" ("orders" and "order", "drogas" and "droga" meet)."""
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:STEM]


def lead_terms(title: str | None, text: str) -> Counter:
    """Words (stemmed) and numbers of the headline and lead: what an article's event is told by.
    Spanish words are read in English where they are not cognates (`crosslang`); numbers ("#26")
    are the same in every language."""
    lead = f"{title or ''}\n{title or ''}\n{lead_text(text)}"  # the headline counts twice
    words = [_stem(w) for w in map(to_english, _WORD.findall(_norm(lead))) if w not in _STOP]
    numbers = ["#" + re.sub(r"[,.]", "", n) for n in _NUMBER.findall(lead)]
    return Counter(words + numbers)


@dataclass
class EventArticle:
    id: str
    day: date | None
    title: str | None
    text: str
    actors: set[str] = field(default_factory=set)  # actors named in the lead (not countries)
    quotes: set[str] = field(default_factory=set)  # statements it carries
    copies: set[str] = field(default_factory=set)  # articles it copies or is copied by
    terms: Counter = field(default_factory=Counter)
    period: tuple[date, date] | None = None  # when only the month or year is known
    weekday: int | None = None  # the weekday its lead says the happening was on (set by EventIndex.add)
    counts: frozenset[str] = frozenset()  # numbers of things its lead counts (set by EventIndex.add)


_EVENT_FIELDS = ("key", "number", "articles", "whys", "title", "titled", "names", "term_ids", "term_counts", "actor_tally",
                 "quote_codes", "day_tally", "periods", "weekday_bits", "happened_tally", "count_tally", "length",
                 "length_at")


class Names:
    """The strings an index's events refer to by number: its lead terms (`words`, term id -> stem)
    and the statement keys that are not of the form "r<number>" (`statements`, code -1 - n -> key).
    One object per index, shared by its events, so that `Event.terms` and `Event.quotes` can be
    read as the strings they were."""

    __slots__ = ("words", "statements")

    def __init__(self) -> None:
        self.words: list[str] = []
        self.statements: list[Any] = []

    def __getstate__(self) -> tuple[list[str], list[Any]]:
        return self.words, self.statements

    def __setstate__(self, state: tuple[list[str], list[Any]]) -> None:
        self.words, self.statements = state

    def statement(self, code: int) -> Any:
        return f"r{code}" if code >= 0 else self.statements[-1 - code]


_WIDTHS = (("B", np.uint8, 1 << 8), ("H", np.uint16, 1 << 16), ("I", np.uint32, 1 << 32), ("Q", np.uint64, 1 << 64))


def _narrow(counts: Any) -> array:
    """Counts or term ids (a list, or a numpy array) in the narrowest unsigned array that holds them
    (counts nearly always one byte each; term ids two while the vocabulary has under 65,536 stems)."""
    top = max(counts, default=0) if isinstance(counts, list) else int(counts.max(initial=0))
    code, dtype, _ = next(width for width in _WIDTHS if top < width[2])
    return array(code, counts if isinstance(counts, list) else counts.astype(dtype).tobytes())


# shared by the events that have none (never written: an event's arrays are replaced, not changed)
_NO_IDS, _NO_COUNTS, _NO_CODES = array("B"), array("B"), array("i")
_OPENED = b'{"opened":true}'
CHUNK_EVENTS = 10_000  # events pickled at a time (`EventIndex.pickled_apart`)
TUPLE_ARTICLES = 16  # an event's members are a tuple up to this many (`Event.articles`)


class Event:
    """What the index keeps of an event: its members' ids and the pooled evidence, not the articles.

    Compact, because a corpus has tens of thousands of events (the events part of the state of
    100,000 articles was 1.4 GB resident in session 5, 371 MB in session 6): slots instead of an
    instance dict, each member's why as JSON bytes beside its id (`whys`, parallel to `articles`),
    the index interns the strings and dates it holds (`EventIndex._canon`), so a term or a day that
    many events share is one object, and the two largest tallies are arrays of numbers: its lead
    terms as term ids (`term_ids`, into `names.words`) with their counts (`term_counts`, both as
    narrow as their largest number allows), in the
    order a dict of them would iterate (first counted first; the heaviest first after a cut), and
    its statements as sorted codes (`quote_codes`: the number of a key "r<number>"). `terms` and
    `quotes` give them back as the dict and the tuple they replace (BENCHMARKS.md, "The events
    part of the state, compact")."""

    __slots__ = _EVENT_FIELDS

    def __init__(self, key: str, names: Names | None = None, number: int = -1) -> None:
        self.key = key
        self.number = number  # its place in the order events were opened (`EventIndex._event_keys`)
        # tuples while short, not lists (a joining article makes them anew): most events have one
        # article, and a list that was appended to takes 88 bytes where a tuple of one takes 48;
        # lists from TUPLE_ARTICLES on, so that a large event does not copy them at every join
        self.articles: tuple[str, ...] | list[str] = ()
        self.whys: tuple[bytes, ...] | list[bytes] = ()  # why each article joined (JSON), in the order of `articles`
        self.title = ""
        self.titled = False
        self.names = names if names is not None else Names()
        self.term_ids = _NO_IDS  # lead terms (ids into names.words), first counted first
        self.term_counts = _NO_COUNTS  # and their counts (both `_narrow`)
        # actor -> articles naming it in their lead, as a flat tuple like the tallies below (a Counter of
        # one or two actors took 232 bytes or more; `actors` gives it as one)
        self.actor_tally: tuple = ()
        self.quote_codes = _NO_CODES  # statements its articles carry, each once, as sorted codes
        # tallies of a few keys each (most events have one day), as flat tuples (key, count, key, count, ...)
        # in the order a dict of them would iterate: a dict of one key is 232 bytes, this tuple 56, and
        # a tally of one key counted once is the index's one such tuple (`_tally_flat`); `days`,
        # `happened` and `counts` give them as dicts
        self.day_tally: tuple = ()  # day -> articles published that day
        # (first, last day) of its month- or year-dated articles, each once (only which are read: a tuple, mostly
        # the one empty tuple); the weekdays its articles' leads name, as bits (1 << weekday: a small int, shared)
        self.periods: tuple[tuple[date, date], ...] = ()
        self.weekday_bits = 0
        self.happened_tally: tuple = ()  # day of the happening (weekday named, publication day) -> articles
        self.count_tally: tuple = ()  # numbers of things its dated articles' leads count -> articles
        self.length = 0.0  # cached tf-idf length,
        self.length_at = -1  # and the corpus size it was computed at (-1: to compute)

    def __getstate__(self) -> tuple:
        return tuple(getattr(self, name) for name in _EVENT_FIELDS)

    def __setstate__(self, state: tuple) -> None:
        for name, value in zip(_EVENT_FIELDS, state):
            setattr(self, name, value)

    @property
    def actors(self) -> Counter:
        """Actor -> its articles that name it in their lead (made anew at each call)."""
        return Counter(_pairs(self.actor_tally))

    def top_actors(self, n: int) -> list[str]:
        """The n actors most of its articles name (ties in the order they came: Counter.most_common)."""
        return [actor for actor, _ in most_common(_pairs(self.actor_tally), n)]

    @property
    def days(self) -> dict[date, int]:
        """Day -> its articles published that day."""
        return dict(zip(self.day_tally[::2], self.day_tally[1::2]))

    @property
    def happened(self) -> dict[date, int]:
        """Day of the happening (the weekday its lead names, before publication) -> articles."""
        return dict(zip(self.happened_tally[::2], self.happened_tally[1::2]))

    @property
    def counts(self) -> dict[str, int]:
        """Number of things its dated articles' leads count -> articles."""
        return dict(zip(self.count_tally[::2], self.count_tally[1::2]))

    @property
    def weekdays(self) -> frozenset[int]:
        """The weekdays its articles' leads name (0 Monday ... 6 Sunday)."""
        return frozenset(d for d in range(7) if self.weekday_bits >> d & 1)

    @property
    def terms(self) -> dict[str, int]:
        """Its lead terms' counts as a dict (stem -> count, in the order they are kept); made
        anew at each call: the index reads `term_ids` and `term_counts`."""
        return dict(zip(map(self.names.words.__getitem__, self.term_ids), self.term_counts))

    @property
    def quotes(self) -> tuple[Any, ...]:
        """The statements its articles carry, as their keys (in the order of their codes)."""
        return tuple(map(self.names.statement, self.quote_codes))

    @property
    def why(self) -> dict[str, dict[str, Any]]:
        """Why each article joined, by article id (decoded from `whys`)."""
        return {article_id: fastjson.loads(why) for article_id, why in zip(self.articles, self.whys)}

    def add(self, article: EventArticle, why: dict[str, Any], canon: Callable[[Any], Any] = lambda x: x,
            quote_codes: Iterable[int] = ()) -> None:
        """Pool the article's evidence but its terms, which the index tallies (`EventIndex._tally_terms`;
        `canon` gives the index's one object for a string or date, `quote_codes` are the codes of
        the article's statements)."""
        self.length_at = -1
        if type(self.articles) is tuple and len(self.articles) >= TUPLE_ARTICLES:
            self.articles, self.whys = list(self.articles), list(self.whys)
        self.articles += (article.id,)  # a list is extended in place
        packed = fastjson.dumps(why).encode("utf-8")
        self.whys += (_OPENED if packed == _OPENED else packed,)  # the why of every first article: one object
        if not self.titled and article.title:
            self.title, self.titled = article.title, True
        elif not self.titled and len(self.articles) == 1:
            self.title = article.text[:80]  # until an article with a headline joins
        # a set: sorted, so ties rank alike in every process
        self.actor_tally = _tally_flat(self.actor_tally, sorted(map(canon, article.actors)), canon)
        have = self.quote_codes
        new_codes = set(quote_codes).difference(have)
        if new_codes:
            self.quote_codes = array("i", sorted(new_codes.union(have)))
        if article.day:
            self.day_tally = _tally_flat(self.day_tally, [canon(article.day)], canon)
            self.count_tally = _tally_flat(self.count_tally, sorted(map(canon, article.counts)), canon)
        elif article.period and article.period not in self.periods:
            self.periods += (canon(article.period),)
        if article.weekday is not None:
            self.weekday_bits |= 1 << article.weekday
            if article.day:
                self.happened_tally = _tally_flat(self.happened_tally, [canon(happening_day(article.day, article.weekday))],
                                                  canon)


def _tally_flat(tally: tuple, keys: list[Any], canon: Callable[[Any], Any] = lambda x: x) -> tuple:
    """A flat tally (key, count, ...) with one more of each key, as Counter.update adds to a dict (new
    keys after the others, in the order given). A tally of one key counted once, what most events
    hold, is `canon`'s one object for it (at 1,000,000 generated articles, 544,000 of 664,000
    events had one article)."""
    if not keys:
        return tally
    if not tally and len(keys) == 1:
        return canon((keys[0], 1))
    found = list(tally)
    for key in keys:
        names = found[::2]
        if key in names:
            found[2 * names.index(key) + 1] += 1
        else:
            found += [key, 1]
    return tuple(found)


def _pairs(tally: tuple) -> dict[Any, int]:
    return dict(zip(tally[::2], tally[1::2]))


def most_common(counts: dict[Any, int], n: int) -> list[tuple[Any, int]]:
    """The n largest counts, ties in the dict's order: Counter.most_common(n) on a plain dict."""
    return heapq.nlargest(n, counts.items(), key=itemgetter(1))


class _Memo(dict):
    """A function's values kept as they are asked for: a hit is a plain dict lookup."""

    def __init__(self, function: Callable[[str], float]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, key: str) -> float:
        value = self[key] = self.function(key)
        return value


Idf = Callable[[str], float]


def _tf(count: int) -> float:
    """Sublinear term frequency: a word said seven times ("Mexico") is not seven times the evidence."""
    return 1 + math.log(count) if count > 0 else 0.0


_TF = _Memo(_tf)  # _tf of a count: counts are small integers, so few are ever computed


def _length(a: dict[str, int], idf: Idf) -> float:
    tf = _TF.__getitem__  # _tf looked up (the same floats): this runs over events' hundreds of terms
    return math.sqrt(sum((tf(c) * idf(w)) ** 2 for w, c in a.items()))


def _cosine(a: dict[str, int], b: dict[str, int], idf: Idf, na: float | None = None, nb: float | None = None) -> float:
    """Cosine of tf-idf vectors; the lengths may be given (the index caches them)."""
    shared = a.keys() & b.keys()
    if not shared:
        return 0.0
    dot = sum(_tf(a[w]) * _tf(b[w]) * idf(w) ** 2 for w in shared)
    return dot / ((na or _length(a, idf)) * (nb or _length(b, idf)))


def _flat(term: str) -> float:
    """Stories weigh every shared word alike: a thread's vocabulary is its common words."""
    return 1.0


def _apart(low: date, high: date, other_low: date, other_high: date) -> bool:
    """Whether two spans of days are more than MAX_DAYS apart."""
    return (other_low - high).days > MAX_DAYS or (low - other_high).days > MAX_DAYS


def core(counts: dict[Any, int], at_least: float) -> list:
    """The keys of a tally counted at least `at_least` times, and always the most common:
    what an event is about, not everything that ever joined it. Without this an event snowballs:
    once it spans many days, any report within MAX_DAYS of any of them passed the date test, and
    once it names many actors, any report sharing one scored as if it shared all it named
    (at 100,000 generated articles one event took 97,281 of them)."""
    if not counts:
        return []
    most = max(counts.values())
    first = min(k for k, c in counts.items() if c == most)  # one of the commonest (the earliest day): a spread
    return [k for k, c in counts.items() if c >= at_least or k == first]  # of single days is not all core


def _day_gap(article: EventArticle, event: Event) -> int | None:
    """Days between a dated article and the event: between publication days, or between the days
    the leads say the happening was on ("on Friday"), whichever is nearer (a report published
    four days after a Friday statement still tells of that Friday). The event's days are its
    core days (`core`: CORE_DAYS of its dated articles or more)."""
    days = event.day_tally
    if not (article.day and days):
        return None
    # one day (most events) is its own core
    gap = (abs((article.day - days[0]).days) if len(days) == 2 else
           min(abs((article.day - d).days) for d in _core_days(days)))
    had = event.happened_tally
    if article.weekday is not None and had:
        happened = happening_day(article.day, article.weekday)
        gap = min(gap, abs((happened - had[0]).days) if len(had) == 2 else
                  min(abs((happened - d).days) for d in _core_days(had)))
    return gap


@lru_cache(maxsize=CORE_CACHE)
def _core_of(tally: tuple, at_least: float) -> tuple:
    """`core` of a flat tally (an event's days or actors), kept for the tallies asked for again: a large
    event is a candidate of many articles before it changes (its tally is then a new tuple)."""
    return tuple(core(_pairs(tally), at_least))


def _core_days(tally: tuple) -> tuple:
    """The core days of a flat tally of days."""
    return _core_of(tally, CORE_DAYS * sum(tally[1::2]))


_UNKNOWN: Any = object()


def _date_rules_out(article: EventArticle, event: Event, gap: int | None = _UNKNOWN) -> bool:
    """Whether the article's date (a day, or a month or year) cannot be the event's: the event's
    days when it has any, else the months of its month-dated articles (`gap`: `_day_gap` of the
    two when the caller has it)."""
    span = (article.day, article.day) if article.day else article.period
    if span is None:
        return False
    if event.day_tally:
        if gap is _UNKNOWN:
            gap = _day_gap(article, event)
        if gap is not None:
            return gap > MAX_DAYS
        return all(_apart(*span, d, d) for d in event.day_tally[::2])
    if event.periods:  # an event opened by a month-dated article still has a month
        return all(_apart(*span, *period) for period in event.periods)
    return False


def similarity(article: EventArticle, event: Event, idf: Idf, copied: Iterable[str] = (),
               explain: bool = True, lengths: tuple[float, float] | None = None, cosine: float | None = None,
               codes: dict[int, Any] | None = None, gap: int | None = _UNKNOWN,
               crowded: frozenset[str] = frozenset()) -> tuple[float, dict[str, Any]]:
    """How likely the article reports this event, and why (the evidence it shares).

    `copied` are the event's articles that this one copies or is copied by; `explain=False`
    skips the why (the index asks for it only for the event the article joins); `lengths` are
    the article's and the event's tf-idf vector lengths when the caller has them, `cosine` the
    cosine of their terms (`EventIndex._dots`), `codes` the article's statements by code and
    `gap` their `_day_gap` when the index has them; `crowded` are the article's actors that many
    events name on the days around its own (`EventIndex.crowded`): they count only with a cosine of
    ACTOR_COSINE or more."""
    gap = _day_gap(article, event) if gap is _UNKNOWN else gap  # asked for twice below: found once
    if _date_rules_out(article, event, gap):
        return 0.0, {}
    copied = sorted(copied)
    if copied:
        return 1.0, {"copies": copied}
    terms = _cosine(article.terms, event.terms, idf, *(lengths or ())) if cosine is None else cosine
    # the actors named by at least CORE_ACTORS of the event's articles (`core`); a crowded actor only when the
    # terms agree as well: on a day when hundreds of events name Sheinbaum, naming her tells none of them apart
    counted = article.actors if terms >= ACTOR_COSINE or not crowded else article.actors - crowded
    shared_actors = sorted(counted.intersection(_core_of(event.actor_tally, CORE_ACTORS * len(event.articles)))
                           ) if counted else []
    actors = len(shared_actors) / max(len(article.actors), 1) if article.actors else 0.0
    if not (article.quotes and event.quote_codes):
        shared_quotes = []
    elif codes is None:
        shared_quotes = sorted(article.quotes.intersection(event.quotes))
    else:  # the event's codes looked up in the article's (as a set's intersection does, in C)
        shared_quotes = sorted(map(codes.__getitem__, codes.keys() & event.quote_codes))
    score = 0.6 * terms + 0.25 * actors + (QUOTE_GAIN if shared_quotes else 0.0)
    if gap:  # the same happening is mostly reported the same day or the next
        score -= DAY_COST * gap
    if article.weekday is not None and event.weekday_bits and not event.weekday_bits >> article.weekday & 1:
        score -= WEEKDAY_COST  # its lead names another weekday than the event's: another happening
    # a count shared within the days of a happening; undated leads count years, anniversaries, past tolls alike.
    # Only the event's own count, held by at least half its dated articles: a growing event gathers every number
    # its reports mention, and any of them drew in the next report (on 2,000 generated articles, 729 events
    # became 89 before this rule).
    dated = sum(event.day_tally[1::2])
    counts = _pairs(event.count_tally) if gap is not None and article.counts and event.count_tally else {}
    counted = sorted(c for c in article.counts & counts.keys() if 2 * counts[c] >= dated)
    if counted:
        score += COUNT_GAIN
    if not explain:
        return score, {}
    vocabulary = event.names.words
    top_terms = sorted(article.terms.keys() & set(map(vocabulary.__getitem__, event.term_ids)),
                       key=lambda w: (-idf(w) * article.terms[w], w))[:8]
    words = _surface(article)
    return score, {"terms": [words.get(t, t) for t in top_terms], "actors": shared_actors, "quotes": shared_quotes[:5],
                   **({"counts": counted} if counted else {}), "score": round(score, 3)}


class _Common:
    """The posting of a key more than POSTING_CAP events have: too common to find candidates by,
    so only its length and its latest events (for `story_links`) are ever read, and kept."""

    __slots__ = ("size", "recent")

    def __init__(self, keys: list[str]) -> None:
        self.size = len(keys)
        self.recent = keys[-STORY_SCAN:]

    def append(self, key: str) -> None:
        self.size += 1
        self.recent.append(key)
        if len(self.recent) >= 2 * STORY_SCAN:
            del self.recent[:-STORY_SCAN]

    def __len__(self) -> int:
        return self.size

    def __getstate__(self) -> tuple[int, list[str]]:
        return self.size, self.recent

    def __setstate__(self, state: tuple[int, list[str]]) -> None:
        self.size, self.recent = state


_STATEMENT_KEY = re.compile(r"r(?:0|[1-9][0-9]{0,8})")  # a statement's key (QuoteIndex.statement_of) that fits an int32


def _joined(arrays: list[array]) -> np.ndarray:
    """Arrays one after another as one numpy array (of their type when they share one)."""
    code = arrays[0].typecode
    if all(a.typecode == code for a in arrays):
        return np.frombuffer(b"".join(arrays), dtype=np.asarray(arrays[0]).dtype)
    return np.concatenate([np.asarray(a, dtype=np.int64) for a in arrays])


_TF_TABLE = [np.zeros(0)]  # `_tf` of 0, 1, 2, ... (grown by `_tf_table`)
_TF_TABLE_MAX = 1 << 16  # counts past this (never seen: at most a few hundred) are looked up one by one


def _tfs(counts: Any) -> np.ndarray:
    """`_tf` of each of these counts (an array.array or numpy array; the same floats)."""
    found = np.asarray(counts)
    top = 255 if found.dtype == np.uint8 else int(found.max(initial=0))
    if top >= _TF_TABLE_MAX:
        return np.array([_TF[c] for c in found.tolist()], dtype=np.float64)
    return _tf_table(top)[found]


def _tf_table(top: int) -> np.ndarray:
    """`_tf` of 0..top at least, as an array (the same floats: made by `_tf`)."""
    if len(_TF_TABLE[0]) <= top:
        _TF_TABLE[0] = np.array([_tf(c) for c in range(max(256, 2 * top))])
    return _TF_TABLE[0]


def _room_for(by_code: array, code: int) -> array:
    """An array by statement code (4-byte items, zero for none) made long enough for this code, grown by
    doubling: statement codes are dense."""
    if code >= len(by_code):
        by_code.frombytes(bytes(4 * (max(code + 1, 2 * len(by_code)) - len(by_code))))
    return by_code


def _event_key(article_id: str) -> str:
    return "e" + hashlib.sha256(article_id.encode()).hexdigest()[:10]


class EventIndex:
    """Articles assigned to events one at a time, in memory; the store persists what it returns.

    Candidate events are found sublinearly: for every article the events sharing a rare key with it
    (an inverted index of lead terms, actors and quotes whose posting lists are short), of a dated
    article only those with an article on the days around its own (day buckets: `_near`), plus the
    events of the articles it copies. Only the CANDIDATES events with the most shared evidence for
    their size (idf squared over the event's tf-idf length, as the cosine weighs: `_ranked`) are
    scored in full.

    What a store must keep to resume: `events` (each Event's fields), `event_of`, the term ids
    (`names`, `_term_id`) and their document frequencies (`_df`), and `documents`; the day buckets
    and postings follow from the events (`_index` of each event's terms, actors, quotes and days).
    Nothing here reads the articles' texts after `add`.

    The index is most of the linking state's events part, so it is kept compact (BENCHMARKS.md,
    "The events part of the linking state" and "..., compact"): the strings and dates events share
    are one object each (`_canon`), lead terms are numbers into one vocabulary (`names.words`) and
    statements numbers (`_code`), so an event's terms and statements are arrays (`Event`), a key
    one event has is posted as that event's key alone, and a key too common to find candidates by
    keeps only its count and latest events (`_Common`)."""

    def __init__(self) -> None:
        self.events: dict[str, Event] = {}
        self.event_of: dict[str, str] = {}  # article id -> event key
        self.names = Names()  # the stems of term ids (and odd statement keys), shared with every event
        self._term_id: dict[str, int] = {}  # stem -> its term id (its place in names.words)
        self._df: list[int] = []  # term id -> lead-term document frequency, kept running
        self.documents = 0
        self._by_day: dict[date, list[str]] = defaultdict(list)  # day -> events with an article that day
        self._undated: set[str] = set()  # the events with no dated article: no date rules them out
        self._near_sets: dict[tuple[date, date], set[str]] = {}  # `_near`'s latest sets (not saved)
        # term / actor / statement code -> the events that have it, in the order they got it: one
        # event's key alone, or a list of keys (most keys are one event's, and a list costs ~90 bytes)
        self._postings_w: dict[str, str | list[str]] = {}
        self._postings_a: dict[str, str | list[str]] = {}
        # (a statement's posting: most statements are one event's, and their codes are dense, so the
        # event of such a code is an entry of `_statement_event`, its number + 1, with 0 for none;
        # `_postings_q` holds the others and the codes outside that array)
        self._postings_q: dict[int, str | list[str]] = {}
        self._statement_event = array("i")  # statement code -> its one event's number + 1 (0: see `_postings_q`)
        self._event_keys: list[str] = []  # event number -> key
        self._statement_code: dict[Any, int] = {}  # a statement key not of the form "r<number>" -> its code (< 0)
        # one object per distinct actor, count and date the events hold: each article brings its
        # own copies, and the state pickled keeps whatever objects it is given
        self._canon: dict[Any, Any] = {}
        self._scratch: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # `_work` (not saved)
        # statement code -> the first day (ordinal) a dated article carried it, 0 for none yet: an array by code
        # (4 bytes a statement; a dict took ~100), the index's own negative codes in a dict
        self._first_carried, self._first_carried_odd = array("i"), {}
        # actor -> day (ordinal) -> events naming it with an article that day (`crowded`)
        self._naming: dict[str, dict[int, int]] = {}

    def __getstate__(self) -> dict[str, Any]:
        # (`_undated` follows from the events, and a set's order would vary with the strings' hashes;
        # `_near_sets` is a cache)
        return {k: v for k, v in self.__dict__.items() if k not in ("_scratch", "_undated", "_near_sets")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._scratch = None
        if "_first_carried" not in state:  # a state saved before QUOTE_DAYS: the first days its events hold
            self._first_carried, self._first_carried_odd = array("i"), {}
            for event in self.events.values():
                days = event.day_tally[::2]
                if days and event.quote_codes:
                    first = min(days).toordinal()
                    for code in event.quote_codes:
                        self._carried_on(code, first)
        if "_naming" not in state:  # a state saved before ACTOR_EVENTS: counted from its events
            self._naming = {}
            for event in self.events.values():
                self._count_naming(event)
        self._undated = {key for key, event in self.events.items() if not event.day_tally}
        self._near_sets = {}

    def pickled_apart(self) -> tuple[dict[str, Any], Callable[[Any], None]]:
        """For `pickling.dump`: the state less its events and `event_of`, and what writes the events
        after it, CHUNK_EVENTS at a time, each batch with a memo of its own. One memo for all of them
        kept every event's pickled fields and arrays alive until the dump ended: the linking process
        of a 1,000,000-article link grew by 45 % (1,209 -> 1,754 MiB) while it pickled its checkpoint
        at 800,000. The objects events share with the rest (the one `names`, the interned values of
        `_canon`) are written as references to them; `event_of` is made again from the events."""
        state = self.__getstate__()
        events = state.pop("events")
        del state["event_of"]
        shared: dict[int, int] = {id(value): n for n, value in enumerate(self._canon.values())}
        shared[id(self.names)] = -1

        def write_rest(file: Any) -> None:
            pickling.dump_list_in_chunks(events.values(), len(events), file, shared, CHUNK_EVENTS)

        return state, write_rest

    @classmethod
    def unpickled_apart(cls, state: dict[str, Any], file: Any) -> "EventIndex":
        """The index `pickled_apart` wrote, its events read from `file`: each event's key is the
        index's own string again (`_event_keys`), and `event_of` is made from the events' articles."""
        names, keys = state["names"], state["_event_keys"]
        canon = list(state["_canon"].values())
        events: dict[str, Event] = {}
        event_of: dict[str, str] = {}
        for chunk in pickling.load_list_in_chunks(file, lambda n: names if n == -1 else canon[n]):
            for event in chunk:
                if 0 <= event.number < len(keys) and keys[event.number] == event.key:
                    event.key = keys[event.number]
                events[event.key] = event
                for article in event.articles:
                    event_of[article] = event.key
        index = cls.__new__(cls)
        index.__setstate__({**state, "events": events, "event_of": event_of})
        return index

    @property
    def df(self) -> dict[str, int]:
        """Lead-term document frequencies by stem (made anew at each call: the index reads `_df`)."""
        return dict(zip(self.names.words, self._df))

    def idf(self, term: str) -> float:
        i = self._term_id.get(term)
        return math.log((1 + self.documents) / (1 + (0 if i is None else self._df[i]))) + 1

    def _intern(self, value: Any) -> Any:
        return self._canon.setdefault(value, value)

    def _code(self, key: Any, create: bool = True) -> int | None:
        """A statement key as a number: the n of "r<n>" (`QuoteIndex.statement_of`'s keys), else
        one of the index's own negative codes (None for a key it never saw, unless `create`)."""
        if type(key) is str and _STATEMENT_KEY.fullmatch(key):
            return int(key[1:])
        code = self._statement_code.get(key)
        if code is None and create:
            code = self._statement_code[key] = -1 - len(self.names.statements)
            self.names.statements.append(key)
        return code

    def _codes(self, article: EventArticle, create: bool = False) -> dict[int, Any]:
        """The article's statements by code (those the index knows of, unless `create`)."""
        code = self._code
        return {c: q for c, q in ((code(q, create), q) for q in article.quotes) if c is not None}

    def candidates(self, article: EventArticle, idf: Idf | None = None,
                   codes: dict[int, Any] | None = None) -> dict[str, list[str]]:
        """Events this article could join, each with the articles of it that this one copies
        (`idf`: `self.idf` or the add's memo of it; `codes`: the article's statements by code)."""
        idf = idf or self.idf
        codes = self._codes(article) if codes is None else codes
        copied: dict[str, list[str]] = defaultdict(list)
        for other in article.copies:
            if other in self.event_of:
                copied[self.event_of[other]].append(other)
        # shared rare evidence, accumulated from the postings (inverted-index scoring): terms by
        # their idf squared (as the cosine weighs them), then actors, then statements; of a dated
        # article only for the events the date allows: those near it (`_near`) and those without days
        # (an event without days is ruled out only by its months)
        near = self._near(article) if article.day else None
        undated = self._undated
        weight: dict[str, float] = {}
        get = weight.get
        one_event, event_keys, size = self._statement_event, self._event_keys, len(self._statement_event)
        for postings, keys, gain in ((self._postings_w, article.terms, None), (self._postings_a, article.actors, 3.0),
                                     (self._postings_q, codes, 10.0)):
            for key in keys:
                posting = postings.get(key)
                if posting is None:
                    if gain != 10.0 or not 0 <= key < size or not one_event[key]:
                        continue
                    posting = event_keys[one_event[key] - 1]  # a statement of one event
                gained = idf(key) ** 2 if gain is None else gain
                if type(posting) is str:
                    if near is None or posting in near or posting in undated:
                        weight[posting] = get(posting, 0) + gained
                elif type(posting) is list:  # not _Common: at most POSTING_CAP events
                    if near is not None:
                        # the events the date allows, picked out in C: at a million articles' density
                        # most events sharing a term are far in date (weighing them all, then dropping
                        # them, took a third of the linking process's time). Not a set: an event is
                        # posted again for a term it took back after `_tally_terms` let it go, and
                        # weighs that term as often as it is posted
                        allowed = list(filter(near.__contains__, posting))
                        if undated:
                            allowed += filter(undated.__contains__, posting)
                        posting = allowed
                    # (a loop: chaining map, zip and dict.update to do this in C measured slower)
                    for event_key in posting:
                        weight[event_key] = get(event_key, 0) + gained
        if len(weight) > CANDIDATES:
            found = self._ranked(weight, CANDIDATES)
        else:
            found = set(weight)
            if near:
                found.update(near)
            if len(found) > CANDIDATES:  # events near in date sharing nothing weigh 0: the others first
                found = self._ranked_with_none(weight, found, CANDIDATES)
        found.update(copied)
        return {key: copied.get(key, []) for key in found}

    def _near(self, article: EventArticle) -> set[str]:
        """The events with an article on a day near a dated article's: those within MAX_DAYS of its
        day, and when its lead names the happening's weekday, those whose articles can tell of a
        happening within MAX_DAYS of that one (published up to six days after it). Every event that
        `_date_rules_out` keeps for the article is among them, or has no days.

        The set is kept for the next articles of those days (a full link adds them in date order),
        and `_index` adds to it the events that take a day it spans: callers must not change it."""
        day = article.day
        first, last = day - timedelta(days=MAX_DAYS), day + timedelta(days=MAX_DAYS)
        if article.weekday is not None:
            happened = happening_day(day, article.weekday)
            first = min(first, happened - timedelta(days=MAX_DAYS))
            last = max(last, happened + timedelta(days=6 + MAX_DAYS))
        near = self._near_sets.get((first, last))
        if near is None:  # (made anew for every article, it took a fifth of `candidates`' time at density)
            near = set()
            by_day = self._by_day
            for offset in range((last - first).days + 1):
                near.update(by_day.get(first + timedelta(days=offset), ()))
            if len(self._near_sets) >= NEAR_SETS:
                del self._near_sets[next(iter(self._near_sets))]  # the oldest
            self._near_sets[first, last] = near
        return near

    def _ranked_with_none(self, weight: dict[str, float], found: set[str], n: int) -> set[str]:
        """`_ranked` of `found`, where the events not in `weight` (at most n, each weighing more than
        nothing) weigh 0: the same events, and the same lengths computed (`_ranked` computes one for
        each of the RANKED * n it keeps), without weighing and sorting hundreds of events near in date
        that share nothing with the article (a fifth of `candidates`' time at density)."""
        none = sorted(found.difference(weight))  # those of weight 0, in the order `_ranked` breaks their ties
        return self._ranked({**weight, **dict.fromkeys(none[:max(0, n * RANKED - len(weight))], 0)}, n)

    def _ranked(self, weight: dict[str, float], n: int) -> set[str]:
        """The n events of most evidence for their size: of the RANKED * n that share the most, those
        whose shared evidence over their tf-idf length is largest, as the cosine divides (a large
        event shares some words with every article; a report's own event shares its rare ones).
        Ties go to the smaller key, so the choice does not depend on the order of `weight`."""
        heavy = n * RANKED
        if len(weight) > heavy:
            cut = heapq.nlargest(heavy, weight.values())[-1]
            kept = compress(weight.items(), map(le, repeat(cut), weight.values()))  # w >= cut, in C
            weight = dict(heapq.nsmallest(heavy, kept, key=lambda kw: (-kw[1], kw[0])))
        # an event's length as last computed (one that changed since is a few articles off, which does
        # not matter to a ranking), computed only for an event that never had one; an event without lead
        # terms (no length) after every event with some
        events, length = self.events, self._length

        def size(event: Event) -> float:
            return event.length or length(event) or math.inf

        return {k for _, k in heapq.nsmallest(n, [(-w / size(events[k]), k) for k, w in weight.items()])}

    def posting(self, kind: str, key: Any) -> list[str] | tuple[str, ...]:
        """The events that have this term ("w"), actor ("a") or statement ("q"), in the order they
        got it; of a key more than POSTING_CAP events have, the last STORY_SCAN or more of them."""
        if kind == "q":
            key = self._code(key, create=False)
            if key is not None and 0 <= key < len(self._statement_event) and self._statement_event[key]:
                return (self._event_keys[self._statement_event[key] - 1],)
        found = {"w": self._postings_w, "a": self._postings_a, "q": self._postings_q}[kind].get(key)
        if found is None:
            return ()
        return (found,) if type(found) is str else found.recent if type(found) is _Common else found

    def add(self, article: EventArticle) -> tuple[str, dict[str, Any]]:
        """Put the article in the event it reports (opening one if none fits); return the key and why."""
        if article.id in self.event_of:
            key = self.event_of[article.id]
            event = self.events[key]
            return key, fastjson.loads(event.whys[event.articles.index(article.id)])
        guessed = None if article.day else day_in_text(article.text, article.period)
        counts = frozenset(counts_in_lead(article.title, article.text)) if article.day or guessed else frozenset()
        article = replace(article, day=article.day or guessed, weekday=weekday_in_lead(article.text), counts=counts)
        intern = self._intern
        # the article's terms as the index's strings and ids (same order, same counts: its own scoring is unchanged)
        term_ids = self._term_ids(article.terms)
        term_counts = list(article.terms.values())
        article.terms = Counter(dict(zip(map(self.names.words.__getitem__, term_ids), term_counts)))
        codes = self._codes(article, create=True)
        evidence = self._distinctive(codes, article.day)  # the statements that can tell which event it reports
        crowded = self.crowded(article.actors, article.day)  # and the actors that cannot by themselves
        self.documents += 1
        df = self._df
        for i in term_ids:
            df[i] += 1
        best, best_score = None, 0.0
        memo = _Memo(self.idf)  # document frequencies do not change during one add: self.idf of its terms, at once
        total, log = 1 + self.documents, math.log
        idfs = [log(total / (1 + df[i])) + 1 for i in term_ids]
        memo.update(zip(article.terms, idfs))
        idf = memo.__getitem__
        candidates = self.candidates(article, idf, evidence)

        own = _length(article.terms, idf)
        # the candidates that similarity compares further than the date (a day too far: 0.0) and copies (1.0)
        events = {key: self.events[key] for key in sorted(candidates)}
        gaps = {key: _day_gap(article, event) for key, event in events.items()}
        ruled_out = {key for key, event in events.items() if _date_rules_out(article, event, gaps[key])}
        dots = self._dots(term_ids, term_counts, idfs,
                          [event for key, event in events.items() if not candidates[key] and key not in ruled_out])
        cosines: dict[str, float] = {}
        bar = JOIN if article.day else (JOIN_PERIOD if article.period else JOIN_UNDATED)
        for key, event in events.items():
            length = self._length(event)  # for every candidate, as ever: when a length is cached matters to its floats
            if key in ruled_out:
                continue  # similarity 0.0
            dot = dots.get(key)
            cosine = cosines[key] = dot / (own * length) if dot else 0.0  # as `_cosine` divides
            score, _ = similarity(article, event, idf, candidates[key], explain=False, lengths=(own, length),
                                  cosine=cosine, codes=evidence, gap=gaps[key], crowded=crowded)
            # an event without a day cannot be ruled out by date as well: it needs the bar of its month, or the undated bar
            floor = JOIN if event.day_tally else (JOIN_PERIOD if event.periods else JOIN_UNDATED)
            if score > best_score and score >= max(bar, floor):
                best, best_score = key, score
        if best is not None:
            event = self.events[best]
            _, why = similarity(article, event, idf, candidates[best], lengths=(own, self._length(event)),
                                cosine=cosines[best], codes=evidence, gap=gaps[best], crowded=crowded)
        else:
            event, why = Event(_event_key(article.id), self.names, len(self._event_keys)), {"opened": True}
            self.events[event.key] = event
            self._event_keys.append(event.key)
            self._undated.add(event.key)  # until `_index` gives it the article's day
        if guessed:
            why = {**why, "day_from_text": guessed.isoformat()}
        lacked = self._tally_terms(event, term_ids, term_counts)
        self._index(event, article, map(self.names.words.__getitem__, lacked), codes)
        had = len(event.day_tally) // 2, len(event.actor_tally) // 2  # its days and actors (flat tallies) before
        event.add(article, why, intern, codes)
        self._count_naming(event, *had)
        self.event_of[article.id] = event.key
        return event.key, why

    def crowded(self, actors: Iterable[str], day: date | None) -> frozenset[str]:
        """Of these actors, those more than ACTOR_EVENTS events name within MAX_DAYS of `day` (an event
        counted once a day it has there; none for an undated article)."""
        if day is None:
            return frozenset()
        around = range(day.toordinal() - MAX_DAYS, day.toordinal() + MAX_DAYS + 1)
        naming = self._naming
        return frozenset(a for a in actors if a in naming and sum(map(naming[a].get, around, repeat(0))) > ACTOR_EVENTS)

    def _count_naming(self, event: Event, had_days: int = 0, had_actors: int = 0) -> None:
        """Count the (actor, day) pairs the event has now and lacked before the article joined, in `_naming`
        (`had_days`, `had_actors`: how many days and actors it had then; a tally's new keys come last)."""
        if 2 * had_days == len(event.day_tally) and 2 * had_actors == len(event.actor_tally):
            return  # nothing new: most joins
        days, naming = event.day_tally[::2], self._naming
        for n, actor in enumerate(event.actor_tally[::2]):
            counts = naming.setdefault(actor, {})
            for day in (days if n >= had_actors else days[had_days:]):  # a new actor: every day
                ordinal = day.toordinal()
                counts[ordinal] = counts.get(ordinal, 0) + 1

    def events_carrying(self, code: int) -> int:
        """How many events carry the statement of this code (`_code`), as its posting says."""
        one_event = self._statement_event
        if 0 <= code < len(one_event) and one_event[code]:
            return 1
        posting = self._postings_q.get(code)
        return 0 if posting is None else 1 if type(posting) is str else len(posting)

    def _carried_on(self, code: int, day: int) -> int:
        """Note that a dated article (`day`, an ordinal) carries the statement of this code; return the
        first day one did."""
        if code < 0:  # the index's own codes: few, in a dict
            first = self._first_carried_odd.get(code, 0)
            if not first or day < first:
                first = self._first_carried_odd[code] = day
            return first
        firsts = _room_for(self._first_carried, code)
        if not firsts[code] or day < firsts[code]:
            firsts[code] = day
        return firsts[code]

    def _distinctive(self, codes: dict[int, Any], day: date | None = None) -> dict[int, Any]:
        """Of an article's statements by code (the article of this `day`, when dated), those that can tell
        which event it reports: carried by at most QUOTE_EVENTS events, and first carried at most
        QUOTE_DAYS before. A statement many events carry is a stock phrase ("That he said", a fragment the
        extractor took for a quotation) or background: at 200,000 generated articles as dense as
        1,000,000, such statements, each worth QUOTE_GAIN (more than JOIN by itself), drew unrelated
        reports into events of up to 1,303 articles (`bench/generated_quality.py`; the planted events
        have at most 40). The days close what the count leaves open: while one event holds every report
        carrying a stock phrase, no second event carries it, and that event took each new one."""
        carrying = self.events_carrying
        if day is None:
            return {c: q for c, q in codes.items() if carrying(c) <= QUOTE_EVENTS}
        today = day.toordinal()
        carried_on = self._carried_on
        return {c: q for c, q in codes.items()
                if today - carried_on(c, today) <= QUOTE_DAYS and carrying(c) <= QUOTE_EVENTS}

    def _term_ids(self, terms: Iterable[str]) -> list[int]:
        """The ids of these stems, in their order (new ones numbered as they come)."""
        ids, words, df = self._term_id, self.names.words, self._df
        out = []
        for word in terms:
            i = ids.get(word)
            if i is None:
                i = ids[word] = len(words)
                words.append(word)
                df.append(0)
            out.append(i)
        return out

    def _work(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Arrays by term id that `_dots` and `_tally_terms` fill for one article and clear again:
        two of floats (zeros) and one of places (-1), each as long as the vocabulary at least."""
        size = len(self.names.words)
        if self._scratch is None or len(self._scratch[0]) < size:
            self._scratch = np.zeros(2 * size + 1024), np.zeros(2 * size + 1024), np.full(2 * size + 1024, -1, np.intp)
        return self._scratch

    def _tally_terms(self, event: Event, term_ids: list[int], counts: list[int]) -> list[int]:
        """Add an article's term counts to the event's, as Counter.update adds to a dict (new terms after
        the others, in the article's order), and keep the TERMS_KEPT heaviest when it has more than
        twice as many, ordered as `most_common` orders them (a stable sort, heaviest first); return
        the ids of the article's terms the event lacked, in the article's order."""
        if not event.term_ids:
            ids, tallies, lacked = np.array(term_ids, dtype=np.int64), np.array(counts, dtype=np.int64), term_ids
        else:
            place_of = self._work()[2]
            theirs = np.asarray(event.term_ids)
            place_of[theirs] = np.arange(len(theirs))
            mine = np.array(term_ids, dtype=np.intp)
            at = place_of[mine]
            place_of[theirs] = -1
            new = at < 0
            mine_counts = np.array(counts, dtype=np.int64)
            tallies = np.asarray(event.term_counts, dtype=np.int64)  # a copy: the event's array is not written
            tallies[at[~new]] += mine_counts[~new]
            lacked = mine[new].tolist()
            ids = np.concatenate((theirs, mine[new]))
            tallies = np.concatenate((tallies, mine_counts[new]))
        if len(ids) > 2 * TERMS_KEPT:
            kept = np.argsort(-tallies, kind="stable")[:TERMS_KEPT]
            ids, tallies = ids[kept], tallies[kept]
        event.term_ids, event.term_counts = _narrow(ids), _narrow(tallies)
        return lacked

    def _dots(self, term_ids: list[int], counts: list[int], idfs: list[float], events: list[Event]) -> dict[str, float]:
        """The dot products of `_cosine` between an article's terms (ids, counts, idfs) and each of
        these events' (by key; absent: nothing shared), all at once in numpy: each shared term's
        `_tf(a) * _tf(b) * idf ** 2` as `_cosine` has it (the same floats), summed. `_cosine` sums
        them in the order of a set of the shared terms (which varies with the strings' hashes from
        one process to the next), this in the order of the event's terms, with zeros for the
        others (adding a zero changes no sum)."""
        events = [e for e in events if e.term_ids]
        if not events or not term_ids:
            return {}
        tf_of, idf2_of, _ = self._work()  # term id -> the article's tf and its idf squared; zero elsewhere
        mine = np.array(term_ids, dtype=np.intp)
        tf = _TF.__getitem__
        tf_of[mine] = [tf(c) for c in counts]
        idf2_of[mine] = [w ** 2 for w in idfs]
        try:
            ids = _joined([e.term_ids for e in events])
            theirs = _joined([e.term_counts for e in events])
            products = tf_of[ids] * _tfs(theirs) * idf2_of[ids]
            starts = np.zeros(len(events), dtype=np.intp)
            np.cumsum([len(e.term_ids) for e in events[:-1]], out=starts[1:])
            sums = np.add.reduceat(products, starts).tolist()
        finally:
            tf_of[mine] = 0.0
            idf2_of[mine] = 0.0
        return {e.key: dot for e, dot in zip(events, sums) if dot}

    def _length(self, event: Event) -> float:
        """The event's tf-idf length, recomputed when it changed or the corpus grew by a tenth."""
        length, documents = event.length, event.length_at
        if documents < 0 or self.documents > documents * 1.1 + 1:
            # _length(event.terms, self.idf) in one expression (the same floats, the terms in the same
            # order): neither a call of self.idf nor a memo entry per term (its hundreds of terms'
            # idfs were a tenth of the linker's time)
            total, df, log, tf = 1 + self.documents, self._df, math.log, _TF.__getitem__
            # (a list of the terms' tfs and document frequencies by `map`: the same floats in the same order
            # as a generator of `tf(c)` and `df[i]`, in half the time)
            length = event.length = math.sqrt(sum([(t * (log(total / (1 + d)) + 1)) ** 2 for t, d in
                                                   zip(map(tf, event.term_counts), map(df.__getitem__, event.term_ids))]))
            event.length_at = self.documents
        return length

    def _index(self, event: Event, article: EventArticle, lacked: Iterable[str], codes: dict[int, Any]) -> None:
        """Postings and day buckets for what the article brings to the event that it lacked (`lacked`:
        its terms the event did not have, as the index's strings; `codes`: its statements)."""
        one_event = self._statement_event
        for postings, keys, have in ((self._postings_w, lacked, ()),
                                     (self._postings_a, map(self._intern, article.actors), set(event.actor_tally[::2])),
                                     (self._postings_q, codes, set(event.quote_codes) if codes else ())):
            for key in keys:
                if key not in have:
                    posting = postings.get(key)
                    if posting is None and postings is self._postings_q and 0 <= key < 2 * len(one_event) + 65536:
                        _room_for(one_event, key)
                        if not one_event[key]:
                            one_event[key] = event.number + 1
                            continue
                        posting = self._event_keys[one_event[key] - 1]  # a second event: a list in `_postings_q`
                        one_event[key] = 0
                    if posting is None:
                        postings[key] = event.key
                    elif type(posting) is str:
                        postings[key] = [posting, event.key]
                    else:
                        posting.append(event.key)
                        if type(posting) is list and len(posting) > POSTING_CAP:
                            postings[key] = _Common(posting)
        if article.day and article.day not in event.day_tally[::2]:
            self._by_day[self._intern(article.day)].append(event.key)
            self._undated.discard(event.key)
            for (first, last), near in self._near_sets.items():
                if first <= article.day <= last:
                    near.add(event.key)

    def stories(self) -> list[list[str]]:
        """Events of one thread (keys, grouped): connected by shared actors or vocabulary
        (`story_links` of every event)."""
        keys = sorted(self.events)
        parent = {k: k for k in keys}

        def find(k: str) -> str:
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        flat: dict[str, float] = {}
        for key in keys:
            for other_key in self.story_links(key, flat):
                parent[find(other_key)] = find(key)
        groups: dict[str, list[str]] = defaultdict(list)
        for key in keys:
            groups[find(key)].append(key)
        return list(groups.values())

    def story_links(self, key: str, flat: dict[str, float] | None = None) -> list[str]:
        """The events this one shares a thread with: two actors in common, or vocabulary
        (cosine of flat term weights at least STORY_JOIN). Each event is compared only with the
        most recent STORY_SCAN events sharing one of its actors or top terms (the inverted
        index), not with every event, so an incremental link can ask it of a changed event
        alone. `flat` caches the events' flat lengths across calls."""
        flat = {} if flat is None else flat
        tf = _TF.__getitem__

        def flat_length(k: str) -> float:  # _length(terms, _flat): each weight times 1.0, the same floats
            if k not in flat:
                flat[k] = math.sqrt(sum(tf(c) ** 2 for c in self.events[k].term_counts))
            return flat[k]

        event = self.events[key]
        links = []
        by_actor: Counter = Counter()
        for actor in event.actor_tally[::2]:
            by_actor.update(k for k in self.posting("a", actor)[-STORY_SCAN:] if k != key)
        links += sorted(other_key for other_key, shared in by_actor.items() if shared >= 2)
        by_term: Counter = Counter()
        words = self.names.words
        for term, _ in heapq.nlargest(10, zip(event.term_ids, event.term_counts), key=itemgetter(1)):  # most_common
            by_term.update(k for k in self.posting("w", words[term])[-STORY_SCAN:] if k != key)
        checks = [other_key for other_key, _ in by_term.most_common(STORY_CHECKS) if other_key not in links]
        if not checks:
            return links
        # _cosine(event.terms, other.terms, _flat, ...) by term ids: each shared term's _tf(a) * _tf(b) * _flat(w) ** 2
        # (which is 1.0), found with the event's terms' places by id (`_work`), summed
        place_of = self._work()[2]
        ids = np.asarray(event.term_ids)
        place_of[ids] = np.arange(len(ids))
        try:
            tfs = _tfs(event.term_counts)
            for other_key in checks:
                other = self.events[other_key]
                at = place_of[np.asarray(other.term_ids)]
                shared = at >= 0
                dot = float(np.sum(tfs[at[shared]] * _tfs(other.term_counts)[shared] * 1.0)) if shared.any() else 0.0
                if dot and dot / (flat_length(key) * flat_length(other_key)) >= STORY_JOIN:
                    links.append(other_key)
        finally:
            place_of[ids] = -1
        return links

    def export(self, actor_names: dict[str, str] | None = None) -> tuple[list[dict], list[dict]]:
        """DESIGN.md's events[] and stories[]: events by date, each with why every article joined it."""
        def first_day(event: Event) -> tuple[bool, date, str]:
            return (not event.days, min(event.days) if event.days else date.min, event.key)

        ordered = sorted(self.events.values(), key=first_day)
        events_out = []
        for event in ordered:
            days = sorted(event.days)
            common = max(days, key=lambda d: (event.days[d], -d.toordinal())) if days else None
            events_out.append({
                "id": event.key, "title": event.title or "",
                "date": common.isoformat() if common else None,
                "date_range": {"earliest": days[0].isoformat(), "latest": days[-1].isoformat()} if days else None,
                "articles": list(event.articles), "actors": event.top_actors(10),
                "why": event.why,
            })
        position = {e["id"]: n for n, e in enumerate(events_out)}
        stories_out = []
        for members in sorted(self.stories(), key=lambda m: min(position[k] for k in m)):
            members = sorted(members, key=position.__getitem__)
            biggest = max(members, key=lambda k: (len(self.events[k].articles), k))
            stories_out.append({"id": "s" + members[0][1:], "title": events_out[position[biggest]]["title"], "events": members})
        return events_out, stories_out


def export_events(articles: list[EventArticle], actor_names: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """DESIGN.md's events[] and stories[] for these articles: the index fed in the order linking
    uses (link.corpus.link_inputs): articles with a day by day, then month- or year-dated ones,
    then undated ones, ties by id."""
    def arrival(a: EventArticle) -> tuple[bool, bool, date, str]:
        return (a.day is None, a.period is None, a.day or (a.period[0] if a.period else date.min), a.id)

    index = EventIndex()
    for article in sorted(articles, key=arrival):
        index.add(article)
    return index.export(actor_names)
