"""Flags: where the coverage disagrees with itself or cannot be right, each with its evidence.

One module per kind of flag, each exposing ``detect(document, records, kb) -> list[dict]``:
`document` is the export document being built (DESIGN.md's `dossier/1` shape), `records`
the per-article analysis records by article id, `kb` the actor knowledge base. A flag is
``{"kind", "severity" (info|warning|error), "message", "evidence": [{"article", "start", "end"}]}``
plus any extension fields; spans index the article's clean `text`. This
runner calls every registered detector, gives each flag a stable id (a hash of its kind
and evidence), removes duplicates and sorts, so the same input gives the same flags.

Detectors are found by module name, so a kind whose module is not installed yet is
simply not run; a module that exists but fails to import is an error, not skipped.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
from collections.abc import Callable
from typing import Any

from dossier.kb import KnowledgeBase

log = logging.getLogger(__name__)

Detector = Callable[[dict[str, Any], dict[str, dict], KnowledgeBase], list[dict[str, Any]]]

KINDS = ("role-date conflict", "speaker conflict", "altered quote", "number mismatch", "date conflict", "uncredited copy")
SEVERITIES = ("info", "warning", "error")
# module name -> the kind of flag it raises, in the order they run
MODULES = {"roles": "role-date conflict", "speakers": "speaker conflict", "quotes": "altered quote",
           "numbers": "number mismatch", "dates": "date conflict", "copies": "uncredited copy"}


def _registered() -> list[Detector]:
    detectors = []
    for name in MODULES:
        if importlib.util.find_spec(f"{__name__}.{name}") is None:
            continue  # that kind's detector is not part of this installation yet
        detectors.append(importlib.import_module(f"{__name__}.{name}").detect)
    return detectors


DETECTORS: list[Detector] = _registered()


def flag_id(flag: dict[str, Any]) -> str:
    """A stable id: the same kind with the same evidence is the same flag."""
    evidence = sorted((e["article"], e["start"], e["end"]) for e in flag["evidence"])
    digest = hashlib.sha256(json.dumps([flag["kind"], evidence]).encode()).hexdigest()
    return "f" + digest[:12]


def _valid(flag: dict[str, Any]) -> bool:
    return (flag.get("kind") in KINDS and flag.get("severity") in SEVERITIES and bool(flag.get("message"))
            and bool(flag.get("evidence")) and all({"article", "start", "end"} <= e.keys() for e in flag["evidence"]))


def flag_order(flag: dict[str, Any]) -> tuple:
    """Most severe first, then by kind, then by the first evidence."""
    return _order(flag) if flag.get("kind") in KINDS and flag.get("severity") in SEVERITIES else (1, 99, "", 0, flag.get("id", ""))


def _order(flag: dict[str, Any]) -> tuple:
    first = flag["evidence"][0]
    return (-SEVERITIES.index(flag["severity"]), KINDS.index(flag["kind"]), first["article"], first["start"], flag["id"])


def run_checks(document: dict[str, Any], records: dict[str, dict], kb: KnowledgeBase,
               detectors: list[Detector] | None = None) -> list[dict[str, Any]]:
    """Every registered detector's flags, with ids, without duplicates, most severe first.

    A detector that raises is logged and skipped: one broken check must not lose the
    build's other results.
    """
    flags: dict[str, dict[str, Any]] = {}
    for detect in DETECTORS if detectors is None else detectors:
        try:
            found = detect(document, records, kb)
        except Exception:  # noqa: BLE001 - reported, the other checks still run
            log.exception("flag detector %s.%s failed", detect.__module__, detect.__name__)
            continue
        for flag in found:
            if not _valid(flag):
                log.error("flag detector %s returned a malformed flag: %r", detect.__module__, flag)
                continue
            flag = {"id": flag_id(flag), **{k: v for k, v in flag.items() if k != "id"}}
            flags.setdefault(flag["id"], flag)
    return sorted(flags.values(), key=_order)
