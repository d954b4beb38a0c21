"""Outlet keys: one stable name per outlet, whatever the input called it.

The key is the registered domain of the article's URL (`www.nytimes.com/...` →
`nytimes.com`), found with tldextract's bundled public suffix list (never fetched at
run time). Without a URL, the outlet name given by the input is reduced to a slug.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
_DOMAIN_LIKE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


def domain_of(url: str | None) -> str | None:
    """Registered domain of a URL, or its host for hosts without a public suffix."""
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower().rstrip(".")
    domain, suffix = _registered(host)
    if suffix and domain:
        return f"{domain}.{suffix}"
    return host[4:] if host.startswith("www.") else host


@lru_cache(maxsize=65536)  # an outlet's host recurs with each of its articles (the lookup took ~0.1 ms of CPU each)
def _registered(host: str) -> tuple[str, str]:
    parts = _EXTRACT(host)
    return parts.domain, parts.suffix


def slug(name: str) -> str:
    """`La Gaceta del Norte` → `la-gaceta-del-norte`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def outlet_key(url: str | None, name: str | None) -> str | None:
    """The stable outlet key: the URL's domain, else a domain-like name, else a slug."""
    domain = domain_of(url)
    if domain:
        return domain
    if name:
        lowered = name.strip().lower()
        if _DOMAIN_LIKE.match(lowered):
            return domain_of(lowered)
        return slug(name) or None
    return None


_NAME_SUFFIX = re.compile(r"\s+(?:[\u2014\u2013|:]|-)\s+.*$")


def display_name(name: str) -> str:
    """A feed or page title reduced to the outlet: `The Ledger — World` → `The Ledger`."""
    return _NAME_SUFFIX.sub("", name.strip()) or name.strip()


def name_key(name: str) -> str:
    """What two spellings of one outlet's name share: `The Meridian Ledger` → `meridian-ledger`."""
    key = slug(display_name(name))
    return key[4:] if key.startswith("the-") else key
