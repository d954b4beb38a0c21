"""Incremental corpus linking: every linking step's state, kept from one build to the next.

A `Linker` holds the in-memory indexes of the linking steps (actors, statements, copies,
events) and takes articles one at a time; each `add` returns what changed, so the store
rewrites only those rows. The whole state is saved in the store (`link_state`, one
compressed pickle in chunks of `link_state_chunks`) at the end of a link, so the next build adds its new articles to it instead
of relinking the corpus, and `dossier serve` keeps one resident to link posted articles.

A full link is the same code: a fresh Linker fed every article in (date, id) order. An
incremental add can group a few things differently from a full link of the same articles
(events and statements are assigned greedily as articles arrive); `dossier build
--relink` gives the canonical result. Whenever the saved state does not match the store
(an article's text or analysis changed, an article was removed, another dossier version
or knowledge base), the link is redone in full.
"""

from __future__ import annotations

import gc
import io
import os
import secrets
import sqlite3
import tempfile
from bisect import bisect_left, insort
from dataclasses import dataclass, field
from datetime import date
from collections.abc import Iterable, Iterator
from typing import IO, Any, Callable

import lz4.frame

from dossier import fastjson
from dossier.kb import KnowledgeBase
from dossier.link.actors import ActorIndex
from dossier.link.copies import ArticleText, CopyIndex, closest_originals
from dossier.link import pickling
from dossier.link.pool import give_back_freed_memory
from dossier.link.linkstate import AnalysisKeys, CopyRelations, KeptRelations
from dossier.link.events import LEAD_CHARS, EventArticle, EventIndex, lead_terms, period_of
from dossier.link.quotes import MergedQuote, Occurrence, QuoteIndex, normalize_quote
from dossier.link.timeline import DateTally, LeadFacts
from dossier.model import Mention
from dossier.store.db import rollback
from dossier.store.marks import read_mark, write_mark

STATE_VERSION = "17"  # 2: the lead-date cache; 3: event membership rows and the journal (schema 8); 4: date tallies;
# 5: events keep months and weekdays, Spanish lead words read in English; 6: compact statement occurrences, copy key counts;
# 7: stories kept (story_of, story_members, story_ids); 8: events keep the counts their leads name; 9: counted per article;
# 10: an event is its core days and actors (events.core); 11: pickled in parts (_compressed_pickle);
# 12: a story's events are rows (schema 14), keyed by the state's story roots: a store migrated to them relinks in full;
# compact events (slots, interned strings and dates, postings split by kind, whys as JSON); copy keys in numpy arrays;
# statements as columns of arrays and a shared JSON buffer (link.quotes);
# 13: a copy candidate sharing one key is verified only within WEAK_MATCH_DAYS (link.copies): relinked so the relations are a full link's;
# a copy's exported relations kept compressed (Linker.kept); copy texts read from the store (CopyIndex.texts);
# leads' date facts packed (timeline.LeadFacts); the state compressed with LZ4 (_Deflating)
# 14: events' terms, statements and tallies as arrays and tuples, leads' reasons as their numbers and words (eventsmem2);
# statement rows compact (texts LZ4-compressed against their wordings, records' values by shape; quotesmem2)
# 15: copy keys packed 8 bytes a pair, copy articles as columns; analysis keys by their tails, copy
# relations one packed list per copy, kept relations as places in them (link.linkstate; restmem); statements' wordings,
# record strings and article ids in buffers, record values packed (quotesmem3)
# 16: an event's actors as a flat tally, its articles and whys as tuples, a tally of one key counted once shared;
# arrays pickled from their own memory (link.pickling); 17: the statements pickled last (PARTS)
# An incremental link appends its articles to a journal (link_journal) instead of saving the whole
# state, while the journal holds at most this share of the linked articles (or JOURNAL_MIN). Every
# later add replays the journal, so it pays while replaying it costs less than a snapshot's save
# (`bench/journal_cost.py`): at 20,000 articles a save took 0.77 s and a journaled article 5.5 ms
# of every add (142 articles even), at 200,000 6.6 s and 20.5 ms (323 articles). (It was 5 %: a
# snapshot's save was 4 s at 10,000 articles when it was set, and a replayed article ~13 ms.)
JOURNAL_SHARE = 0.0015
UNDATED = 10**7  # where undated events and stories sort: after every day's ordinal
JOURNAL_MIN = 150
LEAD_ACTOR_KINDS = ("person", "organization", "group", "role")
SMALL_MERGE = 32  # events of a story joining a much larger one that are put in one at a time (`_merged`)


@dataclass
class LinkInput:
    """What linking needs of one article (its primary source's date and title)."""

    id: str
    text: str
    title: str | None
    published: str | None
    outlets: list[str]
    record: dict[str, Any]  # the per-article analysis record
    key: str  # the analysis key it was computed with


@dataclass
class Changes:
    """Rows an add touched: rewrite these and nothing else."""

    actors: set[str] = field(default_factory=set)
    quotes: dict[str, MergedQuote] = field(default_factory=dict)
    retired_quotes: set[str] = field(default_factory=set)
    copies: set[str] = field(default_factory=set)  # copy article ids whose relations changed
    events: set[str] = field(default_factory=set)
    articles: set[str] = field(default_factory=set)
    touched: set[int] = field(default_factory=set)  # wordings whose statements are merged into `quotes` later
    # once merged against the store (`merge_statements` with `stored`): the changed statements stored
    # under the same id before, which keep their rows (None: not known), and the articles each of
    # those gained occurrences from (the batch's, and those of statements it took in)
    kept_quotes: set[str] | None = None
    brought: dict[str, set[str]] = field(default_factory=dict)

    def update(self, other: "Changes") -> None:
        """Take `other`'s changes as coming after these. A statement is never both changed and
        retired in one `Changes` (`add_statements_of`, `merge_statements` keep them apart), so only
        `other`'s changed statements need leaving the retired: not all of these, which made a
        batch of n articles cost n times the statements it touched."""
        self.actors |= other.actors
        self.touched |= other.touched
        for quote_id in other.retired_quotes:
            self.quotes.pop(quote_id, None)
        self.retired_quotes |= other.retired_quotes
        self.quotes.update(other.quotes)
        self.retired_quotes.difference_update(other.quotes)
        self.copies |= other.copies
        self.events |= other.events
        self.articles |= other.articles


