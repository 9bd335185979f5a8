"""The footage-mode benchmark behind ``adloom eval footage``: remix tasks on real footage.

A *remix task* takes the clips of one video (its scenes, cut by PySceneDetect) as the
reference ad, in their original order, and hides them among distractor clips from the
other videos; the candidates are shuffled and given opaque ids (``c1``, ``c2``, ...), so
neither ids nor positions leak the answer. The product information is the footage's own
content note from ``video/SCENE_CUTS.json``. The selection agent is asked for exactly as
many clips as the reference has; the result is scored with SRA (and selection recall),
WCD on its script lines, and SSA of the subtitle segmentation of those lines; SSA is
also reported for the general caption segmenter (:mod:`adloom.tools.subtitles.segment`) as a
baseline. With a judge model, VSC/Fact/Coh/Logic are added.

Footage: testvideo.mp4, big_buck_bunny_0_30.webm, fades.mp4, chaplin.mp4; only videos
with at least two clips become tasks, the others supply distractors.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from statistics import mean

from pydantic import BaseModel

from adloom.agents.brief import Brief, parse_brief
from adloom.agents.footage import FootageClip, select_and_script
from adloom.agents.llm_access import AgentLLM
from adloom.evals.footage_metrics import JudgeScores, judge_ad, selection_recall, sra, ssa, wcd
from adloom.storage.assets import AssetStore
from adloom.storage.files import write_json_atomic
from adloom.tools.context import ResidentModels, ToolContext
from adloom.tools.scenes.tool import ClipOut, DetectRequest, detect_scenes
from adloom.tools.subtitles.align import scenes_from_durations, time_script_evenly
from adloom.tools.subtitles.segment import CaptionRules, segment_captions
from adloom.tools.subtitles.unit_segmentation import segment_text
from adloom.tools.vision import describe_clips

FOOTAGE = (
    "video/pyscenedetect/testvideo.mp4",
    "video/moviepy/big_buck_bunny_0_30.webm",
    "video/pyscenedetect/fades.mp4",
    "video/moviepy/chaplin.mp4",
)
SCENE_CUTS = "video/SCENE_CUTS.json"


class FootageEvalError(ValueError):
    """The benchmark cannot run (missing footage); the message names the file."""


class TaskResult(BaseModel):
    target: str
    candidates: int
    reference: list[str]
    predicted: list[str]
    source: str
    lines: list[str]
    sra: float
    selection_recall: float
    wcd: float
    ssa: float
    ssa_baseline: float
    judge: JudgeScores | None = None


class FootageEvalReport(BaseModel):
    created_at: str
    system: str
    source: str
    words_per_second: float
    tasks: list[TaskResult]
    means: dict[str, float]


def _content_note(cuts: dict, relative: str) -> str:
    entry = cuts.get(relative, {})
    return entry.get("content") or entry.get("note") or f"footage {Path(relative).name} ({entry.get('format', 'video')})"


def _remix_brief(name: str, content: str, seconds: float) -> Brief:
    return parse_brief({
        "brand": {"name": "Remix benchmark"},
        "product": {"name": name, "description": content[:2000]},
        "duration_s": min(180.0, max(5.0, round(seconds, 1))),
    }, source=f"remix task {name}")


def _baseline_segments(lines: list[str], seconds: list[float]) -> list[list[str]]:
    """The general caption segmenter's captions, grouped back by script line."""
    words = time_script_evenly(scenes_from_durations(lines, seconds))
    captions = segment_captions(words, CaptionRules.for_aspect("9:16"))
    grouped: list[list[str]] = [[] for _ in lines]
    for caption in captions:
        grouped[caption.words[0].scene_index].append(caption.text)
    return grouped


