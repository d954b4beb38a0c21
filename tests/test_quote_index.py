"""The statements index (link/quotes.py `QuoteIndex`) keeps occurrences as columns and a blob:
what it gives back must be what it was given, and a saved and loaded index must go on exactly
as the one that was never saved."""

import io
from array import array
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
    sink = type("Sink", (), {"write": lambda self, data: chunks.append(data), "flush": lambda self: None,
                             "tell": lambda self: sum(map(len, chunks))})()
    _compressed_pickle(linker, sink)
    loaded = _unpickle(io.BufferedReader(_Inflating(iter(chunks))))
    assert dicts(loaded.quotes.all()) == before
    assert loaded.quotes.actor_names.get("p:none") is None  # names attached again to the loaded actors


def test_texts_and_records_of_every_form_come_back_exactly():
    """Rows keep a text compressed against its wording and a record's values by shape (session 7): a
    long text (its compressed length past a byte), accents, a lone surrogate, values of every JSON
    type and ints before the quotation's start all come back as they were given, and the rows of
    quotations as the extractor writes them take a third of the bytes the text and record as JSON took."""
    long_text = " ".join(f"Clause {n}: the port authority, “as agreed”, shall pay {n * 37} pesos by {n}:00." for n in range(60))
    given = [o for a in ARTICLES for o in occurrences(*a)]
    odd = [
        Occurrence("d1", "2025-03-06", long_text, normalize_quote(long_text),
                   {"start": 5, "end": 5 + len(long_text), "kind": "direct", "speaker": None, "cue": "x" * 300}),
        Occurrence("d2", None, "¿Quién cerró el puerto?\ud800 — nadie", normalize_quote("¿Quién cerró el puerto?\ud800 — nadie"),
                   {"start": 900, "end": 936, "kind": "indirect", "speaker": "p:z", "speaker_start": 0, "speaker_end": 12,
                    "cue": "dijo\udfff", "note": {"a": [1, 2.5, None, False]}, "rank": -3, "weight": 1.0, "ok": True}, "p:z"),
        Occurrence("d3", "2025-03-07", "", "", {"start": 0, "end": 0, "kind": "fragment", "speaker": None}),
    ]
    expected = {(o.article, o.start): dict(json.loads(json.dumps(o._record)), article=o.article, text=o.text)
                for o in given + odd if o.norm}
    seen = {}
    for quote in merge_quotes(given + odd, {}):
        for record in quote.occurrences:
            record.pop("changes", None)
            seen[(record["article"], record["start"])] = record
    assert seen == expected
    record = seen[("d2", 900)]
    assert [type(record[k]) for k in ("rank", "weight", "ok", "speaker_start")] == [int, float, bool, int]
    index = QuoteIndex({})
    index.add(given, merge=False)
    as_json = sum(len(json.dumps([o.text, o._record], ensure_ascii=False).encode()) for o in given)
    assert len(index._blob) < as_json / 2.5
    index.add(odd[:1], merge=False)
    assert index._blob[index._offsets[-2]] == 255  # the long text's compressed length did not fit in the row's first byte
    huge = long_text * 16  # past 65,535 bytes: its length does not fit in the row's 2 bytes either
    index.add([Occurrence("d4", None, huge, normalize_quote(huge), {"start": 0, "end": len(huge), "kind": "direct"})], merge=False)
    (stored,) = index._occurrences(len(index.wordings) - 1)
    assert len(huge.encode()) > 65535 and stored.text == huge and stored.record == {"start": 0, "end": len(huge), "kind": "direct"}


