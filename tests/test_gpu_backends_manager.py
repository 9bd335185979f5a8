"""The model manager: device and dtype choice, model folders, warm residency with a budget, OOM advice."""

from __future__ import annotations

import pytest
import torch

from adloom.tools.config import ImageSettings
from adloom.tools.context import ResidentModels
from adloom.tools.model_manager import (
    DeviceUnavailableError,
    ModelMemoryError,
    ModelNotFoundError,
    Placement,
    explain_out_of_memory,
    folder_fingerprint,
    load_resident,
    module_bytes,
    resolve_device,
    resolve_dtype,
    resolve_model_folder,
)

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def test_device_and_dtype_choice():
    expected = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
    assert resolve_device("auto") == expected
    assert resolve_device("cpu") == "cpu"
    assert resolve_dtype("auto", "cpu") == torch.float32
    assert resolve_dtype("auto", "mps") == torch.float16
    assert resolve_dtype("fp16", "cpu") == torch.float16 and resolve_dtype("bf16", "cuda") == torch.bfloat16
    if not torch.cuda.is_available():
        with pytest.raises(DeviceUnavailableError, match=r"\[image\] device = 'cuda'.*'auto' or 'cpu'"):
            resolve_device("cuda", setting="[image] device")


@pytest.mark.gpu
@needs_cuda
def test_auto_precision_on_cuda_is_half():
    assert resolve_dtype("auto", "cuda") in (torch.bfloat16, torch.float16)


