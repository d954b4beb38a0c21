"""Language identification with py3langid (offline, its model ships in the package)."""

from __future__ import annotations

import io
from functools import lru_cache

MIN_CHARS = 20
MIN_CONFIDENCE = 0.5
# py3langid's time grows with the text (about 0.7 ms per 1,000 characters here); on NAEB
# the first 300 characters already give the same answer as the first 5,000 for every article.
SAMPLE_CHARS = 400


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    try:
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    except OSError:
        # py3langid unpacks its model (68 MB) into a temporary file: with the temporary folder full or not
        # writable, every article failed to load it. Unpacked in memory instead (68 MB more, for a moment).
        return _identifier_in_memory()


def _identifier_in_memory():
    """py3langid's identifier, its model read as `py3langid.modelio.load_model` reads it, without a file."""
    import lzma
    from array import array
    from pathlib import Path

    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    def unsigned(values):  # as modelio._to_array: the model's tables as stdlib arrays
        out = array({2: "H", 4: "I", 8: "L"}[values.dtype.itemsize])
        out.frombytes(memoryview(np.ascontiguousarray(values)).cast("B"))
        return out

    path = Path(MODEL_FILE) if Path(MODEL_FILE).is_absolute() else Path(MODEL_DIR) / MODEL_FILE
    with lzma.open(path) as packed:
        unpacked = io.BytesIO(packed.read())
    with np.load(unpacked, allow_pickle=False) as data:
        return LanguageIdentifier(np.asarray(data["ptc"]), np.asarray(data["pc"]), data["classes"].tolist(),
                                  unsigned(data["nextmove"]), data["out_feat"].tolist(), norm_probs=True,
                                  tk_row=unsigned(data["nextmove_row"]))


def detect_language(text: str) -> tuple[str | None, float]:
    """ISO 639-1 code of the text's language and the model's confidence.

    Returns (None, 0.0) when the text is too short to tell.
    """
    sample = text[:SAMPLE_CHARS]
    if len(sample.strip()) < MIN_CHARS:
        return None, 0.0
    lang, confidence = _identifier().classify(sample)
    return lang, float(confidence)


def choose_language(text: str, given: str | None, declared: str | None) -> str | None:
    """Given (by the input's metadata) beats detected; detected beats the page's declaration,
    which templates often leave at a default."""
    if given:
        return given.strip().lower().split("-")[0].split("_")[0] or None
    lang, confidence = detect_language(text)
    if lang and confidence >= MIN_CONFIDENCE:
        return lang
    return declared or lang
