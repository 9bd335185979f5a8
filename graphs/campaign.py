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
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.errors import GraphBubbleUp
from langgraph.runtime import Runtime
from langgraph.types import Command, RetryPolicy, Send, interrupt

from adloom.agents.animator import SceneVideo, animate_scenes
from adloom.agents.art_director import ArtDirection, direct_art, plain_scenes_from, tones_from
from adloom.agents.assembly import assemble_ad
from adloom.agents.brief import Brief
from adloom.agents.captioner import Captions, write_captions
from adloom.agents.config import CopywriterSettings
from adloom.agents.copywriter import VariantCopy, own_headline_problems, own_scene_text_problems, write_variant_copy
from adloom.agents.critic import Check, review_copy
from adloom.agents.feedback import FEEDBACK, VARIANT_CHAIN, Feedback, acts_on, earliest, feedback_from
from adloom.agents.manifest import write_manifest
from adloom.agents.media_review import review_media
from adloom.agents.planner import CampaignPlan, Variant, plan_campaign
from adloom.agents.platforms import video_aspects
from adloom.agents.music_library import LibraryTrack
from adloom.agents.revisions import GateDecision, gate_preview, plan_revision
from adloom.agents.voice_director import script_fit_error, shorter_line_feedback, speak
from adloom.graphs.state import CampaignState, VariantTask
from adloom.graphs.tracking import STAGES, GraphContext, stage_words, tracked
from adloom.tools.editor.tool import AssembleResult
from adloom.tools.llm.prompts import load_prompt
from adloom.tools.media_checks import measure_loudness
from adloom.tools.tts import SOCIAL_TARGET_LUFS, ScriptTooLongError
from adloom.tools.tts.tool import VoiceoverResult

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
    return [
        Send("copywriter", VariantTask(
            variant_id=v["id"], brief=state["brief"], plan=state["plan"], feedback={}, previous={}, round=0,
        ))
        for v in state["plan"]["variants"]
    ]


@dataclass(frozen=True)
class _Variant:
    """A per-variant node's view of its task, parsed."""

    brief: Brief
    variant: Variant
    previous: dict
    feedback: dict[str, list[str]]

    @classmethod
    def of(cls, task: VariantTask, node: str) -> _Variant:
        plan = CampaignPlan.model_validate(task["plan"])
        variant = next(v for v in plan.variants if v.id == task["variant_id"])
        feedback = FEEDBACK.validate_python(task["feedback"])
        return cls(Brief.model_validate(task["brief"]), variant, task["previous"], feedback.get(node, {}))

    @property
    def copy(self) -> VariantCopy:
        return VariantCopy.model_validate(self.previous["copy"])


def _chain_link(name: str, make: Callable[[_Variant, RunContext], dict]):
    """A per-variant node: ``make`` returns this node's outputs by kind; the variant goes on to the next node."""
    position = VARIANT_CHAIN.index(name)
    following = VARIANT_CHAIN[position + 1] if position + 1 < len(VARIANT_CHAIN) else None

    def node(task: VariantTask, context: RunContext) -> dict | Command:
        variant_id = task["variant_id"]
        outputs = make(_Variant.of(task, name), context)
        # The variant's brief goes along: a voice or music chosen at a gate is kept through a send-back.
        update: dict[str, Any] = {"media": {variant_id: {
            **{k: v for k, v in outputs.items() if k != "copy"}, "brief": task["brief"]}}}
        if "copy" in outputs:
            update["copy"] = {variant_id: outputs["copy"]}
        if following is None:
            update["media"][variant_id]["round"] = task["round"]
            return update
        handed_on = VariantTask(**{**task, "previous": {**task["previous"], **outputs}})  # type: ignore[typeddict-item]
        return Command(goto=Send(following, handed_on), update=update)

    node.__name__ = name
    return node


def _gated(name: str, node: Callable[[VariantTask, Runtime[RunContext]], dict | Command]):
    """Put the approval gate (when configured) in front of a chain node's tracked body."""
    position = VARIANT_CHAIN.index(name)

    def gated(task: VariantTask, runtime: Runtime[RunContext]) -> dict | Command:
        if name in runtime.context.approval_gates:
            revised = _ask_at_gate(name, task, runtime.context)
            if revised is None:
                return {"media": {task["variant_id"]: {"stopped_at": name}}}
            if isinstance(revised, NewLength):  # planned anew: this run stops, the conversation makes it again
                return {"media": {task["variant_id"]: {"stopped_at": name, "new_length_s": revised.duration_s}}}
            if revised is not task:
                # Copy the marketer set at the gate (their own headline) is the run's copy from now on.
                update = {"copy": {task["variant_id"]: revised["previous"]["copy"]}} \
                    if revised["previous"].get("copy") != task["previous"].get("copy") else {}
                task = revised
                first = earliest(task["feedback"])
                if VARIANT_CHAIN.index(first) < position:
                    return Command(goto=Send(first, task), update=update)
        return node(task, runtime)

    gated.__name__ = name
    return gated


