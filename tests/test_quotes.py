"""The rule-based quotation extractor on text we wrote, on the real seed articles and on
the bundled sample corpus. Every expected span is checked as `text[start:end]`."""

from __future__ import annotations

import json
import re
import time

import pytest

from conftest import SAMPLE, SHARED
from dossier.analyze.quotes import extract_quotes, quoted_regions, source_span


def content(text, q):
    return text[q.start:q.end]


def speaker(text, q):
    return text[q.speaker_start:q.speaker_end] if q.speaker_start is not None else None


def cue(text, q):
    return text[q.cue_start:q.cue_end] if q.cue_start is not None else None


def only(quotes, kind):
    return [q for q in quotes if q.kind == kind]


def find(text, quotes, words):
    return next(q for q in quotes if content(text, q) == words)


# --- direct quotes --------------------------------------------------------------------------

@pytest.mark.parametrize("opening, closing", [('"', '"'), ("“", "”"), ("«", "»"), ("„", "“"), ("''", "''"), ("``", "''")])
def test_direct_quote_in_every_quotation_mark_style(opening, closing):
    text = f"{opening}The depot will stay closed until the inspectors finish,{closing} the mayor said on Monday."
    (q,) = extract_quotes(text)
    assert q.kind == "direct"
    assert content(text, q) == "The depot will stay closed until the inspectors finish"
    assert speaker(text, q) == "the mayor" and cue(text, q) == "said" and q.cue == "said"


def test_attribution_ends_the_sentence():
    text = "“We are not going to act as policemen for any foreign government,” López Obrador said."
    (q,) = extract_quotes(text)
    assert content(text, q) == "We are not going to act as policemen for any foreign government"
    assert speaker(text, q) == "López Obrador" and q.cue == "said"


def test_inverted_attribution_with_a_role_before_the_name():
    text = "“The cartels will adapt within weeks,” said security analyst David Saucedo."
    (q,) = extract_quotes(text)
    assert speaker(text, q) == "security analyst David Saucedo" and q.cue == "said"


def test_attribution_starts_the_sentence_and_the_colon_is_part_of_the_cue():
    text = "López Obrador said: “We are not going to act as policemen for any foreign government.”"
    (q,) = extract_quotes(text)
    assert content(text, q) == "We are not going to act as policemen for any foreign government."
    assert speaker(text, q) == "López Obrador"
    assert q.cue == "said:" and (q.cue_start, q.cue_end) == (14, 19)  # PolNeAR keeps the colon in the cue


def test_listener_is_not_part_of_the_cue():
    text = "Port director Ana Ruiz told reporters: “We have never seen a season like this one.”"
    (q,) = extract_quotes(text)
    assert content(text, q) == "We have never seen a season like this one."
    assert speaker(text, q) == "Port director Ana Ruiz" and q.cue == "told"


def test_quote_interrupted_by_its_attribution_is_one_quote():
    text = '"We will," she said, "keep talking until there is a deal."'
    (q,) = extract_quotes(text)
    assert q.kind == "direct" and q.parts is not None
    assert [text[s:e] for s, e in q.parts] == ["We will", "keep talking until there is a deal."]
    # one span from the first word of the first part to the last word of the last part
    assert content(text, q) == 'We will," she said, "keep talking until there is a deal.'
    assert speaker(text, q) == "she" and q.cue == "said"


def test_next_sentence_quote_continues_the_speaker_and_cue():
    text = "“We will keep talking,” she said. “Nobody wants a strike in December.”"
    first, second = extract_quotes(text)
    assert content(text, second) == "Nobody wants a strike in December."
    assert speaker(text, second) == "she"
    assert (second.cue_start, second.cue_end) == (first.cue_start, first.cue_end)  # one attribution, as PolNeAR ties it


