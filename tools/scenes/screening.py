"""Footage a viewer should never see in an ad: black or blank stretches, colour bars, slates, title cards.

Each source video is sampled once, small (:data:`SAMPLE_FPS` frames a second at
:data:`SAMPLE_SIZE`), and every sample is classed by its pixels alone:

- **black**: at least 97% of the pixels darker than about 13% grey (what ffmpeg's
  ``blackdetect`` calls a black picture);
- **blank**: at least 90% of the pixels within a small distance of the picture's median
  colour: a fade to white or grey, a flat colour card, a slate's empty background;
- **bars**: the upper part of the picture is made of vertical bands, each one colour from
  top to bottom, several of them and saturated: SMPTE and EBU colour bars, test patterns.

A clip keeps its longest stretch without black (so no ad starts on or cuts to black); it is rejected
when what remains is mostly black, blank or bars, or when OCR of its middle frame finds
burned-in text covering a large share of the picture (a title card or a caption-heavy
frame). Every rejection says why, in words the marketer reads in the run's report. Text
along the top or bottom edge of a kept clip (a watermark, a lower third) is left out of the
picture whole (:func:`picture_without_edge_text`) rather than cut in half by a crop.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adloom.tools.ffmpeg import run_ffmpeg
from adloom.tools.media_checks.ocr import TextBox

SAMPLE_FPS = 4
SAMPLE_SIZE = (96, 54)
BLACK_LUMA = 33
BLACK_SHARE = 0.97
BLANK_DISTANCE = 24.0
BLANK_SHARE = 0.90
BARS_REGION = (0.05, 0.35)  # above SMPTE's middle row and any burned-in timecode
BARS_MIN_BANDS = 5
MOSTLY = 0.5
EDGE_BAND = 0.2
EDGE_MARGIN = 0.01
MAX_EDGE_CUT = 0.25
TEXT_AREA_SHARE = 0.10
TITLE_HEIGHT_SHARE = 0.12


@dataclass(frozen=True)
class VideoSamples:
    """Small frames of one video, every ``1 / SAMPLE_FPS`` s from the start."""

    times: np.ndarray
    frames: np.ndarray  # (n, height, width, 3) uint8

    def between(self, start_s: float, end_s: float) -> tuple[np.ndarray, np.ndarray]:
        inside = (self.times >= start_s) & (self.times < end_s)
        return self.times[inside], self.frames[inside]


def sample_video(path: Path | str) -> VideoSamples:
    """Decode ``path`` once into small RGB frames, :data:`SAMPLE_FPS` a second."""
    width, height = SAMPLE_SIZE
    folder = Path(tempfile.mkdtemp(prefix="adloom-screen-"))
    try:
        raw = folder / "frames.rgb"
        run_ffmpeg(["-i", str(path), "-an", "-vf", f"fps={SAMPLE_FPS},scale={width}:{height}:flags=area",
                    "-f", "rawvideo", "-pix_fmt", "rgb24", str(raw)])
        data = np.fromfile(raw, dtype=np.uint8)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    frames = data[: data.size - data.size % (width * height * 3)].reshape(-1, height, width, 3)
    return VideoSamples(times=np.arange(len(frames)) / SAMPLE_FPS, frames=frames)


def _luma(frame: np.ndarray) -> np.ndarray:
    return frame.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def is_black(frame: np.ndarray) -> bool:
    return float(np.mean(_luma(frame) <= BLACK_LUMA)) >= BLACK_SHARE


def is_blank(frame: np.ndarray) -> bool:
    pixels = frame.reshape(-1, 3).astype(np.float32)
    distance = np.linalg.norm(pixels - np.median(pixels, axis=0), axis=1)
    return float(np.mean(distance <= BLANK_DISTANCE)) >= BLANK_SHARE


def is_bars(frame: np.ndarray) -> bool:
    """Vertical bands of flat, saturated colour across the upper part of the picture."""
    top, bottom = (round(frame.shape[0] * share) for share in BARS_REGION)
    region = frame[top:bottom].astype(np.float32)
    column_colours = np.median(region, axis=0)  # (width, 3)
    uniform = np.linalg.norm(region - column_colours[None], axis=2) <= BLANK_DISTANCE
    if float(np.mean(np.mean(uniform, axis=0) >= 0.85)) < 0.8:
        return False
    steps = np.linalg.norm(np.diff(column_colours, axis=0), axis=1) > 40
    bands = 1 + int(np.sum(steps & ~np.roll(steps, 1)))  # a soft edge over two columns is one step
    channel_max, channel_min = column_colours.max(axis=1), column_colours.min(axis=1)
    saturation = np.where(channel_max > 0, (channel_max - channel_min) / np.maximum(channel_max, 1), 0)
    return bands >= BARS_MIN_BANDS and float(np.mean(saturation)) >= 0.3


@dataclass(frozen=True)
class Screening:
    """What the screen decided for one clip: the span to keep, or why none is kept."""

    start_s: float
    end_s: float
    rejected: str | None = None


def _share(frames: np.ndarray, test) -> float:
    return float(np.mean([test(frame) for frame in frames])) if len(frames) else 0.0


def leading_black_s(samples: VideoSamples) -> float:
    """Where the picture first shows something after a black opening (one sample past the
    fade); 0 when the video opens lit, or is black throughout."""
    lit = np.flatnonzero([not is_black(frame) for frame in samples.frames])
    if not len(lit) or lit[0] == 0:
        return 0.0
    return round(float(samples.times[lit[0]]) + 1 / SAMPLE_FPS, 3)


def _longest_run(mask: np.ndarray) -> tuple[int, int]:
    """First and last index of the longest run of True in ``mask`` (which has at least one)."""
    best, start = (0, -1), None
    for index, value in enumerate([*mask, False]):
        if value and start is None:
            start = index
        elif not value and start is not None:
            if index - 1 - start > best[1] - best[0]:
                best = (start, index - 1)
            start = None
    return best


def trim_and_screen(samples: VideoSamples, start_s: float, end_s: float, *, min_clip_s: float) -> Screening:
    """Keep the longest stretch of [start_s, end_s) without black, and reject what is not footage.

    The samples looked at reach one step beyond each end of the clip: a clip that starts
    between a black sample and a lit one starts at the lit one, and one that ends before a
    black sample ends before its last lit sample: a trimmed end moves one more sample
    inward, past the fade in or out around the black.
    """
    step = 1 / SAMPLE_FPS
    times, frames = samples.between(start_s - step, end_s + step)
    inside = (times >= start_s) & (times < end_s)
    if not inside.any():
        return Screening(start_s, end_s)
    black = np.array([is_black(frame) for frame in frames])
    if black[inside].mean() >= MOSTLY:
        return Screening(start_s, end_s, f"black for {black[inside].mean():.0%} of its {end_s - start_s:.1f} s")
    first, last = _longest_run(~black)
    # Only black looked at before (or after) the run moves the clip's start (or end).
    new_start = start_s if first == 0 else max(start_s, round(float(times[first]) + step, 3))
    new_end = end_s if last == len(frames) - 1 else min(end_s, round(float(times[last]) - step, 3))
    if new_end - new_start < min_clip_s:
        return Screening(start_s, end_s, f"its longest stretch without black lasts only {new_end - new_start:.1f} s")
    kept = frames[first:last + 1]
    if _share(kept, is_bars) >= MOSTLY:
        return Screening(new_start, new_end, "colour bars or a test pattern")
    if _share(kept, is_blank) >= MOSTLY:
        return Screening(new_start, new_end, "a plain, single-colour picture (a slate, a card or a fade)")
    return Screening(new_start, new_end)


def text_rejection(lines: Sequence[TextBox]) -> str | None:
    """Why a frame is a title card or caption-heavy shot, or None when its text is small
    (a corner watermark, a sign in the street)."""
    boxes = [line.box for line in lines]
    area = sum((right - left) * (bottom - top) for left, top, right, bottom in boxes)
    tallest = max((bottom - top for _, top, _, bottom in boxes), default=0.0)
    if area < TEXT_AREA_SHARE and tallest < TITLE_HEIGHT_SHARE:
        return None
    text = " ".join(line.text for line in lines)
    quoted = text if len(text) <= 60 else text[:57].rstrip() + "…"
    return (f"burned-in text covers {max(area, 0.01):.0%} of the picture (\u201c{quoted}\u201d): "
            "a title card or captions")


def picture_without_edge_text(lines: Sequence[TextBox]) -> tuple[float, float, float, float] | None:
    """The part of the picture to show so that text along its top or bottom edge (a
    watermark, a lower third) is left out whole rather than cut by a crop; None when there
    is no such text, or leaving it out would cost more than :data:`MAX_EDGE_CUT` of the height."""
    top, bottom = 0.0, 1.0
    for _, box_top, _, box_bottom in (line.box for line in lines):
        if box_bottom >= 1 - EDGE_BAND:
            bottom = min(bottom, box_top - EDGE_MARGIN)
        elif box_top <= EDGE_BAND:
            top = max(top, box_bottom + EDGE_MARGIN)
    if (top, bottom) == (0.0, 1.0) or bottom - top < 1 - MAX_EDGE_CUT:
        return None
    return (0.0, round(max(top, 0.0), 4), 1.0, round(min(bottom, 1.0), 4))
