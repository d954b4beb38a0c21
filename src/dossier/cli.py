"""The `dossier` command line: build, export, demo."""

from __future__ import annotations

import os
import sqlite3
import sys
from functools import partial
from pathlib import Path

import click

from dossier import __version__
from dossier.analyze.record import cached_kb
from dossier.build import BuildOptions, BuildReport, build
from dossier.corpus.readers import DEFAULT_MAX_BYTES
from dossier.link.corpus import LinkFailed
from dossier.scale.shards import SHARD_SIZE
from dossier.report.writers import BINARY_FORMATS, FORMATS, WRITERS, write_json
from dossier.store import corpus as store
from dossier.store.db import DEFAULT_DB, StoreError, connect, snapshot
from dossier.store.lock import writer_of

DB_OPTION = click.option(
    "--db",
    "db_path",
    default=lambda: os.environ.get("DOSSIER_DB", DEFAULT_DB),
    show_default=f"$DOSSIER_DB or {DEFAULT_DB}",
    type=click.Path(dir_okay=False),
    help="SQLite database file.",
)
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "examples" / "sample"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dossier")
def main() -> None:
    """Build a source-traced record of a news story from many outlets' articles.

    \b
    dossier build articles/            read, clean and store articles
    dossier export --format json       write the dossier (schema dossier/1)
    dossier demo                       build the bundled sample and write out/dossier.html
    dossier serve --db FILE            browse it and query the API on http://127.0.0.1:8000/
    """


