"""What every ``adloom`` command shares: its consoles, the ``--config`` option, input errors, progress.

Exit codes of every command: 0 success; 2 invalid input (brief, config, arguments, a
database that cannot be opened; one ``error:`` line per problem on stderr, nothing
written); 1 a failure after work started (one line naming the log file that holds the
traceback; a run stays resumable). No traceback is ever printed on the terminal.
"""

from __future__ import annotations

import logging
import os
import tempfile
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from adloom.config import ConfigError, Settings, load_settings
from adloom.agents.brief import BriefError
from adloom.tools.context import ProgressCallback

if TYPE_CHECKING:
    from adloom.runs import RunOutcome

# soft_wrap: an error line or a printed path stays one line whatever the terminal's width,
# so "one line per problem" holds and paths can be copied or parsed.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

ConfigOption = Annotated[
    Optional[Path], typer.Option("--config", help="adloom.toml to read (default ./adloom.toml if present).")
]


def fail_input(lines: list[str]) -> NoReturn:
    """Print one ``error:`` line per problem and exit 2."""
    for line in lines:
        err.print(f"error: {line}", markup=False, highlight=False)
    raise typer.Exit(2)


def fail_brief(exc: BriefError) -> NoReturn:
    fail_input([f"{exc.source}: {problem}" for problem in exc.problems])


def settings_or_exit(config: Path | None) -> Settings:
    """The effective settings, or exit 2 naming the bad key and its variable."""
    try:
        return load_settings(config)
    except ConfigError as exc:
        fail_input(str(exc).splitlines())


def log_path() -> Path:
    """Where tracebacks go: ``<data_dir>/logs/adloom.log``, else the temporary folder when that is unwritable."""
    from adloom.config import default_data_dir

    data_dir = Path(os.environ.get("ADLOOM_DATA_DIR") or default_data_dir())
    for folder in (data_dir / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return folder / ("adloom.log" if folder.name == "logs" else f"adloom-{os.getuid()}.log")
    return Path(tempfile.gettempdir()) / "adloom.log"


def log_failure(exc: BaseException) -> Path:
    """Append ``exc``'s traceback to the log file and return its path."""
    from datetime import datetime, timezone

    path = log_path()
    text = "".join(traceback.format_exception(exc))
    try:
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ} pid {os.getpid()}\n{text}\n")
    except OSError as write_error:
        err.print(f"(cannot write the log {path}: {write_error})", markup=False, highlight=False)
    return path


