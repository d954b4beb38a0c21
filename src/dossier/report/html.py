"""`dossier export --format html`: one self-contained HTML file with the story views of
`dossier serve`, to send to a colleague.

It renders the web pages' own templates (src/dossier/web/templates) in "static" mode,
each page as a section of one file: the links become in-page anchors (`#story-<id>`,
`#event-<id>`, `#article-<id>`, `#actor-<id>`, `#all-flags`), the stylesheet is inlined,
and nothing needs a script or loads anything from elsewhere. Each article's text is in
the file once (its own section); the other views cut only short evidence contexts from it.

Article text, titles and outlet names are hostile: Jinja2 autoescapes everything, links are
made only from http(s) URLs, and the page's Content-Security-Policy forbids every script.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from jinja2 import ChoiceLoader, DictLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from dossier import __version__
from dossier.store import corpus as store
from dossier.store.db import snapshot
from dossier.web import links
from dossier.web.data import SEVERITIES, Index, Reader, build_index
from dossier.web.highlight import article_spans, segment
from dossier.web.views import (LIST_MAX, copy_groups, coverage, evidence_items, flags_and_claims, story_events,
                               timeline)

# as the server's pages (src/dossier/web/app.py, which needs the web extra, so not imported here)
ACTOR_QUOTES = 500  # statements listed in an actor's section
_BODY = "\0dossier-sections\0"  # where the sections go in the file's template
STYLE = Path(__file__).resolve().parents[1] / "web" / "static" / "style.css"


def safe_url(url: str | None) -> str | None:
    """A URL fit for an href: http(s) only, so `javascript:` and `data:` never become links."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return url
    return None


