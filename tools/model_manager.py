"""Placing local GPU models: device, precision, model folders, warm residency, memory.

The diffusion, video, CLIP and speech backends all load through here so that they agree on
what ``device = "auto"`` means, find model folders the same way (a path, or a Hugging Face
id already in the local cache — never a download), stay warm in the process's
:class:`~adloom.tools.context.ResidentModels` (one resident pipeline per tool, a memory budget,
least-recently-used eviction), and turn an out-of-memory error into advice.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from adloom.tools.context import ProgressCallback, ResidentModels, ignore_progress

_HF_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}


class ModelNotFoundError(FileNotFoundError):
    """A configured model folder does not exist (and is not in the local Hugging Face cache)."""


class ModelMemoryError(RuntimeError):
    """A model did not fit in the device's memory; the message says which switches help."""


class UnknownSchedulerError(ValueError):
    """A ``scheduler`` setting names no diffusers scheduler class."""


class DeviceUnavailableError(RuntimeError):
    """The configured device is not present on this machine."""


def resolve_device(requested: str, *, setting: str = "device") -> str:
    """``cuda``, ``mps`` or ``cpu`` for a ``device`` setting (``auto`` takes the best present).

    Raises:
        DeviceUnavailableError: ``cuda``/``mps`` was asked for but is not available.
    """
    if requested == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailableError(
            f"{setting} = 'cuda' but torch {torch.__version__} sees no CUDA device; "
            "set it to 'auto' or 'cpu', or install a CUDA build of torch"
        )
    if requested == "mps" and not torch.backends.mps.is_available():
        raise DeviceUnavailableError(f"{setting} = 'mps' but no Apple MPS device is available; use 'auto' or 'cpu'")
    return requested


def resolve_dtype(requested: str, device: str) -> torch.dtype:
    """The torch dtype for a ``dtype`` setting on ``device``.

    ``auto`` is bf16 on CUDA devices that support it (fp16 otherwise), fp16 on MPS and fp32
    on CPU, where half precision is slow or unsupported for convolutions.
    """
    if requested != "auto":
        return _DTYPES[requested]
    if device == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device == "mps":
        return torch.float16
    return torch.float32


def dtype_name(dtype: torch.dtype) -> str:
    """``bf16``/``fp16``/``fp32`` for a torch dtype (used in cache keys and metadata)."""
    for name, value in _DTYPES.items():
        if value == dtype:
            return name
    return str(dtype).removeprefix("torch.")


def resolve_model_folder(spec: str, *, setting: str) -> Path:
    """The local folder for a model setting: a path, or an HF id already in the local cache.

    Args:
        spec: the setting's value.
        setting: its name as the user writes it (``"[image] model"``), for the error.

    Raises:
        ModelNotFoundError: naming the setting and what to put there.
    """
    if not spec:
        raise ModelNotFoundError(f"{setting} is empty: set it to a model folder (or an HF id present in the local cache)")
    folder = Path(spec).expanduser()
    if folder.is_dir():
        return folder.resolve()
    if _HF_ID.match(spec) and not folder.exists():
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import LocalEntryNotFoundError

        try:
            return Path(snapshot_download(spec, local_files_only=True))
        except LocalEntryNotFoundError:
            pass
    raise ModelNotFoundError(
        f"{setting} = {spec!r}: no such folder, and not in the local Hugging Face cache "
        "(downloads are off); copy the model folder onto this machine and set its path"
    )


def folder_fingerprint(folder: Path) -> str:
    """``name@hash`` over every file's relative path, size and mtime: a cheap id for cache keys."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return f"{folder.name}@{digest.hexdigest()[:16]}"


def module_bytes(model: Any) -> int:
    """Bytes held by the parameters and buffers of a module or of a pipeline's modules."""
    if isinstance(model, torch.nn.Module):
        modules = [model]
    else:
        components = getattr(model, "components", None) or {}
        modules = [value for value in components.values() if isinstance(value, torch.nn.Module)]
    seen: set[int] = set()
    total = 0
    for module in modules:
        for tensor in (*module.parameters(), *module.buffers()):
            if id(tensor) not in seen:
                seen.add(id(tensor))
                total += tensor.numel() * tensor.element_size()
    return total


@dataclass(frozen=True)
class Placement:
    """Where a pipeline runs and which memory switches are on (from an accelerated settings section)."""

    device: str
    dtype: torch.dtype
    offload: str = "none"
    vae_tiling: bool = False
    compile: bool = False
    budget_bytes: int | None = None
    section: str = "image"

    @classmethod
    def from_settings(cls, settings: Any, section: str) -> "Placement":
        """Resolve ``device``/``dtype`` and copy the switches of a ``[section]`` settings object."""
        device = resolve_device(settings.device, setting=f"[{section}] device")
        budget = settings.memory_budget_gb
        return cls(
            device=device,
            dtype=resolve_dtype(settings.dtype, device),
            # Offload moves weights from CPU memory to an accelerator; on the CPU there is nothing to move.
            offload=settings.offload if device != "cpu" else "none",
            vae_tiling=settings.vae_tiling,
            compile=settings.compile,
            budget_bytes=int(budget * 2**30) if budget else None,
            section=section,
        )

    def describe(self) -> dict[str, Any]:
        """JSON-ready summary for asset metadata and cache keys."""
        return {"device": self.device, "dtype": dtype_name(self.dtype), "offload": self.offload,
                "vae_tiling": self.vae_tiling, "compile": self.compile}


