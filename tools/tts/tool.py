"""The ``tts.voiceover`` tool agent: the script's scenes spoken, fitted and loudness-normalised."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from adloom.storage.assets import AssetRef, cache_key
from adloom.tools.context import ToolContext
from adloom.tools.registry import tool_agent, tool_handle
from adloom.tools.tts import (
    MAX_RATE,
    SOCIAL_TARGET_LUFS,
    SpeechEngine,
    build_voiceover,
    load_engine,
    synthesize_scene,
)
from adloom.tools.tts.loudness import TRUE_PEAK_CEILING_DBTP
from adloom.tools.tts.scene import SceneVoice

TOOL_NAME = "tts.voiceover"
# Bump when synthesis, fitting or normalisation changes what a cached file would contain.
PIPELINE_VERSION = 1


class VoiceScene(BaseModel):
    text: str = Field(max_length=2000, description="The line spoken in this scene; empty for a silent scene.")
    seconds: float = Field(gt=0, le=600, description="The scene's duration in the plan.")


class VoiceoverRequest(BaseModel):
    scenes: list[VoiceScene] = Field(min_length=1)
    backend: Literal["piper", "hibari", "coqui"] | None = Field(
        default=None, description="Overrides [tts] backend (e.g. from the brief)."
    )
    voice: str | None = Field(default=None, description="Overrides [tts] voice.")
    target_lufs: float = Field(default=SOCIAL_TARGET_LUFS, ge=-40.0, le=-6.0)
    max_rate: float = Field(default=MAX_RATE, ge=1.0, le=1.5, description="Fastest speech allowed, vs natural.")


class SceneVoiceResult(BaseModel):
    index: int
    audio: AssetRef
    seconds: float
    natural_seconds: float = Field(description="Speech length at the natural pace (0 when silent).")
    speech_seconds: float = Field(description="Speech length as placed in the scene.")
    rate: float = Field(description="Speed-up used: natural_seconds / speech_seconds.")


class VoiceoverResult(BaseModel):
    voiceover: AssetRef = Field(description="48 kHz mono WAV, the scenes end to end, normalised.")
    scenes: list[SceneVoiceResult]
    lufs: float = Field(description="Measured integrated loudness of the voiceover.")
    true_peak_dbtp: float
    duration_s: float
    rates: list[float]
    backend: str
    voice: str


def _scene_voice(
    ctx: ToolContext, engine: SpeechEngine, index: int, scene: VoiceScene, max_rate: float, scratch: Path
) -> SceneVoiceResult:
    key = cache_key(
        TOOL_NAME, engine.backend, engine.model_id,
        {"part": "scene", "text": scene.text, "seconds": scene.seconds, "max_rate": max_rate,
         "pipeline": PIPELINE_VERSION},
        [],
    )
    ref = ctx.assets.lookup(key)
    if ref is None:
        voice: SceneVoice = synthesize_scene(
            scene.text, scene.seconds, engine=engine, out_path=scratch / f"scene-{index}.wav",
            scene_index=index, max_rate=max_rate,
        )
        ref = ctx.assets.put_file(
            voice.path, kind="audio", tool=TOOL_NAME, backend=engine.backend, move=True,
            metadata={"voice": engine.voice, "model": engine.model_id, "text": scene.text,
                      "seconds": scene.seconds, "natural_seconds": voice.natural_seconds,
                      "speech_seconds": voice.speech_seconds, "rate": voice.rate},
        )
        ctx.assets.remember(key, ref)
    meta = ref.metadata
    return SceneVoiceResult(
        index=index, audio=ref, seconds=scene.seconds, natural_seconds=meta["natural_seconds"],
        speech_seconds=meta["speech_seconds"], rate=meta["rate"],
    )


def _example() -> VoiceoverRequest:
    return VoiceoverRequest(scenes=[VoiceScene(text="Fresh coffee, ready when you are.", seconds=3.0)])


@tool_agent(TOOL_NAME, example=_example)
def voiceover(request: VoiceoverRequest, ctx: ToolContext) -> VoiceoverResult:
    """Speak each scene's line fitted to its duration and join them into one voiceover at -16 LUFS.

    A line too long for its scene even at the fastest allowed rate raises
    ``adloom.tools.tts.ScriptTooLongError`` (scene index and a word count that fits), so the
    copywriter can be asked for a shorter line; a line the voice renders as silence raises
    ``adloom.tools.tts.SilentSpeechError``.
    """
    settings = ctx.settings.tts
    backend = request.backend or settings.backend
    voice = request.voice if request.voice is not None else (settings.voice if backend == settings.backend else "")
    engine = load_engine(settings, ctx.models, backend=backend, voice=voice)
    scratch = ctx.assets.scratch_dir()
    try:
        scenes = []
        for index, scene in enumerate(request.scenes):
            ctx.progress(f"speaking line {index + 1} of {len(request.scenes)}", index / len(request.scenes))
            scenes.append(_scene_voice(ctx, engine, index, scene, request.max_rate, scratch))
        key = cache_key(
            TOOL_NAME, engine.backend, engine.model_id,
            {"part": "voiceover", "target_lufs": request.target_lufs, "true_peak": TRUE_PEAK_CEILING_DBTP,
             "pipeline": PIPELINE_VERSION},
            [scene.audio.sha256 for scene in scenes],
        )
        ref = ctx.assets.lookup(key)
        if ref is None:
            ctx.progress("levelling the volume", 0.0)
            fitted = [
                SceneVoice(Path(s.audio.path), s.index, s.seconds, s.natural_seconds, s.speech_seconds, s.rate)
                for s in scenes
            ]
            made = build_voiceover(fitted, scratch / "voiceover.wav", target_lufs=request.target_lufs)
            ref = ctx.assets.put_file(
                made.path, kind="audio", tool=TOOL_NAME, backend=engine.backend, move=True,
                metadata={"voice": engine.voice, "model": engine.model_id, "duration_s": made.duration_s,
                          "lufs": made.loudness.integrated_lufs, "true_peak_dbtp": made.loudness.true_peak_dbtp,
                          "scene_seconds": [s.seconds for s in scenes],
                          "speech_seconds": [s.speech_seconds for s in scenes]},
            )
            ctx.assets.remember(key, ref)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ctx.progress("voiceover recorded", 1.0)
    return VoiceoverResult(
        voiceover=ref, scenes=scenes, lufs=ref.metadata["lufs"], true_peak_dbtp=ref.metadata["true_peak_dbtp"],
        duration_s=ref.metadata["duration_s"], rates=[scene.rate for scene in scenes],
        backend=engine.backend, voice=engine.voice,
    )


VOICEOVER = tool_handle(voiceover)
