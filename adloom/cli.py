"""The ``adloom`` command line.

Command groups live beside it (``assemble_command``, ``chat_commands``, ``footage_commands``,
``trend_commands``, ``model_commands``) and are registered here; what they share is in :mod:`adloom.console`,
exit codes included.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

# Offline by default: nothing may reach a model hub. Set before any model library loads.
for _variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):
    os.environ.setdefault(_variable, "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import typer
from rich.table import Column, Table

from adloom.assemble_command import EXTRA_FILES, assemble_command
from adloom.brief_commands import brief_app
from adloom.chat_commands import chat, serve
from adloom.console import (
    ConfigOption,
    err,
    fail_brief,
    fail_input,
    log_failure,
    one_line,
    out,
    progress_bar,
    quiet_libraries,
    run_and_report,
    settings_or_exit,
    shared_data_dir,
)
from adloom.footage_commands import eval_footage, footage
from adloom.model_commands import models_app
from adloom.music_commands import music_app
from adloom.trend_commands import register_trend_commands
from adloom.agents.brief import BriefError

# pretty_exceptions off: an unexpected error is reported by main() as one line, its traceback in the log.
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Local generative-model ad campaigns.")
runs_app = typer.Typer(no_args_is_help=True, help="Inspect runs.")
brands_app = typer.Typer(no_args_is_help=True, help="Brands and products.")
eval_app = typer.Typer(no_args_is_help=True, help="Evaluation reports.")
app.add_typer(runs_app, name="runs")
app.add_typer(brands_app, name="brands")
app.add_typer(eval_app, name="eval")
app.add_typer(models_app, name="models")
app.add_typer(brief_app, name="brief")
app.add_typer(music_app, name="music")
app.command("assemble", context_settings=EXTRA_FILES)(assemble_command)
app.command("footage")(footage)
app.command("chat")(chat)
app.command("serve")(serve)
eval_app.command("footage")(eval_footage)
register_trend_commands(app)




@app.command()
def run(
    brief: Annotated[Path, typer.Argument(help="Campaign brief YAML.")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Output folder (default: <data_dir>/runs).")] = None,
    config: ConfigOption = None,
) -> None:
    """Run a campaign from a brief; prints the run id and the output folder."""
    from adloom.agents.brief import load_brief
    from adloom.runs import start_run

    settings = settings_or_exit(config)
    run_and_report(lambda progress, report: start_run(
        settings, load_brief(brief), out_dir or settings.runs_dir, brief_path=brief, config_file=config,
        reporter=report, progress=progress,
    ))


@app.command()
def resume(
    run_id: Annotated[str, typer.Argument(help="The run to continue.")],
    config: ConfigOption = None,
) -> None:
    """Continue a crashed or failed run (campaign or footage) from its last checkpoint.

    A run that a live process still owns is refused (exit 2, naming the process).
    """
    from adloom.runs import resume_run
    from adloom.storage.records import RunLeasedError, RunNotFoundError

    settings = settings_or_exit(config)
    run_and_report(
        lambda progress, report: resume_run(settings, run_id, reporter=report, progress=progress),
        input_errors=(RunNotFoundError, RunLeasedError),
    )


@runs_app.command("list")
def runs_list(config: ConfigOption = None, limit: int = 50) -> None:
    """The most recent runs."""
    from adloom.storage import records
    from adloom.storage.database import open_database

    settings = settings_or_exit(config)
    with open_database(settings.database_url).session() as session:
        rows = records.list_runs(session, limit=limit)
        # The full run id (what `adloom resume` needs) and status are never shortened.
        table = Table(
            Column("run id", no_wrap=True, min_width=32), Column("status", no_wrap=True, min_width=11),
            "created", "product", "outputs",
        )
        for row in rows:
            product = (row.campaign.brief or {}).get("product", {}).get("name", "") if row.campaign else ""
            table.add_row(row.id, row.shown_status(), f"{row.created_at:%Y-%m-%d %H:%M}", product, row.out_dir or "")
    out.print(table)


@runs_app.command("show")
def runs_show(run_id: str, config: ConfigOption = None) -> None:
    """One run: status, node history and outputs."""
    from adloom.storage import records
    from adloom.storage.database import open_database

    settings = settings_or_exit(config)
    with open_database(settings.database_url).session() as session:
        run = records.get_run(session, run_id)
        if run is None:
            fail_input([f"no run with id {run_id!r} (see: adloom runs list)"])
        out.print(f"run id:  {run.id}\nstatus:  {run.shown_status()}\ncreated: {run.created_at:%Y-%m-%d %H:%M:%S}", highlight=False)
        if run.error:
            out.print(f"error:   {run.error}", highlight=False)
        if run.shown_status() == "running" and run.lease_holder:
            out.print(f"held by: {run.lease_holder}", highlight=False)
        written = Path(run.out_dir or "") / run.id / "manifest.json"
        out.print(f"manifest: {written if run.manifest is not None else '(not written yet)'}", highlight=False)
        table = Table("node", "event", "at", "detail")
        for event in run.events:
            table.add_row(event.node, event.event, f"{event.at:%H:%M:%S}", str((event.detail or {}).get("label", "")))
        out.print(table)


@app.command("licences")
def licences(
    run_id: Annotated[str, typer.Argument(help="A finished run.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    config: ConfigOption = None,
) -> None:
    """The licence of every model and third-party asset that went into a run's outputs."""
    import json

    from adloom.agents.licences import licence_records
    from adloom.storage import records
    from adloom.storage.database import open_database

    settings = settings_or_exit(config)
    with open_database(settings.database_url).session() as session:
        run = records.get_run(session, run_id)
        if run is None:
            fail_input([f"no run with id {run_id!r} (see: adloom runs list)"])
        manifest, status, run_settings = run.manifest, run.shown_status(), (run.config or {}).get("settings")
    if manifest is None:
        fail_input([f"run {run_id} has no manifest yet (status {status}); its licences are listed once it finishes"])
    # Recomputed with the run's settings when they are stored: they name the GPU backends' model folders.
    found = licence_records(manifest, run_settings) if run_settings else manifest.get("licences") or \
        licence_records(manifest)
    if as_json:
        out.print_json(json.dumps(found))
        return
    table = Table("component", "used for", "licence", "source / note")
    for item in found:
        note = item["source"] + (f" ({item['note']})" if item.get("note") else "")
        table.add_row(item["component"], item["role"], item["licence"], note)
    out.print(table)


