"""The chat graph: a conversation with the planner that ends in a finished campaign.

Each marketer message is one invocation on the conversation's thread (the checkpointer
keeps the thread's messages and brief draft). A product page's link in the message is read
first (``read_link``, :mod:`adloom.agents.page_brief`): the page's brief fills the draft. Then the
turn goes to one of two planners:

- ``supervise``, for an LLM that calls tools (:func:`adloom.tools.llm.calls_tools`): the agents
  are its tools (:mod:`adloom.agents.chat_supervisor`). It records the brief, previews copy, and
  starts a run by calling ``make_ad`` or ``cut_footage``; every call and result is kept in
  the thread's ``transcript``.
- ``understand``, for the embedded model: it reads what the message says about the brief
  (:mod:`adloom.agents.chat_planner`, schema-constrained); while something required is missing,
  ``ask`` says what; once the brief is complete the run starts, from the attached videos
  when there are any.

A message that lists several products is a batch (:mod:`adloom.agents.batch`): ``understand``
reads each item as its own message and, once every one is complete, queues them;
``next_in_queue`` starts the next after each run ends.

``campaign`` runs the campaign graph as a subgraph on the same thread, with approval
gates, so its ``interrupt()`` pauses the conversation until the marketer approves, rejects
or asks for a change (``Command(resume={interrupt_id: {"action": ..., "request": ...}})``).
``footage`` runs the footage graph (VC-LLM mode) on the attached videos.

Node progress (``record_event``) and the tools' own progress (``ToolContext.progress``)
are written to LangGraph's ``custom`` stream; node results arrive in ``updates``.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol, TypedDict

from langgraph.config import get_stream_writer
from langgraph.errors import GraphBubbleUp
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command

from adloom.agents.batch import MAX_ITEMS, batch_items, item_message
from adloom.agents.brief import BriefError
from adloom.agents.chat_planner import REQUIRED_FIELDS, BriefDraft, ask_for_missing, read_turn, unsupported_platforms_note
from adloom.agents.chat_supervisor import (
    LAUNCH_TOOLS,
    MAX_TOOL_ROUNDS,
    Launch,
    answer_unanswered,
    attached_videos,
    call_tool_agent,
    check_launch,
    planner_functions,
    planner_tool_agents,
    read_arguments,
    system_message,
    tool_result,
    update_brief,
    user_text,
    write_copy,
)
from adloom.agents.manifest import Manifest
from adloom.agents.page_brief import page_link, read_linked_page
from adloom.agents.platforms import PLATFORM_LIMITS, video_aspects
from adloom.graphs.campaign import RunContext, build_campaign_graph
from adloom.graphs.footage import FootageContext, build_footage_graph
from adloom.tools.llm import calls_tools
from adloom.tools.tts.voices import VOICES


def append_messages(left: list[dict] | None, right: list[dict] | None) -> list[dict]:
    """Reducer: a conversation only grows."""
    return [*(left or []), *(right or [])]


class ChatState(TypedDict, total=False):
    messages: Annotated[list[dict], append_messages]  # {"role", "content", "media"?: [{"kind", "path", "label"}]}
    draft: dict  # BriefDraft so far
    brief: dict  # the validated brief of the latest campaign
    run_id: str  # the latest campaign run (its own checkpoint thread is this conversation's)
    launch: dict  # Launch: the run being started (campaign or footage) and the tool call it answers
    status: str  # "collecting" | "succeeded" | "needs_review" | "stopped" (a finished run: its manifest's status)
    outputs: dict  # the latest manifest's outputs
    transcript: Annotated[list[dict], append_messages]  # the tool-calling planner's own chat, calls and results
    read: int  # how many of ``messages`` the tool-calling planner has read into its transcript
    queue: list[dict]  # ads still to make after the current one (a batch's, or one made anew): {"brief", "draft", "note"?}


class RunLedger(Protocol):
    """Where a conversation's campaign runs are recorded (the database in the server)."""

    def open(self, run_id: str, brief: dict, out_dir: Path, kind: str) -> None: ...
    def event(self, run_id: str, node: str, event: str, detail: dict) -> None: ...
    def close(self, run_id: str, final: dict, error: str | None = None) -> None: ...


class _NoLedger:
    """Records nothing (LangGraph Studio, tests of the graph alone)."""

    def open(self, run_id: str, brief: dict, out_dir: Path, kind: str) -> None:
        """Nothing to record."""

    def event(self, run_id: str, node: str, event: str, detail: dict) -> None:
        """Nothing to record."""

    def close(self, run_id: str, final: dict, error: str | None = None) -> None:
        """Nothing to record."""


