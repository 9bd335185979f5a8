"""The typed description of one finished video: what is shown, heard and overlaid, and when.

A :class:`Timeline` is pure data (Pydantic, JSON-serialisable) so that a graph node can put
it in its state and a tool can cache on it; :mod:`adloom.tools.editor.render` turns it into one
ffmpeg command. File fields take a path or an :class:`~adloom.storage.assets.AssetRef` (its
``path`` is used).

Duration rule (the timeline wins): the output lasts ``duration_s`` when it is set, else the
visuals' total plus the end card. Visuals longer than that are cut at the end; shorter
ones hold their last frame. The voice is padded with silence or cut to the same length
(a cut is reported as a warning); music is looped, cut and faded out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from adloom.tools.aspects import ASPECT_SIZES, Aspect


def region_after_cover(
    region: tuple[float, float, float, float], source: tuple[int, int], target: tuple[int, int],
) -> tuple[float, float, float, float] | None:
    """Where a region of a ``source``-sized picture lands once cover-fitted to ``target`` (the
    editor's fit for video), as fractions of the target; None when the crop cuts all of it."""
    scale = max(target[0] / source[0], target[1] / source[1])
    width, height = source[0] * scale, source[1] * scale
    left, top = (width - target[0]) / 2, (height - target[1]) / 2
    x0, x1 = ((region[0] * width - left) / target[0], (region[2] * width - left) / target[0])
    y0, y1 = ((region[1] * height - top) / target[1], (region[3] * height - top) / target[1])
    x0, y0, x1, y1 = max(0.0, x0), max(0.0, y0), min(1.0, x1), min(1.0, y1)
    return (x0, y0, x1, y1) if x0 < x1 and y0 < y1 else None


def _path_of(value: Any) -> Any:
    """Accept an AssetRef (or its dict form) wherever a file path is expected."""
    if isinstance(value, BaseModel) and hasattr(value, "path"):
        return value.path
    if isinstance(value, dict) and "path" in value and "sha256" in value:
        return value["path"]
    return value


MediaPath = Annotated[Path, BeforeValidator(_path_of)]
"""A file: a path string, a :class:`~pathlib.Path`, or an AssetRef."""


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VideoClip(_Part):
    """A stretch of a video file, cover-fitted to the frame (its own sound is not used)."""

    kind: Literal["video"] = "video"
    path: MediaPath
    start_s: float = Field(default=0.0, ge=0, description="In point in the file.")
    end_s: float | None = Field(default=None, description="Out point; None = the end of the file.")
    show: tuple[float, float, float, float] | None = Field(
        default=None,
        description="The part of the picture to show, (left, top, right, bottom) as shares of the frame; "
        "the cover crop is taken inside it. None = the whole picture.",
    )
    by_aspect: dict[Aspect, MediaPath] = Field(
        default_factory=dict,
        description="The same stretch composed for other aspects (another file, the same times); an aspect "
        "without its own cover-fits ``path``.",
    )

    @model_validator(mode="after")
    def _in_before_out(self) -> VideoClip:
        if self.end_s is not None and self.end_s <= self.start_s:
            raise ValueError(f"end_s ({self.end_s}) must be after start_s ({self.start_s})")
        if self.show is not None:
            left, top, right, bottom = self.show
            if not (0 <= left < right <= 1 and 0 <= top < bottom <= 1):
                raise ValueError(f"show {self.show} must be (left, top, right, bottom) shares with left < right "
                                 "and top < bottom, each within 0..1")
        return self


class StillImage(_Part):
    """A picture held for ``seconds``."""

    kind: Literal["image"] = "image"
    path: MediaPath
    seconds: float = Field(gt=0, le=600)
    fit: Literal["cover", "contain"] = "cover"


Visual = Annotated[VideoClip | StillImage, Field(discriminator="kind")]


class VoiceTrack(_Part):
    path: MediaPath
    start_s: float = Field(default=0.0, ge=0, description="Where the voice starts on the timeline.")
    gain_db: float = Field(default=0.0, ge=-40, le=20)


class MusicTrack(_Part):
    """Background music, looped to the timeline's length and faded out at the end."""

    path: MediaPath
    gain_db: float = Field(
        default=-10.0, ge=-60, le=10,
        description="Level relative to the voice before ducking (with a loudness target: LU under the "
        "voice). Without a voice the music alone goes to the loudness target.",
    )
    offset_s: float = Field(default=0.0, ge=0, description="Where in the music file to start.")
    duck: bool = Field(default=True, description="Lower the music while the voice speaks.")
    duck_ratio: float = Field(default=8.0, ge=1, le=20, description="Compression ratio keyed by the voice.")
    fade_out_s: float = Field(default=1.0, ge=0, le=10)


class SubtitleTrack(_Part):
    """An ASS file burned into the picture; its PlayRes should match the output's aspect."""

    path: MediaPath
    fonts_dir: MediaPath | None = Field(default=None, description="Folder with the fonts the file names.")


Corner = Literal["top-left", "top-right", "bottom-left", "bottom-right"]


class LogoOverlay(_Part):
    """A watermark in one corner, over the visuals (not over the end card), never nearer the edge
    than the aspect's safe area (clear of the platforms' bars and buttons)."""

    path: MediaPath
    corner: Corner = "top-right"
    opacity: float = Field(default=0.9, gt=0, le=1)
    width_fraction: float = Field(default=0.12, gt=0, le=0.5, description="Logo width / frame width.")
    margin_x_fraction: float = Field(default=0.05, ge=0, le=0.3, description="Safe margin from the side.")
    margin_y_fraction: float = Field(
        default=0.06, ge=0, le=0.3, description="Safe margin from the top/bottom edge."
    )


class EndCard(_Part):
    """A closing picture (call to action) appended for ``seconds``."""

    path: MediaPath
    seconds: float = Field(default=2.0, gt=0, le=30)
    fit: Literal["cover", "contain"] = "contain"
    background: str = Field(
        default="black", pattern=r"^(#|0x)?[0-9A-Za-z]+$",
        description="ffmpeg colour around a contained card: a name or hex RGB(A).",
    )
    by_aspect: dict[Aspect, MediaPath] = Field(
        default_factory=dict,
        description="The card laid out for other aspects; an aspect without its own fits ``path`` into its frame.",
    )


class Timeline(_Part):
    """Everything one output video is made of. See the module docstring for the duration rule."""

    width: int = Field(default=1080, ge=16, le=7680, description="Output width (default: 9:16 at 1080p).")
    height: int = Field(default=1920, ge=16, le=7680)
    fps: float = Field(default=30.0, gt=0, le=120)
    duration_s: float | None = Field(default=None, gt=0, le=3600, description="None = visuals + end card.")
    visuals: list[Visual] = Field(min_length=1)
    voice: VoiceTrack | None = None
    music: MusicTrack | None = None
    loudness_lufs: float | None = Field(
        default=-14.0, ge=-40, le=-5, description="Integrated loudness of the mix; None = leave as mixed."
    )
    subtitles: SubtitleTrack | None = None
    logo: LogoOverlay | None = None
    end_card: EndCard | None = None

    @model_validator(mode="after")
    def _even_size(self) -> Timeline:
        if self.width % 2 or self.height % 2:
            raise ValueError(f"width and height must be even for yuv420p, got {self.width}x{self.height}")
        if self.duration_s is not None and self.end_card is not None:
            if self.end_card.seconds >= self.duration_s:
                raise ValueError(
                    f"end_card.seconds ({self.end_card.seconds}) leaves no room in duration_s ({self.duration_s})"
                )
        return self

    def for_aspect(self, aspect: Aspect, *, subtitles: SubtitleTrack | None = None) -> Timeline:
        """The same timeline at another aspect's size (everything cover-fits again).

        Args:
            aspect: one of :data:`ASPECT_SIZES`.
            subtitles: an ASS file laid out for that aspect; None keeps this timeline's.
        """
        width, height = ASPECT_SIZES[aspect]
        update: dict[str, Any] = {"width": width, "height": height}
        if subtitles is not None:
            update["subtitles"] = subtitles
        update["visuals"] = [
            visual.model_copy(update={"path": visual.by_aspect[aspect]})
            if isinstance(visual, VideoClip) and aspect in visual.by_aspect else visual
            for visual in self.visuals
        ]
        if self.end_card is not None and aspect in self.end_card.by_aspect:
            update["end_card"] = self.end_card.model_copy(update={"path": self.end_card.by_aspect[aspect]})
        return self.model_copy(update=update)