def test_the_wording_table_finds_every_wording_and_only_those():
    """Wording -> number by an open-addressing table (`_slots`, `QuoteIndex._find`) instead of a dict:
    every wording found through collisions and as the table grows, a new one not, and the same after a reload."""
    from dossier.link.quotes import _slots

    words = [f"the {n} barges wait at pier {n % 7}" for n in range(300)]
    table = _slots(words, 512)  # 300 wordings in 512 slots: many share a first slot
    index = QuoteIndex({})
    index.wordings, index._table = words, table
    assert sum(1 for slot in table if slot >= 0) == 300
    assert all(index._find(w)[0] == n for n, w in enumerate(words))
    assert index._find("the 7 barges wait at pier 1")[0] == -1
    grown = QuoteIndex({})
    for n in range(0, 3000, 3):  # past 1,024 slots the table is made again, twice as large, each time
        quotes = [(f"We counted {m} containers on the quay at dawn", None, "direct") for m in range(n, n + 3)]
        grown.add(occurrences(f"g{n}", "2025-03-01", quotes), merge=False)
    assert len(grown._table) == 8192 and len(grown.wordings) == 3000  # at most half full
    again = reloaded(grown)
    for n in range(0, 3000, 97):
        norm = normalize_quote(f"We counted {n} containers on the quay at dawn")
        assert grown._find(norm)[0] == again._find(norm)[0] == grown.wordings.index(norm)
        assert grown.statement_of(norm) == again.statement_of(norm) is not None
    assert again.statement_of("we counted containers") is None


def test_the_wording_table_placed_a_batch_at_a_time_is_a_table_of_the_same_numbers(monkeypatch):
    """`_slots` places the wordings a batch at a time into the table itself (a load of a large
    state held all the rounds' arrays at once): a wording is still found at its number, and an
    unknown one not, through the collisions of a table three quarters full."""
    from dossier.link import quotes as quotes_module
    from dossier.link.quotes import _probe, _slots

    monkeypatch.setattr(quotes_module, "_SLOTS_BATCH", 7)
    words = [f"the {n} barges wait at pier {n % 7}" for n in range(384)]
    table = _slots(words, 512)
    assert type(table) is array and len(table) == 512
    assert sorted(slot for slot in table if slot >= 0) == list(range(384))
    assert all(_probe(table, words, w)[0] == n for n, w in enumerate(words))
    assert _probe(table, words, "the 7 barges wait at pier 1")[0] == -1
    table.append(0)  # no view of it is left: it can grow


def test_a_column_is_made_wider_when_a_number_does_not_fit():
    """Occurrence columns start as narrow as their numbers allow (kinds in a byte, spans in 4 bytes)
    and are made wider, keeping what they hold, when a value does not fit."""
    index = QuoteIndex({})
    given = []
    for n in range(300):  # 300 kinds: past a byte
        wording = f"Shipment {n} left the dock late"
        start = n * 2**24  # past 2**31 from n = 128
        record = {"kind": f"k{n}", "start": start, "end": start + len(wording), "speaker": None}
        given.append(Occurrence(f"a{n}", "2025-03-01", wording, normalize_quote(wording), record))
    index.add(given, merge=False)
    assert (index._occ_kind.typecode, index._occ_start.typecode, index._occ_published.typecode) == ("H", "Q", "H")
    assert sorted((o.kind, o.start, o.end, o.text) for i in range(300) for o in index._occurrences(i)) == \
        sorted((o.kind, o.start, o.end, o.text) for o in given)


