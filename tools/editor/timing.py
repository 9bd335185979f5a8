"""Seconds to frame counts without drift.

Rounding each segment's length separately lets errors add up (ten 0.35 s segments at
30 fps would be 10 or 11 frames each); rounding the running total instead keeps every
cut within half a frame of where the plan puts it and the total exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate


def frame_count(seconds: float, fps: float) -> int:
    """Frames in ``seconds`` at ``fps``, rounded to the nearest frame."""
    return int(round(seconds * fps))


def frame_boundaries(durations_s: Sequence[float], fps: float) -> list[int]:
    """Frame index of every cut: ``[0, b1, ..., total]`` for consecutive durations."""
    return [0, *(frame_count(total, fps) for total in accumulate(durations_s))]
