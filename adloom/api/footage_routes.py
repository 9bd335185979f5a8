"""Footage mode over HTTP: upload raw videos, start a run that cuts an ad from them, follow it.

* ``POST /api/footage/uploads`` stores one raw video (MP4/MOV, WebM, Matroska, AVI; checked
  by its first bytes). It is the one route allowed a body of ``[server] max_footage_bytes``;
  the file is copied to disk in chunks, never held in memory.
* ``POST /api/footage`` validates the brief and the videos at the edge (422 naming each
  problem), records the run and answers ``202`` with its id; the run executes in a
  background thread. Unusable videos among usable ones are listed in the answer and in the
  manifest's ``rejected`` list; they do not stop the run.
* ``GET /api/runs/{run_id}/events`` streams the run's node events and tool progress as
  Server-Sent Events up to a ``done`` event; ``GET /api/runs/{run_id}`` shows its status,
  outputs and rejected files.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from adloom.api.data_routes import MAX_ROW_ID
from adloom.api.events import ThreadEvents, sse_lines
from adloom.api.security import FOOTAGE_UPLOAD_PATH
from adloom.api.uploads import UploadError, store_upload_stream
from adloom.config import Settings
from adloom.runs import PreparedRun, execute_prepared, prepare_footage_run
from adloom.agents.brief import Brief, BriefError, check_brief_files, parse_brief
from adloom.graphs.footage import check_videos
from adloom.storage import records
from adloom.tools.context import ProgressCallback, ResidentModels
from adloom.tools.scenes.detect import FootageInputError

footage_router = APIRouter(tags=["footage"])
log = logging.getLogger(__name__)

MAX_VIDEOS = 50
PROGRESS_STEP = 0.01  # smaller moves of a tool's progress are not streamed (renders report per frame)
RenderSide = Annotated[int, Field(ge=16, le=4096, multiple_of=2)]


class FootageIn(BaseModel):
    """A footage run: the brief (as in a brief YAML) and uploaded videos to cut the ad from."""

    model_config = ConfigDict(extra="forbid")

    brief: dict[str, Any] = Field(description="The brief's keys as in a brief YAML; file paths must be uploads.")
    videos: list[str] = Field(min_length=1, max_length=MAX_VIDEOS,
                              description="Paths returned by POST /api/footage/uploads.")
    clips: int | None = Field(default=None, ge=1, le=MAX_VIDEOS,
                              description="How many clips to use; null lets the LLM choose.")
    render_size: tuple[RenderSide, RenderSide] | None = Field(
        default=None, description="Output [width, height]; null = the brief's aspect at 1080p.")


class FootageStarted(BaseModel):
    run_id: str
    status_url: str
    events_url: str
    rejected: list[str] = Field(description="Videos that cannot be used (the run goes on without them).")


class FootageInputProblems(Exception):
    """The request names problems the client can fix; answered 422 with one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def _invalid(problems: list[str]) -> JSONResponse:
    return JSONResponse({"detail": "; ".join(problems), "problems": problems}, status_code=422)


# --- uploads ---------------------------------------------------------------------------------


@footage_router.post(FOOTAGE_UPLOAD_PATH.removeprefix("/api"), status_code=201)
def upload_footage(request: Request, file: UploadFile = File(...)) -> dict:
    """Store one raw video (MP4/MOV, WebM, Matroska or AVI, checked by content) for a footage run."""
    settings: Settings = request.app.state.settings
    cap = settings.server.max_footage_bytes
    try:
        # A plain (sync) route: the multipart parser has spooled the file to disk, and this
        # copy runs in the thread pool, so a large file never blocks the event loop.
        ref = store_upload_stream(file.file, file.filename or "", "footage", request.app.state.service.assets,
                                  max_bytes=cap)
    except UploadError as exc:
        message = str(exc) + (" ([server] max_footage_bytes)" if exc.status == 413 else "")
        raise HTTPException(exc.status, message) from None
    return {"sha256": ref.sha256, "kind": ref.kind, "path": ref.path, "url": request.app.state.files.url(ref.path),
            "purpose": "footage", "bytes": ref.metadata["bytes"]}


# --- starting a run --------------------------------------------------------------------------


def _validated_brief(request: Request, data: dict[str, Any]) -> Brief:
    """The brief, its files restricted to uploads in the data directory.

    Raises:
        FootageInputProblems: one ``brief.<field>: ...`` line per problem.
    """
    files = request.app.state.files
    try:
        # Relative paths resolve against the data directory, where uploads are.
        brief = parse_brief(data, source="brief", base_dir=files.root)
    except BriefError as exc:
        raise FootageInputProblems([f"brief.{problem}" for problem in exc.problems]) from None
    outside = [f"brief.{field}: {path!r} is not an uploaded file in the data directory"
               for field, path in brief.named_files() if files.url(path) is None]
    if outside:
        raise FootageInputProblems(outside)
    try:
        check_brief_files(brief, "brief")
    except BriefError as exc:
        raise FootageInputProblems([f"brief: {problem}" for problem in exc.problems]) from None
    return brief