def test_postings_stop_past_the_common_bar_and_the_same_words_pair(monkeypatch):
    """A word's postings keep at most MAX_POSTINGS + 1 wordings (a word held by more is never paired
    on): every wording pairs on the words, with the counts, that every earlier wording's words give."""
    import random

    from dossier.link import quotes

    monkeypatch.setattr(quotes, "MAX_POSTINGS", 6)
    monkeypatch.setattr(quotes, "RARE_DF", 2)
    rng = random.Random(5)
    vocabulary = "harbour crane strike union wages night shift cargo delay port pilots tug ferry toll".split()
    index = QuoteIndex({})

    def expected(i):
        counts = {w: sum(w in set(e.split()) for e in index.wordings[:i]) for w in set(index.wordings[i].split()) - quotes._STOP}
        rare = sorted(counts, key=lambda w: (counts[w], w))[:quotes.RARE_WORDS]
        return sorted((w, c) for w, c in counts.items() if c and ((w in rare and c <= 6) or c <= 2))

    for n in range(150):
        wording = " ".join(rng.sample(vocabulary, 5) + [f"w{rng.randrange(40)}"])
        record = {"kind": "direct", "start": 0, "end": len(wording), "speaker": rng.choice([None, "p:a", "p:b"])}
        index.add([Occurrence(f"a{n}", "2025-03-01", wording, normalize_quote(wording), record, record["speaker"])],
                  merge=False)
        newest = len(index.wordings) - 1  # as it arrives: counted from the postings' lengths
        assert index.paired_on(newest) == expected(newest)
    assert max(len(p) for p in index.postings.values()) == 7
    assert all(index.paired_on(i) == expected(i) for i in range(len(index.wordings)))  # later: counted by bisection


def test_wordings_in_one_buffer_read_back_as_they_were_given():
    """`_Wordings` keeps the wordings as one UTF-8 buffer: one or a batch read back equal to what was
    appended, with lengths in characters (non-ASCII ones, lone surrogates), and a wording holding the
    buffer's separator (no normalised wording does) still read back exactly, one at a time."""
    import numpy as np

    from dossier.link.quotes import _Wordings

    given = ["we will not negotiate", "nadie cruzara el puente", "straße über alles", "x", "el niño \ud800 dijo",
             "日本の港は閉鎖された", "the end"]
    wordings = _Wordings(given)
    assert len(wordings) == len(given) and list(wordings) == given and wordings[-1] == "the end"
    order = np.array([5, 0, 4, 2, 2, 6], dtype=np.uintc)
    assert wordings.many(order) == [given[i] for i in order.tolist()] and wordings.many([]) == [] and wordings.many([3]) == ["x"]
    everyone = np.arange(len(given))
    assert wordings.sizes(everyone).tolist() == [len(w) for w in given]
    assert wordings.sizes(np.array([2, 1, 5])).tolist() == [len(given[2]), len(given[1]), len(given[5])]
    assert wordings[1:3] == given[1:3] and wordings.index("x") == 3
    again = pickle.loads(pickle.dumps(wordings, protocol=pickle.HIGHEST_PROTOCOL))
    assert list(again) == given and again.sizes(everyone).tolist() == [len(w) for w in given]
    odd = _Wordings(["a\x00b", "plain"])
    assert odd.many([1, 0]) == ["plain", "a\x00b"] and list(odd) == ["a\x00b", "plain"]
    # read in order a run at a time (one decode and one split of a stretch of the buffer), across runs
    many = [given[n % len(given)] + (f" {n}" if n % 5 else "") if n % 7 else "" for n in range(10_000)]
    assert list(_Wordings(many)) == many


def test_record_strings_numbered_in_a_buffer_keep_their_numbers_after_a_reload():
    """`_Strings` numbers the cues and speakers' names of records in order of arrival, each once, and
    finds them again after a reload (its table of slots made anew) and as the table grows."""
    from dossier.link.quotes import _Strings

    strings = _Strings()
    names = [f"Speaker {n % 700} of the port" if n % 3 else "dijo según él" for n in range(2100)]
    numbers = [strings.number(name) for name in names]
    distinct = list(dict.fromkeys(names))
    assert numbers == [distinct.index(name) for name in names] and list(strings.values) == distinct
    again = pickle.loads(pickle.dumps(strings))
    assert [again.get(name) for name in distinct] == list(range(len(distinct))) and again.get("nobody") is None
    assert again.number("a new cue") == len(distinct) and again.values[len(distinct)] == "a new cue"


