"""Actor mentions: KB names, unknown people, roles by date, pronouns and short forms.

The articles here are short texts we wrote ourselves; the last tests run over the real
seed articles (skipped without ../shared/seeds) and the bundled synthetic sample corpus.
"""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

from conftest import SAMPLE, SHARED
from dossier.analyze.mentions import find_mentions
from dossier.kb import load_kb
from dossier.kb.model import norm
from dossier.link.actors import export_actors

AMLO = "cur:andres-manuel-lopez-obrador"
SHEINBAUM = "wd:Q5771800"
TRUMP = "cur:donald-trump"
SEEDS = SHARED / "seeds"

TEXT = ("Mexico's president said on Tuesday that the country would not accept foreign troops. "
        "Security analyst David Saucedo said the decision was expected. "
        "Saucedo added that the cartels were watching.\n\n"
        "Claudia Sheinbaum spoke later. She said the fox that crossed the road was not a metaphor.")


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def by_text(mentions):
    return {m.text: m for m in mentions}


def assert_well_formed(text, mentions):
    """Every mention is its own span of the text, sorted, and none overlaps another."""
    for m in mentions:
        assert 0 <= m.start < m.end <= len(text) and text[m.start:m.end] == m.text, m
    for a, b in zip(mentions, mentions[1:]):
        assert a.end <= b.start, (a, b)


# ----------------------------------------------------------------------------- roles by date
def test_a_role_resolves_to_whoever_held_it_on_the_article_date(kb):
    before = by_text(find_mentions(TEXT, kb, on=date(2024, 3, 15)))["Mexico's president"]
    after = by_text(find_mentions(TEXT, kb, on=date(2025, 2, 10)))["Mexico's president"]
    assert before.actor == AMLO and before.via == "role"
    assert after.actor == SHEINBAUM and after.name == "Claudia Sheinbaum Pardo"


def test_handover_day_gives_one_president(kb):
    last_day = by_text(find_mentions("Mexico's president spoke.", kb, on=date(2024, 9, 30)))["Mexico's president"]
    first_day = by_text(find_mentions("Mexico's president spoke.", kb, on=date(2024, 10, 1)))["Mexico's president"]
    assert last_day.actor == AMLO
    assert first_day.name == "Claudia Sheinbaum Pardo"


@pytest.mark.parametrize("phrase, on, expected", [
    ("the Mexican president", date(2024, 3, 15), AMLO),
    ("The Mexican leader", date(2025, 2, 10), SHEINBAUM),
    ("President of Mexico", date(2020, 6, 1), AMLO),
    ("la presidenta de México", date(2025, 2, 10), SHEINBAUM),
    ("El presidente de Estados Unidos", date(2025, 2, 10), TRUMP),
    ("U.S. Secretary of State", date(2024, 3, 15), "cur:antony-blinken"),
    ("U.S. Secretary of State", date(2025, 3, 1), "cur:marco-rubio"),
    ("the U.S. ambassador", date(2022, 7, 1), "cur:ken-salazar"),
    ("the U.S. ambassador", date(2025, 7, 1), "cur:ronald-johnson"),
    ("Mexico's foreign minister", date(2022, 7, 1), "cur:marcelo-ebrard"),
])
def test_role_phrases_in_english_and_spanish(kb, phrase, on, expected):
    (mention,) = find_mentions(f"Reporters waited for {phrase} on the steps.", kb, on=on)
    assert (mention.text, mention.kind, mention.actor, mention.via) == (phrase, "role", expected, "role")


def test_undated_role_stays_unresolved_unless_the_article_names_the_holder(kb):
    alone = by_text(find_mentions("Mexico's president spoke.", kb))["Mexico's president"]
    assert alone.actor is None
    named = by_text(find_mentions("Mexico's president spoke. Andrés Manuel López Obrador then left.", kb))
    assert named["Mexico's president"].actor == AMLO and named["Mexico's president"].via == "article"


