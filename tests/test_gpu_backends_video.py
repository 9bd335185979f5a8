"""CogVideoX and AnimateDiff backends and the ``video.generate`` tool, on tiny random models (CPU)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from tiny_diffusion import build_cogvideox, build_motion_adapter, build_stable_diffusion

from adloom.tools.config import VideoSettings
from adloom.tools.context import ResidentModels
from adloom.tools.ffmpeg import probe
from adloom.tools.video.errors import VideoBackendError
from adloom.tools.video.animatediff_backend import choose_animatediff_model, generate_animatediff, load_animatediff
from adloom.tools.video.cogvideox_backend import (
    choose_cogvideox_model,
    frames_for,
    generate_cogvideox,
    load_cogvideox,
)


@pytest.fixture(scope="module")
def models_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("video-models")


@pytest.fixture(scope="module")
def cog_t2v(models_root) -> Path:
    return build_cogvideox(models_root / "tiny-cogvideox")


@pytest.fixture(scope="module")
def cog_i2v(models_root) -> Path:
    return build_cogvideox(models_root / "tiny-cogvideox-i2v", image_to_video=True)


@pytest.fixture(scope="module")
def sd_base(models_root) -> Path:
    return build_stable_diffusion(models_root / "tiny-sd")


@pytest.fixture(scope="module")
def lightning_adapter(models_root) -> Path:
    return build_motion_adapter(models_root / "tiny-animatediff-lightning")


@pytest.fixture(scope="module")
def resident() -> ResidentModels:
    return ResidentModels()


def _frames(clip) -> np.ndarray:
    return np.stack([np.asarray(frame.convert("RGB")) for frame in clip.frames])


def _cog_settings(t2v: Path, i2v: Path | None = None, **extra) -> VideoSettings:
    return VideoSettings(backend="cogvideox", model=str(t2v), image_to_video_model=str(i2v or ""), steps=2,
                         device="cpu", **extra)


def test_cogvideox_text_to_video_is_deterministic(cog_t2v, resident):
    settings = _cog_settings(cog_t2v)
    choice = choose_cogvideox_model(settings, with_first_frame=False)
    assert (choice.width, choice.height, choice.max_frames, choice.fps) == (32, 32, 9, 8.0)
    pipe = load_cogvideox(settings, resident, choice)
    clip = generate_cogvideox(pipe, choice, settings, prompt="a shoe on a rock", seconds=0.5, seed=5)
    again = generate_cogvideox(pipe, choice, settings, prompt="a shoe on a rock", seconds=0.5, seed=5)
    other = generate_cogvideox(pipe, choice, settings, prompt="a shoe on a rock", seconds=0.5, seed=6)
    assert _frames(clip).shape == (9, 32, 32, 3)  # 0.5 s at 8 fps is 4 frames: the shortest clip, 8k + 1
    assert np.array_equal(_frames(clip), _frames(again)) and not np.array_equal(_frames(clip), _frames(other))
    assert clip.metadata["mode"] == "text2video" and clip.metadata["seed"] == 5
    assert (clip.metadata["frames"], clip.metadata["generated_fps"], clip.metadata["steps"]) == (9, 8.0, 2)
    assert clip.metadata["model"].startswith("tiny-cogvideox@")


def test_frame_counts_follow_the_vae_and_the_trained_length(cog_t2v):
    choice = choose_cogvideox_model(_cog_settings(cog_t2v), with_first_frame=False)
    full = choice.__class__(**{**choice.__dict__, "max_frames": 49})
    assert [frames_for(seconds, full) for seconds in (0.1, 2.0, 2.2, 4.0, 6.0, 10.0)] == [9, 17, 25, 33, 49, 49]
    assert frames_for(10.0, choice) == 9


def _same_clip_twice_from_a_key_image(pipe, choice, settings):
    """A 9-frame image-to-video clip, made twice with one seed: it must come out the same."""
    key_image = Image.new("RGB", (64, 48), (200, 40, 40))
    clip, again = (generate_cogvideox(pipe, choice, settings, prompt="the shoe turns", seconds=0.5, seed=1,
                                      first_frame=key_image) for _ in range(2))
    assert _frames(clip).shape == (9, 32, 32, 3) and np.array_equal(_frames(clip), _frames(again))
    return clip


def test_cogvideox_image_to_video_starts_from_the_key_image(cog_t2v, cog_i2v, resident):
    settings = _cog_settings(cog_t2v, cog_i2v)
    choice = choose_cogvideox_model(settings, with_first_frame=True)
    assert choice.image_to_video and choice.folder == cog_i2v.resolve()
    pipe = load_cogvideox(settings, resident, choice)
    clip = _same_clip_twice_from_a_key_image(pipe, choice, settings)
    assert clip.metadata["mode"] == "image2video"
    with pytest.raises(VideoBackendError, match="needs a first_frame"):
        generate_cogvideox(pipe, choice, settings, prompt="x", seconds=1.0, seed=1)
    # One resident pipeline for the video tool: loading the I2V model dropped the T2V one.
    video_keys = [key for key in resident.keys() if key[0] == "video"]
    assert len(video_keys) == 1 and str(cog_i2v.resolve()) in video_keys[0]


def test_folders_of_the_wrong_kind_are_named(cog_t2v, cog_i2v, sd_base, tmp_path):
    with pytest.raises(VideoBackendError, match=r"\[video\] model = .*must be a text-to-video"):
        choose_cogvideox_model(_cog_settings(cog_i2v), with_first_frame=False)
    with pytest.raises(VideoBackendError, match=r"\[video\] model = .*not CogVideoX"):
        choose_cogvideox_model(_cog_settings(sd_base), with_first_frame=False)
    with pytest.raises(VideoBackendError, match=r"\[video\] motion_adapter = .*not a MotionAdapter"):
        choose_animatediff_model(VideoSettings(backend="animatediff", model=str(sd_base),
                                               motion_adapter=str(tmp_path)))


def test_animatediff_lightning_text_and_first_frame(sd_base, lightning_adapter, resident):
    settings = VideoSettings(backend="animatediff", model=str(sd_base), motion_adapter=str(lightning_adapter),
                             device="cpu", steps=2)
    choice = choose_animatediff_model(settings)
    assert choice.lightning and (choice.steps, choice.guidance_scale) == (4, 1.0)
    pipelines = load_animatediff(settings, resident, choice)
    assert pipelines.text2video.scheduler.config.timestep_spacing == "trailing"
    clip = generate_animatediff(pipelines, choice, settings, prompt="a shoe", seconds=0.5, seed=2, aspect="16:9")
    again = generate_animatediff(pipelines, choice, settings, prompt="a shoe", seconds=0.5, seed=2, aspect="16:9")
    assert _frames(clip).shape == (4, 24, 40, 3) and np.array_equal(_frames(clip), _frames(again))
    assert clip.metadata["lightning"] and clip.metadata["guidance_scale"] == 1.0
    key_image = Image.new("RGB", (80, 48), (20, 160, 60))
    from_image = generate_animatediff(pipelines, choice, settings, prompt="a shoe", seconds=0.5, seed=2,
                                      aspect="16:9", first_frame=key_image)
    assert _frames(from_image).shape == (4, 24, 40, 3)
    assert from_image.metadata["mode"] == "image2video" and from_image.metadata["strength"] == 0.8


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.mark.gpu
@needs_cuda
def test_cogvideox_on_cuda_in_half_precision_with_tiling(cog_t2v):
    settings = VideoSettings(backend="cogvideox", model=str(cog_t2v), steps=2, device="cuda", vae_tiling=True)
    choice = choose_cogvideox_model(settings, with_first_frame=False)
    pipe = load_cogvideox(settings, ResidentModels(), choice)
    half = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    assert pipe.transformer.dtype == half and pipe.vae.dtype == half and pipe.transformer.device.type == "cuda"
    assert pipe.vae.use_tiling and pipe.vae.use_slicing
    clip = generate_cogvideox(pipe, choice, settings, prompt="a shoe on a rock", seconds=0.5, seed=5)
    again = generate_cogvideox(pipe, choice, settings, prompt="a shoe on a rock", seconds=0.5, seed=5)
    assert _frames(clip).shape == (9, 32, 32, 3) and np.array_equal(_frames(clip), _frames(again))
    assert _frames(clip).std() > 0  # decoded frames, not a blank (NaN) clip
    assert (clip.metadata["device"], clip.metadata["vae_tiling"]) == ("cuda", True)


@pytest.mark.gpu
@needs_cuda
def test_cogvideox_image_to_video_with_model_offload_on_cuda(cog_t2v, cog_i2v):
    settings = VideoSettings(backend="cogvideox", model=str(cog_t2v), image_to_video_model=str(cog_i2v), steps=2,
                             device="cuda", dtype="fp16", offload="model")
    choice = choose_cogvideox_model(settings, with_first_frame=True)
    pipe = load_cogvideox(settings, ResidentModels(), choice)
    clip = _same_clip_twice_from_a_key_image(pipe, choice, settings)
    assert (clip.metadata["mode"], clip.metadata["dtype"], clip.metadata["offload"]) == ("image2video", "fp16", "model")


@pytest.mark.gpu
@needs_cuda
def test_animatediff_on_cuda_with_model_offload_and_first_frame(sd_base, lightning_adapter):
    settings = VideoSettings(backend="animatediff", model=str(sd_base), motion_adapter=str(lightning_adapter),
                             device="cuda", dtype="fp16", offload="model", vae_tiling=True)
    choice = choose_animatediff_model(settings)
    pipelines = load_animatediff(settings, ResidentModels(), choice)
    assert pipelines.text2video.unet.dtype == torch.float16
    clip = generate_animatediff(pipelines, choice, settings, prompt="a shoe", seconds=0.5, seed=2, aspect="16:9")
    again = generate_animatediff(pipelines, choice, settings, prompt="a shoe", seconds=0.5, seed=2, aspect="16:9")
    assert _frames(clip).shape == (4, 24, 40, 3) and np.array_equal(_frames(clip), _frames(again))
    key_image = Image.new("RGB", (80, 48), (20, 160, 60))
    from_image = generate_animatediff(pipelines, choice, settings, prompt="a shoe", seconds=0.5, seed=2,
                                      aspect="16:9", first_frame=key_image)
    assert _frames(from_image).shape == (4, 24, 40, 3) and from_image.metadata["mode"] == "image2video"
    assert (from_image.metadata["dtype"], from_image.metadata["offload"]) == ("fp16", "model")
    # Offloaded: after the video-to-video twin ran, the shared weights are back in CPU memory.
    for pipe in (pipelines.text2video, pipelines.video2video):
        assert {pipe.unet.device.type, pipe.vae.device.type, pipe.text_encoder.device.type} == {"cpu"}


def _context(tmp_path: Path, video: VideoSettings, resident: ResidentModels):
    from adloom.config import Settings
    from adloom.storage.assets import AssetStore
    from adloom.tools.context import ToolContext

    settings = Settings(data_dir=tmp_path / "data", video=video)
    return ToolContext(settings=settings, assets=AssetStore(settings.data_dir), models=resident)


def test_generate_tool_encodes_the_scene_length_and_caches(tmp_path, cog_t2v, resident):
    from adloom.tools.registry import load_tools

    tool = load_tools(plugins=False)["video.generate"]
    ctx = _context(tmp_path, _cog_settings(cog_t2v), resident)
    reported: list[str] = []
    ctx.progress = lambda label, fraction: reported.append(label)
    key_image = tmp_path / "key.png"
    Image.new("RGB", (32, 32), (0, 90, 200)).save(key_image)
    request = {"prompt": "a shoe in the rain", "seconds": 1.5, "fps": 12, "seed": 9, "first_frame": str(key_image)}
    result = tool.run(request, ctx)
    info = probe(result.clip.path)
    assert info.video.codec == "h264" and (info.video.width, info.video.height) == (32, 32)
    assert float(info.video.frame_rate) == 12 and info.duration_s == pytest.approx(1.5, abs=0.1)
    meta = result.clip.metadata
    assert (meta["frames"], meta["seconds"], meta["fps"], meta["seed"]) == (9, 1.5, 12, 9)
    assert meta["playback_fps"] == 6.0  # 9 frames (the tiny model's most) stretched over 1.5 s
    assert not meta["first_frame_used"] and "image_to_video_model" in meta["note"]
    assert "generating video" in reported and "encoding clip" in reported
    again = tool.run(request, ctx)
    assert again.from_cache and again.clip == result.clip


def test_generate_tool_refuses_the_kenburns_backend(tool_context):
    from adloom.tools.registry import load_tools
    from adloom.tools.video.generate_tool import VideoBackendNotSelected

    with pytest.raises(VideoBackendNotSelected, match=r"\[video\] backend = 'cogvideox' or 'animatediff'"):
        load_tools(plugins=False)["video.generate"].run({"prompt": "x"}, tool_context)
