"""The per-article analysis' faster paths find exactly what the plain searches they replace find.

Each fast path (claims' candidate tokens and end-anchored checks, mentions' surname hits,
quotes' word before a cue) is compared with the plain regex search it stands for, on prose we
wrote ourselves and on strings built from the very words the patterns look for.
"""

from __future__ import annotations

import random
import re

from dossier.analyze import claims, mentions, quotes
from dossier.corpus.outlet import domain_of, outlet_key

# Our own text (synthetic), with numbers, labels, dates, names, odd letters and spacing.
PROSE = (
    "Mayor Elena Quintero said on Tuesday that 1,250 families in San Lázaro had asked for help, and "
    "officials of Route 66 counted twenty-five crossings; Section 230 and artículo 27 were cited.\n\n"
    "By June 5, 2025, ONE HUNDRED volunteers (about 30 percent) had joined, Quintero, 45, told "
    "reporters. \u201cWe need $4 million,\u201d she said. The Ram 1500 and Big 12 are names, not counts.\n\n"
    "El alcalde dijo que cuarenta y DOS personas llegaron el lunes, el 3 de mayo; según la Secretaría, "
    "unas 300 familias esperan.  Docket no. 12-345 and H.R. 1 were aged six to 17 in the report of the year 2024.\n"
    "İstanbul hosted ſix meetings; uno² and ² mark odd digits; tWo, Ⅻ and ١٢ too. Quintero's aide, O'Neil-Smith, "
    "said O'Neil-Smith would return; Quintero_2 is a handle, not a name."
)


def _plain_candidates(text: str) -> list[int]:
    token = re.compile(r"[$€£]|(?<![\w$€£])(?:\d|[^\W\d_]+)")
    out = []
    for t in token.finditer(text):
        word = t.group()
        if len(word) == 1 and (word.isdigit() or word in "$€£") or word.lower() in claims._TRIGGER_WORDS:
            out.append(t.start())
    return out


def test_claim_candidates_are_those_of_every_token():
    texts = [PROSE, PROSE.upper(), PROSE.lower(), PROSE.replace("İ", "I"), PROSE.title()]
    for text in texts:
        found = list(claims._candidates(text))
        assert found == _plain_candidates(text)
        assert found  # the prose has numbers to find
    assert claims.extract_claims(PROSE, "en")  # and the claims come out of them


def test_end_anchored_checks_search_only_the_last_words():
    plain = {
        "label": lambda b: claims._LABEL_BEFORE.search(b) is not None,
        "date": lambda b: claims._BEFORE_DATE.search(b) is not None,
        "time": lambda b: claims._BEFORE_TIME.search(b) is not None,
        "aged": lambda b: claims._AGED_BEFORE.search(b) is not None,
        "name": lambda b: bool(claims._NAME_BEFORE.search(b) and not claims._NOT_NAME_BEFORE.search(b)),
    }
    fast = {
        "label": claims._label_before,
        "date": lambda b: claims._BEFORE_DATE.search(b, claims._last_words_start(b, 2)) is not None,
        "time": lambda b: claims._BEFORE_TIME.search(b, claims._last_words_start(b, 2)) is not None,
        "aged": lambda b: claims._AGED_BEFORE.search(b, claims._last_words_start(b, 3)) is not None,
        "name": claims._after_name,
    }
    words = claims._LABEL_WORDS + ["of the year", "of\nthe  year", "#", "code:", "h.r", "H.R", "articles", "Sección",
                                   "aged", "ages", "six", "to", "y", "a", "las", "el", "día", "lunes,", "Monday",
                                   "Sept.", "enero", "About", "U.S.", "Than", "Ram", "Local", "the", "Foo-Bar", ","]
    separators = ["", " ", "  ", "\t", "\n", "\u00a0", ".", ":", ", ", " #"]
    rnd = random.Random(11)
    befores = [PROSE[max(0, m.start() - 40):m.start()] for m in re.finditer(r"\d", PROSE)]
    for _ in range(20000):
        text = "".join(rnd.choice(words) + rnd.choice(separators) for _ in range(rnd.randint(1, 6)))
        befores.append((text.upper() if rnd.random() < 0.2 else text)[-rnd.randint(1, 40):])
    seen = {name: 0 for name in plain}
    for before in befores:
        for name, check in plain.items():
            expected = check(before)
            assert fast[name](before) == expected, (name, before)
            seen[name] += expected
    assert all(seen.values()), seen  # each check matched somewhere, so both answers were compared


def test_last_words_start():
    assert claims._last_words_start("the year of 2024 ", 1) == 12
    assert claims._last_words_start("the year of 2024 ", 2) == 9
    assert claims._last_words_start("  two words", 5) == 0
    assert claims._last_words_start("", 2) == 0


def test_word_hits_are_the_regex_hits():
    rnd = random.Random(3)
    tokens = re.findall(r"\S+", PROSE)
    for _ in range(500):
        words = sorted({rnd.choice(tokens)[:rnd.randint(1, 12)] for _ in range(rnd.randint(1, 5))}, key=re.escape)
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")
        assert list(mentions._word_hits(PROSE, words)) == [m.span() for m in pattern.finditer(PROSE)], words
    assert list(mentions._word_hits(PROSE, ["Quintero"])) == [m.span() for m in re.finditer(r"\bQuintero\b", PROSE)]


def test_surname_alone_is_the_person_named_in_full():
    from dossier.kb import load_kb

    text = "Analyst David Saucedo said the plan would fail. Saucedo added that Saucedo's team agreed."
    found = mentions.find_mentions(text, load_kb())
    short = [m for m in found if m.text == "Saucedo"]
    assert len(short) == 2 and all(m.actor == "local:david-saucedo" and m.via == "antecedent" for m in short)


def test_previous_word_is_the_regex_search():
    texts = [PROSE, " \n\t\u00a0x-y\u2019z  \n", "a\n", "ab  ", "__--''  ", "x" * 60 + "  ", ""]
    for text in texts:
        for pos in range(len(text) + 1):
            expected = quotes._PREVIOUS_WORD.search(text, max(0, pos - 40), pos)
            got = quotes._previous_word(text, pos)
            assert (got is None) == (expected is None), (text, pos)
            if got is not None:
                assert (got.span(), got.span(1)) == (expected.span(), expected.span(1))


def test_outlet_domain_is_looked_up_once_per_host():
    assert domain_of("https://www.example.co.uk/news/1") == "example.co.uk"
    assert domain_of("https://news.example.co.uk/other") == "example.co.uk"
    assert outlet_key("https://www.example.co.uk/news/2", None) == "example.co.uk"
    assert domain_of("http://localhost:8000/a") == "localhost"


def test_quotes_from_two_threads_at_once_are_those_of_one():
    """The noun-phrase memo is per text and per thread: articles analysed at once (the web
    server's threads) get what each gets alone."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [PROSE, "Analyst David Saucedo, a security expert, said the plan would fail, adding that the army "
             "had no money. \u201cIt will not work,\u201d he told reporters. According to the ministry, 300 "
             "soldiers were sent, officials said on Monday."]
    alone = [[q.to_dict() for q in quotes.extract_quotes(t, "en")] for t in texts]
    assert all(alone)
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda t: [q.to_dict() for q in quotes.extract_quotes(t, "en")], texts * 40))
    assert together == alone * 40
