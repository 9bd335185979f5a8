"""Speech recognition: faster-whisper (default) or openai-whisper, with the packaged Whisper base weights."""

from tools.asr.backends import Recognizer, load_recognizer, transcribe
from tools.asr.cached import transcribe_cached
from tools.asr.errors import ASRBackendError
from tools.asr.transcript import Segment, Transcript, Word
from tools.asr.whisper_files import WhisperFilesError, packaged_whisper_base

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
