"""What a rendered MP4 really contains, checked against what the platforms need.

Read with PyAV (libavformat, ffprobe's library) plus a walk over the MP4's top-level
boxes for ``+faststart`` (``moov`` before ``mdat``), which no probe field reports.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import av

from adloom.tools.editor.encoding import AUDIO_SAMPLE_RATE
from adloom.tools.editor.inputs import MediaInputError

# ISO/IEC 23001-8 code points as libavcodec stores them.
_BT709 = 1
_CODE_NAMES = {1: "bt709", 2: "unspecified", 5: "bt470bg", 6: "smpte170m", 9: "bt2020", 13: "srgb"}


def mp4_top_level_boxes(path: Path | str) -> list[str]:
    """Types of the top-level boxes (atoms) of an MP4/MOV file, in file order.

    Raises:
        ValueError: the file is not a well-formed ISO media file.
    """
    boxes: list[str] = []
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size_of_file = handle.tell()
        offset = 0
        while offset < size_of_file:
            handle.seek(offset)
            header = handle.read(8)
            if len(header) < 8:
                raise ValueError(f"{path}: truncated box header at byte {offset}")
            size, kind = struct.unpack(">I4s", header)
            if size == 1:  # 64-bit size follows the type
                size = struct.unpack(">Q", handle.read(8))[0]
            elif size == 0:  # box runs to the end of the file
                size = size_of_file - offset
            if size < 8:
                raise ValueError(f"{path}: invalid box size {size} at byte {offset}")
            boxes.append(kind.decode("latin-1"))
            offset += size
    return boxes


def is_faststart(path: Path | str) -> bool:
    """True when the ``moov`` box comes before the first ``mdat`` (playback can start early)."""
    boxes = mp4_top_level_boxes(path)
    if "moov" not in boxes or "mdat" not in boxes:
        return False
    return boxes.index("moov") < boxes.index("mdat")


@dataclass(frozen=True)
class StreamReport:
    """Stream properties of one file and every way they miss the expectations.

    ``problems`` is empty when the file is fine; each entry is one sentence naming the
    property, what was found and what was expected.
    """

    path: str
    duration_s: float
    width: int | None
    height: int | None
    fps: float | None
    video_frames: int | None
    video_codec: str | None
    video_profile: str | None
    pixel_format: str | None
    color_primaries: str | None
    color_transfer: str | None
    color_matrix: str | None
    audio_codec: str | None
    audio_sample_rate: int | None
    audio_channels: int | None
    faststart: bool
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> dict[str, object]:
        """A JSON-ready digest for manifests and tool outputs."""
        return {
            "duration_s": round(self.duration_s, 4), "width": self.width, "height": self.height,
            "fps": self.fps, "video_frames": self.video_frames, "video_codec": self.video_codec,
            "video_profile": self.video_profile, "pixel_format": self.pixel_format,
            "color_primaries": self.color_primaries, "color_transfer": self.color_transfer,
            "color_matrix": self.color_matrix, "audio_codec": self.audio_codec,
            "audio_sample_rate": self.audio_sample_rate, "audio_channels": self.audio_channels,
            "faststart": self.faststart, "problems": list(self.problems),
        }


def _code_name(value: object) -> str | None:
    if value is None:
        return None
    code = int(value)  # type: ignore[call-overload]
    return _CODE_NAMES.get(code, str(code))


def check_streams(
    path: Path | str,
    expect_size: tuple[int, int] | None = None,
    expect_duration: float | None = None,
    tolerance_frames: float = 1,
    *,
    expect_audio: bool = True,
    expect_bt709: bool = True,
) -> StreamReport:
    """Check a rendered MP4: H.264 yuv420p video, AAC 48 kHz audio, size, duration, faststart.

    Args:
        expect_size: (width, height) the video must have, or None to skip.
        expect_duration: seconds the file must last within ``tolerance_frames`` frames.
        tolerance_frames: allowed duration error in frames of the file's own frame rate.
        expect_audio: require an AAC 48 kHz stream.
        expect_bt709: require BT.709 primaries, transfer and matrix tags.

    Raises:
        tools.editor.inputs.MediaInputError: the file is missing or not a media file.
    """
    path = Path(path)
    if not path.is_file():
        raise MediaInputError(f"{path}: file does not exist")
    problems: list[str] = []
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:
        raise MediaInputError(f"{path}: not a readable media file ({exc})") from exc
    with container:
        duration = container.duration / 1e6 if container.duration else 0.0
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        width = height = frames = None
        fps = None
        codec = profile = pix_fmt = primaries = transfer = matrix = None
        if video is not None:
            ctx = video.codec_context
            width, height, codec, pix_fmt = ctx.width, ctx.height, ctx.name, ctx.pix_fmt
            profile = ctx.profile
            fps = float(video.average_rate) if video.average_rate else None
            frames = video.frames or None
            primaries = _code_name(ctx.color_primaries)
            transfer = _code_name(ctx.color_trc)
            matrix = _code_name(ctx.colorspace)
        audio_codec = sample_rate = channels = None
        if audio is not None:
            audio_codec = audio.codec_context.name
            sample_rate = audio.codec_context.sample_rate
            channels = audio.codec_context.channels

    if video is None:
        problems.append("no video stream")
    else:
        if codec != "h264":
            problems.append(f"video codec is {codec}, expected h264")
        if pix_fmt != "yuv420p":
            problems.append(f"pixel format is {pix_fmt}, expected yuv420p")
        if expect_size is not None and (width, height) != tuple(expect_size):
            problems.append(f"size is {width}x{height}, expected {expect_size[0]}x{expect_size[1]}")
        if expect_bt709 and (primaries, transfer, matrix) != ("bt709",) * 3:
            problems.append(
                f"colour tags are primaries={primaries} transfer={transfer} matrix={matrix}, expected bt709"
            )
    if expect_audio:
        if audio is None:
            problems.append("no audio stream")
        else:
            if audio_codec != "aac":
                problems.append(f"audio codec is {audio_codec}, expected aac")
            if sample_rate != AUDIO_SAMPLE_RATE:
                problems.append(f"audio sample rate is {sample_rate} Hz, expected {AUDIO_SAMPLE_RATE}")
    if expect_duration is not None:
        frame_s = 1 / fps if fps else 1 / 30
        allowed = tolerance_frames * frame_s + 1e-3
        measured = [("container", duration)]
        if frames and fps:
            measured.append(("video stream", frames / fps))
        for what, value in measured:
            if abs(value - expect_duration) > allowed:
                problems.append(
                    f"{what} lasts {value:.3f} s, expected {expect_duration:.3f} s "
                    f"(±{tolerance_frames:g} frame)"
                )
    faststart = path.suffix.lower() in {".mp4", ".m4v", ".mov"} and is_faststart(path)
    if path.suffix.lower() in {".mp4", ".m4v", ".mov"} and not faststart:
        problems.append("moov box is after mdat (not +faststart)")
    return StreamReport(
        path=str(path), duration_s=duration, width=width, height=height, fps=fps,
        video_frames=frames, video_codec=codec, video_profile=profile, pixel_format=pix_fmt,
        color_primaries=primaries, color_transfer=transfer, color_matrix=matrix,
        audio_codec=audio_codec, audio_sample_rate=sample_rate, audio_channels=channels,
        faststart=faststart, problems=tuple(problems),
    )
