"""Pulling still frames out of a video at given times (key frames for OCR, NSFW, review)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import av
from PIL import Image

from adloom.tools.editor.inputs import MediaInputError


def extract_frames(path: Path | str, times_s: Sequence[float]) -> list[Image.Image]:
    """The RGB frames shown at each of ``times_s`` (seconds), in the order asked.

    The frame shown at ``t`` is the last one whose timestamp is at or before ``t``; a
    time past the end gives the last frame. Seeks to the key frame before each time and
    decodes forward, so asking for a few frames of a long file stays cheap.

    Raises:
        MediaInputError: the file is missing, unreadable, or has no video stream.
        ValueError: a negative time.
    """
    path = Path(path)
    if not path.is_file():
        raise MediaInputError(f"{path}: file does not exist")
    if any(t < 0 for t in times_s):
        raise ValueError(f"frame times must not be negative: {list(times_s)}")
    found: dict[float, Image.Image] = {}
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaInputError(f"{path}: no video stream to take frames from")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            time_base = float(stream.time_base)
            start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
            for wanted in sorted(set(times_s)):
                container.seek(int((wanted + start) / time_base), stream=stream, backward=True)
                shown = None
                for frame in container.decode(stream):
                    if frame.pts is not None and frame.pts * time_base - start > wanted + 1e-6:
                        break
                    shown = frame
                if shown is None:  # the seek landed after the time (first frame's timestamp > t)
                    container.seek(0, stream=stream)
                    shown = next(container.decode(stream))
                found[wanted] = shown.to_image()
    except av.error.FFmpegError as exc:
        raise MediaInputError(f"{path}: cannot decode video frames ({exc})") from exc
    return [found[t] for t in times_s]
