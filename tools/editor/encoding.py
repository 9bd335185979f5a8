"""Output conventions every rendered MP4 follows, and the ffmpeg arguments that give them.

Platforms accept H.264 High / yuv420p video with AAC audio at 48 kHz in an MP4 whose
``moov`` atom comes first (``+faststart``, so playback starts before the download ends).
Colours are tagged BT.709 (HD) so players do not guess BT.601 and shift the hues; the
conversion to YUV in the filter graph uses the same matrix (see :data:`TO_BT709_YUV420P`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

X264Preset = Literal[
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"
]

AUDIO_SAMPLE_RATE = 48_000
AUDIO_CHANNELS = 2

TO_BT709_YUV420P = "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p"
"""Filter chain converting whatever comes in to limited-range BT.709 yuv420p."""

TAG_BT709 = "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv"
"""Filter stamping BT.709 colour properties on the frames (the encoder copies them)."""


@dataclass(frozen=True)
class EncodeSettings:
    """x264/AAC settings of one render.

    Attributes:
        preset: x264 speed/size trade-off; ``veryfast`` keeps a 15 s 1080p ad in seconds.
        crf: x264 constant quality (lower is better and bigger); 20 is visually clean.
        audio_bitrate: AAC bitrate, e.g. ``"192k"``.
    """

    preset: X264Preset = "veryfast"
    crf: int = 20
    audio_bitrate: str = "192k"

    def __post_init__(self) -> None:
        if not 0 <= self.crf <= 51:
            raise ValueError(f"crf must be within 0..51, got {self.crf}")


def h264_video_args(settings: EncodeSettings, fps: float) -> list[str]:
    """Encoder arguments for one H.264 High yuv420p BT.709 video stream at a constant ``fps``."""
    return [
        "-c:v", "libx264", "-preset", settings.preset, "-crf", str(settings.crf),
        "-profile:v", "high", "-pix_fmt", "yuv420p",
        "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
        "-color_range", "tv", "-r", format_number(fps), "-fps_mode", "cfr",
    ]


def aac_audio_args(settings: EncodeSettings) -> list[str]:
    """Encoder arguments for one AAC 48 kHz stereo stream."""
    return [
        "-c:a", "aac", "-b:a", settings.audio_bitrate,
        "-ar", str(AUDIO_SAMPLE_RATE), "-ac", str(AUDIO_CHANNELS),
    ]


MP4_ARGS = ["-movflags", "+faststart", "-f", "mp4"]


def format_number(value: float) -> str:
    """A number as ffmpeg reads it: integers without a decimal point, others to 6 places."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")
