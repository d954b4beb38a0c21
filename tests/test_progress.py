"""A long build says where it is: the link tells each of its steps as it goes (`link.corpus.Progress`),
and `dossier build` on a terminal shows them as progress bars."""

from __future__ import annotations

import io
import re

from rich.console import Console

from dossier import cli
from dossier.build import BuildOptions, build
from dossier.link import corpus


def _recorder(path):
    """A progress callback that notes each report in a file (the linking process is forked)."""
    def record(step: str, done: int, total: int) -> None:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{step}|{done}|{total}\n")
    return record


def _reports(path) -> list[tuple[str, int, int]]:
    return [(step, int(done), int(total)) for step, done, total in
            (line.split("|") for line in path.read_text(encoding="utf-8").splitlines())]


def _steps(reports) -> list[str]:
    """The steps in the order they were told, each once per run of reports."""
    steps: list[str] = []
    for step, _, _ in reports:
        if not steps or steps[-1] != step:
            steps.append(step)
    return steps


def test_a_full_link_tells_its_steps_and_counts_its_articles(store, tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "PROGRESS_EVERY", 5)
    told = tmp_path / "told"
    corpus.link(store, full=True, progress=_recorder(told))
    reports = _reports(told)
    articles = store.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
    assert _steps(reports) == ["linking articles", "dating events", "writing events, stories and copies",
                               "writing statements", "",  # the linking process's steps are over
                               "claims and flags: chunks of scopes written", "saving the linking state", ""]
    linking = [(done, total) for step, done, total in reports if step == "linking articles"]
    assert linking[0] == (0, articles) and linking[-1] == (articles, articles)
    assert [done for done, _ in linking[1:-1]] == list(range(5, articles, 5))
    chunks = [done for step, done, _ in reports if step.startswith("claims and flags")]
    assert chunks == list(range(1, len(chunks) + 1)) and len(chunks) > 3


def test_an_added_article_is_told_too(store, tmp_path):
    new = tmp_path / "new" / "harbour.txt"
    new.parent.mkdir()
    new.write_text("Harbour pilots end strike\n\nThe harbour pilots of Port Alder ended their strike on Friday. "
                   "“We have an agreement,” their union's leader said.\n", encoding="utf-8")
    told = tmp_path / "told"
    record = _recorder(told)
    build([str(new)], store, BuildOptions(workers=1),
          progress=lambda event, value: record(*value) if event == "link" else None)
    reports = _reports(told)
    # (an add reads the state a part at a time: a step of its own for each)
    assert _steps(reports) == ["linking articles: statements", "linking articles: copies", "linking articles: events",
                               "writing", "claims and flags: chunks of scopes written", "saving the linking state", ""]
    assert reports[:2] == [("linking articles: statements", 0, 1), ("linking articles: statements", 1, 1)]


def test_the_terminal_shows_a_bar_for_each_step(monkeypatch):
    screen = io.StringIO()
    monkeypatch.setattr(cli, "_stderr_console", lambda: Console(file=screen, force_terminal=True, width=120))
    progress = cli._Progress(enabled=True)

    def shown() -> str:
        progress.bar.refresh()
        return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", screen.getvalue())

    progress("files", 2)
    progress("file_done", "a.txt")
    assert "1/2" in shown() and "reading" in shown()
    progress("stage", "linking")
    assert progress.bar is None  # the reading bar is gone before the link forks
    progress("link", ("linking articles", 0, 200_000))
    progress("link", ("linking articles", 150_000, 200_000))
    assert "linking articles" in shown() and "150,000/200,000" in shown() and "left" in shown()
    progress("link", ("dating events", 0, 0))
    assert progress.step == "dating events" and "dating events" in shown()
    progress("link", ("claims and flags: chunks of scopes written", 37, 0))
    assert "claims and flags: chunks of scopes written" in shown() and " 37 " in shown()
    progress("link", ("", 0, 0))
    assert progress.bar is None and progress.step is None
    progress.close()


def test_no_terminal_no_bars(monkeypatch):
    progress = cli._Progress(enabled=False)
    progress("link", ("linking articles", 0, 10))
    assert progress.bar is None