def test_non_ascii_wordings_are_paired_as_their_characters_say():
    """Lengths and ratios of wordings outside ASCII (a normalised wording keeps letters such as ß, ø or
    CJK) are those of their characters, not of their UTF-8 bytes: the pairs are those of reading
    every candidate."""
    from dossier.link import quotes

    index = QuoteIndex({})
    base = ["die straße bleibt bis montag für lastwagen gesperrt sagte der bürgermeister",
            "havnen i ørestad åbner igen på fredag efter forhandlingerne",
            "東京港の作業は金曜日に再開される予定だと市長は述べた"]
    n = 0
    for round_ in range(40):
        for wording in base:
            words = wording.split()
            variant = " ".join(words[: len(words) - round_ % 4] + [f"w{round_}"]) if round_ % 2 else wording + f" {round_}"
            record = {"kind": "direct", "start": 0, "end": len(variant), "speaker": None}
            index.add([Occurrence(f"a{n}", "2025-03-01", variant, normalize_quote(variant), record)], merge=False)
            n += 1
    assert len(index.wordings._wide) > 40
    found = [index._matches(i) for i in range(len(index.wordings))]
    assert found == [index._read_all(i, index.paired_on(i)) for i in range(len(index.wordings))]
    assert sum(bool(contained) for contained, _ in found) > 10 and sum(bool(ratios) for _, ratios in found) > 40
    original = quotes.FEW_CANDIDATES
    try:
        quotes.FEW_CANDIDATES = 0  # every wording through the lengths and batches
        assert all(index._matches(i) == index._read_all(i, index.paired_on(i)) for i in range(len(index.wordings)))
    finally:
        quotes.FEW_CANDIDATES = original


def test_record_values_packed_at_every_width_come_back_exactly():
    """A row's ints (less the quotation's start) and string numbers are packed in as few bytes as each
    fits, by a layout the row names (past 255 layouts in 5 bytes); an int past 8 bytes, a float or a
    list keeps the row as JSON: every record comes back as it was given."""
    import random

    rng = random.Random(11)
    widths = [0, -100, 200, -30000, 60000, -2**31 - 5, 2**40, -2**62]
    index, given = QuoteIndex({}), []
    for n in range(1500):
        wording = f"The ferry to pier {n % 40} sails at dawn"
        start = rng.randrange(0, 5000)
        record = {"start": start, "end": start + len(wording), "kind": "direct", "speaker": None}
        for k in range(5):
            record[f"at{k}"] = start + rng.choice(widths)
        record["name"] = f"Cue number {rng.randrange(400)}"  # past 255 strings: 2-byte numbers
        if n % 50 == 0:
            record["huge"] = 2**70 + n  # not in 8 bytes: JSON
        if n % 70 == 0:
            record["weight"] = 0.1 * n
        given.append(Occurrence(f"a{n}", "2025-03-01", wording, normalize_quote(wording), record))
    index.add(given, merge=False)
    assert len(index._packs.values) > 255
    assert sum(layout is None for _, layout in index._packs.values) > 1
    back = {(o.article, o.start): o.record for i in range(len(index.wordings)) for o in index._occurrences(i)}
    assert back == {(o.article, o.start): o._record for o in given}
    assert all(type(back[(o.article, o.start)]["huge"]) is int for o in given if "huge" in o._record)
    again = reloaded(index)
    assert {(o.article, o.start): o.record for i in range(len(again.wordings)) for o in again._occurrences(i)} == back


def test_a_span_column_takes_a_negative_value():
    """Spans are kept as a start and a length in 2-byte unsigned columns while they fit: a negative
    start or an end before the start (not an extractor's, but a caller's) makes the column signed."""
    index = QuoteIndex({})
    odd = [("Cranes idle at the north quay", 10, 40), ("Cranes idle at the south quay", -3, 20), ("No ships today", 50, 45)]
    given = [Occurrence(f"a{n}", None, w, normalize_quote(w), {"kind": "direct", "start": s, "end": e, "speaker": None})
             for n, (w, s, e) in enumerate(odd)]
    index.add(given, merge=False)
    assert (index._occ_start.typecode, index._occ_length.typecode) == ("q", "q")
    assert sorted((o.start, o.end, o.record["end"]) for i in range(3) for o in index._occurrences(i)) == [(-3, 20, 20), (10, 40, 40), (50, 45, 45)]


