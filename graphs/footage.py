"""The footage graph (VC-LLM mode): raw videos + a brief → a cut, voiced, subtitled ad.

    scenes → describe → select → voiceover → subtitles → editor → manifest

Each node is idempotent and goes through the asset cache, so a resumed run recomputes
nothing finished; the state carries asset references and plain JSON only. Run-scoped
dependencies (settings, warm models, the asset store, the event log) come from
:class:`FootageContext`. ``adloom.runs.start_footage_run`` validates the input, records the
run and executes the graph under the checkpointer (the run id is the thread id);
``adloom.runs.resume_run`` continues a failed run, as it does campaign runs.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy

from adloom.agents.brief import Brief
from adloom.agents.footage import FootageClip, FootagePlan, select_and_script, shorten_line
from adloom.agents.manifest import Manifest, publish_manifest
from adloom.graphs.state import merge_dicts
from adloom.graphs.tracking import GraphContext, tracked
from adloom.storage.files import copy_file_atomic
from adloom.tools.editor.timeline import (
    ASPECT_SIZES,
    LogoOverlay,
    MusicTrack,
    SubtitleTrack,
    Timeline,
    VideoClip,
    VoiceTrack,
)
from adloom.tools.editor.tool import AssembleRequest, assemble
from adloom.tools.scenes.detect import FootageInputError, inspect_video
from adloom.tools.scenes.tool import DetectRequest, DetectResult, detect_scenes
from adloom.tools.subtitles.ass import write_ass
from adloom.tools.subtitles.srt import format_srt
from adloom.tools.subtitles.unit_segmentation import segment_text, segmentation_problems, timed_captions
from adloom.tools.subtitles.webvtt import format_vtt
from adloom.tools.tts.errors import ScriptTooLongError
from adloom.tools.tts.tool import VoiceoverRequest, VoiceScene, voiceover
from adloom.tools.vision import describe_clips

MIN_CAPTION_WINDOW_S = 0.6
TAIL_AFTER_VOICE_S = 0.8
"""The ad ends this long after the last spoken word, so it never closes on silence."""
MODE = "footage"


class FootageState(TypedDict, total=False):
    run_id: str
    brief: dict
    videos: list[str]
    k: int | None
    detected: dict  # DetectResult
    descriptions: list[dict]  # ClipDescription, one per clip
    plan: dict  # FootagePlan (lines as finally spoken)
    voice: dict  # VoiceoverResult
    captions: dict  # srt, vtt, ass refs; segments per line; rule problems
    render: dict  # AssembleResult
    timings: Annotated[dict[str, float], merge_dicts]
    manifest: dict  # what the run made, as written to manifest_path
    manifest_path: str


@dataclass(kw_only=True)
class FootageContext(GraphContext):
    """Run-scoped dependencies of the footage graph (never checkpointed).

    Attributes:
        render_size: output (width, height); None = the brief's aspect at 1080p.
    """

    render_size: tuple[int, int] | None = None


def candidate_clips(state: FootageState, max_clip_s: float) -> list[FootageClip]:
    """The detected clips with their descriptions, as the selection step sees them."""
    detected = DetectResult.model_validate(state["detected"])
    texts = {d["clip_id"]: d["text"] for d in state["descriptions"]}
    return [
        FootageClip(clip_id=clip.clip_id, order=order, seconds=round(min(clip.duration_s, max_clip_s), 3),
                    description=texts[clip.clip_id])
        for order, clip in enumerate(detected.clips)
    ]


def scenes_node(state: FootageState, context: FootageContext) -> dict:
    result = detect_scenes(DetectRequest(videos=state["videos"]), context.tools)
    if not result.clips:
        reasons = [r.error for r in result.rejected]
        reasons += [f"{c.clip_id} ({Path(c.source).name}): {c.reason}" for c in result.screened_out]
        raise FootageInputError(f"no usable clips in any video: {'; '.join(reasons) or 'no clips found'}")
    return {"detected": result.model_dump(mode="json")}


def describe_node(state: FootageState, context: FootageContext) -> dict:
    detected = DetectResult.model_validate(state["detected"])
    descriptions = describe_clips([clip.as_input() for clip in detected.clips], context.tools)
    return {"descriptions": [d.model_dump(mode="json") for d in descriptions]}


def select_node(state: FootageState, context: FootageContext) -> dict:
    settings = context.tools.settings
    plan = select_and_script(
        Brief.model_validate(state["brief"]), candidate_clips(state, settings.footage.max_clip_s), context.llm,
        context.tools.models, k=state.get("k"), words_per_second=settings.tts.words_per_second,
    )
    return {"plan": plan.model_dump(mode="json")}


def voiceover_node(state: FootageState, context: FootageContext) -> dict:
    brief = Brief.model_validate(state["brief"])
    plan = FootagePlan.model_validate(state["plan"])
    seconds = {c.clip_id: c.seconds for c in candidate_clips(state, context.tools.settings.footage.max_clip_s)}
    lines = [clip.line for clip in plan.clips]
    # A line the voice cannot fit even sped up is shortened to the whole sentences (or the
    # phrase) that fit, at most once per line; the plan then records the line as spoken.
    for _ in range(len(lines) + 1):
        request = VoiceoverRequest(
            scenes=[VoiceScene(text=line, seconds=seconds[clip.clip_id]) for clip, line in zip(plan.clips, lines)],
            backend=brief.voiceover.backend, voice=brief.voiceover.voice,
        )
        try:
            result = voiceover(request, context.tools)
            break
        except ScriptTooLongError as exc:
            words = len(lines[exc.scene_index].split())
            lines[exc.scene_index] = shorten_line(lines[exc.scene_index],
                                                  max(1, min(exc.suggested_max_words, words - 1)))
    else:
        raise RuntimeError("the voiceover lines could not be fitted to their clips")
    spoken = plan.model_copy(update={"clips": [c.model_copy(update={"line": line}) for c, line in zip(plan.clips, lines)]})
    return {"voice": result.model_dump(mode="json"), "plan": spoken.model_dump(mode="json")}


def _output_size(brief: Brief, context: FootageContext) -> tuple[int, int]:
    return context.render_size or ASPECT_SIZES[brief.aspect]


def subtitles_node(state: FootageState, context: FootageContext) -> dict:
    brief = Brief.model_validate(state["brief"])
    plan = FootagePlan.model_validate(state["plan"])
    essential = [brief.product.name, brief.brand.name]
    windows, start = [], 0.0
    for scene in state["voice"]["scenes"]:
        speech_end = start + max(scene["speech_seconds"], MIN_CAPTION_WINDOW_S)
        windows.append((start, min(start + scene["seconds"], speech_end)))
        start += scene["seconds"]
    lines = [clip.line for clip in plan.clips]
    captions = timed_captions(lines, windows, essential)
    cues = [caption.to_cue() for caption in captions]
    store = context.tools.assets
    kind = {"kind": "subtitles", "tool": "subtitles.units", "backend": "vc-llm"}
    srt = store.put_bytes(format_srt(cues).encode("utf-8"), ".srt", **kind)
    vtt = store.put_bytes(format_vtt(cues).encode("utf-8"), ".vtt", **kind)
    scratch = store.scratch_dir()
    try:
        path = write_ass(captions, style="classic", video_size=_output_size(brief, context),
                         out_path=scratch / "captions.ass", font_path=Path(brief.brand.font) if brief.brand.font else None)
        ass = store.put_file(path, move=True, metadata={"style": "classic"}, **kind)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    segments = [segment_text(line, essential) for line in lines]
    problems = [p for line, segs in zip(lines, segments) for p in segmentation_problems(line, segs, essential)]
    return {"captions": {
        "srt": srt.model_dump(mode="json"), "vtt": vtt.model_dump(mode="json"), "ass": ass.model_dump(mode="json"),
        "segments": segments, "rule_problems": problems,
    }}


def played_seconds(state: FootageState, max_clip_s: float) -> list[float]:
    """How long each chosen clip plays: its planned length, the last one cut
    :data:`TAIL_AFTER_VOICE_S` after its line ends."""
    plan = FootagePlan.model_validate(state["plan"])
    seconds = {c.clip_id: c.seconds for c in candidate_clips(state, max_clip_s)}
    played = [seconds[c.clip_id] for c in plan.clips]
    last_speech = state["voice"]["scenes"][-1]["speech_seconds"]
    played[-1] = round(min(played[-1], last_speech + TAIL_AFTER_VOICE_S), 3)
    return played


def editor_node(state: FootageState, context: FootageContext) -> dict:
    """Cut the chosen clips together under the voice, the brief's music, captions in its font and its logo."""
    brief = Brief.model_validate(state["brief"])
    plan = FootagePlan.model_validate(state["plan"])
    detected = {c.clip_id: c for c in DetectResult.model_validate(state["detected"]).clips}
    played = played_seconds(state, context.tools.settings.footage.max_clip_s)
    width, height = _output_size(brief, context)
    logo = brief.media.logo or brief.brand.logo
    timeline = Timeline(
        width=width, height=height, fps=30.0,
        visuals=[
            VideoClip(path=detected[c.clip_id].source, start_s=detected[c.clip_id].start_s,
                      end_s=round(detected[c.clip_id].start_s + seconds, 3), show=detected[c.clip_id].show)
            for c, seconds in zip(plan.clips, played)
        ],
        voice=VoiceTrack(path=state["voice"]["voiceover"]["path"]),
        music=MusicTrack(path=brief.media.music) if brief.media.music else None,
        subtitles=SubtitleTrack(path=state["captions"]["ass"]["path"],
                                fonts_dir=str(Path(brief.brand.font).parent) if brief.brand.font else None),
        logo=LogoOverlay(path=logo) if logo else None,
    )
    result = assemble(AssembleRequest(timeline=timeline), context.tools)
    return {"render": result.model_dump(mode="json")}


