"""``adloom footage BRIEF.yaml VIDEO...`` and ``adloom eval footage``: ads cut from raw footage.

Exit codes as in :mod:`adloom.cli`: 2 for invalid input (brief, no usable video, bad
``--clips``; one ``error:`` line per problem on stderr, nothing written), 1 for a failure
after the run started; the graph is checkpointed and ``adloom footage-resume RUN_ID``
continues it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from adloom.config import ConfigError, Settings, load_settings
from agents.brief import BriefError

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

ConfigOption = Annotated[
    Optional[Path], typer.Option("--config", help="adloom.toml to read (default ./adloom.toml if present).")
]


def _fail_input(lines: list[str]) -> None:
    for line in lines:
        err.print(f"error: {line}", markup=False, highlight=False)
    raise typer.Exit(2)


def _settings(config: Path | None) -> Settings:
    try:
        return load_settings(config)
    except ConfigError as exc:
        _fail_input(str(exc).splitlines())
        raise AssertionError("unreachable")


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
        console=err, transient=True,
    )


def footage(
    brief: Annotated[Path, typer.Argument(help="Campaign brief YAML (product information).")],
    videos: Annotated[list[Path], typer.Argument(help="Raw video files to cut the ad from.")],
    clips: Annotated[Optional[int], typer.Option("--clips", help="How many clips to use (default: the LLM chooses).")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Output folder (default: <data_dir>/runs).")] = None,
    config: ConfigOption = None,
) -> None:
    """Cut an ad from raw footage: clips, order, voiceover script, subtitles, rendered video."""
    from graphs.footage import FootageRunFailed, run_footage
    from tools.scenes.detect import FootageInputError

    settings = _settings(config)
    with _progress_bar() as bar:
        task = bar.add_task("starting", total=1.0)

        def progress(label: str, fraction: float) -> None:
            bar.update(task, description=label, completed=fraction)

        def report(node: str, event: str, detail: dict) -> None:
            if event == "started":
                bar.update(task, description=node, completed=0.0)
            elif event == "finished":
                bar.console.print(f"[green]✓[/] {node} ({detail.get('seconds', 0):.1f} s)")
            elif event == "failed":
                bar.console.print(f"[red]✗[/] {node}: {detail.get('error', '')}", highlight=False)

        try:
            outcome = run_footage(settings, brief, list(videos), out_dir or settings.runs_dir, k=clips,
                                  reporter=report, progress=progress)
        except BriefError as exc:
            _fail_input([f"{exc.source}: {problem}" for problem in exc.problems])
        except FootageInputError as exc:
            _fail_input(str(exc).splitlines())
        except FootageRunFailed as exc:
            err.print(f"[red]{exc}[/]\nresume it with: adloom footage-resume {exc.run_id}", highlight=False)
            raise typer.Exit(1)
    _print_outcome(outcome)


def _print_outcome(outcome) -> None:
    for rejected in outcome.rejected:
        err.print(f"skipped: {rejected['error']}", markup=False, highlight=False)
    out.print(f"run id:   {outcome.run_id}", highlight=False)
    out.print(f"outputs:  {outcome.run_dir}", highlight=False)
    out.print(f"video:    {outcome.run_dir / 'ad.mp4'}", highlight=False)
    out.print(f"manifest: {outcome.manifest_path}", highlight=False)


def footage_resume(
    run_id: Annotated[str, typer.Argument(help="The footage run to continue.")],
    config: ConfigOption = None,
) -> None:
    """Continue a failed footage run from its last checkpoint (finished steps are not redone)."""
    from graphs.footage import FootageRunFailed, resume_footage
    from storage.records import RunNotFoundError

    settings = _settings(config)
    try:
        outcome = resume_footage(settings, run_id)
    except RunNotFoundError:
        _fail_input([f"no run with id {run_id!r} (see: adloom runs list)"])
    except FootageRunFailed as exc:
        err.print(f"[red]{exc}[/]\nresume it again with: adloom footage-resume {run_id}", highlight=False)
        raise typer.Exit(1)
    _print_outcome(outcome)


def _shared_data_dir() -> Path:
    return Path(os.environ.get("ADLOOM_SHARED_DATA", Path.cwd().parent / "shared" / "data"))


def eval_footage(
    data: Annotated[Optional[Path], typer.Option(help="Shared data folder (default: ADLOOM_SHARED_DATA or ../shared/data).")] = None,
    distractors: Annotated[int, typer.Option(help="Distractor clips per task.")] = 3,
    seed: Annotated[int, typer.Option(help="Shuffle seed.")] = 0,
    judge: Annotated[bool, typer.Option("--judge", help="Also score VSC/Fact/Coh/Logic with the [llm] model as judge.")] = False,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Report folder (default: <data_dir>/evals).")] = None,
    config: ConfigOption = None,
) -> None:
    """Remix tasks on the shared footage: SRA, WCD and SSA (plus VSC/Fact/Coh/Logic with a judge)."""
    from agents.llm_access import AgentLLM
    from evals.footage_eval import FootageEvalError, evaluate_footage, format_report, write_report
    from tools.context import ResidentModels
    from tools.llm.backend import load_backend

    settings = _settings(config)
    folder = data or _shared_data_dir()
    if not (folder / "video").is_dir():
        _fail_input([f"shared data not found at {folder} (pass --data or set ADLOOM_SHARED_DATA)"])
    with _progress_bar() as bar:
        task = bar.add_task("footage eval", total=1.0)
        models = ResidentModels()
        llm = AgentLLM(load_backend(settings.llm, models), settings.llm)
        try:
            report = evaluate_footage(
                settings, folder, distractors=distractors, seed=seed, llm=llm, models=models,
                judge=llm if judge else None,
                progress=lambda label, fraction: bar.update(task, description=label, completed=fraction),
            )
        except FootageEvalError as exc:
            _fail_input(str(exc).splitlines())
    out.print(format_report(report), highlight=False)
    path = write_report(report, out_dir or settings.data_dir / "evals")
    out.print(f"report: {path}", highlight=False)


def register_footage_commands(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add ``footage`` and ``footage-resume`` to the root app and ``footage`` to the ``eval`` group."""
    app.command("footage")(footage)
    app.command("footage-resume")(footage_resume)
    eval_app.command("footage")(eval_footage)