def test_a_statement_of_one_occurrence_is_merged_as_a_group_of_it_would_be():
    """`_merge_one` (most statements) gives the fields the general merge gives: compared with a group
    of the occurrence and a copy of it in another article, whose own parts are taken out again."""
    from dataclasses import replace
    from dossier.link.quotes import _merge_group, _merge_one, _norm_id, _quote_id

    names = {"p:mayor": "Mayor Ana Ruiz"}
    given = [o for a in ARTICLES for o in occurrences(*a)]
    odd = occurrences("c9", None, [("Nobody saw the depot close that night", None, "headline")])[0]
    for o in given + [odd]:
        one = _merge_one(o, names)
        twin = Occurrence(article="zz" + o.article, published=o.published, text=o.text, norm=o.norm,
                          record=o.record, speaker=o.speaker)
        both = _merge_group([o, twin], names)
        mine = [r for r in both.occurrences if r["article"] == o.article]
        first = [c for c in both.first_seen_candidates if c == o.article]
        assert one == replace(both, occurrences=mine, first_seen=first[0] if first else None, first_seen_candidates=first)
        assert one.id == _quote_id(o.text) == _norm_id(o.norm)
    assert _merge_one(odd, names).kind == "fragment" and _merge_one(odd, names).first_seen is None
    assert _merge_one(given[0], names).speaker_name == "Mayor Ana Ruiz"


def through_pickling(index):
    """Saved and loaded as a full link spools and stores it: `pickling.dump` (the rows, postings and
    members after the rest), then `pickling.load`."""
    from dossier.link import pickling

    out = io.BytesIO()
    pickling.dump(index, out)
    out.seek(0)
    loaded = pickling.load(out)
    assert out.read() == b""  # all of it read: what follows in a stream (the state's next part) is left as it was
    return loaded


def test_an_index_with_its_rows_in_a_file_is_the_index_with_them_in_memory():
    """A full link's statements' child keeps the rows in a file (`spool_rows`); what it gives back,
    saved and loaded or not, is the same, and a loaded one goes on as the one kept in memory."""
    memory, spooled = QuoteIndex({"p:mayor": "Ana Ruiz"}), QuoteIndex({"p:mayor": "Ana Ruiz"}, spool_rows=True)
    for article, published, quotes in ARTICLES[:-1]:
        for index in (memory, spooled):
            index.add(occurrences(article, published, quotes), merge=False)
    assert type(spooled._blob) is not bytearray and len(spooled._blob) == len(memory._blob) > 0
    assert len(spooled._quote_ids) == 0  # nothing returned yet: no room kept for the ids of its statements
    assert dicts(spooled.all()) == dicts(memory.all())  # rows read back from the file
    assert pickle.loads(pickle.dumps(spooled))._blob == memory._blob  # a plain pickle holds the rows too
    loaded = through_pickling(spooled)
    assert type(loaded._blob) is bytearray and loaded._blob == memory._blob
    assert loaded.postings == memory.postings and loaded.members == memory.members and loaded.members
    last = ARTICLES[-1]
    assert dicts(loaded.add(occurrences(*last))[0]) == dicts(memory.add(occurrences(*last))[0])
    assert dicts(loaded.all()) == dicts(memory.all())
    # rows read back between appends (an incremental add merges, reading its statements' rows)
    kept, spooled = QuoteIndex({}), QuoteIndex({}, spool_rows=True)
    for article in ARTICLES:
        assert dicts(spooled.add(occurrences(*article))[0]) == dicts(kept.add(occurrences(*article))[0])
    assert dicts(spooled.all()) == dicts(kept.all())


