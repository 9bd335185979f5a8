"""What a generative video backend hands the ``video.generate`` tool."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image


@dataclass(frozen=True)
class GeneratedClip:
    """Frames of one clip, the rate they were generated for, and how they were made."""

    frames: list[Image.Image]
    fps: float
    metadata: dict[str, Any]


@dataclass(frozen=True)
class ClipJob:
    """One clip a backend is ready to make, described before any weights load.

    Attributes:
        model_id: names the weights, for the cache key.
        params: what else decides the frames (placement, whether the first frame is used).
        make: loads the model (once) and makes the clip.
    """

    model_id: str
    params: dict[str, Any]
    make: Callable[[], GeneratedClip]

    @property
    def uses_first_frame(self) -> bool:
        return bool(self.params["uses_first_frame"])
