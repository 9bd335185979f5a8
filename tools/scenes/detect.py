"""Splitting raw videos into clips at scene changes (PySceneDetect).

:func:`inspect_video` checks one file before any detection and says precisely what is
wrong with it (unreadable, not a video, a still image, no frames); :func:`detect_clips`
runs PySceneDetect's content or adaptive detector through its PyAV backend, which
times frames by their presentation timestamps, so variable-frame-rate files get true
times. A file that stops decoding early (truncated) yields the clips of the part that
decodes. Clips shorter than the minimum length are dropped; a video without any cut is
one clip.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from adloom.tools.ffmpeg import MediaReadError, probe

DETECTORS = ("content", "adaptive")
DOWNSCALE_WIDTH = 320
"""Detection runs on frames scaled to about this width: a 4K file costs what a small one does."""
_STILL_IMAGE_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "webp_pipe", "gif", "bmp_pipe", "tiff_pipe")


class FootageInputError(ValueError):
    """A footage file cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class SourceVideo:
    """One raw video as probed.

    Attributes:
        variable_frame_rate: the stream's average rate differs from its nominal rate.
    """

    path: str
    duration_s: float
    width: int
    height: int
    fps: float
    has_audio: bool
    variable_frame_rate: bool


@dataclass(frozen=True)
class Clip:
    """A stretch of one source video between two scene changes.

    Attributes:
        clip_id: stable within a request, e.g. ``"v1c3"`` (video 1, clip 3).
        source: the video file.
        start_s: in point in seconds.
        end_s: out point in seconds.
        start_frame: first frame index (0-based, as PySceneDetect counts).
        end_frame: one past the last frame.
    """

    clip_id: str
    source: str
    start_s: float
    end_s: float
    start_frame: int
    end_frame: int

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def inspect_video(path: Path | str) -> SourceVideo:
    """Probe a footage file and reject what cannot be cut.

    Raises:
        FootageInputError: missing, unreadable or corrupt, not a video, a still image, or 0 s long.
    """
    path = Path(path)
    try:
        info = probe(path)
    except MediaReadError as exc:
        raise FootageInputError(f"{path}: cannot read it as video (corrupt, truncated or not a video): {exc}") from exc
    stream = info.video
    if info.format_name in _STILL_IMAGE_FORMATS:
        raise FootageInputError(f"{path}: is a still image ({info.format_name}), not a video")
    if info.duration_s <= 0:
        raise FootageInputError(f"{path}: the file is 0 seconds long (no frames to cut)")
    if stream is None:
        raise FootageInputError(f"{path}: has no video stream ({info.format_name} file)")
    fps = float(stream.frame_rate) if stream.frame_rate else 0.0
    if fps <= 0:
        raise FootageInputError(f"{path}: the video stream reports no frame rate")
    nominal = _nominal_rate(path)
    variable = nominal is not None and stream.frame_rate is not None and abs(float(nominal) - fps) > 0.01 * fps
    return SourceVideo(
        path=str(path.resolve()), duration_s=info.duration_s, width=stream.width or 0, height=stream.height or 0,
        fps=fps, has_audio=info.audio is not None, variable_frame_rate=variable,
    )


def _nominal_rate(path: Path) -> Fraction | None:
    with av.open(str(path)) as container:
        rate = container.streams.video[0].base_rate
        return Fraction(rate) if rate else None


def detect_clips(
    path: Path | str,
    *,
    video_index: int = 1,
    detector: str = "content",
    threshold: float | None = None,
    min_clip_s: float = 1.0,
) -> list[Clip]:
    """Cut one video at its scene changes.

    Args:
        path: the video (check it first with :func:`inspect_video` for a clear error).
        video_index: numbers the clip ids (``v<video_index>c<n>``).
        detector: ``"content"`` (HSV-difference threshold) or ``"adaptive"`` (rolling average).
        threshold: the detector's threshold; None uses PySceneDetect's default.
        min_clip_s: clips shorter than this are dropped (the others keep their times).

    Returns:
        Clips in time order; an empty list when every clip is under ``min_clip_s``.

    Raises:
        FootageInputError: nothing decodes.
        ValueError: an unknown detector.
    """
    from scenedetect import AdaptiveDetector, ContentDetector, SceneManager, open_video

    if detector not in DETECTORS:
        raise ValueError(f"[footage] detector: {detector!r} is not one of {', '.join(DETECTORS)}")
    path = Path(path)
    if detector == "content":
        scene_detector = ContentDetector() if threshold is None else ContentDetector(threshold=threshold)
    else:
        scene_detector = (
            AdaptiveDetector() if threshold is None else AdaptiveDetector(adaptive_threshold=threshold)
        )
    try:
        video = open_video(str(path), backend="pyav")
    except Exception as exc:  # PySceneDetect wraps backend errors in several types
        raise FootageInputError(f"{path}: cannot open it for scene detection: {exc}") from exc
    manager = SceneManager()
    manager.add_detector(scene_detector)
    manager.auto_downscale = False
    manager.downscale = max(1, round(video.frame_size[0] / DOWNSCALE_WIDTH))
    decoded = manager.detect_scenes(video)
    if decoded <= 0:
        raise FootageInputError(f"{path}: no frame could be decoded")
    scenes = manager.get_scene_list()
    if not scenes:
        # No cut found: the whole decoded stretch is one clip.
        boundaries = [(0.0, _decoded_end_s(video), 0, decoded)]
    else:
        boundaries = [(s.seconds, e.seconds, s.frame_num, e.frame_num) for s, e in scenes]
    clips = []
    for start_s, end_s, start_frame, end_frame in boundaries:
        if end_s - start_s < min_clip_s:
            continue
        clips.append(Clip(
            clip_id=f"v{video_index}c{len(clips) + 1}", source=str(path.resolve()),
            start_s=round(start_s, 3), end_s=round(end_s, 3), start_frame=start_frame, end_frame=end_frame,
        ))
    return clips


def _decoded_end_s(video) -> float:
    # position is the timestamp of the last decoded frame; the clip ends one frame later.
    return video.position.seconds + 1.0 / float(video.frame_rate)