def swap_scheduler(pipe: Any, name: str, *, setting: str) -> None:
    """Replace a loaded pipeline's scheduler with the diffusers class ``name``, keeping its config.

    Raises:
        UnknownSchedulerError: naming the setting and the schedulers compatible with the model.
    """
    import diffusers

    scheduler_class = getattr(diffusers, name, None)
    if scheduler_class is None or not hasattr(scheduler_class, "from_config"):
        compatible = sorted(cls.__name__ for cls in getattr(pipe.scheduler, "compatibles", []))
        raise UnknownSchedulerError(
            f"{setting} = {name!r} is not a diffusers scheduler; compatible ones: {', '.join(compatible)}"
        )
    pipe.scheduler = scheduler_class.from_config(pipe.scheduler.config)


def place_pipeline(pipe: Any, placement: Placement, *, denoiser: str) -> Any:
    """Move a loaded diffusers pipeline onto its device and apply the memory switches.

    Args:
        denoiser: the attribute holding the model compiled by ``compile`` (``"unet"`` or ``"transformer"``).
    """
    if placement.offload != "none":
        # Offload keeps weights in CPU memory and moves each sub-model in when it runs.
        if placement.offload == "model":
            pipe.enable_model_cpu_offload(device=placement.device)
        else:
            pipe.enable_sequential_cpu_offload(device=placement.device)
    else:
        pipe.to(placement.device)
    if placement.vae_tiling and getattr(pipe, "vae", None) is not None:
        pipe.vae.enable_tiling()
    if placement.compile:
        setattr(pipe, denoiser, torch.compile(getattr(pipe, denoiser)))
    if hasattr(pipe, "set_progress_bar_config"):
        pipe.set_progress_bar_config(disable=True)
    return pipe


def return_offloaded_weights(owner: Any, placement: Placement) -> None:
    """After a twin made with ``from_pipe(owner)`` ran, move the weights it shares with ``owner`` back to the CPU.

    ``from_pipe`` shares the owner's sub-models together with their model-offload hooks, but
    not the owner's list of hooks, so the twin leaves the last sub-model it ran (the VAE) on
    the GPU; only the owner can offload them all again.
    """
    if placement.offload == "model":
        owner.maybe_free_model_hooks()


def _release_device_memory() -> None:
    import gc

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _memory_advice(placement: Placement) -> str:
    section = placement.section
    steps = []
    if placement.offload == "none":
        steps.append(f"set [{section}] offload = 'model' (or 'sequential' for the least memory)")
    if not placement.vae_tiling:
        steps.append(f"set [{section}] vae_tiling = true")
    if placement.dtype == torch.float32 and placement.device != "cpu":
        steps.append(f"set [{section}] dtype = 'fp16' or 'bf16'")
    steps.append("ask for fewer candidates or a smaller size, or free the GPU from other processes")
    return "; ".join(steps)


def load_resident(
    models: ResidentModels,
    key: tuple[str, ...],
    load: Callable[[], Any],
    placement: Placement,
    *,
    measure: Callable[[Any], int] = module_bytes,
) -> Any:
    """Load (or reuse) the one warm model of ``placement.section``, within the memory budget.

    On an out-of-memory error every other warm model is evicted and the load is tried once
    more before giving up.

    Raises:
        ModelMemoryError: the model does not fit even alone, with the switches that help.
    """
    def get() -> Any:
        return models.get(key, load, slot=placement.section, measure=measure,
                          budget_bytes=placement.budget_bytes)

    try:
        return get()
    except torch.OutOfMemoryError:
        for other in models.keys():
            if other != key:
                models.evict(other)
        _release_device_memory()
    try:
        return get()
    except torch.OutOfMemoryError as exc:
        _release_device_memory()
        raise ModelMemoryError(
            f"[{placement.section}] model {key[-1] if key else ''} does not fit on {placement.device}: "
            f"{_memory_advice(placement)}"
        ) from exc


@contextmanager
def explain_out_of_memory(placement: Placement, what: str) -> Iterator[None]:
    """Turn an out-of-memory error raised while generating into a :class:`ModelMemoryError` with advice."""
    try:
        yield
    except torch.OutOfMemoryError as exc:
        _release_device_memory()
        raise ModelMemoryError(f"{what} ran out of memory on {placement.device}: {_memory_advice(placement)}") from exc


def step_progress(pipe: Any, label: str, steps: int, progress: ProgressCallback) -> dict[str, Any]:
    """Pipeline call arguments that report each finished denoising step to ``progress``."""
    if progress is ignore_progress or "callback_on_step_end" not in inspect.signature(pipe.__call__).parameters:
        return {}

    def on_step_end(pipeline: Any, step: int, timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
        progress(label, min(1.0, (step + 1) / max(1, steps)))
        return tensors

    return {"callback_on_step_end": on_step_end}
