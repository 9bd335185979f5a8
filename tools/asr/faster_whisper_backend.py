"""Speech recognition with faster-whisper (CTranslate2, int8 on CPU), offline."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from adloom.tools.asr.errors import ASRBackendError
from adloom.tools.asr.transcript import Segment, Transcript, Word
from adloom.tools.asr.whisper_files import MODEL_ID, packaged_whisper_base
from adloom.tools.config import ASRSettings
from adloom.tools.context import ResidentModels

COMPUTE_TYPE = "int8"


@dataclass
class WhisperRecognizer:
    """A loaded faster-whisper model and the id that names it in cache keys."""

    model: object  # faster_whisper.WhisperModel
    model_id: str
    backend: str = "faster-whisper"

    def transcribe(self, path: Path | str, *, language: str | None = None, word_timestamps: bool = True) -> Transcript:
        """See :func:`transcribe_faster_whisper`."""
        return transcribe_faster_whisper(path, recognizer=self, language=language, word_timestamps=word_timestamps)


def _model_folder(settings: ASRSettings, models_dir: Path) -> tuple[Path, str]:
    if not settings.model:
        return packaged_whisper_base(models_dir), MODEL_ID
    folder = Path(settings.model).expanduser()
    if not (folder / "model.bin").is_file():
        raise ASRBackendError(
            f"[asr] model = {settings.model!r} is not a CTranslate2 Whisper folder (no model.bin in it); "
            "leave it empty for the packaged Whisper base model"
        )
    stat = (folder / "model.bin").stat()
    return folder, f"{folder.resolve()}@{stat.st_size}-{int(stat.st_mtime)}"


def load_faster_whisper(settings: ASRSettings, models_dir: Path, resident: ResidentModels) -> WhisperRecognizer:
    """The faster-whisper recognizer ``[asr] model`` names, kept warm in ``resident``.

    Args:
        settings: the ``[asr]`` section.
        models_dir: where the packaged weights are assembled (``<data_dir>/models``).
        resident: the process's warm models.

    Raises:
        ASRBackendError: ``[asr] model`` is not a CTranslate2 Whisper folder.
    """
    folder, model_id = _model_folder(settings, models_dir)

    def load() -> WhisperRecognizer:
        from faster_whisper import WhisperModel

        threads = min(4, os.cpu_count() or 1)
        model = WhisperModel(
            str(folder), device="cpu", compute_type=COMPUTE_TYPE, cpu_threads=threads, local_files_only=True
        )
        return WhisperRecognizer(model=model, model_id=model_id)

    return resident.get(("asr", "faster-whisper", str(folder), COMPUTE_TYPE), load)


def transcribe_faster_whisper(
    path: Path | str,
    *,
    recognizer: WhisperRecognizer,
    language: str | None = None,
    word_timestamps: bool = True,
) -> Transcript:
    """Transcribe an audio (or video) file.

    Args:
        path: any file PyAV can decode.
        recognizer: from :func:`load_faster_whisper`.
        language: ISO code such as ``"en"``; None detects it.
        word_timestamps: also return per-word times.
    """
    segments, info = recognizer.model.transcribe(
        str(path), language=language, word_timestamps=word_timestamps, beam_size=5, vad_filter=False
    )
    words: list[Word] = []
    kept: list[Segment] = []
    for segment in segments:  # a generator: decoding happens while iterating
        kept.append(Segment(text=segment.text.strip(), start=segment.start, end=segment.end))
        for word in segment.words or []:
            text = word.word.strip()
            if text:
                words.append(Word(text=text, start=word.start, end=word.end,
                                  probability=min(1.0, max(0.0, word.probability))))
    return Transcript(
        text=" ".join(segment.text for segment in kept if segment.text),
        language=info.language,
        duration_s=info.duration,
        words=words,
        segments=kept,
        model=f"{recognizer.backend}:{recognizer.model_id}",
    )
