"""Speech engines: what a TTS backend provides, and picking one from ``[tts]`` settings.

An engine turns text into float32 samples at its own sample rate and may speed its speech
up natively (Piper's ``length_scale``, Hibari's ``speed``). Everything after that —
fitting a scene, resampling, loudness — is shared and lives in :mod:`adloom.tools.tts.scene`
and :mod:`adloom.tools.tts.loudness`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from adloom.tools.backends import BackendTable
from adloom.tools.config import TTSSettings
from adloom.tools.context import ResidentModels
from adloom.tools.tts.errors import TTSBackendError

TTS_BACKENDS = BackendTable(
    setting="[tts] backend",
    entries={
        "piper": "adloom.tools.tts.piper_engine:load_piper_engine",
        "hibari": "adloom.tools.tts.hibari_engine:load_hibari_engine",
        "coqui": "adloom.tools.tts.coqui_engine:load_coqui_engine",
    },
    error=TTSBackendError,
)


class SpeechEngine(Protocol):
    """One loaded voice."""

    backend: str
    """Backend name as written in ``[tts] backend``."""
    voice: str
    """The voice's name."""
    model_id: str
    """Identifies the exact model file (name and sha256 prefix), for cache keys."""
    sample_rate: int

    def synthesize(self, text: str, rate: float = 1.0) -> np.ndarray:
        """Speak ``text``; ``rate`` > 1 asks the engine for faster speech. Returns float32 mono."""
        ...


def load_engine(
    settings: TTSSettings,
    models: ResidentModels,
    *,
    backend: str | None = None,
    voice: str | None = None,
) -> SpeechEngine:
    """The engine for ``backend``/``voice`` (default: ``[tts]`` settings), kept warm in ``models``.

    Raises:
        TTSBackendError: unknown backend, a backend not available here, or an unusable voice.
    """
    backend = backend or settings.backend
    voice = settings.voice if voice is None else voice
    return TTS_BACKENDS.get(backend)(settings, models, voice)
