"""Chat threads over HTTP: start a conversation, send messages, approve, follow progress (SSE).

A message or a decision starts a turn in a background thread and answers ``202`` at once
with ``events_after``: read ``GET /api/threads/{id}/events?after=N`` to follow the turn to
its ``done`` event, then ``GET /api/threads/{id}`` for the messages and pending approvals.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adloom.conversations import (
    MAX_MESSAGE_CHARS,
    ChatService,
    NothingToResumeError,
    NotWaitingError,
    RunStillHeldError,
    ThreadBusyError,
    ThreadNotFoundError,
    ThreadView,
)
from adloom.api.data_routes import MAX_ROW_ID
from adloom.api.events import sse_lines
from adloom.music import library as music_library
from adloom.tools.aspects import Aspect
from adloom.agents.chat_planner import MAX_VARIANTS, BriefFacts
from adloom.agents.revisions import GateDecision
from adloom.graphs.campaign import campaign_stages
from adloom.graphs.tracking import STAGES
from adloom.tools.tts.voices import VOICES

thread_router = APIRouter(tags=["chat"])


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    attachments: list[str] = Field(
        default_factory=list, max_length=20,
        description="Files to attach (paths returned by POST /api/uploads or /api/footage/uploads), e.g. raw "
        "videos to cut the ad from.",
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["approve", "reject", "edit"]
    request: str = Field(default="", max_length=2000, description="With 'edit': the change in plain words.")
    interrupt_id: str | None = Field(default=None, description="Which pending approval; default: all pending.")


class BriefEdit(BriefFacts):
    """The brief card's changes: only the fields sent change; an empty value clears one."""

    model_config = ConfigDict(extra="forbid")

    variants: int | None = Field(default=None, ge=1, le=MAX_VARIANTS, description="Versions of the ad to compare.")
    aspect: Aspect | None = Field(default=None, description="The ad's own shape (the platforms add theirs).")
    voice: str | None = Field(default=None, description="A voice id from GET /api/voices.")
    music_id: int | None = Field(default=None, ge=0, le=MAX_ROW_ID,
                                 description="A track id from GET /api/music; 0 for no music.")


class TurnStarted(BaseModel):
    thread_id: str
    events_after: int
    events_url: str


def _service(request: Request) -> ChatService:
    return request.app.state.service


def _brief_card(request: Request, draft: dict) -> dict | None:
    """What the page whose link the marketer pasted gave the brief: each value with where it was found."""
    page = draft.get("page")
    if not page or not page.get("sources"):
        return None
    sources = page["sources"]
    images = [request.app.state.files.url(path) for path in page.get("product", {}).get("images", [])]
    return {"page": sources["page"], "values": sources.get("values", []), "held_back": sources.get("held_back", []),
            "defaulted": sources.get("defaulted", []), "images": [url for url in images if url]}


def _view_json(request: Request, view: ThreadView) -> dict:
    files = request.app.state.files
    messages = [{**m, "media": files.with_urls(m.get("media", []))} for m in view.messages]
    interrupts = [{**i, "media": files.with_urls(i.get("media", []))} for i in view.interrupts]
    outputs = dict(view.outputs)
    return {
        "thread_id": view.thread_id, "status": view.status, "run_id": view.run_id, "messages": messages,
        "interrupts": interrupts, "draft": view.draft, "brief_card": _brief_card(request, view.draft), "outputs": outputs,
        "error": _service(request).failure(view.thread_id), "default_duration_s": _service(request).default_duration_s,
    }


def _start_turn(request: Request, thread_id: str, graph_input, lock: threading.Lock) -> TurnStarted:
    events = request.app.state.events
    after = events.count(thread_id)
    worker = threading.Thread(
        target=_service(request).run_turn, args=(thread_id, graph_input, events.sink(thread_id), lock),
        name=f"chat-{thread_id[:8]}", daemon=True,
    )
    with request.app.state.workers_lock:
        request.app.state.workers.append(worker)
    worker.start()
    return TurnStarted(thread_id=thread_id, events_after=after,
                       events_url=f"/api/threads/{thread_id}/events?after={after}")


@contextmanager
def _turn_lock(request: Request, thread_id: str) -> Iterator[threading.Lock]:
    """The thread's turn lock, claimed (``409`` while a turn runs) and given back when the request
    is refused before its turn starts."""
    try:
        lock = _service(request).claim(thread_id)
    except ThreadBusyError as exc:
        raise HTTPException(409, str(exc)) from None
    try:
        yield lock
    except BaseException:
        lock.release()
        raise


def _existing_view(request: Request, thread_id: str) -> ThreadView:
    try:
        return _service(request).view(thread_id)
    except ThreadNotFoundError:
        raise HTTPException(404, f"no chat thread {thread_id!r} (start one with POST /api/threads)") from None


def _message_input(request: Request, body: MessageIn) -> dict:
    files = request.app.state.files
    for index, path in enumerate(body.attachments):
        if files.url(path) is None:
            raise HTTPException(422, f"attachments[{index}]: {path!r} is not an uploaded file in the data directory")
    try:
        return _service(request).user_message(body.message, body.attachments)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@thread_router.get("/stages")
def list_stages() -> dict:
    """Each stage in the marketer's words with its typical seconds, and a campaign's stages in
    order: the page estimates the time left from them, as the terminal's bar does."""
    return {"stages": {node: {"words": stage.words, "typical_s": stage.typical_s} for node, stage in STAGES.items()},
            "campaign": campaign_stages(1)}


@thread_router.get("/threads")
def list_threads(request: Request, limit: int = Query(50, ge=1, le=500)) -> list[dict]:
    service = _service(request)
    result = []
    for thread_id in service.thread_ids(limit):
        view = service.view(thread_id)
        first = next((m["content"] for m in view.messages if m["role"] == "user"), "")
        result.append({"thread_id": thread_id, "status": view.status, "run_id": view.run_id, "title": first[:80]})
    return result


