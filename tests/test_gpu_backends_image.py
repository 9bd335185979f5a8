"""The diffusers image backend, CLIP ranking and the ``image.generate`` tool, on tiny random models (CPU)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from tiny_diffusion import build_clip, build_stable_diffusion
from adloom.tools.config import ImageSettings
from adloom.tools.context import ResidentModels
from adloom.tools.image.clip_ranking import FALLBACK_METHOD, rank_candidates
from adloom.tools.image.diffusers_backend import (
    DiffusersBackendError,
    detect_family,
    generate_images,
    load_image_pipelines,
    snap_size,
)
from adloom.tools.model_manager import ModelNotFoundError, UnknownSchedulerError


@pytest.fixture(scope="module")
def sd_folder(tmp_path_factory) -> Path:
    return build_stable_diffusion(tmp_path_factory.mktemp("models") / "tiny-sd")


@pytest.fixture(scope="module")
def clip_folder(tmp_path_factory) -> Path:
    return build_clip(tmp_path_factory.mktemp("models") / "tiny-clip")


@pytest.fixture(scope="module")
def resident() -> ResidentModels:
    return ResidentModels()


def _settings(sd_folder: Path, **extra) -> ImageSettings:
    return ImageSettings(backend="diffusers", model=str(sd_folder), steps=2, device="cpu", **extra)


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def test_candidates_come_from_one_batch_with_their_seeds(sd_folder, resident):
    settings = _settings(sd_folder)
    pipelines = load_image_pipelines(settings, resident)
    batch = generate_images(pipelines, settings, prompt="a red running shoe", negative_prompt="blurry",
                            aspect="9:16", candidates=3, seed=11)
    assert [item.image.size for item in batch] == [(24, 40)] * 3  # 9:16 snapped to multiples of 8 at ~32² area
    assert [item.metadata["seed"] for item in batch] == [11, 12, 13]
    meta = batch[0].metadata
    assert meta["negative_prompt"] == "blurry" and meta["mode"] == "text2image"
    assert (meta["family"], meta["steps"], meta["dtype"], meta["device"]) == ("sd", 2, "fp32", "cpu")
    assert meta["model"].startswith("tiny-sd@") and meta["scheduler"] == "EulerDiscreteScheduler"
    # Candidate i is exactly what seed + i makes alone, and different seeds differ.
    alone = generate_images(pipelines, settings, prompt="a red running shoe", negative_prompt="blurry",
                            aspect="9:16", candidates=1, seed=12)
    assert np.array_equal(_pixels(alone[0].image), _pixels(batch[1].image))
    assert not np.array_equal(_pixels(batch[0].image), _pixels(batch[1].image))
    assert load_image_pipelines(settings, resident) is pipelines  # stays warm


def test_image_to_image_starts_from_the_product_photo(sd_folder, resident):
    settings = _settings(sd_folder)
    pipelines = load_image_pipelines(settings, resident)
    photo = Image.new("RGB", (300, 200), (220, 30, 30))
    first = generate_images(pipelines, settings, prompt="shoe", aspect="16:9", candidates=2, seed=3,
                            init_image=photo, strength=0.5)
    again = generate_images(pipelines, settings, prompt="shoe", aspect="16:9", candidates=2, seed=3,
                            init_image=photo, strength=0.5)
    assert [item.image.size for item in first] == [(40, 24)] * 2
    assert first[0].metadata["mode"] == "image2image" and first[0].metadata["strength"] == 0.5
    assert np.array_equal(_pixels(first[1].image), _pixels(again[1].image))
    with pytest.raises(DiffusersBackendError, match="strength"):
        generate_images(pipelines, settings, prompt="shoe", init_image=photo, strength=0.0)


def test_scheduler_comes_from_config(sd_folder):
    settings = _settings(sd_folder, scheduler="DDIMScheduler")
    pipelines = load_image_pipelines(settings, ResidentModels())
    item = generate_images(pipelines, settings, prompt="shoe", seed=1)[0]
    assert item.metadata["scheduler"] == "DDIMScheduler"
    with pytest.raises(UnknownSchedulerError, match=r"\[image\] scheduler = 'NoSuchScheduler'.*compatible"):
        load_image_pipelines(_settings(sd_folder, scheduler="NoSuchScheduler"), ResidentModels())


def test_memory_switches_reach_the_pipeline(sd_folder):
    settings = _settings(sd_folder, vae_tiling=True, offload="model")
    pipelines = load_image_pipelines(settings, ResidentModels())
    assert pipelines.text2image.vae.use_tiling
    item = generate_images(pipelines, settings, prompt="shoe", seed=1)[0]
    # On the CPU there is nothing to offload to, so the metadata says it stayed off.
    assert item.metadata["vae_tiling"] and item.metadata["offload"] == "none"


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def _cuda_settings(sd_folder: Path, **extra) -> ImageSettings:
    return ImageSettings(backend="diffusers", model=str(sd_folder), steps=2, device="cuda", **extra)


@pytest.mark.gpu
@needs_cuda
def test_half_precision_with_model_offload_on_cuda(sd_folder):
    settings = _cuda_settings(sd_folder, dtype="fp16", offload="model", vae_tiling=True)
    pipelines = load_image_pipelines(settings, ResidentModels())
    assert pipelines.text2image.unet.dtype == torch.float16 and pipelines.text2image.vae.dtype == torch.float16
    batch = generate_images(pipelines, settings, prompt="shoe", aspect="9:16", candidates=2, seed=1)
    again = generate_images(pipelines, settings, prompt="shoe", aspect="9:16", candidates=2, seed=1)
    assert [item.image.size for item in batch] == [(24, 40)] * 2
    assert batch[0].metadata["dtype"] == "fp16" and batch[0].metadata["offload"] == "model"
    assert np.array_equal(_pixels(batch[1].image), _pixels(again[1].image))
    assert not np.array_equal(_pixels(batch[0].image), _pixels(batch[1].image))
    assert {pipelines.text2image.unet.device.type, pipelines.text2image.vae.device.type} == {"cpu"}
    # The image-to-image twin shares the offloaded weights.
    photo = Image.new("RGB", (64, 64), (200, 30, 30))
    edited = generate_images(pipelines, settings, prompt="shoe", candidates=1, seed=1, init_image=photo, strength=0.5)
    assert edited[0].metadata["mode"] == "image2image" and edited[0].image.size == (32, 32)
    # Offloaded: between calls every sub-model's weights are back in CPU memory.
    for pipe in (pipelines.text2image, pipelines.image2image):
        assert {pipe.unet.device.type, pipe.vae.device.type, pipe.text_encoder.device.type} == {"cpu"}


@pytest.mark.gpu
@needs_cuda
def test_sequential_offload_makes_the_same_images_as_model_offload(sd_folder):
    images = {}
    for offload in ("model", "sequential"):
        settings = _cuda_settings(sd_folder, dtype="fp16", offload=offload)
        pipelines = load_image_pipelines(settings, ResidentModels())
        item = generate_images(pipelines, settings, prompt="shoe", candidates=1, seed=5)[0]
        assert item.metadata["offload"] == offload
        images[offload] = _pixels(item.image).astype(int)
    # Both draw their noise on the CPU and run the same fp16 kernels, layer by layer or model by model.
    assert np.abs(images["model"] - images["sequential"]).max() <= 2


@pytest.mark.gpu
@pytest.mark.slow
@needs_cuda
def test_auto_precision_and_compile_on_cuda(sd_folder):
    settings = _cuda_settings(sd_folder, compile=True, vae_tiling=True)
    pipelines = load_image_pipelines(settings, ResidentModels())
    pipe = pipelines.text2image
    assert isinstance(pipe.unet, torch._dynamo.eval_frame.OptimizedModule)
    expected = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    assert pipe.unet.dtype == expected and pipe.vae.dtype == expected and pipe.device.type == "cuda"
    first = generate_images(pipelines, settings, prompt="a red shoe", candidates=2, seed=3)
    again = generate_images(pipelines, settings, prompt="a red shoe", candidates=2, seed=3)
    meta = first[0].metadata
    assert (meta["dtype"], meta["device"], meta["compile"], meta["offload"]) == (
        "bf16" if expected == torch.bfloat16 else "fp16", "cuda", True, "none")
    assert np.array_equal(_pixels(first[1].image), _pixels(again[1].image))
    assert _pixels(first[0].image).std() > 0  # a decoded picture, not a blank (NaN) one
    photo = Image.new("RGB", (64, 64), (20, 30, 200))
    edited = generate_images(pipelines, settings, prompt="a red shoe", candidates=2, seed=3, init_image=photo)
    assert [item.metadata["mode"] for item in edited] == ["image2image"] * 2
    assert not np.array_equal(_pixels(edited[0].image), _pixels(first[0].image))


def _fake_folder(root: Path, name: str, pipeline: str, vae_blocks: int, denoiser: str, config: dict) -> Path:
    folder = root / name
    for sub, data in (("", {"_class_name": pipeline}), ("vae", {"block_out_channels": [1] * vae_blocks}),
                      (denoiser, config)):
        (folder / sub).mkdir(parents=True, exist_ok=True)
        (folder / sub / ("model_index.json" if not sub else "config.json")).write_text(json.dumps(data))
    return folder


def test_family_defaults_and_sizes_for_full_size_models(tmp_path):
    sd15 = detect_family(_fake_folder(tmp_path, "stable-diffusion-v1-5", "StableDiffusionPipeline", 4, "unet",
                                      {"sample_size": 64, "block_out_channels": [320, 640, 1280, 1280]}))
    sdxl_turbo = detect_family(_fake_folder(tmp_path, "sdxl-turbo", "StableDiffusionXLPipeline", 4, "unet",
                                            {"sample_size": 64, "block_out_channels": [320, 640, 1280]}))
    sdxl = detect_family(_fake_folder(tmp_path, "sdxl-base", "StableDiffusionXLPipeline", 4, "unet",
                                      {"sample_size": 128, "block_out_channels": [320, 640, 1280]}))
    flux = detect_family(_fake_folder(tmp_path, "FLUX.1-schnell", "FluxPipeline", 4, "transformer",
                                      {"patch_size": 1}))
    assert (sd15.name, sd15.steps, sd15.guidance_scale) == ("sd", 30, 7.5)
    assert (sdxl_turbo.name, sdxl_turbo.steps, sdxl_turbo.guidance_scale) == ("sdxl-turbo", 1, 0.0)
    assert (flux.name, flux.steps, flux.guidance_scale) == ("flux-schnell", 4, 0.0)
    assert snap_size("1:1", sd15) == (512, 512)
    assert snap_size("9:16", sd15) == (384, 704)
    assert snap_size("9:16", sdxl) == (768, 1344) and snap_size("16:9", sdxl) == (1344, 768)
    assert snap_size("4:5", sdxl) == (896, 1152)
    width, height = snap_size("9:16", flux)
    assert width % 16 == 0 and height % 16 == 0 and abs(width * height - 1024**2) < 0.05 * 1024**2
    with pytest.raises(DiffusersBackendError, match="aspect '3:2'"):
        snap_size("3:2", sd15)


def test_clip_ranking_orders_by_clip_score(clip_folder, sd_folder, resident):
    settings = _settings(sd_folder, clip_model=str(clip_folder))
    images = [Image.new("RGB", (40, 40), color) for color in ((250, 0, 0), (0, 250, 0), (0, 0, 250))]
    ranking = rank_candidates(images, text="a red shoe", rank_text=None, settings=settings, models=resident)
    again = rank_candidates(images, text="a red shoe", rank_text=None, settings=settings, models=resident)
    assert ranking.method == "clip" and ranking.scores == again.scores
    assert sorted(ranking.order) == [0, 1, 2]
    assert [ranking.scores[i] for i in ranking.order] == sorted(ranking.scores, reverse=True)
    assert all(0.0 <= score <= 100.0 for score in ranking.scores)
    assert ranking.details[0]["clip_model"].startswith("tiny-clip@")
    other = rank_candidates(images, text="a red shoe", rank_text="blue ocean waves", settings=settings,
                            models=resident)
    assert other.scores != ranking.scores  # rank_text is what gets scored


def _context(tmp_path: Path, image: ImageSettings, resident: ResidentModels):
    from adloom.config import Settings
    from adloom.storage.assets import AssetStore
    from adloom.tools.context import ToolContext

    settings = Settings(data_dir=tmp_path / "data", image=image)
    return ToolContext(settings=settings, assets=AssetStore(settings.data_dir), models=resident)


def test_generate_tool_ranks_stores_and_caches(tmp_path, sd_folder, clip_folder, resident):
    from adloom.tools.registry import load_tools

    tool = load_tools(plugins=False)["image.generate"]
    ctx = _context(tmp_path, _settings(sd_folder, clip_model=str(clip_folder)), resident)
    reported: list[tuple[str, float]] = []
    ctx.progress = lambda label, fraction: reported.append((label, fraction))
    request = {"prompt": "a red running shoe", "aspect": "16:9", "candidates": 3, "seed": 21}
    result = tool.run(request, ctx)
    assert ("generating images", 0.5) in reported and ("generating images", 1.0) in reported  # per step of 2
    assert result.ranking_method == "clip" and not result.from_cache
    assert result.scores == sorted(result.scores, reverse=True)
    assert sorted(ref.metadata["seed"] for ref in result.images) == [21, 22, 23]
    for rank, ref in enumerate(result.images):
        assert ref.kind == "image" and ref.backend == "diffusers" and ref.tool == "image.generate"
        assert ref.metadata["rank"] == rank and ref.metadata["score"] == result.scores[rank]
        with Image.open(ref.path) as stored:
            assert stored.size == (ref.metadata["width"], ref.metadata["height"]) == (40, 24)
    loaded = len(resident.keys())
    again = tool.run(request, ctx)
    assert again.from_cache and again.images == result.images
    assert len(resident.keys()) == loaded
    other_seed = tool.run({**request, "seed": 22}, ctx)
    assert not other_seed.from_cache


def test_generate_tool_falls_back_to_the_critic_checks_without_clip(tmp_path, sd_folder, resident):
    from adloom.tools.registry import load_tools

    tool = load_tools(plugins=False)["image.generate"]
    ctx = _context(tmp_path, _settings(sd_folder), resident)
    photo = tmp_path / "product.png"
    Image.new("RGB", (64, 64), (10, 120, 200)).save(photo)
    result = tool.run({"prompt": "a blue bottle", "candidates": 2, "seed": 4, "init_image": str(photo)}, ctx)
    assert result.ranking_method == FALLBACK_METHOD and "clip_model" in result.ranking_note
    for ref in result.images:
        assert {"nsfw", "ocr_text", "text_quality", "score"} <= set(ref.metadata)
        assert 0.0 <= ref.metadata["nsfw"] <= 1.0
        assert ref.metadata["mode"] == "image2image" and len(ref.metadata["init_image_sha256"]) == 64


def test_generate_tool_refuses_the_template_backend(tool_context):
    from adloom.tools.image.generate_tool import ImageBackendNotSelected
    from adloom.tools.registry import load_tools

    tool = load_tools(plugins=False)["image.generate"]
    with pytest.raises(ImageBackendNotSelected, match=r"\[image\] backend = 'diffusers'"):
        tool.run({"prompt": "shoe"}, tool_context)


def test_missing_model_folder_is_named(tmp_path):
    with pytest.raises(ModelNotFoundError, match=r"\[image\] model = .*no such folder"):
        load_image_pipelines(ImageSettings(backend="diffusers", model=str(tmp_path / "nope")), ResidentModels())
    with pytest.raises(ModelNotFoundError, match=r"\[image\] model is empty"):
        load_image_pipelines(ImageSettings(backend="diffusers"), ResidentModels())
    not_a_pipeline = tmp_path / "plain"
    not_a_pipeline.mkdir()
    with pytest.raises(DiffusersBackendError, match="model_index.json is missing"):
        load_image_pipelines(ImageSettings(backend="diffusers", model=str(not_a_pipeline)), ResidentModels())
