"""The ``asr.transcribe`` tool agent: speech to text with word timestamps."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from adloom.storage.assets import AssetRef
from adloom.tools.asr import Transcript, transcribe_cached
from adloom.tools.asr.cached import TOOL_NAME
from adloom.tools.context import ToolContext
from adloom.tools.registry import tool_agent


class TranscribeRequest(BaseModel):
    audio: AssetRef | None = Field(default=None, description="A stored audio or video asset.")
    path: str | None = Field(default=None, description="Or a local audio/video file.")
    language: str | None = Field(default=None, description="ISO code, e.g. 'en'; None detects it.")
    word_timestamps: bool = True

    @model_validator(mode="after")
    def _one_source(self) -> "TranscribeRequest":
        if (self.audio is None) == (self.path is None):
            raise ValueError("give exactly one of 'audio' (an AssetRef) or 'path'")
        if self.path is not None and not Path(self.path).is_file():
            raise ValueError(f"path {self.path!r} is not a file")
        return self


class TranscribeResult(BaseModel):
    transcript: Transcript
    asset: AssetRef = Field(description="The transcript stored as JSON.")


def _example() -> TranscribeRequest:
    """A one-second spoken clip, made once with the bundled Hibari voice (no test data needed)."""
    clip = Path(tempfile.gettempdir()) / "adloom-asr-example-hello-v1.wav"
    if not clip.is_file():
        import hibari

        from adloom.tools.tts.wav import write_wav

        speech = hibari.Hibari(threads=1)("Hello world.", seed=0)
        write_wav(clip, speech, hibari.SAMPLE_RATE)
    return TranscribeRequest(path=str(clip), language="en")


@tool_agent(TOOL_NAME, example=_example)
def transcribe_audio(request: TranscribeRequest, ctx: ToolContext) -> TranscribeResult:
    """Transcribe speech with the configured ASR backend, returning text, segments and timed words."""
    if request.audio is not None:
        source, sha = Path(request.audio.path), request.audio.sha256
    else:
        source, sha = Path(request.path), None
    transcript, ref = transcribe_cached(
        ctx, source, audio_sha256=sha, language=request.language, word_timestamps=request.word_timestamps
    )
    return TranscribeResult(transcript=transcript, asset=ref)
