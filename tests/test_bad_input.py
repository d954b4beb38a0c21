"""Hostile input: each bad file is skipped or repaired with a plain reason; the build goes on."""

from __future__ import annotations

import os

import pytest

from conftest import WIRE_BODY, gzipped, wire_html, wire_text
from dossier.build import BuildOptions, build
from dossier.corpus.decode import UnreadableInput, bytes_to_text, decode_text, gunzip


def test_latin1_and_windows1252_text_are_decoded():
    text = "La alcaldesa dijo que la situación en la frontera es difícil y que pedirá más fondos al gobierno federal."
    latin1 = decode_text(text.encode("latin-1"))
    assert latin1.text == text and "not UTF-8" in latin1.repairs[0]
    cp1252 = decode_text("\u201cWe cannot wait,\u201d she said \u2014 again, for the third time this week.".encode("cp1252"))
    assert "\u201cWe cannot wait,\u201d" in cp1252.text and "\u2014" in cp1252.text


def test_invalid_utf8_keeps_the_good_text_and_says_what_it_replaced():
    data = "Ciudad de México: el presidente habló el lunes.".encode() + b"\xff\xfe bad" + " Más texto válido.".encode()
    decoded = decode_text(data)
    assert decoded.text.startswith("Ciudad de México") and "Más texto válido." in decoded.text
    assert "invalid UTF-8" in decoded.repairs[0]


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty file"),
        (b"  \n\n ", "empty file"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 4, "binary file: looks like a PDF document, not text"),
        (bytes(range(256)) * 4, "binary file: contains NUL bytes, not text"),
    ],
)
def test_unreadable_bytes_get_a_plain_reason(data, reason):
    with pytest.raises(UnreadableInput, match=reason.replace("(", r"\(").replace(")", r"\)")):
        bytes_to_text(data, 1_000_000)


def test_truncated_gzip_keeps_what_can_be_decompressed():
    data = gzipped(wire_text().encode() * 50)
    out, repairs = gunzip(data[: len(data) // 2], 10_000_000)
    assert out.startswith(wire_text().encode()[:100])
    assert repairs and "truncated gzip" in repairs[0]


def test_gzip_bomb_is_refused():
    with pytest.raises(UnreadableInput, match="over the limit"):
        gunzip(gzipped(b"a" * 5_000_000), 1_000_000)


def test_a_build_over_bad_files_stores_the_good_ones_and_lists_every_bad_one(tmp_path, db):
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "good.txt").write_text(wire_text(), encoding="utf-8")
    (corpus / "good.html").write_text(wire_html(body=["Another body paragraph, long enough to be an article paragraph of its own.", *WIRE_BODY[1:]]))
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.html").write_bytes(bytes(range(256)) * 8)
    (corpus / "latin1.txt").write_bytes(wire_text("Título en español", ["La alcaldesa habló de la situación en la frontera norte del país."]).encode("latin-1"))
    (corpus / "bad-utf8.txt").write_bytes("Alcaldes de México y Texas\n\nLa reunión en Ciudad Juárez terminó".encode() + b"\xc3\x28\xff" + " y la alcaldesa habló después.".encode())
    cut = gzipped(wire_text("Truncated But Readable", [f"Paragraph {n} of the story: {n * 7919 % 1000} trucks crossed at gate {n}." for n in range(200)]).encode())
    (corpus / "cut.txt.gz").write_bytes(cut[: len(cut) // 2])
    (corpus / "noarticle.html").write_text("<html><body><nav>Home | About</nav><script>alert(1)</script></body></html>")
    (corpus / "huge.txt").write_text("word " * 300_000)
    locked = corpus / "locked.txt"
    locked.write_text(wire_text())
    locked.chmod(0)
    report = build([str(corpus), str(tmp_path / "nowhere")], db, BuildOptions(max_bytes=1_000_000))
    reasons = {p["source"].rsplit("/", 1)[-1]: p["reason"] for p in report.skipped}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["binary.html"].startswith("binary file")
    assert reasons["noarticle.html"].startswith("HTML page with no article text")
    assert "over the size limit" in reasons["huge.txt"] and "--max-bytes" in reasons["huge.txt"]
    assert reasons["nowhere"] == "no such file or directory"
    if os.geteuid() != 0:  # root reads files whatever their mode
        assert reasons["locked.txt"] == "permission denied"
    repaired = {p["source"].rsplit("/", 1)[-1]: p["reason"] for p in report.repaired}
    assert "not UTF-8" in repaired["latin1.txt"]
    assert "invalid UTF-8" in repaired["bad-utf8.txt"]
    assert "truncated gzip" in repaired["cut.txt.gz"]
    stored = {r[0].rsplit("/", 1)[-1] for r in db.execute("SELECT source FROM sources")}
    assert {"good.txt", "good.html", "latin1.txt", "bad-utf8.txt", "cut.txt.gz"} <= stored
    assert report.anything_read
    titles = {r[0] for r in db.execute("SELECT title FROM sources")}
    assert "Título en español" in titles
