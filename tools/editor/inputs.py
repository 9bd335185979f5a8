"""Checking input files before any encode: each must exist and be the kind of media its field says.

A wrong file found late gives a cryptic ffmpeg error minutes into a render; probing first
(PyAV, ffprobe's library) gives an error naming the field and the file at once.
"""

from __future__ import annotations

from pathlib import Path

from adloom.tools.ffmpeg import MediaInfo, MediaReadError, probe
from adloom.tools.image.inputs import ImageInputError, load_image

# Demuxers that read a single still picture (ffmpeg names them "<codec>_pipe" or "image2").
_STILL_FORMAT_SUFFIX = "_pipe"
_STILL_FORMATS = {"image2", "gif"}


class MediaInputError(ValueError):
    """An input file is missing or not the kind of media its field needs; names both."""


def probe_input(path: Path, field: str) -> MediaInfo:
    """Probe an input file, or raise :class:`MediaInputError` naming the field when it is missing or unreadable."""
    if Path(path).is_dir():
        raise MediaInputError(f"{field}: {path} is a folder, not a file")
    if not Path(path).is_file():
        raise MediaInputError(f"{field}: file {path} does not exist")
    try:
        return probe(path)
    except MediaReadError as exc:
        raise MediaInputError(f"{field}: {exc}") from exc


def is_still_image(info: MediaInfo) -> bool:
    """True for a single picture (PNG, JPEG, WebP, ...), as opposed to moving video."""
    name = info.format_name
    return info.video is not None and (name.endswith(_STILL_FORMAT_SUFFIX) or name in _STILL_FORMATS)


def is_moving_video(info: MediaInfo) -> bool:
    """True when the file has a real video stream (cover art on an audio file does not count)."""
    video = info.video
    return (
        video is not None
        and not is_still_image(info)
        and video.frame_rate is not None
        and info.duration_s > 0
    )


def require_image(path: Path, field: str) -> MediaInfo:
    """Probe ``path`` and raise :class:`MediaInputError` unless it is a still image that decodes.

    The picture is decoded with the same checks as a brief's photos (:func:`load_image`:
    truncated data, more than ``MAX_INPUT_PIXELS``), so a header that probes well over
    garbage or a 30000x30000 canvas is refused here, not in the encoder.
    """
    info = probe_input(path, field)
    if not is_still_image(info):
        raise MediaInputError(
            f"{field}: {path} is not a still image (format {info.format_name!r}); "
            "use a PNG, JPEG or WebP file"
        )
    try:
        load_image(field, path).close()
    except ImageInputError as exc:
        raise MediaInputError(str(exc)) from exc
    return info


def require_video(path: Path, field: str) -> MediaInfo:
    """Probe ``path`` and raise :class:`MediaInputError` unless it is a moving video."""
    info = probe_input(path, field)
    if not is_moving_video(info):
        what = "a still image" if is_still_image(info) else f"format {info.format_name!r} without video"
        raise MediaInputError(f"{field}: {path} is not a video file ({what})")
    return info


def require_audio(path: Path, field: str) -> MediaInfo:
    """Probe ``path`` and raise :class:`MediaInputError` unless it has an audio stream."""
    info = probe_input(path, field)
    if info.audio is None:
        raise MediaInputError(
            f"{field}: {path} is not an audio file (format {info.format_name!r} has no audio stream)"
        )
    return info
