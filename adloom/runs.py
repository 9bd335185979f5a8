"""Starting and resuming runs: the run record, the checkpointed graph, the outcome.

Two kinds of run share this harness: a *campaign* (a brief → copy, images and the ad; the
campaign graph) and *footage* (a brief and raw videos → an ad cut from them; the footage
graph). The run id is the checkpointer's thread id, the kind is stored with the run, and
``adloom resume RUN_ID`` continues either kind from its last checkpoint. Every node start
and finish is written to the run's event log in the database, which is how ``adloom runs
show`` (and the resume tests) can tell what ran and how often.

One live process owns a run at a time: it holds the run's lease in the database (taken
when the run is created or resumed, renewed by a heartbeat thread, given back at the end),
so a second ``adloom resume`` of a live run is refused naming the holder, and a run whose
process died shows as ``interrupted`` once the lease expires and may then be resumed.
Each start and resume also sweeps the scratch files that dead processes left behind.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.graph import StateGraph
from sqlalchemy.exc import SQLAlchemyError

from adloom.config import Settings
from adloom.preflight import check_run_inputs
from adloom.agents.brief import Brief, check_brief_files, load_brief, parse_brief
from adloom.agents.manifest import Manifest
from adloom.graphs.campaign import RunContext, build_campaign_graph, campaign_stages
from adloom.graphs.checkpoint import open_checkpointer
from adloom.graphs.footage import FOOTAGE_STAGES, FootageContext, build_footage_graph, check_videos
from adloom.storage import records
from adloom.storage.assets import AssetStore
from adloom.storage.database import Database, open_database
from adloom.tools.context import ProgressCallback, ResidentModels, ToolContext, ignore_progress
from adloom.tools.scenes.detect import FootageInputError

log = logging.getLogger(__name__)
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


class RunLease:
    """This process's hold on one run: taken, renewed by a heartbeat thread, given back."""

    def __init__(self, database: Database, run_id: str, seconds: float):
        self.database = database
        self.run_id = run_id
        self.seconds = seconds
        self.lease_id = uuid.uuid4().hex
        self.holder = f"pid {os.getpid()} on {socket.gethostname()}"
        self.lost = False
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def acquire(self) -> RunLease:
        """Take the lease and start the heartbeat.

        Raises:
            storage.records.RunLeasedError: a live process holds it.
        """
        with self.database.session() as session:
            records.acquire_run_lease(session, self.run_id, self.lease_id, self.holder, self.seconds)
        self._heartbeat = threading.Thread(target=self._beat, name=f"lease-{self.run_id[:8]}", daemon=True)
        self._heartbeat.start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            try:
                with self.database.session() as session:
                    held = records.renew_run_lease(session, self.run_id, self.lease_id, self.seconds)
            except SQLAlchemyError as exc:  # a busy or briefly unreachable database: try at the next beat
                log.warning("run %s: renewing the lease failed (%s); trying again", self.run_id, exc)
                continue
            if not held:
                self.lost = True
                log.error("run %s: lost its lease (another process took the run over)", self.run_id)
                return

    def release(self) -> None:
        """Stop the heartbeat and give the run up."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        try:
            with self.database.session() as session:
                records.release_run_lease(session, self.run_id, self.lease_id)
        except SQLAlchemyError as exc:  # must not hide the run's own outcome; the lease expires by itself
            log.warning("run %s: giving the lease back failed (%s); it expires in %.0f s",
                        self.run_id, exc, self.seconds)


@dataclass(frozen=True)
class RunOutcome:
    """A finished run: where its files are and what it made."""

    run_id: str
    run_dir: Path
    manifest: Manifest

    @property
    def manifest_path(self) -> Path:
        return self.run_dir / "manifest.json"

    @property
    def status(self) -> str:
        return self.manifest.status


def _ignore(node: str, event: str, detail: dict) -> None:
    """Reporter for callers that show nothing."""


def settings_record(settings: Settings, config_file: Path | None) -> dict[str, Any]:
    """The effective settings as stored with a run (secrets masked)."""
    return {"config_file": str(config_file) if config_file else None, "settings": settings.model_dump(mode="json")}


def start_run(
    settings: Settings,
    brief: Brief,
    out_dir: Path,
    *,
    brief_path: Path | None = None,
    config_file: Path | None = None,
    reporter: EventReporter = _ignore,
    progress: ProgressCallback = ignore_progress,
    models: ResidentModels | None = None,
) -> RunOutcome:
    """Check the brief's files and the run's inputs, record a new campaign run and execute it.

    Args:
        brief_path: the file the brief was read from (:func:`adloom.agents.brief.load_brief`), if any:
            named in error messages and recorded with the run.

    Raises:
        agents.brief.BriefError: the brief's files or the run's inputs are unusable; nothing has been written.
        RunFailed: a failure after the start; the run is resumable.
    """
    source = str(brief_path) if brief_path is not None else "brief"
    check_brief_files(brief, source)
    check_run_inputs(settings, brief, Path(out_dir), source)
    run_id, database, out_dir, lease = _create_run(settings, brief, brief_path, out_dir, CAMPAIGN, config_file, {})
    reporter("run", "created", {"run_id": run_id, "out_dir": str(out_dir), "stages": campaign_stages(brief.variants)})
    initial = {"run_id": run_id, "brief": brief.model_dump(mode="json")}
    return _execute(settings, database, lease, initial, out_dir, CAMPAIGN, reporter, progress, models)


@dataclass(frozen=True)
class PreparedRun:
    """A run recorded in the database (status ``running``) whose graph has not executed yet."""

    run_id: str
    out_dir: Path
    kind: str
    graph_input: dict
    database: Database = field(repr=False)
    lease: RunLease = field(repr=False)


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
    check_run_inputs(settings, brief, Path(out_dir), str(brief_path or "brief"))
    footage = {"videos": [str(v) for v in videos], "k": k, "render_size": list(render_size) if render_size else None}
    run_id, database, out_dir, lease = _create_run(settings, brief, brief_path, out_dir, FOOTAGE, config_file,
                                                   footage)
    # Every file goes to the graph; unusable ones come back in the manifest's rejected list.
    initial = {"run_id": run_id, "brief": brief.model_dump(mode="json"), "videos": footage["videos"], "k": k}
    return PreparedRun(run_id=run_id, out_dir=out_dir, kind=FOOTAGE, graph_input=initial, database=database,
                       lease=lease)


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
    return _execute(settings, prepared.database, prepared.lease, prepared.graph_input, prepared.out_dir,
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
    reporter("run", "created", {"run_id": prepared.run_id, "out_dir": str(prepared.out_dir),
                                "stages": list(FOOTAGE_STAGES)})
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
        storage.records.RunLeasedError: a live process is running it.
        agents.brief.BriefError: what the run needs is still missing (a model folder, the voice...);
            fix the settings and resume again.
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
        stored_brief = run.campaign.brief if run.campaign else None
        made = run.manifest
    if status in FINISHED_STATUSES and made is not None:
        return RunOutcome(run_id, out_dir / run_id, Manifest.model_validate(made))
    if stored_brief:
        # The same checks as at the start, against today's settings: a run stopped by a missing
        # model folder resumes once the config names the right one, and is refused until then.
        check_run_inputs(settings, parse_brief(stored_brief, source=f"run {run_id}"), out_dir, f"run {run_id}")
    lease = RunLease(database, run_id, settings.runs.lease_s).acquire()
    try:
        with database.session() as session:
            records.set_run_status(session, run_id, "running")
    except BaseException:
        lease.release()
        raise
    reporter("run", "resumed", {"run_id": run_id, "stages": _stages_left(database, run_id, kind, stored_brief)})
    return _execute(settings, database, lease, None, out_dir, kind, reporter, progress, models)


def _stages_left(database: Database, run_id: str, kind: str, brief: dict | None) -> list[str]:
    """The nodes a resumed run still has to run: its expected stages less those it finished."""
    if kind == CAMPAIGN and brief:
        stages = campaign_stages(parse_brief(brief, source=run_id).variants)
    else:
        stages = list(FOOTAGE_STAGES)
    with database.session() as session:
        finished = records.node_event_counts(session, run_id)
    for node, count in finished.items():
        for _ in range(count):
            if node in stages:
                stages.remove(node)
    return stages


def _create_run(
    settings: Settings, brief: Brief, brief_path: Path | None, out_dir: Path, kind: str, config_file: Path | None,
    options: dict,
) -> tuple[str, Database, Path, RunLease]:
    database = open_database(settings.database_url)
    run_id = uuid.uuid4().hex
    out_dir = Path(out_dir).resolve()
    with database.session() as session:
        records.create_run(
            session, run_id, brief=brief.model_dump(mode="json"),
            brief_path=str(Path(brief_path).resolve()) if brief_path is not None else None,
            out_dir=str(out_dir), config={**settings_record(settings, config_file), "kind": kind, kind: options},
        )
    return run_id, database, out_dir, RunLease(database, run_id, settings.runs.lease_s).acquire()


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
    lease: RunLease,
    graph_input: dict | None,
    out_dir: Path,
    kind: str,
    reporter: EventReporter,
    progress: ProgressCallback,
    models: ResidentModels | None,
) -> RunOutcome:
    """Run the graph under ``lease``, released whatever happens."""
    try:
        run_id = lease.run_id

        def record_event(node: str, event: str, detail: dict) -> None:
            with database.session() as session:
                records.record_event(session, run_id, node, event, detail)
            reporter(node, event, detail)

        with database.session() as session:
            options = (records.get_run(session, run_id).config or {}).get(kind, {})  # type: ignore[union-attr]
        assets = AssetStore(settings.data_dir)
        assets.sweep_scratch()
        tools = ToolContext(settings=settings, assets=assets, models=models or ResidentModels(), progress=progress)
        graph, context = _graph_and_context(kind, tools, out_dir, record_event, options)
        config = {"configurable": {"thread_id": run_id}}
        try:
            with open_checkpointer(settings.database_url, settings.checkpoint_path) as saver:
                final = graph.compile(checkpointer=saver).invoke(graph_input, config, context=context, durability="sync")
        except Exception as exc:
            if not lease.lost:
                with database.session() as session:
                    records.set_run_status(session, run_id, "failed", error=f"{type(exc).__name__}: {exc}")
            raise RunFailed(run_id, exc) from exc
        if lease.lost:
            raise RunFailed(run_id, RuntimeError("another process took the run over while this one ran "
                                                 "(its lease was not renewed in time); that process records the outcome"))
        with database.session() as session:
            records.finish_run(session, run_id, final["manifest"])
        return RunOutcome(run_id, Path(final["manifest_path"]).parent, Manifest.model_validate(final["manifest"]))
    finally:
        lease.release()


def import_brief(settings: Settings, brief_path: Path) -> Brief:
    """Store a brief's brand and product (``adloom brands import``)."""
    brief = load_brief(brief_path)
    check_brief_files(brief, str(brief_path))
    database = open_database(settings.database_url)
    data = brief.model_dump(mode="json")
    with database.session() as session:
        records.upsert_brand_and_product(session, data["brand"], data["product"])
    return brief
