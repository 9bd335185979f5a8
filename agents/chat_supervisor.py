"""The chat planner for an LLM that calls tools: adloom's agents are its tools.

This is the supervisor-via-tools path of the chat (the embedded model takes the
schema-constrained path of :mod:`adloom.agents.chat_planner` instead). The model sees
:func:`planner_functions`: the conversation's own actions, then every registered tool
agent marked ``planner=True`` (a plugin's too, from its entry point alone). Of the
actions, two answer at once: :func:`update_brief` records what the marketer said and
:func:`write_copy` previews the copywriter's work. ``make_ad`` and ``cut_footage`` start a
run (checked by :func:`check_launch`), which the chat graph carries out as a subgraph with
its approval gates; the run's outcome is that call's result. A tool agent's call is run
through the registry (:func:`call_tool_agent`). Every call is answered in the transcript
with a JSON result, errors included, so the model can correct itself: a wrong argument
never fails the turn.

Files the marketer attaches to a message (:func:`attachment`) are how footage reaches
either planner.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adloom.agents.brief import PLATFORMS, BriefError, Platform
from adloom.agents.chat_planner import REQUIRED_FIELDS, BriefDraft, BriefFacts, merge_turn
from adloom.agents.config import CopywriterSettings
from adloom.agents.copywriter import write_platform_copy
from adloom.agents.llm_access import AgentLLM
from adloom.agents.planner import plan_variant
from adloom.tools.context import ResidentModels, ToolContext
from adloom.tools.llm import FunctionSpec
from adloom.tools.llm.prompts import load_prompt
from adloom.tools.registry import ToolInputError, ToolRegistrationError, ToolSpec, load_tools

MAX_TOOL_ROUNDS = 6
"""Model calls in one marketer turn before the planner stops and says so."""
LAUNCH_TOOLS = ("make_ad", "cut_footage")
MEDIA_KINDS = {
    **dict.fromkeys((".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi"), "video"),
    **dict.fromkeys((".png", ".jpg", ".jpeg", ".webp"), "image"),
    **dict.fromkeys((".wav", ".mp3", ".m4a", ".flac", ".ogg"), "audio"),
}


class UpdateBriefArgs(BriefFacts):
    """Brief facts the marketer stated (leave out what was not said)."""

    model_config = ConfigDict(extra="forbid", title="update_brief")


class WriteCopyArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", title="write_copy")

    platform: Platform | None = Field(default=None, description="Default: the brief's first platform.")


class MakeAdArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", title="make_ad")


class CutFootageArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", title="cut_footage")

    videos: list[str] = Field(min_length=1, description="Paths of the attached videos to cut from.")
    clips: int | None = Field(default=None, ge=1, le=30, description="How many clips to use; default: the planner's choice.")


_ARGUMENTS: dict[str, type[BaseModel]] = {
    "update_brief": UpdateBriefArgs, "write_copy": WriteCopyArgs, "make_ad": MakeAdArgs, "cut_footage": CutFootageArgs,
}
_DESCRIPTIONS = {
    "update_brief": "Record brief facts the marketer stated. Returns the brief so far and what is still missing.",
    "write_copy": "Draft a headline, text, hashtags and call to action for one platform (needs a complete brief).",
    "make_ad": "Make the finished video ad from the brief, with approval pauses before the video and the render.",
    "cut_footage": "Cut the ad from the marketer's attached videos: select and order clips, voice them, subtitle, render.",
}


def _parameters(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema.pop("title", None)
    return schema


CONVERSATION_ACTIONS: list[FunctionSpec] = [
    FunctionSpec(name=name, description=_DESCRIPTIONS[name], parameters=_parameters(model))
    for name, model in _ARGUMENTS.items()
]
"""What the planner does with the conversation itself: record the brief, preview copy, start a run."""


def function_name(tool_name: str) -> str:
    """A tool agent's name as a function the model may call (providers allow no dots)."""
    return tool_name.replace(".", "__")


def planner_tool_agents() -> dict[str, ToolSpec]:
    """The registered tool agents offered to the planner, by their function names.

    Raises:
        ToolRegistrationError: one would take the name of a conversation action.
    """
    offered = {function_name(spec.name): spec for spec in load_tools().values() if spec.planner}
    taken = sorted(set(offered) & set(_ARGUMENTS))
    if taken:
        raise ToolRegistrationError(
            f"tool agent {offered[taken[0]].name!r} ({offered[taken[0]].module}) is offered to the planner under "
            f"the name of the conversation's own action {taken[0]!r}; rename the tool"
        )
    return offered


def planner_functions() -> list[FunctionSpec]:
    """Everything the tool-calling planner is offered: the conversation actions, then the tool agents."""
    return CONVERSATION_ACTIONS + [
        FunctionSpec(name=name, description=spec.description, parameters=_parameters(spec.input_model))
        for name, spec in planner_tool_agents().items()
    ]


def call_tool_agent(spec: ToolSpec, arguments: dict, tools: ToolContext) -> dict:
    """Run a tool agent the planner called; its output, or an error the model can act on."""
    try:
        return spec.run(arguments, tools).model_dump(mode="json")
    except ToolInputError as exc:
        return {"error": "invalid arguments", "problems": [str(exc)]}
    except Exception as exc:  # a tool's failure is answered to the model, which tells the marketer
        return {"error": f"{spec.name} failed: {type(exc).__name__}: {exc}"}