@dataclass(kw_only=True)
class ChatContext(RunContext):
    """The campaign's run context plus what the conversation needs (never checkpointed)."""

    ledger: RunLedger = dataclasses.field(default_factory=_NoLedger)
    default_duration_s: float = 15.0
    footage_render_size: tuple[int, int] | None = None  # None: the brief's aspect at 1080p


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
    """A :data:`adloom.tools.context.ProgressCallback` that streams to the chat's clients."""
    emit({"type": "progress", "label": label, "fraction": round(float(fraction), 3)})


def _latest_batch(state: ChatState) -> tuple[str, list[str]] | None:
    """The latest message's list of products, when it is a batch (the brief card's edits never are)."""
    latest = next((m for m in reversed(state.get("messages", [])) if m["role"] == "user"), {})
    return None if "edit" in latest else batch_items(latest.get("content", ""))


def understand(state: ChatState, runtime: Runtime[ChatContext]) -> Command[Literal["ask", "campaign", "footage"]]:
    """Read the latest message into the brief draft; start the campaign once nothing is missing."""
    context = runtime.context
    known = BriefDraft(**state.get("draft", {}))
    batch = _latest_batch(state)
    if batch is not None:
        return _queue_batch(state, known, *batch, context)
    draft = known.edited(state.get("messages", [])) or read_turn(state.get("messages", []), known, context.llm)
    update: dict[str, Any] = {"draft": draft.model_dump(mode="json"), "status": "collecting", "queue": [],
                              "messages": _unsupported_platforms(state)}
    if draft.missing():
        return Command(goto="ask", update=update)
    try:
        brief = draft.to_brief(context.default_duration_s)
    except BriefError as exc:
        problems = "; ".join(exc.problems)
        return Command(goto=END, update={**update, "messages": [
            *update["messages"], {"role": "assistant", "content": f"I cannot use that brief yet: {problems}. Please correct it."}
        ]})
    videos = attached_videos(state.get("messages", []))
    launch = Launch(tool_call_id="", kind="footage", videos=videos) if videos else Launch(tool_call_id="", kind="campaign")
    return _start_run(launch, brief.model_dump(mode="json"), update)


def _queue_batch(state: ChatState, known: BriefDraft, header: str, items: list[str],
                 context: ChatContext) -> Command:
    """Read each item of a batch as its own message; when every one is complete, make them one after another."""
    said = _unsupported_platforms(state)
    if len(items) > MAX_ITEMS:
        return Command(goto=END, update={"status": "collecting", "messages": [*said, {"role": "assistant", "content": (
            f"I can queue up to {MAX_ITEMS} ads from one message and this one lists {len(items)}: "
            f"send the first {MAX_ITEMS}, then the rest once they are made.")}]})
    earlier = state.get("messages", [])[:-1]
    # What the items share comes from the conversation; each item brings its own product.
    shared = known.model_copy(update={"product_name": None, "product_description": None, "facts": [], "price": None,
                                      "page": None})
    drafts = [read_turn([*earlier, {"role": "user", "content": item_message(header, item)}], shared, context.llm)
              for item in items]
    problems: list[str] = []
    briefs: list[dict] = []
    for number, (item, draft) in enumerate(zip(items, drafts), start=1):
        name = draft.product_name or item[:40]
        if draft.missing():
            problems.append(f"{number}. {name}: {', '.join(REQUIRED_FIELDS[field] for field in draft.missing())}")
            continue
        try:
            briefs.append(draft.to_brief(context.default_duration_s).model_dump(mode="json"))
        except BriefError as exc:
            problems.append(f"{number}. {name}: {'; '.join(exc.problems)}")
    if problems:
        return Command(goto=END, update={"status": "collecting", "messages": [*said, {"role": "assistant", "content": (
            f"I read {len(items)} products to make ads for. Before I queue them I still need: "
            + "; ".join(problems) + ". Send the list again with it (the lines above the list count for every item).")}]})
    names = ", ".join(brief["product"]["name"] for brief in briefs)
    queue = [{"brief": brief, "draft": draft.model_dump(mode="json")} for brief, draft in zip(briefs[1:], drafts[1:])]
    note = {"role": "assistant", "content": f"Queued {len(briefs)} ads, made one after another: {names}."}
    return _start_run(Launch(tool_call_id="", kind="campaign"), briefs[0], {
        "draft": drafts[0].model_dump(mode="json"), "status": "collecting", "queue": queue,
        "messages": [*said, note]})


