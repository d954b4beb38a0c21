"""Numeric claims of one article: a number, its normalised value, qualifier, unit and what it counts.

A pure function of the clean text and language (English and Spanish), so it runs in the
per-article analysis. "Over 70,000 Americans die annually" → value 70000, qualifier
"more than", unit "people"-like count of "Americans die annually"; "$4 million" → 4000000
USD; "más de la mitad" → 0.5 "fraction", qualifier "more than". Vague quantities
("dozens", "miles de") are kept with their lower bound as value and `vague: true`, so
that they show up in claims but are never compared as exact numbers.

What is not a claim is left out: dates, years, times, ages, ordinals and list numbers,
phone numbers, section/article/route numbers, names with digits (MS-13, COVID-19) and
anything inside a URL or e-mail address.

Written here rather than with a library: text2num/word2number rewrite the text (the
spans are lost) and quantulum3 is English-only; the vocabulary news needs is small.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from dossier.analyze.quotes import _trie

# --- number words -------------------------------------------------------------------------

_EN_UNITS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "one": 1,
}
_ES_UNITS = {
    "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
    "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15, "dieciséis": 16, "dieciseis": 16,
    "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veinte": 20, "veintiuno": 21, "veintiún": 21,
    "veintiuna": 21, "veintidós": 22, "veintidos": 22, "veintitrés": 23, "veintitres": 23, "veinticuatro": 24,
    "veinticinco": 25, "veintiséis": 26, "veintiseis": 26, "veintisiete": 27, "veintiocho": 28,
    "veintinueve": 29, "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70,
    "ochenta": 80, "noventa": 90, "cien": 100, "ciento": 100, "doscientos": 200, "doscientas": 200,
    "trescientos": 300, "trescientas": 300, "cuatrocientos": 400, "cuatrocientas": 400, "quinientos": 500,
    "quinientas": 500, "seiscientos": 600, "seiscientas": 600, "setecientos": 700, "setecientas": 700,
    "ochocientos": 800, "ochocientas": 800, "novecientos": 900, "novecientas": 900,
}
# Words that are a number only together with others ("one million", "un millón"): alone
# they are articles or pronouns ("one of them", "un acuerdo").
_WEAK = {"one", "un", "una", "uno"}
_ES_WEAK = {"un": 1, "una": 1, "uno": 1}
_SCALES = {
    "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 10**12,
    "mil": 1_000, "millón": 1_000_000, "millon": 1_000_000, "millones": 1_000_000,
    "billón": 10**12, "billon": 10**12, "billones": 10**12,
    "bn": 1_000_000_000, "mn": 1_000_000, "dozen": 12, "docenas": 12,
}
_NUMBER_WORDS = {**_EN_UNITS, **_ES_UNITS}

# Vague quantities: value is a lower bound, never compared as an exact number.
_VAGUE = {
    "dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2_000, "tens of thousands": 20_000,
    "hundreds of thousands": 200_000, "millions": 2_000_000, "billions": 2_000_000_000,
    "several": 3, "a few": 2, "a handful": 3,
    "decenas": 20, "cientos": 200, "centenares": 200, "miles": 2_000, "decenas de miles": 20_000,
    "cientos de miles": 200_000, "miles de millones": 2_000_000_000, "millones": 2_000_000, "varios": 3, "varias": 3, "unos cuantos": 2,
    "unas cuantas": 2,
}
_EXACT_WORDS = {"half a dozen": 6, "half a million": 500_000, "half a billion": 500_000_000, "medio centenar": 50,
                "un centenar": 100, "a dozen": 12, "one dozen": 12, "una docena": 12, "a couple of": 2, "un par de": 2,
                "a hundred": 100, "a thousand": 1000, "a million": 1_000_000}

_FRACTIONS = {
    "half": 0.5, "a half": 0.5, "one half": 0.5, "a third": 1 / 3, "one third": 1 / 3, "one-third": 1 / 3,
    "two thirds": 2 / 3, "two-thirds": 2 / 3, "a quarter": 0.25, "one quarter": 0.25, "one-quarter": 0.25,
    "three quarters": 0.75, "three-quarters": 0.75, "a fifth": 0.2, "one fifth": 0.2, "one-fifth": 0.2,
    "a tenth": 0.1, "one tenth": 0.1,
    "la mitad": 0.5, "mitad": 0.5, "un tercio": 1 / 3, "una tercera parte": 1 / 3, "la tercera parte": 1 / 3,
    "dos tercios": 2 / 3, "dos terceras partes": 2 / 3, "las dos terceras partes": 2 / 3,
    "un cuarto": 0.25, "una cuarta parte": 0.25, "la cuarta parte": 0.25, "tres cuartas partes": 0.75,
    "las tres cuartas partes": 0.75, "una quinta parte": 0.2, "la quinta parte": 0.2, "una décima parte": 0.1,
}

_QUALIFIERS = [
    ("more than", r"more\s+than|over|above|in\s+excess\s+of|upwards\s+of|exceeding|greater\s+than|"
                  r"más\s+de|mas\s+de|arriba\s+de|por\s+encima\s+de|superior\s+a|poco\s+más\s+de"),
    ("less than", r"less\s+than|fewer\s+than|under|below|menos\s+de|por\s+debajo\s+de|inferior\s+a"),
    ("at least", r"at\s+least|no\s+fewer\s+than|no\s+less\s+than|al\s+menos|por\s+lo\s+menos|como\s+mínimo"),
    ("up to", r"up\s+to|as\s+many\s+as|as\s+much\s+as|hasta"),
    ("at most", r"at\s+most|no\s+more\s+than|a\s+lo\s+sumo|como\s+máximo"),
    ("nearly", r"nearly|almost|close\s+to|just\s+under|casi|cerca\s+de|poco\s+menos\s+de"),
    ("about", r"about|around|roughly|approximately|some|an\s+estimated|estimated|circa|alrededor\s+de|"
              r"aproximadamente|unos|unas|aprox\."),
    ("exactly", r"exactly|precisely|exactamente|justo"),
]
_QUALIFIER_RE = re.compile(r"(?:^|(?<=\W))(?P<q>" + "|".join(f"(?P<q{i}>{p})" for i, (_, p) in enumerate(_QUALIFIERS))
                           + r")[^\S\n]+$", re.I)

_CURRENCY_BEFORE = [("USD", r"US\$|U\.S\.\s?\$|USD\s?\$?|\$"), ("EUR", r"€|EUR\s?"), ("GBP", r"£|GBP\s?"),
                    ("MXN", r"MXN\s?\$?|MX\$")]
_CURRENCY_AFTER = [
    ("USD", r"(?:U\.S\.\s+|US\s+|American\s+)?dollars?|USD|(?:de\s+)?dólares(?:\s+estadounidenses)?|(?:de\s+)?dolares"),
    ("MXN", r"(?:Mexican\s+)?pesos?(?:\s+mexicanos)?|(?:de\s+)?pesos(?:\s+mexicanos)?|MXN"),
    ("EUR", r"euros?|(?:de\s+)?euros|EUR"),
]
_DEGREES = r"[^\S\n]?(?:[º°]\s?[FC]?|degrees(?:\s+(?:Fahrenheit|Celsius))?|grados(?:\s+(?:centígrados|Celsius))?)"
_PERCENT = r"%|\s?percent(?:age\s+points?)?|\s?per\s+cent|\s?por\s+ciento|\s?puntos\s+porcentuales"
_DURATION_UNITS = {
    "year": "years", "years": "years", "año": "years", "años": "years", "month": "months", "months": "months",
    "mes": "months", "meses": "months", "week": "weeks", "weeks": "weeks", "semana": "weeks", "semanas": "weeks",
    "day": "days", "days": "days", "día": "days", "días": "days", "hour": "hours", "hours": "hours",
    "hora": "hours", "horas": "hours", "minute": "minutes", "minutes": "minutes", "minuto": "minutes",
    "minutos": "minutes", "decade": "decades", "decades": "decades", "década": "decades", "décadas": "decades",
}
_MEASURE_UNITS = {
    "ton": "tons", "tons": "tons", "tonnes": "tons", "tonne": "tons", "tonelada": "tons", "toneladas": "tons",
    "kilogram": "kg", "kilograms": "kg", "kilo": "kg", "kilos": "kg", "kg": "kg", "kilogramo": "kg",
    "kilogramos": "kg", "pound": "lb", "pounds": "lb", "lbs": "lb", "libras": "lb", "mile": "miles",
    "miles": "miles", "kilometer": "km", "kilometers": "km", "kilometres": "km", "km": "km",
    "kilómetros": "km", "kilometros": "km", "meters": "m", "metros": "m", "gallons": "gallons",
    "barrels": "barrels", "barriles": "barrels", "acres": "acres", "hectares": "ha", "hectáreas": "ha",
}

_CURRENCY_NOUNS = {"dollar": "USD", "dolar": "USD", "dolare": "USD", "peso": "MXN", "euro": "EUR", "pound": "GBP"}
_MONTHS = (r"jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|june?|july?|aug(?:ust|\.)?|"
           r"sept?(?:ember|\.)?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?|enero|febrero|marzo|abril|mayo|"
           r"junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre")
_WEEKDAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|lunes|martes|miércoles|jueves|viernes|sábado|domingo"

# Words before a number that make it a label, not a quantity ("Section 230", "artículo 27").
_LABEL_WORDS = """no nos núm num nº n° number número numero section sección seccion article artículo articulo art chapter
capítulo capitulo title título rule page página pagina p pp vol volume volumen route ruta highway carretera interstate i
exit type tipo room suite apartment apt unit flight vuelo line línea linea platform gate lot case docket resolution bill s
amendment enmienda fracción fraccion inciso paragraph párrafo parrafo item class grade level nivel phase fase stage etapa
season temporada episode episodio game week semana round ronda district distrito precinct ward zona zone region región
channel canal version versión model modelo ley law covid sars top fig figure table tabla step paso year año día day calle
street st avenue ave avenida av km kilómetro kilometro tweet post photo foto image imagen video slide grupo group team
equipo age aged edad code ecode código codigo id ref zip cp""".split()
# Only ever asked whether it matches: the words as a prefix tree (one branch per letter; a
# list of 150 alternatives was tried one by one at every position) match the same texts.
_LABEL_BEFORE = re.compile(
    r"(?:\b(?:" + _trie(_LABEL_WORDS) + r"|h\.r|of\s+the\s+year)\.?:?[^\S\n]*#?"
    r"|#|code:[^\S\n]*|\b(?:articles|artículos|articulos|sections|secciones)[^\S\n]+)$", re.I)
_THE_YEAR = re.compile(r"the\s+year", re.I)  # in "of the year", the one label word with spaces inside
_AFTER_DATE = re.compile(rf"^(?:st|nd|rd|th|º|°|ª|o|a)?(?:\s+(?:de\s+)?(?:{_MONTHS})\b|,?\s*\d{{4}}\b|\s*(?:a\.m\.|p\.m\.|am\b|pm\b|"
                         rf"h\b|hrs\b|horas\b|GMT|UTC|ET\b|EST|EDT|PT\b|PST|CT\b)|:\d\d|\s*o['’]clock)", re.I)
_BEFORE_DATE = re.compile(rf"(?:\b(?:{_MONTHS})[^\S\n]*|\b(?:{_WEEKDAYS}),?[^\S\n]+(?:el[^\S\n]+)?|\bel[^\S\n]+día[^\S\n]+)$",
                          re.I)
_BEFORE_TIME = re.compile(r"\b(?:a[^\S\n]+)?las?[^\S\n]+$", re.I)  # "a las 10": a time (digits only)
_LABEL_LIST = re.compile(r"\b(?:articles|artículos|articulos|sections|secciones|chapters|capítulos|amendments|enmiendas)"
                         r"[^\S\n]+\d+(?:[^\S\n]*,[^\S\n]*\d+)*[^\S\n]*,?[^\S\n]*(?:(?:y|e|and|o|or)[^\S\n]+)?$", re.I)
_URLISH = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|\b[\w\-]+(?:\.[\w\-]+)+/\S*|\S+\.(?:html?|php|aspx?|jpe?g|png)\b", re.I)
_PHONE = re.compile(r"(?:\+\d{1,3}[\s.\-]?)?(?:\(\d{2,4}\)[\s.\-]?|\d{2,4}[\s.\-])\d{3,4}[\s.\-]\d{3,4}\b")

_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?"
_WORD_NUM = (r"(?:" + "|".join(sorted((re.escape(w) for w in _NUMBER_WORDS), key=len, reverse=True)) + r")")
_SCALE = r"(?:dozen|hundred|thousand|million|billion|trillion|mil\s+millones|millones|millón|millon|mil|billones|billón|bn|mn)(?!\w)"
_SPELLED = (rf"{_WORD_NUM}(?:(?:[\s\-]+|\s+(?:and|y)\s+){_WORD_NUM})*"
            rf"(?:[\s\-]+{_SCALE}(?:[\s\-]+(?:and\s+)?{_WORD_NUM}(?:[\s\-]+{_WORD_NUM})*)?)*")
_WEAK_SCALED = rf"(?:one|un|una|a)\s+(?:{_SCALE}(?:\s+(?:de\s+)?)?)"

_FRACTION_RE = "|".join(sorted((re.escape(f).replace(r"\ ", r"\s+") for f in _FRACTIONS), key=len, reverse=True))
_VAGUE_RE = "|".join(sorted((re.escape(v).replace(r"\ ", r"\s+") for v in _VAGUE), key=len, reverse=True))
_EXACT_RE = "|".join(sorted((re.escape(v).replace(r"\ ", r"\s+") for v in _EXACT_WORDS), key=len, reverse=True))

_NUMBER = re.compile(
    r"(?<![\w$€£.,\-/:])"
    r"(?P<cur>" + "|".join(f"(?:{p})" for _, p in _CURRENCY_BEFORE) + r")?"
    r"(?:(?P<onein>(?:\d{1,3}|uno|una|" + _WORD_NUM + r")\s+(?:in|out\s+of|de\s+cada)\s+(?:\d{1,3}|" + _WORD_NUM + r"))(?!\w)"
    r"|(?P<digits>" + _DIGITS + r")(?P<dscale>(?:[^\S\n]|-)?" + _SCALE + r"|[mMbBkK](?![\w'’]))?"
    r"|(?P<exact>(?:" + _EXACT_RE + r"))(?!\w)"
    r"|(?P<fraction>(?:" + _FRACTION_RE + r"))(?!\w)"
    r"|(?P<vague>(?:" + _VAGUE_RE + r"))(?!\w)"
    r"|(?P<spelled>" + _WEAK_SCALED + r"|" + _SPELLED + r")(?!\w))",
    re.I,
)
_UNIT_AFTER = re.compile(
    r"(?P<percent>" + _PERCENT + r")(?!\w)"
    r"|[^\S\n]+(?P<money>" + "|".join(f"(?:{p})" for _, p in _CURRENCY_AFTER) + r")(?!\w)"
    r"|(?P<degrees>" + _DEGREES + r")(?!\w)",
    re.I,
)

_STOP_EN = frozenset("""
a an the of in on at for to from with by and or but nor that who whom whose which what where when while as than
then this these those is are was were be been being has have had will would shall should can could may might must
do does did said say says told it its it's he she they we you i his her their our your my them him us me
not no so if because after before since until into onto about over under between among per each every any all
such also just only more most less least very too there here up down out off yet still even including like
across against during through toward towards within without around near plus last next same other another
according ago earlier later
""".split())
_STOP_ES = frozenset("""
el la los las un una unos unas de del al a en con por para sin sobre entre desde hasta y o u e ni que quien
quienes cuyo cuya cual cuales donde cuando como mientras es son fue fueron ser sido está están estaba estaban
ha han había habían habrá se su sus lo le les me te nos os mi tu este esta estos estas ese esa esos esas
aquel aquella no sí si porque más menos muy tan también ya aún todavía cada todo toda todos todas otro otra
otros otras según tras ante bajo durante hacia contra mediante dijo dice señaló afirmó aseguró explicó
""".split())
_STOP = _STOP_EN | _STOP_ES
# Verbs that, right after the counted noun, say what happened to what was counted
# ("70,000 Americans die annually", "14 policías murieron").
_EVENT_VERBS = frozenset("""
die died dying dead killed murdered injured wounded hurt arrested detained deported missing displaced
fled crossed remain remained live lived work worked lost
mueren murieron muertos fallecieron asesinados heridos detenidos arrestados deportados desaparecidos
desplazados cruzaron viven trabajan perdieron
""".split())
_ADVERB = re.compile(r"^(?:\w+ly|each\s+year|every\s+year|a\s+year|per\s+year|yearly|annually|al\s+año|cada\s+año|"
                     r"anualmente|por\s+año)$", re.I)
_OF = re.compile(r"[^\S\n]+(?:of|de)(?:[^\S\n]+(?:the|its|his|her|their|our|these|those|los|las|el|la|su|sus|"
                 r"nuestros|nuestras|esos|esas|estos|estas|all|todos|todas))?(?=[^\S\n]+\w)", re.I)


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


def lemma(word: str, lang: str | None = "en") -> str:
    """A crude singular, accent-free form for matching counted nouns ("cárteles" → "cartel",
    "policías" → "policia", "officers" → "officer"); no stemmer library covers both
    languages this simply and we only need nouns."""
    w = _fold(word).strip("'-")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3 or not w.endswith("s") or w.endswith(("ss", "us", "is")):
        return w
    if lang == "es":
        if w.endswith("es") and w[-3] not in "aeiou" and not w.endswith("lles"):
            return w[:-2]  # cárteles → cartel, organizaciones → organizacion, mujeres → mujer
        return w[:-1]  # policías → policia, grupos → grupo
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("ches", "shes", "sses", "xes", "zes")):
        return w[:-2]
    return w[:-1]


def _parse_digits(raw: str) -> float:
    """Digits with either separator convention: a separator followed by exactly three digits
    groups thousands ("70,000", "70.000"), otherwise it is the decimal point ("1.5", "1,5")."""
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw):
        return float(raw.replace(",", ""))
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", raw):
        return float(raw.replace(".", "").replace(",", "."))
    return float(raw.replace(",", "."))


def _parse_spelled(raw: str) -> float | None:
    """"twenty-five", "two hundred and fifty", "treinta y dos", "cuatro millones", "un millón"."""
    total, current = 0.0, 0.0
    seen = False
    for token in re.split(r"[\s\-]+", raw.lower()):
        if token in ("and", "y", "de", "a"):
            continue
        if token in _NUMBER_WORDS or token in _ES_WEAK:
            current += _NUMBER_WORDS.get(token, _ES_WEAK.get(token, 0))
            seen = True
        elif token in ("hundred", "dozen"):
            current = (current or 1) * (100 if token == "hundred" else 12)
            seen = True
        elif token in ("mil", "thousand"):
            total += (current or 1) * 1000
            current = 0
            seen = True
        elif token in _SCALES:
            total = (total + (current or 1)) * _SCALES[token]
            current = 0
            seen = True
        else:
            return None
    return total + current if seen else None


def _number_value(m: re.Match) -> tuple[float | None, str, bool]:
    """(value, kind, vague) of a matched number expression."""
    if m["digits"]:
        value = _parse_digits(m["digits"])
        scale = (m["dscale"] or "").strip(" -").lower()
        if scale:
            value *= {"m": 1e6, "b": 1e9, "k": 1e3}.get(scale, 0) or _scale_of(scale)
        return value, "number", False
    if m["fraction"]:
        return _FRACTIONS[re.sub(r"\s+", " ", m["fraction"].lower())], "fraction", False
    if m["onein"]:
        parts = re.split(r"\s+", m["onein"])
        k, n = (float(p) if p.isdigit() else _NUMBER_WORDS.get(p.lower(), _ES_WEAK.get(p.lower())) for p in (parts[0], parts[-1]))
        return ((k / n) if k and n and k <= n else None), "fraction", False
    if m["exact"]:
        return float(_EXACT_WORDS[re.sub(r"\s+", " ", m["exact"].lower())]), "number", False
    if m["vague"]:
        return float(_VAGUE[re.sub(r"\s+", " ", m["vague"].lower())]), "number", True
    return _parse_spelled(m["spelled"]), "number", False


def _scale_of(scale: str) -> float:
    scale = re.sub(r"\s+", " ", scale)
    if scale == "mil millones":
        return 1e9
    return float(_SCALES.get(scale, 1))


def _in_url_or_phone(text: str, start: int) -> bool:
    """Whether the number at `start` is part of a URL, e-mail address or phone number (checked
    on the whitespace-delimited token around it, which is far cheaper than scanning the text)."""
    left = start
    while left > 0 and not text[left - 1].isspace() and start - left < 300:
        left -= 1
    right = start
    while right < len(text) and not text[right].isspace() and right - start < 300:
        right += 1
    token = text[left:right]
    if ("/" in token or "@" in token or "www." in token) and _URLISH.search(token):
        return True
    window_start = max(0, start - 20)
    return any(m.start() <= start - window_start < m.end()
               for m in _PHONE.finditer(text[window_start:start + 25]))


# Where a number expression may start: digits, currency signs, or the first word of one.
_TRIGGER_WORDS = frozenset(
    re.split(r"[\s\-]+", phrase)[0]
    for phrase in [*_NUMBER_WORDS, *_ES_WEAK, *_VAGUE, *_EXACT_WORDS, *_FRACTIONS, "one", "a", "us", "usd", "u",
                   "mxn", "mx", "eur", "gbp", "uno", "una"]
)
# Each token's start found by the regex engine, not by a Python loop over characters (that
# loop was a fifth of the whole per-article analysis); a word is a candidate when it is a
# trigger word (letters only, as the number words are).
_TOKEN = re.compile(r"[$€£]|(?<![\w$€£])(?:\d|[^\W\d_]+)")
# The same tokens, read in the lower-cased text, where the engine can find the trigger words
# itself (a prefix tree) and skip the other words: of a word only its one-letter form remains
# (a "²" counts as a digit). Lower-casing keeps every character's class (letter, digit, other:
# checked over all of Unicode), so the tokens are the same; a text that lower() lengthens
# ("İ") is read the first way, to keep every offset.
_LOWER_CANDIDATE = re.compile(r"[$€£]|(?<![\w$€£])(?:\d|" + _trie(sorted(_TRIGGER_WORDS)) + r"(?![^\W\d_])"
                              r"|[^\W\d_](?![^\W\d_]))")


def _candidates(text: str) -> Iterator[int]:
    lower = text.lower()
    if len(lower) != len(text):
        for t in _TOKEN.finditer(text):
            word = t.group()
            if len(word) == 1 and (word.isdigit() or word in "$€£") or word.lower() in _TRIGGER_WORDS:
                yield t.start()
        return
    for t in _LOWER_CANDIDATE.finditer(lower):
        word = t.group()
        if len(word) == 1 and (word.isdigit() or word in "$€£") or word in _TRIGGER_WORDS:
            yield t.start()


@lru_cache(maxsize=256)  # each number's 40 characters are asked about several times
def _last_words_start(s: str, words: int) -> int:
    """Where the last `words` whitespace-separated words of `s` begin (0 if it has fewer).

    The checks before a number are patterns anchored at the end of the 40 characters before
    it ("...$"), which the engine tries at every position; a pattern whose match spans at most
    n words (and whitespace) after its first character can only start within the last n
    words, so searching from there finds the same match (the engine still sees the
    characters before it, for \b and lookbehinds) in a fraction of the time."""
    i = len(s)
    for _ in range(words):
        while i > 0 and s[i - 1].isspace():
            i -= 1
        while i > 0 and not s[i - 1].isspace():
            i -= 1
    return i


_NAME_BEFORE = re.compile(r"(?:^|[^\W\d_]|,)[^\S\n]+[A-Z][\w\-]*[^\S\n]$")  # a letter or comma, then one word
_NOT_NAME_BEFORE = re.compile(r"\b(?:About|Around|Over|Nearly|Almost|Some|Only|Just|US|U\.S\.|Than)[^\S\n]$")
_AGED_BEFORE = re.compile(r"\b(?:aged?|ages|edades?)[^\S\n]+\w+[^\S\n]+(?:to|and|a|y)[^\S\n]+$", re.I)  # three words


def _after_name(before: str) -> bool:
    """Whether the text before a number ends in a capitalised word inside a sentence ("the
    Ram", "Teamsters Local", "Windows"): the number is then likely part of a name."""
    return bool(_NAME_BEFORE.search(before, _last_words_start(before, 2))
                and not _NOT_NAME_BEFORE.search(before, _last_words_start(before, 1)))


def _label_before(before: str) -> bool:
    """`_LABEL_BEFORE.search(before)`: a match is a label word (with "." and ":") and a "#",
    perhaps apart, so it starts within the last two words, but for "of the year"."""
    if _THE_YEAR.search(before) is None:
        return _LABEL_BEFORE.search(before, _last_words_start(before, 2)) is not None
    return _LABEL_BEFORE.search(before) is not None


# The end-anchored checks of _is_label_or_date, searched from the last words they can span
# (see _last_words_start; the one with "\W" may start on the character before its word).
_RANGE_BEFORE = re.compile(r"\d[\-/–]$")
_LETTER_BEFORE = re.compile(r"[A-Za-z][\-]?$")
_COUNTRY_CODE_BEFORE = re.compile(r"(?:US|MX|U\.S\.)[\-]?$")
_PERSON_COMMA_BEFORE = re.compile(r"(?:(?:^|\W)[A-ZÁÉÍÓÚÑ][\w\-]+|\b(?:man|woman|boy|girl|teen|victim|suspect|driver|"
                                  r"hombre|mujer|joven|víctima)),[^\S\n]$")
_TIMES_BEFORE = re.compile(r"\d[^\S\n]?[x×][^\S\n]?$")
_TURNED_BEFORE = re.compile(r"\b(?:turn(?:ed|s|ing)?|cumpli[óo]|cumple)[^\S\n]+$", re.I)
_AND_BEFORE = re.compile(r"\d[^\S\n]+(?:and|y)[^\S\n]+$")
_AGED_DE_BEFORE = re.compile(r"\baged\s+$|\bde\s+$(?<=edad de )", re.I)


# _is_label_or_date's checks at the number and after it, compiled once (`re.match` with a pattern's text
# looks it up in re's cache at each call: ~0.7 us, 76,000 calls over 1,500 articles)
_YEAR_DIGITS = re.compile(r"\d{4}")
_ORDINAL_AFTER = re.compile(r"^(?:st|nd|rd|th)\b", re.I)
_RANGE_AFTER = re.compile(r"^[\-/–]\d")
_LETTER_AFTER = re.compile(r"^-?[A-Za-z]")
_UNIT_WORD_AFTER = re.compile(r"^-?(?:year|month|week|day|hour|mile|page|point|member|man|person|foot|meter|ton|km|kg|"
                              r"percent)|^[mbk]\b", re.I)
_LIST_MARK_BEFORE = re.compile(r"[^\S\n]*(?:[#(]?)")
_LIST_MARK_AFTER = re.compile(r"^[.)][^\S\n]")
_PUNCT_AFTER = re.compile(r"^[,.;)]")
_TIMES_AFTER = re.compile(r"^[^\S\n]?[x×][^\S\n]?\d")
_AND_AGE_AFTER = re.compile(r"^[^\S\n]+(?:and|y)[^\S\n]+\d{1,3}[^\S\n]+(?:years[^\S\n]+old|años)")
_YEARS_OLD_AFTER = re.compile(r"^[^\S\n]+years[^\S\n]+old")
_LOWER_WORD_AFTER = re.compile(r"^[^\S\n]+[a-z]")
_PERCENT_AFTER = re.compile(r"^[^\S\n]?(?:%|percent|per[^\S\n]cent|por[^\S\n]ciento)")
_ADDRESS_AFTER = re.compile(r"^[^\S\n]+(?:[A-Z][\w.]*[^\S\n]+){1,3}(?:Avenue|Ave\.?|Street|St\.|Road|Rd\.|Boulevard|"
                            r"Blvd\.?|Drive|Dr\.|Lane|Place|Way|Parkway|Plaza)\b")
_AGE_AFTER = re.compile(r"^[\-\s]?(?:year|años?)[\-\s]old\b|^\s+años\s+de\s+edad", re.I)


def _is_label_or_date(text: str, start: int, end: int, digits: bool) -> bool:
    before = text[max(0, start - 40):start]
    after = text[end:end + 30]
    if digits:
        raw = text[start:end]
        if _YEAR_DIGITS.fullmatch(raw) and 1800 <= int(raw) <= 2100:
            return True  # a year
        if _ORDINAL_AFTER.match(after):
            return True  # ordinal
        if _RANGE_AFTER.match(after) or _RANGE_BEFORE.search(before, _last_words_start(before, 1)):
            return True  # ranges of codes, scores, dates 10/12, phone pieces
        if _LETTER_BEFORE.search(before, _last_words_start(before, 1)) \
                and not _COUNTRY_CODE_BEFORE.search(before, _last_words_start(before, 1)):
            return True  # MS-13, COVID-19, G20
        if _LETTER_AFTER.match(after) and not _UNIT_WORD_AFTER.match(after):
            return True  # 5G, F16 (letters glued to digits)
        line_start = text.rfind("\n", 0, start) + 1
        if _LIST_MARK_BEFORE.fullmatch(text[line_start:start]) and _LIST_MARK_AFTER.match(after):
            return True  # list item "1. ..." / "2) ..."
        if _PERSON_COMMA_BEFORE.search(before, max(0, _last_words_start(before, 1) - 1)) \
                and _PUNCT_AFTER.match(after) and len(raw) <= 3:
            return True  # age after a name: "John Smith, 45," / "said Brown, 41."
        if _TIMES_AFTER.match(after) or _TIMES_BEFORE.search(before, _last_words_start(before, 2)):
            return True  # dimensions "17.5 x 5.2 x 12 inches"
        if _AGED_BEFORE.search(before, _last_words_start(before, 3)):
            return True  # "aged six to 17"
        if _TURNED_BEFORE.search(before, _last_words_start(before, 1)) \
                or _AND_AGE_AFTER.match(after):
            return True  # "when they turned 18", "27 and 29 years old"
        if _YEARS_OLD_AFTER.match(after) and _AND_BEFORE.search(before, _last_words_start(before, 2)):
            return True
        if _after_name(before) and not _LOWER_WORD_AFTER.match(after) \
                and not _PERCENT_AFTER.match(after):
            return True  # a name with a number in it, mid-sentence: "the Ram 1500", "Big 12"
        if _ADDRESS_AFTER.match(after):
            return True  # an address: "1600 Pennsylvania Avenue"
        if _AGE_AFTER.match(after) or _AGED_DE_BEFORE.search(before, _last_words_start(before, 1)):
            return True  # ages
    if _label_before(before):
        return True
    if digits and (_BEFORE_TIME.search(before, _last_words_start(before, 2)) or _LABEL_LIST.search(before)):
        return True
    if _AFTER_DATE.match(after) or _BEFORE_DATE.search(before, _last_words_start(before, 2)):
        return True
    return False


_IRREGULAR_PLURALS = frozenset("""people children men women personnel staff cattle feet data media
fish sheep aircraft gente""".split())
_NP_TOKEN = re.compile(r"[^\S\n]*((?:[A-Z]\.){2,}|[^\W\d_][\w'’\-]*|\S)")
_CLAUSE_BREAK = re.compile(r"[.;:!?()\[\]\"“”«»—–\n]|,\s")


def _plural(word: str) -> bool:
    w = _fold(word)
    if w.endswith("'s"):
        return False  # "the country's": a possessive modifier
    w = w.strip("'")
    return w in _IRREGULAR_PLURALS or (len(w) > 2 and w.endswith("s") and not w.endswith(("ss", "us", "is")))


def _counted(text: str, end: int, lang: str) -> tuple[str, int, int, str | None]:
    """The counted noun phrase right after the number: its text, start and end offsets and its
    head lemma ("major drug cartels" → "cartel"; "organizaciones criminales" → "organizacion").
    English puts modifiers before the noun, so the phrase ends at its first plural word;
    Spanish puts the noun first and its (agreeing, plural) adjectives after it."""
    pos = end
    of = _OF.match(text, pos)
    if of:
        pos = of.end()
    words: list[re.Match] = []
    while len(words) < 5:
        m = _NP_TOKEN.match(text, pos)
        if not m:
            break
        token = m.group(1)
        if not re.match(r"[^\W\d_]", token) or (token.lower() in _STOP and not (token.isupper() and len(token) > 1)):
            break
        if lang == "es" and words and not _plural(token):
            break
        words.append(m)
        pos = m.end()
        if lang != "es" and _plural(token):
            break
    if not words:
        return "", end, end, None
    if lang != "es" and not _plural(words[-1].group(1)):
        police = [i for i, w in enumerate(words) if w.group(1).lower() == "police"]
        possessive = _fold(words[0].group(1)).endswith("'s")
        words = words[:police[0] + 1] if police else (words[:3] if possessive else words[:1])  # no plural noun: keep the word right after ("a 9 percent raise")
    words = words[:3] if lang == "es" else words
    head_token = (words[0] if lang == "es" else words[-1]).group(1)
    head = lemma(head_token, lang)
    start, stop = words[0].start(1), words[-1].end(1)
    # "nine women and children": the number counts both, so neither alone.
    coordinated = re.match(r"[^\S\n]+(?:and|y)[^\S\n]+([^\W\d_][\w'’\-]*)", text[stop:stop + 40])
    if coordinated and _plural(coordinated.group(1)) and coordinated.group(1).islower() \
            and coordinated.group(1) not in _STOP:
        head = head + "+" + lemma(coordinated.group(1), lang)
        stop += coordinated.end(1)
    # "70,000 Americans die annually": keep what happened to what was counted.
    tail = re.match(r"[^\S\n]+(\w+)(?:[^\S\n]+(\w+(?:[^\S\n]+(?:year|año))?))?", text[stop:stop + 40])
    if tail and tail.group(1).lower() in _EVENT_VERBS:
        new_stop = stop + tail.end(1)
        if tail.group(2) and _ADVERB.match(tail.group(2)):
            new_stop = stop + tail.end(2)
        stop = new_stop
    return text[start:stop], start, stop, head


def _subject(text: str, start: int) -> str | None:
    """For a number with nothing counted after it ("seizures ... are down by more than half"),
    the words before it in its clause, less trailing function words: what the number is about."""
    line_start = max(text.rfind("\n", 0, start) + 1, start - 160)
    before = text[line_start:start]
    breaks = list(re.finditer(_CLAUSE_BREAK.pattern + r"|\s(?:and|y|but|pero)\s", before))
    if breaks:
        before = before[breaks[-1].end():]
    words = before.split()
    while words and (words[-1].lower().strip(",") in _STOP or words[-1].lower() in _EVENT_VERBS
                     or words[-1].lower() in ("put", "fell", "rose", "dropped", "reached", "cayeron", "subieron")):
        words.pop()
    words = words[-8:]
    while words and words[0].lower() in _STOP:
        words.pop(0)
    return " ".join(words) or None


def _unit_for(kind: str, currency: str | None, percent: bool, counted: str) -> str:
    if currency:
        return currency
    if percent:
        return "percent"
    if kind == "fraction":
        return "fraction"
    first = counted.split()[0].lower() if counted else ""
    if first in _DURATION_UNITS:
        return _DURATION_UNITS[first]
    if first in _MEASURE_UNITS:
        return _MEASURE_UNITS[first]
    return "count"


def _currency_code(raw: str | None, table: list[tuple[str, str]]) -> str | None:
    if not raw:
        return None
    for code, pattern in table:
        if re.fullmatch(pattern, raw.strip(), re.I):
            return code
    return None


def _not_a_quantity(m: re.Match, text: str, lang: str) -> bool:
    """Number-looking words that are not quantities here, told by the words around them."""
    start, end = m.start(), m.end()
    raw = m.group(0).strip().lower()
    if m["spelled"] and (raw in _WEAK | {"a"} or (lang == "en" and raw in _ES_UNITS)):
        return True  # "one of them", "un acuerdo"; "once" and "dos" in English text
    if (m["fraction"] or m["exact"]) and re.match(r"-[^\W\d_]", text[end:end + 2]):
        return True  # "a quarter-century", "half-brother": part of a word, not a share
    if m["digits"] and (len(re.sub(r"\D", "", m["digits"])) > 12 or re.fullmatch(r"\d{7,}", m["digits"])):
        return True  # an identifier or timestamp: news prints large quantities with separators
    if m["dscale"] and m["dscale"] in "mMbB" and not m["cur"]:
        return True  # "5m" is as likely metres as millions without a currency sign
    if m["fraction"]:
        if re.match(r"[^\S\n]+a[^\S\n]+(?:century|decade|year|month|week|day|dozen|hundred|thousand|million|billion|"
                    r"trillion|mile|pound|gallon)\b", text[end:end + 20], re.I):
            return True  # "half a century": a quantity, not a share (left out rather than misread)
        if re.match(r"(?:a|one|un|una)\s", m["fraction"], re.I) \
                and re.match(r"[^\S\n]+[a-z][a-z\-]*\b", text[end:end + 30]) \
                and not re.match(r"[^\S\n]+(?:of|de|del|percent|por)\b", text[end:end + 12]):
            return True  # "a third vehicle": an ordinal, not a share
        if m["fraction"].lower().split()[-1] in ("half", "mitad") and not _OF.match(text, end) \
                and not re.search(r"\b(?:by|en|por)[^\S\n]+$", text[max(0, start - 6):start]) \
                and not _QUALIFIER_RE.search(text[max(0, start - 30):start]):
            return True  # "snap in half", "half murder": not a share of anything
    return False


def extract_claims(text: str, lang: str | None = None) -> list[dict[str, Any]]:
    """Every numeric claim in the text, in order, each with its span and normalised value."""
    lang = (lang or "en")[:2].lower()
    claims: list[dict[str, Any]] = []
    last_end = -1
    for position in _candidates(text):
        if position < last_end:
            continue
        m = _NUMBER.match(text, position)
        if m is None:
            continue
        start, end = m.start(), m.end()
        if _in_url_or_phone(text, start):
            continue
        if _not_a_quantity(m, text, lang):
            continue
        value, kind, vague = _number_value(m)
        if value is None:
            continue
        number_start = start + (len(m["cur"]) if m["cur"] else 0)
        if m["digits"] and _is_label_or_date(text, number_start, number_start + len(m["digits"]), True) \
                and not m["cur"] and not m["dscale"]:
            continue
        if not m["digits"] and _is_label_or_date(text, start, end, False):
            continue
        currency = _currency_code(m["cur"], _CURRENCY_BEFORE)
        percent = False
        unit_match = _UNIT_AFTER.match(text, end)
        degrees = False
        if unit_match:
            if unit_match["percent"]:
                percent = True
            elif unit_match["degrees"]:
                degrees = True
            elif not currency:
                currency = _currency_code(unit_match["money"], _CURRENCY_AFTER)
            end = unit_match.end()
        if m["vague"] and m["vague"].lower() in ("varios", "varias", "several", "a few", "a handful", "unos cuantos",
                                                 "unas cuantas") \
                and not _OF.match(text, end) and not re.match(r"[^\S\n]+[^\W\d_]", text[end:end + 3]):
            continue  # "several" alone
        counted, counted_start, counted_end, head = _counted(text, end, lang)
        if m["digits"] and not m["cur"] and not (counted and _plural(counted.split()[0])) \
                and _after_name(text[max(0, start - 40):start]) and not _UNIT_AFTER.match(text, m.end()):
            continue  # "Windows 10 while ...", "Future 45 ran ads", "Local 294 in Albany"
        if kind == "number" and not currency and not percent and not counted:
            if not m["digits"] or value < 10:
                continue  # "six", "2" alone: nothing counted, not a claim worth keeping
        if m["spelled"] and m["spelled"].lower().startswith(("un ", "una ")) and currency is None and not counted:
            continue
        if not currency and head in _CURRENCY_NOUNS and _OF.match(text, end):
            currency = _CURRENCY_NOUNS[head]  # "billions of dollars", "millones de pesos"
        unit = "degrees" if degrees else _unit_for(kind, currency, percent, counted)
        if unit != "count" and unit not in ("USD", "MXN", "EUR", "GBP", "percent", "fraction") and counted:
            # "3.5 tons of cocaine", "eleven months without a contract": the unit, then what it measures
            more, _, more_end, more_head = _counted(text, counted_start + len(counted.split()[0]), lang)
            if more and _OF.match(text, counted_start + len(counted.split()[0])):
                counted, counted_end, head = text[counted_start:more_end], more_end, more_head
            else:
                head = None
        qualifier = None
        window = text[max(0, start - 30):start]
        q = _QUALIFIER_RE.search(window)
        claim_start = start
        if q:
            qualifier = next(name for i, (name, _) in enumerate(_QUALIFIERS) if q[f"q{i}"])
            claim_start = start - len(window) + q.start("q")
        if qualifier == "more than" and q["q0"].lower() == "over" and unit in _DURATION_UNITS.values():
            qualifier, claim_start = None, start  # "spread over three years": a preposition, not "more than"
        if vague:
            qualifier = qualifier or "vague"
        claim_end = counted_end if counted else end
        claims.append({
            "start": claim_start, "end": claim_end, "text": text[claim_start:claim_end],
            "value": int(value) if float(value).is_integer() else round(value, 6),
            "unit": unit, "qualifier": qualifier, "counts": counted or None, "head": head,
            "about": None if counted else _subject(text, claim_start),
            "number_start": start, "number_end": end,
            **({"vague": True} if vague else {}),
        })
        last_end = claim_end if claim_end > end else end
    return claims
