"""Typed settings for each tool: which backend provides it and how to load the model.

The front door (``adloom.config.Settings``) composes these sections; tools receive the
composed object through their :class:`tools.context.ToolContext` and read only their own
section.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMSettings(_Section):
    backend: Literal["embedded", "openai", "transformers"] = "embedded"
    model: str = Field(
        default="",
        description="embedded: a .gguf path (empty = packaged SmolLM2-135M); openai: model name; "
        "transformers: a local model folder.",
    )
    base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1")
    api_key: SecretStr | None = None
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    max_retries: int = Field(default=3, ge=0, le=10, description="Re-asks after an invalid structured answer.")
    threads: int = Field(default=1, ge=1, le=64, description="CPU threads for the embedded model.")
    context_size: int = Field(default=2048, ge=256, le=131072)
    timeout_s: float = Field(default=120.0, gt=0)


class ImageSettings(_Section):
    backend: Literal["template", "diffusers"] = "template"
    model: str = ""


class VideoSettings(_Section):
    backend: Literal["kenburns", "cogvideox", "animatediff"] = "kenburns"
    model: str = ""


class TTSSettings(_Section):
    backend: Literal["piper", "hibari", "coqui"] = "piper"
    voice: str = ""


class ASRSettings(_Section):
    backend: Literal["faster-whisper", "openai-whisper"] = "faster-whisper"
    model: str = ""


class ToolSettings(Protocol):
    """What a tool may read from the composed settings object."""

    llm: LLMSettings
    image: ImageSettings
    video: VideoSettings
    tts: TTSSettings
    asr: ASRSettings