def test_quote_running_over_paragraphs_is_one_quote():
    text = ("“The first thing we did was count the trucks,” said inspector Tomas Vidal. “Then we counted them again.\n\n"
            "“Nobody believed the numbers the first time, and nobody believes them now.”")
    first, second = only(extract_quotes(text), "direct")
    assert speaker(text, first) == "inspector Tomas Vidal"
    assert second.parts is not None and [text[s:e] for s, e in second.parts] == [
        "Then we counted them again.", "Nobody believed the numbers the first time, and nobody believes them now."]
    assert content(text, second).startswith("Then we counted") and content(text, second).endswith("believes them now.")
    assert speaker(text, second) == "inspector Tomas Vidal"


def test_line_break_inside_a_quote_keeps_one_quote():
    text = ("“When you see the trucks lined up for three days because\n"
            "of a strike nobody wanted,” said a cousin of the drivers, Rosa Medina, “you know something broke.”")
    (q,) = extract_quotes(text)
    assert [text[s:e] for s, e in q.parts] == [
        "When you see the trucks lined up for three days because", "of a strike nobody wanted", "you know something broke."]
    assert speaker(text, q) == "a cousin of the drivers, Rosa Medina" and q.cue == "said"


def test_standalone_quote_paragraph_continues_the_speaker():
    text = ("“We are not leaving,” union leader Marta Solis said.\n\n"
            "“If they want the harbour open, they know where to find us.”")
    first, second = only(extract_quotes(text), "direct")
    assert speaker(text, first) == "union leader Marta Solis"
    assert (second.speaker_start, second.speaker_end) == (first.speaker_start, first.speaker_end)


def test_quote_paragraph_with_its_own_attribution_does_not_continue():
    text = ("“The border is closed,” the minister declared.\n\n"
            "“It will reopen tomorrow,” an irritated governor retorted.")
    first, second = only(extract_quotes(text), "direct")
    assert speaker(text, first) == "the minister"
    assert second.speaker_start is None or speaker(text, second) != "the minister"


def test_quote_takes_the_speaker_named_in_the_previous_sentence():
    text = "López Obrador was blunt on Tuesday. “We are not going to act as policemen for any foreign government.”"
    (q,) = extract_quotes(text)
    assert speaker(text, q) == "López Obrador" and q.cue is None


def test_quote_takes_the_speaker_of_the_next_statement_in_its_paragraph():
    text = "“Nothing is decided yet.” Hours later, the minister said talks would resume."
    quotes = extract_quotes(text)
    direct = only(quotes, "direct")[0]
    assert speaker(text, direct) == "the minister" and direct.cue is None


def test_nested_single_quote_is_its_own_quote_with_its_own_speaker():
    text = "“He told me ‘we will never pay for that bridge,’ and I believed him,” the engineer said."
    quotes = extract_quotes(text)
    outer = find(text, quotes, "He told me ‘we will never pay for that bridge,’ and I believed him")
    inner = find(text, quotes, "we will never pay for that bridge")
    assert outer.kind == "direct" and speaker(text, outer) == "the engineer"
    assert inner.kind == "direct" and speaker(text, inner) == "He" and inner.cue == "told"


def test_spanish_nested_quotes_inside_guillemets():
    text = "«El secretario me dijo “no habrá tropas en territorio mexicano” y le creí», afirmó la presidenta."
    quotes = extract_quotes(text)
    outer = find(text, quotes, "El secretario me dijo “no habrá tropas en territorio mexicano” y le creí")
    inner = find(text, quotes, "no habrá tropas en territorio mexicano")
    assert speaker(text, outer) == "la presidenta" and outer.cue == "afirmó"
    assert speaker(text, inner) == "El secretario" and inner.cue == "dijo"


def test_spanish_cue_without_subject_keeps_the_cue():
    text = "«Con México, colaboración y coordinación, nunca subordinación», puntualizó."
    (q,) = extract_quotes(text)
    assert q.kind == "direct" and q.cue == "puntualizó" and q.speaker_start is None