class _Names:
    """Actor display names for statement merging, read from the actor index when asked."""

    def __init__(self, actors: ActorIndex) -> None:
        self.actors = actors

    def get(self, actor_id: str, default: str | None = None) -> str | None:
        if actor_id not in self.actors.mentioned:
            return default
        return self.actors.entry(actor_id)["name"]


def add_statements(quotes: QuoteIndex, item: LinkInput, merge: bool = False,
                   records: bool = True) -> tuple[list[MergedQuote], list[str], list[str | None]]:
    """Add an article's quotations to the statements: the statements that changed and the ids
    retired (with `merge`, see `QuoteIndex.add`), and the keys of the statements its occurrences
    are in as the index has them right after (`statement_of`; fragments left out), in the
    occurrences' order, which events compare. `Linker.add` calls it, and so does a full link's
    copy stage in its own process (`link.copy_stage`), which sends the keys to the linker."""
    occurrences = []
    for quote in item.record.get("quotes", []):
        wording = item.text[quote["start"]:quote["end"]]
        occurrences.append(Occurrence(article=item.id, published=item.published, text=wording,
                                      norm=normalize_quote(wording), record=quote, speaker=quote.get("speaker")))
    changed, retired = quotes.add(occurrences, merge=merge, records=records)
    keys = [quotes.statement_of(o.norm) for o in occurrences if o.norm and o.kind != "fragment"]
    return changed, retired, keys


def lead_actors_of(record: dict[str, Any]) -> set[str]:
    """The actors an article's lead names (of its analysis record's mentions), as its event weighs them."""
    return {m["actor"] for m in record.get("mentions", [])
            if m.get("actor") and m["start"] < LEAD_CHARS and m["kind"] in LEAD_ACTOR_KINDS}


def day_of(published: str | None) -> date | None:
    if not published or len(published) < 10:
        return None
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


@dataclass
class StoryRows:
    """What stories a link changed: story rows to delete (by id) and to write, and the
    `story_events` rows (event, story root, place) to write."""
    gone: set[str]
    records: list[dict[str, Any]]
    members: list[tuple[str, str, int]]


