"""The ``adloom`` command line.

Exit codes: 0 success; 2 invalid input (brief, config, arguments; one line per problem on
stderr, nothing written); 1 a failure after a run started (the run stays resumable).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

# Offline by default: nothing may reach a model hub. Set before any model library loads.
for _variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):
    os.environ.setdefault(_variable, "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import typer
from rich.console import Console
from rich.table import Column, Table

from adloom.config import ConfigError, Settings, load_settings
from adloom.model_commands import models_app
from agents.brief import BriefError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Local generative-model ad campaigns.")
runs_app = typer.Typer(no_args_is_help=True, help="Inspect campaign runs.")
brands_app = typer.Typer(no_args_is_help=True, help="Brands and products.")
eval_app = typer.Typer(no_args_is_help=True, help="Evaluation reports.")
app.add_typer(runs_app, name="runs")
app.add_typer(brands_app, name="brands")
app.add_typer(eval_app, name="eval")
app.add_typer(models_app, name="models")

# soft_wrap: an error line or a printed path stays one line whatever the terminal's width,
# so "one line per problem" holds and paths can be copied or parsed.
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


def _report(node: str, event: str, detail: dict) -> None:
    label = detail.get("label", node)
    if event == "started":
        err.print(f"[cyan]…[/] {label}")
    elif event == "finished":
        err.print(f"[green]✓[/] {label} ({detail.get('seconds', 0):.1f} s)")
    elif event == "failed":
        err.print(f"[red]✗[/] {label}: {detail.get('error', '')}", highlight=False)
    else:
        err.print(f"[yellow]↻[/] {label} {event}: {detail.get('error', '')}", highlight=False)


def _quiet_libraries() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@app.command()
def run(
    brief: Annotated[Path, typer.Argument(help="Campaign brief YAML.")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Output folder (default: <data_dir>/runs).")] = None,
    config: ConfigOption = None,
) -> None:
    """Run a campaign from a brief; prints the run id and the output folder."""
    from adloom.runs import RunFailed, start_run

    _quiet_libraries()
    settings = _settings(config)
    try:
        outcome = start_run(settings, brief, out_dir or settings.runs_dir, config_file=config, reporter=_report)
    except BriefError as exc:
        _fail_input([f"{exc.source}: {problem}" for problem in exc.problems])
    except RunFailed as exc:
        err.print(f"[red]{exc}[/]\nresume it with: adloom resume {exc.run_id}", highlight=False)
        raise typer.Exit(1)
    out.print(f"run id:   {outcome.run_id}", highlight=False)
    out.print(f"outputs:  {outcome.run_dir}", highlight=False)
    out.print(f"manifest: {outcome.manifest_path}", highlight=False)


@app.command()
def resume(
    run_id: Annotated[str, typer.Argument(help="The run to continue.")],
    config: ConfigOption = None,
) -> None:
    """Continue a crashed or failed run from its last checkpoint."""
    from adloom.runs import RunFailed, resume_run
    from storage.records import RunNotFoundError

    _quiet_libraries()
    settings = _settings(config)
    try:
        outcome = resume_run(settings, run_id, reporter=_report)
    except RunNotFoundError:
        _fail_input([f"no run with id {run_id!r} (see: adloom runs list)"])
    except RunFailed as exc:
        err.print(f"[red]{exc}[/]\nresume it again with: adloom resume {run_id}", highlight=False)
        raise typer.Exit(1)
    out.print(f"run id:   {outcome.run_id}", highlight=False)
    out.print(f"outputs:  {outcome.run_dir}", highlight=False)
    out.print(f"manifest: {outcome.manifest_path}", highlight=False)


@runs_app.command("list")
def runs_list(config: ConfigOption = None, limit: int = 50) -> None:
    """The most recent runs."""
    from storage import records
    from storage.database import open_database

    settings = _settings(config)
    with open_database(settings.database_url).session() as session:
        rows = records.list_runs(session, limit=limit)
        # The full run id (what `adloom resume` needs) and status are never shortened.
        table = Table(
            Column("run id", no_wrap=True, min_width=32), Column("status", no_wrap=True, min_width=11),
            "created", "product", "outputs",
        )
        for row in rows:
            product = (row.campaign.brief or {}).get("product", {}).get("name", "") if row.campaign else ""
            table.add_row(row.id, row.status, f"{row.created_at:%Y-%m-%d %H:%M}", product, row.out_dir or "")
    out.print(table)


@runs_app.command("show")
def runs_show(run_id: str, config: ConfigOption = None) -> None:
    """One run: status, node history and outputs."""
    from storage import records
    from storage.database import open_database

    settings = _settings(config)
    with open_database(settings.database_url).session() as session:
        run = records.get_run(session, run_id)
        if run is None:
            _fail_input([f"no run with id {run_id!r} (see: adloom runs list)"])
        out.print(f"run id:  {run.id}\nstatus:  {run.status}\ncreated: {run.created_at:%Y-%m-%d %H:%M:%S}", highlight=False)
        if run.error:
            out.print(f"error:   {run.error}", highlight=False)
        manifest = Path(run.out_dir or "") / run.id / "manifest.json"
        out.print(f"manifest: {manifest if manifest.exists() else '(not written yet)'}", highlight=False)
        table = Table("node", "event", "at", "detail")
        for event in run.events:
            table.add_row(event.node, event.event, f"{event.at:%H:%M:%S}", str((event.detail or {}).get("label", "")))
        out.print(table)


@brands_app.command("import")
def brands_import(brief: Path, config: ConfigOption = None) -> None:
    """Store a brief's brand and product."""
    from adloom.runs import import_brief

    settings = _settings(config)
    try:
        stored = import_brief(settings, brief)
    except BriefError as exc:
        _fail_input([f"{exc.source}: {problem}" for problem in exc.problems])
    out.print(f"stored brand {stored.brand.name!r} with product {stored.product.name!r}", highlight=False)