def test_mixed_quotation_marks_close_a_quote():
    text = '“This transfer shows what two governments can do," Ambassador Ana Ruiz said in a statement.'
    (q,) = extract_quotes(text)
    assert content(text, q) == "This transfer shows what two governments can do"
    assert speaker(text, q) == "Ambassador Ana Ruiz"


def test_participle_attribution_gives_the_sentence_subject():
    text = 'Transport Secretary Luis Brennan defended the fare rise, saying, "Nobody likes paying more for the same bus."'
    (q,) = extract_quotes(text)
    assert speaker(text, q) == "Transport Secretary Luis Brennan" and q.cue == "saying"


# --- fragments ---------------------------------------------------------------------------------

def test_slogans_partial_quotes_and_titles_are_fragments():
    text = ('The governor defended his "roads before bridges" plan on Tuesday. Critics called it "a mistake". '
            'He later appeared on "Meet the Press" to defend the "so-called" savings.')
    quotes = extract_quotes(text)
    assert {content(text, q) for q in only(quotes, "fragment")} == {
        "roads before bridges", "a mistake", "Meet the Press", "so-called"}
    assert not only(quotes, "direct")
    mistake = find(text, quotes, "a mistake")
    assert speaker(text, mistake) == "Critics" and mistake.cue == "called"


def test_fragment_takes_the_speaker_who_calls_it_so():
    text = 'The mayor has long defended what she calls a "slow but sure" approach to the harbour.'
    (q,) = extract_quotes(text)
    assert q.kind == "fragment" and speaker(text, q) == "she" and q.cue == "calls"


def test_quoted_phrase_inside_a_reported_clause():
    text = 'The senator said the plan was "a gift to smugglers" and would not pass.'
    quotes = extract_quotes(text)
    clause = only(quotes, "indirect")[0]
    assert content(text, clause) == 'the plan was "a gift to smugglers" and would not pass'
    fragment = only(quotes, "fragment")[0]
    assert content(text, fragment) == "a gift to smugglers" and speaker(text, fragment) == "The senator"


def test_clause_ending_in_a_partial_quote_before_the_attribution():
    text = 'The new route is "safer and cheaper for everyone," the port director said.'
    quotes = extract_quotes(text)
    clause = only(quotes, "indirect")[0]
    assert content(text, clause) == 'The new route is "safer and cheaper for everyone'
    assert speaker(text, clause) == "the port director" and clause.cue == "said"
    assert content(text, only(quotes, "fragment")[0]) == "safer and cheaper for everyone"


# --- indirect speech ---------------------------------------------------------------------------

def test_indirect_speech_said_that():
    text = "The governor said that the budget would be cut by a tenth next year."
    (q,) = extract_quotes(text)
    assert q.kind == "indirect"
    assert content(text, q) == "that the budget would be cut by a tenth next year"
    assert speaker(text, q) == "The governor" and q.cue == "said"


def test_indirect_speech_without_that_and_a_role_phrase():
    text = "Security analyst David Saucedo said the cartels would adapt within weeks."
    (q,) = extract_quotes(text)
    assert content(text, q) == "the cartels would adapt within weeks"
    assert speaker(text, q) == "Security analyst David Saucedo"


def test_told_reporters_that():
    text = "Mexico's president Claudia Sheinbaum told reporters on Tuesday that cooperation would continue."
    (q,) = extract_quotes(text)
    assert content(text, q) == "that cooperation would continue"
    assert speaker(text, q) == "Mexico's president Claudia Sheinbaum" and q.cue == "told"


@pytest.mark.parametrize("verb", ["warned", "argued", "insisted", "has repeatedly said", "did not deny"])
def test_verbs_that_introduce_a_that_clause(verb):
    text = f"Officials {verb} that the bridge could close again before winter."
    (q,) = extract_quotes(text)
    assert content(text, q) == "that the bridge could close again before winter"
    assert speaker(text, q) == "Officials" and q.cue == verb  # auxiliaries and adverbs belong to the cue


