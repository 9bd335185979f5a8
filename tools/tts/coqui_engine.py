"""Coqui TTS (the ``coqui-tts`` package): XTTS-v2, VITS or Tacotron2 from a local model folder.

``[tts] voice`` is the folder: a ``config.json`` beside the weights (``model.pth``,
``best_model.pth`` or ``checkpoint_*.pth``; XTTS-v2 folders load themselves from the
folder). XTTS clones the voice in ``[tts] speaker_wav``; multi-speaker models take
``[tts] speaker``; multilingual ones ``[tts] language``.

coqui-tts needs torchaudio, which on PyPI is built for CUDA torch and does not load beside
the CPU torch this project pins (MODELS.md), so it is the optional extra
``adloom[coqui]`` for machines with CUDA torch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adloom.tools.config import TTSSettings
from adloom.tools.context import ResidentModels
from adloom.tools.model_manager import folder_fingerprint, resolve_device
from adloom.tools.tts.errors import TTSBackendError

CHECKPOINT_NAMES = ("model.pth", "best_model.pth", "model_file.pth")


def coqui_unavailable_reason() -> str | None:
    """Why coqui-tts cannot be imported here, or None when it can."""
    try:
        import torchaudio  # noqa: F401  (coqui-tts imports it at load; a CPU-torch mismatch fails here)
        from TTS.utils.synthesizer import Synthesizer  # noqa: F401
    except Exception as exc:  # any import failure (missing package, CUDA-linked torchaudio) means unavailable
        return (
            f"coqui-tts cannot be imported ({type(exc).__name__}: {exc}); install the 'coqui' extra "
            "(pip install 'adloom[coqui]') beside a CUDA build of torch, whose torchaudio it needs"
        )
    return None


@dataclass(frozen=True)
class CoquiVoice:
    """The files of one Coqui model folder."""

    folder: Path
    config: Path
    checkpoint: Path
    kind: str
    """The model's ``model`` config field: ``xtts``, ``vits``, ``tacotron2``…"""


def resolve_coqui_voice(voice: str) -> CoquiVoice:
    """The config and weights of the Coqui folder named by ``[tts] voice``.

    Raises:
        TTSBackendError: naming the folder and what is missing.
    """
    if not voice:
        raise TTSBackendError("[tts] backend = 'coqui' needs [tts] voice set to a Coqui model folder (config.json + .pth)")
    folder = Path(voice).expanduser()
    config = folder / "config.json"
    if not config.is_file():
        raise TTSBackendError(f"[tts] voice = {voice!r}: no config.json there; it must be a Coqui TTS model folder")
    kind = str(json.loads(config.read_text("utf-8")).get("model", "")).lower()
    if kind == "xtts":
        return CoquiVoice(folder, config, folder, kind)  # XTTS loads its files from the folder
    named = [folder / name for name in CHECKPOINT_NAMES if (folder / name).is_file()]
    found = named or sorted(folder.glob("checkpoint_*.pth")) or sorted(folder.glob("*.pth"))
    if not found:
        raise TTSBackendError(
            f"[tts] voice = {voice!r}: no model weights ({', '.join(CHECKPOINT_NAMES)} or checkpoint_*.pth) in the folder"
        )
    return CoquiVoice(folder, config, found[-1], kind)


@dataclass
class CoquiEngine:
    """A loaded Coqui model (see :class:`adloom.tools.tts.engines.SpeechEngine`)."""

    synthesizer: object  # TTS.utils.synthesizer.Synthesizer
    voice: str
    model_id: str
    sample_rate: int
    kind: str
    speaker: str
    speaker_wav: str
    language: str
    backend: str = "coqui"

    @classmethod
    def load(cls, files: CoquiVoice, settings: TTSSettings) -> "CoquiEngine":
        """Load the model onto ``[tts] device``.

        Raises:
            TTSBackendError: coqui-tts is not importable here, or XTTS has no speaker recording.
        """
        if files.kind == "xtts" and not settings.speaker_wav:
            raise TTSBackendError("[tts] backend = 'coqui' with an XTTS model needs [tts] speaker_wav (a voice sample)")
        if settings.speaker_wav and not Path(settings.speaker_wav).expanduser().is_file():
            raise TTSBackendError(f"[tts] speaker_wav = {settings.speaker_wav!r} is not a file")
        from TTS.utils.synthesizer import Synthesizer

        device = resolve_device(settings.device, setting="[tts] device")
        synthesizer = Synthesizer(tts_checkpoint=files.checkpoint, tts_config_path=files.config,
                                  use_cuda=device == "cuda")
        return cls(
            synthesizer=synthesizer, voice=files.folder.name, model_id=f"coqui:{folder_fingerprint(files.folder)}",
            sample_rate=int(synthesizer.output_sample_rate), kind=files.kind, speaker=settings.speaker,
            speaker_wav=str(Path(settings.speaker_wav).expanduser()) if settings.speaker_wav else "",
            language=settings.language,
        )

    def synthesize(self, text: str, rate: float = 1.0) -> np.ndarray:
        """Speak ``text``; XTTS and VITS speed up natively, Tacotron2 leaves ``rate`` to the shared fitting."""
        import torch

        model = self.synthesizer.tts_model
        options: dict[str, object] = {}
        if self.kind == "xtts":
            options["speed"] = rate
        elif hasattr(model, "length_scale"):
            model.length_scale = 1.0 / rate  # VITS reads it at inference
        multilingual = getattr(model, "language_manager", None) is not None or self.kind == "xtts"
        # A fixed seed keeps stochastic duration predictors reproducible, so voiceovers cache.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            samples = self.synthesizer.tts(
                text, speaker_name=self.speaker or None, language_name=self.language if multilingual else None,
                speaker_wav=self.speaker_wav or None, split_sentences=True, **options,
            )
        return np.asarray(samples, dtype=np.float32)


def load_coqui_engine(settings: TTSSettings, models: ResidentModels, voice: str) -> CoquiEngine:
    """The Coqui engine for ``voice`` (a model folder), kept warm in ``models``.

    Raises:
        TTSBackendError: coqui-tts is not importable here (checked first: it decides whether
            anything else matters), or the folder or speaker settings are unusable.
    """
    reason = coqui_unavailable_reason()
    if reason is not None:
        raise TTSBackendError(f"[tts] backend = 'coqui': {reason}")
    files = resolve_coqui_voice(voice)
    key = ("tts", "coqui", str(files.folder), settings.speaker, settings.speaker_wav, settings.language, settings.device)
    return models.get(key, lambda: CoquiEngine.load(files, settings), slot="tts")
