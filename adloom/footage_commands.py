"""``adloom footage BRIEF.yaml VIDEO...`` and ``adloom eval footage``: ads cut from raw footage.

Exit codes as in :mod:`adloom.console`: 2 for invalid input (brief, no usable video, bad
``--clips``; one ``error:`` line per problem on stderr, nothing written), 1 for a failure
after the run started; the graph is checkpointed and ``adloom resume RUN_ID`` continues it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from adloom.console import (
    ConfigOption,
    fail_input,
    out,
    progress_bar,
    run_and_report,
    settings_or_exit,
    shared_data_dir,
)


def footage(
    brief: Annotated[Path, typer.Argument(help="Campaign brief YAML (product information).")],
    videos: Annotated[list[Path], typer.Argument(help="Raw video files to cut the ad from.")],
    clips: Annotated[Optional[int], typer.Option("--clips", help="How many clips to use (default: the LLM chooses).")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Output folder (default: <data_dir>/runs).")] = None,
    config: ConfigOption = None,
) -> None:
    """Cut an ad from raw footage: clips, order, voiceover script, subtitles, rendered video."""
    from adloom.runs import start_footage_run
    from adloom.tools.scenes.detect import FootageInputError

    settings = settings_or_exit(config)
    run_and_report(
        lambda progress, report: start_footage_run(
            settings, brief, list(videos), out_dir or settings.runs_dir, k=clips, config_file=config,
            reporter=report, progress=progress,
        ),
        input_errors=(FootageInputError,),
    )


def eval_footage(
    data: Annotated[Optional[Path], typer.Option(help="Shared data folder (default: ADLOOM_SHARED_DATA or ../shared/data).")] = None,
    distractors: Annotated[int, typer.Option(help="Distractor clips per task.")] = 3,
    seed: Annotated[int, typer.Option(help="Shuffle seed.")] = 0,
    judge: Annotated[bool, typer.Option("--judge", help="Also score VSC/Fact/Coh/Logic with the [llm] model as judge.")] = False,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Report folder (default: <data_dir>/evals).")] = None,
    config: ConfigOption = None,
) -> None:
    """Remix tasks on the shared footage: SRA, WCD and SSA (plus VSC/Fact/Coh/Logic with a judge)."""
    from adloom.agents.llm_access import AgentLLM
    from adloom.evals.footage_eval import FootageEvalError, evaluate_footage, format_report, write_report
    from adloom.tools.context import ResidentModels

    settings = settings_or_exit(config)
    folder = data or shared_data_dir()
    if not (folder / "video").is_dir():
        fail_input([f"shared data not found at {folder} (pass --data or set ADLOOM_SHARED_DATA)"])
    with progress_bar() as bar:
        task = bar.add_task("footage eval", total=1.0)
        models = ResidentModels()
        llm = AgentLLM.load(settings.llm, models)
        try:
            report = evaluate_footage(
                settings, folder, distractors=distractors, seed=seed, llm=llm, models=models,
                judge=llm if judge else None,
                progress=lambda label, fraction: bar.update(task, description=label, completed=fraction),
            )
        except FootageEvalError as exc:
            fail_input(str(exc).splitlines())
    out.print(format_report(report), highlight=False)
    path = write_report(report, out_dir or settings.data_dir / "evals")
    out.print(f"report: {path}", highlight=False)
