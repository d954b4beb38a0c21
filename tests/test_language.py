"""Language identification (`analyze.language`), also when the temporary folder cannot be written."""

from __future__ import annotations

import errno
import tempfile

import pytest

from conftest import SAMPLE
from dossier.analyze import language


def _sample_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((SAMPLE / "txt").glob("*.txt"))]
    texts += ["El presidente dijo el martes que México no aceptará tropas extranjeras en su territorio.",
              "Le président a déclaré mardi que le pays n'accepterait pas de troupes étrangères."]
    return texts


def test_the_sample_and_lines_of_our_own_are_told_apart():
    assert language.detect_language("The mayor said on Tuesday that the city would not accept foreign troops.")[0] == "en"
    assert language.detect_language(_sample_texts()[-2])[0] == "es"
    assert language.detect_language("Too short") == (None, 0.0)


def test_a_full_temporary_folder_does_not_stop_language_identification(monkeypatch):
    """py3langid unpacks its model into a temporary file: with the folder full, every article of a build
    failed ('could not be analysed (OSError: No space left on device)'). The model is then read in memory,
    and gives what the usual loading gives."""
    texts = _sample_texts()
    assert len(texts) > 10
    language._identifier.cache_clear()
    usual = [language.detect_language(t) for t in texts]

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", full)
    language._identifier.cache_clear()
    try:
        with pytest.raises(OSError):  # (what the usual loading does then)
            from py3langid.langid import MODEL_FILE, LanguageIdentifier
            LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        assert [language.detect_language(t) for t in texts] == usual
    finally:
        language._identifier.cache_clear()