def manifest_node(state: FootageState, context: FootageContext) -> dict:
    run_dir = Path(context.out_dir) / state["run_id"]
    placed: list[dict] = []

    def place(ref: dict, name: str, role: str) -> str:
        target = run_dir / name
        copy_file_atomic(Path(ref["path"]), target)
        placed.append({"path": str(target), "sha256": ref["sha256"], "kind": ref["kind"], "tool": ref["tool"],
                       "backend": ref.get("backend", ""), "role": role})
        return str(target)

    video = state["render"]["videos"][0]
    outputs = {
        "video": place(video["video"], "ad.mp4", "video"),
        "srt": place(state["captions"]["srt"], "captions.srt", "subtitles srt"),
        "vtt": place(state["captions"]["vtt"], "captions.vtt", "subtitles vtt"),
        "voiceover": place(state["voice"]["voiceover"], "voiceover.wav", "voiceover"),
    }
    descriptions = {d["clip_id"]: d for d in state["descriptions"]}
    detected = DetectResult.model_validate(state["detected"])
    manifest = Manifest(**{
        "run_id": state["run_id"],
        "mode": MODE,
        "status": "succeeded",
        "created_at": datetime.now(timezone.utc).isoformat(),
        "brief": state["brief"],
        "inputs": {"videos": state["videos"], "k": state.get("k"),
                   "rejected": [r.model_dump() for r in detected.rejected],
                   "screened_out": [c.model_dump() for c in detected.screened_out]},
        "clips": [
            {**clip.model_dump(mode="json", include={"clip_id", "source", "start_s", "end_s"}),
             "description": descriptions[clip.clip_id]["text"], "basis": descriptions[clip.clip_id]["basis"]}
            for clip in detected.clips
        ],
        "plan": state["plan"],
        "subtitle_segments": state["captions"]["segments"],
        "subtitle_rule_problems": state["captions"]["rule_problems"],
        "outputs": outputs,
        "assets": placed,
        "render_warnings": video.get("warnings", []),
        "timings": state.get("timings", {}),
    })
    written = publish_manifest(run_dir, manifest, context.tools.settings.model_dump(mode="json"))
    return {"manifest": written.as_json(), "manifest_path": str(run_dir / "manifest.json")}


