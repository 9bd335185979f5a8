"""Speech engines: what a TTS backend provides, and picking one from ``[tts]`` settings.

An engine turns text into float32 samples at its own sample rate and may speed its speech
up natively (Piper's ``length_scale``, Hibari's ``speed``). Everything after that —
fitting a scene, resampling, loudness — is shared and lives in :mod:`tools.tts.scene`
and :mod:`tools.tts.loudness`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from tools.config import TTSSettings
from tools.context import ResidentModels
from tools.tts.errors import TTSBackendError


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
    if backend == "piper":
        from tools.tts.piper_engine import PiperEngine, resolve_piper_voice

        model, config = resolve_piper_voice(voice)
        return models.get(("tts", "piper", str(model)), lambda: PiperEngine.load(model, config))
    if backend == "hibari":
        from tools.tts.hibari_engine import HibariEngine, resolve_hibari_voice

        name = resolve_hibari_voice(voice)
        return models.get(("tts", "hibari", name), lambda: HibariEngine.load(name))
    if backend == "coqui":
        from tools.tts.coqui_engine import load_coqui_engine

        return load_coqui_engine(settings, models, voice)
    raise TTSBackendError(f"[tts] backend = {backend!r} is unknown; choose 'piper', 'hibari' or 'coqui'")