def test_indirect_speech_with_the_attribution_last():
    text = "The strike could last until the end of the month, union officials said on Friday."
    (q,) = extract_quotes(text)
    assert content(text, q) == "The strike could last until the end of the month"
    assert speaker(text, q) == "union officials" and q.cue == "said"


def test_attribution_inside_the_clause_gives_two_parts():
    text = "The talks, the minister said, would resume in March."
    (q,) = extract_quotes(text)
    assert [text[s:e] for s, e in q.parts] == ["The talks", "would resume in March"]
    assert speaker(text, q) == "the minister"


@pytest.mark.parametrize("text, expected", [
    ("According to the port authority, 312 ships were delayed last year.", ("312 ships were delayed last year",
                                                                           "the port authority", "According to")),
    ("312 ships were delayed last year, according to a study by the port authority released on Monday.",
     ("312 ships were delayed last year", "a study by the port authority", "according to")),
])
def test_according_to(text, expected):
    (q,) = extract_quotes(text)
    assert q.kind == "indirect" and (content(text, q), speaker(text, q), q.cue) == expected


def test_coordinated_verb_keeps_the_subject():
    text = "The mayor defended the plan and said the fares would not rise this year."
    (q,) = extract_quotes(text)
    assert content(text, q) == "the fares would not rise this year" and speaker(text, q) == "The mayor"


def test_intentions_and_questions():
    text = "The union vowed to keep the port closed. When asked about the army, the minister declined to answer."
    quotes = extract_quotes(text)
    vow = find(text, quotes, "to keep the port closed")
    assert speaker(text, vow) == "The union" and vow.cue == "vowed"
    asked = find(text, quotes, "about the army")
    assert asked.cue == "asked" and asked.speaker_start is None


def test_spanish_indirect_and_direct():
    text = ("La alcaldesa Elena Quintero dijo que la ciudad no puede pagar las patrullas sola.\n\n"
            "«No vamos a cerrar el puente», afirmó Quintero.")
    indirect, direct = extract_quotes(text)
    assert indirect.kind == "indirect" and indirect.cue == "dijo"
    assert content(text, indirect) == "que la ciudad no puede pagar las patrullas sola"
    assert speaker(text, indirect) == "La alcaldesa Elena Quintero"
    assert direct.kind == "direct" and content(text, direct) == "No vamos a cerrar el puente"
    assert speaker(text, direct) == "Quintero" and direct.cue == "afirmó"


def test_spanish_segun_and_perfect_tense():
    text = "Según el canciller, la reunión se celebrará en marzo. El embajador ha dicho que no habrá cambios."
    segun, perfect = extract_quotes(text)
    assert (content(text, segun), speaker(text, segun), segun.cue) == (
        "la reunión se celebrará en marzo", "el canciller", "Según")
    assert (content(text, perfect), speaker(text, perfect), perfect.cue) == (
        "que no habrá cambios", "El embajador", "ha dicho")


# --- speakers and outlets ----------------------------------------------------------------------

def test_pronoun_speaker_is_the_pronoun():
    text = "She said the inspectors had found nothing unusual."
    (q,) = extract_quotes(text)
    assert speaker(text, q) == "She"


def test_name_with_an_appositive_keeps_the_name_and_polnear_gets_the_whole_source():
    text = ('"We will not sign," said Juan Pérez, a spokesman for President Claudia Sheinbaum.\n\n'
            "Juan Pérez, a spokesman for the ministry, said the talks would resume.")
    first, second = extract_quotes(text)
    # the appositive may name someone else: actor resolution gets the name alone
    assert speaker(text, first) == "Juan Pérez" and speaker(text, second) == "Juan Pérez"
    s, e = source_span(text, first)
    assert text[s:e] == "Juan Pérez, a spokesman for President Claudia Sheinbaum"
    s, e = source_span(text, second)
    assert text[s:e] == "Juan Pérez, a spokesman for the ministry,"