def test_an_index_pickled_apart_follows_the_next_pickle_in_a_stream(tmp_path):
    """Pickled apart into a stream with other pickles after it (the state's parts), each comes back."""
    from dossier.link import pickling

    index = QuoteIndex({})
    for article, published, quotes in ARTICLES:
        index.add(occurrences(article, published, quotes), merge=False)
    path = tmp_path / "parts.pickle"
    with open(path, "wb") as file:
        pickling.dump({"head": 1}, file)
        pickling.dump(index, file)
        pickling.dump(["next", array("I", [7])], file)
    with open(path, "rb") as file:
        assert pickling.load(file) == {"head": 1}
        loaded = pickling.load(file)
        assert pickling.load(file) == ["next", array("I", [7])]
    assert dicts(loaded.all()) == dicts(index.all())


def test_ids_kept_without_merging_records_are_those_merging_gives():
    """A journal's replay adds its articles with records=False: no statement is merged, but each
    statement's id, what is retired and what `statement_of` answers must be those that merging
    (records=True) gives, so the articles after it link alike."""
    names = {"p:mayor": "Ana Ruiz"}
    merging, replaying = QuoteIndex(names), QuoteIndex(names)
    retiring = 0
    for article, published, quotes in ARTICLES:
        changed, retired = merging.add(occurrences(article, published, quotes))
        none, retired_too = replaying.add(occurrences(article, published, quotes), records=False)
        assert changed and none == [] and retired_too == retired
        retiring += len(retired)
        norms = [normalize_quote(w) for w, _, _ in quotes]
        assert [replaying.statement_of(n) for n in norms] == [merging.statement_of(n) for n in norms]
    assert retiring  # (an id changed as a statement grew)
    assert dicts(replaying.all()) == dicts(merging.all())
    assert [replaying._quote_id_of(r) for r in replaying._roots()] == [merging._quote_id_of(r) for r in merging._roots()]


def test_the_canonical_occurrence_from_the_columns_is_the_one_of_the_merged_statement():
    """`_canonical_of` reads the columns where `_canonical` reads every occurrence as an object: the
    same occurrence for every statement, and so the same id as merging gives."""
    from dossier.link.quotes import _canonical

    index = QuoteIndex({})
    for article, published, quotes in ARTICLES * 3:  # (each wording carried again: counts that differ)
        index.add(occurrences(article + str(len(index.wordings)), published, quotes), merge=False)
    roots = list(index._roots())
    assert any(len(index._group(r)) > 2 for r in roots)
    for root in roots:
        n, i = index._canonical_of(root)
        chosen = _canonical(index._group(root))
        assert (chosen._n, chosen.norm) == (n, index.wordings[i])
        assert index._merged_id(root) == index.merged(root).id


def test_a_batch_merged_once_at_its_end_changes_what_merging_at_every_article_does():
    """An add of many articles merges the statements they touched once, at its end
    (`Linker.merge_statements`), not at every article: the same statements to write and the same
    ids retired as folding each article's merge into the link's changes (`Changes.update`)."""
    from dossier.analyze.record import cached_kb
    from dossier.link.linker import Changes, Linker

    names = {"p:mayor": "Ana Ruiz"}
    each, linker = QuoteIndex(names), Linker(cached_kb(None))
    linker.quotes = QuoteIndex(names)
    folded, batched = Changes(), Changes()
    for article, published, quotes in ARTICLES * 2:
        article += str(len(each.wordings))
        changed, retired = each.add(occurrences(article, published, quotes))
        assert not set(retired) & {q.id for q in changed}  # (what `Changes.update` relies on)
        folded.update(Changes(quotes={q.id: q for q in changed}, retired_quotes=set(retired)))
        none, retired = linker.quotes.add(occurrences(article, published, quotes), records=False)
        assert none == []
        batched.update(Changes(retired_quotes=set(retired), touched=linker.quotes.touched()))
    assert folded.retired_quotes  # (ids changed as statements grew)
    linker.merge_statements(batched)
    assert sorted(batched.quotes) == sorted(folded.quotes) and batched.retired_quotes == folded.retired_quotes
    assert [batched.quotes[q].to_dict() for q in sorted(batched.quotes)] == \
        [folded.quotes[q].to_dict() for q in sorted(folded.quotes)]


