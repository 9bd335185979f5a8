"""Tool agent ``video.generate``: one generated scene clip (CogVideoX or AnimateDiff), through the asset cache.

Used when ``[video] backend`` is ``cogvideox`` or ``animatediff``. The model makes its
frames at its own rate; they are encoded to an H.264 MP4 that lasts exactly the scene's
``seconds`` at the plan's ``fps`` (a model that cannot make that many frames is played
slower rather than cut short, since the editor's timing depends on the length).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PIL import Image
from pydantic import BaseModel, Field, field_validator

from adloom.tools.aspects import Aspect
from adloom.storage.assets import AssetRef, cache_key, sha256_file
from adloom.tools.backends import BackendTable
from adloom.tools.context import ToolContext
from adloom.tools.ffmpeg import run_ffmpeg
from adloom.tools.registry import tool_agent, tool_handle
from adloom.tools.video.clips import GeneratedClip
from adloom.tools.video.errors import VideoBackendError, VideoBackendNotSelected

TOOL_NAME = "video.generate"
VIDEO_GENERATORS = BackendTable(
    setting="[video] backend",
    entries={
        "cogvideox": "adloom.tools.video.cogvideox_backend:cogvideox_clip_job",
        "animatediff": "adloom.tools.video.animatediff_backend:animatediff_clip_job",
    },
    error=VideoBackendError,
)


class VideoGenerateRequest(BaseModel):
    """One scene to generate."""

    prompt: str = Field(min_length=1, description="What happens in the scene.")
    first_frame: str | None = Field(default=None, description="The scene's key image to start from (image-to-video).")
    seconds: float = Field(default=4.0, gt=0, le=30, description="Scene length in the plan.")
    fps: int = Field(default=24, ge=1, le=60, description="Frame rate of the encoded clip.")
    seed: int = Field(default=0, ge=0)
    aspect: Aspect = "16:9"

    @field_validator("first_frame")
    @classmethod
    def _first_frame_exists(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).expanduser().is_file():
            raise ValueError(f"first_frame {value!r} is not a file")
        return value


class VideoGenerateResult(BaseModel):
    clip: AssetRef = Field(description="The MP4; metadata holds seed, frames, rates, size and model.")
    from_cache: bool = False


def _example() -> VideoGenerateRequest:
    return VideoGenerateRequest(prompt="a red trail running shoe splashing through a stream, slow motion",
                                seconds=2.0, fps=12, seed=3)


def encode_clip(clip: GeneratedClip, *, seconds: float, fps: int, target: Path, ctx: ToolContext) -> float:
    """Write ``clip``'s frames to an MP4 lasting ``seconds`` at ``fps``; returns the playback rate used."""
    frames_dir = target.parent / "frames"
    frames_dir.mkdir()
    for index, frame in enumerate(clip.frames):
        frame.convert("RGB").save(frames_dir / f"{index:05d}.png")
    playback = len(clip.frames) / seconds
    run_ffmpeg(
        ["-framerate", f"{playback:.6f}", "-i", frames_dir / "%05d.png",
         "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-r", str(fps), "-t", f"{seconds:.3f}",
         "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
         target],
        expected_seconds=seconds, progress=ctx.progress, label="encoding clip",
    )
    shutil.rmtree(frames_dir)
    return playback


@tool_agent(TOOL_NAME, example=_example)
def generate_scene_clip(request: VideoGenerateRequest, ctx: ToolContext) -> VideoGenerateResult:
    """Generate one scene's video clip with CogVideoX or AnimateDiff, optionally from its key image."""
    settings = ctx.settings.video
    if settings.backend not in VIDEO_GENERATORS.names:
        raise VideoBackendNotSelected(
            f"video.generate needs [video] backend = 'cogvideox' or 'animatediff' with [video] model set, "
            f"but backend is {settings.backend!r}; use video.animate for the kenburns backend"
        )
    first = None
    inputs: list[str] = []
    if request.first_frame:
        path = Path(request.first_frame).expanduser()
        with Image.open(path) as opened:
            first = opened.convert("RGB")
        inputs.append(sha256_file(path))
    job = VIDEO_GENERATORS.get(settings.backend)(
        settings, ctx.models, prompt=request.prompt, seconds=request.seconds, seed=request.seed,
        aspect=request.aspect, first_frame=first, progress=ctx.progress,
    )
    model_id, params, make = job.model_id, dict(job.params), job.make
    if not params["uses_first_frame"]:
        inputs = []  # a text-to-video model ignores the frame: the clip does not depend on it
    params.update(request.model_dump(mode="json", exclude={"first_frame"}), steps=settings.steps,
                  guidance_scale=settings.guidance_scale, scheduler=settings.scheduler)
    key = cache_key(TOOL_NAME, settings.backend, model_id, params, inputs)
    cached = ctx.assets.lookup(key)
    if cached is not None:
        return VideoGenerateResult(clip=cached, from_cache=True)
    clip = make()
    scratch = ctx.assets.scratch_dir()
    target = scratch / "clip.mp4"
    playback = encode_clip(clip, seconds=request.seconds, fps=request.fps, target=target, ctx=ctx)
    # CogVideoX keeps its training size whatever the aspect; the editor crops to the requested one.
    metadata = {"aspect": request.aspect, **clip.metadata, "seconds": request.seconds, "fps": request.fps,
                "playback_fps": round(playback, 4), "first_frame_used": params["uses_first_frame"]}
    if first is not None and not params["uses_first_frame"]:
        metadata["note"] = "no [video] image_to_video_model is set, so the clip was generated from the prompt alone"
    ref = ctx.assets.put_file(target, kind="video", tool=TOOL_NAME, backend=settings.backend, metadata=metadata,
                              move=True)
    scratch.rmdir()
    ctx.assets.remember(key, ref)
    return VideoGenerateResult(clip=ref)


GENERATE_SCENE_CLIP = tool_handle(generate_scene_clip)
