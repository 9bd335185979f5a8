"""The campaign graph: planner → per variant [copywriter → art director → video → voiceover
→ subtitles → editor] → critic → manifest.

Per-variant work fans out with ``Send``; each link of the variant chain hands the variant,
with everything it has made so far, on to the next link with another ``Send``, and the
editor ends the chain at the critic. The critic checks copy and media; a failed check
sends the variant back once to the earliest node responsible (with feedback for every
responsible node), and the chain runs again from there. Unchanged work comes back from
the asset cache, so a pass re-does only what the feedback changed. The critic waits for
every variant sent back in its round before it reviews again or writes the manifest.

Approval gates (``RunContext.approval_gates``, empty for unattended ``adloom run``) pause a
variant with ``interrupt()`` before a named chain node (``"video"``: before video
generation, ``"editor"``: before the final render). The marketer approves (the node runs),
rejects (the variant stops and the run ends without a manifest) or asks for changes in plain
words; a change goes back to the earliest affected node exactly like the critic's send-back,
so everything unaffected comes back from the asset cache.

Everything a node needs that is not data (settings, models, the asset store, the event
log) comes from the run-scoped :class:`RunContext`, not from the checkpointed state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from langgraph.graph import END, START, StateGraph
from langgraph.errors import GraphBubbleUp
from langgraph.runtime import Runtime
from langgraph.types import Command, RetryPolicy, Send, interrupt

from adloom.agents.animator import animate_scenes
from adloom.agents.art_director import direct_art, plain_scenes_from, tones_from
from adloom.agents.assembly import assemble_ad
from adloom.agents.brief import Brief
from adloom.agents.captioner import write_captions
from adloom.agents.config import CopywriterSettings
from adloom.agents.copywriter import own_headline_problems, own_scene_text_problems, write_variant_copy
from adloom.agents.critic import Check, review_copy
from adloom.agents.feedback import VARIANT_CHAIN, Feedback, acts_on, earliest, feedback_from
from adloom.agents.manifest import PlayedMusic, write_manifest
from adloom.agents.media_review import review_media
from adloom.agents.planner import CampaignPlan, plan_campaign
from adloom.agents.platforms import video_aspects
from adloom.agents.music_library import LibraryTrack
from adloom.agents.revisions import GateDecision, gate_preview, plan_revision
from adloom.agents.voice_director import script_fit_error, shorter_line_feedback, speak
from adloom.graphs.state import CampaignState, VariantWork
from adloom.graphs.tracking import STAGES, GraphContext, stage_words, tracked
from adloom.tools.llm.prompts import load_prompt
from adloom.tools.media_checks import measure_loudness
from adloom.tools.tts import SOCIAL_TARGET_LUFS, ScriptTooLongError

_T = TypeVar("_T")

MAX_REVISIONS_PER_NODE = 1
APPROVAL_GATES: tuple[str, ...] = ("video", "editor")
"""Chain nodes a run may pause before for the marketer's approval (video generation, final render)."""


def campaign_stages(variants: int) -> list[str]:
    """The nodes a campaign of ``variants`` variants runs when nothing is sent back, in order."""
    return ["planner", *VARIANT_CHAIN * variants, "critic", "manifest"]


@dataclass(kw_only=True)
class RunContext(GraphContext):
    """Run-scoped dependencies of the campaign graph (never checkpointed)."""

    copywriter: CopywriterSettings
    approval_gates: frozenset[str] = frozenset()
    music_library: tuple[LibraryTrack, ...] = ()  # the marketer's tracks, for "other music" at a gate

    def __post_init__(self) -> None:
        unknown = set(self.approval_gates) - set(APPROVAL_GATES)
        if unknown:
            raise ValueError(f"RunContext.approval_gates: unknown gate(s) {sorted(unknown)}; choose from {APPROVAL_GATES}")


def plan_node(state: CampaignState, context: RunContext) -> dict:
    brief = Brief.model_validate(state["brief"])
    plan = plan_campaign(brief, context.llm)
    return {"plan": plan.model_dump(mode="json")}


def fan_out_variants(state: CampaignState) -> list[Send]:
    brief = Brief.model_validate(state["brief"])
    return [Send("copywriter", _sent(VariantWork(variant=variant, brief=brief)))
            for variant in CampaignPlan.model_validate(state["plan"]).variants]


def _sent(work: VariantWork) -> dict:
    """A variant's record as a ``Send`` carries it (JSON, like everything checkpointed)."""
    return work.model_dump(mode="json")


