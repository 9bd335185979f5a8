"""Checks of rendered media, returning typed results (the critic records them in the manifest).

- :func:`check_streams` — codecs, pixel format, sample rate, size, duration, faststart, BT.709.
- :func:`measure_loudness` — EBU R128 integrated loudness, true peak and range (the TTS
  tool's implementation, :func:`adloom.tools.tts.loudness.measure`).
- :func:`extract_frames` — PIL frames at given times.
- :func:`ocr_frame` — text in a frame (the image tool's RapidOCR engine and match score).
- :func:`nsfw_score` / :func:`nsfw_scores` — Open-NSFW probability.
- :func:`measure_sync` — caption word times against the words heard in the final audio.
"""

from adloom.tools.media_checks.frames import extract_frames
from adloom.tools.media_checks.nsfw import (
    NSFW_MODEL_KEY,
    SAFE_BELOW,
    UNSAFE_ABOVE,
    NSFWModelError,
    load_nsfw_classifier,
    nsfw_score,
    nsfw_scores,
)
from adloom.tools.media_checks.ocr import FrameText, ocr_frame
from adloom.tools.media_checks.streams import StreamReport, check_streams, is_faststart, mp4_top_level_boxes
from adloom.tools.media_checks.subtitle_sync import SYNC_LIMIT_S, SyncReport, measure_sync
from adloom.tools.tts.loudness import LoudnessMeasurement
from adloom.tools.tts.loudness import measure as measure_loudness

__all__ = [
    "NSFW_MODEL_KEY",
    "SAFE_BELOW",
    "SYNC_LIMIT_S",
    "UNSAFE_ABOVE",
    "FrameText",
    "LoudnessMeasurement",
    "NSFWModelError",
    "StreamReport",
    "SyncReport",
    "check_streams",
    "extract_frames",
    "is_faststart",
    "load_nsfw_classifier",
    "measure_loudness",
    "measure_sync",
    "mp4_top_level_boxes",
    "nsfw_score",
    "nsfw_scores",
    "ocr_frame",
]
