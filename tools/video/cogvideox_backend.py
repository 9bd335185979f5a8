"""CogVideoX text-to-video and image-to-video from local diffusers folders.

``[video] model`` is a text-to-video folder (CogVideoX-2b/-5b); ``[video]
image_to_video_model`` an image-to-video one (CogVideoX-5b-I2V), used when a scene
brings its key image as first frame. CogVideoX makes a fixed-size clip (720x480 and up
to 49 frames at 8 fps for 1.0; 1.5 makes 81 frames at 16 fps): the frame count is the
scene's length at the model's rate, snapped to the ``8k + 1`` frames its VAE decodes and
capped at what it was trained on, and the tool stretches a capped clip to the scene's
length when it encodes. Other aspects are left to the editor's crop, since these models
degrade away from their training size.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from adloom.tools.config import VideoSettings
from adloom.tools.context import ProgressCallback, ResidentModels, ignore_progress
from adloom.tools.video.clips import ClipJob, GeneratedClip
from adloom.tools.video.errors import VideoBackendError
from adloom.tools.model_manager import (
    Placement,
    explain_out_of_memory,
    folder_fingerprint,
    load_resident,
    place_pipeline,
    resolve_model_folder,
    step_progress,
    swap_scheduler,
)

DEFAULT_STEPS = 50
DEFAULT_GUIDANCE = 6.0


@dataclass(frozen=True)
class CogVideoXChoice:
    """The folder a request will use and its shape, known before loading any weights."""

    folder: Path
    model_id: str
    image_to_video: bool
    width: int
    height: int
    max_frames: int
    fps: float
    temporal_compression: int
    placement: Placement


def _config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise VideoBackendError(f"{path} is missing: the folder is not a diffusers CogVideoX pipeline")
    return json.loads(path.read_text("utf-8"))


def choose_cogvideox_model(settings: VideoSettings, *, with_first_frame: bool) -> CogVideoXChoice:
    """Pick the text- or image-to-video folder and read its native size, length and rate.

    Raises:
        ModelNotFoundError: the configured folder does not exist.
        VideoBackendError: it is not a CogVideoX pipeline of the expected kind.
    """
    use_i2v = with_first_frame and bool(settings.image_to_video_model)
    setting = "[video] image_to_video_model" if use_i2v else "[video] model"
    folder = resolve_model_folder(settings.image_to_video_model if use_i2v else settings.model, setting=setting)
    pipeline = _config(folder / "model_index.json").get("_class_name", "")
    if not pipeline.startswith("CogVideoX"):
        raise VideoBackendError(f"{setting} = {str(folder)!r} holds a {pipeline or 'non-diffusers'} model, not CogVideoX")
    is_i2v = "ImageToVideo" in pipeline
    if is_i2v != use_i2v:
        wanted = "an image-to-video" if use_i2v else "a text-to-video"
        raise VideoBackendError(f"{setting} = {str(folder)!r} holds {pipeline}; it must be {wanted} CogVideoX folder")
    transformer = _config(folder / "transformer" / "config.json")
    vae = _config(folder / "vae" / "config.json")
    spatial = 2 ** (len(vae.get("block_out_channels", [0] * 4)) - 1)
    temporal = int(vae.get("temporal_compression_ratio", 4))
    max_frames = int(transformer.get("sample_frames", 49))
    # CogVideoX 1.0 was trained at 8 fps (49 frames), 1.5 at 16 fps (81 frames).
    fps = 16.0 if max_frames > 49 else 8.0
    return CogVideoXChoice(
        folder=folder, model_id=folder_fingerprint(folder), image_to_video=is_i2v,
        width=int(transformer.get("sample_width", 90)) * spatial,
        height=int(transformer.get("sample_height", 60)) * spatial,
        max_frames=max_frames, fps=fps, temporal_compression=temporal,
        placement=Placement.from_settings(settings, "video"),
    )


def frames_for(seconds: float, choice: CogVideoXChoice) -> int:
    """Frames to generate for ``seconds``, capped at the trained length.

    The causal VAE turns latent frame 1 into one frame and every later *pair* of latent
    frames into ``2 * temporal`` frames, so clips come in ``8k + 1`` frames (9, 17, … 49).
    """
    step = 2 * choice.temporal_compression
    wanted = max(step + 1, math.ceil(seconds * choice.fps))
    snapped = math.ceil((wanted - 1) / step) * step + 1
    return min(snapped, choice.max_frames)


def load_cogvideox(settings: VideoSettings, models: ResidentModels, choice: CogVideoXChoice) -> Any:
    """The chosen CogVideoX pipeline, loaded once and kept warm (the video tool's one resident model).

    Raises:
        ModelMemoryError: it does not fit on the device.
    """
    placement = choice.placement

    def load() -> Any:
        from diffusers import DiffusionPipeline

        pipe = DiffusionPipeline.from_pretrained(choice.folder, dtype=placement.dtype, local_files_only=True)
        if settings.scheduler:
            swap_scheduler(pipe, settings.scheduler, setting="[video] scheduler")
        if placement.vae_tiling:
            pipe.vae.enable_slicing()  # frames are decoded one batch item at a time as well
        return place_pipeline(pipe, placement, denoiser="transformer")

    key = ("video", "cogvideox", str(choice.folder), settings.scheduler, *map(str, placement.describe().values()))
    return load_resident(models, key, load, placement)


def generate_cogvideox(
    pipe: Any,
    choice: CogVideoXChoice,
    settings: VideoSettings,
    *,
    prompt: str,
    seconds: float,
    seed: int,
    first_frame: Image.Image | None = None,
    progress: ProgressCallback = ignore_progress,
) -> GeneratedClip:
    """Generate one clip; ``first_frame`` is required by, and only used by, image-to-video folders."""
    if not prompt.strip():
        raise VideoBackendError("prompt is empty")
    if choice.image_to_video and first_frame is None:
        raise VideoBackendError("the image-to-video CogVideoX model needs a first_frame")
    frames = frames_for(seconds, choice)
    steps = settings.steps or DEFAULT_STEPS
    guidance = DEFAULT_GUIDANCE if settings.guidance_scale is None else settings.guidance_scale
    generator_device = "cpu" if choice.placement.offload != "none" else choice.placement.device
    call: dict[str, Any] = {
        "prompt": prompt, "num_frames": frames, "height": choice.height, "width": choice.width,
        "num_inference_steps": steps, "guidance_scale": guidance, "output_type": "pil",
        "generator": torch.Generator(generator_device).manual_seed(seed),
        "max_sequence_length": pipe.transformer.config.max_text_seq_length,
    }
    if choice.image_to_video:
        call["image"] = first_frame.convert("RGB").resize((choice.width, choice.height), Image.LANCZOS)
    call.update(step_progress(pipe, "generating video", steps, progress))
    with explain_out_of_memory(choice.placement, f"generating a {frames}-frame {choice.width}x{choice.height} clip"):
        with torch.inference_mode():
            video = pipe(**call).frames[0]
    metadata = {
        "prompt": prompt, "seed": seed, "frames": len(video), "generated_fps": choice.fps, "steps": steps,
        "guidance_scale": guidance, "width": choice.width, "height": choice.height, "model": choice.model_id,
        "mode": "image2video" if choice.image_to_video else "text2video",
        "scheduler": type(pipe.scheduler).__name__, **choice.placement.describe(),
    }
    return GeneratedClip(frames=list(video), fps=choice.fps, metadata=metadata)


def cogvideox_clip_job(settings: VideoSettings, models: ResidentModels, *, prompt: str, seconds: float, seed: int,
                       aspect: str, first_frame: Image.Image | None, progress: ProgressCallback) -> ClipJob:
    """The clip CogVideoX will make for one scene (its training size whatever the aspect)."""
    choice = choose_cogvideox_model(settings, with_first_frame=first_frame is not None)

    def make() -> GeneratedClip:
        pipe = load_cogvideox(settings, models, choice)
        return generate_cogvideox(pipe, choice, settings, prompt=prompt, seconds=seconds, seed=seed,
                                  first_frame=first_frame if choice.image_to_video else None, progress=progress)

    return ClipJob(choice.model_id, {"uses_first_frame": choice.image_to_video, **choice.placement.describe()}, make)