class Launch(BaseModel):
    """A run the model asked for, checked and ready for the chat graph to start."""

    tool_call_id: str
    kind: str  # "campaign" | "footage"
    videos: list[str] = Field(default_factory=list)
    clips: int | None = None


def system_message(draft: BriefDraft, videos: list[str]) -> dict[str, str]:
    missing = [REQUIRED_FIELDS[name] for name in draft.missing()]
    return {"role": "system", "content": load_prompt(
        "chat_supervisor", platforms=", ".join(PLATFORMS),
        known=draft.model_dump_json(exclude_none=True, exclude={"page"}), missing=", ".join(missing) or "nothing",
        videos=", ".join(videos) or "none",
    )}


def attachment(path: str | Path) -> dict[str, str]:
    """A file attached to a marketer's message, as kept in ``message["media"]``.

    Raises:
        ValueError: the file does not exist, or is not a video, picture or sound.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"attachment {str(path)!r}: no such file")
    kind = MEDIA_KINDS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"attachment {path.name!r}: not a video, picture or sound ({', '.join(sorted(MEDIA_KINDS))})")
    return {"kind": kind, "path": str(path.resolve()), "label": path.name}


def attached_videos(messages: list[dict]) -> list[str]:
    """Paths of the videos the marketer attached since the conversation's latest run."""
    since_run: list[str] = []
    for message in messages:
        if message.get("run_id"):
            since_run = []
        if message["role"] == "user":
            since_run += [m["path"] for m in message.get("media", []) if m.get("kind") == "video"]
    return since_run


def user_text(message: dict) -> str:
    """A marketer's message as the model reads it: the words plus the files attached."""
    files = [f"{m['kind']}: {m['path']}" for m in message.get("media", [])]
    return message["content"] + ("\n[attached " + "; ".join(files) + "]" if files else "")


def answer_unanswered(transcript: list[dict]) -> list[dict]:
    """``transcript`` with a result for every tool call that has none (a run that failed or was
    stopped before it could answer), as every provider requires."""
    answered = {m["tool_call_id"] for m in transcript if m["role"] == "tool"}
    complete: list[dict] = []
    for message in transcript:
        complete.append(message)
        complete += [tool_result(call["id"], {"error": "no result: the run did not finish"})
                     for call in message.get("tool_calls", []) if call["id"] not in answered]
    return complete


def tool_result(call_id: str, result: dict) -> dict:
    return {"role": "tool", "tool_call_id": call_id, "content": json.dumps(result, ensure_ascii=False)}


def read_arguments(name: str, arguments: dict, problem: str) -> tuple[BaseModel | None, dict | None]:
    """A conversation action's validated arguments, or an error result naming what is wrong."""
    if name not in _ARGUMENTS:
        offered = [*_ARGUMENTS, *planner_tool_agents()]
        return None, {"error": f"no tool {name!r}; the tools are {', '.join(offered)}"}
    if problem:
        return None, {"error": problem}
    try:
        return _ARGUMENTS[name].model_validate(arguments), None
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc'])) or name}: {e['msg']}" for e in exc.errors()]
        return None, {"error": "invalid arguments", "problems": problems}


def update_brief(draft: BriefDraft, args: UpdateBriefArgs, messages: list[dict]) -> tuple[BriefDraft, dict]:
    """Merge what the model read into the draft, keeping only what the marketer said."""
    updated, refused = merge_turn(draft, args, messages)
    result: dict[str, Any] = {"brief": updated.model_dump(exclude_none=True), "missing": updated.missing()}
    if refused:
        result["not_recorded"] = refused
    return updated, result


def write_copy(
    draft: BriefDraft, args: WriteCopyArgs, llm: AgentLLM, models: ResidentModels, settings: CopywriterSettings,
    default_duration_s: float,
) -> dict:
    """A copy preview for one platform: the planner's first variant, then the copywriter."""
    if draft.missing():
        return {"error": "the brief is incomplete", "missing": draft.missing()}
    try:
        brief = draft.to_brief(default_duration_s)
    except BriefError as exc:
        return {"error": "the brief is not valid", "problems": exc.problems}
    platform = args.platform or brief.platforms[0]
    variant = plan_variant(brief, llm, 1)
    copy = write_platform_copy(brief, variant, platform, llm, models, settings)
    return {"platform": platform, **copy.model_dump(mode="json")}


def check_launch(
    name: str, args: BaseModel, call_id: str, draft: BriefDraft, videos: list[str], default_duration_s: float,
) -> tuple[Launch | None, dict | None]:
    """A run the chat graph may start, or the error result that tells the model why not."""
    if draft.missing():
        return None, {"error": "the brief is incomplete; ask the marketer", "missing": draft.missing()}
    try:
        draft.to_brief(default_duration_s)
    except BriefError as exc:
        return None, {"error": "the brief is not valid", "problems": exc.problems}
    if name == "make_ad":
        return Launch(tool_call_id=call_id, kind="campaign"), None
    assert isinstance(args, CutFootageArgs)
    unknown = [path for path in args.videos if path not in videos]
    if unknown:
        return None, {"error": "only videos the marketer attached can be cut", "not_attached": unknown,
                      "attached": videos}
    wrong_type = [path for path in args.videos if MEDIA_KINDS.get(Path(path).suffix.lower()) != "video"]
    if wrong_type:
        return None, {"error": "not video files", "files": wrong_type}
    return Launch(tool_call_id=call_id, kind="footage", videos=list(dict.fromkeys(args.videos)), clips=args.clips), None
