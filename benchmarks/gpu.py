"""Speed and memory of the diffusion and video backends' models, with random weights.

Speed does not depend on the weights' values, so full-size architectures are built from
their published configs (SD 1.5 and SDXL UNet + VAE, CogVideoX-2b and -5b transformer +
VAE, AnimateDiff = SD 1.5 UNet with motion modules) and timed without any download.
For each model it prints seconds per denoising step (classifier-free guidance batch),
the VAE decode, seconds per image (or clip) at the family's default step count, and peak
memory (``torch.cuda.max_memory_allocated`` on CUDA) for up to three configurations:

- ``plain``: diffusers' defaults (fp32, no compile);
- ``ours``: ``adloom.tools.model_manager``'s choice (bf16/fp16 on CUDA);
- ``compiled``: ours plus ``torch.compile`` of the denoiser (its first call, the
  compilation, is printed separately);

with each one's speed-up over ``plain`` when that was measured in the same run, and
CogVideoX beside its published timings. A configuration that runs out of memory prints
``OOM`` and the run goes on.

Without CUDA it runs reduced architectures on CPU (``--small``, chosen automatically)
and says so: those numbers only show that the code path works, not GPU speed.

    python benchmarks/gpu.py [--small] [--configs plain,ours,compiled] [--steps N] [--only sd15,sdxl,...]
    python benchmarks/gpu.py --compile   # same as adding 'compiled' to --configs
    python benchmarks/gpu.py --meta      # full-size architectures built and shape-checked, no compute
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adloom.tools.model_manager import dtype_name, resolve_device, resolve_dtype  # noqa: E402

# Published CogVideoX inference times for 50 steps, 49 frames at 720x480 (model cards / README).
PUBLISHED_CLIP_SECONDS = {"cogvideox-2b": {"A100": 90.0, "H100": 45.0}, "cogvideox-5b": {"A100": 180.0, "H100": 90.0}}


@dataclass
class ModelCase:
    """One architecture to time: how to build it, its inputs, and how much work one output is."""

    name: str
    build_denoiser: Callable[[], torch.nn.Module]
    denoiser_inputs: Callable[[torch.dtype, str], dict]
    build_vae: Callable[[], torch.nn.Module]
    vae_latents: Callable[[torch.dtype, str], torch.Tensor]
    default_steps: int
    output: str  # "image" or "49-frame clip"
    decode: Callable[[torch.nn.Module, torch.Tensor], object] = lambda vae, latents: vae.decode(latents)


def _sd15_unet(small: bool) -> dict:
    if small:
        return {"block_out_channels": (32, 64), "layers_per_block": 1, "cross_attention_dim": 64,
                "attention_head_dim": 4, "sample_size": 16, "norm_num_groups": 8,
                "down_block_types": ("CrossAttnDownBlock2D", "DownBlock2D"),
                "up_block_types": ("UpBlock2D", "CrossAttnUpBlock2D")}
    return {"block_out_channels": (320, 640, 1280, 1280), "layers_per_block": 2, "cross_attention_dim": 768,
            "attention_head_dim": 8, "sample_size": 64}


def _sdxl_unet(small: bool) -> dict:
    common = {"down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
              "up_block_types": ("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
              "addition_embed_type": "text_time", "use_linear_projection": True}
    if small:
        return {**common, "block_out_channels": (32, 64, 64), "layers_per_block": 1,
                "transformer_layers_per_block": (1, 1, 2), "attention_head_dim": (2, 4, 4),
                "cross_attention_dim": 64, "addition_time_embed_dim": 8,
                "projection_class_embeddings_input_dim": 64 + 6 * 8, "sample_size": 16, "norm_num_groups": 8}
    return {**common, "block_out_channels": (320, 640, 1280), "layers_per_block": 2,
            "transformer_layers_per_block": (1, 2, 10), "attention_head_dim": (5, 10, 20),
            "cross_attention_dim": 2048, "addition_time_embed_dim": 256,
            "projection_class_embeddings_input_dim": 2816, "sample_size": 128}


def _sd_vae(small: bool) -> Callable[[], torch.nn.Module]:
    def build() -> torch.nn.Module:
        from diffusers import AutoencoderKL

        if small:
            return AutoencoderKL(block_out_channels=(16, 32), norm_num_groups=8, latent_channels=4,
                                 down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2)
        return AutoencoderKL(block_out_channels=(128, 256, 512, 512), latent_channels=4, layers_per_block=2,
                             down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4)
    return build


def _unet_case(name: str, config: dict, *, xl: bool, small: bool, steps: int) -> ModelCase:
    side = config["sample_size"]
    context = config["cross_attention_dim"]

    def build() -> torch.nn.Module:
        from diffusers import UNet2DConditionModel

        return UNet2DConditionModel(**config)

    def inputs(dtype: torch.dtype, device: str) -> dict:
        batch = 2  # classifier-free guidance runs the conditional and unconditional halves together
        kwargs = {"sample": torch.randn(batch, 4, side, side, dtype=dtype, device=device),
                  "timestep": torch.tensor(500, device=device),
                  "encoder_hidden_states": torch.randn(batch, 77, context, dtype=dtype, device=device)}
        if xl:
            pooled = config["projection_class_embeddings_input_dim"] - 6 * config["addition_time_embed_dim"]
            kwargs["added_cond_kwargs"] = {"text_embeds": torch.randn(batch, pooled, dtype=dtype, device=device),
                                           "time_ids": torch.randn(batch, 6, dtype=dtype, device=device)}
        return kwargs

    return ModelCase(name, build, inputs, _sd_vae(small),
                     lambda dtype, device: torch.randn(1, 4, side, side, dtype=dtype, device=device), steps, "image")


def _animatediff_case(small: bool) -> ModelCase:
    config = _sd15_unet(small)
    frames = 16
    side = config["sample_size"]

    def build() -> torch.nn.Module:
        from diffusers import MotionAdapter, UNet2DConditionModel, UNetMotionModel

        adapter = MotionAdapter(block_out_channels=config["block_out_channels"], motion_layers_per_block=1 if small else 2,
                                motion_norm_num_groups=8 if small else 32, motion_num_attention_heads=2 if small else 8)
        return UNetMotionModel.from_unet2d(UNet2DConditionModel(**config), adapter)

    def inputs(dtype: torch.dtype, device: str) -> dict:
        return {"sample": torch.randn(2, 4, frames, side, side, dtype=dtype, device=device),
                "timestep": torch.tensor(500, device=device),
                "encoder_hidden_states": torch.randn(2 * frames, 77, config["cross_attention_dim"], dtype=dtype,
                                                     device=device)}

    def latents(dtype: torch.dtype, device: str) -> torch.Tensor:
        return torch.randn(frames, 4, side, side, dtype=dtype, device=device)

    return ModelCase("animatediff", build, inputs, _sd_vae(small), latents, 25, "16-frame clip")


def _cogvideox_case(name: str, small: bool) -> ModelCase:
    five_b = name.endswith("5b")
    if small:
        config = {"num_attention_heads": 2, "attention_head_dim": 16, "num_layers": 2, "text_embed_dim": 32,
                  "time_embed_dim": 16, "sample_width": 12, "sample_height": 8, "sample_frames": 49,
                  "max_text_seq_length": 16, "use_rotary_positional_embeddings": five_b}
        vae_config = {"block_out_channels": (8, 8, 16, 16), "layers_per_block": 1, "norm_num_groups": 4,
                      "latent_channels": 16}
    else:
        config = {"num_attention_heads": 48 if five_b else 30, "attention_head_dim": 64,
                  "num_layers": 42 if five_b else 30, "text_embed_dim": 4096, "time_embed_dim": 512,
                  "use_rotary_positional_embeddings": five_b}
        vae_config = {}
    latent_frames = 13  # 49 frames through the 4x temporal VAE
    height, width = config.get("sample_height", 60), config.get("sample_width", 90)

    def build() -> torch.nn.Module:
        from diffusers import CogVideoXTransformer3DModel

        return CogVideoXTransformer3DModel(**config)

    def inputs(dtype: torch.dtype, device: str) -> dict:
        kwargs = {"hidden_states": torch.randn(2, latent_frames, 16, height, width, dtype=dtype, device=device),
                  "encoder_hidden_states": torch.randn(2, config.get("max_text_seq_length", 226),
                                                       config["text_embed_dim"], dtype=dtype, device=device),
                  "timestep": torch.tensor([500, 500], device=device)}
        if five_b:
            from diffusers.models.embeddings import get_3d_rotary_pos_embed

            grid = (height // 2, width // 2)
            cos, sin = get_3d_rotary_pos_embed(config["attention_head_dim"], ((0, 0), grid), grid, latent_frames,
                                               use_real=True, device=device)
            kwargs["image_rotary_emb"] = (cos.to(dtype), sin.to(dtype))
        return kwargs

    def build_vae() -> torch.nn.Module:
        from diffusers import AutoencoderKLCogVideoX

        return AutoencoderKLCogVideoX(**vae_config)

    def latents(dtype: torch.dtype, device: str) -> torch.Tensor:
        return torch.randn(1, 16, latent_frames, height, width, dtype=dtype, device=device)

    return ModelCase(name, build, inputs, build_vae, latents, 50, "49-frame clip")


def cases(small: bool) -> list[ModelCase]:
    return [
        _unet_case("sd15", _sd15_unet(small), xl=False, small=small, steps=30),
        _unet_case("sdxl", _sdxl_unet(small), xl=True, small=small, steps=30),
        _animatediff_case(small),
        _cogvideox_case("cogvideox-2b", small),
        _cogvideox_case("cogvideox-5b", small),
    ]


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def _peak_bytes(device: str) -> int:
    if device == "cuda":
        return torch.cuda.max_memory_allocated()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # process peak RSS (Linux reports KiB)


def measure(case: ModelCase, *, device: str, dtype: torch.dtype, compile_model: bool, steps: int) -> dict:
    """Seconds per step, decode seconds, seconds per output and peak memory for one configuration.

    Returns ``{"oom": True}`` instead when the configuration does not fit on the device.
    """
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    torch.manual_seed(0)
    try:
        # Built on the device itself: random initialisation of billions of weights on the CPU takes minutes.
        with torch.device(device):
            denoiser = case.build_denoiser().to(dtype=dtype).eval()
        if compile_model:
            denoiser = torch.compile(denoiser)
        inputs = case.denoiser_inputs(dtype, device)
        with torch.inference_mode():
            start = time.perf_counter()
            denoiser(**inputs)  # warm-up (and compilation)
            _sync(device)
            first_s = time.perf_counter() - start
            start = time.perf_counter()
            for _ in range(steps):
                denoiser(**inputs)
            _sync(device)
            step_s = (time.perf_counter() - start) / steps
            del denoiser, inputs
            with torch.device(device):
                vae = case.build_vae().to(dtype=dtype).eval()
            latents = case.vae_latents(dtype, device)
            start = time.perf_counter()
            case.decode(vae, latents)
            _sync(device)
            decode_s = time.perf_counter() - start
        del vae, latents
    except torch.OutOfMemoryError:
        return {"oom": True, "peak_gib": _peak_bytes(device) / 2**30}
    finally:
        if compile_model:
            torch._dynamo.reset()  # compiled graphs hold on to the model's weights
    return {"oom": False, "first_s": first_s, "step_s": step_s, "decode_s": decode_s,
            "output_s": case.default_steps * step_s + decode_s, "peak_gib": _peak_bytes(device) / 2**30}


def check_on_meta(case: ModelCase) -> int:
    """Build a case on the meta device (no memory, no compute) and run it once; returns the denoiser's parameters."""
    with torch.device("meta"), torch.inference_mode():
        denoiser = case.build_denoiser()
        denoiser(**case.denoiser_inputs(torch.float32, "meta"))
        case.decode(case.build_vae(), case.vae_latents(torch.float32, "meta"))
        return sum(parameter.numel() for parameter in denoiser.parameters())


