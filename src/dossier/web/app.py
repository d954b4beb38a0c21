"""The FastAPI application: server-rendered pages and the JSON API under /api/.

Safety: article text, titles, outlet names and URLs are hostile. Templates autoescape
everything; links are made only from http(s) URLs; every response carries a strict
Content-Security-Policy (scripts and styles only from this server, no inline script,
no inline handlers, nothing from elsewhere); writes need the bearer token from
`DOSSIER_TOKEN`, and without one the server is read-only.
"""

from __future__ import annotations

import asyncio
import hmac
import inspect
import json
import logging
import os
import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from dossier import __version__
from dossier.store.lock import StoreBusy
from dossier.web import links
from dossier.web import search as fts
from dossier.web.data import SEVERITIES, Reader
from dossier.web.highlight import article_spans, segment
from dossier.web.views import (LIST_MAX, copy_groups, coverage, evidence_items, flags_and_claims, story_events,
                               timeline)
from dossier.web.ingest import ACCEPTED, BadInput, ingest, parse_body

log = logging.getLogger("dossier.web")

MAX_BODY = 10_000_000  # bytes in one POST
WAIT_SECONDS = 30.0  # a POST waits this long for its build, then answers 202 with the job to ask later
BUSY_RETRY_AFTER = 60  # seconds a POST refused while a build from the command line writes the store is told to wait
MAX_LIMIT = 500
STORIES_PER_PAGE = 100

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """ASGI middleware adding the security headers to every response (a plain ASGI
    wrapper: Starlette's BaseHTTPMiddleware costs far more per request)."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in SECURITY_HEADERS if h[0] not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class HostCheck:
    """Answer only requests whose Host header names this server (by default its loopback
    names), so a web page on another site cannot read the local server through DNS rebinding."""

    def __init__(self, app: Any, hosts: tuple[str, ...]):
        self.app, self.hosts = app, {h.lower() for h in hosts}

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name.lower() not in self.hosts:
                response = _error(421, f"this server answers only to {', '.join(sorted(self.hosts))}, not to host {host!r}")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def safe_url(url: str | None) -> str | None:
    """A URL fit for an href: http(s) only, so `javascript:` and `data:` never become links."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return url
    return None


# Newer FastAPI traces and meters every request through OpenTelemetry's global providers; dossier is
# an offline tool that reports nothing anywhere, so turn that off where the option exists.
_NO_TELEMETRY: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False, "operation_spans": False, "auto_configure": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters else {})