def next_in_queue(state: ChatState, runtime: Runtime[ChatContext]) -> Command[Literal["campaign"]]:
    """Start the batch's next ad."""
    head, *rest = state["queue"]
    left = f" {len(rest)} more after this one." if rest else " It is the last in the queue."
    note = head.get("note") or "Next in the queue." + left
    return _start_run(Launch(tool_call_id="", kind="campaign"), head["brief"], {
        "draft": head["draft"], "queue": rest, "messages": [{"role": "assistant", "content": note}]})


def after_run(state: ChatState) -> Literal["next_in_queue", "__end__"]:
    return "next_in_queue" if state.get("queue") else END


def _start_run(launch: Launch, brief: dict, update: dict) -> Command:
    """Go to the node that carries out ``launch``, announcing it to the marketer."""
    run_id = uuid.uuid4().hex
    product, brand = brief["product"]["name"], brief["brand"]["name"]
    source = f" from {len(launch.videos)} attached video(s)" if launch.kind == "footage" else ""
    platforms = ", ".join(PLATFORM_LIMITS[p].label for p in brief["platforms"])
    stated = [*brief["product"].get("facts", []), *filter(None, [brief["product"].get("price")])]
    draft = update.get("draft") or {}
    voice = VOICES.get(draft.get("voice") or "")
    sound = "".join([f" {brief['variants']} versions to compare side by side." if brief["variants"] > 1 else "",
                     f" {voice.name}'s voice reads it." if voice else "",
                     f" The music is {draft['music']['title']}." if draft.get("music") else ""])
    shapes = [f"{aspect} for " + ", ".join(PLATFORM_LIMITS[p].label for p in brief["platforms"]
                                          if PLATFORM_LIMITS[p].video_aspect == aspect)
              for aspect in video_aspects(brief["aspect"], brief["platforms"])[1:]]
    shape = (f" The video is {brief['aspect']}" + ("" if draft.get("aspect") else " (my default shape; tell me "
             "another, e.g. square, to change it)") + (f", also {' and '.join(shapes)}" if shapes else "") + ".")
    seconds = f"{brief['duration_s']:g}"
    article = "an" if seconds.startswith("8") or seconds in ("11", "18") else "a"  # "an 8-second", "an 18-second"
    text = (f"Making {article} {seconds}-second {platforms} ad for {product} "
            f"({brand}){source}, aimed at {brief['audience']}.{shape}{sound}"
            + (f" It states only these facts from your brief: {'; '.join(stated)}." if stated else "")
            + ("" if draft.get("duration_s") else
               f" {brief['duration_s']:g} seconds is my default length; tell me another to change it.")
            + f" Run id {run_id}.")
    return Command(goto=launch.kind, update={
        **update, "brief": brief, "run_id": run_id, "launch": launch.model_dump(),
        "messages": [*update.get("messages", []), {"role": "assistant", "content": text}],
    })


def _unsupported_platforms(state: ChatState) -> list[dict]:
    """An assistant message naming the places the latest message asks for that adloom makes no ad for."""
    latest = next((m["content"] for m in reversed(state.get("messages", [])) if m["role"] == "user"), "")
    note = unsupported_platforms_note(latest)
    return [{"role": "assistant", "content": note}] if note else []


