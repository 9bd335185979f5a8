"""Tool agent ``image.generate``: diffusion key-image candidates, ranked, through the asset cache.

Used when ``[image] backend = "diffusers"``. One batched pipeline call makes every
candidate (seed ``seed + i`` each); the candidates are ranked by CLIP score when
``[image] clip_model`` is set, else by the critic's NSFW and OCR checks; the result lists
them best first. A repeated request with the same model, settings and inputs returns the
stored images without loading the model.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from pydantic import BaseModel, Field, field_validator

from adloom.tools.aspects import Aspect
from adloom.storage.assets import AssetRef, cache_key, sha256_file
from adloom.tools.context import ToolContext
from adloom.tools.image.clip_ranking import rank_candidates
from adloom.tools.image.diffusers_backend import choose_image_model, generate_images, load_image_pipelines
from adloom.tools.model_manager import dtype_name, folder_fingerprint, resolve_model_folder
from adloom.tools.registry import tool_agent, tool_handle

TOOL_NAME = "image.generate"
BACKEND = "diffusers"


class ImageGenerateRequest(BaseModel):
    """What to draw and how many candidates to choose from."""

    prompt: str = Field(min_length=1, description="What the image shows.")
    negative_prompt: str = Field(default="", description="What it must not show (ignored by guidance-free turbo models).")
    aspect: Aspect = "1:1"
    candidates: int = Field(default=4, ge=1, le=16)
    seed: int = Field(default=0, ge=0, description="Candidate i uses seed + i.")
    init_image: str | None = Field(default=None, description="A product photo to start from (image-to-image).")
    strength: float = Field(default=0.6, gt=0.0, le=1.0, description="Image-to-image: how far to move from init_image.")
    rank_text: str | None = Field(default=None, description="Copy to rank candidates against (default: the prompt).")

    @field_validator("init_image")
    @classmethod
    def _init_image_exists(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).expanduser().is_file():
            raise ValueError(f"init_image {value!r} is not a file")
        return value


class ImageGenerateResult(BaseModel):
    """The candidates best first, with the scores that ordered them."""

    images: list[AssetRef] = Field(description="Ranked best first; each carries its seed in metadata.")
    scores: list[float] = Field(description="Score of each image in `images`, same order.")
    ranking_method: str = Field(description="'clip' or 'ocr+nsfw' (no CLIP model configured).")
    ranking_note: str = ""
    from_cache: bool = False


class ImageBackendNotSelected(ValueError):
    """``image.generate`` was called while ``[image] backend`` is not ``diffusers``."""


def _example() -> ImageGenerateRequest:
    return ImageGenerateRequest(
        prompt="a red trail running shoe on a mossy rock, product photo, soft light",
        negative_prompt="text, watermark, blurry", aspect="1:1", candidates=2, seed=7,
    )


def _request_key(request: ImageGenerateRequest, ctx: ToolContext, model_id: str, describe: dict) -> str:
    settings = ctx.settings.image
    clip = folder_fingerprint(resolve_model_folder(settings.clip_model, setting="[image] clip_model")) \
        if settings.clip_model else "fallback"
    params = request.model_dump(mode="json", exclude={"init_image"})
    if request.init_image is None:
        params.pop("strength")
    params.update(steps=settings.steps, guidance_scale=settings.guidance_scale, scheduler=settings.scheduler,
                  ranking=clip, **describe)
    inputs = [sha256_file(Path(request.init_image).expanduser())] if request.init_image else []
    return cache_key(TOOL_NAME, BACKEND, model_id, params, inputs)


def _from_cache(key: str, ctx: ToolContext) -> ImageGenerateResult | None:
    stored = ctx.assets.lookup(key)
    if stored is None:
        return None
    result = ImageGenerateResult.model_validate_json(Path(stored.path).read_text("utf-8"))
    if not all(Path(ref.path).is_file() and sha256_file(Path(ref.path)) == ref.sha256 for ref in result.images):
        return None  # an image was deleted or damaged: make them again
    return result.model_copy(update={"from_cache": True})


@tool_agent(TOOL_NAME, example=_example)
def generate_key_images(request: ImageGenerateRequest, ctx: ToolContext) -> ImageGenerateResult:
    """Generate ranked key-image candidates with the configured diffusers model (text- or image-to-image)."""
    settings = ctx.settings.image
    if settings.backend != BACKEND:
        raise ImageBackendNotSelected(
            f"image.generate needs [image] backend = 'diffusers' with [image] model set to a diffusers folder, "
            f"but backend is {settings.backend!r}; use image.render for the template backend"
        )
    choice = choose_image_model(settings)
    key = _request_key(request, ctx, choice.model_id, choice.placement.describe())
    cached = _from_cache(key, ctx)
    if cached is not None:
        return cached
    pipelines = load_image_pipelines(settings, ctx.models, choice)
    init = None
    if request.init_image:
        with Image.open(Path(request.init_image).expanduser()) as opened:
            init = opened.convert("RGB")
    generated = generate_images(
        pipelines, settings, prompt=request.prompt, negative_prompt=request.negative_prompt, aspect=request.aspect,
        candidates=request.candidates, seed=request.seed, init_image=init, strength=request.strength,
        progress=ctx.progress,
    )
    ctx.progress("picking the best picture", 0.0)
    ranking = rank_candidates([item.image for item in generated], text=request.prompt, rank_text=request.rank_text,
                              settings=settings, models=ctx.models)
    scratch = ctx.assets.scratch_dir()
    refs = []
    for rank, index in enumerate(ranking.order):
        item = generated[index]
        path = scratch / f"candidate-{index}.png"
        item.image.save(path)
        metadata = {**item.metadata, "rank": rank, "score": ranking.scores[index],
                    "ranking_method": ranking.method, **ranking.details[index]}
        if request.init_image:
            metadata["init_image_sha256"] = sha256_file(Path(request.init_image).expanduser())
        refs.append(ctx.assets.put_file(path, kind="image", tool=TOOL_NAME, backend=BACKEND, metadata=metadata,
                                        move=True))
    scratch.rmdir()
    result = ImageGenerateResult(
        images=refs, scores=[ranking.scores[i] for i in ranking.order], ranking_method=ranking.method,
        ranking_note=ranking.note,
    )
    summary = ctx.assets.put_bytes(
        result.model_dump_json(indent=1).encode("utf-8"), ".json", kind="json", tool=TOOL_NAME, backend=BACKEND,
        metadata={"model": choice.model_id, "dtype": dtype_name(choice.placement.dtype), "candidates": len(refs)},
    )
    ctx.assets.remember(key, summary)
    ctx.progress("picking the best picture", 1.0)
    return result


GENERATE_KEY_IMAGES = tool_handle(generate_key_images)
