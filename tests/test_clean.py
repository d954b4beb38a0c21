"""Cleaning: noise goes (and is recorded), article body always stays.

Fixtures are invented wire-copy-style texts; the seed tests read ../shared/seeds/.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from dossier.corpus.clean import (
    REASONS,
    CleanResult,
    clean_article,
    learn_repeated_lines,
    normalize_paragraphs,
    remove_learned_lines,
)
from dossier.model import Removal

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEEDS = SHARED / "seeds"

TITLE = "Border governors agree on “joint patrols” after week of talks"

BODY_EN = [
    "TUCSON, Ariz. (AP) — The governors of four border states agreed on Thursday to run joint patrols along a "
    "stretch of desert where smuggling has surged, ending a week of talks that at times looked close to collapse.",
    "“We are not asking anyone for permission to protect our own people,” Governor Elena Marsh said at a news "
    "conference in Tucson, flanked by officials from both sides of the border.",
    "The agreement does not involve federal troops, a point the governors stressed repeatedly.",
    "What comes next is less clear. Officials said the first patrols could begin within a month.",
]

BODY_ES = [
    "CIUDAD DE MÉXICO (EFE) — La gobernadora de Sonora, Marta Ibarra, anunció este jueves un acuerdo con tres "
    "estados vecinos para realizar patrullajes conjuntos en la franja desértica donde ha crecido el contrabando.",
    "“No le pedimos permiso a nadie para proteger a nuestra gente”, dijo Ibarra en conferencia de prensa.",
    "El acuerdo no incluye tropas federales, un punto que los gobernadores subrayaron varias veces.",
]


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


def reasons(result: CleanResult) -> list[str]:
    return [r.reason for r in result.removed]


def assert_body_kept(result: CleanResult, body: list[str]) -> None:
    kept = paragraphs(result.text)
    for para in body:
        assert para in kept, f"body paragraph lost: {para[:60]!r}"


# ---------------------------------------------------------------- normalize_paragraphs


def test_normalize_unifies_newlines_and_spacing():
    text = "  First line.  \r\nSecond line.\u00a0\rThird\u2028Fourth\r\n\r\n\r\n\u200b\n  Fifth  "
    assert normalize_paragraphs(text) == "First line.\n\nSecond line.\n\nThird\n\nFourth\n\nFifth"


def test_normalize_every_line_is_a_paragraph_when_not_wrapped():
    text = "Heading\n" + "\n".join(BODY_EN)
    assert paragraphs(normalize_paragraphs(text)) == ["Heading", *BODY_EN]


def test_normalize_joins_hard_wrapped_blocks():
    para1 = (
        "The governors of four border states agreed on Thursday to run joint patrols along a stretch of desert "
        "where smuggling has surged, ending a week of talks that at times looked close to collapse, officials said."
    )
    para2 = (
        "The agreement does not involve federal troops, a point the governors stressed repeatedly during a long "
        "news conference held in the courtyard of the state capitol building."
    )
    wrapped = "\n\n".join(_wrap(p, 68) for p in (para1, para2))
    assert wrapped.count("\n") > 4
    assert normalize_paragraphs(wrapped) == para1 + "\n\n" + para2


def test_normalize_hyphen_at_wrap_is_kept_without_space():
    text = (
        "Officials described the plan as a carefully negotiated cross-\n"
        "border arrangement that leaves each state in charge of its own\n"
        "patrols and its own budget for the first year of the programme\n"
        "while a joint committee reviews progress every three months.\n"
    )
    assert "cross-border arrangement" in normalize_paragraphs(text)


def test_normalize_leaves_lists_of_short_lines_alone():
    schedule = "Patrol schedule\n\nWeek 1: Nogales – Sasabe\nWeek 2: Sasabe – Lukeville\nWeek 3: Lukeville – Yuma\nWeek 4: Yuma – San Luis"
    assert paragraphs(normalize_paragraphs(schedule)) == [
        "Patrol schedule", "Week 1: Nogales – Sasabe", "Week 2: Sasabe – Lukeville",
        "Week 3: Lukeville – Yuma", "Week 4: Yuma – San Luis",
    ]


def _wrap(text: str, width: int) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])


# ---------------------------------------------------------------- clean_article: each kind of noise


def test_repeated_headline_robust_to_quotes_case_and_punctuation():
    text = "\n\n".join(
        [
            'BORDER GOVERNORS AGREE ON "JOINT PATROLS" AFTER WEEK OF TALKS.',
            "By Dana Whitfield",
            "Border governors agree on ‘joint patrols’ after week of talks",
            *BODY_EN,
        ]
    )
    result = clean_article(text, title=TITLE)
    assert reasons(result) == ["repeated headline", "byline", "repeated headline"]
    assert result.title == TITLE
    assert result.author == "Dana Whitfield"
    assert result.text == "\n\n".join(BODY_EN)


def test_repeated_headline_without_title_keeps_the_first():
    text = "\n\n".join([TITLE, TITLE, *BODY_EN])
    result = clean_article(text)
    assert reasons(result) == ["repeated headline"]
    assert paragraphs(result.text) == [TITLE, *BODY_EN]


def test_title_like_body_line_far_down_survives():
    body = [*BODY_EN, "Border governors agree on joint patrols after week of talks"]
    result = clean_article("\n\n".join([*body[:4], *[f"Filler paragraph number {i} of the story." for i in range(8)], body[4]]),
                           title=TITLE)
    assert body[4] in paragraphs(result.text)


@pytest.mark.parametrize(
    "line, author",
    [
        ("By Dana Whitfield", "Dana Whitfield"),
        ("by dana whitfield", None),  # not name-shaped: stays
        ("By DANA WHITFIELD and OMAR REYES, Associated Press", "Dana Whitfield and Omar Reyes"),
        ("Por Juan Carlos de la Fuente", "Juan Carlos de la Fuente"),
        ("Por: Redacción", "Given Author"),
        ("By Dana Whitfield | Reuters", "Dana Whitfield"),
    ],
)
def test_byline(line, author):
    result = clean_article("\n\n".join([line, *BODY_EN]), author="Given Author")
    if author is None:
        assert line in paragraphs(result.text)
        assert result.author == "Given Author"
    else:
        assert reasons(result) == ["byline"]
        assert result.author == author
    assert_body_kept(result, BODY_EN)


def test_byline_followed_by_agency_line():
    result = clean_article("\n\n".join(["By DANA WHITFIELD", "Associated Press", *BODY_EN]))
    assert reasons(result) == ["byline", "byline"]
    assert result.author == "Dana Whitfield"


def test_sentences_starting_with_by_survive():
    body = [
        "By Thursday evening, the patrols had not started.",
        "By comparison, the neighbouring state spent twice as much on border security.",
        "By The Numbers",
    ]
    result = clean_article("\n\n".join(body + BODY_EN))
    assert result.removed == []


NOISE_EN = [
    ("© Carla Montoya/Getty Images", "photo credit"),
    ("Photo: Carla Montoya/Reuters", "photo credit"),
    ("(AP Photo/Rafael Ortega)", "photo credit"),
    ("Image: Sonora state government", "photo credit"),
    ("Credit: Carla Montoya", "photo credit"),
    ("Photo by Carla Montoya on Unsplash", "photo credit"),
    ("Rafael Ortega/AFP via Getty Images", "photo credit"),
    ("Governor Elena Marsh speaks in Tucson on Thursday. (AP Photo/Rafael Ortega)", "caption"),
    ("FILE - Trucks wait at the crossing in Nogales, Ariz., on May 2, 2023. (AP Photo/Rafael Ortega, File)", "caption"),
    ("For more Border News like this, come back tomorrow!", "cross-promotion"),
    ("RELATED: Governors meet again amid smuggling surge", "cross-promotion"),
    ("Related Stories", "cross-promotion"),
    ("Border News | Politics | Opinion | Sports | Weather", "link bar"),
    ("Sign up for our newsletter", "newsletter prompt"),
    ("Get the morning briefing delivered to your inbox.", "newsletter prompt"),
    ("Advertisement", "advertisement"),
    ("Story continues below advertisement", "advertisement"),
    ("Read more", "read more"),
    ("Read more: Governors meet again amid smuggling surge", "read more"),
    ("Region: Arizona", "tag line"),
    ("Tags: border, patrols, smuggling", "tag line"),
    ("Disqus content widget", "widget"),
    ("Loading comments...", "widget"),
    ("Share your thoughts in the comments below!", "comment prompt"),
    ("What do you think? Let us know in the comments.", "comment prompt"),
    ("Share this article", "share prompt"),
    ("Facebook Twitter WhatsApp Email", "share prompt"),
    ("Follow us on Twitter for the latest updates", "follow prompt"),
    ("Copyright 2024 Desert Wire. All rights reserved.", "footer"),
    ("© 2024 Desert Wire Media LLC", "footer"),
]

NOISE_ES = [
    ("Foto: Carla Montoya/Cuartoscuro", "photo credit"),
    ("Fotografía: Gobierno de Sonora", "photo credit"),
    ("Suscríbete a nuestro boletín", "newsletter prompt"),
    ("Suscríbete", "newsletter prompt"),
    ("Publicidad", "advertisement"),
    ("Lee más", "read more"),
    ("Leer más: Gobernadores se reúnen de nuevo", "read more"),
    ("Lee también: Gobernadores se reúnen de nuevo", "cross-promotion"),
    ("Etiquetas: frontera, seguridad, Sonora", "tag line"),
    ("Comparte tu opinión en los comentarios", "comment prompt"),
    ("¿Qué opinas? Déjanos tu comentario abajo.", "comment prompt"),
    ("Comparte esta nota", "share prompt"),
    ("Síguenos en Facebook y X", "follow prompt"),
    ("© 2024 Diario del Desierto. Todos los derechos reservados.", "footer"),
]


@pytest.mark.parametrize("line, reason", NOISE_EN)
def test_noise_en_removed_and_recorded(line, reason):
    result = clean_article("\n\n".join([BODY_EN[0], line, *BODY_EN[1:]]), title=TITLE)
    assert result.removed == [Removal(text=line, reason=reason)]
    assert result.text == "\n\n".join(BODY_EN)


@pytest.mark.parametrize("line, reason", NOISE_ES)
def test_noise_es_removed_and_recorded(line, reason):
    result = clean_article("\n\n".join([*BODY_ES, line]), lang="es")
    assert result.removed == [Removal(text=line, reason=reason)]
    assert result.text == "\n\n".join(BODY_ES)


def test_caption_given_twice_goes_twice():
    caption = "Governor Elena Marsh speaks in Tucson on Thursday."
    credited = caption + " Photograph: Rafael Ortega/EPA"
    result = clean_article("\n\n".join([BODY_EN[0], caption, credited, *BODY_EN[1:]]))
    assert reasons(result) == ["caption", "caption"]
    assert result.text == "\n\n".join(BODY_EN)


def test_every_reason_is_in_the_vocabulary():
    for _, reason in NOISE_EN + NOISE_ES:
        assert reason in REASONS


# ---------------------------------------------------------------- the body survives

BODY_LOOKALIKES = [
    # contain noise words but are reporting
    "Marsh said she would share more details about the patrols next week.",
    "Asked about the photo, a spokesman declined to comment.",
    "The governors did not sign up for the federal programme, which requires a newsletter to residents.",
    "Read more closely, the agreement leaves room for federal help, analysts said.",
    "Advertisement spending by both campaigns rose sharply in the border counties.",
    "Related charges were filed against two smugglers in Yuma on Friday.",
    "Region by region, the numbers tell a different story.",
    "Comparte la frontera más larga del continente con Estados Unidos, recordó Ibarra.",
    "Sign up for a local patrol volunteer shift costs nothing, the county says.",
    "Credit card fraud along the corridor has also risen, police said.",
    "Date: Thursday | Place: Tucson",
    "Copyright infringement lawsuits filed in 2023 rose sharply.",
    "The league said all rights reserved by the contract stay with the teams.",
    "Get-out-the-vote groups mailed a newsletter to every home.",
    "Follow the money on Facebook, one investigator told the committee.",
    "Photographers from three agencies were turned back at the crossing.",
    # a closing paragraph with reporting plus a prompt: body, stays whole
    "The governors meet again in June. Nobody expects an easy meeting. Let us know in the comments.",
    # a question to readers without a prompt: stays
    "Readers may ask: who pays for the patrols? The answer, for now, is each state on its own.",
]


def test_body_lookalikes_survive():
    result = clean_article("\n\n".join([*BODY_EN, *BODY_LOOKALIKES]), title=TITLE)
    assert result.removed == []
    assert_body_kept(result, BODY_EN + BODY_LOOKALIKES)


def test_question_then_prompt_in_one_line_goes_whole():
    line = "Which approach do you think will work best on the border? Share your thoughts in the comments below!"
    result = clean_article("\n\n".join([*BODY_EN, line]))
    assert reasons(result) == ["comment prompt"]
    assert_body_kept(result, BODY_EN)


def test_body_question_paragraph_before_prompt_stays():
    closing = "Will the patrols work? The governors think so, and they have staked their budgets on it."
    result = clean_article("\n\n".join([*BODY_EN, closing, "Share your thoughts in the comments below!"]))
    assert reasons(result) == ["comment prompt"]
    assert closing in paragraphs(result.text)


def test_long_paragraph_is_never_noise():
    long_para = "Photo: " + " ".join(BODY_EN)
    result = clean_article("\n\n".join([long_para, *BODY_EN]))
    assert result.removed == []


def test_result_text_shape():
    result = clean_article("\n\n\n  " + "\n".join([TITLE, "Advertisement", *BODY_EN]) + "\n\n\n", title=TITLE)
    assert result.text == result.text.strip()
    assert "\n\n\n" not in result.text
    assert all(p.strip() == p and p for p in paragraphs(result.text))


def test_empty_text():
    assert clean_article("") == CleanResult(text="", title=None, author=None, removed=[])


# ---------------------------------------------------------------- learned lines


def _outlet_articles(n: int, shared_quote: str) -> list[tuple[str, str]]:
    """n different articles of one outlet: own body, a shared quote inside the body, a fixed footer."""
    footer = ["Desert Wire covers the border every day.", "Border | Politics | Opinion | Weather", "Zone: Southwest"]
    out = []
    for i in range(n):
        body = [
            f"Story {i}: officials in county {i} reported {i * 7 + 3} seizures at the crossing this week.",
            f"The county sheriff, who asked that his department be named only as unit {i}, described the week.",
            shared_quote,
            f"Local residents in town {i} said they had noticed more trucks on the road since spring.",
        ]
        out.append(("desertwire", "\n\n".join(body + footer)))
    return out


QUOTE = "“We are not asking anyone for permission,” Marsh said."
UNQUOTED_SHARED = "The patrols begin next month."


def test_learn_repeated_footer_not_body_quote():
    articles = _outlet_articles(5, QUOTE)
    learned = learn_repeated_lines(articles)
    assert learned == {
        "desertwire": {
            "Desert Wire covers the border every day.",
            "Border | Politics | Opinion | Weather",
            "Zone: Southwest",
        }
    }


def test_shared_unquoted_body_sentence_not_learned():
    learned = learn_repeated_lines(_outlet_articles(5, UNQUOTED_SHARED))
    assert UNQUOTED_SHARED not in learned["desertwire"]


def test_learn_needs_min_articles_and_distinct_texts():
    articles = _outlet_articles(2, QUOTE)
    assert learn_repeated_lines(articles) == {}
    assert learn_repeated_lines(articles + articles) == {}  # the same texts again count once


def test_versions_of_one_article_do_not_teach_their_body():
    """Three updates of one story share everything but a last line: nothing is boilerplate."""
    base = ["Short lede about the patrols.", "Second short line of the story.", "A long paragraph " * 20]
    articles = [("wire", "\n\n".join(base + [f"Update {i}: more soon."])) for i in range(3)]
    assert learn_repeated_lines(articles) == {}


def test_learn_is_per_outlet():
    a = _outlet_articles(3, QUOTE)
    b = [("other", text) for _, text in _outlet_articles(2, QUOTE)]
    assert set(learn_repeated_lines(a + b)) == {"desertwire"}


def test_learn_is_order_independent():
    articles = _outlet_articles(6, QUOTE) + [("other", t) for _, t in _outlet_articles(4, UNQUOTED_SHARED)]
    expected = learn_repeated_lines(articles)
    for seed in range(5):
        shuffled = articles[:]
        random.Random(seed).shuffle(shuffled)
        assert learn_repeated_lines(shuffled) == expected


def test_min_share():
    articles = _outlet_articles(3, QUOTE) + [
        ("desertwire", f"Unrelated piece number {i} about water rights in the valley, with no footer at all.")
        for i in range(40)
    ]
    assert learn_repeated_lines(articles, min_share=0.1) == {}
    assert learn_repeated_lines(articles, min_share=0.0)


def test_remove_learned_lines():
    _, text = _outlet_articles(1, QUOTE)[0]
    lines = {"Zone: Southwest", "Desert Wire covers the border every day."}
    cleaned, removed = remove_learned_lines(text, lines)
    assert removed == [
        Removal("Desert Wire covers the border every day.", "repeated across outlet"),
        Removal("Zone: Southwest", "repeated across outlet"),
    ]
    assert QUOTE in cleaned and "Zone: Southwest" not in cleaned
    assert "\n\n\n" not in cleaned


# ---------------------------------------------------------------- the real seeds

SEED_HEADINGS = {
    "000": ["Controversial Peace Strategy", "A bold stance by Mexico's leader ignites widespread debate."],
    "002": ["Context & Background: A Shifting Alliance in the War on Drugs"],
    "003": ["The “Terrorist” Designation: A Legal and Political Minefield"],
    "004": ["Editor’s Note:", "Collaborative Efforts Show Tangible Results"],
}

SEED_NOISE = {
    "000": [
        ("Mexico President Rejects U.S. Pressure, Adopts 'Mexico First' Anti-Cartel Policy", "repeated headline"),
        ("by Nouman Rasool", "byline"),
        ("© Manuel Velasquez/Getty Images", "photo credit"),
    ],
    "001": [
        ("Mexican President Says Country Won’t Combat Cartels on Orders From U.S.", "repeated headline"),
        ("For more Cannabis News like this, circle back to!", "cross-promotion"),
        ("Region: Mexico", "tag line"),
        ("Disqus content widget", "widget"),
    ],
    "002": [
        (
            "Mexico Draws a Line in the Sand: U.S. Military Presence Deemed Unacceptable Amidst Cartel Fight",
            "repeated headline",
        ),
    ],
    "003": [],
}


def _seed_files() -> list[Path]:
    if not SEEDS.is_dir():
        pytest.skip(f"../shared/seeds not found at {SEEDS} (the shared data sits beside the repository)")
    return sorted(SEEDS.glob("*.txt"))


def _seed(prefix: str) -> str:
    for path in _seed_files():
        if path.name.startswith(prefix):
            return path.read_text(encoding="utf-8")
    pytest.skip(f"seed {prefix} missing")


def _is_seed_body(paragraph: str) -> bool:
    """Body by rule: longer than 150 characters, except a closing line that asks readers to comment."""
    return len(paragraph) > 150 and not re.search(r"in the comments below!$", paragraph)


@pytest.mark.shared
@pytest.mark.parametrize("with_title", [False, True])
def test_seed_body_survives(with_title):
    for path in _seed_files():
        raw = path.read_text(encoding="utf-8")
        title = raw.split("\n", 1)[0] if with_title else None
        result = clean_article(raw, title=title)
        kept = set(paragraphs(result.text))
        body = [p for p in paragraphs(normalize_paragraphs(raw)) if _is_seed_body(p)]
        body += SEED_HEADINGS.get(path.name[:3], [])
        assert body
        for para in body:
            assert para in kept, f"{path.name}: body paragraph lost: {para[:70]!r}"


@pytest.mark.shared
@pytest.mark.parametrize("prefix", sorted(SEED_NOISE))
def test_seed_noise_removed(prefix):
    raw = _seed(prefix)
    result = clean_article(raw, title=raw.split("\n", 1)[0])
    got = {(r.text, r.reason) for r in result.removed}
    for item in SEED_NOISE[prefix]:
        assert item in got
    for line, _ in SEED_NOISE[prefix]:
        if _ != "repeated headline":
            assert line not in result.text


@pytest.mark.shared
def test_seed_000_author():
    assert clean_article(_seed("000")).author == "Nouman Rasool"


@pytest.mark.shared
def test_seed_001_link_bar():
    result = clean_article(_seed("001"))
    bars = [r.text for r in result.removed if r.reason == "link bar"]
    assert len(bars) == 1 and re.match(r"420 Intel News\s\|\s420 Advertising", bars[0])


@pytest.mark.shared
def test_seed_002_headline_once_without_title():
    raw = _seed("002")
    headline = raw.split("\n", 1)[0]
    result = clean_article(raw)
    assert [r.reason for r in result.removed] == ["repeated headline"]
    assert paragraphs(result.text).count(headline) == 1


@pytest.mark.shared
def test_seed_003_comment_prompt():
    result = clean_article(_seed("003"))
    prompts = [r.text for r in result.removed if r.reason == "comment prompt"]
    assert len(prompts) == 1
    assert prompts[0].endswith("Share your thoughts in the comments below!")
    assert not re.search(r"comments below", result.text)


@pytest.mark.shared
def test_seed_004_nothing_removed():
    raw = _seed("004")
    result = clean_article(raw)
    assert result.removed == []


def _learned_from_texts(texts: set[str], min_articles: int = 3, min_share: float = 0.1) -> set[str]:
    """The outlet learner as it read whole texts before line profiles (`LineProfile`): the reference
    the profiles must reproduce."""
    from collections import Counter, defaultdict

    from dossier.corpus.clean import MAX_EDGE_BLOCK, _boilerplate_shape

    articles = [[p for p in t.split("\n\n") if p] for t in texts]
    needed = max(min_articles, min_share * len(articles))
    counts = Counter(p for paras in articles for p in set(paras))
    candidates = {p for p, n in counts.items() if n >= needed and _boilerplate_shape(p)}
    if not candidates:
        return set()
    bodies = defaultdict(set)
    for paras in articles:
        own = [p for p in paras if p not in candidates]
        if not own:
            continue
        body = max(own, key=lambda p: (len(p), p))
        for run in (paras, paras[::-1]):
            block = []
            for p in run:
                if p not in candidates:
                    break
                block.append(p)
            if len(block) <= MAX_EDGE_BLOCK and len(block) < len(paras):
                for p in block:
                    bodies[p].add(body)
    return {p for p, keys in bodies.items() if len(keys) >= needed}


def _random_outlet(rng: random.Random, n: int) -> list[str]:
    """n texts of one outlet drawn so that every branch of the learner is taken: footers and promos
    at either end in runs up to eight long, shared body lines, quoted and reported lines, texts all of
    footer lines, short texts, versions of one article, and own paragraphs as short as the footers
    (equal lengths, so the longest paragraph's tie is broken by its text)."""
    edges = ["Follow us on every platform.", "Subscribe for more.", "© The Valley Tribune", "Zone: Southwest",
             "Border | Politics | Opinion", "Read more at our site.", "Tips? Write to us.", "Photo: staff"]
    quoted = ["“We will not back down,” she said.", "He said the talks would resume.", "“No.”"]
    texts = []
    for _ in range(n):
        own = [" ".join(rng.choice(["water", "river", "trucks", "mayor", "vote", "gate"]) for _ in range(rng.randint(2, 40)))
               for _ in range(rng.randint(0, 4))]
        own += rng.sample(quoted, rng.randint(0, 2)) + rng.sample(["Zone: Northwest", "Subscribe for less."], rng.randint(0, 1))
        rng.shuffle(own)
        head = rng.sample(edges, rng.choice([0, 0, 1, 2, 7, 8]))
        tail = rng.sample(edges, rng.choice([0, 1, 2, 3, 6, 7]))
        texts.append("\n\n".join(head + own + tail))
    texts += [texts[0] + "\n\nUpdate: more soon."] * rng.randint(0, 2) + texts[:rng.randint(0, 3)]
    return texts


def test_line_profiles_learn_what_the_whole_texts_teach():
    """`learn_repeated_lines` (from each text's `LineProfile`) against the learner that read whole
    texts, on 300 random outlets of 1 to 60 articles: the same lines, with shares from 0 to 0.5."""
    from dossier.corpus.clean import LineProfile, learn_from_profiles, line_profile

    rng = random.Random(3)
    learned_any = 0
    for _ in range(300):
        texts = _random_outlet(rng, rng.randint(1, 60))
        share = rng.choice([0.0, 0.1, 0.25, 0.5])
        expected = _learned_from_texts(set(texts), 3, share)
        assert learn_repeated_lines([("o", t) for t in texts], 3, share).get("o", set()) == expected
        stored = [LineProfile.from_json(json.loads(json.dumps(line_profile(t).to_json()))) for t in texts]
        assert learn_from_profiles(stored, 3, share) == expected
        learned_any += bool(expected)
    assert 50 < learned_any < 300  # (both outcomes, many times)


@pytest.mark.skipif(not (SHARED / "data").is_dir(), reason=f"{SHARED}/data is absent (real evaluation data lives there)")
def test_line_profiles_learn_what_the_whole_texts_teach_on_real_bodies():
    """The real bodies of the Zyte and NAEB gold sets, dealt into outlets of 3 to 40 articles, some
    with a footer or a promo added at an end: the profiles learn what the whole texts teach."""
    items = []
    for name in ("article-extraction/ground-truth.json", "article-extraction-naeb/articles.json"):
        data = json.loads((SHARED / "data" / name).read_text(encoding="utf-8"))
        items += [item["articleBody"] for _, item in sorted(data.items()) if item.get("articleBody")]
    rng = random.Random(8)
    rng.shuffle(items)
    at, learned_any = 0, 0
    while at < len(items):
        size = rng.randint(3, 40)
        texts = items[at:at + size]
        at += size
        footer = rng.choice(["", "Read more from us every morning.", "© 2025 Example News. All rights reserved."])
        texts = [t + f"\n\n{footer}" if footer and rng.random() < 0.8 else t for t in texts]
        expected = _learned_from_texts(set(texts))
        assert learn_repeated_lines([("o", t) for t in texts]).get("o", set()) == expected
        learned_any += bool(expected)
    assert learned_any
