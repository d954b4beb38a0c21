"""Would compiling our Python with Cython make the build faster? The same code, pure and compiled.

Copies `src/dossier` into a temporary folder and compiles the modules of the chosen packages there
with Cython 3 (`cythonize -3 -X annotation_typing=False`: the code unchanged; with annotation typing,
Cython enforces the hints, which the code does not promise at run time), then measures each variant
in a process of its own, the pure one first:

- the shard stage's work (`scale.shards.run_shard`) on every shard of CORPUS, one after another in
  one process: CPU milliseconds an article;
- a full relink of a copy of STORE (`bench/link_stage.py`): wall seconds of the link and of its
  linker step, and the linker's CPU in the linking process and in the copy stage's children.

Needs Cython (`.venv/bin/pip install cython`, not a dependency) and gcc; compiling takes a few
minutes here.

    .venv/bin/python bench/compiled.py --corpus /tmp/dossier-scale/corpus-3000 --store /tmp/dossier-scale/store-20000.db
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARD_CPU = """
import sys, time
from dossier.analyze.record import cached_kb
from dossier.corpus.inputs import expand_inputs
from dossier.corpus.readers import DEFAULT_MAX_BYTES
from dossier.scale.shards import SHARD_SIZE, ShardContext, plan, run_shard, stamp
from dossier.store.analysis import AnalysisOptions, analysis_config
import dossier.analyze.quotes
found = expand_inputs([sys.argv[1]])
files = found[0] if isinstance(found, tuple) else found
options = AnalysisOptions()
context = ShardContext(options, analysis_config(options), DEFAULT_MAX_BYTES)
cached_kb(None)
shards = list(plan([stamp(f) for f in files], SHARD_SIZE, DEFAULT_MAX_BYTES))
run_shard((context, shards[0]))  # the models and patterns loaded before the clock starts
started, articles = time.process_time(), 0
for shard in shards:
    articles += len(run_shard((context, shard)).items)
print(dossier.analyze.quotes.__file__)
print(articles, time.process_time() - started)
"""


def compile_copy(folder: Path, packages: list[str], jobs: int) -> float:
    """`src/dossier` copied into `folder` with the modules of `packages` compiled; the seconds it took."""
    shutil.copytree(REPO / "src" / "dossier", folder / "dossier", ignore=shutil.ignore_patterns("__pycache__"))
    modules = [str(p) for package in packages for p in sorted((folder / "dossier" / package).glob("*.py"))
               if p.name != "__init__.py"]
    started = time.time()
    done = subprocess.run([str(Path(sys.executable).parent / "cythonize"), "-i", "-3", "-j", str(jobs),
                           "-X", "annotation_typing=False", *modules], cwd=folder, capture_output=True, text=True)
    if done.returncode:  # (gcc's warnings about Cython's C are many, and only printed if it failed)
        raise SystemExit(f"cythonize failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    compiled = sum(1 for m in modules if list(Path(m).parent.glob(Path(m).stem + ".*.so")))
    if compiled != len(modules):
        raise SystemExit(f"only {compiled} of {len(modules)} modules compiled")
    return time.time() - started


def measure(path: str | None, corpus: Path, store: Path, scratch: Path) -> dict[str, float]:
    env = dict(os.environ)
    if path:
        env["PYTHONPATH"] = path
    shard = subprocess.run([sys.executable, "-c", SHARD_CPU, str(corpus)], env=env, capture_output=True, text=True,
                           check=True).stdout.split("\n")
    module, (articles, cpu) = shard[0], shard[1].split()
    if bool(path) != module.endswith(".so"):
        raise SystemExit(f"the wrong variant ran: {module}")
    copy = scratch / "store.db"
    shutil.copyfile(store, copy)
    out = subprocess.run([sys.executable, str(REPO / "bench" / "link_stage.py"), str(copy)], env=env,
                         capture_output=True, text=True, check=True).stdout
    copy.unlink()
    steps = json.loads(re.search(r"^steps \(s\): (.*)$", out, re.M).group(1))
    link_cpu = json.loads(re.search(r"^linker CPU[^:]*: (.*)$", out, re.M).group(1))
    return {"shard ms/article": 1000 * float(cpu) / int(articles),
            "link s": float(re.search(r"full link: ([\d.]+) s", out).group(1)),
            "linker step s": steps["linker"], "linking process CPU s": link_cpu["linker"],
            "children CPU s": link_cpu["stage"], "claims and flags s": steps["claims and flags"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="text corpus for the shard stage's CPU")
    parser.add_argument("--store", type=Path, required=True, help="built store to relink (a copy is used)")
    parser.add_argument("--packages", nargs="+", default=["analyze", "corpus", "link"],
                        help="packages of dossier whose modules are compiled")
    parser.add_argument("--repeat", type=int, default=1, help="measurements of each variant, alternating")
    args = parser.parse_args()
    if shutil.which("cythonize", path=str(Path(sys.executable).parent)) is None:
        raise SystemExit("needs Cython: .venv/bin/pip install cython")
    print(f"{platform.python_version()} on {os.cpu_count()} cores; compiled: {', '.join(args.packages)}")
    with tempfile.TemporaryDirectory(prefix="dossier-compiled-") as tmp:
        folder = Path(tmp)
        seconds = compile_copy(folder / "src", args.packages, os.cpu_count() or 1)
        print(f"compiled in {seconds:.0f} s")
        runs: dict[str, list[dict[str, float]]] = {"pure": [], "compiled": []}
        for _ in range(args.repeat):
            for name, path in (("pure", None), ("compiled", str(folder / "src"))):
                runs[name].append(measure(path, args.corpus, args.store, folder))
                print(name, json.dumps({k: round(v, 2) for k, v in runs[name][-1].items()}), flush=True)
    print("\nbest of each | pure | compiled | change")
    for key in runs["pure"][0]:
        pure, compiled = min(r[key] for r in runs["pure"]), min(r[key] for r in runs["compiled"])
        print(f"{key} | {pure:.2f} | {compiled:.2f} | {100 * (compiled - pure) / pure:+.1f} %")


if __name__ == "__main__":
    main()
