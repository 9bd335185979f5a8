"""The critic's media checks: is the finished ad what the brief asked for, and does it play?

Each check names the graph node responsible for it (see :class:`adloom.agents.critic.Check`).
A failed check goes back to that node when the node acts on its target
(:mod:`adloom.agents.feedback`); the others (marked *reported*) are in the manifest's checks,
since running the chain again would not change them:

- ``images.<scene>``: the key image's words read back by OCR (art director);
- ``voiceover.loudness``: the voice track at -16 LUFS integrated (voiceover; reported);
- ``video.<aspect>.streams``: H.264 yuv420p + AAC 48 kHz, size, duration, faststart, BT.709 (editor;
  reported);
- ``video.<aspect>.loudness``: the finished mix at the loudness target (editor);
- ``captions.sync``: the final audio transcribed again, caption word times against the
  heard ones, mean offset under 150 ms (subtitles; reported);
- ``captions.legibility``: OCR of frames in the middle of captions finds their words (subtitles);
- ``end_card.legibility``: OCR of the end card frame finds the product name and CTA (art director);
- ``frames.nsfw``: Open-NSFW score of a frame in every scene under the "safe" bound (art director);
- ``frames.layout.<aspect>``: OCR of a frame every 2 s of every rendered aspect finds no text
  cut by the frame's edge, no two texts on top of each other in two frames in a row, and no
  text under the platform's UI (:mod:`adloom.tools.media_checks.frame_layout`; editor; reported);
- ``captions.size.<aspect>``: in the same frames, the caption lines read are at least the
  aspect's readable size (subtitles, which then cuts shorter lines set larger).

A review is stored in the asset cache under the hashes of every file it looked at, so a
variant whose media did not change (it was sent back for its copy only) is not reviewed
twice: the ASR pass, OCR and NSFW scoring of a 15-second ad take several seconds.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from adloom.agents.art_director import ArtDirection, scene_key
from adloom.agents.captioner import Captions
from adloom.agents.critic import Check
from adloom.agents.planner import Variant
from adloom.storage.assets import cache_key
from adloom.tools.asr import transcribe_cached
from adloom.tools.context import ToolContext
from adloom.tools.editor.tool import AssembleResult
from adloom.tools.image.frame_zones import READABLE_CAPTION_SHARE
from adloom.tools.media_checks import (
    SAFE_BELOW,
    SYNC_LIMIT_S,
    check_streams,
    extract_frames,
    measure_loudness,
    measure_sync,
    nsfw_scores,
    ocr_frame,
)
from adloom.tools.media_checks.frame_layout import (
    FRAME_STEP_S,
    caption_font_sizes,
    layout_problems,
    read_frames,
    sample_times,
)
from adloom.tools.tts import SOCIAL_TARGET_LUFS
from adloom.tools.tts.loudness import LOUDNESS_TOLERANCE_LU
from adloom.tools.tts.tool import VoiceoverResult

CAPTION_FRAMES = 3
FRAME_TEXT_MATCH = 0.6  # share of a caption's words OCR must find in a moving frame
MIN_PAIRED_SHARE = 0.6  # caption words that must be heard again for the sync figure to count
REVIEW_VERSION = 5  # bump when a check changes, so cached reviews are not reused


def _spread(items: list, count: int) -> list:
    if len(items) <= count:
        return items
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


def review_media(
    variant: Variant, art: ArtDirection, voice: VoiceoverResult, captions: Captions, renders: AssembleResult,
    tools: ToolContext, *, language: str, loudness_lufs: float = SOCIAL_TARGET_LUFS,
) -> list[Check]:
    """Check one variant's key images, voiceover and finished videos; the first render is the primary."""
    inputs = [image.result.image.sha256 for image in art.images] + [voice.voiceover.sha256]
    inputs += [ass.sha256 for result in captions.by_aspect.values() for ass in result.ass.values()]
    inputs += [render.video.sha256 for render in renders.videos]
    key = cache_key("critic.media", "", "", {
        "version": REVIEW_VERSION, "variant": variant.model_dump(mode="json"), "language": language,
        "loudness_lufs": loudness_lufs, "captions": [c.model_dump(mode="json") for r in captions.by_aspect.values()
                                                     for c in r.captions],
    }, inputs)
    cached = tools.assets.lookup(key)
    if cached is not None:
        return [Check.model_validate(item) for item in json.loads(Path(cached.path).read_text("utf-8"))]
    checks = _run_checks(variant, art, voice, captions, renders, tools, language=language, loudness_lufs=loudness_lufs)
    stored = tools.assets.put_bytes(
        json.dumps([check.model_dump() for check in checks]).encode("utf-8"), ".json", kind="json", tool="critic.media",
    )
    tools.assets.remember(key, stored)
    return checks


