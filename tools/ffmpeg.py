"""Running ffmpeg and probing media: the one place the project shells out to ffmpeg.

We use the static ffmpeg shipped by ``imageio-ffmpeg`` (it has libx264, libass, loudnorm,
rubberband) so no system package is needed, and PyAV (libavformat, what ffprobe uses) to
read stream properties.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import imageio_ffmpeg

from adloom.tools.child_processes import child_process_options
from adloom.tools.context import ProgressCallback, ignore_progress


class FFmpegError(RuntimeError):
    """ffmpeg exited with an error; the message carries the tail of its log."""


class MediaReadError(ValueError):
    """A file could not be read as audio/video; the message names the file."""


def ffmpeg_exe() -> str:
    """Path of the bundled static ffmpeg binary."""
    return imageio_ffmpeg.get_ffmpeg_exe()


def escape_filter_value(value: str) -> str:
    """Escape text (a file path) for a filter option inside a filter graph.

    Two levels: the option parser treats ``\\ ' :`` specially, the graph parser
    ``\\ ' [ ] , ;``; each level gets its own backslashes.
    """
    for char in "\\':":
        value = value.replace(char, "\\" + char)
    for char in "\\'[],;":
        value = value.replace(char, "\\" + char)
    return value


_OUT_TIME = re.compile(r"^out_time_us=(\d+)$")


def run_ffmpeg(
    args: Sequence[str],
    *,
    expected_seconds: float | None = None,
    progress: ProgressCallback = ignore_progress,
    label: str = "ffmpeg",
) -> None:
    """Run ``ffmpeg -y <args>``, reporting progress when the output length is known.

    Raises:
        FFmpegError: with the last lines of ffmpeg's log.
    """
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
               "-progress", "pipe:1", "-nostats", *map(str, args)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
        **child_process_options(),
    )
    assert process.stdout is not None and process.stderr is not None
    for line in process.stdout:
        match = _OUT_TIME.match(line.strip())
        if match and expected_seconds:
            progress(label, min(1.0, int(match.group(1)) / 1e6 / expected_seconds))
    stderr = process.stderr.read()
    if process.wait() != 0:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        raise FFmpegError(f"ffmpeg failed (exit {process.returncode}):\n{tail}")
    progress(label, 1.0)


@dataclass(frozen=True)
class StreamInfo:
    kind: str  # "video" | "audio" | other
    codec: str
    width: int | None = None
    height: int | None = None
    pixel_format: str | None = None
    frame_rate: Fraction | None = None
    sample_rate: int | None = None
    channels: int | None = None
    rotation: int = 0
    color_primaries: str | None = None


@dataclass(frozen=True)
class MediaInfo:
    path: str
    format_name: str
    duration_s: float
    streams: list[StreamInfo] = field(default_factory=list)

    @property
    def video(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "video"), None)

    @property
    def audio(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "audio"), None)


def probe(path: Path | str) -> MediaInfo:
    """Read container and stream properties (ffprobe's view, through libavformat).

    Raises:
        MediaReadError: the file is missing or not a media file.
    """
    path = Path(path)
    if not path.is_file():
        raise MediaReadError(f"{path}: file does not exist")
    try:
        with av.open(str(path)) as container:
            streams: list[StreamInfo] = []
            for stream in container.streams:
                ctx = stream.codec_context
                if stream.type == "video":
                    rotation = 0
                    side = getattr(stream, "side_data", None)
                    if side is not None and hasattr(side, "get"):
                        rotation = int(side.get("DISPLAYMATRIX", 0) or 0)
                    streams.append(StreamInfo(
                        kind="video", codec=ctx.name, width=ctx.width, height=ctx.height,
                        pixel_format=ctx.pix_fmt, frame_rate=stream.average_rate,
                        rotation=rotation,
                        color_primaries=str(getattr(ctx, "color_primaries", "") or "") or None,
                    ))
                elif stream.type == "audio":
                    streams.append(StreamInfo(
                        kind="audio", codec=ctx.name, sample_rate=ctx.sample_rate,
                        channels=ctx.channels,
                    ))
                else:
                    streams.append(StreamInfo(kind=stream.type, codec=ctx.name if ctx else ""))
            duration = container.duration / 1e6 if container.duration else 0.0
            return MediaInfo(str(path), container.format.name, duration, streams)
    except av.error.FFmpegError as exc:
        raise MediaReadError(f"{path}: not a readable audio/video file ({exc})") from exc
