"""One self-contained HTML page listing the articles (the full views come later).

Article text is hostile: Jinja2 autoescapes everything, the page carries a
Content-Security-Policy that forbids scripts, and it loads nothing from elsewhere.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from dossier.report.summary import language_counts, outlet_counts

_ENV = Environment(
    loader=PackageLoader("dossier.report", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(document: dict[str, Any]) -> str:
    template = _ENV.get_template("dossier.html")
    return template.render(
        document=document,
        articles=document["articles"],
        outlets=outlet_counts(document),
        languages=language_counts(document),
        problems=document.get("problems", []),
        statements=[q for q in document.get("quotes", []) if q.get("kind") != "fragment"],
        stories=document.get("stories", []),
        events={e["id"]: e for e in document.get("events", [])},
        copies=[c for c in document.get("copies", []) if c["kind"] != "duplicate"],
        names={a["id"]: a["outlet_name"] or a["outlet"] or a["id"] for a in document["articles"]},
    )
