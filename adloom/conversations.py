"""Chat threads: running the chat graph per thread, one turn at a time, with its events.

Shared by the web server and ``adloom chat``. A thread is the checkpointer's thread id;
its messages, brief draft and pending approvals live in the checkpoint, so they survive a
restart. One turn (a message or an approval decision) runs at a time per thread: a second
one while the first is running is refused (:class:`ThreadBusyError`), which is what keeps
two concurrent approvals of the same interrupt from both being applied.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.types import Command

from adloom.config import Settings
from adloom.music import library as music_library
from adloom.runs import RunLease, settings_record
from adloom.agents.chat_supervisor import attachment
from adloom.agents.revisions import GateDecision
from adloom.graphs.campaign import APPROVAL_GATES
from adloom.graphs.chat import ChatContext, build_chat_graph, report_tool_progress
from adloom.graphs.checkpoint import open_checkpointer
from adloom.storage import records
from adloom.storage.assets import AssetStore
from adloom.storage.database import Database, open_database
from adloom.storage.models import utc_now
from adloom.tools.context import ResidentModels, ToolContext

EventSink = Callable[[dict], None]
MAX_MESSAGE_CHARS = 4000


class ThreadNotFoundError(LookupError):
    """No conversation has this thread id."""


class ThreadBusyError(RuntimeError):
    """The thread is already running a turn."""


class NotWaitingError(RuntimeError):
    """An approval was sent to a thread (or interrupt) that is not waiting for one."""


class NothingToResumeError(RuntimeError):
    """A resume was asked of a thread that did not stop mid-turn."""


class RunStillHeldError(RuntimeError):
    """The stopped process's lease on the thread's run has not expired yet."""

    def __init__(self, run_id: str, seconds_left: float):
        self.seconds_left = seconds_left
        super().__init__(
            f"the server that stopped still holds run {run_id} for about {max(1, round(seconds_left))} s more; "
            "resume it then"
        )


class DatabaseLedger:
    """Records a conversation's campaign runs, their node events and assets in the database.

    This process holds each open run's lease (in ``leases``, shared by every turn of the
    service) from its start until it closes, approval pauses included: a run whose server
    died shows as ``interrupted``.
    """

    def __init__(self, database: Database, settings: Settings, leases: dict[str, RunLease]):
        self.database = database
        self.settings = settings
        self.leases = leases

    def open(self, run_id: str, brief: dict, out_dir: Path, kind: str) -> None:
        with self.database.session() as session:
            if records.get_run(session, run_id) is None:
                records.create_run(session, run_id, brief=brief, brief_path=None, out_dir=str(out_dir),
                                   config={**settings_record(self.settings, None), "kind": kind, "source": "chat"})
        if run_id not in self.leases:
            self.leases[run_id] = RunLease(self.database, run_id, self.settings.runs.lease_s).acquire()

    def _release(self, run_id: str) -> None:
        lease = self.leases.pop(run_id, None)
        if lease is not None:
            lease.release()

    def event(self, run_id: str, node: str, event: str, detail: dict) -> None:
        with self.database.session() as session:
            records.record_event(session, run_id, node, event, detail)

    def close(self, run_id: str, final: dict, error: str | None = None) -> None:
        try:
            self._record_outcome(run_id, final, error)
        finally:
            self._release(run_id)

    def _record_outcome(self, run_id: str, final: dict, error: str | None) -> None:
        with self.database.session() as session:
            if error is not None:
                records.set_run_status(session, run_id, "failed", error=error)
                return
            if not final.get("manifest_path"):  # the marketer rejected it at an approval gate
                records.set_run_status(session, run_id, "interrupted")
                return
            records.finish_run(session, run_id, final["manifest"])


@dataclass
class ThreadView:
    """A thread as clients see it."""

    thread_id: str
    messages: list[dict]
    # "collecting" | "running" | "waiting" | "succeeded" | "needs_review" | "stopped" | "failed"
    # | "interrupted" (stopped mid-turn: the server went down, or a step failed before this process started)
    status: str
    run_id: str | None
    interrupts: list[dict]  # {"id", "gate", "variant_id", "message", "media", "headlines", "script"}
    draft: dict
    outputs: dict


@dataclass
class ChatService:
    """Runs chat turns on threads; the same object serves every interface of one process."""

    settings: Settings
    models: ResidentModels = field(default_factory=ResidentModels)
    approval_gates: frozenset[str] = frozenset(APPROVAL_GATES)
    default_duration_s: float = 15.0

    def __post_init__(self) -> None:
        self.database = open_database(self.settings.database_url)
        self.assets = AssetStore(self.settings.data_dir)
        self._graph = build_chat_graph()
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._failures: dict[str, str] = {}
        self._leases: dict[str, RunLease] = {}  # runs this process holds, across turns

    @contextmanager
    def _compiled(self) -> Iterator[Any]:
        with open_checkpointer(self.settings.database_url, self.settings.checkpoint_path) as saver:
            yield self._graph.compile(checkpointer=saver)

    def _lock(self, thread_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(thread_id, threading.Lock())

    def is_running(self, thread_id: str) -> bool:
        return self._lock(thread_id).locked()

    def tools(self) -> ToolContext:
        """The tools' context this service's turns use (its models stay loaded between turns)."""
        return ToolContext(settings=self.settings, assets=self.assets, models=self.models,
                           progress=report_tool_progress)

    def _context(self) -> ChatContext:
        return ChatContext(
            tools=self.tools(), copywriter=self.settings.copywriter, out_dir=self.settings.runs_dir.resolve(),
            approval_gates=self.approval_gates, ledger=DatabaseLedger(self.database, self.settings, self._leases),
            default_duration_s=self.default_duration_s, music_library=music_library(self.database),
        )

    # --- reading -----------------------------------------------------------------------

    def thread_ids(self, limit: int = 100) -> list[str]:
        """Known conversations, most recently active first."""
        seen: list[str] = []
        with open_checkpointer(self.settings.database_url, self.settings.checkpoint_path) as saver:
            for item in saver.list(None):
                thread_id = item.config["configurable"]["thread_id"]
                if item.config["configurable"].get("checkpoint_ns", "") == "" and thread_id not in seen:
                    if "messages" in (item.checkpoint.get("channel_values") or {}):
                        seen.append(thread_id)
                if len(seen) >= limit:
                    break
        return seen

    def view(self, thread_id: str) -> ThreadView:
        """The thread's messages, status and pending approvals.

        Raises:
            ThreadNotFoundError: no such thread.
        """
        return self._view(thread_id, running=self.is_running(thread_id))

    def _view(self, thread_id: str, *, running: bool) -> ThreadView:
        with self._compiled() as graph:
            snapshot = graph.get_state({"configurable": {"thread_id": thread_id}})
        values = snapshot.values or {}
        if not values.get("messages"):
            raise ThreadNotFoundError(thread_id)
        interrupts = [{"id": item.id, **item.value} for item in snapshot.interrupts]
        if running:
            status = "running"
        elif thread_id in self._failures:
            status = "failed"
        elif interrupts:
            status = "waiting"
        elif snapshot.next:  # a turn that never reached its end: the process stopped, or a step failed
            status = "interrupted"
        else:
            status = values.get("status", "collecting")
        return ThreadView(
            thread_id=thread_id, messages=list(values.get("messages", [])), status=status,
            run_id=values.get("run_id"), interrupts=interrupts, draft=values.get("draft", {}),
            outputs=values.get("outputs", {}),
        )

    def failure(self, thread_id: str) -> str | None:
        return self._failures.get(thread_id)

    # --- turns ---------------------------------------------------------------------------

    def new_thread_id(self) -> str:
        return uuid.uuid4().hex

    def claim(self, thread_id: str) -> threading.Lock:
        """Take the thread's turn lock (release it when the turn ends).

        Raises:
            ThreadBusyError: a turn is running on the thread.
        """
        lock = self._lock(thread_id)
        if not lock.acquire(blocking=False):
            raise ThreadBusyError(f"thread {thread_id} is already working on a turn; wait for it to finish")
        return lock

    def resume_command(self, thread_id: str, decision: GateDecision, interrupt_id: str | None) -> Command:
        """The resume command for a decision, checked against the thread's pending approvals.

        Raises:
            ThreadNotFoundError: no such thread.
            NotWaitingError: nothing (or not this interrupt) is waiting for approval.
        """
        pending = [item["id"] for item in self.view(thread_id).interrupts]
        if not pending:
            raise NotWaitingError(f"thread {thread_id} is not waiting for an approval")
        if interrupt_id is not None and interrupt_id not in pending:
            raise NotWaitingError(
                f"interrupt {interrupt_id} of thread {thread_id} is not waiting (already answered?); "
                f"pending: {', '.join(pending)}"
            )
        targets = [interrupt_id] if interrupt_id else pending
        return Command(resume={target: decision.model_dump() for target in targets})

    def check_resumable(self, thread_id: str) -> None:
        """Raise unless the thread stopped mid-turn and can go on from its last finished step
        (call it holding the thread's turn lock, see :meth:`claim`).

        Raises:
            ThreadNotFoundError: no such thread.
            NothingToResumeError: the thread is not stopped mid-turn (nothing to continue).
            RunStillHeldError: its run's lease, held by the process that stopped, has not expired.
        """
        view = self._view(thread_id, running=False)
        if view.status not in ("interrupted", "failed"):
            raise NothingToResumeError(f"thread {thread_id} has nothing to resume (it is {view.status})")
        if view.run_id is None or view.run_id in self._leases:
            return
        with self.database.session() as session:
            run = records.get_run(session, view.run_id)
            if run is not None and run.shown_status() == "running" and run.lease_expires_at is not None:
                left = (run.lease_expires_at - utc_now()).total_seconds()
                raise RunStillHeldError(view.run_id, left)

    def run_turn(self, thread_id: str, graph_input: dict | Command, sink: EventSink, lock: threading.Lock) -> None:
        """Run one turn to its end (finished, waiting for approval, or failed), then release ``lock``.

        ``graph_input`` None continues a turn that stopped midway (see :meth:`check_resumable`).
        Every streamed item goes to ``sink``: ``{"type": "node"|"progress"|"message"|"interrupt"|"done"|"error", ...}``.
        """
        config = {"configurable": {"thread_id": thread_id}}
        self._failures.pop(thread_id, None)
        try:
            with self._compiled() as graph:
                for namespace, mode, chunk in graph.stream(
                    graph_input, config, context=self._context(), stream_mode=["updates", "custom"],
                    subgraphs=True, durability="sync",
                ):
                    if mode == "custom":
                        sink(chunk)
                    elif not namespace:
                        for node, update in chunk.items():
                            for message in (update or {}).get("messages", []) if isinstance(update, dict) else []:
                                sink({"type": "message", "message": message})
        except Exception as exc:
            self._failures[thread_id] = f"{type(exc).__name__}: {exc}"
            sink({"type": "error", "error": self._failures[thread_id]})
            lock.release()
            sink({"type": "done", "status": "failed"})
            return
        lock.release()
        view = self.view(thread_id)
        if view.interrupts:
            sink({"type": "interrupt", "interrupts": view.interrupts})
        sink({"type": "done", "status": view.status})

    def user_message(self, text: str, attachments: list[str | Path] = ()) -> dict:
        """Graph input for a marketer's message, with the files it attaches (videos to cut from).

        Raises:
            ValueError: empty or too long, or an attachment that is missing or of no known kind.
        """
        text = text.strip()
        if not text:
            raise ValueError("message: must not be empty")
        if len(text) > MAX_MESSAGE_CHARS:
            raise ValueError(f"message: longer than {MAX_MESSAGE_CHARS} characters")
        message: dict[str, Any] = {"role": "user", "content": text}
        if attachments:
            message["media"] = [attachment(path) for path in attachments]
        return {"messages": [message]}