class Linker:
    """The linking state of one store; see the module docstring."""

    def __init__(self, kb: KnowledgeBase, kb_fingerprint: str = "") -> None:
        self.kb = kb
        self.kb_fingerprint = kb_fingerprint
        self.actors = ActorIndex(kb)
        self.quotes = QuoteIndex(_Names(self.actors))  # type: ignore[arg-type]
        self.copies = CopyIndex(keep_relations=False)  # the relations are kept here (`relations`, `kept`)
        self.events = EventIndex()
        self.linked = AnalysisKeys()  # article id -> the analysis key it was linked with
        self.relations = CopyRelations()  # copy id -> its candidate relations (packed JSON; link.linkstate)
        # copy id -> the relations exported for it (some of its candidate relations): with their passages
        # and changes they were 130 MB resident at 100,000 articles as dicts, 10 MB as their own zlib JSON
        self.kept = KeptRelations(self.relations)
        self.max_source_rowid = 0
        self.analysis_seq = 0  # the analysis_log entries (schema 11) this state has seen
        self.dated = LeadFacts()  # article id -> what its lead says of dates (link.corpus.date_events)
        self.tallies: dict[str, DateTally] = {}  # event key -> its date tallied so far (link.timeline.DateTally)
        self.story_of: dict[str, str] = {}  # event key -> its story's root event (see regroup_stories)
        self.story_members: dict[str, list[str]] = {}  # story root -> its events
        self.story_ids: dict[str, str] = {}  # story root -> the id its row was last written under
        self.first_days: dict[str, tuple[bool, date, str]] = {}  # event key -> its place in its story
        self.story_biggest: dict[str, tuple[int, str]] = {}  # story root -> (articles, key) of its biggest event

    # -- state ---------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["kb"] = None  # the knowledge base is loaded from its own files
        state["actors"] = dict(self.actors.__dict__, kb=None)
        state.pop("first_days", None)  # derived from the events: computed again on load
        state.pop("story_biggest", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        actors = state.pop("actors")
        self.__dict__.update({part: None for part in PARTS} | state)  # (without its parts: `read_head`)
        self.actors = ActorIndex.__new__(ActorIndex)
        self.actors.__dict__.update(actors)
        self.first_days, self.story_biggest = {}, {}
        if self.quotes is not None:
            self.quotes.actor_names = _Names(self.actors)
        if self.events is not None:
            self._story_order()

    def attach(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.actors.kb = kb

    # -- adding articles -----------------------------------------------------------------
    def add(self, item: LinkInput, merge: bool = True, copies: list[dict[str, Any]] | None = None,
            statements: list[str | None] | None = None, records: bool = True) -> Changes:
        """Link one article into the corpus; return what changed. A full link passes
        merge=False and takes every statement from `quotes.all()` at the end, and may pass what
        another process (`link.copy_stage`) found of the article: its copy relations as `copies`,
        and as `statements` the keys `add_statements` gave when it added the article's quotations
        to that process's statements (which the link then takes as its own `quotes`). Without
        `records` the changed statements are not merged (`add_statements_of`): a journal's replay,
        or a link of many articles, which merges them at its end (`merge_statements`).

        The add's three steps (`take` with `add_statements_of`, `add_copies_of`, `add_event_of`)
        each read one part of the state and hand the next what it needs, so an incremental link
        can run each step over all its articles with only that part loaded (`link.adding`)."""
        changes = Changes(articles={item.id})
        if not self.take(item, changes):
            return changes
        if statements is None:
            statements = self.add_statements_of(item, changes, merge, records)
        linked = self.add_copies_of(item, changes, copies)
        self.add_event_of(item, changes, statements, linked)
        return changes

    def take(self, item: LinkInput, changes: Changes) -> bool:
        """Mark the article linked and add its actors; False when it was linked already (the add
        then does nothing)."""
        if item.id in self.linked:
            return False
        self.linked[item.id] = item.key
        record = item.record
        mentions = [Mention(**m) for m in record.get("mentions", [])]
        speakers = {q.get("speaker") for q in record.get("quotes", []) if q.get("speaker")}
        missing = speakers - self.actors.mentioned
        changes.actors |= self.actors.add(mentions + [Mention(0, 0, "", "person", actor=a) for a in sorted(missing)])
        return True

    def add_statements_of(self, item: LinkInput, changes: Changes, merge: bool = True,
                          records: bool = True) -> list[str | None]:
        """The article's quotations into the statements (the `quotes` part); the keys of the
        statements they are in, as its event compares them. Without `records` the changed
        statements are not merged: `changes` keeps the wordings they hold (`merge_statements`)."""
        changed, retired, statements = add_statements(self.quotes, item, merge, records)
        changes.quotes = {q.id: q for q in changed}
        changes.retired_quotes = set(retired).difference(changes.quotes)
        if not records:
            changes.touched = self.quotes.touched()
        return statements

    def merge_statements(self, changes: Changes,
                         stored: Callable[[str], set[tuple[str, int, int]] | None] | None = None) -> None:
        """The statements `changes` touched without merging them (`records` false), merged once each,
        as they are now: its `quotes`, and its retired ids less theirs. With `stored` (the places a
        statement id has in the store, `link.corpus.stored_places`), a statement stored under its id
        comes with its new occurrences only (`QuoteIndex.merged`): those are `changes.kept_quotes`,
        and the articles of their new occurrences `changes.brought`.

        A kept statement's id is its canonical wording's, so every occurrence it had keeps its record
        (its words' changes are from that wording) and stays in it: its rows stay, and only its new
        ones are written (a statement carried by 309,259 articles had every row deleted and written
        again when a batch of 2,000 quoted it: 50 s); the claims and flags redo less for it
        (`derived._carriers_of_touched`)."""
        kept: set[str] = set()

        def places(quote_id: str) -> set[tuple[str, int, int]] | None:
            found = stored(quote_id)  # type: ignore[misc]
            if found is not None:
                kept.add(quote_id)
            return found

        merged = self.quotes.merge_touched(changes.touched, places if stored is not None else None)
        if stored is not None:
            changes.kept_quotes = kept
            changes.brought = {q.id: {o["article"] for o in q.occurrences} for q in merged if q.id in kept and q.occurrences}
        changes.quotes.update((q.id, q) for q in merged)
        changes.retired_quotes -= set(changes.quotes)
        changes.touched = set()

    def add_copies_of(self, item: LinkInput, changes: Changes,
                      copies: list[dict[str, Any]] | None = None) -> set[str]:
        """The article's copy relations (found by the `copies` part, or given as `copies`), kept
        with the relations; the articles it copies or that copy it, as its event links them."""
        found = self.copies.add(ArticleText(item.id, item.text, item.published, item.outlets)) if copies is None else copies
        linked: set[str] = set()
        for relation in found:
            copy = relation["article"]
            self.relations.append(copy, relation)
            changes.copies.add(copy)
            linked.add(relation["of"] if copy == item.id else copy)
        for copy in changes.copies:
            mine = self.relations.get(copy)
            self.kept.set(copy, self._closest(copy, mine), mine)
        return linked

    def add_event_of(self, item: LinkInput, changes: Changes, statements: list[str | None], linked: set[str],
                     lead_actors: set[str] | None = None) -> None:
        """The article into its event (the `events` part), given its statements and copies (and the
        actors its lead names, `lead_actors_of` its record, when the item is read without it)."""
        lead_actors = lead_actors_of(item.record) if lead_actors is None else lead_actors
        article = EventArticle(item.id, day_of(item.published), item.title, item.text, lead_actors, set(statements), linked,
                               lead_terms(item.title, item.text), period_of(item.published))
        key, _ = self.events.add(article)
        changes.events.add(key)

    def _closest(self, copy: str, mine: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The copy's relations to export, of `mine` (its candidate relations) and its originals' own."""
        originals = {r["of"] for r in mine}
        theirs = [r for o in sorted(originals) for r in self.relations.get(o)]
        return [r for r in closest_originals(mine + [r for r in theirs if r["of"] in originals]) if r["article"] == copy]

    # -- export shapes ---------------------------------------------------------------------
    def copy_records(self, copies: set[str] | None = None) -> list[dict[str, Any]]:
        """The exported relations of these copies (all when None), by original then copy."""
        return list(self.each_copy_record(copies))

    def each_copy_record(self, copies: set[str] | None = None) -> Iterator[dict[str, Any]]:
        """`copy_records` one at a time: a full link writes them without holding them all (as
        dicts, with their passages and changes, ~12 KB a relation). Sorted by their keys first,
        then decoded again one at a time; ties stay in copy id and kept order."""
        ids = self.kept if copies is None else [c for c in copies if c in self.kept]
        order = sorted((r["of"], r["article"], copy, n) for copy in ids for n, r in enumerate(self.kept.get(copy)))
        for _, _, copy, n in order:
            yield self.kept.get(copy)[n]

    def event_record(self, key: str, why: bool = True) -> dict[str, Any]:
        """An event in export shape; without its members' whys (`why` false) for a full link,
        which writes them from the index as it goes (`link.corpus._write_events`)."""
        event = self.events.events[key]
        days = sorted(event.days)
        common = max(days, key=lambda d: (event.days[d], -d.toordinal())) if days else None
        return {"id": event.key, "title": event.title or "", "date": common.isoformat() if common else None,
                "date_range": {"earliest": days[0].isoformat(), "latest": days[-1].isoformat()} if days else None,
                "articles": list(event.articles), "actors": event.top_actors(10)} | (
                    {"why": dict(event.why)} if why else {})

    # -- stories -------------------------------------------------------------------------------
    # A story is kept as its events' common root (`story_of`, with `story_members` per root) and the
    # id it was last written under (`story_ids`), so an incremental link rewrites only the stories
    # its events are in: regrouping every event (`EventIndex.stories`) took seconds per batch at
    # 100,000 articles. A full link regroups everything; an incremental one only adds the changed
    # events' ties (`EventIndex.story_links`), so stories merge but never split until the next full link.
    def regroup_stories(self) -> StoryRows:
        """Every story anew from all events (a full link): their rows in the export's order."""
        self.story_of, self.story_members, self.story_ids = {}, {}, {}
        for members in self.events.stories():
            root = min(members)
            self.story_members[root] = list(members)
            for key in members:
                self.story_of[key] = root
        self._story_order()
        records = [self._story_record(root) for root in self.story_members]
        records.sort(key=lambda r: (r["seq"], r["id"]))
        return StoryRows(set(), records, [self._story_event(key) for key in self.story_of])

    def join_stories(self, keys: set[str]) -> StoryRows:
        """The changed events' stories brought up to date: the story rows to delete and to write,
        and the membership rows of the events that joined, moved or changed story (not every
        event of a story they are in)."""
        roots: set[str] = set()
        moved: set[str] = set()
        place = self.first_days.__getitem__
        for key in sorted(keys):
            if key not in self.story_of:  # a new event: a story of its own until it is tied to one
                self.first_days[key] = self._first_day(key)
                self.story_of[key], self.story_members[key] = key, [key]
                moved.add(key)
            elif self.first_days[key] != self._first_day(key):  # its first day moved: so does its place
                members = self.story_members[self.story_of[key]]
                del members[bisect_left(members, place(key), key=place)]
                self.first_days[key] = self._first_day(key)
                insort(members, key, key=place)
                moved.add(key)
            root = self.story_of[key]
            self.story_biggest[root] = max(self.story_biggest.get(root, (0, "")), (len(self.events.events[key].articles), key))
            roots.add(root)
        gone: set[str] = set()
        for key in sorted(keys):
            for other in self.events.story_links(key):
                mine, theirs = self.story_of[key], self.story_of[other]
                if mine == theirs:
                    continue
                small, big = sorted((mine, theirs), key=lambda r: (len(self.story_members[r]), r))
                for member in self.story_members[small]:
                    self.story_of[member] = big
                moved.update(self.story_members[small])
                self.story_members[big] = _merged(self.story_members[big], self.story_members.pop(small), place)
                self.story_biggest[big] = max(self.story_biggest[big], self.story_biggest.pop(small))
                if small in self.story_ids:
                    gone.add(self.story_ids.pop(small))
                roots.discard(small)
                roots.add(big)
        records = [self._story_record(root) for root in sorted(roots)]
        gone |= {self.story_ids.get(root) for root in roots} - {None} - {r["id"] for r in records}
        return StoryRows(gone, records, [self._story_event(key) for key in sorted(moved)])

    def _first_day(self, key: str) -> tuple[bool, date, str]:
        """An event's place in a story: by its first day, undated last (kept in `first_days`, and
        each story's events kept in that order, so a story of 40,000 events, as one generated
        corpus of 100,000 articles has, is not sorted again at every add)."""
        days = self.events.events[key].days
        return (not days, min(days) if days else date.min, key)

    def _story_order(self) -> None:
        """Each event's place, and each story's events in that order (a full link; a load)."""
        self.first_days = {key: self._first_day(key) for key in self.events.events}
        events = self.events.events
        self.story_biggest = {}  # story root -> (articles, key) of its biggest event: its title's
        for root, members in self.story_members.items():
            members.sort(key=self.first_days.__getitem__)
            self.story_biggest[root] = max((len(events[k].articles), k) for k in members)

    def _story_record(self, root: str) -> dict[str, Any]:
        """A story's row: the title of its biggest event, the id of its first; `seq` orders
        stories by their first event's day, `root` names it in `story_events` (its events are
        rows: `_story_event`)."""
        members = self.story_members[root]  # in order (see _first_day)
        biggest = self.story_biggest[root][1]
        record = {"id": "s" + members[0][1:], "title": self.events.events[biggest].title or "", "root": root,
                  "seq": self._place(members[0])}
        self.story_ids[root] = record["id"]
        return record

    def _story_event(self, key: str) -> tuple[str, str, int]:
        """An event's `story_events` row: (event, its story's root, its place in the story)."""
        return key, self.story_of[key], self._place(key)

    def _place(self, key: str) -> int:
        """An event's first day as a number that sorts as `_first_day` does (ties by key)."""
        undated, day, _ = self.first_days[key]
        return UNDATED if undated else day.toordinal()


def _merged(big: list[str], small: list[str], place: Callable[[str], Any]) -> list[str]:
    """Two stories' events, each list in `place` order (unique places), as one list in that order.

    Sorting the two lists joined calls `place` for every event of both: when a few events join a
    story of hundreds of thousands (one generated story of the 1,000,000-article corpus has
    ~450,000 events), that was most of a batch's linking (py-spy, 2,000 articles added to the
    1,000,000 store). The events of a story of at most SMALL_MERGE are put into a story 16 times
    its size or more one at a time instead (a binary search and a move of the list's tail each);
    others are still merged by the sort."""
    if len(small) > SMALL_MERGE or 16 * len(small) > len(big):
        return sorted(big + small, key=place)  # two sorted runs: timsort merges them in linear time
    for key in small:
        insort(big, key, key=place)
    return big


def event_seq(record: dict[str, Any]) -> int:
    """Events are listed by first day, undated last (ties by id, in the query)."""
    earliest = (record.get("date_range") or {}).get("earliest")
    return date.fromisoformat(earliest).toordinal() if earliest else UNDATED


# -- the store side ------------------------------------------------------------------------
def save_state(conn: sqlite3.Connection, linker: Linker, added: list[LinkInput] | None = None) -> None:
    """Save the linking state: a snapshot (the pickled Linker), or, after an incremental link
    (`added`: the articles it linked, in order), those articles appended to the journal while it
    is short, so a small batch does not rewrite a state as large as the corpus's."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if added is not None and journal_has_room(conn, linker, len(added)):
            _append_journal(conn, linker, added)
        else:
            _store_snapshot(conn, lambda sink: _compressed_pickle(linker, sink), linker.kb_fingerprint,
                            linker.analysis_seq)
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


def journal_has_room(conn: sqlite3.Connection, linker: Linker, adding: int) -> bool:
    """Whether an incremental link that linked `adding` articles (after which the state has
    linked `linker.linked`) saves them into the journal; else it saves a snapshot."""
    journal = conn.execute("SELECT COUNT(*) FROM link_journal").fetchone()[0]
    return (has_state(conn, linker.kb_fingerprint)
            and journal + adding <= max(JOURNAL_MIN, JOURNAL_SHARE * len(linker.linked)))


def _append_journal(conn: sqlite3.Connection, linker: Linker, added: Iterable[LinkInput]) -> None:
    # the batch's articles, then a row without one that closes the batch (where its stories were joined)
    rows = [(i.id, i.key, i.title, i.published, fastjson.dumps(i.outlets), linker.max_source_rowid) for i in added]
    conn.executemany("INSERT INTO link_journal (article_id, key, title, published, outlets, max_source) "
                     "VALUES (?, ?, ?, ?, ?, ?)", rows + [(None, None, None, None, None, linker.max_source_rowid)])


def save_journal(conn: sqlite3.Connection, linker: Linker, added: Iterable[LinkInput]) -> None:
    """`save_state` of an incremental link that `journal_has_room` for: the articles it linked
    appended to the journal (the linker's parts need not be loaded)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        _append_journal(conn, linker, added)
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


def pickle_part(linker: Linker, part: str, file: IO[bytes]) -> None:
    """One part of the state, as a snapshot holds it (its frame), into `file`: an incremental link
    that saves a snapshot pickles each part when it is done with it (`link.adding`)."""
    if part == "quotes":
        _pickle_statements(linker.quotes, file)
    else:
        _frame(file, lambda out: _pickle_part(getattr(linker, part), out), last=True)


def store_parts(conn: sqlite3.Connection, linker: Linker, parts: dict[str, IO[bytes]]) -> None:
    """Save a snapshot of `linker` (its own attributes; its parts not loaded) and of its parts
    pickled apart into files (`pickle_part`): the bytes `save_state` stores for the whole state."""
    def write(sink: Any) -> list[int]:
        _pickle_own(linker, sink)
        places = []
        for part in PARTS:
            places.append(sink.tell())
            _copy_file(parts[part], sink)
        sink.flush()
        return places

    conn.execute("BEGIN IMMEDIATE")
    try:
        _store_snapshot(conn, write, linker.kb_fingerprint, linker.analysis_seq)
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


class PickledState:
    """A snapshot of the linking state, pickled and compressed into a temporary file: a full link
    takes it once the tables are written, drops the state, and stores the snapshot at its end
    (`save_pickled_state`), so the state is not in memory beside the claims-and-flags workers, and
    a link that fails before its end still leaves no state. Its bytes are those `save_state` stores.
    The file is open before the state is written into it, so a forked process can fill it."""

    def __init__(self, kb_fingerprint: str, analysis_seq: int) -> None:
        self.kb_fingerprint, self.analysis_seq = kb_fingerprint, analysis_seq
        self.file = tempfile.TemporaryFile()
        # where each of PARTS begins in the file (`_compressed_pickle`); written by the process that pickles
        # (a full link's forked linking process returns them: `parts` is set from what it returned)
        self.parts: list[int] = []

    def write_head(self, linker: Linker) -> None:
        """All of the state but its statements: the caller may then drop the rest of the linker
        before it loads the statements, and gives them to `write_statements`."""
        self.file.seek(0)
        self.file.truncate()
        self.parts = _pickle_head(linker, self.file)

    def write_statements(self, quotes: QuoteIndex | SpooledIndex) -> None:
        """The statements after `write_head`: the snapshot is then whole, as `save_state` stores it."""
        assert len(self.parts) == len(PARTS) - 1, "write_head first"
        self.parts.append(self.file.tell())
        _pickle_statements(quotes, self.file)
        self.file.flush()

    def copy_to(self, sink: Any) -> list[int]:
        """The snapshot's bytes into `sink`; where its parts begin."""
        assert len(self.parts) == len(PARTS), "the snapshot is not whole"
        _copy_file(self.file, sink)
        sink.flush()
        return self.parts

    def close(self) -> None:
        self.file.close()


def save_pickled_state(conn: sqlite3.Connection, pickled: PickledState) -> None:
    """Store a snapshot taken before (`PickledState`) as `save_state` stores one."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        _store_snapshot(conn, pickled.copy_to, pickled.kb_fingerprint, pickled.analysis_seq)
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


def _store_snapshot(conn: sqlite3.Connection, write: Callable[[Any], list[int]], kb_fingerprint: str,
                    analysis_seq: int) -> None:
    """The snapshot's rows, in the caller's transaction: `write(sink)` puts its compressed bytes into
    `sink` and says where its parts begin in them."""
    conn.execute("DELETE FROM link_state_chunks")
    parts = write(_Chunks(conn))
    conn.execute("INSERT OR REPLACE INTO link_state (id, version, kb, state) VALUES (1, ?, ?, ?)",
                 (STATE_VERSION, kb_fingerprint, b""))
    # a new token per snapshot, kept apart from it: a server reads it to see whether another
    # build saved a state since (reading columns after the blob walks all its pages); and where
    # each part begins, so an add can read one part at a time (`read_head`, `read_part`)
    write_mark(conn, "linking state", 0, token=secrets.token_hex(8), parts=dict(zip(PARTS, parts)))
    conn.execute("DELETE FROM link_journal")
    conn.execute("DELETE FROM analysis_log WHERE seq <= ?", (analysis_seq,))


class _Chunks:
    """Where a saved state's compressed bytes go: rows of `link_state_chunks` (schema 14) of
    CHUNK bytes each, written as they fill. One blob would exceed SQLite's 1 GB limit on a value
    for a corpus of a million articles, and would be in memory whole while it is written."""

    CHUNK = 32 << 20

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._parts: list[bytes] = []
        self._size = 0
        self._seq = 0
        self._written = 0

    def tell(self) -> int:
        """Bytes written so far (where the next part begins)."""
        return self._written

    def write(self, data: bytes) -> None:
        if data:
            self._parts.append(data)
            self._size += len(data)
            self._written += len(data)
        while self._size >= self.CHUNK:
            pending = b"".join(self._parts)
            self._insert(pending[:self.CHUNK])
            self._parts, self._size = [pending[self.CHUNK:]], len(pending) - self.CHUNK

    def flush(self) -> None:
        if self._size:
            self._insert(b"".join(self._parts))
            self._parts, self._size = [], 0

    def _insert(self, data: bytes) -> None:
        self._conn.execute("INSERT INTO link_state_chunks (seq, data) VALUES (?, ?)", (self._seq, data))
        self._seq += 1


class _Deflating:
    """A file that compresses what is written to it into `sink` (its `write`, then its `flush`
    at the end), as one LZ4 frame. LZ4 rather than zlib level 1: on the state of 10,000 articles
    (53 MB pickled) it wrote in 0.17 s instead of 1.02 s and read in 0.12 s instead of 0.35 s,
    for 34 MB instead of 26 MB stored; the state is written at the end of every full link and
    read by every build that adds to a linked store."""

    def __init__(self, sink: Any) -> None:
        self._compressor = lz4.frame.LZ4FrameCompressor()
        self._sink = sink
        self._sink.write(self._compressor.begin())

    # A buffer is compressed this many bytes at a time: compressed whole, a large one (the statements'
    # columns, hundreds of MB at 1,000,000 articles) took as much again for LZ4's output, and the
    # process that pickled an index held both at its peak.
    SLICE = 1 << 20

    def write(self, data: Any) -> int:
        # bytes, or a pickle.PickleBuffer: protocol 5 hands large buffers (the numpy arrays of the
        # copy keys and statements) over as they are, and those have no len()
        with memoryview(data) as whole, whole.cast("B") as view:
            for start in range(0, view.nbytes, self.SLICE):
                with view[start:start + self.SLICE] as part:
                    self._sink.write(self._compressor.compress(part))
            return view.nbytes

    def close(self, flush: bool = True) -> None:
        """End the frame (and flush the sink, unless another frame follows)."""
        self._sink.write(self._compressor.flush())
        if flush:
            self._sink.flush()


# the state's largest parts, pickled one after another; the statements last, so a full link can pickle
# the others and drop them before it loads the statements to write them (`PickledState.write_head`)
PARTS = ("copies", "events", "quotes")


class SpooledIndex:
    """An index pickled into a temporary LZ4 file, by the process that built it (a full link's
    copy stage, `link.copy_stage`): loaded when it is needed (`load`), or copied into a snapshot
    of the state as it is (`_compressed_pickle`), so a full link's parent never holds the copies'
    index (~1 KB an article), which nothing after the linking reads. The file is removed once
    loaded, or by `remove`."""

    def __init__(self, path: str) -> None:
        self.path = path

    @classmethod
    def write(cls, index: Any, folder: str | None = None) -> "SpooledIndex":
        """The index pickled as it is written, into a new file in `folder` (else the temporary folder).
        (Sent whole through a queue, an index was one pickled bytes object on each side, as large again
        as the index pickled.)"""
        handle, path = tempfile.mkstemp(prefix="dossier-link-", suffix=".pickle.lz4", dir=folder)
        try:
            with os.fdopen(handle, "wb") as file:
                stream = _Deflating(file)
                pickling.dump(index, stream)
                stream.close()
        except BaseException:
            os.unlink(path)
            raise
        return cls(path)

    def _pickle(self) -> io.BufferedReader:
        def blocks() -> Iterator[bytes]:
            with open(self.path, "rb") as file:
                yield from iter(lambda: file.read(1 << 20), b"")
        return io.BufferedReader(_Inflating(blocks()), 1 << 20)

    def load(self) -> Any:
        """The index, unpickled as its file is read and decompressed; the file is removed."""
        try:
            return pickling.load(self._pickle())
        finally:
            self.remove()

    def copy_pickle(self, out: Any) -> None:
        """Its pickle's bytes, decompressed, into `out`: what pickling the index there would write
        (with what `pickling.dump` wrote after it, read back by `pickling.load`)."""
        stream = self._pickle()
        for block in iter(lambda: stream.read(1 << 20), b""):
            out.write(block)

    def remove(self) -> None:
        if os.path.exists(self.path):
            os.unlink(self.path)

    def __reduce__(self) -> Any:
        raise TypeError("a spooled index is copied into a snapshot by _compressed_pickle, not pickled")



def _compressed_pickle(linker: Linker, sink: Any) -> list[int]:
    """The state pickled straight into the compressor, its largest parts one at a time: neither the whole
    pickle nor one memo of every object in the state is in memory at once (pickle remembers each
    object it wrote; for the ~30 million objects of the state of 100,000 articles that memo took
    ~2 GB at the peak of a full link). The parts share no objects: the statements' actor names
    are attached again on load. The compressed bytes go to `sink` as they come (`_Chunks`), the
    Linker's own attributes and each part in an LZ4 frame of its own; returned: where each part's
    frame begins in `sink` (its `tell()`), so that a part can be read alone (`read_part`)."""
    parts = _pickle_head(linker, sink)
    parts.append(sink.tell())
    _pickle_statements(linker.quotes, sink)
    return parts


def _pickle_own(linker: Linker, sink: Any) -> dict[str, Any]:
    """The Linker's own attributes (its state less PARTS) as the snapshot's first frame; its whole state returned."""
    state = linker.__getstate__()
    _frame(sink, lambda out: pickling.dump({k: v for k, v in state.items() if k not in PARTS}, out))
    return state


def _copy_file(file: IO[bytes], sink: Any) -> None:
    """A file's bytes from its start into `sink`, a chunk at a time."""
    file.seek(0)
    for block in iter(lambda: file.read(_Chunks.CHUNK), b""):
        sink.write(block)


def _frame(sink: Any, write: Callable[[_Deflating], None], last: bool = False) -> None:
    """What `write` writes, compressed as one LZ4 frame into `sink` (flushed after the last)."""
    out = _Deflating(sink)
    write(out)
    out.close(flush=last)


def _pickle_head(linker: Linker, sink: Any) -> list[int]:
    """All of the state but its statements: the Linker's own attributes, then its other parts; where
    those parts begin."""
    state = _pickle_own(linker, sink)
    parts = []
    for part in PARTS[:-1]:
        parts.append(sink.tell())
        _frame(sink, lambda out: _pickle_part(state[part], out))  # noqa: B023  (called at once)
    return parts


def _pickle_statements(quotes: QuoteIndex | SpooledIndex, sink: Any) -> None:
    """The state's last part, its statements, without the actor names they are given on load."""
    names = getattr(quotes, "actor_names", None)
    if names is not None:
        quotes.actor_names = None  # type: ignore[union-attr]
    try:
        _frame(sink, lambda out: _pickle_part(quotes, out), last=True)
    finally:
        if names is not None:
            quotes.actor_names = names  # type: ignore[union-attr]


def _pickle_part(part: Any, out: _Deflating) -> None:
    if isinstance(part, SpooledIndex):  # pickled by the process that built it
        part.copy_pickle(out)
    else:
        pickling.dump(part, out)


def _unpickle(stream: io.BufferedReader) -> Linker:
    """A state `_compressed_pickle` wrote."""
    state = pickling.load(stream)
    for part in PARTS:
        state[part] = pickling.load(stream)
    linker = Linker.__new__(Linker)
    linker.__setstate__(state)
    return linker


class _Inflating(io.RawIOBase):
    """A file reading the chunks `_Deflating` wrote (bytes, in order; one LZ4 frame or several, one
    after another) as they decompress, for `pickle.load`: neither the whole pickle nor the whole
    compressed state is in memory at once."""

    CHUNK = 1 << 20

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._data = memoryview(b"")
        self._at = 0
        self._inflater = lz4.frame.LZ4FrameDecompressor()
        self._out = b""
        self._out_at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._out_at >= len(self._out):
            if self._at >= len(self._data):
                data = next(self._chunks, None)
                if data is None:
                    return 0
                self._data, self._at = memoryview(data), 0
            chunk = self._data[self._at:self._at + self.CHUNK]
            if self._inflater.eof:  # a frame ended: the next begins here
                self._inflater = lz4.frame.LZ4FrameDecompressor()
            self._out, self._out_at = self._inflater.decompress(chunk), 0
            # what followed the end of a frame in this chunk is the next frame's, read next
            self._at += len(chunk) - (len(self._inflater.unused_data or b"") if self._inflater.eof else 0)
        size = min(len(buffer), len(self._out) - self._out_at)
        buffer[:size] = self._out[self._out_at:self._out_at + size]
        self._out_at += size
        return size


def _stored_chunks(conn: sqlite3.Connection, place: int = 0) -> Iterator[bytes]:
    """The saved state's compressed bytes, from `place` bytes in (SQLite knows a blob's length
    without reading it: the chunks before are not read), a MiB at a time (`_chunk_pieces`)."""
    at = 0
    for seq, size in conn.execute("SELECT seq, length(data) FROM link_state_chunks ORDER BY seq").fetchall():
        if at + size > place:
            yield from _chunk_pieces(conn, seq, max(0, place - at))
        at += size


def _chunk_pieces(conn: sqlite3.Connection, seq: int, start: int, piece: int = 1 << 20) -> Iterator[bytes]:
    """A chunk's bytes from `start`, a piece at a time by SQLite's incremental blob I/O (Python 3.11):
    read whole, a 32 MB chunk was in memory twice (SQLite's and Python's) beside the last one, which
    made reading any part of the state ~130 MiB larger at its peak."""
    if not hasattr(conn, "blobopen"):  # Python 3.10
        yield conn.execute("SELECT data FROM link_state_chunks WHERE seq = ?", (seq,)).fetchone()[0][start:]
        return
    with conn.blobopen("link_state_chunks", "data", seq, readonly=True) as blob:
        blob.seek(start)
        while data := blob.read(piece):
            yield data


def stored_state_size(conn: sqlite3.Connection) -> int:
    """Bytes of the saved state (compressed), for reports and tests."""
    return conn.execute("SELECT COALESCE(SUM(length(data)), 0) FROM link_state_chunks").fetchone()[0]


def load_state(conn: sqlite3.Connection, kb: KnowledgeBase, kb_fingerprint: str) -> Linker | None:
    """The saved linking state, or None when there is none or it was made for another
    dossier version or knowledge base."""
    if not has_state(conn, kb_fingerprint):
        return None
    # Unpickling makes millions of objects, none of them garbage: with the collector off it takes a
    # quarter of the time (1.1 s instead of 4.2 s for the state of 10,000 articles).
    collecting = gc.isenabled()
    gc.disable()
    chunks = _stored_chunks(conn)
    try:
        linker = _unpickle(io.BufferedReader(_Inflating(chunks), 1 << 20))
    except Exception:  # a state from another build of the code: relink in full
        return None
    finally:
        chunks.close()
        if collecting:
            gc.enable()
    # the stream's chunks and the unpickling's memos were freed between the state's objects: given back
    # (a state of 100,000 articles: 454 -> 400 MB resident)
    give_back_freed_memory()
    linker.attach(kb)
    linker.copies.texts = text_reader(conn)
    return _replay(conn, linker)


def part_places(conn: sqlite3.Connection) -> dict[str, int] | None:
    """Where each part of the saved state begins in its compressed bytes; None for a state saved
    before the parts had frames of their own (read whole, by `load_state`)."""
    places = (read_mark(conn, "linking state") or {}).get("parts")
    return places if isinstance(places, dict) and set(places) == set(PARTS) else None


class UnreadableState(Exception):
    """A part of the saved state could not be read (`read_part`): the corpus is linked anew."""


def has_state(conn: sqlite3.Connection, kb_fingerprint: str) -> bool:
    """Whether the store has a saved state of this version and knowledge base."""
    row = conn.execute("SELECT version, kb FROM link_state WHERE id = 1").fetchone()
    return row is not None and tuple(row) == (STATE_VERSION, kb_fingerprint)


def read_head(conn: sqlite3.Connection, kb: KnowledgeBase, kb_fingerprint: str) -> Linker | None:
    """The saved state without its parts (`copies`, `events` and `quotes` are None until
    `read_part`), not brought up to date by the journal: what an incremental link reads first
    (`link.adding`). None when there is no state of this version and knowledge base, or its
    parts cannot be read one at a time."""
    if not has_state(conn, kb_fingerprint) or part_places(conn) is None:
        return None
    try:
        state = _read_frame(conn, 0)
    except Exception:  # a state from another build of the code: relink in full
        return None
    linker = Linker.__new__(Linker)
    linker.__setstate__(state)
    linker.attach(kb)
    return linker


def read_part(conn: sqlite3.Connection, linker: Linker, part: str) -> None:
    """One part of the saved state into `linker` (`read_head`'s), ready to link with."""
    places = part_places(conn)
    assert places is not None and part in PARTS
    try:
        value = _read_frame(conn, places[part])
    except (MemoryError, OSError):
        raise
    except Exception as error:  # as `load_state`: a state that cannot be read is linked anew
        raise UnreadableState(f"the {part} of the saved linking state: {error!r}") from error
    setattr(linker, part, value)
    if part == "quotes":
        value.actor_names = _Names(linker.actors)
    elif part == "copies":
        value.texts = text_reader(conn)
    else:
        linker._story_order()  # each event's place in its story, from the events


def drop_part(linker: Linker, part: str) -> None:
    """Let a part go (`read_part`'s), and give its memory back to the system. (Its reference cycles
    too: without a collection ~100 of the events' 210 MiB stayed at 200,000 articles; the collection
    took 0.04 s there.)"""
    setattr(linker, part, None)
    if part == "events":
        linker.first_days, linker.story_biggest = {}, {}
    gc.collect()
    give_back_freed_memory()


def _read_frame(conn: sqlite3.Connection, place: int) -> Any:
    """The value pickled in the frame that begins `place` bytes into the saved state (with the collector
    off, as `load_state` reads; what the reading freed given back)."""
    collecting = gc.isenabled()
    gc.disable()
    chunks = _stored_chunks(conn, place)
    try:
        return pickling.load(io.BufferedReader(_Inflating(chunks), 1 << 20))
    finally:
        chunks.close()  # (the rest of the state unread: its blob closed now, not when collected)
        if collecting:
            gc.enable()
        give_back_freed_memory()


def text_reader(conn: sqlite3.Connection) -> Callable[[str], str]:
    """An article's text from the store, by id: what the copy index reads instead of keeping
    every text (`CopyIndex.texts`)."""
    def text(article_id: str) -> str:
        row = conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise LookupError(f"article {article_id} is in the linking state but no longer in the store")
        return row[0]
    return text


def _replay(conn: sqlite3.Connection, linker: Linker, chunk: int = 500) -> Linker | None:
    """The snapshot brought up to date: the journal's articles added again, in their order and
    with the title, date and outlets they had, which gives the state the incremental links had.
    None when one of them has been analysed again since (the caller relinks in full)."""
    journal = conn.execute("SELECT article_id, key, title, published, outlets, max_source FROM link_journal "
                           "ORDER BY seq").fetchall()
    if not journal:
        return linker
    for (article_id,) in conn.execute("SELECT DISTINCT article_id FROM sources WHERE rowid > ?",
                                      (linker.max_source_rowid,)):
        linker.dated.pop(article_id, None)  # the cache of what leads say: its date may have changed since
        if article_id in linker.events.event_of:
            linker.tallies.pop(linker.events.event_of[article_id], None)
    ids = [r[0] for r in journal if r[0] is not None]
    stored: dict[str, tuple[str, str, str]] = {}
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        stored.update((r[0], (r[1], r[2], r[3])) for r in conn.execute(
            f"SELECT a.id, a.text, an.key, an.record FROM articles a JOIN analyses an ON an.article_id = a.id "
            f"WHERE a.id IN ({','.join('?' * len(part))})", part))
    events: set[str] = set()
    for article_id, key, title, published, outlets, max_source in journal:
        if article_id is not None:
            text, current, record = stored.get(article_id, (None, None, None))
            if current != key:
                return None
            events |= linker.add(LinkInput(article_id, text, title, published, fastjson.loads(outlets), fastjson.loads(record),
                                           key), records=False).events
        else:  # the end of a batch: its stories were joined here (link.corpus.apply_changes)
            linker.join_stories(events)
            events = set()
        linker.max_source_rowid = max_source
    return linker