def test_role_then_name_keeps_both():
    text = "His campaign manager, Jeff Weaver, said the race was not over."
    (q,) = extract_quotes(text)
    assert speaker(text, q) == "His campaign manager, Jeff Weaver,"


def test_an_outlet_credited_for_a_quote_goes_in_via():
    text = "“We will not sign,” the minister said, as quoted by Reuters."
    (q,) = extract_quotes(text)
    assert speaker(text, q) == "the minister" and q.via == "Reuters"
    assert text[q.via_start:q.via_end] == "Reuters"


def test_an_outlet_reporting_a_person_is_via_and_the_person_speaks():
    text = ("Sheinbaum said the talks had collapsed, the Times reported.\n\n"
            'Mexico\'s President Claudia Sheinbaum says military action is "completely off the table," '
            "Continental Press reported on Friday.")
    quotes = extract_quotes(text)
    first = only(quotes, "indirect")[0]
    assert speaker(text, first) == "Sheinbaum" and first.via == "the Times"
    assert content(text, first) == "the talks had collapsed"
    second = only(quotes, "indirect")[1]
    assert speaker(text, second) == "Mexico's President Claudia Sheinbaum" and second.via == "Continental Press"
    assert content(text, second) == 'military action is "completely off the table'
    fragment = only(quotes, "fragment")[0]
    assert speaker(text, fragment) == "Mexico's President Claudia Sheinbaum" and fragment.via == "Continental Press"


def test_an_outlet_speaking_for_itself_is_the_speaker():
    text = "Reuters reported that the talks had collapsed after midnight. The talks resumed at noon, the Times reported."
    first, second = extract_quotes(text)
    assert speaker(text, first) == "Reuters" and first.kind == "indirect" and first.via is None
    assert speaker(text, second) == "the Times" and content(text, second) == "The talks resumed at noon"


def test_listener_outlet_is_via():
    text = "Sheinbaum told Reuters that the talks had collapsed."
    (q,) = extract_quotes(text)
    assert speaker(text, q) == "Sheinbaum" and q.via == "Reuters"


# --- no false alarms, offsets, speed -------------------------------------------------------------

def test_apostrophes_plain_prose_and_nouns_give_nothing():
    text = ("The mayor's office didn't open on Monday. Ships waited outside the harbour for two days.\n\n"
            "In some states the report was never published, and the secretary of state resigned.")
    assert extract_quotes(text) == []
    assert extract_quotes("") == [] and extract_quotes("   \n ") == []


def test_quoted_regions_are_the_words_inside_marks():
    text = '"We disagree with Trump," he said. The ''Times'' wrote nothing.'
    assert [text[s:e] for s, e in quoted_regions(text)] == ["We disagree with Trump"]


def _check_offsets(text, quotes):
    for q in quotes:
        assert 0 <= q.start < q.end <= len(text)
        assert q.kind in ("direct", "indirect", "fragment")
        for s, e, value in [(q.cue_start, q.cue_end, q.cue), (q.speaker_start, q.speaker_end, q.speaker_name),
                            (q.via_start, q.via_end, q.via)]:
            if s is not None:
                assert 0 <= s < e <= len(text) and text[s:e] == value
        for s, e in q.parts or []:
            assert q.start <= s < e <= q.end


def test_offsets_always_index_the_text():
    text = ("On Tuesday, Mayor Ana Ruiz said, “We cannot wait,” and added that the council “has no plan.”\n\n"
            "“Nothing has changed,” she said. According to officials, the bridge will reopen in May.\n\n"
            "«Unclosed quote runs to the end of the paragraph\n\n"
            "He said ''yes'' and ``no'' and \"maybe\" to reporters, the AP reported.")
    _check_offsets(text, extract_quotes(text))


