"""Transcription through the asset cache, shared by the ``asr`` and ``subtitles`` tools."""

from __future__ import annotations

from pathlib import Path

from adloom.storage.assets import AssetRef, cache_key, sha256_file
from adloom.tools.asr.backends import load_recognizer, transcribe
from adloom.tools.asr.transcript import Transcript
from adloom.tools.context import ToolContext

TOOL_NAME = "asr.transcribe"


def models_dir(ctx: ToolContext) -> Path:
    """Where assembled model folders live: ``<data_dir>/models`` (the asset store's root is the data dir)."""
    return ctx.assets.root / "models"


def transcribe_cached(
    ctx: ToolContext,
    audio: Path | str,
    *,
    audio_sha256: str | None = None,
    language: str | None = None,
    word_timestamps: bool = True,
) -> tuple[Transcript, AssetRef]:
    """Transcribe ``audio`` unless the same file was already transcribed with the same model and options.

    Returns:
        The transcript and the stored JSON asset holding it.
    """
    audio = Path(audio)
    recognizer = load_recognizer(ctx.settings.asr, models_dir(ctx), ctx.models)
    key = cache_key(
        TOOL_NAME, recognizer.backend, recognizer.model_id,
        {"language": language, "word_timestamps": word_timestamps},
        [audio_sha256 or sha256_file(audio)],
    )
    cached = ctx.assets.lookup(key)
    if cached is not None:
        return Transcript.model_validate_json(Path(cached.path).read_text("utf-8")), cached
    ctx.progress("listening to the voiceover", 0.0)
    transcript = transcribe(audio, recognizer=recognizer, language=language, word_timestamps=word_timestamps)
    ref = ctx.assets.put_bytes(
        transcript.model_dump_json(indent=1).encode("utf-8"), ".json", kind="json", tool=TOOL_NAME,
        backend=recognizer.backend,
        metadata={"model": recognizer.model_id, "language": transcript.language,
                  "duration_s": transcript.duration_s},
    )
    ctx.assets.remember(key, ref)
    ctx.progress("listening to the voiceover", 1.0)
    return transcript, ref