def test_with_only_a_latest_date_a_role_resolves_when_the_holder_did_not_change(kb):
    text = "Mexico's president spoke about security."
    # crawled seven weeks after the handover: the article may be from either term
    assert find_mentions(text, kb, latest=date(2024, 11, 20))[0].actor is None
    # crawled months into the new term: one holder over the plausible window
    resolved = find_mentions(text, kb, latest=date(2025, 3, 1))[0]
    assert (resolved.actor, resolved.via) == (SHEINBAUM, "role")
    # ... unless the article itself names another holder of the office (an old article crawled late)
    old = by_text(find_mentions(text + " López Obrador said no.", kb, latest=date(2025, 3, 1)))
    assert (old["Mexico's president"].actor, old["Mexico's president"].via) == (AMLO, "article")


def test_role_before_or_after_a_name_is_that_person(kb):
    mentions = by_text(find_mentions("U.S. Secretary of State Marco Rubio spoke.", kb, on=date(2024, 3, 15)))
    assert mentions["U.S. Secretary of State"].actor == mentions["Marco Rubio"].actor == "cur:marco-rubio"
    assert mentions["U.S. Secretary of State"].via == "apposition"
    after = by_text(find_mentions("She called Donald Trump, the U.S. president, on Monday.", kb, on=date(2025, 2, 10)))
    assert (after["the U.S. president"].actor, after["the U.S. president"].via) == (TRUMP, "apposition")


def test_a_rewrite_that_names_the_wrong_president_keeps_the_articles_referent(kb):
    # dated before Sheinbaum took office: the title is checked against the date elsewhere;
    # here "the president" means whom the article calls president
    text = ("Mexican President Claudia Sheinbaum said on Friday that Mexico would not fight cartels for anyone.\n\n"
            "The president has long defended a policy of patience.")
    mentions = by_text(find_mentions(text, kb, on=date(2024, 3, 16)))
    assert (mentions["Mexican President"].actor, mentions["Mexican President"].via) == (SHEINBAUM, "apposition")
    assert (mentions["The president"].actor, mentions["The president"].via) == (SHEINBAUM, "antecedent")


def test_bare_president_takes_the_articles_main_country_and_a_compatible_gender(kb):
    text = "Mexico rejected the plan on Monday. The president said the country is sovereign. Mexico will talk."
    president = by_text(find_mentions(text, kb, on=date(2025, 2, 10)))["The president"]
    assert (president.actor, president.via) == (SHEINBAUM, "role")
    # most mentions are of the United States, but "la mandataria" is a woman: Mexico's president
    spanish = ("«No habrá intervención», afirmó la mandataria en su conferencia. Estados Unidos insiste; "
               "Estados Unidos presiona, dijo. México respondió.")
    mandataria = by_text(find_mentions(spanish, kb, on=date(2025, 2, 10)))["la mandataria"]
    assert mandataria.actor == SHEINBAUM


def test_spanish_feminine_role_does_not_take_a_male_antecedent(kb):
    text = "Sheinbaum habló con Donald Trump por teléfono. La mandataria dijo que la llamada fue cordial."
    mentions = by_text(find_mentions(text, kb, on=date(2025, 2, 10)))
    assert mentions["La mandataria"].name == "Claudia Sheinbaum Pardo"


# ----------------------------------------------------------------------------- names
def test_accents_and_case_do_not_hide_a_name(kb):
    mentions = find_mentions("Andres Manuel Lopez Obrador and LÓPEZ OBRADOR both appear here.", kb)
    assert [m.actor for m in mentions if m.kind == "person"] == [AMLO, AMLO]


def test_the_longest_alias_wins(kb):
    (mention,) = find_mentions("Andrés Manuel López Obrador took office in 2018.", kb)
    assert mention.text == "Andrés Manuel López Obrador" and mention.actor == AMLO


def test_short_aliases_match_only_as_written(kb):
    text = "AMLO said US troops would not come, and the U.S. agreed. Give us time, amlo fans said."
    mentions = find_mentions(text, kb)
    assert [(m.text, m.actor) for m in mentions] == [
        ("AMLO", AMLO), ("US", "cur:united-states"), ("U.S.", "cur:united-states")]