def one_line(exc: BaseException) -> str:
    """An exception as one line: its type and the first line of its message."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def quiet_libraries() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def shared_data_dir() -> Path:
    """The shared test data: ``ADLOOM_SHARED_DATA`` or ``../shared/data``."""
    return Path(os.environ.get("ADLOOM_SHARED_DATA", Path.cwd().parent / "shared" / "data"))


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
        TextColumn("about"), TimeRemainingColumn(), TextColumn("left"),
        console=err, transient=True,
    )


EventReporter = Callable[[str, str, dict], None]


class RunProgress:
    """One bar for a whole run, fed by the run's tool progress and node events.

    The bar fills over the run's stages (named in the ``created``/``resumed`` event), each
    weighed by its typical seconds (:data:`adloom.graphs.tracking.STAGES`), so the time left is for
    the whole run; a stage run again after a send-back makes the run longer. The description
    is the stage in the marketer's words and its tool's own step. Stages print a line when
    they finish or fail.
    """

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.task = bar.add_task("Starting", total=1.0)
        self.expected: dict[str, int] = {}  # stages foreseen and not started yet
        self.total_s = 1.0
        self.done_s = 0.0
        self.node = ""
        self.words = "Starting"

    @staticmethod
    def typical(node: str) -> float:
        from adloom.graphs.tracking import STAGES

        return STAGES[node].typical_s if node in STAGES else 1.0

    @property
    def fraction(self) -> float:
        return self.bar.tasks[self.task].percentage / 100

    def progress(self, label: str, fraction: float) -> None:
        share = self.typical(self.node) * min(max(fraction, 0.0), 1.0) if self.node else 0.0
        self.bar.update(self.task, description=f"{self.words}: {label}", completed=self.done_s + share)

    def report(self, node: str, event: str, detail: dict) -> None:
        words = detail.get("words") or detail.get("label", node)
        console = self.bar.console
        if event in ("created", "resumed"):
            for stage in detail.get("stages", []):
                self.expected[stage] = self.expected.get(stage, 0) + 1
            self.total_s = max(1.0, sum(self.typical(s) * n for s, n in self.expected.items()))
            self.bar.update(self.task, total=self.total_s, completed=0.0)
        elif event == "started":
            if self.expected.get(node, 0) > 0:
                self.expected[node] -= 1
            else:  # not foreseen (a send-back): the run got longer
                self.total_s += self.typical(node)
                self.bar.update(self.task, total=self.total_s)
            self.node, self.words = node, words
            self.bar.update(self.task, description=words, completed=self.done_s)
        elif event == "finished":
            self.done_s += self.typical(node)
            self.bar.update(self.task, completed=self.done_s)
            console.print(f"[green]✓[/] {words} ({detail.get('seconds', 0):.1f} s)", highlight=False)
        elif event == "failed":
            console.print(f"[red]✗[/] {words}: {detail.get('error', '')}", highlight=False)
        else:
            why = detail.get("error") or detail.get("reason") or detail.get("request") or ""
            console.print(f"[yellow]↻[/] {words} {event}: {why}", highlight=False)


@contextmanager
def run_progress() -> Iterator[tuple[ProgressCallback, EventReporter]]:
    """A :class:`RunProgress` bar on the terminal: yields (tool progress callback, node event reporter)."""
    with progress_bar() as bar:
        run = RunProgress(bar)
        yield run.progress, run.report


def print_outcome(outcome: RunOutcome) -> None:
    """Where a finished run's outputs went."""
    manifest = outcome.manifest
    for rejected in manifest.rejected_inputs:
        err.print(f"skipped: {rejected['error']}", markup=False, highlight=False)
    for clip in manifest.screened_out:
        err.print(f"not used: {Path(clip['source']).name} {clip['start_s']:.1f}-{clip['end_s']:.1f} s, {clip['reason']}",
                  markup=False, highlight=False)
    out.print(f"run id:   {outcome.run_id}", highlight=False)
    out.print(f"status:   {outcome.status}", highlight=False)
    failed = manifest.failed_checks
    if failed:
        err.print(f"{len(failed)} check(s) failed; review before publishing:", highlight=False)
        for check in failed:
            err.print(f"  {check.variant_id} {check.name}: {check.detail}", markup=False, highlight=False)
    for note in manifest.notes or []:
        err.print(f"note: {note}", markup=False, highlight=False)
    out.print(f"outputs:  {outcome.run_dir}", highlight=False)
    video = manifest.outputs.get("video")
    if video:
        out.print(f"video:    {video}", highlight=False)
    out.print(f"manifest: {outcome.manifest_path}", highlight=False)


def run_and_report(
    launch: Callable[[ProgressCallback, EventReporter], object],
    input_errors: tuple[type[Exception], ...] = (),
) -> None:
    """Start or resume a run under a progress bar, then print where its outputs went.

    Args:
        launch: called with (progress callback, event reporter); returns an ``adloom.runs.RunOutcome``.
        input_errors: exceptions that mean bad input (exit 2) besides an invalid brief.
    """
    from adloom.runs import RunFailed

    quiet_libraries()
    try:
        with run_progress() as (progress, report):
            outcome = launch(progress, report)
    except BriefError as exc:
        fail_brief(exc)
    except input_errors as exc:
        fail_input(str(exc).splitlines())
    except RunFailed as exc:
        path = log_failure(exc)
        first = str(exc).strip().splitlines()[0]
        err.print(f"error: {first} (details in {path}); resume it with: adloom resume {exc.run_id}",
                  markup=False, highlight=False)
        raise typer.Exit(1)
    print_outcome(outcome)