def _chain_link(name: str, make: Callable[[VariantWork, dict[str, list[str]], RunContext], dict]):
    """A per-variant node: ``make`` returns what this node made (fields of :class:`VariantWork`),
    given the feedback for this node; the variant goes on to the next node, and after the editor
    its record is the variant's entry in the state."""
    position = VARIANT_CHAIN.index(name)
    following = VARIANT_CHAIN[position + 1] if position + 1 < len(VARIANT_CHAIN) else None

    def node(task: dict, context: RunContext) -> dict | Command:
        work = VariantWork.model_validate(task)
        made = work.model_copy(update=make(work, work.feedback.get(name, {}), context))
        if following is None:
            return {"variants": {made.id: _sent(made)}}
        return Command(goto=Send(following, _sent(made)))

    node.__name__ = name
    return node


def _gated(name: str, node: Callable[[dict, Runtime[RunContext]], dict | Command]):
    """Put the approval gate (when configured) in front of a chain node's tracked body."""
    position = VARIANT_CHAIN.index(name)

    def gated(task: dict, runtime: Runtime[RunContext]) -> dict | Command:
        if name in runtime.context.approval_gates:
            work = VariantWork.model_validate(task)
            answer = _ask_at_gate(name, work, runtime.context)
            if isinstance(answer, Stop):
                stopped = work.model_copy(update={"stopped_at": name, "new_length_s": answer.new_length_s})
                return {"variants": {work.id: _sent(stopped)}}
            if answer is not work:
                task = _sent(answer)
                first = earliest(answer.feedback)
                if VARIANT_CHAIN.index(first) < position:
                    return Command(goto=Send(first, task))
        return node(task, runtime)

    gated.__name__ = name
    return gated


@dataclass(frozen=True)
class Stop:
    """The marketer stopped the variant at a gate: rejected it, or asked for another length
    (``new_length_s``: the scenes must be planned again, so this run stops and the
    conversation starts it anew at that length)."""

    new_length_s: float | None = None


def _ask_at_gate(gate: str, work: VariantWork, context: RunContext) -> VariantWork | Stop:
    """Pause for the marketer before ``gate`` runs.

    Returns:
        ``work`` itself when approved; after an edit, the record with the requested feedback,
        copy and brief changes (the caller re-routes to the earliest affected node);
        :class:`Stop` when rejected or when another length is asked for.
    """
    message = load_prompt(f"chat_gate_{gate}", variant_id=work.id).strip()
    label = f"{gate}:{work.id}"
    words = stage_words(gate, work.id)
    while True:
        try:
            answer = interrupt(gate_preview(gate, work.id, work.ad_copy, work.art, work.video, work.voice,
                                            message=message))
        except GraphBubbleUp:
            context.record_event(gate, "waiting", {"label": label, "words": words})
            raise
        decision = GateDecision.model_validate(answer)
        if decision.action == "approve":
            context.record_event(gate, "approved", {"label": label, "words": words})
            return work
        if decision.action == "reject":
            context.record_event(gate, "rejected", {"label": label, "words": words})
            return Stop()
        scenes = work.variant.scenes
        revision = plan_revision(
            decision.request, context.llm, platforms=list(work.brief.platforms), scene_count=len(scenes),
            music=context.music_library, current_music=work.brief.media.music,
        )
        if revision.duration_s is not None:
            context.record_event(gate, "rejected", {"label": label, "words": words, "request": decision.request})
            return Stop(new_length_s=revision.duration_s)
        problems = [problem for platform, text in revision.headlines.items()
                    for problem in own_headline_problems(text, platform)]
        problems += [problem for index, text in revision.scene_texts.items()
                     for problem in own_scene_text_problems(text, index)]
        problems += [f"picture {index + 1} is the end card: it shows the product's name and the call to action"
                     for index in revision.scene_texts if scenes[index].purpose == "cta"]
        if problems:  # a headline the marketer wrote is used as written, or not at all
            message = load_prompt("chat_unmet_revision", unmet="; ".join(problems) + ".").strip()
            continue
        if revision.understood:
            context.record_event(gate, "revising", {"label": label, "words": words, "request": decision.request})
            copy = work.ad_copy
            if copy is not None and (revision.headlines or revision.scene_texts):
                copy = copy.with_own_headlines(revision.headlines).with_own_scene_texts(revision.scene_texts)
            brief = Brief.model_validate(revision.patched_brief(work.brief.model_dump(mode="json")))
            return work.model_copy(update={"brief": brief, "feedback": revision.feedback, "ad_copy": copy})
        # Not understood, or not possible: say so and ask again at the same gate (a further interrupt).
        if revision.unmet:
            message = load_prompt("chat_unmet_revision", unmet=" ".join(revision.unmet)).strip()
        else:
            message = load_prompt("chat_unclear_revision", request=decision.request).strip()