def _templates() -> Environment:
    env = Environment(loader=PackageLoader("dossier.web", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["safe_url"] = safe_url
    env.globals["version"] = __version__
    env.globals.update(links.SERVER)  # page URLs (the HTML export renders the same templates with anchors)
    return env


def _compact(value: Any) -> str:
    """`value` as JSONResponse encodes it."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))


def _error(status: int, message: str, details: list[Any] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": message, "status": status}
    if details:
        body["details"] = details
    return JSONResponse(body, status_code=status, headers=headers)


def _next(request: Request, count: int, total: int, limit: int, offset: int) -> str | None:
    """The next page's path and query (relative, so the same for every host name), or None."""
    if offset + count >= total:
        return None
    url = request.url.include_query_params(offset=offset + limit, limit=limit)
    return f"{url.path}?{url.query}"


def _page(items: list[Any], total: int, limit: int, offset: int, request: Request) -> dict[str, Any]:
    """The paginated envelope: items, total, and the URL of the next page (or null)."""
    following = _next(request, len(items), total, limit, offset)
    return {"total": total, "limit": limit, "offset": offset, "next": following, "items": items}


def _raw_page(items: list[bytes], total: int, limit: int, offset: int, request: Request) -> Response:
    """`_page` for items that are UTF-8 JSON already."""
    following = _next(request, len(items), total, limit, offset)
    head = {"total": total, "limit": limit, "offset": offset, "next": following}
    body = json.dumps(head)[:-1].encode() + b',"items":[' + b",".join(items) + b"]}"
    return Response(body, media_type="application/json")


# --- the application ---------------------------------------------------------------------

class Job:
    """One ingest: submitted to the server's single build thread, so builds never overlap."""

    def __init__(self, articles: int):
        self.id = uuid.uuid4().hex[:16]
        self.articles = articles
        self.status = "queued"
        self.result: dict[str, Any] | None = None
        self.error: str | None = None
        self.busy = False  # failed because another process was writing the store: worth trying again
        self.future: asyncio.Future | None = None

    def view(self) -> dict[str, Any]:
        return {"job": self.id, "status": self.status, "articles": self.articles, "status_url": f"/api/jobs/{self.id}",
                "message": "the articles are being read and linked; ask the status URL for the result"}


class Jobs:
    """The ingests of one server, run one at a time in a thread; the last few kept for their results."""

    KEEP = 200

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dossier-ingest")
        self.jobs: dict[str, Job] = {}

    def submit(self, work: Any, articles: int) -> Job:
        job = Job(articles)

        def run() -> None:
            job.status = "running"
            try:
                job.result = work()
                job.status = "done"
            except StoreBusy as exc:  # a build from the command line is writing the store: not a bug
                job.error, job.status, job.busy = str(exc), "failed", True
            except Exception as exc:  # a bug, not bad input (input was checked before): say so, keep serving
                log.exception("ingest %s failed", job.id)
                job.error, job.status = f"{type(exc).__name__}: {exc}", "failed"

        job.future = asyncio.get_running_loop().run_in_executor(self.pool, run)
        self.jobs[job.id] = job
        finished = [j for j in self.jobs.values() if j.status in ("done", "failed")]
        for old in finished[:max(0, len(self.jobs) - self.KEEP)]:
            del self.jobs[old.id]
        return job

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)


def create_app(db_path: str | Path, token: str | None = None, max_body: int = MAX_BODY, kb_file: str | None = None,
               hosts: tuple[str, ...] | None = None) -> FastAPI:
    """The server for one store. `token` enables `POST /api/articles`; None leaves it read-only.
    `hosts`: the Host names to answer to (None: any, as behind a proxy or in tests)."""
    db_path = str(db_path)
    reader = Reader(db_path)
    reader.index()  # read the corpus-level tables now, not on the first visitor's request
    search_index = fts.SearchIndex(db_path)
    jobs = Jobs()
    env = _templates()
    app = FastAPI(title="dossier", version=__version__, docs_url=None, redoc_url=None, **_NO_TELEMETRY,
                  description="A source-traced record of a developing news story: stories, events, articles, "
                              "statements, actors, claims and flags, each with evidence spans into an article's "
                              "clean text. Lists are paginated with `limit` and `offset` and give `total` and `next`.")
    app.state.reader = reader
    app.state.read_only = not token
    static = Path(__file__).parent / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")
    app.add_middleware(SecurityHeaders)
    if hosts:
        app.add_middleware(HostCheck, hosts=tuple(hosts))

    def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(name).render(index=reader.index(), read_only=app.state.read_only, **context)
        return HTMLResponse(html, status_code=status)

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/") or request.url.path == "/api"

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 405:
            allowed = (exc.headers or {}).get("Allow", "")
            message = f"method {request.method} is not allowed on {request.url.path}" + (f" (allowed: {allowed})" if allowed else "")
            if request.url.path.rstrip("/") == "/api/articles" and app.state.read_only:
                message += "; this server is read-only (start it with DOSSIER_TOKEN set to accept articles)"
        if exc.status_code == 404 and message == "Not Found":
            message = f"nothing at {request.url.path}"
        if is_api(request) or request.url.path in ("/openapi.json",):
            return _error(exc.status_code, message, headers=exc.headers)
        return render("error.html", status=exc.status_code, status_code=exc.status_code, message=message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = [f"{' '.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()]
        if is_api(request):
            return _error(422, details[0] if details else "invalid request", details)
        return render("error.html", status=422, status_code=422, message="; ".join(details))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        if is_api(request):
            return _error(500, f"internal error ({type(exc).__name__}); the server log has the details")
        return render("error.html", status=500, status_code=500, message="internal error; the server log has the details")

    async def ensure_search() -> None:
        """The search index, rebuilt if the store changed since; checked once per store version. A
        rebuild (17 s at 100,000 articles) runs in a thread on a connection of its own, one at a time:
        the searches wait for it, the other pages do not."""
        reader.index()
        if "search-ready" not in reader.cache:
            await asyncio.get_running_loop().run_in_executor(None, search_index.ensure)
            reader.cache["search-ready"] = True

    def not_found(what: str, ident: str) -> StarletteHTTPException:
        return StarletteHTTPException(404, f"no {what} with id {ident!r}")

    # --- pages -----------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def home(offset: int = Query(0, ge=0)) -> Response:
        index = reader.index()
        return render("index.html", stories=index.stories[offset:offset + STORIES_PER_PAGE], offset=offset,
                      total=len(index.stories), per_page=STORIES_PER_PAGE)

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    async def story_page(story_id: str) -> Response:
        index = reader.index()
        story = index.story_by_id.get(story_id)
        if story is None:
            raise not_found("story", story_id)
        key = ("story-page", story_id)
        if key in reader.cache:  # rendered once per store version
            return HTMLResponse(reader.cache[key])
        events = [index.events[e] for e in story["events"] if e in index.events]
        shown, columns = story_events(events)
        articles = [a for e in events for a in e["articles"]]
        total_quotes, quotes = reader.quotes_in(articles, LIST_MAX, story["counts"]["quotes"])
        flags, total_flags, claims, total_claims = flags_and_claims(reader, index, articles, LIST_MAX, LIST_MAX)
        response = render("story.html", story=story, events=events, timeline=timeline(shown), columns=columns,
                          coverage=coverage(index, columns), quotes=quotes, total_quotes=total_quotes,
                          flags=evidence_items(reader, flags, "evidence"), total_flags=total_flags,
                          claims=evidence_items(reader, reader.claims(claims), "occurrences"), total_claims=total_claims,
                          list_max=LIST_MAX)
        if len(reader.cache) > 512:  # bound the memo; it empties on every store change anyway
            reader.cache.clear()
        reader.cache[key] = response.body
        return response

    @app.get("/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
    async def event_page(event_id: str) -> Response:
        index = reader.index()
        event = index.events.get(event_id)
        if event is None:
            raise not_found("event", event_id)
        total_quotes, quotes = reader.quotes_in(event["articles"], LIST_MAX)
        flags, total_flags, claims, total_claims = flags_and_claims(reader, index, event["articles"], LIST_MAX, LIST_MAX)
        return render("event.html", event=event, story=index.story_by_id.get(index.event_story.get(event_id, "")),
                      groups=copy_groups(index, event["articles"], reader.copy_relations(event["articles"])), quotes=quotes, total_quotes=total_quotes,
                      flags=evidence_items(reader, flags, "evidence"), total_flags=total_flags,
                      claims=evidence_items(reader, reader.claims(claims), "occurrences"), total_claims=total_claims,
                      list_max=LIST_MAX)

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    async def article_page(article_id: str) -> Response:
        index = reader.index()
        article = reader.article(article_id)
        if article is None:
            raise not_found("article", article_id)
        occurrences = reader.occurrences_in(article_id)
        claims = reader.claims(reader.claims_of([article_id])[1])
        flags = reader.flags(index, index.flags.most_severe_first(index.article_flags.get(article_id, ())))
        spans = article_spans(occurrences, claims, flags, article_id)
        event_id = index.article_event.get(article_id)
        return render("article.html", article=article, paragraphs=segment(article["text"], spans),
                      occurrences=occurrences, claims=claims, flags=flags,
                      copied_from=reader.copy_relations([article_id]).get(article_id, []),
                      copies=reader.copy_relations([article_id], "of").get(article_id, []),
                      duplicates=[s for s in article["sources"][1:]], event=index.events.get(event_id or ""),
                      story=index.story_by_id.get(index.story_of_article(article_id) or ""))

    @app.get("/actors/{actor_id:path}", response_class=HTMLResponse, include_in_schema=False)
    async def actor_page(actor_id: str) -> Response:
        actor = reader.actor(actor_id)
        if actor is None:
            raise not_found("actor", actor_id)
        total, quotes = reader.quotes_page(LIST_MAX * 5, 0, speaker=actor_id)
        quotes.sort(key=lambda q: (q["first_seen_date"] is None, q["first_seen_date"] or "", q["id"]))
        roles = sorted(actor.get("roles") or [], key=lambda r: (str(r.get("start") or ""), str(r.get("end") or "")))
        return render("actor.html", actor=actor, roles=roles, quotes=quotes, total_quotes=total)

    @app.get("/flags", response_class=HTMLResponse, include_in_schema=False)
    async def flags_page(kind: str | None = None, severity: str | None = None,
                         offset: int = Query(0, ge=0)) -> Response:
        index = reader.index()
        chosen = index.flags.most_severe_first(index.flags.places(kind or None, severity or None))
        page = reader.flags(index, chosen[offset:offset + LIST_MAX])
        return render("flags.html", flags=evidence_items(reader, page, "evidence"), total=len(chosen), offset=offset,
                      kinds=sorted(k for k in index.flags.kinds if k), severities=SEVERITIES,
                      kind=kind or "", severity=severity or "", list_max=LIST_MAX)

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    async def search_page(q: str = Query("", max_length=500)) -> Response:
        articles: list[dict[str, Any]] = []
        statements: list[dict[str, Any]] = []
        totals = (0, 0)
        problem = None
        if q.strip():
            try:
                await ensure_search()
                total_a, articles = fts.search_articles(reader.conn, q, 50, 0)
                total_s, statements = fts.search_quotes(reader.conn, q, 50, 0)
                totals = (total_a, total_s)
            except sqlite3.OperationalError as exc:
                problem = f"search is unavailable on this store ({exc})"
        return render("search.html", q=q, articles=articles, statements=statements, totals=totals, problem=problem)

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    async def docs_page() -> Response:
        return render("docs.html", openapi=app.openapi())

    # --- the API ---------------------------------------------------------------------

    Limit = Query(50, ge=1, le=MAX_LIMIT, description=f"items per page (1–{MAX_LIMIT})")
    Offset = Query(0, ge=0, le=10_000_000, description="items to skip")

    def story_item(story: dict[str, Any]) -> dict[str, Any]:
        return {k: story[k] for k in ("id", "title", "events", "counts", "earliest", "latest")}

    @app.get("/api/status", tags=["store"], summary="What the store holds, and whether it accepts articles")
    async def api_status() -> Response:
        index = reader.index()
        return JSONResponse({"dossier": __version__, "counts": index.counts, "read_only": app.state.read_only})

    @app.get("/api/stories", tags=["stories"], summary="Stories, newest first, with their counts")
    async def api_stories(request: Request, limit: int = Limit, offset: int = Offset) -> Response:
        stories = reader.index().stories
        key = ("api-stories", limit, offset)
        if key not in reader.cache:  # the same page is the same bytes until the store changes
            items = [story_item(s) for s in stories[offset:offset + limit]]
            reader.cache[key] = JSONResponse(_page(items, len(stories), limit, offset, request)).body
        return Response(reader.cache[key], media_type="application/json")

    @app.get("/api/stories/{story_id}", tags=["stories"], summary="One story with its events")
    async def api_story(story_id: str) -> Response:
        index = reader.index()
        story = index.story_by_id.get(story_id)
        if story is None:
            raise not_found("story", story_id)
        # encoded 500 events at a time, as JSONResponse would (the 1,000,000 corpus's largest story has
        # 300,000: held whole as dicts, its answer of 475 MB took the server to 6.2 GB)
        ids = [e for e in story["events"] if e in index.events]
        encoded = [_compact(e).encode() for start in range(0, len(ids), 500) for e in reader.events(ids[start:start + 500])]
        marker = "\x00events\x00"  # where the events go, in the story's own order of keys
        head, tail = _compact({**story_item(story), "events": marker}).encode().split(_compact(marker).encode())
        return Response(b"".join((head, b"[", b",".join(encoded), b"]", tail)), media_type="application/json")

    @app.get("/api/events", tags=["events"], summary="Events in timeline order, optionally of one story")
    async def api_events(request: Request, story: str | None = None, limit: int = Limit, offset: int = Offset) -> Response:
        index = reader.index()
        if story:
            if story not in index.story_by_id:
                raise not_found("story", story)
            ids = [e for e in index.story_by_id[story]["events"] if e in index.events]
        else:
            ids = list(index.events)
        return JSONResponse(_page(reader.events(ids[offset:offset + limit]), len(ids), limit, offset, request))

    @app.get("/api/events/{event_id}", tags=["events"], summary="One event, its story and its copy groups")
    async def api_event(event_id: str) -> Response:
        index = reader.index()
        found = reader.events([event_id]) if event_id in index.events else []
        if not found:
            raise not_found("event", event_id)
        event = found[0]
        relations = reader.copy_relations(event["articles"])
        return JSONResponse({**event, "story": index.event_story.get(event_id),
                             "copies": [c for a in event["articles"] for c in relations.get(a, [])]})

    @app.get("/api/articles", tags=["articles"], summary="Articles (metadata), newest first")
    async def api_articles(request: Request, outlet: str | None = Query(None, description="outlet key or name"),
                           event: str | None = None, limit: int = Limit, offset: int = Offset) -> Response:
        index = reader.index()
        ids = index.article_order
        if event:
            if event not in index.events:
                raise not_found("event", event)
            members = set(index.events[event]["articles"])
            ids = [a for a in ids if a in members]
        if outlet:
            ids = [a for a in ids if outlet == index.articles[a].outlet_key or outlet in index.articles[a].outlets]
        items = [{**index.articles[a].to_dict(), "event": index.article_event.get(a)} for a in ids[offset:offset + limit]]
        return JSONResponse(_page(items, len(ids), limit, offset, request))

    @app.get("/api/articles/{article_id}", tags=["articles"],
             summary="One article in export shape, with its quotations, copies, claims and flags")
    async def api_article(article_id: str) -> Response:
        index = reader.index()
        article = reader.article(article_id)
        if article is None:
            raise not_found("article", article_id)
        return JSONResponse({**article, "event": index.article_event.get(article_id),
                             "story": index.story_of_article(article_id),
                             "quotations": reader.occurrences_in(article_id),
                             "copy_of": reader.copy_relations([article_id]).get(article_id, []),
                             "copied_by": reader.copy_relations([article_id], "of").get(article_id, []),
                             "claims": reader.claims(reader.claims_of([article_id])[1]), "flags": reader.flags(index, index.article_flags.get(article_id, ()))})

    @app.post("/api/articles", tags=["articles"], status_code=201,
              summary="Add articles: JSON record(s), JSON Lines, plain text or HTML; needs the bearer token",
              description="Body: `application/json` with one record `{\"text\"|\"html\", \"url\", \"outlet\", \"title\", "
                          "\"published\", \"author\", \"lang\"}`, a list of them or `{\"articles\": [...]}`; "
                          "`application/x-ndjson` (one record per line); `text/plain` or `text/html` (one article; "
                          "metadata from the query parameters). The articles go through the same reading, cleaning, "
                          "analysis and linking as `dossier build`. Requires `Authorization: Bearer <DOSSIER_TOKEN>`. "
                          "While a `dossier build` from the command line writes the store, the answer is 503 with "
                          "`Retry-After`. Each new article's own page and answer are there at once; lists, events and "
                          "stories show the new articles once the server's index of the store is rebuilt: on the "
                          "next request for a small store; for a large one in the background, the previous index "
                          "answering meanwhile (7 s at 100,000 articles).",
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": {"type": "object", "properties": {
                      "text": {"type": "string"}, "html": {"type": "string"}, "url": {"type": "string"},
                      "outlet": {"type": "string"}, "title": {"type": "string"}, "published": {"type": "string"}}}},
                  "application/x-ndjson": {"schema": {"type": "string"}},
                  "text/plain": {"schema": {"type": "string"}}, "text/html": {"schema": {"type": "string"}}}}})
    async def api_add_articles(request: Request, url: str | None = Query(None, max_length=4000),
                               outlet: str | None = Query(None, max_length=500), title: str | None = Query(None, max_length=2000),
                               published: str | None = Query(None, max_length=40),
                               wait: float = Query(WAIT_SECONDS, ge=0, le=3600, description=(
                                   "seconds to wait for the build; if it takes longer the answer is 202 with the "
                                   "job's URL (/api/jobs/{id}) to ask later"))) -> Response:
        if app.state.read_only:
            return _error(403, "this server is read-only: it was started without DOSSIER_TOKEN, so it accepts no articles")
        given = request.headers.get("authorization", "")
        scheme, _, credential = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(credential.strip().encode(), token.encode()):
            return _error(401, "a valid 'Authorization: Bearer <token>' header is needed to add articles",
                          headers={"WWW-Authenticate": "Bearer"})
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                return _error(400, "Content-Length is not a number")
            if int(declared) > max_body:
                return _error(413, f"the body is {int(declared):,} bytes; at most {max_body:,} are accepted per request")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_body:
                return _error(413, f"the body is over {max_body:,} bytes, the most accepted per request")
        meta = {k: v for k, v in (("url", url), ("outlet", outlet), ("title", title), ("published", published)) if v}
        try:
            upload = parse_body(bytes(body), request.headers.get("content-type", ""), meta)
        except BadInput as exc:
            headers = {"Accept-Post": ", ".join(ACCEPTED)} if exc.status == 415 else None
            return _error(exc.status, exc.message, exc.details, headers=headers)
        job = jobs.submit(lambda: ingest_and_index(upload), len(upload.records))
        try:
            await asyncio.wait_for(asyncio.shield(job.future), timeout=wait)
        except asyncio.TimeoutError:
            return JSONResponse(job.view(), status_code=202, headers={"Location": f"/api/jobs/{job.id}"})
        return job_answer(job)

    def ingest_and_index(upload: Any) -> dict[str, Any]:
        """The build, then the index of what it wrote: a job is done when its articles can be read."""
        with reader.writing():
            return ingest(db_path, upload, kb_file)

    def job_answer(job: Job) -> Response:
        """A finished job as the POST would have answered it."""
        if job.busy:
            return _error(503, f"the store is busy: {job.error}", headers={"Retry-After": str(BUSY_RETRY_AFTER)})
        if job.error:
            return _error(500, f"the build failed: {job.error}")
        result = job.result or {}
        if not result.get("articles"):
            return _error(422, "no article could be read from the body",
                          [f"{s['source']}: {s['reason']}" for s in result.get("skipped", [])])
        return JSONResponse({**result, "job": job.id}, status_code=201 if result["new_articles"] else 200)

    @app.get("/api/jobs/{job_id}", tags=["articles"], summary="A build started by POST /api/articles: queued, running or done")
    async def api_job(job_id: str) -> Response:
        job = jobs.get(job_id)
        if job is None:
            raise not_found("job", job_id)
        if job.status in ("queued", "running"):
            return JSONResponse(job.view())
        return job_answer(job)

    @app.get("/api/quotes", tags=["quotes"], summary="Statements (one per quotation across articles) with occurrences")
    async def api_quotes(request: Request, speaker: str | None = Query(None, description="actor id"),
                         article: str | None = Query(None, description="article id"),
                         kind: str | None = Query(None, pattern="^(direct|indirect|fragment)$"),
                         limit: int = Limit, offset: int = Offset) -> Response:
        total, items = reader.quotes_json(limit, offset, speaker=speaker, article=article, kind=kind)
        return _raw_page(items, total, limit, offset, request)

    @app.get("/api/quotes/{quote_id}", tags=["quotes"], summary="One statement")
    async def api_quote(quote_id: str) -> Response:
        quote = reader.quote_json(quote_id)
        if quote is None:
            raise not_found("quote", quote_id)
        return Response(quote, media_type="application/json")

    @app.get("/api/actors", tags=["actors"], summary="Actors mentioned in the corpus, with dated roles")
    async def api_actors(request: Request, kind: str | None = None, limit: int = Limit, offset: int = Offset) -> Response:
        total, items = reader.actors_page(limit, offset, kind)
        return JSONResponse(_page(items, total, limit, offset, request))

    @app.get("/api/actors/{actor_id:path}", tags=["actors"], summary="One actor")
    async def api_actor(actor_id: str) -> Response:
        actor = reader.actor(actor_id)
        if actor is None:
            raise not_found("actor", actor_id)
        return JSONResponse(actor)

    @app.get("/api/claims", tags=["claims"], summary="Numeric claims with their occurrences")
    async def api_claims(request: Request, limit: int = Limit, offset: int = Offset) -> Response:
        reader.index()
        total, claims = reader.claim_page(limit, offset)
        return JSONResponse(_page(claims, total, limit, offset, request))

    @app.get("/api/flags", tags=["flags"], summary="Flags (where sources disagree or are wrong) with evidence")
    async def api_flags(request: Request, kind: str | None = None,
                        severity: str | None = Query(None, pattern="^(info|warning|error)$"),
                        limit: int = Limit, offset: int = Offset) -> Response:
        index = reader.index()
        chosen = index.flags.places(kind, severity)
        return JSONResponse(_page(reader.flags(index, chosen[offset:offset + limit]), len(chosen), limit, offset, request))

    @app.get("/api/search", tags=["search"], summary="Full-text search over article texts and statements")
    async def api_search(request: Request, q: str = Query(..., min_length=1, max_length=500),
                         scope: str = Query("articles", alias="in", pattern="^(articles|statements)$",
                                            description="what to search: articles or statements"),
                         limit: int = Limit, offset: int = Offset) -> Response:
        try:
            await ensure_search()
            find = fts.search_articles if scope == "articles" else fts.search_quotes
            total, items = find(reader.conn, q, limit, offset)
        except sqlite3.OperationalError as exc:
            return _error(503, f"search is unavailable on this store ({exc})")
        for item in items:
            item["snippet"], item["highlights"] = fts.highlights(item["snippet"])
        return JSONResponse(_page(items, total, limit, offset, request))

    return app


def app_from_env() -> FastAPI:
    """For `uvicorn --factory dossier.web.app:app_from_env` (several worker processes)."""
    hosts = os.environ.get("DOSSIER_HOSTS")
    return create_app(os.environ.get("DOSSIER_DB", "dossier.db"), os.environ.get("DOSSIER_TOKEN") or None,
                      int(os.environ.get("DOSSIER_MAX_BODY", MAX_BODY)), hosts=tuple(hosts.split(",")) if hosts else None)
