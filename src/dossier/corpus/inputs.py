"""Turning the PATH arguments of `dossier build` into a list of input files.

Accepts files, directories (walked recursively), glob patterns and `-` for standard
input, and attaches sidecar metadata from a `meta.jsonl` beside the files it names.
"""

from __future__ import annotations

import fnmatch
import glob
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dossier.model import Skip

SIDECAR_NAME = "meta.jsonl"
IGNORE_NAME = ".dossierignore"  # glob patterns, one a line, of files a directory walk leaves out
STDIN = "-"

# Article formats by file ending (before an optional .gz). Directories are walked for
# these only; a file named on the command line is read whatever its ending.
FORMATS_BY_SUFFIX = {
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".shtml": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".warc": "warc",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "feed",
}


@dataclass
class InputFile:
    """One file to read. `path` is how sources are named in the store and export."""

    path: str
    sidecar: dict[str, Any] = field(default_factory=dict)

    @property
    def is_stdin(self) -> bool:
        return self.path == STDIN


def format_from_name(name: str) -> str | None:
    """The article format a file name suggests, looking through a .gz ending."""
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    return FORMATS_BY_SUFFIX.get(os.path.splitext(lower)[1])


def _display(path: str) -> str:
    return path.replace(os.sep, "/")


def _load_sidecar(directory: Path, problems: list[Skip]) -> dict[str, dict[str, Any]]:
    """Read `meta.jsonl` of a directory into {file name: metadata}."""
    sidecar = directory / SIDECAR_NAME
    if not sidecar.is_file():
        return {}
    entries: dict[str, dict[str, Any]] = {}
    try:
        lines = sidecar.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        problems.append(Skip(_display(str(sidecar)), f"cannot read sidecar metadata: {exc.strerror}"))
        return {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Skip(f"{_display(str(sidecar))}#{number}", f"sidecar line is not valid JSON ({exc.msg})"))
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            problems.append(Skip(f"{_display(str(sidecar))}#{number}", 'sidecar line has no "file" name'))
            continue
        entries[os.path.normpath(entry["file"])] = {k: v for k, v in entry.items() if k != "file"}
    return entries


class _Sidecars:
    """Caches the sidecar of each directory and looks a file up in it."""

    def __init__(self, problems: list[Skip]):
        self.problems = problems
        self.cache: dict[Path, dict[str, dict[str, Any]]] = {}

    def for_file(self, path: Path) -> dict[str, Any]:
        directory = path.parent
        if directory not in self.cache:
            self.cache[directory] = _load_sidecar(directory, self.problems)
        return self.cache[directory].get(path.name, {})


def _ignore_patterns(directory: Path, inherited: list[str]) -> list[str]:
    """Patterns from this directory's .dossierignore, relative to the walk's root."""
    ignore_file = directory / IGNORE_NAME
    if not ignore_file.is_file():
        return inherited
    try:
        lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return inherited
    patterns = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    return inherited + [str(directory / p) for p in patterns]


def _walk(directory: Path) -> list[Path]:
    """Article files below a directory, sorted; hidden files and folders, sidecars and
    what a .dossierignore names are left out."""
    found = []
    patterns_by_dir: dict[str, list[str]] = {}
    for root, dirs, files in os.walk(directory):
        parent = patterns_by_dir.get(os.path.dirname(root), [])
        patterns = patterns_by_dir[root] = _ignore_patterns(Path(root), parent)
        ignored = lambda name: any(fnmatch.fnmatch(os.path.join(root, name), p) for p in patterns)  # noqa: E731
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not ignored(d))
        for name in sorted(files):
            if name.startswith(".") or name == SIDECAR_NAME or ignored(name):
                continue
            if format_from_name(name):
                found.append(Path(root) / name)
    return sorted(found, key=lambda p: p.parts)


def expand_inputs(args: list[str]) -> tuple[list[InputFile], list[Skip]]:
    """Expand PATH arguments into input files, and problems for arguments that fail."""
    problems: list[Skip] = []
    sidecars = _Sidecars(problems)
    files: list[InputFile] = []
    seen: set[str] = set()

    def add(path: Path) -> None:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            files.append(InputFile(_display(str(path)), sidecars.for_file(path)))

    for arg in args:
        if arg == STDIN:
            if STDIN not in seen:
                seen.add(STDIN)
                files.append(InputFile(STDIN))
            continue
        path = Path(arg)
        if path.is_dir():
            for found in _walk(path):
                add(found)
        elif path.exists() or os.path.lexists(path):
            add(path)
        elif glob.has_magic(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                problems.append(Skip(arg, "no file matches this pattern"))
            for match in matches:
                match_path = Path(match)
                if match_path.is_dir():
                    for found in _walk(match_path):
                        add(found)
                elif match_path.name != SIDECAR_NAME:
                    add(match_path)
        else:
            problems.append(Skip(arg, "no such file or directory"))
    return files, problems
