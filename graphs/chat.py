"""The chat graph: a conversation with the planner that ends in a finished campaign.

Each marketer message is one invocation on the conversation's thread (the checkpointer
keeps the thread's messages and brief draft). ``understand`` reads what the message says
about the brief (:mod:`agents.chat_planner`, schema-constrained); while something required
is missing, ``ask`` says what; once the brief is complete, ``campaign`` runs the campaign
graph as a subgraph on the same thread, with approval gates, so its ``interrupt()`` pauses
the conversation until the marketer approves, rejects or asks for a change
(``Command(resume={interrupt_id: {"action": ..., "request": ...}})``).

Node progress (``record_event``) and the tools' own progress (``ToolContext.progress``)
are written to LangGraph's ``custom`` stream; node results arrive in ``updates``.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol, TypedDict

from langgraph.config import get_stream_writer
from langgraph.errors import GraphBubbleUp
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command

from agents.brief import BriefError
from agents.chat_planner import BriefDraft, ask_for_missing, read_turn
from graphs.campaign import RunContext, build_campaign_graph


def append_messages(left: list[dict] | None, right: list[dict] | None) -> list[dict]:
    """Reducer: a conversation only grows."""
    return [*(left or []), *(right or [])]


class ChatState(TypedDict, total=False):
    messages: Annotated[list[dict], append_messages]  # {"role", "content", "media"?: [{"kind", "path", "label"}]}
    draft: dict  # BriefDraft so far
    brief: dict  # the validated brief of the latest campaign
    run_id: str  # the latest campaign run (its own checkpoint thread is this conversation's)
    status: str  # "collecting" | "finished" | "needs_review" | "stopped"
    outputs: dict  # the latest manifest's outputs


class RunLedger(Protocol):
    """Where a conversation's campaign runs are recorded (the database in the server)."""

    def open(self, run_id: str, brief: dict, out_dir: Path) -> None: ...
    def event(self, run_id: str, node: str, event: str, detail: dict) -> None: ...
    def close(self, run_id: str, final: dict, error: str | None = None) -> None: ...


class _NoLedger:
    """Records nothing (LangGraph Studio, tests of the graph alone)."""

    def open(self, run_id: str, brief: dict, out_dir: Path) -> None:
        """Nothing to record."""

    def event(self, run_id: str, node: str, event: str, detail: dict) -> None:
        """Nothing to record."""

    def close(self, run_id: str, final: dict, error: str | None = None) -> None:
        """Nothing to record."""


@dataclass
class ChatContext(RunContext):
    """The campaign's run context plus what the conversation needs (never checkpointed)."""

    ledger: RunLedger = dataclasses.field(default_factory=_NoLedger)
    default_duration_s: float = 15.0


def emit(payload: dict) -> None:
    """Write a progress item to the ``custom`` stream of the node running in this thread.

    Progress reported outside a LangGraph node (a tool's helper thread, a direct tool call)
    has no stream to go to and is not shown.
    """
    try:
        writer = get_stream_writer()
    except RuntimeError:
        return
    writer(payload)


def report_tool_progress(label: str, fraction: float) -> None:
    """A :data:`tools.context.ProgressCallback` that streams to the chat's clients."""
    emit({"type": "progress", "label": label, "fraction": round(float(fraction), 3)})


def understand(state: ChatState, runtime: Runtime[ChatContext]) -> Command[Literal["ask", "campaign"]]:
    """Read the latest message into the brief draft; start the campaign once nothing is missing."""
    context = runtime.context
    draft = read_turn(state.get("messages", []), BriefDraft(**state.get("draft", {})), context.llm)
    update: dict[str, Any] = {"draft": draft.model_dump(mode="json"), "status": "collecting"}
    if draft.missing():
        return Command(goto="ask", update=update)
    try:
        brief = draft.to_brief(context.default_duration_s)
    except BriefError as exc:
        problems = "; ".join(exc.problems)
        return Command(goto=END, update={**update, "messages": [
            {"role": "assistant", "content": f"I cannot use that brief yet: {problems}. Please correct it."}
        ]})
    run_id = uuid.uuid4().hex
    return Command(goto="campaign", update={
        **update, "brief": brief.model_dump(mode="json"), "run_id": run_id,
        "messages": [{"role": "assistant", "content": (
            f"Making a {brief.duration_s:g}-second {', '.join(brief.platforms)} ad for {brief.product.name} "
            f"({brief.brand.name}), aimed at {brief.audience}. Run id {run_id}."
        )}],
    })


