"""Merging quotation occurrences across articles into one record per statement."""

from dossier.link.quotes import Occurrence, merge_quotes, normalize_quote, word_changes


def occ(article, text, published=None, speaker=None, kind="direct", speaker_name=None):
    record = {"start": 10, "end": 10 + len(text), "kind": kind, "speaker_name": speaker_name}
    return Occurrence(article=article, published=published, text=text, norm=normalize_quote(text),
                      record=record, speaker=speaker)


def test_normalisation_ignores_case_accents_and_punctuation():
    assert normalize_quote("“No es parte de ningún acuerdo,” ") == normalize_quote("no es parte de NINGUN acuerdo")


def test_same_words_in_two_outlets_are_one_statement_with_both_occurrences():
    quotes = merge_quotes([
        occ("a1", "We will not negotiate with the strikers under threat", "2025-03-02", "p:mayor"),
        occ("a2", "We will not negotiate with the strikers under threat.", "2025-03-01", "p:mayor"),
        occ("a3", "The depot will reopen on Friday", "2025-03-01", "p:manager"),
    ], {"p:mayor": "Ana Ruiz", "p:manager": "Tom Hale"})
    assert len(quotes) == 2
    strike = next(q for q in quotes if "negotiate" in q.text)
    assert sorted(o["article"] for o in strike.occurrences) == ["a1", "a2"]
    assert strike.speaker == "p:mayor" and strike.speaker_name == "Ana Ruiz"
    assert strike.first_seen == "a2"  # the earlier publication date decides


def test_reworded_copy_joins_and_records_the_word_changes():
    original = "We are not going to sign any agreement that puts the port workers at risk"
    copy = "We are not going to sign any deal that puts the port workers at risk"
    quotes = merge_quotes([occ("a1", original, "2025-01-05", "p:x"), occ("a2", original, "2025-01-05", "p:x"),
                           occ("a3", copy, "2025-01-06", "p:x")], {"p:x": "X"})
    assert len(quotes) == 1
    q = quotes[0]
    assert q.text == original  # the wording most occurrences use
    changed = [o for o in q.occurrences if o.get("changes")]
    assert [o["article"] for o in changed] == ["a3"]
    assert changed[0]["changes"] == [{"kind": "reworded", "original": "agreement", "copy": "deal"}]


def test_looser_rewording_joins_only_when_the_speaker_is_the_same():
    a = "We will never hand the harbour over to a private operator from abroad"
    b = "We will not ever give the harbour to any private foreign operator"
    same = merge_quotes([occ("a1", a, speaker="p:x"), occ("a2", b, speaker="p:x")], {})
    different = merge_quotes([occ("a1", a, speaker="p:x"), occ("a2", b, speaker="p:y")], {})
    assert len(same) == 1
    assert len(different) == 2


def test_partial_quote_contained_in_a_longer_one_joins_it():
    full = "The contract is not part of any agreement with the union, far from it"
    quotes = merge_quotes([occ("a1", full, "2025-02-01", "p:x"),
                           occ("a2", "not part of any agreement", "2025-02-02", None, kind="fragment")], {})
    assert len(quotes) == 1
    assert quotes[0].kind == "direct" and quotes[0].text == full


def test_short_common_phrase_does_not_join_unrelated_statements():
    quotes = merge_quotes([occ("a1", "a mistake", kind="fragment"),
                           occ("a2", "Closing the crossing was a mistake and we will say so in Congress", speaker="p:y")], {})
    assert len(quotes) == 2


def test_tied_earliest_dates_give_every_candidate_and_undated_gives_none():
    tied = merge_quotes([occ("b", "Talks will resume next week in Monterrey", "2025-05-01"),
                         occ("a", "Talks will resume next week in Monterrey", "2025-05-01")], {})
    assert tied[0].first_seen_candidates == ["a", "b"] and tied[0].first_seen in ("a", "b")
    undated = merge_quotes([occ("a", "Talks will resume next week in Monterrey")], {})
    assert undated[0].first_seen is None


def test_majority_speaker_wins_over_a_misattribution():
    text = "We are not going to be anyone's security guard"
    quotes = merge_quotes([occ("a1", text, "2025-01-01", "p:old"), occ("a2", text, "2025-01-01", "p:old"),
                           occ("a3", text, "2025-01-02", "p:new")], {"p:old": "Old", "p:new": "New"})
    assert quotes[0].speaker == "p:old"


def test_word_changes_reports_omissions_and_additions():
    assert word_changes("we will keep talking", "we will keep talking tomorrow") == [
        {"kind": "added", "original": None, "copy": "tomorrow"}]
    assert word_changes("we will keep talking", "we keep talking") == [
        {"kind": "omitted", "original": "will", "copy": None}]


def test_merge_is_deterministic_whatever_the_input_order():
    items = [occ("a1", "The bridge stays closed until the inspection ends", "2025-01-01", "p:x"),
             occ("a2", "The bridge stays closed until inspections end", "2025-01-02", "p:x"),
             occ("a3", "Nobody crosses before Monday", "2025-01-03", "p:y")]
    forward = [q.to_dict() for q in merge_quotes(items, {})]
    backward = [q.to_dict() for q in merge_quotes(list(reversed(items)), {})]
    assert forward == backward


def test_index_groups_as_every_pair_compared_with_same_statement():
    """The index decides candidate pairs in bulk (containment in one pass, ratios in one
    rapidfuzz call); on a corpus this small every pair sharing a word is a candidate, so its
    statements must be exactly those of comparing every pair with `same_statement`."""
    from dossier.link.quotes import _STOP, same_statement

    base = "We are not going to sign any agreement that puts the port workers at risk"
    texts = [
        (base, "p:x", "direct"), (base.replace("agreement", "deal"), "p:y", "direct"),
        (base.replace("agreement that puts", "accord which places"), "p:x", "direct"),
        (base.replace("agreement that puts", "accord which places"), "p:y", "direct"),
        ("sign any agreement", "p:x", "fragment"), ("sign any agreement", "p:z", "fragment"),
        ("the port workers at risk", None, "direct"), ("port workers", "p:x", "fragment"),
        ("port workers", "p:q", "direct"),
        ("The depot will reopen on Friday after the talks", "p:m", "direct"),
        ("The depot will reopen on Monday after the talks", "p:m", "indirect"),
        ("The depot reopens on Friday after talks end", "p:n", "direct"),
        ("We will not negotiate with the strikers under threat", "p:x", "direct"),
        ("We will never negotiate with strikers who threaten us", "p:x", "direct"),
    ]
    occurrences = [occ(f"a{n:02d}", text, "2025-03-01", speaker, kind) for n, (text, speaker, kind) in enumerate(texts)]
    merged = merge_quotes(occurrences, {})
    found = sorted(sorted(o["article"] for o in q.occurrences) for q in merged)

    parent = list(range(len(occurrences)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    words = [set(o.norm.split()) - _STOP for o in occurrences]
    for i, a in enumerate(occurrences):
        for j in range(i):
            b = occurrences[j]
            if a.norm == b.norm or (words[i] & words[j] and same_statement(a, b)):
                parent[find(i)] = find(j)
    groups: dict[int, list[str]] = {}
    for i, o in enumerate(occurrences):
        groups.setdefault(find(i), []).append(o.article)
    expected = sorted(sorted(g) for g in groups.values())
    assert found == expected
    assert 1 < len(found) < len(texts)  # some merged, some kept apart
