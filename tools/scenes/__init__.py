"""Scene detection on raw footage and the VC-LLM clip representation (spatial + temporal frames)."""

from adloom.tools.scenes.detect import Clip, FootageInputError, SourceVideo, detect_clips, inspect_video
from adloom.tools.scenes.frames import ClipFrames, clip_frame_times, represent_clip

__all__ = [
    "Clip", "ClipFrames", "FootageInputError", "SourceVideo", "clip_frame_times", "detect_clips",
    "inspect_video", "represent_clip",
]
