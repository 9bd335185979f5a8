"""Speech recognition: faster-whisper (default) or openai-whisper, with the packaged Whisper base weights."""

from adloom.tools.asr.backends import Recognizer, load_recognizer, transcribe
from adloom.tools.asr.cached import transcribe_cached
from adloom.tools.asr.errors import ASRBackendError
from adloom.tools.asr.transcript import Segment, Transcript, Word
from adloom.tools.asr.whisper_files import WhisperFilesError, packaged_whisper_base

__all__ = [
    "ASRBackendError",
    "Segment",
    "Transcript",
    "WhisperFilesError",
    "Recognizer",
    "Word",
    "load_recognizer",
    "packaged_whisper_base",
    "transcribe",
    "transcribe_cached",
]