def evaluate_footage(
    settings,
    data_dir: Path,
    *,
    distractors: int = 3,
    seed: int = 0,
    judge: AgentLLM | None = None,
    llm: AgentLLM | None = None,
    models: ResidentModels | None = None,
    progress: Callable[[str, float], None] = lambda label, fraction: None,
) -> FootageEvalReport:
    """Build the remix tasks from ``data_dir`` and score the selection agent on them.

    Args:
        settings: the composed settings (LLM, footage, ASR).
        data_dir: the shared data folder (holding ``video/``).
        distractors: distractor clips added to each task.
        judge: an LLM for VSC/Fact/Coh/Logic; None skips them.
        llm: the selection LLM; None loads ``[llm]``.

    Raises:
        FootageEvalError: a footage file or SCENE_CUTS.json is missing.
    """
    missing = [p for p in (*FOOTAGE, SCENE_CUTS) if not (data_dir / p).is_file()]
    if missing:
        raise FootageEvalError("missing footage in " + str(data_dir) + ": " + ", ".join(missing))
    cuts = json.loads((data_dir / SCENE_CUTS).read_text("utf-8"))
    models = models or ResidentModels()
    ctx = ToolContext(settings=settings, assets=AssetStore(settings.data_dir), models=models, progress=progress)
    detected = detect_scenes(DetectRequest(videos=[str(data_dir / p) for p in FOOTAGE]), ctx)
    if detected.rejected:
        raise FootageEvalError("unreadable footage: " + "; ".join(r.error for r in detected.rejected))
    descriptions = {d.clip_id: d.text for d in describe_clips([c.as_input() for c in detected.clips], ctx)}
    llm = llm or AgentLLM.load(settings.llm, models)
    wps = settings.tts.words_per_second
    max_clip_s = settings.footage.max_clip_s
    rng = random.Random(seed)
    tasks: list[TaskResult] = []
    targets = [(rel, video) for rel, video in zip(FOOTAGE, detected.videos) if len(video.clips) >= 2]
    for number, (relative, video) in enumerate(targets):
        progress(f"remix task {Path(relative).name}", number / max(1, len(targets)))
        others = [clip for v in detected.videos if v.path != video.path for clip in v.clips]
        pool: list[ClipOut] = [*video.clips, *rng.sample(others, min(distractors, len(others)))]
        rng.shuffle(pool)
        opaque = {clip.clip_id: f"c{i + 1}" for i, clip in enumerate(pool)}
        candidates = [
            FootageClip(clip_id=opaque[clip.clip_id], order=i, seconds=round(min(clip.duration_s, max_clip_s), 3),
                        description=descriptions[clip.clip_id])
            for i, clip in enumerate(pool)
        ]
        reference = [opaque[clip.clip_id] for clip in video.clips]
        seconds = {c.clip_id: c.seconds for c in candidates}
        brief = _remix_brief(Path(relative).stem.replace("_", " "), _content_note(cuts, relative),
                             sum(seconds[i] for i in reference))
        plan = select_and_script(brief, candidates, llm, models, k=len(reference), words_per_second=wps, seed=seed)
        lines = [c.line for c in plan.clips]
        durations = [seconds[c.clip_id] for c in plan.clips]
        essential = [brief.product.name]
        scores = None
        if judge is not None:
            by_id = {c.clip_id: c.description for c in candidates}
            scores = judge_ad(f"{brief.product.name}: {brief.product.description}",
                              [(by_id[c.clip_id], c.line) for c in plan.clips], judge, seed=seed)
        tasks.append(TaskResult(
            target=relative, candidates=len(candidates), reference=reference, predicted=plan.clip_ids,
            source=plan.source, lines=lines, sra=round(sra(plan.clip_ids, reference), 4),
            selection_recall=round(selection_recall(plan.clip_ids, reference), 4),
            wcd=round(wcd(lines, durations, wps), 4),
            ssa=round(ssa(lines, [segment_text(line, essential) for line in lines], essential), 4),
            ssa_baseline=round(ssa(lines, _baseline_segments(lines, durations), essential), 4),
            judge=scores,
        ))
    progress("remix tasks", 1.0)
    means = {
        name: round(mean(getattr(task, name) for task in tasks), 4)
        for name in ("sra", "selection_recall", "wcd", "ssa", "ssa_baseline")
    } if tasks else {}
    judged = [task.judge for task in tasks if task.judge is not None]
    for name in ("vsc", "fact", "coh", "logic"):
        if judged:
            means[name] = round(mean(getattr(score, name) for score in judged), 4)
    return FootageEvalReport(
        created_at=datetime.now(timezone.utc).isoformat(), system=f"footage selection ({llm.backend.name})",
        source=str(data_dir / "video"), words_per_second=wps, tasks=tasks, means=means,
    )


def format_report(report: FootageEvalReport) -> str:
    """A plain-text table: one row per task, then the means."""
    header = f"{'task':<28} {'cands':>5} {'src':>8} {'SRA':>6} {'recall':>6} {'WCD':>6} {'SSA':>6} {'SSA(base)':>9}"
    rows = [report.system, header]
    for task in report.tasks:
        rows.append(
            f"{Path(task.target).name:<28} {task.candidates:>5} {task.source:>8} {task.sra:>6.3f} "
            f"{task.selection_recall:>6.3f} {task.wcd:>6.3f} {task.ssa:>6.3f} {task.ssa_baseline:>9.3f}"
        )
    m = report.means
    if m:
        rows.append(
            f"{'mean':<28} {'':>5} {'':>8} {m['sra']:>6.3f} {m['selection_recall']:>6.3f} {m['wcd']:>6.3f} "
            f"{m['ssa']:>6.3f} {m['ssa_baseline']:>9.3f}"
        )
        judged = [f"{name.upper()} {m[name]:.2f}" for name in ("vsc", "fact", "coh", "logic") if name in m]
        if judged:
            rows.append("judge (0-2): " + ", ".join(judged))
    return "\n".join(rows)


def write_report(report: FootageEvalReport, out_dir: Path | str) -> Path:
    """Write the report as JSON (atomically) and return its path."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = Path(out_dir) / f"footage-eval-{stamp}.json"
    write_json_atomic(path, report.model_dump(mode="json"))
    return path
