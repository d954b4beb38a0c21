"""The statements index (link/quotes.py `QuoteIndex`) keeps occurrences as columns and a blob:
what it gives back must be what it was given, and a saved and loaded index must go on exactly
as the one that was never saved."""

import io
import json
import pickle

from dossier.link.linker import _compressed_pickle, _Inflating, _unpickle
from dossier.link.quotes import Occurrence, QuoteIndex, merge_quotes, normalize_quote

ARTICLES = [  # (article, date, [(wording, speaker, kind)]): an invented strike at a port, told by several outlets
    ("a1", "2025-03-01", [("We will not negotiate with the strikers under threat", "p:mayor", "direct"),
                          ("The depot will reopen on Friday after the talks", "p:manager", "indirect")]),
    ("a2", "2025-03-01", [("We will not negotiate with the strikers under threat.", "p:mayor", "direct"),
                          ("under threat", None, "fragment")]),
    ("a3", "2025-03-02", [("We will never negotiate with strikers who threaten us", "p:mayor", "direct"),
                          ("The depot reopens on Friday after talks end", "p:union", "direct")]),
    ("b1", None, [("Nadie cruzará el puente antes del lunes, según la alcaldía", "p:mayor", "indirect"),
                  ("We will not negotiate with the strikers under threat", "p:union", "direct")]),
    ("a4", "2025-03-03", [("The depot will reopen on Monday after the talks", "p:manager", "indirect"),
                          ("Nadie cruzará el puente antes del lunes", None, "direct")]),
    ("a5", "2025-03-04", [("The depot will reopen on Friday after the talks", "p:manager", "direct"),
                          ("We will not negotiate with the strikers", "p:mayor", "direct")]),
]


def occurrences(article, published, quotes):
    """As `Linker.add` makes them: the wording at the record's span, and the extractor's record."""
    text = " ".join(f"“{wording},” the source said." for wording, _, _ in quotes)
    out, at = [], 0
    for n, (wording, speaker, kind) in enumerate(quotes):
        start = text.index(wording, at)
        at = start + len(wording)
        record = {"cue": "said", "cue_start": at + 7, "cue_end": at + 11, "end": at, "kind": kind,
                  "parts": [[start, at]] if n else None, "speaker": speaker, "speaker_end": None,
                  "speaker_name": "Ana Ruiz" if speaker == "p:mayor" else None, "start": start, "via": None}
        out.append(Occurrence(article=article, published=published, text=text[start:at], norm=normalize_quote(wording),
                              record=record, speaker=speaker))
    return out


def reloaded(index):
    names, index.actor_names = index.actor_names, None
    try:
        copy = pickle.loads(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        index.actor_names = names
    copy.actor_names = names
    return copy


def dicts(quotes):
    return [q.to_dict() for q in quotes]


def test_each_occurrence_gives_back_its_wording_and_record_as_json_would():
    given = [o for a in ARTICLES for o in occurrences(*a)]
    # a record whose speaker is not the occurrence's, with a key of its own and an accented wording
    odd = Occurrence(article="c1", published="2025-03-05", text="Ningún acuerdo, “nunca”", norm=normalize_quote("Ningún acuerdo nunca"),
                     record={"start": 3, "end": 25, "kind": "direct", "speaker": "p:x", "score": 0.5, "flags": [True, 1]},
                     speaker="p:y")
    expected = {(o.article, o.start): dict(json.loads(json.dumps(o._record)), article=o.article, text=o.text)
                for o in given + [odd]}
    merged = merge_quotes(given + [odd], {"p:mayor": "Ana Ruiz"})
    seen = {}
    for quote in merged:
        for record in quote.occurrences:
            record.pop("changes", None)
            seen[(record["article"], record["start"])] = record
    assert seen == expected
    assert [type(v) for v in seen[("c1", 3)]["flags"]] == [bool, int]  # not 1 for True: types kept
    assert list(seen[("c1", 3)]) == ["start", "end", "kind", "speaker", "score", "flags", "article", "text"]


def test_a_saved_and_loaded_index_goes_on_as_the_one_never_saved():
    kept, saved = QuoteIndex({"p:mayor": "Ana Ruiz"}), QuoteIndex({"p:mayor": "Ana Ruiz"})
    changed_any = False
    for article, published, quotes in ARTICLES:
        changed, retired = kept.add(occurrences(article, published, quotes))
        saved = reloaded(saved)
        changed_again, retired_again = saved.add(occurrences(article, published, quotes))
        assert dicts(changed) == dicts(changed_again) and retired == retired_again
        assert changed  # every article here touches a statement
        changed_any = changed_any or bool(retired)
        assert [saved.statement_of(o.norm) for o in occurrences(article, published, quotes)] == \
               [kept.statement_of(o.norm) for o in occurrences(article, published, quotes)]
    assert changed_any  # some add merged two statements, retiring one id
    assert dicts(kept.all()) == dicts(reloaded(saved).all())
    assert reloaded(kept).quote_ids == kept.quote_ids and len(kept.quote_ids) == len(kept.all())


def test_an_incremental_index_reports_the_statements_a_batch_merges():
    index = QuoteIndex({})
    first, _ = index.add(occurrences("a1", "2025-03-01", [("The depot will reopen on Friday after the talks", "p:m", "direct")]))
    second, _ = index.add(occurrences("a2", "2025-03-01", [("The depot will reopen on Monday after the talks", "p:m", "direct")]))
    assert first[0].id == second[0].id  # the reworded copy joined the first statement
    full = "Closing the crossing was a mistake and we will say so in Congress"
    index.add(occurrences("a3", "2025-03-02", [("was a mistake and we will say so", "p:y", "indirect")]))
    (merged,), retired = index.add(occurrences("a4", "2025-03-03", [(full, "p:y", "direct")]))
    # the longer wording contains the shorter: one statement, under the canonical (direct) wording's id
    assert merged.text == full and {o["article"] for o in merged.occurrences} == {"a3", "a4"}
    assert retired and merged.id not in retired
    assert sorted(q.id for q in index.all()) == sorted({first[0].id, merged.id})


def test_the_linking_state_pickle_keeps_the_statements():
    """Through the linking state's own pickling (link.linker: parts, compressed), as a build saves and loads it."""
    from dossier.analyze.record import cached_kb
    from dossier.link.linker import Linker

    linker = Linker(cached_kb(None))
    for article, published, quotes in ARTICLES:
        linker.quotes.add(occurrences(article, published, quotes), merge=False)
    before = dicts(linker.quotes.all())
    chunks: list[bytes] = []  # where the store's chunks would go (link.linker._Chunks)
    sink = type("Sink", (), {"write": lambda self, data: chunks.append(data), "flush": lambda self: None})()
    _compressed_pickle(linker, sink)
    loaded = _unpickle(io.BufferedReader(_Inflating(iter(chunks))))
    assert dicts(loaded.quotes.all()) == before
    assert loaded.quotes.actor_names.get("p:none") is None  # names attached again to the loaded actors
