"""Text-to-image and image-to-image with any diffusers pipeline folder.

Works with SD 1.5, SD-Turbo, SDXL, SDXL-Turbo and FLUX.1 folders (or anything else
``AutoPipelineForText2Image`` can load). The model family decides the defaults — step
count, guidance, the native resolution that sizes are snapped to — and ``[image]``
settings override them. All candidates of one request come from one batched call, each
with its own seed (``seed + i``) recorded in its metadata so any one can be regenerated.
"""

from __future__ import annotations

import inspect
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from adloom.tools.config import ImageSettings
from adloom.tools.context import ProgressCallback, ResidentModels, ignore_progress
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

ASPECTS: dict[str, tuple[int, int]] = {"9:16": (9, 16), "1:1": (1, 1), "16:9": (16, 9), "4:5": (4, 5)}


class DiffusersBackendError(ValueError):
    """The ``[image]`` diffusers settings or a request cannot be used; the message names the field."""


@dataclass(frozen=True)
class ModelFamily:
    """Defaults that depend on which kind of model a folder holds."""

    name: str
    steps: int
    guidance_scale: float
    size_multiple: int
    """Width and height must be multiples of this (VAE factor times the denoiser's downsampling)."""
    native_side: int
    """Side of the square the model was trained at; other aspects keep about its area."""


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise DiffusersBackendError(f"{path} is missing: the [image] model folder is not a diffusers pipeline") from None


def detect_family(folder: Path) -> ModelFamily:
    """Read a pipeline folder's configs and pick the family defaults.

    Turbo/schnell/lightning checkpoints are told apart from their base models by name,
    since their configs are identical: distilled models need 1–4 steps and no guidance.
    """
    index = _read_json(folder / "model_index.json")
    pipeline = index.get("_class_name", "")
    vae = _read_json(folder / "vae" / "config.json")
    vae_factor = 2 ** (len(vae.get("block_out_channels", [0] * 4)) - 1)
    label = folder.name.lower() + " " + str(index.get("_name_or_path", "")).lower()
    distilled = any(word in label for word in ("turbo", "schnell", "lightning", "lcm"))
    if (folder / "unet" / "config.json").is_file():
        unet = _read_json(folder / "unet" / "config.json")
        native = int(unet.get("sample_size", 64)) * vae_factor
        multiple = vae_factor * 2 ** (len(unet.get("block_out_channels", [0] * 4)) - 1)
        if native >= 512:  # full-size UNets were trained on 64-pixel buckets
            multiple = max(multiple, 64)
    else:  # transformer denoisers (FLUX) patchify latents by 2 and train at about 1024²
        native = 1024
        multiple = vae_factor * 2
    multiple = max(multiple, 8)  # every diffusers pipeline checks divisibility by 8
    if "Flux" in pipeline:
        name, steps, guidance = ("flux-schnell", 4, 0.0) if distilled else ("flux", 28, 3.5)
    elif "XL" in pipeline:
        name, steps, guidance = ("sdxl-turbo", 1, 0.0) if distilled else ("sdxl", 30, 5.0)
    else:
        name, steps, guidance = ("sd-turbo", 1, 0.0) if distilled else ("sd", 30, 7.5)
    return ModelFamily(name, steps, guidance, multiple, native)


def snap_size(aspect: str, family: ModelFamily) -> tuple[int, int]:
    """Width and height for ``aspect`` with about the native area, in multiples the model accepts."""
    if aspect not in ASPECTS:
        raise DiffusersBackendError(f"aspect {aspect!r} is not one of {', '.join(ASPECTS)}")
    across, down = ASPECTS[aspect]
    area = family.native_side**2
    width = math.sqrt(area * across / down)
    height = width * down / across

    def snap(value: float) -> int:
        return max(family.size_multiple, round(value / family.size_multiple) * family.size_multiple)

    return snap(width), snap(height)


@dataclass
class ImagePipelines:
    """A loaded text-to-image pipeline (and its image-to-image twin sharing the same weights)."""

    text2image: Any
    family: ModelFamily
    model_id: str
    placement: Placement
    scheduler: str
    _image2image: Any = field(default=None, repr=False)

    @property
    def image2image(self) -> Any:
        if self._image2image is None:
            from diffusers import AutoPipelineForImage2Image

            self._image2image = AutoPipelineForImage2Image.from_pipe(self.text2image)
            self._image2image.set_progress_bar_config(disable=True)
        return self._image2image


@dataclass(frozen=True)
class ImageModelChoice:
    """What ``[image]`` settings select, known without loading any weights (for cache keys)."""

    folder: Path
    model_id: str
    family: ModelFamily
    placement: Placement


def choose_image_model(settings: ImageSettings) -> ImageModelChoice:
    """Resolve the ``[image] model`` folder, its family and where it runs.

    Raises:
        ModelNotFoundError: ``[image] model`` is not a folder or cached id.
        DiffusersBackendError: the folder is not a diffusers pipeline.
    """
    folder = resolve_model_folder(settings.model, setting="[image] model")
    return ImageModelChoice(
        folder, folder_fingerprint(folder), detect_family(folder), Placement.from_settings(settings, "image")
    )