def _checked_videos(request: Request, videos: list[str]) -> list[str]:
    """One line per unusable video (outside the data directory, missing, corrupt, not a video).

    Raises:
        FootageInputProblems: no video is usable; every one is named.
    """
    files = request.app.state.files
    problems: list[str] = []
    for index, path in enumerate(videos):
        if files.url(path) is None:
            problems.append(f"videos[{index}]: {path!r} is not an uploaded file in the data directory")
            continue
        _, unusable = check_videos([path])
        problems += [f"videos[{index}]: {line}" for line in unusable]
    if len(problems) == len(videos):
        raise FootageInputProblems(["no usable video", *problems])
    return problems


def _streamed_progress(sink) -> ProgressCallback:
    """A progress callback that streams a tool's progress in steps of at least 1 %."""
    last: dict[str, float] = {}

    def report(label: str, fraction: float) -> None:
        fraction = round(float(fraction), 3)
        if label in last and fraction < 1.0 and abs(fraction - last[label]) < PROGRESS_STEP:
            return
        last[label] = fraction
        sink({"type": "progress", "label": label, "fraction": fraction})

    return report


def execute_in_background(settings: Settings, prepared: PreparedRun, models: ResidentModels, sink) -> None:
    """Execute a prepared run, streaming its events to ``sink``; always ends with a ``done`` event.

    This is a worker thread's whole body, so every failure is reported to the run's
    followers here (the run record says ``failed``; ``adloom resume RUN_ID`` continues it).
    """
    def report(node: str, event: str, detail: dict) -> None:
        sink({"type": "node", "node": node, "event": event, **detail})

    try:
        outcome = execute_prepared(settings, prepared, reporter=report, progress=_streamed_progress(sink),
                                   models=models)
    except Exception as exc:  # noqa: BLE001 - a thread boundary: the failure goes to the stream
        log.exception("footage run %s failed", prepared.run_id)
        sink({"type": "error", "error": f"{type(exc).__name__}: {exc}"})
        sink({"type": "done", "status": "failed"})
        return
    sink({"type": "done", "status": outcome.status, "rejected": outcome.manifest.rejected_inputs})


@footage_router.post("/footage", status_code=202, response_model=FootageStarted,
                     responses={422: {"description": "Invalid brief, videos or clips; one line per problem."}})
def start_footage(request: Request, body: FootageIn):
    """Cut an ad from uploaded footage: validate, record the run, execute it in the background."""
    try:
        brief = _validated_brief(request, body.brief)
        rejected = _checked_videos(request, body.videos)
    except FootageInputProblems as exc:
        return _invalid(exc.problems)
    settings: Settings = request.app.state.settings
    try:
        prepared = prepare_footage_run(settings, brief, body.videos, settings.runs_dir, k=body.clips,
                                       render_size=body.render_size)
    except (BriefError, FootageInputError) as exc:  # a file changed since it was checked
        return _invalid(str(exc).splitlines())
    events: ThreadEvents = request.app.state.events
    sink = events.sink(prepared.run_id)
    # Published before answering, so the run's stream exists as soon as the client has its id.
    sink({"type": "node", "node": "run", "event": "created", "run_id": prepared.run_id,
          "out_dir": str(prepared.out_dir)})
    worker = threading.Thread(
        target=execute_in_background, args=(settings, prepared, request.app.state.service.models, sink),
        name=f"footage-{prepared.run_id[:8]}", daemon=True,
    )
    with request.app.state.workers_lock:
        request.app.state.workers.append(worker)
    worker.start()
    return FootageStarted(run_id=prepared.run_id, status_url=f"/api/runs/{prepared.run_id}",
                          events_url=f"/api/runs/{prepared.run_id}/events?after=0", rejected=rejected)


# --- following a run -------------------------------------------------------------------------


def _stored_events(request: Request, run_id: str, after: int) -> Iterator[tuple[int, dict]]:
    """A run this process is not executing: its logged node events, then ``done`` with its status.

    Raises:
        HTTPException: 404 for an unknown run.
    """
    with request.app.state.service.database.session() as session:
        run = records.get_run(session, run_id)
        if run is None:
            raise HTTPException(404, f"no run with id {run_id!r}")
        stored = [{"type": "node", "node": e.node, "event": e.event, **(e.detail or {})} for e in run.events]
        stored.append({"type": "done", "status": run.status, "replayed": True})
    return ((number, event) for number, event in enumerate(stored, start=1) if number > after)


@footage_router.get("/runs/{run_id}/events", tags=["runs"])
def follow_run(request: Request, run_id: str, after: int = Query(0, ge=0, le=MAX_ROW_ID)) -> StreamingResponse:
    """Server-Sent Events of a run from number ``after`` to its ``done`` event.

    Events: ``node`` (a step started, finished or failed), ``progress`` (a tool's label and
    fraction), ``error`` and ``done`` (with the final status). A run this server is not
    executing (finished before it started, or run from the command line) replays its
    logged node events instead.
    """
    events: ThreadEvents = request.app.state.events
    if events.count(run_id) > 0:
        items = events.follow(run_id, after)
    else:
        items = _stored_events(request, run_id, after)
    return StreamingResponse(
        sse_lines(items), media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
