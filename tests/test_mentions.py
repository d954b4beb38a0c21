"""Actor mentions: KB names, unknown people, roles by date, pronouns and short forms."""

from __future__ import annotations

import json
from datetime import date

import pytest

from conftest import SAMPLE, SHARED, needs_shared
from dossier.analyze.mentions import find_mentions
from dossier.kb import load_kb
from dossier.link.actors import export_actors

AMLO = "cur:andres-manuel-lopez-obrador"

TEXT = ("Mexico's president said on Tuesday that the country would not accept foreign troops. "
        "Security analyst David Saucedo said the decision was expected. Saucedo added that the cartels were watching.\n\n"
        "Claudia Sheinbaum spoke later. She said the fox that crossed the road was not a metaphor.")


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def by_text(mentions):
    return {m.text: m for m in mentions}


def test_a_role_resolves_to_whoever_held_it_on_the_article_date(kb):
    before = by_text(find_mentions(TEXT, kb, on=date(2024, 3, 15)))["Mexico's president"]
    after = by_text(find_mentions(TEXT, kb, on=date(2025, 2, 10)))["Mexico's president"]
    assert before.actor == AMLO and before.via == "role"
    assert after.name == "Claudia Sheinbaum Pardo"


def test_handover_day_gives_one_president(kb):
    last_day = by_text(find_mentions("Mexico's president spoke.", kb, on=date(2024, 9, 30)))["Mexico's president"]
    first_day = by_text(find_mentions("Mexico's president spoke.", kb, on=date(2024, 10, 1)))["Mexico's president"]
    assert last_day.actor == AMLO
    assert first_day.name == "Claudia Sheinbaum Pardo"


def test_undated_role_stays_unresolved_unless_the_article_names_the_holder(kb):
    alone = by_text(find_mentions("Mexico's president spoke.", kb))["Mexico's president"]
    assert alone.actor is None
    named = by_text(find_mentions("Mexico's president spoke. Andrés Manuel López Obrador then left.", kb))
    assert named["Mexico's president"].actor == AMLO and named["Mexico's president"].via == "article"


def test_unknown_person_becomes_one_local_actor(kb):
    mentions = find_mentions(TEXT, kb, on=date(2024, 3, 15))
    saucedo = [m for m in mentions if "Saucedo" in m.text]
    assert [m.text for m in saucedo] == ["David Saucedo", "Saucedo"]
    assert {m.actor for m in saucedo} == {"local:david-saucedo"}


def test_pronoun_takes_a_compatible_antecedent_and_words_are_not_names(kb):
    mentions = by_text(find_mentions(TEXT, kb, on=date(2025, 2, 10)))
    assert mentions["She"].name == "Claudia Sheinbaum Pardo" and mentions["She"].via == "antecedent"
    assert "fox" not in mentions  # the alias "Fox" (Vicente Fox) is a name only when capitalised


def test_accents_and_case_do_not_hide_a_name(kb):
    mentions = find_mentions("Andres Manuel Lopez Obrador and LÓPEZ OBRADOR both appear here.", kb)
    assert [m.actor for m in mentions if m.kind == "person"] == [AMLO, AMLO]


def test_role_before_a_name_is_that_person(kb):
    mentions = by_text(find_mentions("U.S. Secretary of State Marco Rubio spoke.", kb, on=date(2024, 3, 15)))
    assert mentions["U.S. Secretary of State"].actor == mentions["Marco Rubio"].actor == "cur:marco-rubio"


def test_spanish_feminine_role_does_not_take_a_male_antecedent(kb):
    text = "Sheinbaum habló con Donald Trump por teléfono. La mandataria dijo que la llamada fue cordial."
    mentions = by_text(find_mentions(text, kb, on=date(2025, 2, 10)))
    assert mentions["La mandataria"].name == "Claudia Sheinbaum Pardo"


def test_exported_actors_carry_dated_roles_and_local_people(kb):
    actors = {a["id"]: a for a in export_actors(find_mentions(TEXT, kb, on=date(2024, 3, 15)), kb)}
    amlo = actors[AMLO]
    presidency = next(r for r in amlo["roles"] if r["title"] == "President" and r["of"] == "Mexico")
    assert (presidency["start"], presidency["end"]) == ("2018-12-01", "2024-09-30") and presidency["source"]
    assert actors["local:david-saucedo"]["name"] == "David Saucedo"
    assert actors["local:david-saucedo"]["kind"] == "person"


@needs_shared
def test_seed_articles_name_both_presidents(kb):
    found = set()
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        found |= {m.actor for m in find_mentions(path.read_text(encoding="utf-8"), kb)}
    assert AMLO in found and "wd:Q5771800" in found  # López Obrador and Sheinbaum
    assert "local:david-saucedo" in found


def test_sample_gold_actors_are_known_or_found(kb):
    gold = json.loads((SAMPLE / "gold.json").read_text(encoding="utf-8"))
    for actor in gold["actors"]:
        if actor.get("fictional"):
            continue
        assert kb.find(actor["name"]) or any(kb.find(alias) for alias in actor["aliases"]), actor["name"]


def test_an_unknown_organisation_is_not_a_person(kb):
    text = "The Harbour Works Authority said the cranes were repaired. Mayor Tomas Vidal said they were safe."
    mentions = {m.text: m for m in find_mentions(text, kb)}
    assert mentions["Harbour Works Authority"].kind == "organization"
    assert mentions["Harbour Works Authority"].actor == "local:harbour-works-authority"
    assert mentions["Tomas Vidal"].kind == "person"
    actors = {a["id"]: a for a in export_actors(list(mentions.values()), kb)}
    assert actors["local:harbour-works-authority"]["kind"] == "organization"


def test_a_quote_with_no_speaker_in_its_sentence_takes_the_person_named_before(kb):
    from dossier.analyze.record import analyze_text

    text = ("La presidenta Claudia Sheinbaum habló en la conferencia matutina del martes.\n\n"
            "«Con México, colaboración y coordinación, nunca subordinación», puntualizó.")
    record = analyze_text(text, on=date(2025, 2, 11), latest=None, lang="es", kb=kb)
    (quote,) = record["quotes"]
    assert quote["speaker"] == "wd:Q5771800" and quote["speaker_inferred"] is True
    assert text[quote["speaker_start"]:quote["speaker_end"]] == "Claudia Sheinbaum"


def test_pronoun_prefers_the_speaker_to_a_person_named_as_object_or_in_a_quote(kb):
    from dossier.analyze.record import analyze_text

    text = ("Andrés Manuel López Obrador said he would call Donald Trump on Monday.\n\n"
            "\"We do not agree with Trump on that. War is the worst thing there is,\" he told a news conference.")
    record = analyze_text(text, on=date(2019, 11, 5), latest=None, lang="en", kb=kb)
    (quote,) = [q for q in record["quotes"] if q["kind"] == "direct"]
    assert text[quote["speaker_start"]:quote["speaker_end"]] == "he"
    assert quote["speaker"] == AMLO