@brands_app.command("import")
def brands_import(brief: Path, config: ConfigOption = None) -> None:
    """Store a brief's brand and product."""
    from adloom.runs import import_brief

    settings = settings_or_exit(config)
    try:
        stored = import_brief(settings, brief)
    except BriefError as exc:
        fail_brief(exc)
    out.print(f"stored brand {stored.brand.name!r} with product {stored.product.name!r}", highlight=False)


@brands_app.command("list")
def brands_list(config: ConfigOption = None) -> None:
    """Stored brands and their products."""
    from adloom.storage import records
    from adloom.storage.database import open_database

    settings = settings_or_exit(config)
    with open_database(settings.database_url).session() as session:
        table = Table("brand", "voice", "products")
        for brand in records.list_brands(session):
            table.add_row(brand.name, brand.voice or "", ", ".join(p.name for p in brand.products))
    out.print(table)


@eval_app.command("grounding")
def eval_grounding(
    model: Annotated[Optional[list[str]], typer.Option(
        help="Embedded model to compare (repeatable): smollm2-135m, qwen2.5-0.5b, qwen2.5-1.5b or a .gguf "
             "(default: the configured one).")] = None,
    per_category: Annotated[Optional[int], typer.Option(help="First N briefs of each category.")] = None,
    limit: Annotated[Optional[int], typer.Option(help="First N briefs in all.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Report folder (default: <data_dir>/evals).")] = None,
    config: ConfigOption = None,
) -> None:
    """Planner and copywriter on the eval's briefs: unsupported claims, foreign products, LLM share, readability."""
    from adloom.evals.grounding_eval import evaluate_model, format_report, load_eval_briefs, write_report
    from adloom.tools.context import ResidentModels

    quiet_libraries()
    settings = settings_or_exit(config)
    briefs = load_eval_briefs(limit=limit, per_category=per_category)
    models = ResidentModels()
    reports = []
    with progress_bar() as bar:
        for name in model or [settings.llm.model]:
            task = bar.add_task(f"model {name or 'default'}", total=len(briefs))
            reports.append(evaluate_model(
                name, briefs, models, threads=settings.llm.threads,
                progress=lambda message, task=task: bar.update(task, advance=1, description=message),
            ))
    out.print(format_report(reports), highlight=False, markup=False)
    path = write_report(reports, out_dir or settings.data_dir / "evals")
    out.print(f"report: {path}", highlight=False)


@eval_app.command("copy")
def eval_copy(
    csv: Annotated[Optional[Path], typer.Option(help="Slogan CSV (default: the shared data's copy/slogan_test-curated.csv).")] = None,
    limit: Annotated[int, typer.Option(help="First N rows.")] = 100,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Report folder (default: <data_dir>/evals).")] = None,
    config: ConfigOption = None,
) -> None:
    """Copywriter vs. a first-sentence baseline on real slogans: BLEU-4 and ROUGE-L."""
    from adloom.agents.copywriter import write_slogan
    from adloom.agents.llm_access import AgentLLM
    from adloom.evals.copy_eval import evaluate_copy, format_report_table, load_slogan_rows, slogan_csv_path, write_report
    from adloom.tools.context import ResidentModels

    quiet_libraries()
    settings = settings_or_exit(config)
    csv_path = csv or slogan_csv_path(shared_data_dir())
    if not csv_path.is_file():
        fail_input([f"slogan CSV not found: {csv_path} (pass --csv or set ADLOOM_SHARED_DATA)"])
    rows = load_slogan_rows(csv_path, limit=limit)
    llm = AgentLLM.load(settings.llm, ResidentModels())
    with progress_bar() as bar:
        task = bar.add_task("copywriter", total=len(rows))
        report = evaluate_copy(
            rows, lambda description: write_slogan(description, llm),
            progress=lambda done, total: bar.update(task, completed=done),
            system_name=f"copywriter ({llm.backend.name})", source=str(csv_path),
        )
    out.print(format_report_table(report), highlight=False)
    path = write_report(report, out_dir or settings.data_dir / "evals")
    out.print(f"report: {path}", highlight=False)


def main() -> None:
    """The console script: every failure ends as ``error:`` lines and an exit code, never a traceback."""
    from adloom.storage.database import DatabaseUnavailableError

    try:
        app()
    except DatabaseUnavailableError as exc:
        err.print(f"error: {' '.join(str(exc).split())}", markup=False, highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted", highlight=False)
        sys.exit(130)
    except Exception as exc:
        path = log_failure(exc)
        err.print(f"error: {one_line(exc)} (details in {path})", markup=False, highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())