class _Progress:
    """Progress bars on a terminal (reading the inputs, then each step of the link); silence
    otherwise. A link's steps may be told from its forked linking process: the bar is then that
    process's, and goes with it (`link.corpus.Progress`)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.task = None
        self.step = None

    def __call__(self, event: str, value: object) -> None:
        if not self.enabled:
            return
        if event == "files":
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                TextColumn("reading"), BarColumn(), MofNCompleteColumn(), TextColumn("files · {task.fields[docs]} documents"),
                TimeElapsedColumn(), transient=True, console=_stderr_console(),
            )
            self.task = self.bar.add_task("read", total=int(value), docs=0)
            self.bar.start()
        elif self.bar is not None and event == "file_done":
            self.bar.advance(self.task)
        elif self.bar is not None and event == "documents":
            self.bar.update(self.task, docs=value)
        elif event == "stage":
            self.close()  # the reading is over (and no bar's thread may run when the link forks)
        elif event == "link":
            step, done, total = value  # type: ignore[misc]
            if step != self.step:
                self.close()
                if step:
                    self._start(step, done, total)
            if self.bar is not None:  # (a step not counted: a moving bar, and how many are done if any)
                count = f"{done:,}/{total:,}" if total else f"{done:,}" if done else ""
                self.bar.update(self.task, completed=done, total=total or None, count=count)

    def _start(self, step: str, done: int, total: int) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        left = [TextColumn("·"), TimeRemainingColumn(), TextColumn("left")] if total else []
        self.bar = Progress(TextColumn(step.replace("[", r"\[")), BarColumn(), TextColumn("{task.fields[count]}"),
                            TimeElapsedColumn(), *left, transient=True, console=_stderr_console())
        # (from where it is: a link resumed from a checkpoint estimates what is left from its own pace)
        self.task = self.bar.add_task(step, total=total or None, completed=done, count="")
        self.step = step
        self.bar.start()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
        self.bar, self.task, self.step = None, None, None


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def _print_summary(report: BuildReport, conn, verbose: bool) -> None:
    counts = store.counts(conn)
    echo = click.echo
    shown = [("read", "reading and analysing"), ("link", "linking")]
    if report.stage_seconds.get("analyse", 0) >= 0.05:  # analyses redone after the outlet steps changed texts
        shown.insert(1, ("analyse", "analyses redone"))
    steps = ", ".join(f"{name} {report.stage_seconds[key]:.1f} s" for key, name in shown if key in report.stage_seconds)
    echo(
        f"Read {report.documents} documents from {report.files - report.files_unchanged} files"
        + (f" ({report.files_unchanged} unchanged files not read again)" if report.files_unchanged else "")
        + f"; the build took {report.elapsed:.1f} s" + (f" ({steps})" if steps else "") + "."
    )
    if report.shards_finished_before or report.shards_failed:
        echo(f"Shards: {report.shards} written, {report.shards_finished_before} finished by an earlier build and not redone"
             + (f", {report.shards_failed} failed (their workers kept dying; listed below, tried again next build)"
                if report.shards_failed else "") + ".")
    echo(f"Stored {report.stored} articles ({report.new_articles} new); the database now holds {counts['articles']} articles.")
    outlets = counts["outlets"]
    shown = outlets if verbose else outlets[:8]
    if outlets:
        echo(f"Outlets ({len(outlets)}): " + ", ".join(f"{o['outlet']} {o['n']}" for o in shown) + (", …" if len(shown) < len(outlets) else ""))
    if counts["languages"]:
        echo("Languages: " + ", ".join(f"{l['lang']} {l['n']}" for l in counts["languages"]))
    if report.linked:
        echo(f"Found {report.linked['quote_occurrences']} quotations ({report.linked['quotes']} distinct statements) "
             f"and {report.linked['actors']} actors" + (f"; analysed {report.analysed} articles anew." if report.analysed else "."))
        linked = report.linked
        echo(f"{linked.get('events', 0)} events in {linked.get('stories', 0)} stories, {linked.get('copies', 0)} copy relations, "
             f"{linked.get('claims', 0)} claims, {linked.get('flags', 0)} flags"
             + (f" (linked {linked['linked_new']} new articles)." if "linked_new" in linked else "."))
        resumed = (linked.get("cpu") or {}).get("resumed_from")
        if resumed:
            echo(f"The link went on from its checkpoint after {resumed} articles, where an earlier build was stopped.")
    for label, items in (("skipped", report.skipped), ("repaired", report.repaired)):
        if not items:
            continue
        limit = len(items) if verbose else 20
        noun = "input" if len(items) == 1 else "inputs"
        echo(f"{len(items)} {noun} {label}:")
        for p in items[:limit]:
            echo(f"  {p['source']} — {p['reason']}")
        if len(items) > limit:
            echo(f"  … and {len(items) - limit} more (see `dossier export --format json`, field problems, or use -v)")


@main.command("build")
@click.argument("paths", nargs=-1, required=True)
@DB_OPTION
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Skip any file or record larger than this.")
@click.option("--workers", type=click.IntRange(min=1), default=lambda: os.cpu_count() or 1,
              show_default="number of cores",
              help="Workers for the shard stage (read, clean, analyse); 1 runs in this process.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="Where shards run: a local process pool, or Ray (needs `pip install dossier[ray]`).")
@click.option("--address", default=None, metavar="ADDR",
              help="With --engine ray: a cluster to join (ray://host:port, or auto); default starts Ray here.")
@click.option("--shard-size", type=click.IntRange(min=1), default=SHARD_SIZE, show_default=True,
              help="Records of an archive or JSON Lines file, or small files, per shard (the unit a rerun skips).")
@click.option("--kb", "kb_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Your own actors (CSV, JSON Lines or YAML; see the README), added to the shipped knowledge base.")
@click.option("--quotes", "extractor", type=click.Choice(["rules", "model"]), default="rules", show_default=True,
              help="Quotation extractor: fast rules, or the learned tagger (needs `pip install dossier[accurate]`).")
@click.option("--strict", is_flag=True, help="Exit non-zero if any input was skipped.")
@click.option("--relink", is_flag=True,
              help="Link the whole corpus anew instead of adding the new articles to the saved linking state.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("-v", "--verbose", is_flag=True, help="List every outlet and every skipped input.")
def build_command(paths, db_path, max_bytes, workers, engine, address, shard_size, kb_file, extractor, strict, relink,
                  quiet, verbose) -> None:
    """Read articles from PATHS and store them, cleaned, in the database.

    PATHS are files, directories (read recursively), glob patterns, or - for standard
    input. Formats: plain text, HTML, JSON Lines / JSON, WARC, RSS/Atom, each possibly
    gzipped. A meta.jsonl beside files gives their url, outlet, published, ... Running
    the same build again changes nothing; an interrupted build resumes where it stopped.

    Input is read in shards (--shard-size records of an archive or JSON Lines file, or
    small files) on --workers processes, or on Ray with --engine ray [--address ADDR];
    each shard is stored with a completion marker, so a killed build redoes only the
    shards it had not finished, and the result is the same whatever the engine. A full
    link of a large store keeps a checkpoint every 200,000 articles (environment:
    DOSSIER_LINK_CHECKPOINT_EVERY=N, 0 for none) and goes on from the last one.
    """
    try:
        conn = connect(db_path)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    if kb_file:  # read the user's actors before any article, so a bad file stops nothing half-way
        try:
            cached_kb(kb_file)
        except Exception as exc:
            raise click.ClickException(f"{kb_file}: cannot be read as an actor file ({type(exc).__name__}: {exc})") from exc
    progress = _Progress(enabled=not quiet and sys.stderr.isatty())
    try:
        options = BuildOptions(max_bytes=max_bytes, workers=workers, extractor=extractor, kb_file=kb_file,
                               relink=relink, engine=engine, address=address, shard_size=shard_size)
        report = build(list(paths), conn, options, progress)
    except ImportError as exc:
        raise click.ClickException(str(exc)) from exc
    except ValueError as exc:  # a user KB file that cannot be read
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt:
        progress.close()
        click.echo(f"Interrupted. {db_path} keeps every shard stored so far and the last whole link; the same build "
                   "again goes on from there.", err=True)
        sys.exit(130)
    except StoreError as exc:  # another build or server is writing the store (store.lock.StoreBusy)
        raise click.ClickException(str(exc)) from exc
    except sqlite3.OperationalError as exc:  # the store's disk is full, or another process holds the store
        raise click.ClickException(_store_trouble(db_path, exc)) from exc
    except LinkFailed as exc:  # what the linking process said, with -v; what it means, always
        progress.close()
        if verbose:
            click.echo(exc.detail, err=True)
        raise click.ClickException(str(exc)) from exc
    finally:
        progress.close()
    if not quiet:
        _print_summary(report, conn, verbose)
    if not report.anything_read:
        click.echo("error: nothing could be read from the given paths", err=True)
        sys.exit(1)
    if strict and report.skipped:
        click.echo(f"error: {len(report.skipped)} inputs skipped (--strict)", err=True)
        sys.exit(1)


def _store_trouble(db_path: str, error: sqlite3.OperationalError) -> str:
    """What a store that could not be written means to the user, and what to do."""
    if "full" in str(error):
        return (f"the store {db_path} could not be written: {error}. It keeps what it held, with every shard stored "
                "before this one: free space on its disk (or move it) and run the same build again; it goes on from there.")
    if "locked" in str(error):
        return (f"the store {db_path} is busy: another dossier build or server is writing it ({error}). Run this "
                "build once it is done.")
    return f"the store {db_path} could not be written ({error})"


@main.command("export")
@DB_OPTION
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              show_default="standard output", help="File to write.")
def export_command(db_path, fmt, output) -> None:
    """Write the dossier: json (schema dossier/1), jsonl (one article per line),
    parquet, md (a readable listing) or html (one self-contained page)."""
    try:
        conn = connect(db_path, create=False)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    write_export(conn, fmt, output)


def write_export(conn, fmt: str, output: str) -> None:
    """Write to a file atomically (a temporary file renamed into place), or to stdout; from one snapshot of
    the store (`store.db.snapshot`), and with a note when a build is writing it."""
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    writer = writer_of(path) if path else None
    if writer:
        click.echo(f"note: {writer} is writing {path}: this export is the store as it is now, which may be "
                   "between two of the build's steps (its articles stored but not yet linked, say)", err=True)
    with snapshot(conn):
        _write_export(conn, fmt, output)


def _write_export(conn, fmt: str, output: str) -> None:
    binary = fmt in BINARY_FORMATS
    # the json export of a large store takes minutes (~2.5 at 100,000 articles): a bar for each array on a terminal
    progress = _Progress(enabled=fmt == "json" and sys.stderr.isatty())
    write = partial(write_json, progress=progress) if fmt == "json" else WRITERS[fmt]
    try:
        if output == "-":
            if binary and sys.stdout.isatty():
                raise click.ClickException(f"{fmt} is binary: give a file with -o")
            stream = sys.stdout.buffer if binary else sys.stdout
            write(conn, stream)
            stream.flush()
            return
        target = Path(output)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        with open(temporary, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as stream:
            write(conn, stream)
        temporary.replace(target)
    finally:
        progress.close()


@main.command("demo")
@click.option("--sample", type=click.Path(exists=True, file_okay=False), default=None,
              help="Sample corpus folder.", show_default="examples/sample of this checkout")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="out", show_default=True,
              help="Folder for the database and the pages.")
def demo_command(sample, out_dir) -> None:
    """Build the bundled synthetic sample corpus and write its pages: out/dossier.html (one self-contained
    file with the story views), out/dossier.json and out/dossier.md; then say how to serve them."""
    sample_dir = Path(sample) if sample else SAMPLE_DIR
    relative = os.path.relpath(sample_dir)
    if not relative.startswith(".."):
        sample_dir = Path(relative)  # sources read `examples/sample/...`, wherever the clone is
    if not sample_dir.is_dir():
        raise click.ClickException(f"sample corpus not found at {sample_dir}: run from a clone of dossier or give --sample")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    conn = connect(out / "dossier.db")
    click.echo(f"Building the sample corpus in {sample_dir} (synthetic articles written for dossier) …")
    report = build([str(sample_dir)], conn, BuildOptions(workers=os.cpu_count() or 1))
    _print_summary(report, conn, verbose=False)
    for fmt, name in (("html", "dossier.html"), ("json", "dossier.json"), ("md", "dossier.md")):
        write_export(conn, fmt, str(out / name))
    click.echo(f"Wrote {out / 'dossier.html'}: the story views (stories, timelines, coverage, statements, events by copy "
               f"relation, highlighted articles, actors, flags) in one self-contained file: open it in a browser or send it.")
    click.echo(f"Also {out / 'dossier.json'} (the dossier/1 export) and {out / 'dossier.md'}.")
    click.echo(f"Serve the same pages with search and the API: dossier serve --db {out / 'dossier.db'}  "
               f"(then open http://127.0.0.1:8000/; needs pip install 'dossier[web]')")


@main.command("serve")
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback unless told otherwise).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Server processes.")
def serve_command(db_path, host, port, workers) -> None:
    """Serve the web pages and the HTTP API (JSON under /api/, described at /docs).

    Read-only unless DOSSIER_TOKEN is set: then POST /api/articles with
    `Authorization: Bearer <token>` adds articles as `dossier build` would.
    """
    try:
        import uvicorn  # the web extra

        from dossier.web.app import LOOPBACK_HOSTS, create_app
    except ImportError as exc:
        raise click.ClickException(f"the web server needs the web extra: pip install 'dossier[web]' ({exc})") from exc
    try:
        connect(db_path, create=False).close()
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    token = os.environ.get("DOSSIER_TOKEN") or None
    hosts = LOOPBACK_HOSTS if host in ("127.0.0.1", "localhost", "::1") else None  # on loopback, answer only to its names
    if hosts is None:
        click.echo(f"warning: listening on {host}, reachable from other machines", err=True)
    click.echo(f"Serving {db_path} on http://{host}:{port}/ ({'accepts articles with the token' if token else 'read-only: set DOSSIER_TOKEN to accept articles'})")
    if workers > 1:
        os.environ["DOSSIER_DB"] = str(db_path)
        if hosts:
            os.environ["DOSSIER_HOSTS"] = ",".join(hosts)
        uvicorn.run("dossier.web.app:app_from_env", factory=True, host=host, port=port, workers=workers, log_level="warning")
    else:
        uvicorn.run(create_app(db_path, token, hosts=hosts), host=host, port=port, log_level="warning")


if __name__ == "__main__":
    main()
