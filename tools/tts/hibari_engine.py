"""Hibari: a 7.9 MB ONNX voice distilled from Kokoro-82M (voice af_heart, female, en-US).

Only the voice bundled in the package works offline; hibari downloads its other voices on
first use, so they are refused here with a clear error instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adloom.storage.assets import sha256_file
from adloom.tools.config import TTSSettings
from adloom.tools.context import ResidentModels
from adloom.tools.tts.errors import TTSBackendError

BUNDLED_VOICE = "heart"
BUNDLED_ALIASES = {"", "heart", "af_heart"}
# sha256 of hibari-tts 0.2.1's bundled hibari.onnx (also listed in its voices.json).
BUNDLED_SHA256 = "5f70741d4e900f4e85d0037498736cc1b3e1b9a63a13546a5da1e63abf4fccd8"
SEED = 0  # hibari adds noise; a fixed seed makes a line sound the same every time


def resolve_hibari_voice(voice: str) -> str:
    """The hibari voice name for ``[tts] voice``; only the bundled af_heart is accepted.

    Raises:
        TTSBackendError: for any other voice (it would be downloaded).
    """
    if voice in BUNDLED_ALIASES:
        return BUNDLED_VOICE
    raise TTSBackendError(
        f"[tts] voice = {voice!r} is not available offline for the hibari backend: only the "
        "bundled voice 'heart' (af_heart) ships in the package, the others are downloaded on first "
        "use; set [tts] voice = 'heart' or use the piper backend"
    )


@dataclass
class HibariEngine:
    """A loaded hibari voice (see :class:`adloom.tools.tts.engines.SpeechEngine`)."""

    tts: object  # hibari.Hibari
    voice: str
    model_id: str
    sample_rate: int
    backend: str = "hibari"

    @classmethod
    def load(cls, voice: str) -> "HibariEngine":
        import hibari
        from hibari.voices import voice_path

        model = Path(voice_path(voice, download_missing=False))
        actual = sha256_file(model)
        if actual != BUNDLED_SHA256:
            raise TTSBackendError(
                f"{model}: sha256 {actual[:12]}… differs from the recorded {BUNDLED_SHA256[:12]}…; "
                "reinstall hibari-tts==0.2.1"
            )
        # Passing the file explicitly means hibari never looks for (or fetches) anything else.
        tts = hibari.Hibari(voice=voice, model=str(model), threads=1)
        return cls(tts=tts, voice=f"af_{voice}", model_id=f"hibari:af_{voice}@{actual[:16]}",
                   sample_rate=int(hibari.SAMPLE_RATE))

    def synthesize(self, text: str, rate: float = 1.0) -> np.ndarray:
        return np.asarray(self.tts(text, speed=rate, seed=SEED), dtype=np.float32)


def load_hibari_engine(settings: TTSSettings, models: ResidentModels, voice: str) -> HibariEngine:
    """The Hibari voice ``voice`` names (empty: the default one), kept warm in ``models``."""
    name = resolve_hibari_voice(voice)
    return models.get(("tts", "hibari", name), lambda: HibariEngine.load(name))
