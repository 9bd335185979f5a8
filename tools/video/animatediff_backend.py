"""AnimateDiff and AnimateDiff-Lightning: an SD 1.5 base plus a motion adapter, from local folders.

``[video] model`` is the SD 1.5 base pipeline folder, ``[video] motion_adapter`` the
MotionAdapter folder. A Lightning adapter (its folder name says ``lightning``) is a
few-step distillation: it runs 4 steps without guidance on a trailing Euler schedule,
unless ``[video]`` settings say otherwise. With a first frame (the scene's key image)
the video-to-video pipeline animates a still clip of it, so the scene starts from the
chosen image. AnimateDiff was trained on 16-frame windows at 8 fps; longer scenes are
stretched by the tool when it encodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from adloom.tools.config import VideoSettings
from adloom.tools.context import ProgressCallback, ResidentModels, ignore_progress
from adloom.tools.image.diffusers_backend import ModelFamily, detect_family, snap_size
from adloom.tools.model_manager import (
    Placement,
    explain_out_of_memory,
    folder_fingerprint,
    load_resident,
    module_bytes,
    place_pipeline,
    resolve_model_folder,
    return_offloaded_weights,
    step_progress,
    swap_scheduler,
)
from adloom.tools.video.clips import ClipJob, GeneratedClip
from adloom.tools.video.errors import VideoBackendError

TRAINED_FRAMES = 16
TRAINED_FPS = 8.0
FIRST_FRAME_STRENGTH = 0.8
"""How far video-to-video may move from the still key-image clip: enough for motion, keeping its look."""


@dataclass(frozen=True)
class AnimateDiffChoice:
    """The base and adapter a request will use, known before loading any weights."""

    base: Path
    adapter: Path
    model_id: str
    family: ModelFamily
    lightning: bool
    placement: Placement

    @property
    def steps(self) -> int:
        return 4 if self.lightning else 25

    @property
    def guidance_scale(self) -> float:
        return 1.0 if self.lightning else 7.5


def choose_animatediff_model(settings: VideoSettings) -> AnimateDiffChoice:
    """Resolve the base and motion adapter folders.

    Raises:
        ModelNotFoundError: a folder does not exist.
        VideoBackendError: the base is not a Stable Diffusion 1.x pipeline.
    """
    base = resolve_model_folder(settings.model, setting="[video] model")
    adapter = resolve_model_folder(settings.motion_adapter, setting="[video] motion_adapter")
    family = detect_family(base)
    if family.name not in ("sd", "sd-turbo"):
        raise VideoBackendError(
            f"[video] model = {str(base)!r} is a {family.name} pipeline; AnimateDiff needs a Stable Diffusion 1.5 base"
        )
    if not (adapter / "config.json").is_file():
        raise VideoBackendError(f"[video] motion_adapter = {str(adapter)!r} has no config.json: not a MotionAdapter folder")
    return AnimateDiffChoice(
        base=base, adapter=adapter, model_id=f"{folder_fingerprint(base)}+{folder_fingerprint(adapter)}",
        family=family, lightning="lightning" in adapter.name.lower(),
        placement=Placement.from_settings(settings, "video"),
    )


@dataclass
class AnimateDiffPipelines:
    """The text-to-video pipeline and, made on first use, its video-to-video twin (shared weights)."""

    text2video: Any
    _video2video: Any = None

    @property
    def video2video(self) -> Any:
        if self._video2video is None:
            from diffusers import AnimateDiffVideoToVideoPipeline

            self._video2video = AnimateDiffVideoToVideoPipeline.from_pipe(self.text2video)
            self._video2video.set_progress_bar_config(disable=True)
        return self._video2video


def load_animatediff(settings: VideoSettings, models: ResidentModels, choice: AnimateDiffChoice) -> AnimateDiffPipelines:
    """The AnimateDiff pipeline, loaded once and kept warm (the video tool's one resident model).

    Raises:
        ModelMemoryError: it does not fit on the device.
    """
    placement = choice.placement

    def load() -> AnimateDiffPipelines:
        import diffusers
        from diffusers import AnimateDiffPipeline, MotionAdapter

        adapter = MotionAdapter.from_pretrained(choice.adapter, dtype=placement.dtype, local_files_only=True)
        pipe = AnimateDiffPipeline.from_pretrained(
            choice.base, motion_adapter=adapter, dtype=placement.dtype, local_files_only=True
        )
        if settings.scheduler:
            swap_scheduler(pipe, settings.scheduler, setting="[video] scheduler")
        elif choice.lightning:
            # The schedule AnimateDiff-Lightning was distilled with.
            pipe.scheduler = diffusers.EulerDiscreteScheduler.from_config(
                pipe.scheduler.config, timestep_spacing="trailing", beta_schedule="linear"
            )
        return AnimateDiffPipelines(place_pipeline(pipe, placement, denoiser="unet"))

    key = ("video", "animatediff", str(choice.base), str(choice.adapter), settings.scheduler,
           *map(str, placement.describe().values()))
    return load_resident(models, key, load, placement, measure=lambda loaded: module_bytes(loaded.text2video))


def generate_animatediff(
    pipelines: AnimateDiffPipelines,
    choice: AnimateDiffChoice,
    settings: VideoSettings,
    *,
    prompt: str,
    seconds: float,
    seed: int,
    aspect: str = "16:9",
    first_frame: Image.Image | None = None,
    progress: ProgressCallback = ignore_progress,
) -> GeneratedClip:
    """Generate one clip of up to 16 frames at the aspect's snapped SD 1.5 size."""
    if not prompt.strip():
        raise VideoBackendError("prompt is empty")
    frames = max(2, min(TRAINED_FRAMES, round(seconds * TRAINED_FPS)))
    width, height = snap_size(aspect, choice.family)
    steps = settings.steps or choice.steps
    guidance = choice.guidance_scale if settings.guidance_scale is None else settings.guidance_scale
    generator_device = "cpu" if choice.placement.offload != "none" else choice.placement.device
    call: dict[str, Any] = {
        "prompt": prompt, "num_inference_steps": steps, "guidance_scale": guidance, "output_type": "pil",
        "generator": torch.Generator(generator_device).manual_seed(seed),
    }
    if first_frame is None:
        pipe = pipelines.text2video
        call.update(num_frames=frames, width=width, height=height)
    else:
        pipe = pipelines.video2video
        still = first_frame.convert("RGB").resize((width, height), Image.LANCZOS)
        call.update(video=[still] * frames, strength=FIRST_FRAME_STRENGTH, width=width, height=height)
    call.update(step_progress(pipe, "generating video", steps, progress))
    with explain_out_of_memory(choice.placement, f"generating a {frames}-frame {width}x{height} clip"):
        with torch.inference_mode():
            video = pipe(**call).frames[0]
    if pipe is not pipelines.text2video:
        return_offloaded_weights(pipelines.text2video, choice.placement)
    metadata = {
        "prompt": prompt, "seed": seed, "frames": len(video), "generated_fps": TRAINED_FPS, "steps": steps,
        "guidance_scale": guidance, "width": width, "height": height, "aspect": aspect, "model": choice.model_id,
        "mode": "text2video" if first_frame is None else "image2video", "lightning": choice.lightning,
        "scheduler": type(pipe.scheduler).__name__, **choice.placement.describe(),
    }
    if first_frame is not None:
        metadata["strength"] = FIRST_FRAME_STRENGTH
    return GeneratedClip(frames=list(video), fps=TRAINED_FPS, metadata=metadata)


def animatediff_clip_job(settings: VideoSettings, models: ResidentModels, *, prompt: str, seconds: float, seed: int,
                         aspect: str, first_frame: Image.Image | None, progress: ProgressCallback) -> ClipJob:
    """The clip AnimateDiff will make for one scene, at the aspect's size."""
    choice = choose_animatediff_model(settings)

    def make() -> GeneratedClip:
        pipelines = load_animatediff(settings, models, choice)
        return generate_animatediff(pipelines, choice, settings, prompt=prompt, seconds=seconds, seed=seed,
                                    aspect=aspect, first_frame=first_frame, progress=progress)

    return ClipJob(choice.model_id, {"uses_first_frame": first_frame is not None, **choice.placement.describe()},
                   make)