def write_copy(work: VariantWork, feedback: dict[str, list[str]], context: RunContext) -> dict:
    copy = write_variant_copy(
        work.brief, work.variant, context.llm, context.tools.models, context.copywriter, feedback, work.ad_copy,
        progress=context.tools.progress, words_per_second=context.tools.settings.tts.words_per_second,
    )
    return {"ad_copy": copy}


def make_key_images(work: VariantWork, feedback: dict[str, list[str]], context: RunContext) -> dict:
    art = direct_art(work.brief, work.variant, _made(work.ad_copy), context.tools, plain_scenes_from(feedback, work.art),
                     tones_from(feedback, work.art))
    return {"art": art}


def animate(work: VariantWork, feedback: dict[str, list[str]], context: RunContext) -> dict:
    """Move the scenes; a request for other motion is a new take (other camera moves or seeds)."""
    take = work.motion_take + ("motion" in feedback)
    return {"video": animate_scenes(work.brief, work.variant, _made(work.art), context.tools, take=take),
            "motion_take": take}


def voice(work: VariantWork, feedback: dict[str, list[str]], context: RunContext) -> dict:
    """Speak the script; a line too long for its scene is rewritten once by the copywriter."""
    copy = _made(work.ad_copy)
    try:
        return {"voice": speak(work.brief, work.variant, copy, context.tools)}
    except ScriptTooLongError as too_long:
        context.record_event("voiceover", "revising", {"label": f"voiceover:{work.id}",
                                                       "words": stage_words("voiceover", work.id),
                                                       "error": str(too_long)})
        copy = write_variant_copy(
            work.brief, work.variant, context.llm, context.tools.models, context.copywriter,
            shorter_line_feedback(too_long), copy, words_per_second=context.tools.settings.tts.words_per_second,
        )
    try:
        spoken = speak(work.brief, work.variant, copy, context.tools)
    except ScriptTooLongError as still_too_long:
        raise script_fit_error(still_too_long, copy) from still_too_long
    return {"voice": spoken, "ad_copy": copy}


def caption(work: VariantWork, feedback: dict[str, list[str]], context: RunContext) -> dict:
    earlier = work.captions
    plain = "legibility" in feedback or (earlier is not None and earlier.plain)
    shorter = "size" in feedback or (earlier is not None and earlier.shorter_lines)
    captions = write_captions(
        work.brief, work.variant, _made(work.ad_copy), _made(work.voice),
        video_aspects(work.brief.aspect, work.brief.platforms), context.tools, plain=plain, shorter_lines=shorter,
        video=_made(work.video),
    )
    return {"captions": captions}


def edit(work: VariantWork, feedback: dict[str, list[str]], context: RunContext) -> dict:
    """Assemble the ad; after a loudness complaint, aim off the target by the error measured."""
    target = work.loudness_target
    if "loudness" in feedback and work.renders is not None:
        target += SOCIAL_TARGET_LUFS - measure_loudness(work.renders.videos[0].video.path).integrated_lufs
    renders = assemble_ad(
        work.brief, work.variant, _made(work.art), _made(work.video), _made(work.voice), _made(work.captions),
        video_aspects(work.brief.aspect, work.brief.platforms), context.tools, loudness_lufs=round(target, 2),
    )
    music = work.brief.media.music
    return {"renders": renders, "loudness_target": round(target, 2),
            "music": PlayedMusic(path=music, credit=work.brief.media.music_credit) if music else None}


def _made(output: _T | None) -> _T:
    """An output an earlier link of the chain has made (the chain's order guarantees it)."""
    if output is None:
        raise RuntimeError("a chain node ran before the node that makes its input")
    return output


def _review_variant(work: VariantWork, plan: CampaignPlan, context: RunContext) -> list[Check]:
    checks = review_copy(work.brief, plan, _made(work.ad_copy), context.tools.models)
    return checks + review_media(
        work.variant, _made(work.art), _made(work.voice), _made(work.captions), _made(work.renders), context.tools,
        language=work.brief.language.split("-")[0],
    )