def supervise(state: ChatState, runtime: Runtime[ChatContext]) -> Command[Literal["campaign", "footage", "__end__"]]:
    """One turn of the tool-calling planner: call tools until it answers the marketer or starts a run."""
    context = runtime.context
    messages = state.get("messages", [])
    draft = BriefDraft(**state.get("draft", {}))
    draft = draft.edited(messages) or draft  # the brief card's changes, before the model reads the turn
    videos = attached_videos(messages)
    added = [{"role": "user", "content": user_text(m)} for m in messages[state.get("read", 0):] if m["role"] == "user"]
    history = answer_unanswered(state.get("transcript", []))
    update: dict[str, Any] = {"read": len(messages), "status": "collecting", "queue": []}
    said: list[dict] = _unsupported_platforms(state)  # and what the model tells the marketer alongside its tool calls
    functions, tool_agents = planner_functions(), planner_tool_agents()
    for _ in range(MAX_TOOL_ROUNDS):
        reply = context.llm.backend.call_tools([system_message(draft, videos), *history, *added], functions,
                                               temperature=0.2, seed=0)
        added.append({"role": "assistant", "content": reply.text,
                      "tool_calls": [call.as_message_item() for call in reply.tool_calls]})
        if not reply.tool_calls:
            text = reply.text.strip() or ask_for_missing(draft)
            return Command(goto=END, update={**update, "draft": draft.model_dump(mode="json"), "transcript": added,
                                             "messages": [*said, {"role": "assistant", "content": text}]})
        if reply.text.strip():
            said.append({"role": "assistant", "content": reply.text.strip()})
        launch: Launch | None = None
        for call in reply.tool_calls:
            emit({"type": "node", "node": "planner", "event": "tool", "tool": call.name})
            if call.name in tool_agents:
                agent = tool_agents[call.name]
                result = {"error": call.problem} if call.problem else call_tool_agent(agent, call.arguments, context.tools)
                added.append(tool_result(call.id, result))
                continue
            args, error = read_arguments(call.name, call.arguments, call.problem)
            if error is None and call.name == "update_brief":
                draft, result = update_brief(draft, args, messages)
            elif error is None and call.name == "write_copy":
                result = write_copy(draft, args, context.llm, context.tools.models, context.copywriter,
                                    context.default_duration_s)
            elif error is None and launch is not None:
                result = {"error": f"one run at a time: {launch.kind} is already starting in this turn"}
            elif error is None and call.name in LAUNCH_TOOLS:
                launch, result = check_launch(call.name, args, call.id, draft, videos, context.default_duration_s)
                if launch is not None:
                    continue  # answered by the run itself, once it ends
            else:
                result = error
            added.append(tool_result(call.id, result))
        if launch is not None:
            brief = draft.to_brief(context.default_duration_s).model_dump(mode="json")
            return _start_run(launch, brief, {**update, "draft": draft.model_dump(mode="json"), "transcript": added,
                                              "messages": said})
    text = ("I could not settle on a next step. Tell me the product, who the ad is for and where it runs, "
            "and I will make it.")
    return Command(goto=END, update={**update, "draft": draft.model_dump(mode="json"), "transcript": added,
                                     "messages": [*said, {"role": "assistant", "content": text}]})


def read_link(state: ChatState, runtime: Runtime[ChatContext]) -> dict:
    """A product page's link in the latest message: the page's brief goes into the draft, and the marketer hears what."""
    latest = next((m["content"] for m in reversed(state.get("messages", [])) if m["role"] == "user"), "")
    link = page_link(latest)
    if link is None:
        return {}
    tools = runtime.context.tools
    draft, said = read_linked_page(link, BriefDraft(**state.get("draft", {})), tools.assets,
                                   allow_private=tools.settings.server.allow_private_pages, message=latest)
    return {"draft": draft.model_dump(mode="json"), "messages": [{"role": "assistant", "content": said}]}


def route_turn(state: ChatState, runtime: Runtime[ChatContext]) -> Literal["supervise", "understand"]:
    """The tool-calling planner when the configured LLM calls tools, else the schema-constrained one;
    a batch is always read item by item by the schema-constrained one."""
    llm = runtime.context.llm
    return "supervise" if calls_tools(llm.backend, llm.settings) and _latest_batch(state) is None else "understand"


def ask(state: ChatState, runtime: Runtime[ChatContext]) -> dict:
    draft = BriefDraft(**state["draft"])
    return {"messages": [{"role": "assistant", "content": ask_for_missing(draft)}]}


def _finished(final: dict, out_dir: Path, run_id: str) -> tuple[dict, dict, dict]:
    """The marketer's message, the planner's tool result and the manifest's outputs for a finished run."""
    manifest = Manifest.model_validate(final["manifest"])
    outputs = manifest.outputs
    videos = outputs.get("videos") or {"": outputs["video"]}
    media = [{"kind": "video", "path": path, "label": f"ad {aspect}".strip()} for aspect, path in videos.items()]
    if outputs.get("voiceover"):
        media.append({"kind": "audio", "path": outputs["voiceover"], "label": "voiceover"})
    media += [{"kind": "image", "path": path, "label": f"image {i + 1}"} for i, path in enumerate(outputs.get("images", []))]
    failed_checks = manifest.failed_checks
    rejected = [item["path"] for item in manifest.rejected_inputs]
    lines = ["Your ad is ready."]
    if manifest.mode == "campaign":  # campaigns are checked by the critic; footage runs have no critic
        lines.append("All checks passed." if not failed_checks else "Needs review, failed checks: " + "; ".join(
            f"{check.name} ({check.detail})" for check in failed_checks) + ".")
    if rejected:
        lines.append(f"Not usable, left out: {', '.join(Path(path).name for path in rejected)}.")
    lines.append(f"Outputs: {out_dir / run_id}")
    message = {"role": "assistant", "content": " ".join(lines), "media": media, "run_id": run_id}
    result = {"status": manifest.status, "run_id": run_id, "videos": videos,
              "failed_checks": [check.name for check in failed_checks], "rejected_videos": rejected}
    return message, result, outputs