def test_a_common_word_is_not_a_name(kb):
    mentions = by_text(find_mentions(TEXT, kb, on=date(2025, 2, 10)))
    assert "fox" not in mentions  # the alias "Fox" (Vicente Fox) is a name only when capitalised
    opening = "Fox hunting is banned here. A fox crossed the road."
    assert find_mentions(opening, kb) == []  # a capital that opens a sentence is no evidence of a name
    named = by_text(find_mentions("Vicente Fox spoke first. Fox said the fox had gone.", kb))
    assert named["Fox"].actor == "cur:vicente-fox-quesada" and "fox" not in named


def test_an_article_names_its_own_johnson(kb):
    text = "U.S. Ambassador Ronald Johnson visited the border. Johnson said seizures had fallen."
    mentions = by_text(find_mentions(text, kb))
    assert mentions["Johnson"].actor == "cur:ronald-johnson"  # not the KB's other Johnson (Boris)


# ----------------------------------------------------------------------------- unknown people
def test_unknown_person_becomes_one_local_actor(kb):
    mentions = find_mentions(TEXT, kb, on=date(2024, 3, 15))
    saucedo = [m for m in mentions if "Saucedo" in m.text]
    assert [m.text for m in saucedo] == ["David Saucedo", "Saucedo"]
    assert {m.actor for m in saucedo} == {"local:david-saucedo"}
    role = by_text(mentions)["Security analyst"]
    assert (role.kind, role.actor, role.via) == ("role", "local:david-saucedo", "apposition")


@pytest.mark.parametrize("text, name, actor", [
    ("Senator Jane Roe said the bill was dead.", "Jane Roe", "local:jane-roe"),
    ("Reporters asked Mr. Smith about it.", "Smith", "local:smith"),
    ("Gen. Glen Harwood told reporters the patrols would continue.", "Glen Harwood", "local:glen-harwood"),
    ("Maria Lopez said the market reopened.", "Maria Lopez", "local:maria-lopez"),
    ("Mayor Tomas Vidal urged calm.", "Tomas Vidal", "local:tomas-vidal"),
    ("\u201cWe are ready,\u201d said a cousin of the victims, Kenny Aldana, on Tuesday.", "Kenny Aldana",
     "local:kenny-aldana"),
    ("Then Rosa Medina said the vote was close.", "Rosa Medina", "local:rosa-medina"),
])
def test_unknown_people_by_title_or_reporting_verb(kb, text, name, actor):
    people = [m for m in find_mentions(text, kb) if m.kind == "person"]
    assert [(m.text, m.actor, m.via) for m in people] == [(name, actor, "pattern")]


def test_a_title_case_headline_is_not_a_person(kb):
    text = "Mexican President Says Country Won't Combat Cartels\n\nThe story follows."
    assert [m.kind for m in find_mentions(text, kb)] == ["role"]


def test_an_unknown_organisation_is_not_a_person(kb):
    text = "The Harbour Works Authority said the cranes were repaired. Mayor Tomas Vidal said they were safe."
    mentions = {m.text: m for m in find_mentions(text, kb)}
    assert mentions["Harbour Works Authority"].kind == "organization"
    assert mentions["Harbour Works Authority"].actor == "local:harbour-works-authority"
    assert mentions["Tomas Vidal"].kind == "person"
    actors = {a["id"]: a for a in export_actors(list(mentions.values()), kb)}
    assert actors["local:harbour-works-authority"]["kind"] == "organization"


# ----------------------------------------------------------------------------- pronouns
def test_pronoun_takes_a_compatible_antecedent(kb):
    mentions = by_text(find_mentions(TEXT, kb, on=date(2025, 2, 10)))
    assert mentions["She"].name == "Claudia Sheinbaum Pardo" and mentions["She"].via == "antecedent"
    text = "Claudia Sheinbaum met Donald Trump. He said it went well. She agreed."
    mentions = by_text(find_mentions(text, kb, on=date(2025, 2, 10)))
    assert mentions["He"].actor == TRUMP and mentions["She"].actor == SHEINBAUM
    # no woman named before: "she" stays unresolved rather than taking a man
    (she,) = [m for m in find_mentions("Donald Trump spoke. She said nothing.", kb) if m.kind == "pronoun"]
    assert she.actor is None