@dataclass(frozen=True)
class NewLength:
    """Another length asked for at a gate: the scenes must be planned again, so the run stops
    (``media[variant]["new_length_s"]``) and the conversation starts it anew at that length."""

    duration_s: float


def _ask_at_gate(gate: str, task: VariantTask, context: RunContext) -> VariantTask | NewLength | None:
    """Pause for the marketer before ``gate`` runs.

    Returns:
        None when rejected; ``task`` itself when approved; after an edit a new task with the
        requested feedback and any brief change (the caller re-routes to the earliest
        affected node); :class:`NewLength` for another length.
    """
    message = load_prompt(f"chat_gate_{gate}", variant_id=task["variant_id"]).strip()
    label = f"{gate}:{task['variant_id']}"
    words = stage_words(gate, task["variant_id"])
    while True:
        try:
            answer = interrupt(gate_preview(gate, task, message=message))
        except GraphBubbleUp:
            context.record_event(gate, "waiting", {"label": label, "words": words})
            raise
        decision = GateDecision.model_validate(answer)
        if decision.action == "approve":
            context.record_event(gate, "approved", {"label": label, "words": words})
            return task
        if decision.action == "reject":
            context.record_event(gate, "rejected", {"label": label, "words": words})
            return None
        plan = CampaignPlan.model_validate(task["plan"])
        variant = next(v for v in plan.variants if v.id == task["variant_id"])
        revision = plan_revision(
            decision.request, context.llm, platforms=task["brief"]["platforms"], scene_count=len(variant.scenes),
            music=context.music_library, current_music=(task["brief"].get("media") or {}).get("music"),
        )
        if revision.duration_s is not None:
            context.record_event(gate, "rejected", {"label": label, "words": words, "request": decision.request})
            return NewLength(revision.duration_s)
        problems = [problem for platform, text in revision.headlines.items()
                    for problem in own_headline_problems(text, platform)]
        problems += [problem for index, text in revision.scene_texts.items()
                     for problem in own_scene_text_problems(text, index)]
        problems += [f"picture {index + 1} is the end card: it shows the product's name and the call to action"
                     for index in revision.scene_texts if variant.scenes[index].purpose == "cta"]
        if problems:  # a headline the marketer wrote is used as written, or not at all
            message = load_prompt("chat_unmet_revision", unmet="; ".join(problems) + ".").strip()
            continue
        if revision.understood:
            context.record_event(gate, "revising", {"label": label, "words": words, "request": decision.request})
            previous = task["previous"]
            if revision.headlines or revision.scene_texts:
                copy = VariantCopy.model_validate(previous["copy"]).with_own_headlines(revision.headlines)
                copy = copy.with_own_scene_texts(revision.scene_texts)
                previous = {**previous, "copy": copy.model_dump(mode="json")}
            return VariantTask(**{  # type: ignore[typeddict-item]
                **task, "brief": revision.patched_brief(task["brief"]), "feedback": revision.feedback,
                "previous": previous,
            })
        # Not understood, or not possible: say so and ask again at the same gate (a further interrupt).
        if revision.unmet:
            message = load_prompt("chat_unmet_revision", unmet=" ".join(revision.unmet)).strip()
        else:
            message = load_prompt("chat_unclear_revision", request=decision.request).strip()


def write_copy(work: _Variant, context: RunContext) -> dict:
    previous = work.copy if work.previous.get("copy") else None
    copy = write_variant_copy(
        work.brief, work.variant, context.llm, context.tools.models, context.copywriter, work.feedback, previous,
        progress=context.tools.progress, words_per_second=context.tools.settings.tts.words_per_second,
    )
    return {"copy": copy.model_dump(mode="json")}


def make_key_images(work: _Variant, context: RunContext) -> dict:
    earlier = ArtDirection.model_validate(work.previous["art"]) if work.previous.get("art") else None
    art = direct_art(work.brief, work.variant, work.copy, context.tools, plain_scenes_from(work.feedback, earlier),
                     tones_from(work.feedback, earlier))
    return {"art": art.model_dump(mode="json")}


def animate(work: _Variant, context: RunContext) -> dict:
    """Move the scenes; a request for other motion is a new take (other camera moves or seeds)."""
    art = ArtDirection.model_validate(work.previous["art"])
    take = work.previous.get("motion_take", 0) + ("motion" in work.feedback)
    video = animate_scenes(work.brief, work.variant, art, context.tools, take=take)
    return {"video": video.model_dump(mode="json"), "motion_take": take}


