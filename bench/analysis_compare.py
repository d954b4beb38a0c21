"""Everything the shard stage's per-article work gives, to compare two versions of the code.

Runs `scale.shards.run_shard` (extract, clean, and the analysis record) over the given
inputs, in shards of SHARD_SIZE records as a build cuts them, and writes every result in
input order: each Article's fields (or the Skip's reason) and each analysis record's
(article id, key, JSON). Prints the CPU per article of the shard function alone (reading
the inputs is not counted), for each input group and in all. Run it with another
checkout's `src` on PYTHONPATH to get the other version's file, then compare byte for byte:

    .venv/bin/python bench/analysis_compare.py --generated 5000 --seeds --shared -o /tmp/after.txt
    PYTHONPATH=/path/to/old/src .venv/bin/python bench/analysis_compare.py --generated 5000 --seeds --shared -o /tmp/before.txt
    cmp /tmp/before.txt /tmp/after.txt

Inputs (read at run time, nothing stored in the repository):
- --generated N: the first N records of the JSON Lines files made by bench/corpus_gen.py
  (default folder /tmp/dossier-scale/corpus-10000; --corpus to change it), taken file by file;
- --seeds: ../shared/seeds/*.txt;
- --shared: the real texts and pages of ../shared/data: article-extraction and
  article-extraction-naeb HTML pages, polnear's train and dev texts, real-corpus articles
  (with their meta.jsonl).
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path

from dossier.corpus.inputs import InputFile, expand_inputs
from dossier.corpus.readers import read_input
from dossier.model import Article, RawDocument, Skip
from dossier.scale.shards import SHARD_SIZE, FileStamp, Shard, ShardContext, run_shard, warm_up
from dossier.store.analysis import AnalysisOptions, analysis_config

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MAX_BYTES = 20_000_000


def _generated(folder: Path, count: int) -> Iterator[RawDocument | Skip]:
    files = sorted(folder.glob("*.jsonl"))
    items = itertools.chain.from_iterable(read_input(InputFile(str(f)), MAX_BYTES) for f in files)
    return itertools.islice(items, count)


def _paths(paths: list[Path]) -> Iterator[RawDocument | Skip]:
    files, problems = expand_inputs([str(p) for p in paths if p.exists()])
    yield from problems
    for f in files:
        yield from read_input(f, MAX_BYTES)


def groups(args: argparse.Namespace) -> list[tuple[str, list[RawDocument | Skip]]]:
    out: list[tuple[str, list[RawDocument | Skip]]] = []
    if args.generated:
        out.append(("generated", list(_generated(args.corpus, args.generated))))
    if args.seeds:
        out.append(("seeds", list(_paths([SHARED / "seeds"]))))
    if args.shared:
        data = SHARED / "data"
        out.append(("article-extraction", list(_paths([data / "article-extraction" / "html"]))))
        out.append(("article-extraction-naeb", list(_paths([data / "article-extraction-naeb" / "html"]))))
        out.append(("polnear", list(_paths([data / "polnear" / "train" / "text", data / "polnear" / "dev" / "text"]))))
        out.append(("real-corpus", list(_paths([data / "real-corpus" / "articles"]))))
    return out


def _item_line(file: str, item: Article | Skip) -> str:
    if isinstance(item, Skip):
        return json.dumps({"file": file, "skip": item.source, "reason": item.reason}, ensure_ascii=False)
    return json.dumps({"file": file, "article": item.to_dict()}, ensure_ascii=False, sort_keys=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generated", type=int, default=0)
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/dossier-scale/corpus-10000"))
    parser.add_argument("--seeds", action="store_true")
    parser.add_argument("--shared", action="store_true")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    options = AnalysisOptions(workers=1)
    context = ShardContext(options, analysis_config(options), MAX_BYTES)
    warm_up(context)
    total_cpu, total_items = 0.0, 0
    with open(args.output, "w", encoding="utf-8") as out:
        for name, items in groups(args):
            entry = FileStamp(InputFile(name), 0, 0)
            shards = [Shard(f"{name}-{i}", i // SHARD_SIZE, records=items[i:i + SHARD_SIZE], container=entry)
                      for i in range(0, len(items), SHARD_SIZE)]
            cpu = 0.0
            for shard in shards:
                started = time.process_time()
                result = run_shard((context, shard))
                cpu += time.process_time() - started
                for file, item in result.items:
                    out.write(_item_line(file, item) + "\n")
                for aid, key, record in result.records:
                    out.write(json.dumps([aid, key], ensure_ascii=False) + "\t" + record + "\n")
            total_cpu, total_items = total_cpu + cpu, total_items + len(items)
            print(f"{name:>24}: {len(items):6,} items, {cpu:7.2f} s CPU, {1000 * cpu / max(1, len(items)):6.2f} ms an item",
                  flush=True)
    print(f"{'all':>24}: {total_items:6,} items, {total_cpu:7.2f} s CPU, "
          f"{1000 * total_cpu / max(1, total_items):6.2f} ms an item")


if __name__ == "__main__":
    main()
