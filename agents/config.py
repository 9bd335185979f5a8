"""Typed settings for the agents; ``adloom.config.Settings`` composes them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CopywriterSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    candidates: int = Field(default=2, ge=1, le=8, description="Best-of-N candidates per platform.")
    words_per_second: float = Field(default=2.5, gt=0.5, le=5.0, description="Voiceover speaking rate.")