FOOTAGE_STAGES: tuple[str, ...] = ("scenes", "describe", "select", "voiceover", "subtitles", "editor", "manifest")
"""The footage graph's nodes in the order they run."""


def build_footage_graph() -> StateGraph:
    """The uncompiled footage graph (compile it with a checkpointer to run it)."""
    llm_retry = RetryPolicy(max_attempts=2)
    graph = StateGraph(FootageState, context_schema=FootageContext)
    graph.add_node("scenes", tracked("scenes", scenes_node))
    graph.add_node("describe", tracked("describe", describe_node))
    graph.add_node("select", tracked("select", select_node), retry_policy=llm_retry)
    graph.add_node("voiceover", tracked("voiceover", voiceover_node))
    graph.add_node("subtitles", tracked("subtitles", subtitles_node))
    graph.add_node("editor", tracked("editor", editor_node))
    graph.add_node("manifest", tracked("manifest", manifest_node))
    graph.add_edge(START, FOOTAGE_STAGES[0])
    for before, after in zip(FOOTAGE_STAGES, FOOTAGE_STAGES[1:]):
        graph.add_edge(before, after)
    graph.add_edge("manifest", END)
    return graph


def check_videos(videos: list[Path | str]) -> tuple[list[str], list[str]]:
    """Split ``videos`` into usable paths and one error line per unusable file (before any run starts)."""
    usable, problems = [], []
    for video in videos:
        try:
            usable.append(inspect_video(video).path)
        except FootageInputError as exc:
            problems.append(str(exc))
    return usable, problems