def _environment(package: str) -> Environment:
    # for the web pages, a base.html of the main block alone: the page without the server's header and footer
    loader = ChoiceLoader([DictLoader({"base.html": "{% block main %}{% endblock %}"}), PackageLoader(package, "templates")])
    env = Environment(loader=loader if package == "dossier.web" else PackageLoader(package, "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters["safe_url"] = safe_url
    env.globals["version"] = __version__
    env.globals.update(links.STATIC)
    return env


_PAGES = _environment("dossier.web")  # the web pages' templates, rendered with anchors for links
_REPORT = _environment("dossier.report")  # the file around them


class _StoreReader(Reader):
    """The web layer's reader on a connection the caller opened (the export's)."""

    def __init__(self, conn: sqlite3.Connection):
        self.db_path = ""
        self.conn = conn
        self._index = None
        self.cache = {}

    def index(self) -> Index:
        """Read once: the export reads inside one transaction, so the store cannot change under it."""
        if self._index is None:
            self._index = build_index(self.conn)
        return self._index


def _main(name: str, **context: Any) -> str:
    """The `main` block of one web page: the page without the server's header and footer."""
    return _PAGES.get_template(name).render(**context)


def _section(kind: str, ident: str, body: str) -> str:
    return f'<section class="page {kind}" id="{escape(links.static_anchor(kind, ident))}">\n{body}\n</section>\n'


def _story(reader: Reader, index: Index, story: dict[str, Any]) -> str:
    """A story's section, with the same context as the server's story page."""
    events = [index.events[e] for e in story["events"] if e in index.events]
    shown, columns = story_events(events)
    articles = [a for e in events for a in e["articles"]]
    total_quotes, quotes = reader.quotes_in(articles, LIST_MAX, story["counts"]["quotes"])
    flags, total_flags, claims, total_claims = flags_and_claims(reader, index, articles, None, LIST_MAX)
    return _main("story.html", index=index, story=story, events=events, timeline=timeline(shown), columns=columns,
                 coverage=coverage(index, columns), quotes=quotes, total_quotes=total_quotes,
                 flags=evidence_items(reader, flags, "evidence"), total_flags=total_flags,
                 claims=evidence_items(reader, reader.claims(claims), "occurrences"), total_claims=total_claims,
                 list_max=max(LIST_MAX, len(flags)))


def _event(reader: Reader, index: Index, event: dict[str, Any]) -> str:
    total_quotes, quotes = reader.quotes_in(event["articles"], LIST_MAX)
    flags, total_flags, claims, total_claims = flags_and_claims(reader, index, event["articles"], None, LIST_MAX)
    return _main("event.html", index=index, event=event,
                 story=index.story_by_id.get(index.event_story.get(event["id"], "")),
                 groups=copy_groups(index, event["articles"], reader.copy_relations(event["articles"])), quotes=quotes, total_quotes=total_quotes,
                 flags=evidence_items(reader, flags, "evidence"), total_flags=total_flags,
                 claims=evidence_items(reader, reader.claims(claims), "occurrences"), total_claims=total_claims,
                 list_max=max(LIST_MAX, len(flags)))


def _article(reader: Reader, index: Index, article_id: str) -> str | None:
    article = reader.article(article_id)
    if article is None:
        return None
    occurrences = reader.occurrences_in(article_id)
    claims = reader.claims(reader.claims_of([article_id])[1])
    flags = reader.flags(index, index.flags.most_severe_first(index.article_flags.get(article_id, ())))
    spans = article_spans(occurrences, claims, flags, article_id)
    event_id = index.article_event.get(article_id)
    return _main("article.html", index=index, article=article, paragraphs=segment(article["text"], spans),
                 occurrences=occurrences, claims=claims, flags=flags,
                 copied_from=reader.copy_relations([article_id]).get(article_id, []),
                 copies=reader.copy_relations([article_id], "of").get(article_id, []),
                 duplicates=article["sources"][1:], event=index.events.get(event_id or ""),
                 story=index.story_by_id.get(index.story_of_article(article_id) or ""))


def _actor(reader: Reader, index: Index, actor: dict[str, Any], rows: list[sqlite3.Row]) -> str:
    """An actor's section; `rows` are the statements they made (store rows, in store order)."""
    total, quotes = len(rows), reader._with_occurrences(rows[:ACTOR_QUOTES])
    quotes.sort(key=lambda q: (q["first_seen_date"] is None, q["first_seen_date"] or "", q["id"]))
    roles = sorted(actor.get("roles") or [], key=lambda r: (str(r.get("start") or ""), str(r.get("end") or "")))
    return _main("actor.html", index=index, actor=actor, roles=roles, quotes=quotes, total_quotes=total)


def iter_html(conn: sqlite3.Connection) -> Iterator[str]:
    """The page in pieces, section by section, so a big store is never one string in memory twice."""
    reader = _StoreReader(conn)
    with snapshot(conn):  # one snapshot of the store for the whole file
        index = reader.index()
        actors = [a for a in (reader.actor(row[0]) for row in conn.execute("SELECT id FROM actors ORDER BY id")) if a]
        report = _REPORT.get_template("dossier.html")
        indexes = _REPORT.get_template("indexes.html").module
        head, tail = report.render(index=index, style=Markup(STYLE.read_text(encoding="utf-8")),
                                   problems=store.problems(conn), body=Markup(_BODY)).split(_BODY, 1)
        yield head
        yield _section("stories", "list", _main("index.html", index=index, stories=index.stories, offset=0,
                                                total=len(index.stories), per_page=len(index.stories)))
        for story in index.stories:
            yield _section("story", story["id"], _story(reader, index, story))
        for event_id in [e for s in index.stories for e in s["events"] if e in index.events]:
            yield _section("event", event_id, _event(reader, index, index.events[event_id]))
        flags = reader.flags(index, index.flags.most_severe_first(range(len(index.flags))))
        yield ('<section class="page flags" id="all-flags">\n'
               + _main("flags.html", index=index, flags=evidence_items(reader, flags, "evidence"), total=len(flags),
                       offset=0, kinds=[], severities=SEVERITIES, kind="", severity="", list_max=len(flags))
               + "\n</section>\n")
        yield indexes.actors_index(actors)
        by_speaker: dict[str, list[sqlite3.Row]] = defaultdict(list)  # one scan of the statements, not one per actor
        for row in conn.execute("SELECT * FROM quotes WHERE speaker IS NOT NULL ORDER BY rowid"):
            by_speaker[row["speaker"]].append(row)
        for actor in actors:
            yield _section("actor", actor["id"], _actor(reader, index, actor, by_speaker.get(actor["id"], [])))
        yield indexes.articles_index(index)
        for article_id in index.article_order:  # newest first
            body = _article(reader, index, article_id)
            if body is not None:
                yield _section("article", article_id, body)
        yield tail


def write_html_file(conn: sqlite3.Connection, out: IO[str]) -> None:
    for piece in iter_html(conn):
        out.write(piece)


def render_html(conn: sqlite3.Connection) -> str:
    """The whole page as one string (tests and small stores)."""
    return "".join(iter_html(conn))