def _carry_out(state: ChatState, runtime: Runtime[ChatContext], run: Any) -> dict:
    """Run ``run(run_id, record_event)`` (a subgraph invocation) as the thread's run, recording it."""
    context = runtime.context
    run_id = state["run_id"]
    launch = Launch.model_validate(state.get("launch") or {"tool_call_id": "", "kind": "campaign"})
    ledger = context.ledger

    def record_event(node: str, event: str, detail: dict) -> None:
        ledger.event(run_id, node, event, detail)
        emit({"type": "node", "node": node, "event": event, **detail})

    ledger.open(run_id, state["brief"], context.out_dir, launch.kind)
    try:
        final = run(run_id, record_event)
    except Exception as exc:
        if not isinstance(exc, GraphBubbleUp):  # an approval gate's pause is not a failure
            ledger.close(run_id, {}, error=f"{type(exc).__name__}: {exc}")
        raise
    ledger.close(run_id, final)
    new_length = next((work["new_length_s"] for work in (final.get("variants") or {}).values()
                       if work.get("new_length_s") is not None), None)
    if new_length is not None:  # planned anew at the length asked for at a gate: queued first
        message = {"role": "assistant", "content": (
            f"Another length means new scenes: I stopped this one and make it again at {new_length:g} seconds, "
            "with everything else as it was."), "run_id": run_id}
        again = {"brief": {**state["brief"], "duration_s": new_length},
                 "draft": {**state.get("draft", {}), "duration_s": new_length}, "note": "Making it again."}
        update: dict[str, Any] = {"status": "stopped", "queue": [again, *state.get("queue", [])]}
        result = {"status": f"stopped: made again at {new_length:g} seconds", "run_id": run_id}
    elif not final.get("manifest_path"):
        message = {"role": "assistant", "content": (
            "Stopped as you asked; nothing was rendered. Tell me what to change and I will start again."
        ), "run_id": run_id}
        update = {"status": "stopped"}
        result = {"status": "stopped by the marketer", "run_id": run_id}
    else:
        message, result, outputs = _finished(final, context.out_dir, run_id)
        update = {"status": result["status"], "outputs": outputs}
    # The planner's make_ad / cut_footage call gets the run as its result.
    answered = [tool_result(launch.tool_call_id, result)] if launch.tool_call_id else []
    return {**update, "messages": [message], "transcript": answered}


def build_chat_graph() -> StateGraph:
    """The uncompiled chat graph (compile it with a checkpointer: the approval gates need one)."""
    campaign = build_campaign_graph().compile()
    footage = build_footage_graph().compile()

    def run_campaign(state: ChatState, runtime: Runtime[ChatContext]) -> dict:
        """Run (or, after an approval, resume) the campaign subgraph for the thread's brief."""
        def run(run_id: str, record_event: Any) -> dict:
            run_context = dataclasses.replace(runtime.context, record_event=record_event)
            return campaign.invoke({"run_id": run_id, "brief": state["brief"]}, context=run_context)

        return _carry_out(state, runtime, run)

    def run_footage(state: ChatState, runtime: Runtime[ChatContext]) -> dict:
        """Cut the ad from the attached videos with the footage subgraph."""
        launch = Launch.model_validate(state["launch"])

        def run(run_id: str, record_event: Any) -> dict:
            context = runtime.context
            run_context = FootageContext(tools=context.tools, out_dir=context.out_dir, record_event=record_event,
                                         render_size=context.footage_render_size)
            return footage.invoke({"run_id": run_id, "brief": state["brief"], "videos": launch.videos,
                                   "k": launch.clips}, context=run_context)

        return _carry_out(state, runtime, run)

    graph = StateGraph(ChatState, context_schema=ChatContext)
    graph.add_node("read_link", read_link)
    graph.add_node("understand", understand)
    graph.add_node("supervise", supervise)
    graph.add_node("ask", ask)
    graph.add_node("campaign", run_campaign)
    graph.add_node("footage", run_footage)
    graph.add_node("next_in_queue", next_in_queue)
    graph.add_edge(START, "read_link")
    graph.add_conditional_edges("read_link", route_turn, ["supervise", "understand"])
    graph.add_edge("ask", END)
    graph.add_conditional_edges("campaign", after_run, ["next_in_queue", END])
    graph.add_edge("footage", END)
    return graph


def make_chat_graph():
    """The compiled chat graph for the LangGraph dev server and Studio (they add the checkpointer)."""
    return build_chat_graph().compile()


def make_campaign_graph():
    """The compiled campaign graph for the LangGraph dev server and Studio."""
    return build_campaign_graph().compile()


def make_footage_graph():
    """The compiled footage graph for the LangGraph dev server and Studio."""
    return build_footage_graph().compile()
