"""Tool agent ``scenes.detect``: raw footage to clips with their VC-LLM frames.

It cuts each video at scene changes, screens every clip (:mod:`adloom.tools.scenes.screening`:
black stretches trimmed; colour bars, blank cards, slates and title cards set aside in
``screened_out`` with the reason) and stores each kept clip's representation (spatial +
temporal frames). Each video stands alone: a file that cannot be used is listed in
``rejected`` with the reason, and the others are still cut. Describing the clips is
:func:`adloom.tools.vision.describe_clips`.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from PIL import Image
from pydantic import BaseModel, Field

from adloom.storage.assets import AssetRef, sha256_file
from adloom.tools.context import ToolContext
from adloom.tools.editor.inputs import MediaInputError
from adloom.tools.ffmpeg import run_ffmpeg
from adloom.tools.registry import tool_agent
from adloom.tools.scenes.detect import DETECTORS, FootageInputError, detect_clips, inspect_video
from adloom.tools.scenes.frames import represent_clip
from adloom.tools.media_checks.ocr import read_text_boxes
from adloom.tools.scenes.screening import picture_without_edge_text, sample_video, text_rejection, trim_and_screen
from adloom.tools.vision.description import ClipInput

TOOL_NAME = "scenes.detect"


class DetectRequest(BaseModel):
    videos: list[str] = Field(min_length=1, description="Raw video files, in the order given by the user.")
    detector: str | None = Field(default=None, description=f"One of {', '.join(DETECTORS)}; default [footage] detector.")
    threshold: float | None = Field(default=None, gt=0, description="Default: [footage] threshold.")
    min_clip_s: float | None = Field(default=None, ge=0.1, description="Default: [footage] min_clip_s.")


class ClipOut(BaseModel):
    clip_id: str
    source: str
    source_sha256: str
    start_s: float
    end_s: float
    start_frame: int
    end_frame: int
    has_audio: bool
    show: tuple[float, float, float, float] | None = Field(
        default=None, description="The part of the picture to show (leaves edge text out whole); None = all.")
    spatial: AssetRef = Field(description="Middle frame, high resolution (JPEG).")
    temporal: list[AssetRef] = Field(description="Up to 5 frames spread across the clip, low resolution (JPEG).")

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def as_input(self) -> ClipInput:
        """What a describer needs of this clip."""
        return ClipInput(
            clip_id=self.clip_id, source=self.source, source_sha256=self.source_sha256, start_s=self.start_s,
            end_s=self.end_s, has_audio=self.has_audio, spatial=self.spatial, temporal=self.temporal,
        )


class VideoOut(BaseModel):
    path: str
    sha256: str
    duration_s: float
    width: int
    height: int
    fps: float
    has_audio: bool
    variable_frame_rate: bool
    clips: list[ClipOut]
    dropped_short: int = Field(description="Clips under the minimum length that were dropped.")


class RejectedVideo(BaseModel):
    path: str
    error: str


class ScreenedClip(BaseModel):
    """A clip that is not footage an ad may show, and why."""

    clip_id: str
    source: str
    start_s: float
    end_s: float
    reason: str


class DetectResult(BaseModel):
    videos: list[VideoOut]
    rejected: list[RejectedVideo]
    screened_out: list[ScreenedClip] = Field(default_factory=list)

    @property
    def clips(self) -> list[ClipOut]:
        return [clip for video in self.videos for clip in video.clips]


def write_two_scene_video(path: Path, *, seconds_each: float = 1.5, size: str = "160x120") -> Path:
    """A small test video: a red shot then a blue shot, one hard cut (the tools' example input).

    Each shot is a grid in a darker shade of its colour, so that neither is a blank card
    the footage screen would set aside.
    """
    shots = [("red", "0xA01414"), ("blue", "0x3050C0")]
    inputs = [arg for colour, grid in shots for arg in (
        "-f", "lavfi", "-i", f"color=c={colour}:s={size}:r=25:d={seconds_each},drawgrid=w=20:h=20:t=4:c={grid}")]
    run_ffmpeg([*inputs, "-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)])
    return path


def _example() -> DetectRequest:
    video = Path(tempfile.gettempdir()) / "adloom-scenes-example-red-blue-v2.mp4"
    if not video.is_file():
        write_two_scene_video(video)
    return DetectRequest(videos=[str(video)])


@tool_agent(TOOL_NAME, example=_example)
def detect_scenes(request: DetectRequest, ctx: ToolContext) -> DetectResult:
    """Cut raw videos into clips at scene changes, screen them, and store each kept clip's
    middle frame and 5 sampled frames.

    Unusable files (corrupt, truncated beyond reading, not a video, 0 s) are reported in
    ``rejected`` with the reason; the other videos are still processed. Clips that are not
    footage (black, blank, colour bars, title cards) are reported in ``screened_out``.
    """
    settings = ctx.settings.footage
    detector = request.detector or settings.detector
    if detector not in DETECTORS:
        raise ValueError(f"detector: {detector!r} is not one of {', '.join(DETECTORS)}")
    threshold = request.threshold if request.threshold is not None else settings.threshold
    min_clip_s = request.min_clip_s if request.min_clip_s is not None else settings.min_clip_s
    videos: list[VideoOut] = []
    rejected: list[RejectedVideo] = []
    screened_out: list[ScreenedClip] = []
    for number, path in enumerate(request.videos, start=1):
        ctx.progress(f"finding the cuts in {Path(path).name}", (number - 1) / len(request.videos))
        try:
            source = inspect_video(path)
            every = detect_clips(source.path, video_index=number, detector=detector, threshold=threshold,
                                 min_clip_s=0.0)
            kept = [clip for clip in every if clip.duration_s >= min_clip_s]
            if not kept:
                raise FootageInputError(
                    f"{path}: every clip is shorter than min_clip_s={min_clip_s} s ({len(every)} found)"
                )
            sha = sha256_file(Path(source.path))
            samples = sample_video(source.path)
            clips = []
            for position, clip in enumerate(kept, start=1):
                # Renumber after dropping short clips so ids stay v<n>c1, c2, ... in time order.
                clip = dataclasses.replace(clip, clip_id=f"v{number}c{position}")
                screening = trim_and_screen(samples, clip.start_s, clip.end_s, min_clip_s=min_clip_s)
                clip = dataclasses.replace(
                    clip, start_s=screening.start_s, end_s=screening.end_s,
                    start_frame=round(screening.start_s * source.fps), end_frame=round(screening.end_s * source.fps),
                )
                reason, show = screening.rejected, None
                if reason is None:
                    frames = represent_clip(clip, source.fps, ctx.assets, source_sha256=sha)
                    if settings.ocr:
                        lines = read_text_boxes(Image.open(frames.spatial.path), ctx.models)
                        reason, show = text_rejection(lines), picture_without_edge_text(lines)
                if reason is not None:
                    screened_out.append(ScreenedClip(clip_id=clip.clip_id, source=source.path, start_s=clip.start_s,
                                                     end_s=clip.end_s, reason=reason))
                    continue
                clips.append(ClipOut(
                    clip_id=clip.clip_id, source=source.path, source_sha256=sha, start_s=clip.start_s,
                    end_s=clip.end_s, start_frame=clip.start_frame, end_frame=clip.end_frame,
                    has_audio=source.has_audio, show=show, spatial=frames.spatial, temporal=list(frames.temporal),
                ))
        except (FootageInputError, MediaInputError) as exc:
            rejected.append(RejectedVideo(path=str(path), error=str(exc)))
            continue
        videos.append(VideoOut(
            path=source.path, sha256=sha, duration_s=source.duration_s, width=source.width, height=source.height,
            fps=source.fps, has_audio=source.has_audio, variable_frame_rate=source.variable_frame_rate,
            clips=clips, dropped_short=len(every) - len(kept),
        ))
    ctx.progress("cuts found", 1.0)
    return DetectResult(videos=videos, rejected=rejected, screened_out=screened_out)