def test_canonical_keys_kept_from_add_to_add_are_those_found_from_every_occurrence():
    """A batch add asks each touched statement's id after every article (`records=False`); the
    canonical occurrence's key is kept and brought up to date as occurrences come and statements
    join (`QuoteIndex._best`), not found again from all of a statement's occurrences. After
    every add it equals the key found from every occurrence, for every statement kept, and each
    statement's id is the one merging gives."""
    import random

    rng = random.Random(3)
    names = {"p:mayor": "Ana Ruiz"}
    index = QuoteIndex(names)
    plan = [(f"{article}-{n}", None if published is None or rng.random() < 0.1 else f"2025-03-{rng.randrange(1, 28):02d}",
             quotes) for n in range(12) for article, published, quotes in ARTICLES]
    rng.shuffle(plan)
    # then quotations that hold two statements' words each: statements already kept join
    plan += [(f"bridge{n}", "2025-03-05", [(wording, speaker, "direct")]) for n, (wording, speaker) in enumerate([
        ("The depot will reopen on Friday after the talks and the depot reopens on Friday after talks end", "p:manager"),
        ("The depot will reopen on Friday after the talks and the depot reopens on Friday after talks end", "p:union"),
        ("Nadie cruzará el puente antes del lunes, según la alcaldía, and we will not negotiate with the strikers "
         "under threat", "p:mayor")])]
    kept_before = 0
    for article, published, quotes in plan:
        kept_before = max(kept_before, len(index._best))
        index.add(occurrences(article, published, quotes), records=False)
        assert index._best  # (the adds ask for ids: keys are kept)
        for root, key in index._best.items():
            assert index.groups.find(root) == root  # kept for roots only
            assert key == index._best_of(index._wordings_of(root))
    assert kept_before > 3 and len(list(index._roots())) < kept_before  # (kept statements joined)
    merged = {q.id for q in index.all()}
    assert {index._quote_id_of(r) for r in index._roots()} == merged
    again = reloaded(index)  # not saved: found again when next asked
    assert again._best == {} and [again._merged_id(r) for r in again._roots()] == [index._merged_id(r) for r in index._roots()]


def test_a_statement_merged_with_its_stored_places_gives_its_other_occurrences_and_the_same_fields():
    """`QuoteIndex.merged(root, stored)`: a statement stored under its id comes with the occurrences
    not stored only, each as merging them all gives it, and every other field as merging them all
    gives; a statement not stored (None), or of one occurrence, comes whole."""
    index = QuoteIndex({"p:mayor": "Ana Ruiz"})
    for n in range(3):
        for article, published, quotes in ARTICLES:
            index.add(occurrences(f"{article}-{n}", published, quotes), records=False)
    checked = 0
    for root in sorted({index.groups.find(i) for i in range(len(index.wordings))}):
        whole = index.merged(root)
        places = [(o["article"], o["start"], o["end"]) for o in whole.occurrences]
        kept = set(places[::2])
        part = index.merged(root, lambda quote_id, kept=kept, whole=whole: kept if quote_id == whole.id else None)
        fields = {k: v for k, v in whole.to_dict().items() if k != "occurrences"}
        assert {k: v for k, v in part.to_dict().items() if k != "occurrences"} == fields
        if len(whole.occurrences) > 1:
            assert part.occurrences == [o for o in whole.occurrences if (o["article"], o["start"], o["end"]) not in kept]
            checked += 1
        else:
            assert part.occurrences == whole.occurrences
        assert index.merged(root, lambda quote_id: None).to_dict() == whole.to_dict()
    assert checked > 3