class _Weights(torch.nn.Module):
    """A module holding ``size`` bytes of uninitialised CUDA memory (allocation only, no compute)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(size, dtype=torch.uint8, device="cuda"), requires_grad=False)


@pytest.mark.gpu
@needs_cuda
def test_a_real_cuda_out_of_memory_evicts_the_other_warm_models_and_retries():
    torch.cuda.empty_cache()
    baseline = torch.cuda.memory_allocated()
    share = int(torch.cuda.mem_get_info()[0] * 0.55)  # two of these never fit together
    models = ResidentModels()
    models.get(("tts", "other"), lambda: _Weights(share), slot="tts", measure=module_bytes)
    placement = Placement.from_settings(ImageSettings(device="cuda"), "image")
    loaded = load_resident(models, ("image", "big"), lambda: _Weights(share), placement)
    assert models.keys() == [("image", "big")] and module_bytes(loaded) == share
    held = torch.cuda.memory_allocated() - baseline
    # Only the new model is held (the allocator rounds each block up a little): the evicted one was freed.
    assert share <= held < share + 2**21
    del loaded
    models.evict(("image", "big"))
    assert torch.cuda.memory_allocated() == baseline


@pytest.mark.gpu
@needs_cuda
def test_a_model_too_big_for_the_device_gives_advice_and_leaves_it_free():
    torch.cuda.empty_cache()
    baseline = torch.cuda.memory_allocated()
    device_bytes = torch.cuda.get_device_properties(0).total_memory
    placement = Placement.from_settings(ImageSettings(device="cuda", dtype="fp32"), "image")
    with pytest.raises(ModelMemoryError, match=r"does not fit on cuda: set \[image\] offload = 'model'.*"
                                               r"vae_tiling = true.*dtype = 'fp16' or 'bf16'"):
        load_resident(ResidentModels(), ("image", "huge"), lambda: _Weights(2 * device_bytes), placement)
    with pytest.raises(ModelMemoryError, match="generating 4 images ran out of memory on cuda"):
        with explain_out_of_memory(placement, "generating 4 images"):
            torch.empty(2 * device_bytes, dtype=torch.uint8, device="cuda")
    assert torch.cuda.memory_allocated() == baseline


def test_model_folders_by_path_or_local_cache_only(tmp_path, monkeypatch):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(b"1234")
    assert resolve_model_folder(str(folder), setting="[image] model") == folder.resolve()
    before = folder_fingerprint(folder)
    (folder / "weights.bin").write_bytes(b"12345")
    assert folder_fingerprint(folder) != before and before.startswith("model@")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(ModelNotFoundError, match=r"\[video\] model = 'someone/some-model'.*not in the local"):
        resolve_model_folder("someone/some-model", setting="[video] model")


def test_one_resident_model_per_slot_and_lru_within_the_budget():
    models = ResidentModels()
    loads: list[str] = []

    def module(name: str, floats: int):
        def load() -> torch.nn.Module:
            loads.append(name)
            return torch.nn.Linear(floats, 1, bias=False)  # floats * 4 bytes
        return load

    budget = 250 * 4
    models.get(("image", "a"), module("a", 100), slot="image", measure=module_bytes, budget_bytes=budget)
    models.get(("tts", "b"), module("b", 100), slot="tts", measure=module_bytes, budget_bytes=budget)
    assert models.total_bytes() == 800
    models.get(("image", "a"), module("a", 100), slot="image")  # a is now the most recently used
    models.get(("video", "c"), module("c", 100), slot="video", measure=module_bytes, budget_bytes=budget)
    assert models.keys() == [("image", "a"), ("video", "c")]  # b, least recently used, made room
    models.get(("image", "d"), module("d", 10), slot="image", measure=module_bytes, budget_bytes=budget)
    assert ("image", "a") not in models.keys()  # the image slot holds one model
    assert loads == ["a", "b", "c", "d"] and models.total_bytes() == 440
    plain = ResidentModels()
    assert plain.get(("x",), lambda: 1) == 1 and plain.get(("x",), lambda: 2) == 1  # plain cache unchanged


def test_out_of_memory_evicts_others_then_gives_advice():
    models = ResidentModels()
    models.get(("tts", "other"), lambda: torch.nn.Linear(4, 4), slot="tts")
    placement = Placement.from_settings(ImageSettings(device="cpu"), "image")
    attempts = []

    def fits_once_alone() -> torch.nn.Module:
        attempts.append(len(models.keys()))
        if models.keys():  # stands in for a GPU that only fits the new model alone
            raise torch.OutOfMemoryError("CUDA out of memory")
        return torch.nn.Linear(2, 2)

    loaded = load_resident(models, ("image", "big"), fits_once_alone, placement)
    assert isinstance(loaded, torch.nn.Linear) and attempts == [1, 0] and models.keys() == [("image", "big")]

    def never_fits() -> torch.nn.Module:
        raise torch.OutOfMemoryError("CUDA out of memory")

    with pytest.raises(ModelMemoryError, match=r"\[image\] offload = 'model'.*\[image\] vae_tiling = true"):
        load_resident(models, ("image", "huge"), never_fits, placement)
    with pytest.raises(ModelMemoryError, match="generating 4 images ran out of memory"):
        with explain_out_of_memory(placement, "generating 4 images"):
            raise torch.OutOfMemoryError("CUDA out of memory")


def test_settings_sections_select_every_backend():
    from adloom.config import Settings

    settings = Settings(
        image={"backend": "diffusers", "model": "/m/sdxl-turbo", "clip_model": "/m/clip", "dtype": "fp16",
               "steps": 1, "scheduler": "EulerAncestralDiscreteScheduler", "offload": "model",
               "vae_tiling": True, "compile": True, "memory_budget_gb": 20},
        video={"backend": "animatediff", "model": "/m/sd15", "motion_adapter": "/m/lightning"},
        tts={"backend": "coqui", "voice": "/m/xtts", "speaker_wav": "/m/me.wav"},
        asr={"backend": "openai-whisper", "model": "/m/base.pt", "device": "cpu"},
    )
    placement = Placement.from_settings(settings.image, "image")
    assert placement.budget_bytes == 20 * 2**30 and placement.dtype == torch.float16
    assert settings.video.motion_adapter == "/m/lightning" and settings.asr.backend == "openai-whisper"
    with pytest.raises(ValueError, match="offload"):
        Settings(image={"offload": "disk"})


@pytest.mark.slow
def test_benchmark_builds_the_full_size_architectures():
    """benchmarks/gpu.py's full-size configs, built on the meta device: the published parameter counts."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu.py"
    spec = importlib.util.spec_from_file_location("gpu_benchmark", path)
    benchmark = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = benchmark  # dataclasses look their module up there
    spec.loader.exec_module(benchmark)
    counts = {case.name: benchmark.check_on_meta(case) / 1e9 for case in benchmark.cases(small=False)}
    assert counts["sd15"] == pytest.approx(0.86, abs=0.01)
    assert counts["sdxl"] == pytest.approx(2.57, abs=0.01)
    assert counts["cogvideox-2b"] == pytest.approx(1.69, abs=0.02)
    assert counts["cogvideox-5b"] == pytest.approx(5.57, abs=0.05)
    assert counts["animatediff"] > counts["sd15"]  # the motion modules on top of the SD 1.5 UNet