def ask(state: ChatState, runtime: Runtime[ChatContext]) -> dict:
    draft = BriefDraft(**state["draft"])
    return {"messages": [{"role": "assistant", "content": ask_for_missing(draft)}]}


def _finished_message(final: dict, out_dir: Path, run_id: str) -> dict:
    manifest = json.loads(Path(final["manifest_path"]).read_text("utf-8"))
    outputs = manifest["outputs"]
    media = [{"kind": "video", "path": path, "label": f"ad {aspect}"} for aspect, path in outputs.get("videos", {}).items()]
    if outputs.get("voiceover"):
        media.append({"kind": "audio", "path": outputs["voiceover"], "label": "voiceover"})
    media += [{"kind": "image", "path": path, "label": f"image {i + 1}"} for i, path in enumerate(outputs.get("images", []))]
    failed = [check["name"] for check in manifest.get("checks", []) if not check["passed"]]
    status_line = "All checks passed." if not failed else f"Needs review, failed checks: {', '.join(failed)}."
    text = f"Your ad is ready. {status_line} Outputs: {out_dir / run_id}"
    return {"message": {"role": "assistant", "content": text, "media": media, "run_id": run_id},
            "status": manifest["status"], "outputs": outputs}


def build_chat_graph() -> StateGraph:
    """The uncompiled chat graph (compile it with a checkpointer: the approval gates need one)."""
    campaign = build_campaign_graph().compile()

    def run_campaign(state: ChatState, runtime: Runtime[ChatContext]) -> dict:
        """Run (or, after an approval, resume) the campaign subgraph for the thread's brief."""
        context = runtime.context
        run_id = state["run_id"]
        ledger = context.ledger

        def record_event(node: str, event: str, detail: dict) -> None:
            ledger.event(run_id, node, event, detail)
            emit({"type": "node", "node": node, "event": event, **detail})

        ledger.open(run_id, state["brief"], context.out_dir)
        run_context = dataclasses.replace(context, record_event=record_event)
        try:
            final = campaign.invoke({"run_id": run_id, "brief": state["brief"]}, context=run_context)
        except Exception as exc:
            if not isinstance(exc, GraphBubbleUp):  # an approval gate's pause is not a failure
                ledger.close(run_id, {}, error=f"{type(exc).__name__}: {exc}")
            raise
        ledger.close(run_id, final)
        if not final.get("manifest_path"):
            return {"status": "stopped", "messages": [{"role": "assistant", "content": (
                "Stopped as you asked; nothing was rendered. Tell me what to change and I will start again."
            ), "run_id": run_id}]}
        done = _finished_message(final, context.out_dir, run_id)
        return {"status": done["status"], "outputs": done["outputs"], "messages": [done["message"]]}

    graph = StateGraph(ChatState, context_schema=ChatContext)
    graph.add_node("understand", understand)
    graph.add_node("ask", ask)
    graph.add_node("campaign", run_campaign)
    graph.add_edge(START, "understand")
    graph.add_edge("ask", END)
    graph.add_edge("campaign", END)
    return graph



def make_chat_graph():
    """The compiled chat graph for the LangGraph dev server and Studio (they add the checkpointer)."""
    return build_chat_graph().compile()


def make_campaign_graph():
    """The compiled campaign graph for the LangGraph dev server and Studio."""
    return build_campaign_graph().compile()
