"""Speech recognition: faster-whisper with the packaged Whisper base weights."""

from tools.asr.cached import transcribe_cached
from tools.asr.faster_whisper_backend import ASRBackendError, WhisperRecognizer, load_recognizer, transcribe
from tools.asr.transcript import Segment, Transcript, Word
from tools.asr.whisper_files import WhisperFilesError, packaged_whisper_base

__all__ = [
    "ASRBackendError",
    "Segment",
    "Transcript",
    "WhisperFilesError",
    "WhisperRecognizer",
    "Word",
    "load_recognizer",
    "packaged_whisper_base",
    "transcribe",
    "transcribe_cached",
]
