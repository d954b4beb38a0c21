"""One writer at a time: a build (or a server's ingest) holds the store's lock while it writes.

SQLite keeps each transaction whole, but not a build: two builds of one store at once each ran the whole
link (a full link of 1,000,000 articles takes hours), cleared each other's checkpoints, and each printed
counts read while the other was writing. So a build takes an exclusive lock on a file beside the store
(`<store>.lock`, with who holds it) for as long as it runs; a second one waits a little, then stops
with a message that names the holder. The lock is the operating system's (`flock`): it goes with the
process however that ends, and a file left by a killed build locks nothing. Readers (export, the
server's pages) take no lock.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from dossier.store.db import StoreError

try:
    import fcntl
except ImportError:  # not a POSIX system: builds are not kept apart there (SQLite still keeps each transaction whole)
    fcntl = None  # type: ignore[assignment]

POLL = 0.2  # seconds between tries while another process holds the lock


class StoreBusy(StoreError):
    """Another process is writing the store."""


def lock_path(store_path: str | Path) -> Path:
    return Path(f"{store_path}.lock")


@contextmanager
def writing(store_path: str | Path, what: str, wait: float = 10.0) -> Iterator[None]:
    """Hold the store's lock for the block (`what`: who holds it, as a second writer is told); after
    `wait` seconds of another holder, StoreBusy."""
    if fcntl is None:
        yield
        return
    path = lock_path(store_path)
    deadline = time.monotonic() + wait
    while True:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            if time.monotonic() >= deadline:
                raise StoreBusy(f"{store_path} is being written by {_holder(path)}: wait for it to finish, "
                                f"or build into another --db") from None
            time.sleep(POLL)
            continue
        try:
            same = os.fstat(handle).st_ino == os.stat(path).st_ino
        except FileNotFoundError:  # its holder removed it as we opened it: the lock is on a file no one else sees
            same = False
        if same:
            break
        os.close(handle)
    try:
        holder = {"pid": os.getpid(), "what": what, "since": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")}
        os.ftruncate(handle, 0)
        os.write(handle, json.dumps(holder).encode())
        yield
    finally:
        path.unlink(missing_ok=True)  # (before the lock goes: a waiter that opened it checks the file is still there)
        os.close(handle)


def writer_of(store_path: str | Path) -> str | None:
    """Who is writing the store now (as StoreBusy names them), or None: for a reader to say that what it
    reads may be between two steps of a build. Takes no lock a writer would wait for."""
    path = lock_path(store_path)
    if fcntl is None:
        return None
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:  # no lock file: no build is writing
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _holder(path)
    else:
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None
    finally:
        os.close(handle)


def _holder(path: Path) -> str:
    try:
        holder = json.loads(path.read_text())
        return f"{holder['what']} (process {holder['pid']}, since {holder['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"