def load_image_pipelines(
    settings: ImageSettings, models: ResidentModels, choice: ImageModelChoice | None = None
) -> ImagePipelines:
    """The ``[image]`` diffusers pipeline, loaded from its folder once and kept warm.

    Raises:
        ModelNotFoundError: ``[image] model`` is not a folder or cached id.
        DiffusersBackendError: the folder is not a diffusers pipeline.
        UnknownSchedulerError: ``[image] scheduler`` names no diffusers scheduler.
        ModelMemoryError: it does not fit on the device.
    """
    choice = choice or choose_image_model(settings)
    folder, family, placement, model_id = choice.folder, choice.family, choice.placement, choice.model_id

    def load() -> ImagePipelines:
        from diffusers import AutoPipelineForText2Image

        options: dict[str, Any] = {"dtype": placement.dtype, "local_files_only": True}
        if (folder / "safety_checker").is_dir():
            # The critic runs its own NSFW check; the SD checker would blank images silently.
            options.update(safety_checker=None, requires_safety_checker=False)
        pipe = AutoPipelineForText2Image.from_pretrained(folder, **options)
        if settings.scheduler:
            swap_scheduler(pipe, settings.scheduler, setting="[image] scheduler")
        denoiser = "unet" if hasattr(pipe, "unet") else "transformer"
        place_pipeline(pipe, placement, denoiser=denoiser)
        return ImagePipelines(pipe, family, model_id, placement, type(pipe.scheduler).__name__)

    key = ("image", "diffusers", str(folder), settings.scheduler, *map(str, placement.describe().values()))
    return load_resident(models, key, load, placement, measure=lambda loaded: module_bytes(loaded.text2image))


@dataclass(frozen=True)
class GeneratedImage:
    """One candidate and everything needed to make it again."""

    image: Image.Image
    metadata: dict[str, Any]


def _accepts(pipe: Any, name: str) -> bool:
    return name in inspect.signature(pipe.__call__).parameters


def generate_images(
    pipelines: ImagePipelines,
    settings: ImageSettings,
    *,
    prompt: str,
    negative_prompt: str = "",
    aspect: str = "1:1",
    candidates: int = 1,
    seed: int = 0,
    init_image: Image.Image | None = None,
    strength: float = 0.6,
    progress: ProgressCallback = ignore_progress,
) -> list[GeneratedImage]:
    """Make ``candidates`` images in one batched call; candidate ``i`` uses seed ``seed + i``.

    With ``init_image`` the image-to-image pipeline starts from it (resized to the snapped
    size) and ``strength`` says how far it may move away (0 keeps it, 1 ignores it).
    """
    if not prompt.strip():
        raise DiffusersBackendError("prompt is empty")
    if candidates < 1:
        raise DiffusersBackendError(f"candidates = {candidates}: ask for at least one image")
    if init_image is not None and not 0.0 < strength <= 1.0:
        raise DiffusersBackendError(f"strength = {strength}: must be in (0, 1] for image-to-image")
    family = pipelines.family
    width, height = snap_size(aspect, family)
    steps = settings.steps or family.steps
    guidance = family.guidance_scale if settings.guidance_scale is None else settings.guidance_scale
    mode = "text2image" if init_image is None else "image2image"
    pipe = pipelines.text2image if init_image is None else pipelines.image2image
    generator_device = "cpu" if pipelines.placement.offload != "none" else pipelines.placement.device
    generators = [torch.Generator(generator_device).manual_seed(seed + i) for i in range(candidates)]
    call: dict[str, Any] = {
        "prompt": prompt, "num_images_per_prompt": candidates, "num_inference_steps": steps,
        "guidance_scale": guidance, "generator": generators, "output_type": "pil",
    }
    # Distilled models run without classifier-free guidance, so a negative prompt has no effect there.
    negative_used = bool(negative_prompt) and guidance > 1.0 and _accepts(pipe, "negative_prompt")
    if negative_used:
        call["negative_prompt"] = negative_prompt
    if init_image is None:
        call.update(width=width, height=height)
    else:
        call.update(image=init_image.convert("RGB").resize((width, height), Image.LANCZOS), strength=strength)
        if steps * strength < 1:  # img2img runs steps*strength steps; keep at least one
            call["num_inference_steps"] = math.ceil(1 / strength)
    call.update(step_progress(pipe, "generating images", call["num_inference_steps"], progress))
    with explain_out_of_memory(pipelines.placement, f"generating {candidates} image(s) of {width}x{height}"):
        with torch.inference_mode():
            images = pipe(**call).images
    if pipe is not pipelines.text2image:
        return_offloaded_weights(pipelines.text2image, pipelines.placement)
    common = {
        "prompt": prompt, "negative_prompt": negative_prompt if negative_used else "", "aspect": aspect,
        "width": width, "height": height, "steps": call["num_inference_steps"], "guidance_scale": guidance,
        "scheduler": pipelines.scheduler, "family": family.name, "model": pipelines.model_id, "mode": mode,
        **pipelines.placement.describe(),
    }
    if init_image is not None:
        common["strength"] = strength
    return [
        GeneratedImage(image, {**common, "seed": seed + i, "candidate": i}) for i, image in enumerate(images)
    ]
