"""Speech recognition with openai-whisper (PyTorch) from a ``.pt`` checkpoint, offline.

``[asr] model`` names the checkpoint; empty uses the packaged Whisper base weights,
converted once from their CTranslate2 form (:mod:`adloom.tools.asr.whisper_conversion`). Audio
is decoded with PyAV (through faster-whisper's decoder) rather than the ``ffmpeg`` binary
openai-whisper would look for on PATH. Runs on the ``[asr] device`` (fp16 on CUDA).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from adloom.tools.asr.errors import ASRBackendError
from adloom.tools.asr.transcript import Segment, Transcript, Word
from adloom.tools.asr.whisper_conversion import alignment_heads_dump, packaged_openai_whisper
from adloom.tools.config import ASRSettings
from adloom.tools.context import ResidentModels
from adloom.tools.model_manager import module_bytes, resolve_device

BACKEND = "openai-whisper"
SAMPLE_RATE = 16000
FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


class OpenAIWhisperError(ASRBackendError):
    """openai-whisper is missing or the configured checkpoint cannot be read."""


@dataclass
class OpenAIWhisperRecognizer:
    """A loaded ``whisper.model.Whisper`` and the id that names it in cache keys."""

    model: object
    model_id: str
    device: str
    backend: str = BACKEND

    def transcribe(self, path: Path | str, *, language: str | None = None, word_timestamps: bool = True) -> Transcript:
        """See :func:`transcribe_openai_whisper`."""
        return transcribe_openai_whisper(path, recognizer=self, language=language, word_timestamps=word_timestamps)


def _checkpoint(settings: ASRSettings, models_dir: Path) -> Path:
    if not settings.model:
        return packaged_openai_whisper(models_dir)
    path = Path(settings.model).expanduser()
    if path.suffix != ".pt" or not path.is_file():
        raise OpenAIWhisperError(
            f"[asr] model = {settings.model!r} is not an openai-whisper .pt checkpoint; leave it empty for the "
            "packaged Whisper base, or make one with `adloom models convert-whisper FOLDER OUT.pt`"
        )
    return path


def load_whisper_checkpoint(path: Path, device: str) -> object:
    """A ``whisper.model.Whisper`` from a ``{"dims", "model_state_dict"}`` checkpoint.

    Raises:
        OpenAIWhisperError: openai-whisper is not installed or the file is not such a checkpoint.
    """
    try:
        from whisper.model import ModelDimensions, Whisper
    except ImportError as exc:
        raise OpenAIWhisperError(
            "the openai-whisper backend needs the openai-whisper package: pip install --no-deps "
            "openai-whisper==20250625 (see requirements/no-deps.txt)"
        ) from exc
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        model = Whisper(ModelDimensions(**checkpoint["dims"]))
        model.load_state_dict(checkpoint["model_state_dict"])
    except (KeyError, TypeError, RuntimeError) as exc:
        raise OpenAIWhisperError(f"{path}: not an openai-whisper checkpoint ({exc})") from exc
    if "alignment_heads" in checkpoint:
        model.set_alignment_heads(alignment_heads_dump(checkpoint["alignment_heads"]))
    return model.to(device).eval()


def load_openai_whisper(settings: ASRSettings, models_dir: Path, resident: ResidentModels) -> OpenAIWhisperRecognizer:
    """The recognizer named by ``[asr]`` settings, kept warm in ``resident``."""
    path = _checkpoint(settings, models_dir)
    device = resolve_device(settings.device, setting="[asr] device")
    stat = path.stat()  # cheap on every call; the packaged checkpoint's name carries its source's sha256
    model_id = f"{path.name}@{stat.st_size}-{int(stat.st_mtime)}"

    def load() -> OpenAIWhisperRecognizer:
        return OpenAIWhisperRecognizer(load_whisper_checkpoint(path, device), model_id, device)

    return resident.get(("asr", BACKEND, str(path.resolve()), device), load, slot="asr",
                        measure=lambda loaded: module_bytes(loaded.model))


def transcribe_openai_whisper(
    path: Path | str,
    *,
    recognizer: OpenAIWhisperRecognizer,
    language: str | None = None,
    word_timestamps: bool = True,
    temperature: float | tuple[float, ...] = FALLBACK_TEMPERATURES,
) -> Transcript:
    """Transcribe an audio (or video) file with openai-whisper's own decoding loop.

    Args:
        temperature: openai-whisper's schedule: greedy first, sampling at the next
            temperatures only when a window's output looks degenerate. ``0.0`` alone is
            greedy only (faster, never samples).
    """
    from faster_whisper.audio import decode_audio

    audio = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    # Fallback windows sample; a fixed seed on a forked RNG keeps the transcript (and so the
    # asset cache) reproducible without touching the process's global random state.
    devices = [torch.cuda.current_device()] if recognizer.device == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(0)
        result = recognizer.model.transcribe(
            audio, language=language, word_timestamps=word_timestamps, fp16=recognizer.device == "cuda",
            condition_on_previous_text=True, verbose=None, temperature=temperature,
        )
    segments, words = [], []
    for segment in result["segments"]:
        segments.append(Segment(text=segment["text"].strip(), start=float(segment["start"]), end=float(segment["end"])))
        for word in segment.get("words", []):
            text = word["word"].strip()
            if text:
                words.append(Word(text=text, start=float(word["start"]), end=float(word["end"]),
                                  probability=min(1.0, max(0.0, float(word["probability"])))))
    return Transcript(
        text=" ".join(segment.text for segment in segments if segment.text),
        language=result["language"],
        duration_s=len(audio) / SAMPLE_RATE,
        words=words,
        segments=segments,
        model=f"{BACKEND}:{recognizer.model_id}",
    )