def _run_checks(
    variant: Variant, art: ArtDirection, voice: VoiceoverResult, captions: Captions, renders: AssembleResult,
    tools: ToolContext, *, language: str, loudness_lufs: float,
) -> list[Check]:
    checks: list[Check] = []

    def add(name: str, passed: bool, detail: str, responsible: str, target: str = "") -> None:
        checks.append(Check(
            variant_id=variant.id, name=name, passed=passed, detail=detail, responsible=responsible, target=target,
        ))

    for image in art.images:
        result = image.result
        add(f"images.{scene_key(image.scene_index)}", result.legible,
            f"OCR read {result.ocr_match:.0%} of the words ({image.request.layout} layout)",
            "art_director", scene_key(image.scene_index))

    off = voice.lufs - SOCIAL_TARGET_LUFS
    add("voiceover.loudness", abs(off) <= LOUDNESS_TOLERANCE_LU,
        f"{voice.lufs:.1f} LUFS integrated (target {SOCIAL_TARGET_LUFS:.0f} ±{LOUDNESS_TOLERANCE_LU:.0f})",
        "voiceover", "loudness")

    total = sum(scene.seconds for scene in variant.scenes)
    for render in renders.videos:
        video = Path(render.video.path)
        width, height = render.probe["width"], render.probe["height"]
        report = check_streams(video, (width, height), total)
        add(f"video.{render.aspect}.streams", report.ok,
            "; ".join(report.problems) or
            f"{report.video_codec} {report.pixel_format} {width}x{height}, {report.audio_codec} "
            f"{report.audio_sample_rate} Hz, {report.duration_s:.2f} s, faststart, BT.709",
            "editor", render.aspect)
        lufs = measure_loudness(video).integrated_lufs
        add(f"video.{render.aspect}.loudness", abs(lufs - loudness_lufs) <= LOUDNESS_TOLERANCE_LU,
            f"{lufs:.1f} LUFS integrated (target {loudness_lufs:.0f} ±{LOUDNESS_TOLERANCE_LU:.0f})", "editor", "loudness")

    primary = renders.videos[0]
    primary_path = Path(primary.video.path)
    subtitles = captions.by_aspect[primary.aspect]
    heard, _ = transcribe_cached(tools, primary_path, audio_sha256=primary.video.sha256, language=language)
    caption_words = [word for caption in subtitles.captions for word in caption.words]
    sync = measure_sync(caption_words, heard.words)
    synced = (
        sync.mean_offset_s is not None and sync.mean_offset_s < SYNC_LIMIT_S
        and sync.paired_share >= MIN_PAIRED_SHARE
    )
    detail = (
        f"mean offset {sync.mean_offset_s * 1000:.0f} ms (limit {SYNC_LIMIT_S * 1000:.0f}), max "
        f"{(sync.max_offset_s or 0) * 1000:.0f} ms over {sync.paired} of {sync.caption_words} words heard again"
        if sync.mean_offset_s is not None else f"none of the {sync.caption_words} caption words were heard again"
    )
    add("captions.sync", synced, detail, "subtitles", "sync")

    closing = variant.scenes[-1]
    end_card_time = total - closing.seconds / 2
    # The end card carries the CTA itself, so no caption is burned over it (see the editor).
    card_start = total - closing.seconds
    shown = _spread([c for c in subtitles.captions if (c.start + c.end) / 2 < card_start], CAPTION_FRAMES)
    scene_times = [sum(s.seconds for s in variant.scenes[:i]) + scene.seconds / 2 for i, scene in enumerate(variant.scenes)]
    times = [(c.start + c.end) / 2 for c in shown] + [end_card_time] + scene_times
    frames = extract_frames(primary_path, times)
    caption_frames, end_frame, scene_frames = frames[:len(shown)], frames[len(shown)], frames[len(shown) + 1:]

    matches = [
        ocr_frame(frame, expected_text=" ".join(caption.lines), models=tools.models).match or 0.0
        for frame, caption in zip(caption_frames, shown)
    ]
    worst = min(matches, default=1.0)
    add("captions.legibility", worst >= FRAME_TEXT_MATCH,
        f"OCR found {', '.join(f'{m:.0%}' for m in matches)} of the words of {len(shown)} captions "
        f"in their frames (need {FRAME_TEXT_MATCH:.0%} each)", "subtitles", "legibility")

    card = art.images[closing.index].request
    expected = " ".join(text for text in (card.headline, card.cta) if text)
    card_match = ocr_frame(end_frame, expected_text=expected, models=tools.models).match or 0.0
    add("end_card.legibility", card_match >= FRAME_TEXT_MATCH,
        f"OCR found {card_match:.0%} of {expected!r} at {end_card_time:.1f} s", "art_director", scene_key(closing.index))

    for render in renders.videos:
        seen = read_frames(render.video.path, sample_times(total), tools.models)
        faults = layout_problems(seen, render.aspect)
        detail = "; ".join(faults[:4]) + (f" (and {len(faults) - 4} more)" if len(faults) > 4 else "")
        add(f"frames.layout.{render.aspect}", not faults, detail or (
            f"OCR of {len(seen)} frames, one every {FRAME_STEP_S:g} s: no text cut by the edge, none on top of "
            "other text, none under the platform's buttons or bars"), "editor", render.aspect)
        burned = [(c.start, c.end, c.lines) for c in captions.by_aspect[render.aspect].captions
                  if (c.start + c.end) / 2 < card_start]
        sizes = caption_font_sizes(seen, burned)
        if not sizes and burned:  # a short ad: no sample fell inside a caption, so read two in their middle
            middles = [(c[0] + c[1]) / 2 for c in _spread(burned, 2)]
            sizes = caption_font_sizes(read_frames(render.video.path, middles, tools.models), burned)
        least = READABLE_CAPTION_SHARE[render.aspect]
        # One font size per aspect: the median line read is its measure, robust to the OCR box of
        # a single line drawn a little tight or loose.
        typical = statistics.median(size for _, _, size in sizes) if sizes else 0.0
        if not sizes:
            detail = f"no caption line was read in the {len(seen)} frames"
        else:
            detail = (f"caption text {typical:.1%} of the frame's height (median of {len(sizes)} lines read; "
                      f"readable from {least:.1%})")
        add(f"captions.size.{render.aspect}", typical >= least, detail, "subtitles", "size")

    scores = nsfw_scores(scene_frames, models=tools.models)
    for scene, score in zip(variant.scenes, scores):
        add(f"frames.nsfw.{scene_key(scene.index)}", score < SAFE_BELOW,
            f"Open-NSFW {score:.3f} at {scene_times[scene.index]:.1f} s (safe below {SAFE_BELOW})",
            "art_director", scene_key(scene.index))
    return checks
