"""The ``subtitles.build`` tool agent: captions of the script, timed by the spoken voiceover."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from adloom.tools.aspects import ASPECT_SIZES, Aspect
from adloom.tools.colours import HexColor
from adloom.storage.assets import AssetRef
from adloom.tools.asr import transcribe_cached
from adloom.tools.context import ToolContext
from adloom.tools.ffmpeg import probe
from adloom.tools.registry import tool_agent, tool_handle
from adloom.tools.subtitles import (
    CaptionColors,
    CaptionRules,
    align_script,
    caption_rule_violations,
    format_srt,
    format_vtt,
    scenes_from_durations,
    segment_captions,
    time_script_evenly,
    write_ass,
)

TOOL_NAME = "subtitles.build"
_TIMELINE_TOLERANCE_S = 0.05


class CaptionScene(BaseModel):
    text: str = Field(max_length=2000, description="The scene's line exactly as in the script.")
    seconds: float = Field(gt=0, le=600)
    speech_seconds: float | None = Field(
        default=None, ge=0, description="Where the speech ends inside the scene (tts.voiceover reports it)."
    )
    keep_clear: list[tuple[float, float, float, float]] = Field(
        default_factory=list, max_length=16,
        description="Where the video shows text during this scene, (x0, y0, x1, y1) as fractions of the frame: "
        "burned-in captions move off it.")


class SubtitlesRequest(BaseModel):
    scenes: list[CaptionScene] = Field(min_length=1)
    voiceover: AssetRef | None = Field(
        default=None,
        description="The voiceover of these scenes; its recognised words time the captions. "
        "None spreads each scene's words over the scene (captions for a video without voice).",
    )
    product_name: str | None = None
    brand_name: str | None = None
    essential: list[str] = Field(default_factory=list, description="Phrases a caption must never split.")
    aspect: Aspect = "9:16"
    max_chars_per_line: int | None = Field(default=None, ge=8, le=80, description="Default: the aspect's line limit (20 for 9:16 to 36 for 16:9).")
    styles: list[Literal["classic", "highlight"]] = Field(default_factory=lambda: ["classic", "highlight"])
    video_size: tuple[int, int] | None = Field(default=None, description="Default: from the aspect (1080 wide).")
    font_path: str | None = Field(default=None, description="Brand font (.ttf/.otf) for burned-in captions.")
    text_color: HexColor = "#FFFFFF"
    accent_color: HexColor = Field(default="#FFD400", description="Highlighted word (brand accent).")
    outline_color: HexColor = "#000000"
    language: str = "en"


class CaptionWordOut(BaseModel):
    text: str
    start: float
    end: float
    source: Literal["asr", "interpolated"]


class CaptionOut(BaseModel):
    start: float
    end: float
    lines: list[str]
    words: list[CaptionWordOut]


class SubtitlesResult(BaseModel):
    srt: AssetRef
    vtt: AssetRef
    ass: dict[str, AssetRef] = Field(description="Burn-in style name -> ASS file for ffmpeg's ass filter.")
    fonts_dir: str | None = Field(description="Pass as the ass filter's fontsdir when burning in.")
    captions: list[CaptionOut]
    timing: Literal["asr", "script"]
    recognised_text: str = Field(description="What ASR heard (for checks); captions never use it.")
    rule_violations: list[str] = Field(description="Caption rules the result breaks; empty when it complies.")


def _example() -> SubtitlesRequest:
    return SubtitlesRequest(
        scenes=[CaptionScene(text="Meet Northwind Cold Brew, smooth and bold.", seconds=3.0)],
        product_name="Northwind Cold Brew",
    )


@tool_agent(TOOL_NAME, example=_example)
def build_subtitles(request: SubtitlesRequest, ctx: ToolContext) -> SubtitlesResult:
    """Caption the script with ASR word timing: SRT, WebVTT and burn-in ASS files (classic, highlight)."""
    texts = [scene.text for scene in request.scenes]
    seconds = [scene.seconds for scene in request.scenes]
    scenes = scenes_from_durations(texts, seconds, [scene.speech_seconds for scene in request.scenes])
    recognised = ""
    if request.voiceover is not None:
        audio = Path(request.voiceover.path)
        length = probe(audio).duration_s
        if abs(length - scenes[-1].end) > _TIMELINE_TOLERANCE_S:
            raise ValueError(
                f"voiceover {audio.name} lasts {length:.2f} s but the scenes add up to {scenes[-1].end:.2f} s; "
                "pass the scenes the voiceover was made from"
            )
        transcript, _ = transcribe_cached(
            ctx, audio, audio_sha256=request.voiceover.sha256, language=request.language
        )
        recognised = transcript.text
        words = align_script(scenes, transcript.words)
    else:
        words = time_script_evenly(scenes)
    protected = [p for p in (request.product_name, request.brand_name, *request.essential) if p and p.strip()]
    overrides = {"protected_phrases": protected}
    if request.max_chars_per_line is not None:
        overrides["max_chars_per_line"] = request.max_chars_per_line
    rules = CaptionRules.for_aspect(request.aspect, **overrides)
    captions = segment_captions(words, rules, scene_windows=[(scene.start, scene.end) for scene in scenes])
    cues = [caption.to_cue() for caption in captions]
    kind = {"kind": "subtitles", "tool": TOOL_NAME}
    srt = ctx.assets.put_bytes(format_srt(cues).encode("utf-8"), ".srt", **kind)
    vtt = ctx.assets.put_bytes(format_vtt(cues).encode("utf-8"), ".vtt", **kind)
    font = Path(request.font_path) if request.font_path else None
    if font is not None and not font.is_file():
        raise ValueError(f"font_path {request.font_path!r} is not a file")
    colors = CaptionColors(text=request.text_color, outline=request.outline_color, highlight=request.accent_color)
    video_size = request.video_size or ASPECT_SIZES[request.aspect]
    ass: dict[str, AssetRef] = {}
    scratch = ctx.assets.scratch_dir()
    try:
        for style in dict.fromkeys(request.styles):
            path = write_ass(
                captions, style=style, video_size=video_size, out_path=scratch / f"{style}.ass",
                font_path=font, colors=colors, max_chars_per_line=rules.max_chars_per_line,
                keep_clear=[(scene.start, scene.end, region)
                            for scene, asked in zip(scenes, request.scenes) for region in asked.keep_clear],
            )
            ass[style] = ctx.assets.put_file(path, move=True, metadata={"style": style, "video_size": list(video_size)},
                                             **kind)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return SubtitlesResult(
        srt=srt, vtt=vtt, ass=ass, fonts_dir=str(font.parent) if font else None,
        captions=[
            CaptionOut(start=c.start, end=c.end, lines=list(c.lines),
                       words=[CaptionWordOut(text=w.text, start=w.start, end=w.end, source=w.source) for w in c.words])
            for c in captions
        ],
        timing="asr" if request.voiceover is not None else "script",
        recognised_text=recognised,
        rule_violations=caption_rule_violations(captions, rules),
    )


BUILD_SUBTITLES = tool_handle(build_subtitles)