@brands_app.command("list")
def brands_list(config: ConfigOption = None) -> None:
    """Stored brands and their products."""
    from storage import records
    from storage.database import open_database

    settings = _settings(config)
    with open_database(settings.database_url).session() as session:
        table = Table("brand", "voice", "products")
        for brand in records.list_brands(session):
            table.add_row(brand.name, brand.voice or "", ", ".join(p.name for p in brand.products))
    out.print(table)


def _shared_data_dir() -> Path:
    return Path(os.environ.get("ADLOOM_SHARED_DATA", Path.cwd().parent / "shared" / "data"))


@eval_app.command("copy")
def eval_copy(
    csv: Annotated[Optional[Path], typer.Option(help="Slogan CSV (default: the shared data's copy/slogan_test-curated.csv).")] = None,
    limit: Annotated[int, typer.Option(help="First N rows.")] = 100,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Report folder (default: <data_dir>/evals).")] = None,
    config: ConfigOption = None,
) -> None:
    """Copywriter vs. a first-sentence baseline on real slogans: BLEU-4 and ROUGE-L."""
    from rich.progress import Progress

    from agents.copywriter import write_slogan
    from agents.llm_access import AgentLLM
    from evals.copy_eval import evaluate_copy, format_report_table, load_slogan_rows, slogan_csv_path, write_report
    from tools.context import ResidentModels
    from tools.llm.backend import load_backend

    _quiet_libraries()
    settings = _settings(config)
    csv_path = csv or slogan_csv_path(_shared_data_dir())
    if not csv_path.is_file():
        _fail_input([f"slogan CSV not found: {csv_path} (pass --csv or set ADLOOM_SHARED_DATA)"])
    rows = load_slogan_rows(csv_path, limit=limit)
    llm = AgentLLM(load_backend(settings.llm, ResidentModels()), settings.llm)
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("copywriter", total=len(rows))
        report = evaluate_copy(
            rows, lambda description: write_slogan(description, llm),
            progress=lambda done, total: bar.update(task, completed=done),
            system_name=f"copywriter ({llm.backend.name})", source=str(csv_path),
        )
    out.print(format_report_table(report), highlight=False)
    path = write_report(report, out_dir or settings.data_dir / "evals")
    out.print(f"report: {path}", highlight=False)


from adloom.assemble_command import EXTRA_FILES, assemble_command  # noqa: E402
app.command("assemble", context_settings=EXTRA_FILES)(assemble_command)


from adloom.footage_commands import register_footage_commands  # noqa: E402

register_footage_commands(app, eval_app)



def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