def test_spanish_he_is_not_a_pronoun(kb):
    text = "Claudia Sheinbaum habló con Donald Trump. «Le he dicho que no», afirmó. Él insistió."
    pronouns = [m for m in find_mentions(text, kb, on=date(2025, 2, 10)) if m.kind == "pronoun"]
    assert [m.text for m in pronouns] == ["Él"]


def test_a_pronoun_keeps_the_speaker_of_a_chain(kb):
    text = ("Andrés Manuel López Obrador is angry at the proposal.\n\n"
            "He said requests for President Biden to send troops were an affront.\n\n"
            "\u201cWe will not allow it,\u201d he said on Thursday.")
    pronouns = [m for m in find_mentions(text, kb, on=date(2023, 3, 10)) if m.kind == "pronoun"]
    assert [m.actor for m in pronouns] == [AMLO, AMLO]


def test_an_attributive_name_is_no_antecedent(kb):
    text = ("Claudia Sheinbaum said cooperation with the Trump administration was working. "
            "The president added that sovereignty came first.")
    president = by_text(find_mentions(text, kb, on=date(2025, 2, 10)))["The president"]
    assert president.actor == SHEINBAUM


def test_a_quote_with_no_speaker_in_its_sentence_takes_the_person_named_before(kb):
    from dossier.analyze.record import analyze_text

    text = ("La presidenta Claudia Sheinbaum habló en la conferencia matutina del martes.\n\n"
            "«Con México, colaboración y coordinación, nunca subordinación», puntualizó.")
    record = analyze_text(text, on=date(2025, 2, 11), latest=None, lang="es", kb=kb)
    (quote,) = record["quotes"]
    assert quote["speaker"] == SHEINBAUM and quote["speaker_inferred"] is True
    assert text[quote["speaker_start"]:quote["speaker_end"]] == "Claudia Sheinbaum"


def test_pronoun_prefers_the_speaker_to_a_person_named_as_object_or_in_a_quote(kb):
    from dossier.analyze.record import analyze_text

    text = ("Andrés Manuel López Obrador said he would call Donald Trump on Monday.\n\n"
            "\"We do not agree with Trump on that. War is the worst thing there is,\" he told a news conference.")
    record = analyze_text(text, on=date(2019, 11, 5), latest=None, lang="en", kb=kb)
    (quote,) = [q for q in record["quotes"] if q["kind"] == "direct"]
    assert text[quote["speaker_start"]:quote["speaker_end"]] == "he"
    assert quote["speaker"] == AMLO


# ----------------------------------------------------------------------------- shape
def test_mentions_are_sorted_spans_that_never_overlap(kb):
    texts = [TEXT, "U.S. Ambassador to Mexico Ronald Johnson said the US Secretary of State agreed.",
             "Dana Ortiz, a spokeswoman for the Harbour Works Authority, said Mr. Ortiz was away."]
    for text in texts:
        assert_well_formed(text, find_mentions(text, kb, on=date(2025, 7, 1)))


def test_hostile_text_is_handled_quickly(kb):
    texts = ["Word " * 40_000, "Ab" * 100_000, ("Security analyst " + "Capitalised " * 30 + "said. ") * 500,
             ", president of the union" * 5_000, "\u201c" * 50_000, "Fox. " * 20_000, "Mr. " * 20_000,
             "Donald Trump said so. " + "He said so. " * 10_000,
             "Maria Lopez spoke. " * 2_000 + "The president left. " * 2_000]
    started = time.perf_counter()
    for text in texts:
        assert_well_formed(text, find_mentions(text, kb))
    assert time.perf_counter() - started < 10