def revision_feedback(checks: list[Check], revisions: dict[str, int]) -> Feedback:
    """Failed checks of one variant as feedback per responsible node, for nodes not yet sent back.

    A failed check no chain node acts on (the planner's, a render's streams, caption timing) is
    reported, not sent back: running the chain again would change nothing.
    """
    return feedback_from([
        (check.responsible, check.target, check.detail) for check in checks
        if not check.passed and acts_on(check.responsible, check.target)
        and revisions.get(f"{check.variant_id}:{check.responsible}", 0) < MAX_REVISIONS_PER_NODE
    ])


def critic_node(state: CampaignState, context: RunContext) -> Command:
    """Review every variant once all are back; send failures to the earliest responsible node once."""
    plan = CampaignPlan.model_validate(state["plan"])
    review_round = state.get("review_round", 0)
    finished = {variant_id: VariantWork.model_validate(work) for variant_id, work in state.get("variants", {}).items()}
    if any(work.stopped_at for work in finished.values()):
        return Command(goto=END)  # the marketer rejected a variant at an approval gate: no manifest
    if any(v.id not in finished or finished[v.id].round < review_round for v in plan.variants):
        return Command(goto=[])  # another variant's pass is still under way; its editor calls again
    revisions = state.get("revisions", {})
    checks: list[Check] = []
    sends: list[Send] = []
    sent_back: dict[str, int] = {}
    for variant in plan.variants:
        work = finished[variant.id]
        variant_checks = _review_variant(work, plan, context)
        checks += variant_checks
        feedback = revision_feedback(variant_checks, revisions)
        if not feedback:
            continue
        for node_name in feedback:
            key = f"{variant.id}:{node_name}"
            sent_back[key] = revisions.get(key, 0) + 1
        first = earliest(feedback)
        reasons = "; ".join(f"{c.name} ({c.detail})" for c in variant_checks
                            if not c.passed and c.target in feedback.get(c.responsible, {}))
        context.record_event("critic", "revising", {
            "label": f"critic:{variant.id}", "words": stage_words("critic", variant.id),
            "reason": f"{reasons}: making {STAGES[first].makes} again, and what follows from it"})
        sends.append(Send(first, _sent(work.model_copy(update={"feedback": feedback, "round": review_round + 1}))))
    update: dict[str, Any] = {"checks": [c.model_dump() for c in checks], "revisions": sent_back}
    if sends:
        update["review_round"] = review_round + 1
    return Command(goto=sends or "manifest", update=update)


def manifest_node(state: CampaignState, context: RunContext) -> dict:
    finished = [VariantWork.model_validate(state["variants"][variant["id"]]) for variant in state["plan"]["variants"]]
    checks = [Check.model_validate(check) for check in state.get("checks", [])]
    manifest = write_manifest(
        state["run_id"], state["brief"], state["plan"], finished, checks, state.get("timings", {}),
        context.tools.assets, context.out_dir, context.tools.settings.model_dump(mode="json"),
    )
    return {"manifest": manifest.as_json(), "manifest_path": str(Path(context.out_dir) / state["run_id"] / "manifest.json")}


_CHAIN_BODIES: dict[str, Callable[[VariantWork, dict[str, list[str]], RunContext], dict]] = {
    "copywriter": write_copy,
    "art_director": make_key_images,
    "video": animate,
    "voiceover": voice,
    "subtitles": caption,
    "editor": edit,
}


def build_campaign_graph() -> StateGraph:
    """The uncompiled campaign graph (compile it with a checkpointer to run it)."""
    llm_retry = RetryPolicy(max_attempts=2)
    graph = StateGraph(CampaignState, context_schema=RunContext)
    graph.add_node("planner", tracked("planner", plan_node), retry_policy=llm_retry)
    for position, name in enumerate(VARIANT_CHAIN):
        # On to the next link; a gate may also send the variant back to any earlier one.
        earlier = VARIANT_CHAIN[:position] if name in APPROVAL_GATES else ()
        destinations = (*VARIANT_CHAIN[position + 1:position + 2], *earlier)
        graph.add_node(
            name, _gated(name, tracked(name, _chain_link(name, _CHAIN_BODIES[name]))), destinations=destinations,
            retry_policy=llm_retry if name == "copywriter" else None,
        )
    graph.add_node("critic", tracked("critic", critic_node), destinations=(*VARIANT_CHAIN, "manifest", END))
    graph.add_node("manifest", tracked("manifest", manifest_node))
    graph.add_edge(START, "planner")
    graph.add_conditional_edges("planner", fan_out_variants, ["copywriter"])
    graph.add_edge(VARIANT_CHAIN[-1], "critic")
    graph.add_edge("manifest", END)
    return graph
