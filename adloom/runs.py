"""Starting and resuming campaign runs: the run record, the checkpointed graph, the outcome.

The run id is the checkpointer's thread id. Every node start and finish is written to the
run's event log in the database, which is how ``adloom runs show`` (and the resume test)
can tell what ran and how often.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adloom.config import Settings
from agents.brief import Brief, check_brief_files, load_brief
from graphs.campaign import RunContext, build_campaign_graph
from graphs.checkpoint import open_checkpointer
from storage import records
from storage.assets import AssetStore
from storage.database import Database, open_database
from tools.context import ProgressCallback, ResidentModels, ToolContext, ignore_progress

EventReporter = Callable[[str, str, dict], None]


class RunFailed(RuntimeError):
    """A run stopped after it started; it stays resumable with ``adloom resume RUN_ID``."""

    def __init__(self, run_id: str, cause: BaseException):
        self.run_id = run_id
        super().__init__(f"run {run_id} failed: {type(cause).__name__}: {cause}")


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    run_dir: Path
    manifest_path: Path
    status: str


def _ignore(node: str, event: str, detail: dict) -> None:
    """Reporter for callers that show nothing."""


def settings_record(settings: Settings, config_file: Path | None) -> dict[str, Any]:
    """The effective settings as stored with a run (secrets masked)."""
    return {"config_file": str(config_file) if config_file else None, "settings": settings.model_dump(mode="json")}


def start_run(
    settings: Settings,
    brief_path: Path,
    out_dir: Path,
    *,
    config_file: Path | None = None,
    reporter: EventReporter = _ignore,
    progress: ProgressCallback = ignore_progress,
    models: ResidentModels | None = None,
) -> RunOutcome:
    """Validate the brief, record a new run and execute it.

    Raises:
        agents.brief.BriefError: the brief is invalid; nothing has been written.
        RunFailed: a failure after the start; the run is resumable.
    """
    brief = load_brief(brief_path)
    check_brief_files(brief, str(brief_path))
    database = open_database(settings.database_url)
    run_id = uuid.uuid4().hex
    out_dir = Path(out_dir).resolve()
    with database.session() as session:
        records.create_run(
            session, run_id, brief=brief.model_dump(mode="json"), brief_path=str(Path(brief_path).resolve()),
            out_dir=str(out_dir), config=settings_record(settings, config_file),
        )
    reporter("run", "created", {"run_id": run_id, "out_dir": str(out_dir)})
    initial = {"run_id": run_id, "brief": brief.model_dump(mode="json")}
    return _execute(settings, database, run_id, initial, out_dir, reporter, progress, models)


def resume_run(
    settings: Settings,
    run_id: str,
    *,
    reporter: EventReporter = _ignore,
    progress: ProgressCallback = ignore_progress,
    models: ResidentModels | None = None,
) -> RunOutcome:
    """Continue a run from its last checkpoint; finished nodes are not executed again.

    Raises:
        storage.records.RunNotFoundError: no such run.
        RunFailed: it failed again; still resumable.
    """
    database = open_database(settings.database_url)
    with database.session() as session:
        run = records.get_run(session, run_id)
        if run is None:
            raise records.RunNotFoundError(run_id)
        out_dir = Path(run.out_dir or settings.runs_dir)
        status = run.status
    if status == "succeeded":
        manifest = out_dir / run_id / "manifest.json"
        return RunOutcome(run_id, out_dir / run_id, manifest, status)
    with database.session() as session:
        records.set_run_status(session, run_id, "running")
    reporter("run", "resumed", {"run_id": run_id})
    return _execute(settings, database, run_id, None, out_dir, reporter, progress, models)


def _execute(
    settings: Settings,
    database: Database,
    run_id: str,
    graph_input: dict | None,
    out_dir: Path,
    reporter: EventReporter,
    progress: ProgressCallback,
    models: ResidentModels | None,
) -> RunOutcome:
    def record_event(node: str, event: str, detail: dict) -> None:
        with database.session() as session:
            records.record_event(session, run_id, node, event, detail)
        reporter(node, event, detail)

    context = RunContext(
        tools=ToolContext(
            settings=settings, assets=AssetStore(settings.data_dir), models=models or ResidentModels(),
            progress=progress,
        ),
        copywriter=settings.copywriter,
        out_dir=out_dir,
        record_event=record_event,
    )
    config = {"configurable": {"thread_id": run_id}}
    try:
        with open_checkpointer(settings.database_url, settings.checkpoint_path) as saver:
            graph = build_campaign_graph().compile(checkpointer=saver)
            final = graph.invoke(graph_input, config, context=context, durability="sync")
    except Exception as exc:
        with database.session() as session:
            records.set_run_status(session, run_id, "failed", error=f"{type(exc).__name__}: {exc}")
        raise RunFailed(run_id, exc) from exc
    manifest_path = Path(final["manifest_path"])
    with database.session() as session:
        for ref in final.get("assets", []):
            records.record_asset(session, run_id, ref)
        records.set_run_status(session, run_id, "succeeded")
    return RunOutcome(run_id, manifest_path.parent, manifest_path, "succeeded")


def import_brief(settings: Settings, brief_path: Path) -> Brief:
    """Store a brief's brand and product (``adloom brands import``)."""
    brief = load_brief(brief_path)
    check_brief_files(brief, str(brief_path))
    database = open_database(settings.database_url)
    data = brief.model_dump(mode="json")
    with database.session() as session:
        records.upsert_brand_and_product(session, data["brand"], data["product"])
    return brief