def _article(n: int) -> str:
    """About 800 words of news prose with direct quotes, fragments and indirect speech."""
    paragraphs = []
    for i in range(n):
        paragraphs.append(
            f"Officials in the port city said on Tuesday that talks over the {i}th contract would resume, "
            f"according to a statement from the harbour authority. “We are not going to give up now,” union leader "
            f"Marta Solis told reporters, adding that the workers had “no reason to trust” the operators. "
            f"The mayor, who has defended what she calls a “slow but sure” approach, said the city could not "
            f"pay for the patrols alone. Ships waited outside the harbour for days while inspectors counted trucks.")
    return "\n\n".join(paragraphs)


@pytest.mark.parametrize("text", [
    '"We will win this," he said. ' * 4000,  # thousands of quotations in one paragraph
    '"a" ' * 10000,  # quotation marks and nothing else
    "he said that " * 5000,  # one 65,000-character sentence full of cues
    "Trump, a man, said, that, " * 4000,  # commas everywhere
])
def test_hostile_text_stays_linear(text):
    started = time.process_time()
    quotes = extract_quotes(text)
    assert time.process_time() - started < 10
    _check_offsets(text, quotes)


# --- real seed articles and the sample corpus ---------------------------------------------------

def test_seed_quote_is_found_with_lopez_obrador_as_speaker():
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip(f"no seed articles in {SHARED / 'seeds'} (real articles live outside the repository)")
    found = []
    for path in seeds:
        text = path.read_text(encoding="utf-8")
        quotes = extract_quotes(text)
        _check_offsets(text, quotes)
        for q in quotes:
            if content(text, q) == "We are not going to act as policemen for any foreign government":
                found.append((path.name, q.kind, speaker(text, q)))
    assert len(found) >= 2  # one statement carried by two seed articles
    for _, kind, name in found:
        assert kind == "direct" and name and "López Obrador" in name


def _norm(words: str) -> str:
    return " ".join(re.findall(r"\w+", words.casefold()))


def test_every_gold_direct_quote_of_the_sample_texts_is_found():
    gold = json.loads((SAMPLE / "gold.json").read_text(encoding="utf-8"))
    checked = 0
    missing = []
    for quote in gold["quotes"]:
        for occurrence in quote["occurrences"]:
            source = occurrence["source"]
            if not source.startswith("txt/") or occurrence["form"] not in ("exact", "translation") \
                    or occurrence.get("optional"):
                continue
            text = (SAMPLE / source).read_text(encoding="utf-8")
            body = text.split("\n", 1)[1]  # the first line is the title
            offset = len(text) - len(body)
            quotes = extract_quotes(body)
            _check_offsets(body, quotes)
            want = _norm(occurrence["text"])
            hits = [q for q in quotes if q.kind in ("direct", "fragment") and want in _norm(content(body, q))]
            checked += 1
            if not hits:
                missing.append((quote["key"], source, occurrence["text"]))
            assert offset > 0
    assert checked >= 10 and missing == []


def test_quoted_regions_after_extract_quotes_are_those_found_afresh():
    """`extract_quotes` keeps the last text's quoted regions for `quoted_regions`, which the analysis
    asks next: the same regions as finding them again, interrupted and multi-paragraph quotes included."""
    from dossier.analyze import quotes

    texts = [path.read_text(encoding="utf-8") for path in sorted((SAMPLE / "txt").glob("*.txt"))]
    texts.append("“We will,” she said, “keep talking to them.”\n\n“It is over.\n\n“We start again,” he said.")
    kept = []
    for text in texts:
        quotes.extract_quotes(text)
        kept.append(quotes.quoted_regions(text))
        quotes._LAST_REGIONS.clear()
        assert kept[-1] == quotes.quoted_regions(text)  # found afresh
    assert sum(map(len, kept)) > 20 and len(kept[-1]) >= 3
    quotes.extract_quotes(texts[0])
    assert quotes.quoted_regions(texts[1]) == kept[1] != kept[0]  # another text's: not the kept ones
