"""Patterns that scan whole texts open with a look at their first character, a filter `re` checks
before the rest at every position: without it, each must find the same matches."""

from __future__ import annotations

import re

import pytest

from conftest import SAMPLE
from dossier.analyze import mentions, published_range, quotes
from dossier.link import events, timeline
from test_timeline import DATE_LEADS

# the openers in use: a character class, the same under IGNORECASE, or a digit
OPENER = re.compile(r"\(\?i:\(\?=\[[a-z]+\]\)\)|\(\?=\[[^\]]+\]\)|\(\?=\\d\)")

PATTERNS = {
    **{f"date {i}": p for i, p in enumerate(published_range._FULL + published_range._MONTH_YEAR
                                           + published_range._DAY_MONTH + published_range._WEEKDAY_DATE)},
    "relative day": timeline._RELATIVE,
    "weekday alone": timeline._WEEKDAY_ALONE,
    "name before verb": mentions._NAME_BEFORE_VERB,
    "verb before name": mentions._VERB_BEFORE_NAME,
    "count in lead": events._COUNT,
    "according to": quotes._ACCORDING_WORDS,
}


# lines of our own with each reporting verb's first letter, accented capitals and counts that open with a
# zero or a digit not ASCII, which the sample lacks
OWN_LINES = [
    "Police moved 026 inmates and ٣٥ guards; 0,500 troops and 10,000 soldiers followed.",
    "ACCORDING TO the mayor, and In The Words Of her aide; SEGÚN la alcaldesa, De Acuerdo Con y CONFORME A la ley.",
    "“We will not,” wrote Ángel Ruiz. Óscar Núñez warned reporters, and Úrsula Díaz insisted on it.",
    "Élodie Marchand, a lawyer, noted that Ñoño Pérez replied late; Ícaro Gómez explained, then Ümit Kaya asked.",
    "The plan failed, dijo Íñigo Ruiz; afirmó Álvaro Soto y añadió Elena Vidal. Ruiz stated it and Soto argued.",
    "Then Mayor Tomás Reyes added more, said Doña Ana Luz, told Ana Mora, and Rita Sol declaró y sostuvo lo mismo.",
]


def texts() -> list[str]:
    own = [path.read_text(encoding="utf-8") for path in sorted((SAMPLE / "txt").glob("*.txt"))]
    assert len(own) >= 10, "the bundled sample's texts are missing"
    base = own + DATE_LEADS + OWN_LINES
    return base + [t.upper() for t in base] + [t.lower() for t in base]


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_a_patterns_opener_changes_none_of_its_matches(name):
    pattern = PATTERNS[name]
    assert OPENER.search(pattern.pattern), f"{name} has no opener"
    plain = re.compile(OPENER.sub("", pattern.pattern), pattern.flags)
    corpus = texts()
    found = [[(m.span(), m.groupdict()) for m in pattern.finditer(t)] for t in corpus]
    assert found == [[(m.span(), m.groupdict()) for m in plain.finditer(t)] for t in corpus]


def test_the_openers_are_tested_on_texts_they_match():
    corpus = texts()
    matched = {name for name, p in PATTERNS.items() if any(p.search(t) for t in corpus)}
    # all but the rarer date forms match somewhere: the comparison above is not of empty lists
    assert {"relative day", "weekday alone", "name before verb", "verb before name", "date 0", "count in lead",
            "according to"} <= matched
    assert len(matched) >= 8