CONFIGS = ("plain", "ours", "compiled")


def _row(name: str, label: str, case: ModelCase, row: dict, plain: dict | None) -> str:
    if row["oom"]:
        return f"{name:<14}{label:<18}{'OOM':>9}{'':>9}{'':>10}{case.output:>15}{row['peak_gib']:>10.2f}"
    speedup = f"{plain['output_s'] / row['output_s']:>9.2f}x" if plain and not plain["oom"] else f"{'n/a':>10}"
    compiled = f"  (first call {row['first_s']:.1f} s)" if label.endswith("compile") else ""
    return (f"{name:<14}{label:<18}{row['step_s']:>9.3f}{row['decode_s']:>9.2f}{row['output_s']:>10.2f}"
            f"{case.output:>15}{row['peak_gib']:>10.2f}{speedup}{compiled}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="reduced architectures (automatic without CUDA)")
    parser.add_argument("--configs", default="plain,ours", help=f"comma-separated, of {', '.join(CONFIGS)}")
    parser.add_argument("--compile", action="store_true", help="also measure 'compiled' (ours + torch.compile)")
    parser.add_argument("--steps", type=int, default=3, help="timed denoising steps per model (after one warm-up)")
    parser.add_argument("--only", default="", help="comma-separated model names")
    parser.add_argument("--meta", action="store_true",
                        help="only build the full-size models on the meta device and run one shape-checking pass")
    args = parser.parse_args()
    configs = [name for name in args.configs.split(",") if name] + (["compiled"] if args.compile else [])
    unknown = sorted(set(configs) - set(CONFIGS))
    if unknown:
        parser.error(f"--configs: unknown {', '.join(unknown)}; choose from {', '.join(CONFIGS)}")
    from diffusers.utils import logging as diffusers_logging

    diffusers_logging.set_verbosity_error()  # per-model dtype notices would interleave with the table
    if args.meta:
        for case in cases(small=False):
            print(f"{case.name:<14}{check_on_meta(case) / 1e9:>6.2f} B denoiser parameters, shapes check out")
        return
    device = resolve_device("auto")
    small = args.small or device != "cuda"
    ours = resolve_dtype("auto", device)
    torch.set_num_threads(max(1, min(4, torch.get_num_threads())))
    gpu_name = torch.cuda.get_device_name() if device == "cuda" else ""
    print(f"device: {device} {gpu_name}".rstrip() + f" | torch {torch.__version__}")
    if small:
        print("NOTE: reduced ('--small') architectures" + (" on CPU: no CUDA device here" if device != "cuda" else "")
              + ". These numbers show the code path runs; they are NOT full-size GPU timings.")
    print(f"plain = diffusers defaults (fp32, no compile) | ours = {dtype_name(ours)} | "
          f"compiled = {dtype_name(ours)} + torch.compile | {args.steps} timed steps after one warm-up")
    print(f"{'model':<14}{'config':<18}{'s/step':>9}{'decode s':>9}{'s/output':>10}{'output':>15}"
          f"{'peak GiB':>10}{'vs plain':>10}")
    wanted = {name for name in args.only.split(",") if name}
    results: dict[str, dict[str, dict]] = {}
    for case in cases(small):
        if wanted and case.name not in wanted:
            continue
        rows = results.setdefault(case.name, {})
        for config in configs:
            if config == "ours" and ours == torch.float32 and "plain" in rows:
                rows["ours"] = rows["plain"]  # on the CPU our choice is the plain configuration
            else:
                rows[config] = measure(case, device=device, dtype=torch.float32 if config == "plain" else ours,
                                       compile_model=config == "compiled", steps=args.steps)
            label = {"plain": "plain fp32", "ours": f"ours {dtype_name(ours)}",
                     "compiled": f"ours {dtype_name(ours)}+compile"}[config]
            print(_row(case.name, label, case, rows[config], rows.get("plain")), flush=True)
    print("\nCogVideoX against published timings (50 steps, 49 frames, 720x480, bf16/fp16):")
    for name, published in PUBLISHED_CLIP_SECONDS.items():
        if name not in results:
            continue
        gpu = "H100" if "H100" in gpu_name else "A100"
        for config, row in results[name].items():
            if row["oom"]:
                continue
            comparison = (f"measured/published({gpu}) = {row['output_s'] / published[gpu]:.2f}" if not small
                          else "not comparable (reduced size)")
            print(f"  {name} {config}: published A100 {published['A100']:.0f} s, H100 {published['H100']:.0f} s; "
                  f"measured {row['output_s']:.1f} s; {comparison}")


if __name__ == "__main__":
    main()
