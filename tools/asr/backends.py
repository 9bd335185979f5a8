"""The ASR backends, chosen by ``[asr] backend``, behind one recognizer interface."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from adloom.tools.asr.errors import ASRBackendError
from adloom.tools.asr.transcript import Transcript
from adloom.tools.backends import BackendTable
from adloom.tools.config import ASRSettings
from adloom.tools.context import ResidentModels

ASR_BACKENDS = BackendTable(
    setting="[asr] backend",
    entries={
        "faster-whisper": "adloom.tools.asr.faster_whisper_backend:load_faster_whisper",
        "openai-whisper": "adloom.tools.asr.openai_whisper_backend:load_openai_whisper",
    },
    error=ASRBackendError,
)


class Recognizer(Protocol):
    """A loaded speech recognizer of any backend."""

    model_id: str
    backend: str

    def transcribe(self, path: Path | str, *, language: str | None = None, word_timestamps: bool = True) -> Transcript:
        """Text, segments and (optionally) timed words of an audio or video file."""
        ...


def load_recognizer(settings: ASRSettings, models_dir: Path, resident: ResidentModels) -> Recognizer:
    """The recognizer ``[asr]`` names, kept warm in ``resident``.

    Args:
        settings: the ``[asr]`` section.
        models_dir: where the packaged weights are assembled (``<data_dir>/models``).
        resident: the process's warm models.

    Raises:
        ASRBackendError: an unknown backend, or a model the backend cannot use.
    """
    return ASR_BACKENDS.get(settings.backend)(settings, models_dir, resident)


def transcribe(
    path: Path | str, *, recognizer: Recognizer, language: str | None = None, word_timestamps: bool = True
) -> Transcript:
    """Transcribe an audio (or video) file with a recognizer from :func:`load_recognizer`.

    Args:
        path: any file the backend can decode.
        language: ISO code such as ``"en"``; None detects it.
        word_timestamps: also return per-word times.
    """
    return recognizer.transcribe(path, language=language, word_timestamps=word_timestamps)