def voice(work: _Variant, context: RunContext) -> dict:
    """Speak the script; a line too long for its scene is rewritten once by the copywriter."""
    copy = work.copy
    try:
        return {"voice": speak(work.brief, work.variant, copy, context.tools).model_dump(mode="json")}
    except ScriptTooLongError as too_long:
        context.record_event("voiceover", "revising", {"label": f"voiceover:{work.variant.id}",
                                                       "words": stage_words("voiceover", work.variant.id),
                                                       "error": str(too_long)})
        copy = write_variant_copy(
            work.brief, work.variant, context.llm, context.tools.models, context.copywriter,
            shorter_line_feedback(too_long), copy, words_per_second=context.tools.settings.tts.words_per_second,
        )
    try:
        spoken = speak(work.brief, work.variant, copy, context.tools)
    except ScriptTooLongError as still_too_long:
        raise script_fit_error(still_too_long, copy) from still_too_long
    return {"voice": spoken.model_dump(mode="json"), "copy": copy.model_dump(mode="json")}


def caption(work: _Variant, context: RunContext) -> dict:
    earlier = Captions.model_validate(work.previous["captions"]) if work.previous.get("captions") else None
    plain = "legibility" in work.feedback or (earlier is not None and earlier.plain)
    shorter = "size" in work.feedback or (earlier is not None and earlier.shorter_lines)
    captions = write_captions(
        work.brief, work.variant, work.copy, VoiceoverResult.model_validate(work.previous["voice"]),
        video_aspects(work.brief.aspect, work.brief.platforms), context.tools, plain=plain, shorter_lines=shorter,
        video=SceneVideo.model_validate(work.previous["video"]),
    )
    return {"captions": captions.model_dump(mode="json")}


def edit(work: _Variant, context: RunContext) -> dict:
    """Assemble the ad; after a loudness complaint, aim off the target by the error measured."""
    target = work.previous.get("loudness_target", SOCIAL_TARGET_LUFS)
    if "loudness" in work.feedback and work.previous.get("renders"):
        primary = AssembleResult.model_validate(work.previous["renders"]).videos[0]
        target += SOCIAL_TARGET_LUFS - measure_loudness(primary.video.path).integrated_lufs
    renders = assemble_ad(
        work.brief, work.variant, ArtDirection.model_validate(work.previous["art"]),
        SceneVideo.model_validate(work.previous["video"]), VoiceoverResult.model_validate(work.previous["voice"]),
        Captions.model_validate(work.previous["captions"]), video_aspects(work.brief.aspect, work.brief.platforms),
        context.tools, loudness_lufs=round(target, 2),
    )
    music = work.brief.media.music
    return {"renders": renders.model_dump(mode="json"), "loudness_target": round(target, 2),
            "music": {"path": music, "credit": work.brief.media.music_credit} if music else None}


def _review_variant(brief: Brief, plan: CampaignPlan, variant: Variant, copy: dict, media: dict,
                    context: RunContext) -> list[Check]:
    checks = review_copy(brief, plan, VariantCopy.model_validate(copy), context.tools.models)
    return checks + review_media(
        variant, ArtDirection.model_validate(media["art"]), VoiceoverResult.model_validate(media["voice"]),
        Captions.model_validate(media["captions"]), AssembleResult.model_validate(media["renders"]), context.tools,
        language=brief.language.split("-")[0],
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
    media = state.get("media", {})
    if any("stopped_at" in media.get(v.id, {}) for v in plan.variants):
        return Command(goto=END)  # the marketer rejected a variant at an approval gate: no manifest
    if any(media.get(v.id, {}).get("round", -1) < review_round for v in plan.variants):
        return Command(goto=[])  # another variant's pass is still under way; its editor calls again
    revisions = state.get("revisions", {})
    checks: list[Check] = []
    sends: list[Send] = []
    sent_back: dict[str, int] = {}
    for variant in plan.variants:
        outputs = {kind: output for kind, output in media[variant.id].items() if kind != "brief"}
        variant_brief = media[variant.id].get("brief", state["brief"])  # with what the marketer changed at a gate
        variant_checks = _review_variant(Brief.model_validate(variant_brief), plan, variant, state["copy"][variant.id],
                                         outputs, context)
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
        sends.append(Send(first, VariantTask(
            variant_id=variant.id, brief=variant_brief, plan=state["plan"], feedback=feedback,
            previous={"copy": state["copy"][variant.id], **outputs}, round=review_round + 1,
        )))
    update: dict[str, Any] = {"checks": [c.model_dump() for c in checks], "revisions": sent_back}
    if sends:
        update["review_round"] = review_round + 1
    return Command(goto=sends or "manifest", update=update)


def manifest_node(state: CampaignState, context: RunContext) -> dict:
    manifest, refs = write_manifest(state, context.tools.assets, context.out_dir,
                                    context.tools.settings.model_dump(mode="json"))
    return {"manifest": manifest, "manifest_path": str(Path(context.out_dir) / state["run_id"] / "manifest.json"),
            "assets": [ref.model_dump(mode="json") for ref in refs]}


_CHAIN_BODIES: dict[str, Callable[[_Variant, RunContext], dict]] = {
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
