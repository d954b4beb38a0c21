"""Shared fixtures: small articles we wrote ourselves, and paths to ../shared/."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from dossier.store.db import connect

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLE = REPO / "examples" / "sample"

@pytest.fixture(scope="session")
def built_sample(tmp_path_factory):
    """The bundled sample built once for the session, as the JSON export gives it:
    (document, source path relative to the sample → article id). Read it; do not change it."""
    from dossier.build import build
    from dossier.report.document import build_document

    conn = connect(tmp_path_factory.mktemp("sample") / "sample.db")
    build([str(SAMPLE)], conn)
    document = json.loads(json.dumps(build_document(conn)))
    conn.close()
    article_of = {s["source"][len(str(SAMPLE)) + 1:]: a["id"] for a in document["articles"] for s in a["sources"]}
    return document, article_of


@pytest.fixture()
def store(tmp_path):
    """The bundled sample built (and linked) into a fresh store of its own, by one worker: a test
    may relink or change it."""
    from dossier.build import BuildOptions, build

    conn = connect(tmp_path / "story.db")
    build([str(SAMPLE)], conn, BuildOptions(workers=1))
    return conn


needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is absent (real evaluation data lives there)")

# Our own short wire-style article (synthetic; not from any outlet).
WIRE_TITLE = "Border Mayors Ask for Joint Patrol Funding"
WIRE_BODY = [
    "The mayors of four border cities asked federal officials on Tuesday for new money to pay for joint patrols along the river crossings.",
    "\u201cWe cannot keep doing this with the budget of a small town,\u201d said Mayor Elena Quintero of San Lázaro, who led the delegation.",
    "Officials at the interior ministry said the request would be reviewed before the end of the month, according to a statement.",
    "The cities reported 312 incidents at the crossings last year, up from 240 the year before.",
]
SPANISH_BODY = [
    "Los alcaldes de cuatro ciudades fronterizas pidieron el martes a las autoridades federales nuevos fondos para patrullas conjuntas.",
    "\u201cNo podemos seguir haciendo esto con el presupuesto de un pueblo pequeño\u201d, dijo la alcaldesa Elena Quintero de San Lázaro.",
    "La Secretaría de Gobernación informó que revisará la solicitud antes de que termine el mes.",
]


def wire_text(title: str = WIRE_TITLE, body: list[str] | None = None, extra: list[str] | None = None) -> str:
    paragraphs = [title, *(body or WIRE_BODY), *(extra or [])]
    return "\n\n".join(paragraphs) + "\n"


def wire_html(title: str = WIRE_TITLE, body: list[str] | None = None, *, site: str = "Valley Tribune",
              url: str = "https://www.valleytribune.example/news/2025/03/04/border-mayors", date: str = "2025-03-04",
              author: str = "Ana Ruiz", lang: str = "en") -> str:
    paragraphs = "\n".join(f"<p>{p}</p>" for p in (body or WIRE_BODY))
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{title} | {site}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{date}T09:30:00Z">
<meta name="author" content="{author}">
<link rel="canonical" href="{url}">
</head><body>
<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/politics">Politics</a></nav>
<main><article><h1>{title}</h1>
<p class="byline">By {author}</p>
{paragraphs}
</article></main>
<footer><p>Copyright 2025 {site}. All rights reserved.</p><p>Contact us | Privacy | Terms</p></footer>
</body></html>
"""


def gzipped(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as handle:
        handle.write(data)
    return buffer.getvalue()


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path):
    conn = connect(tmp_path / "test.db")
    yield conn
    conn.close()
