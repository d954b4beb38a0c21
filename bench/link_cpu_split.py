"""A full link of STORE (migrated and relinked: use a copy) with the copy stage's process: the parent's CPU
and the stage child's CPU up to the end of the linker phase, for either version of the code. It patches the
method that joins the child (`CopyStage.index` before session 6's branch quoteside, `indexes` after) to read
the parent's CPU and the reaped child's (RUSAGE_CHILDREN: the stage's child is the first child reaped).

    PYTHONPATH=/path/to/other/src .venv/bin/python bench/link_cpu_split.py STORE
"""
import json, resource, sys, time
from dossier.link import copy_stage
from dossier.link.corpus import link
from dossier.store.db import connect
name = "indexes" if hasattr(copy_stage.CopyStage, "indexes") else "index"
orig = getattr(copy_stage.CopyStage, name)
rec = {}
def joined(self):
    started = time.perf_counter()
    out = orig(self)
    rec["take"] = time.perf_counter() - started
    rec["parent"] = time.process_time() - rec["cpu0"]
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    rec["child"] = use.ru_utime + use.ru_stime
    rec["linker wall"] = time.perf_counter() - rec["wall0"]
    return out
setattr(copy_stage.CopyStage, name, joined)
conn = connect(sys.argv[1])
rec["cpu0"], rec["wall0"] = time.process_time(), time.perf_counter()
sizes = link(conn, full=True)
print(name, json.dumps({k: round(v, 2) for k, v in rec.items() if k not in ("cpu0", "wall0")}), json.dumps(sizes["seconds"]))
