"""Starting and resuming runs: the run record, the checkpointed graph, the outcome.

Two kinds of run share this harness: a *campaign* (a brief → copy, images and the ad; the
campaign graph) and *footage* (a brief and raw videos → an ad cut from them; the footage
graph). The run id is the checkpointer's thread id, the kind is stored with the run, and
``adloom resume RUN_ID`` continues either kind from its last checkpoint. Every node start
and finish is written to the run's event log in the database, which is how ``adloom runs
show`` (and the resume tests) can tell what ran and how often.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.graph import StateGraph

from adloom.config import Settings
from agents.brief import Brief, check_brief_files, load_brief
from graphs.campaign import RunContext, build_campaign_graph
from graphs.checkpoint import open_checkpointer
from graphs.footage import FootageContext, build_footage_graph, check_videos
from storage import records
from storage.assets import AssetStore
from storage.database import Database, open_database
from tools.context import ProgressCallback, ResidentModels, ToolContext, ignore_progress
from tools.scenes.detect import FootageInputError

EventReporter = Callable[[str, str, dict], None]
CAMPAIGN = "campaign"
FOOTAGE = "footage"
# A run in one of these states has its manifest; resuming it only reports it.
FINISHED_STATUSES = ("succeeded", "needs_review")


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
    rejected: list[dict] = field(default_factory=list)  # footage: input files that could not be used


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
    """Validate the brief and its files, record a new campaign run and execute it.

    Raises:
        agents.brief.BriefError: the brief is invalid; nothing has been written.
        RunFailed: a failure after the start; the run is resumable.
    """
    brief = load_brief(brief_path)
    check_brief_files(brief, str(brief_path))
    run_id, database, out_dir = _create_run(settings, brief, brief_path, out_dir, CAMPAIGN, config_file, {})
    reporter("run", "created", {"run_id": run_id, "out_dir": str(out_dir)})
    initial = {"run_id": run_id, "brief": brief.model_dump(mode="json")}
    return _execute(settings, database, run_id, initial, out_dir, CAMPAIGN, reporter, progress, models)


@dataclass(frozen=True)
class PreparedRun:
    """A run recorded in the database (status ``running``) whose graph has not executed yet."""

    run_id: str
    out_dir: Path
    kind: str
    graph_input: dict
    database: Database = field(repr=False)


def prepare_footage_run(
    settings: Settings,
    brief: Path | Brief,
    videos: list[Path | str],
    out_dir: Path,
    *,
    k: int | None = None,
    config_file: Path | None = None,
    render_size: tuple[int, int] | None = None,
) -> PreparedRun:
    """Validate the brief and videos and record a new footage run, without executing it.

    Callers that must know the run id before the work starts (the API answers with it)
    call this, then :func:`execute_prepared` (in a background thread, say).

    Args:
        brief: a brief YAML file, or a brief already validated (the API's JSON body).
        k: number of clips to use; None lets the LLM choose.
        render_size: output (width, height); None = the brief's aspect at 1080p.

    Raises:
        agents.brief.BriefError: the brief file is invalid (nothing written).
        FootageInputError: no video is usable, or ``k`` is below 1 (nothing written).
    """
    brief_path = None if isinstance(brief, Brief) else Path(brief)
    if brief_path is not None:
        brief = load_brief(brief_path)
    if k is not None and k < 1:
        raise FootageInputError(f"--clips {k}: the number of clips must be at least 1")
    if not videos:
        raise FootageInputError("no video files given")
    usable, problems = check_videos(videos)
    if not usable:
        raise FootageInputError("no usable video:\n" + "\n".join(problems))
    footage = {"videos": [str(v) for v in videos], "k": k, "render_size": list(render_size) if render_size else None}
    run_id, database, out_dir = _create_run(settings, brief, brief_path, out_dir, FOOTAGE, config_file, footage)
    # Every file goes to the graph; unusable ones come back in the manifest's rejected list.
    initial = {"run_id": run_id, "brief": brief.model_dump(mode="json"), "videos": footage["videos"], "k": k}
    return PreparedRun(run_id=run_id, out_dir=out_dir, kind=FOOTAGE, graph_input=initial, database=database)


def execute_prepared(
    settings: Settings,
    prepared: PreparedRun,
    *,
    reporter: EventReporter = _ignore,
    progress: ProgressCallback = ignore_progress,
    models: ResidentModels | None = None,
) -> RunOutcome:
    """Execute a prepared run's graph to its end.

    Raises:
        RunFailed: a failure after the start; the run is resumable.
    """
    return _execute(settings, prepared.database, prepared.run_id, prepared.graph_input, prepared.out_dir,
                    prepared.kind, reporter, progress, models)


def start_footage_run(
    settings: Settings,
    brief: Path | Brief,
    videos: list[Path | str],
    out_dir: Path,
    *,
    k: int | None = None,
    config_file: Path | None = None,
    reporter: EventReporter = _ignore,
    progress: ProgressCallback = ignore_progress,
    models: ResidentModels | None = None,
    render_size: tuple[int, int] | None = None,
) -> RunOutcome:
    """:func:`prepare_footage_run` (same arguments and input errors), then :func:`execute_prepared`.

    Raises:
        RunFailed: a failure after the start; the run is resumable.
    """
    prepared = prepare_footage_run(settings, brief, videos, out_dir, k=k, config_file=config_file,
                                   render_size=render_size)
    reporter("run", "created", {"run_id": prepared.run_id, "out_dir": str(prepared.out_dir)})
    return execute_prepared(settings, prepared, reporter=reporter, progress=progress, models=models)


def resume_run(
    settings: Settings,
    run_id: str,
    *,
    reporter: EventReporter = _ignore,
    progress: ProgressCallback = ignore_progress,
    models: ResidentModels | None = None,
) -> RunOutcome:
    """Continue a run of either kind from its last checkpoint; finished nodes are not executed again.

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
        kind = run.config.get("kind", CAMPAIGN)
    if status in FINISHED_STATUSES:
        manifest = out_dir / run_id / "manifest.json"
        return RunOutcome(run_id, out_dir / run_id, manifest, status)
    with database.session() as session:
        records.set_run_status(session, run_id, "running")
    reporter("run", "resumed", {"run_id": run_id})
    return _execute(settings, database, run_id, None, out_dir, kind, reporter, progress, models)


def _create_run(
    settings: Settings, brief: Brief, brief_path: Path | None, out_dir: Path, kind: str, config_file: Path | None,
    options: dict,
) -> tuple[str, Database, Path]:
    database = open_database(settings.database_url)
    run_id = uuid.uuid4().hex
    out_dir = Path(out_dir).resolve()
    with database.session() as session:
        records.create_run(
            session, run_id, brief=brief.model_dump(mode="json"),
            brief_path=str(Path(brief_path).resolve()) if brief_path is not None else None,
            out_dir=str(out_dir), config={**settings_record(settings, config_file), "kind": kind, kind: options},
        )
    return run_id, database, out_dir


def _graph_and_context(kind: str, tools: ToolContext, out_dir: Path, record_event: EventReporter,
                       options: dict) -> tuple[StateGraph, Any]:
    settings = tools.settings
    if kind == FOOTAGE:
        size = options.get("render_size")
        context = FootageContext(tools=tools, out_dir=out_dir, record_event=record_event,
                                 render_size=tuple(size) if size else None)
        return build_footage_graph(), context
    context = RunContext(tools=tools, copywriter=settings.copywriter, out_dir=out_dir,  # type: ignore[attr-defined]
                         record_event=record_event)
    return build_campaign_graph(), context


def _execute(
    settings: Settings,
    database: Database,
    run_id: str,
    graph_input: dict | None,
    out_dir: Path,
    kind: str,
    reporter: EventReporter,
    progress: ProgressCallback,
    models: ResidentModels | None,
) -> RunOutcome:
    def record_event(node: str, event: str, detail: dict) -> None:
        with database.session() as session:
            records.record_event(session, run_id, node, event, detail)
        reporter(node, event, detail)

    with database.session() as session:
        options = (records.get_run(session, run_id).config or {}).get(kind, {})  # type: ignore[union-attr]
    tools = ToolContext(
        settings=settings, assets=AssetStore(settings.data_dir), models=models or ResidentModels(), progress=progress,
    )
    graph, context = _graph_and_context(kind, tools, out_dir, record_event, options)
    config = {"configurable": {"thread_id": run_id}}
    try:
        with open_checkpointer(settings.database_url, settings.checkpoint_path) as saver:
            final = graph.compile(checkpointer=saver).invoke(graph_input, config, context=context, durability="sync")
    except Exception as exc:
        with database.session() as session:
            records.set_run_status(session, run_id, "failed", error=f"{type(exc).__name__}: {exc}")
        raise RunFailed(run_id, exc) from exc
    manifest_path = Path(final["manifest_path"])
    manifest = json.loads(manifest_path.read_text("utf-8"))
    with database.session() as session:
        records.record_manifest_assets(session, run_id, manifest)
        records.set_run_status(session, run_id, manifest["status"])
    rejected = manifest.get("inputs", {}).get("rejected", [])
    return RunOutcome(run_id, manifest_path.parent, manifest_path, manifest["status"], rejected)


def import_brief(settings: Settings, brief_path: Path) -> Brief:
    """Store a brief's brand and product (``adloom brands import``)."""
    brief = load_brief(brief_path)
    check_brief_files(brief, str(brief_path))
    database = open_database(settings.database_url)
    data = brief.model_dump(mode="json")
    with database.session() as session:
        records.upsert_brand_and_product(session, data["brand"], data["product"])
    return brief
