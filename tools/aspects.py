"""The shapes an ad is made in, and the pixel size of each."""

from __future__ import annotations

from typing import Literal

Aspect = Literal["9:16", "1:1", "4:5", "16:9"]
"""Width:height of a video or key image."""

ASPECT_SIZES: dict[str, tuple[int, int]] = {
    "9:16": (1080, 1920),
    "1:1": (1080, 1080),
    "4:5": (1080, 1350),
    "16:9": (1920, 1080),
}
"""Output size of each aspect the platforms need (TikTok/Reels/Shorts, feed, feed, YouTube)."""
