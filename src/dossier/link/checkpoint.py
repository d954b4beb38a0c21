"""A full link's checkpoints: its linking state every EVERY articles, so that a link that was
stopped (killed, the machine restarted) goes on from its last checkpoint instead of from its
first article.

A link writes nothing until it ends, and the linker step of 1,000,000 articles takes about two
hours here: without checkpoints, a build stopped in it started that step again from nothing.
Every EVERY articles of a full link with a copy stage (`link.copy_stage`), each of its processes
pickles what it holds into the store's checkpoint folder (`<store>.link-checkpoint`): each
copy-stage child its index (the copies; the statements) before it sends that article's findings,
the linking process its `Linker` once it has linked the article. The linking process then marks
the checkpoint whole (`checkpoint.json`, written last, by rename) and removes the one before.

A full link that finds a whole checkpoint made for the same store contents (the analysis log's
last number, the number of analysed articles, the knowledge base, the state's version and the
copy stage's children) loads it and goes on from the article after it. The articles come in the
same order (`link.corpus.link_inputs`), so the result is the one an uninterrupted link gives.
Any other checkpoint is removed. The folder goes once the link has stored its state.
"""

from __future__ import annotations

import gc
import io
import json
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from dossier.link import pickling
from dossier.link.pool import give_back_freed_memory
from dossier.link.linker import STATE_VERSION, Linker, _compressed_pickle, _Deflating, _Inflating, _unpickle

# articles between checkpoints. At 1,000,000 articles there are four, each (by estimate: the state takes
# about a minute to pickle there) adding about a minute to a link of about two hours, and a stopped link
# loses at most ~25 minutes; at 100,000, three made every 25,000 cost less than the machine's noise
# (`bench/link_resume.py`). The environment's DOSSIER_LINK_CHECKPOINT_EVERY overrides it (0: none).
EVERY = 200_000
# (A checkpoint may come anywhere in a link: the linking process grows by ~4 % while it pickles its part, 56 MiB
# at 800,000 articles, since its events are pickled a batch at a time (`EventIndex.pickled_apart`); it grew by
# 45 % before, and checkpoints were then kept out of a link's last 40 %.)
META = "checkpoint.json"
log = logging.getLogger(__name__)


def every() -> int:
    """Articles between checkpoints: EVERY, or what DOSSIER_LINK_CHECKPOINT_EVERY says."""
    value = os.environ.get("DOSSIER_LINK_CHECKPOINT_EVERY")
    if value is None or not value.strip():
        return EVERY
    try:
        return max(0, int(value))
    except ValueError:
        raise ValueError(f"DOSSIER_LINK_CHECKPOINT_EVERY must be a number of articles (0 for no checkpoints), "
                         f"not {value!r}") from None


def folder_of(store_path: str) -> Path:
    return Path(f"{store_path}.link-checkpoint")


def _number(name: str) -> int:
    """The checkpoint a part's file belongs to ("copies-200000.pickle.lz4": 200000)."""
    try:
        return int(name.split(".", 1)[0].rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return -1


def _blocks(file: BinaryIO) -> Iterator[bytes]:
    yield from iter(lambda: file.read(1 << 20), b"")


def _dump(value: Any, file: BinaryIO) -> None:
    """A linker as the stored state is pickled (`linker._compressed_pickle`); an index as a copy
    stage's child spools it (`linker.SpooledIndex`)."""
    if isinstance(value, Linker):
        _compressed_pickle(value, file)
    else:
        stream = _Deflating(file)
        pickling.dump(value, stream)
        stream.close()


def _load(file: BinaryIO, linker: bool) -> Any:
    stream = io.BufferedReader(_Inflating(_blocks(file)), 1 << 20)
    # millions of objects, none of them garbage: unpickled with the collector off, as `load_state` does
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _unpickle(stream) if linker else pickling.load(stream)
    finally:
        if collecting:
            gc.enable()
        give_back_freed_memory()  # (as `load_state`)


class Checkpoints:
    """The checkpoints of one full link of the store at `store_path`, made for `key` (what the
    store and the link must still be for a checkpoint to be used)."""

    def __init__(self, store_path: str, key: dict[str, Any], interval: int | None = None) -> None:
        self.folder = folder_of(store_path)
        self.key = {**key, "state_version": STATE_VERSION}
        self.interval = every() if interval is None else interval

    def due(self, n: int) -> bool:
        """Whether the link makes a checkpoint once it has its `n`th article: every `interval` articles."""
        return self.interval > 0 and n % self.interval == 0

    def _path(self, part: str, n: int) -> Path:
        return self.folder / f"{part}-{n}.pickle.lz4"

    def write(self, part: str, n: int, value: Any) -> bool:
        """One process's part of checkpoint `n`, in a file of another name until whole. A part that
        cannot be written (a full disk) is left out, with a warning: the link goes on without that
        checkpoint, and the one before stays the last whole one."""
        path = self._path(part, n)
        partial = path.with_name(path.name + ".partial")
        try:
            self.folder.mkdir(exist_ok=True)
            with open(partial, "wb") as file:
                _dump(value, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(partial, path)
            return True
        except OSError as error:
            partial.unlink(missing_ok=True)
            log.warning("the link's checkpoint at article %d was not kept (%s: %s): it goes on without it", n, part, error)
            return False

    def complete(self, n: int, parts: list[str]) -> bool:
        """Mark checkpoint `n` whole when every part of it was written, then remove the older ones."""
        if not all(self._path(part, n).exists() for part in parts):
            return False  # (a part could not be written: `write` said why)
        meta = self.folder / META
        try:
            with open(meta.with_name(META + ".partial"), "w") as file:
                json.dump({**self.key, "articles_linked": n, "parts": parts}, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(meta.with_name(META + ".partial"), meta)
        except OSError as error:
            log.warning("the link's checkpoint at article %d was not kept (%s): it goes on without it", n, error)
            return False
        for path in self.folder.iterdir():  # the older ones' (the children may have written the next one's)
            if path.name != META and _number(path.name) < n:
                path.unlink(missing_ok=True)
        return True

    def resume_from(self) -> int:
        """The number of articles the last whole checkpoint holds, when it was made for this
        store and link; else 0, and the folder's files are removed."""
        meta = _meta(self.folder)
        if meta is not None and {k: meta.get(k) for k in self.key} == self.key and \
                all(self._path(part, meta["articles_linked"]).exists() for part in meta.get("parts", [])):
            return int(meta["articles_linked"])
        self.clear()
        return 0

    def read(self, part: str, n: int) -> Any:
        """One part of checkpoint `n` (its file is kept until a later checkpoint is whole)."""
        with open(self._path(part, n), "rb") as file:
            return _load(file, part == "linker")

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _meta(folder: Path) -> dict[str, Any] | None:
    """What the folder's last whole checkpoint says of itself (None: no whole checkpoint)."""
    try:
        meta = json.loads((folder / META).read_text())
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and isinstance(meta.get("articles_linked"), int) else None


def last_whole(store_path: str) -> int:
    """The articles the store's last whole checkpoint holds (0: none), whatever link it was made for."""
    meta = _meta(folder_of(store_path))
    return meta["articles_linked"] if meta else 0


def clear(store_path: str) -> None:
    """Remove the store's checkpoints (a link that has stored its state)."""
    shutil.rmtree(folder_of(store_path), ignore_errors=True)
