"""The checks' fast paths give exactly what the plain forms give.

Each fast path skips work a pattern cannot do on a given text (a word it needs is absent, a
position cannot start a match, an ASCII text has no accents). Here each is compared with the
plain form on sentences we wrote to hit every pattern, and on real articles when ../shared is
present."""

from __future__ import annotations

import re
import unicodedata


from conftest import SHARED
from dossier.analyze import published_range
from dossier.analyze.mentions import find_mentions
from dossier.analyze.record import cached_kb
from dossier.check import copies, dates
from dossier.check import quotes as quote_check
from dossier.link.quotes import _PUNCT, normalize_quote

# Our own sentences (synthetic), each hitting one or more of the patterns below.
OWN = [
    "Ça va, Señor Müller: the \ufb01nal “deal” won’t pass, and it can't, said the ex-ministre.",
    "e\u0301te\u0301 cafe\u0301 \u00c5NGSTR\u00d6M \u2126 \u00b5 \u00bd \u0130stanbul \u0131 \u01c5 \u00df \u1e9e \u212a",
    "I'm sure it's okay: 50 % of them, or 50 per cent, [the mayor] said they'd go & they're going; we've seen it, you'll see.",
    "The law took effect on March 4, 2024, and the decree was signed on Tuesday, March 5.",
    "La reforma entró en vigor el 3 de marzo de 2024 y el exfuncionario murió el lunes 4 de marzo.",
    "The treaty was published Jan. 9 and the minister resigned on 12 February.",
    "MONTERREY (Continental Press) — Officials said the bridge would reopen, as reported by Radio Norte.",
    "By Ana Ruiz, El Diario del Valle\nLa Gaceta reported that the plan was courtesy of the city. Source: Canal 8",
    "Por Redacción\nCon información de Agencia Sur y fuente: Prensa Latina. Reuters and AP were not there.",
    "Reporte especial\nPor Noticias del Golfo\nEl alcalde habló del puente.",
    "Mexican President Claudia Sheinbaum met former U.S. President Joe Biden and la presidenta de México.",
    "El expresidente Andrés Manuel López Obrador habló con el presidente Donald Trump.",
    "Nothing here needs any of the patterns at all, plainly.",
]


def _real_texts() -> list[str]:
    if not SHARED.is_dir():
        return []
    paths = sorted((SHARED / "seeds").glob("*.txt")) + sorted((SHARED / "data" / "real-corpus" / "articles").glob("*.txt"))
    return [p.read_text(encoding="utf-8") for p in paths]


TEXTS = OWN + _real_texts()


def plain_normalize(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(_PUNCT.sub(" ", text).split())


def test_normalize_quote_equals_the_plain_form():
    assert len(TEXTS) >= len(OWN)
    for text in TEXTS + [t[i:i + 40] for t in OWN for i in range(0, len(t), 7)]:
        assert normalize_quote(text) == plain_normalize(text), text
    assert normalize_quote("Señor Müller\u2019s CAFE\u0301") == "senor muller s cafe"


def test_quote_words_tries_only_the_patterns_a_text_can_match():
    def plain(text: str) -> tuple[str, ...]:
        for pattern, replacement, _ in quote_check._CONTRACTIONS:
            text = pattern.sub(replacement, text)
        return tuple(plain_normalize(text).split())

    for text in TEXTS:
        assert quote_check.spelled_out_words(text) == plain(text), text
    words = quote_check.spelled_out_words(OWN[2])
    assert words[:2] == ("i", "am") and "percent" in words and "would" in words and "mayor" not in words


def test_date_statements_pattern_equals_the_one_without_its_lookahead():
    plain = re.compile(rf"\b(?P<predicate>{dates._PREDICATE})\s+(?:on\s+|el\s+|en\s+)?"
                       rf"(?:{dates._EN_DATE}|{dates._ES_DATE})\b", re.I)
    found = 0
    for text in TEXTS:
        fast = [(m.span(), m.groupdict()) for m in dates._STATEMENT.finditer(text)]
        assert fast == [(m.span(), m.groupdict()) for m in plain.finditer(text)], text
        found += len(fast)
    assert found >= 5  # the sentences above hold five statements at least


def test_credited_names_equal_every_pattern_run_on_every_text(monkeypatch):
    articles = [{"id": f"a{i}", "text": text, "title": "", "author": ""} for i, text in enumerate(TEXTS)]
    fast = [copies.credited_names(a) for a in articles]
    monkeypatch.setattr(copies, "_CREDIT_PATTERNS", tuple((p, ("",), h) for p, _, h in copies._CREDIT_PATTERNS))
    assert fast == [copies.credited_names(a) for a in articles]
    assert {"Continental Press", "Radio Norte", "Reuters", "AP", "Noticias del Golfo"} <= set().union(*fast[:len(OWN)])


def test_titled_mentions_equal_the_full_pattern_alone(monkeypatch):
    kb = cached_kb(None)
    records = [(text, [m.to_dict() for m in find_mentions(text, kb, on=None, latest=None)]) for text in TEXTS]
    fast = [published_range.titled_mentions(text, mentions, kb) for text, mentions in records]
    monkeypatch.setattr(published_range, "_TITLE_ANYWHERE", re.compile(""))
    assert fast == [published_range.titled_mentions(text, mentions, kb) for text, mentions in records]
    assert any(t.title == "President" for found in fast for t in found)