# ----------------------------------------------------------------------------- export
def test_exported_actors_carry_dated_roles_and_local_people(kb):
    actors = {a["id"]: a for a in export_actors(find_mentions(TEXT, kb, on=date(2024, 3, 15)), kb)}
    assert list(actors) == sorted(actors)
    amlo = actors[AMLO]
    presidency = next(r for r in amlo["roles"] if r["title"] == "President" and r["of"] == "Mexico")
    assert (presidency["start"], presidency["end"]) == ("2018-12-01", "2024-09-30") and presidency["source"]
    saucedo = actors["local:david-saucedo"]
    assert (saucedo["name"], saucedo["kind"], saucedo["aliases"]) == ("David Saucedo", "person", ["Saucedo"])
    roles = [(r["title"], r["of"], r["start"], r["end"]) for r in saucedo["roles"]]
    assert roles == [("Security analyst", None, None, None)]


def test_exported_local_roles_come_from_appositions(kb):
    text = ("Dana Ortiz, president of the Harbour Pilots Association, said the strike would go on. "
            "Ortiz added that talks resume Monday.")
    mentions = find_mentions(text, kb)
    role = by_text(mentions)["president of the Harbour Pilots Association"]
    assert (role.kind, role.actor, role.via) == ("role", "local:dana-ortiz", "apposition")
    (ortiz,) = [a for a in export_actors(mentions, kb) if a["id"] == "local:dana-ortiz"]
    assert ortiz["aliases"] == ["Ortiz"]
    assert [r["title"] for r in ortiz["roles"]] == ["President of the Harbour Pilots Association"]


# ----------------------------------------------------------------------------- real seeds and the sample
@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"{SEEDS} is absent (the real seed articles live there)")
def test_seed_articles_name_both_presidents(kb):
    found = set()
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        mentions = find_mentions(text, kb)  # the seeds carry no dates
        assert_well_formed(text, mentions)
        found |= {m.actor for m in mentions}
        for m in mentions:  # every name of the two presidents resolves to its KB id
            if m.kind == "person" and ("Obrador" in m.text or "Sheinbaum" in m.text):
                assert m.actor == (AMLO if "Obrador" in m.text else SHEINBAUM), m
    assert {AMLO, SHEINBAUM, TRUMP, "cur:marco-rubio", "cur:ronald-johnson"} <= found
    assert "local:david-saucedo" in found


@pytest.fixture(scope="module")
def sample_articles(tmp_path_factory):
    from dossier.build import build
    from dossier.report.document import build_document
    from dossier.store.db import connect

    conn = connect(tmp_path_factory.mktemp("mentions") / "sample.db")
    build([str(SAMPLE)], conn)
    articles = build_document(conn)["articles"]
    conn.close()
    return [(a["text"], date.fromisoformat(a["published"]) if a["published"] else None) for a in articles]


def _slug(name):
    return "-".join("".join(c if c.isalnum() else " " for c in norm(name)).split())


def test_sample_gold_actors_are_found_with_their_roles(kb, sample_articles):
    gold = json.loads((SAMPLE / "gold.json").read_text(encoding="utf-8"))
    mentions = [m for text, on in sample_articles for m in find_mentions(text, kb, on=on)]
    exported = {a["id"]: a for a in export_actors(mentions, kb)}
    for actor in gold["actors"]:
        if "not mentioned" in actor.get("note", ""):
            continue
        if actor.get("fictional"):  # a corpus-local person, with the article's descriptor as a role
            entry = exported[f"local:{_slug(actor['name'])}"]
            assert entry["kind"] == "person" and entry["roles"], actor["name"]
            gold_words = {norm(w) for r in actor["roles"] for w in r["title"].replace(",", " ").split()}
            assert any(gold_words & {norm(w) for w in r["title"].split()} for r in entry["roles"]), entry
            continue
        (kb_actor,) = kb.find(actor["name"])
        entry = exported[kb_actor.id]
        for role in actor["roles"]:  # "President of Mexico", "U.S. Secretary of State", ...
            matching = [r for r in entry["roles"] if r["start"] and r["start"].startswith(role["start"])
                        and norm(r["title"]) in norm(role["title"])]
            assert matching, (actor["name"], role)
