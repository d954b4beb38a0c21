"""Where a page's links point: the server's URLs, or anchors inside one exported file.

The page templates never write a URL themselves; they call `href`, `anchor` and `local`,
which the server and the self-contained HTML export (`dossier export --format html`)
define differently, so both render the same templates.
"""

from __future__ import annotations

from typing import Any

_PATHS = {"story": "/stories/", "event": "/events/", "article": "/articles/", "actor": "/actors/"}
_PAGES = {"home": "/", "flags": "/flags", "docs": "/docs"}
_STATIC_PAGES = {"home": "#stories", "flags": "#all-flags", "docs": "#stories"}


def server_href(kind: str, ident: str | None = None, fragment: str | None = None) -> str:
    """The URL of a page (and a place in it) on the server."""
    url = _PAGES[kind] if kind in _PAGES else _PATHS[kind] + str(ident)
    return f"{url}#{fragment}" if fragment else url


def server_anchor(kind: str, ident: str, fragment: str) -> str:
    """An element id inside a page: the server shows one page at a time, so the fragment alone."""
    return fragment


def static_href(kind: str, ident: str | None = None, fragment: str | None = None) -> str:
    """The anchor of a page's section (and a place in it) in the one-file export."""
    if kind in _STATIC_PAGES:
        return _STATIC_PAGES[kind]
    return "#" + static_anchor(kind, str(ident), fragment)


def static_anchor(kind: str, ident: str, fragment: str | None = None) -> str:
    """Every page is a section of one file, so an id carries its page: `article-<id>-occ-<start>`."""
    return f"{kind}-{ident}-{fragment}" if fragment else f"{kind}-{ident}"


def _local(anchor: Any) -> Any:
    def local(kind: str, ident: str, fragment: str) -> str:
        return "#" + anchor(kind, ident, fragment)
    return local


SERVER = {"href": server_href, "anchor": server_anchor, "local": _local(server_anchor), "static": False}
STATIC = {"href": static_href, "anchor": static_anchor, "local": _local(static_anchor), "static": True}
