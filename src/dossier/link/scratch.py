"""A full link's temporary files, in a folder of its own that a later link removes if this one was killed.

The copy stage (`link.copy_stage`) writes its children's findings and their finished indexes into
files (~1 KB an article for the copies' index: about 1 GB at 1,000,000 articles). A link that ends,
or fails with an error, removes them; one that is killed cannot, and before this folder they stayed
in the system's temporary folder, a few more with every killed link. So each copy stage's files go
into a folder named for the process that made it (`dossier-link-scratch-<namespace>-<pid>-*` in the
temporary folder), and every new folder is made after removing those whose process no longer runs
(`sweep`); a build whose linking process was killed sweeps as it reports the failure. A process number
means something only in its own PID namespace (containers that share a temporary folder each have
theirs), so the name carries the namespace's, and a sweep leaves other namespaces' folders alone.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

PREFIX = "dossier-link-scratch-"
_NAMED = re.compile(re.escape(PREFIX) + r"(\w+)-(\d+)-")
log = logging.getLogger(__name__)


def namespace() -> str:
    """This process's PID namespace, as a name can carry it ("4026531836"; "0" where it cannot be read)."""
    try:
        return re.sub(r"\D", "", os.readlink("/proc/self/ns/pid")) or "0"
    except OSError:
        return "0"


def make() -> str:
    """A new folder for this process's temporary files, once the folders of ended processes are gone."""
    sweep()
    return tempfile.mkdtemp(prefix=f"{PREFIX}{namespace()}-{os.getpid()}-")


def remove(folder: str) -> None:
    """The folder and whatever is left in it."""
    shutil.rmtree(folder, ignore_errors=True)


def sweep(where: str | None = None) -> list[str]:
    """Remove the folders (in `where`, else the temporary folder) of this PID namespace's processes that
    no longer run; return their paths. A folder whose process runs, another namespace's, or one whose name
    says no process, stays."""
    removed = []
    ours = namespace()
    root = Path(where or tempfile.gettempdir())
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for entry in entries:
        named = _NAMED.match(entry.name)
        if named and named.group(1) == ours and entry.is_dir() and not _running(int(named.group(2))):
            remove(str(entry))
            if not entry.exists():
                removed.append(str(entry))
                log.info("removed %s, left by a link that was stopped", entry)
    return removed


def _running(pid: int) -> bool:
    """Whether a process of that number runs (one of another user's counts; a zombie counts until reaped)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return True
    return True