@thread_router.post("/threads", status_code=202)
def start_thread(request: Request, body: MessageIn) -> TurnStarted:
    """Start a conversation with its first message."""
    service = _service(request)
    graph_input = _message_input(request, body)
    thread_id = service.new_thread_id()
    return _start_turn(request, thread_id, graph_input, service.claim(thread_id))


@thread_router.get("/threads/{thread_id}")
def get_thread(request: Request, thread_id: str) -> dict:
    return _view_json(request, _existing_view(request, thread_id))


@thread_router.post("/threads/{thread_id}/messages", status_code=202)
def post_message(request: Request, thread_id: str, body: MessageIn) -> TurnStarted:
    with _turn_lock(request, thread_id) as lock:
        if _existing_view(request, thread_id).interrupts:
            raise HTTPException(409, f"thread {thread_id} is waiting for an approval: POST "
                                     f"/api/threads/{thread_id}/approval with approve, reject or edit")
        graph_input = _message_input(request, body)
    return _start_turn(request, thread_id, graph_input, lock)


@thread_router.post("/threads/{thread_id}/approval", status_code=202)
def decide(request: Request, thread_id: str, body: DecisionIn) -> TurnStarted:
    """Answer the pending approval(s): approve, reject, or edit with a plain-words change."""
    try:
        decision = GateDecision(action=body.action, request=body.request)
    except ValidationError as exc:
        raise HTTPException(422, "; ".join(e["msg"] for e in exc.errors())) from None
    with _turn_lock(request, thread_id) as lock:
        try:
            command = _service(request).resume_command(thread_id, decision, body.interrupt_id)
        except ThreadNotFoundError:
            raise HTTPException(404, f"no chat thread {thread_id!r}") from None
        except NotWaitingError as exc:
            raise HTTPException(409, str(exc)) from None
    return _start_turn(request, thread_id, command, lock)


def _edit_message(request: Request, body: BriefEdit) -> dict:
    """The marketer's card changes as their own message: the values in words, and the draft fields to set."""
    edit: dict = {}
    said: list[str] = []
    for name in sorted(body.model_fields_set - {"voice", "music_id"}, key=list(BriefEdit.model_fields).index):
        value = getattr(body, name)
        edit[name] = value if value is not None else ([] if name in ("facts", "platforms") else None)
        if isinstance(value, list):
            shown = ", ".join(value)
        elif isinstance(value, float):
            shown = f"{value:g} seconds"
        elif isinstance(value, int):
            shown = str(value)
        else:
            shown = value or ""
        said.append(f"{name.replace('_', ' ')}: {shown or '(none)'}")
    if "voice" in body.model_fields_set:
        voice = VOICES.get(body.voice or "")
        if voice is None:
            raise HTTPException(422, f"voice: choose one of {', '.join(VOICES)} (GET /api/voices)")
        if voice.unavailable():
            raise HTTPException(422, f"voice: {voice.unavailable()}")
        edit["voice"] = voice.id
        said.append(f"voice: {voice.name}")
    if "music_id" in body.model_fields_set:
        tracks = {track.id: track for track in music_library(_service(request).database)}
        if body.music_id and body.music_id not in tracks:
            raise HTTPException(422, f"music_id: no track {body.music_id} in your music library (GET /api/music)")
        track = tracks.get(body.music_id or 0)
        edit["music"] = dataclasses.asdict(track) if track else None
        said.append(f"music: {track.title if track else 'none'}")
    if not edit:
        raise HTTPException(422, "nothing to change: send the brief fields to set")
    return {"role": "user", "content": "In the brief card I set " + "; ".join(said) + ".", "edit": edit}


@thread_router.put("/threads/{thread_id}/brief", status_code=202)
def edit_brief(request: Request, thread_id: str, body: BriefEdit) -> TurnStarted:
    """Change what the planner understood, from the brief card; the ad is made once nothing is missing
    (again, with the change, after a finished run)."""
    message = _edit_message(request, body)
    with _turn_lock(request, thread_id) as lock:
        if _existing_view(request, thread_id).interrupts:
            raise HTTPException(409, "answer the approval first: reject it to change the brief and start again")
    return _start_turn(request, thread_id, {"messages": [message]}, lock)


@thread_router.post("/threads/{thread_id}/resume", status_code=202)
def resume(request: Request, thread_id: str) -> TurnStarted:
    """Continue a conversation that stopped mid-turn (the server went down, or a step failed)
    from its last finished step; ``409`` with ``Retry-After`` while the stopped server's hold
    on the run has not expired."""
    with _turn_lock(request, thread_id) as lock:
        try:
            _service(request).check_resumable(thread_id)
        except ThreadNotFoundError:
            raise HTTPException(404, f"no chat thread {thread_id!r}") from None
        except NothingToResumeError as exc:
            raise HTTPException(409, str(exc)) from None
        except RunStillHeldError as exc:
            raise HTTPException(409, str(exc), headers={"Retry-After": str(max(1, round(exc.seconds_left)))}) from None
    return _start_turn(request, thread_id, None, lock)


@thread_router.get("/threads/{thread_id}/events")
def follow_events(request: Request, thread_id: str, after: int = Query(0, ge=0, le=MAX_ROW_ID)) -> StreamingResponse:
    """Server-Sent Events of the thread's turns from number ``after`` to the next ``done``."""
    events = request.app.state.events
    if events.count(thread_id) == 0 and not _service(request).is_running(thread_id):
        _existing_view(request, thread_id)  # 404 for unknown threads
    return StreamingResponse(
        sse_lines(events.follow(thread_id, after)), media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
