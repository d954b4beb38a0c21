"""Writing the export in each format: json, jsonl, parquet, md, html."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import IO, Any, Callable

from dossier.report.document import build_document, document_parts, iter_export_articles

Progress = Callable[[str, object], None]
FORMATS = ("json", "jsonl", "parquet", "md", "html")
BINARY_FORMATS = ("parquet",)


# the tables whose rows each array of the document counts, for `write_json`'s progress
_COUNTED = {"articles": "articles", "actors": "actors", "quotes": "quotes", "copies": "copies", "events": "events",
            "stories": "stories", "timeline": "events", "claims": "claims", "flags": "flags"}


def write_json(conn: sqlite3.Connection, out: IO[str], progress: Progress | None = None) -> None:
    """The document as `json.dump(build_document(conn), out, ensure_ascii=False, indent=1)` writes
    it, byte for byte, an item at a time: the whole document of 1,000,000 articles would not fit in
    memory (~1 GB resident for 20,000 articles). `progress` is told ("link", (step, done, total))
    as each array is written, as a build's link tells its steps."""
    out.write("{")
    for n, (key, value) in enumerate(document_parts(conn, stream_over=STREAM_OVER)):
        out.write(("\n " if n == 0 else ",\n ") + json.dumps(key) + ": ")
        if isinstance(value, str):
            out.write(json.dumps(value, ensure_ascii=False))
            continue
        tell = None
        if progress is not None:
            step = f"writing {key}"
            total = conn.execute(f"SELECT COUNT(*) FROM {_COUNTED[key]}").fetchone()[0] if key in _COUNTED else 0
            tell = lambda done, step=step, total=total: progress("link", (step, done, max(total, done)))  # noqa: E731
        _write_array(out, value, 1, tell)
    if progress is not None:
        progress("link", (None, 0, 0))
    out.write("\n}\n")


_ENCODER = json.JSONEncoder(ensure_ascii=False, indent=1)
_PIECES = 8192  # json's pieces joined and written at once: a statement of 20,000 occurrences was a 100 MB string
STREAM_OVER = 2000  # a statement with more occurrences than this is written as they are read (`iter_quotes`)


def _write_array(out: IO[str], items: Iterable[Any], depth: int, tell: Callable[[int], None] | None = None) -> None:
    """An array at `depth` (its brackets' indentation), its items written as they come; `tell` is
    given how many were written every thousand and at the end."""
    inner, done = "\n" + " " * (depth + 1), 0
    for item in items:
        out.write(("[" if done == 0 else ",") + inner)
        _write_item(out, item, depth + 1)
        done += 1
        if tell is not None and done % 1000 == 0:
            tell(done)
    out.write("[]" if done == 0 else "\n" + " " * depth + "]")
    if tell is not None:
        tell(done)


def _write_item(out: IO[str], item: Any, depth: int) -> None:
    """An item at `depth`, as `json.dumps(item, ensure_ascii=False, indent=1)` gives it with each of
    its lines moved in by `depth` spaces (a newline inside a string is written escaped, so every
    newline here is json's), written a few thousand of json's pieces at a time. A dict holding an
    iterator (a statement's many occurrences) is written key by key, the iterator an item at a time."""
    if isinstance(item, dict) and any(isinstance(v, Iterator) for v in item.values()):
        inner = "\n" + " " * (depth + 1)
        for n, (key, value) in enumerate(item.items()):
            out.write(("{" if n == 0 else ",") + inner + json.dumps(key, ensure_ascii=False) + ": ")
            if isinstance(value, Iterator):
                _write_array(out, value, depth + 1)
            else:
                _write_item(out, value, depth + 1)
        out.write("\n" + " " * depth + "}")
        return
    indent = "\n" + " " * depth
    pieces: list[str] = []
    for piece in _ENCODER.iterencode(item):
        pieces.append(piece)
        if len(pieces) == _PIECES:
            out.write("".join(pieces).replace("\n", indent))
            pieces.clear()
    out.write("".join(pieces).replace("\n", indent))


def write_jsonl(conn: sqlite3.Connection, out: IO[str]) -> None:
    """One article per line: streams, so it suits corpora too big for one JSON object."""
    for article in iter_export_articles(conn):
        out.write(json.dumps(article, ensure_ascii=False))
        out.write("\n")


def _parquet_schema() -> Any:
    import pyarrow as pa

    removed = pa.list_(pa.struct([("text", pa.string()), ("reason", pa.string())]))
    return pa.schema(
        [
            ("id", pa.string()), ("source", pa.string()), ("url", pa.string()), ("outlet", pa.string()),
            ("outlet_name", pa.string()), ("title", pa.string()), ("author", pa.string()),
            ("published", pa.string()), ("published_source", pa.string()), ("lang", pa.string()),
            ("text", pa.string()), ("removed", removed), ("partial", pa.bool_()),
            ("extractor", pa.string()), ("synthetic", pa.bool_()), ("sources", pa.list_(pa.string())),
        ]
    )


def write_parquet(conn: sqlite3.Connection, out: IO[bytes], batch: int = 10_000) -> None:
    """Articles as a Parquet table (one row per article; `sources` lists source names), written
    `batch` rows at a time (a row group each), not the whole corpus's rows at once."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _parquet_schema()
    rows: list[dict[str, Any]] = []
    with pq.ParquetWriter(out, schema) as writer:
        for article in iter_export_articles(conn):
            row = {name: article.get(name) for name in schema.names}
            row["sources"] = [s["source"] for s in article["sources"]]
            rows.append(row)
            if len(rows) == batch:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                rows = []
        if rows:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))


def write_markdown(conn: sqlite3.Connection, out: IO[str]) -> None:
    from dossier.report.markdown import render_markdown

    out.write(render_markdown(build_document(conn)))


def write_html(conn: sqlite3.Connection, out: IO[str]) -> None:
    from dossier.report.html import write_html_file

    write_html_file(conn, out)


WRITERS = {"json": write_json, "jsonl": write_jsonl, "parquet": write_parquet, "md": write_markdown, "html": write_html}
