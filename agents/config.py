"""Typed settings for the agents; ``adloom.config.Settings`` composes them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CopywriterSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # One by default: on the embedded 135M model a second candidate doubles the copy time
    # (the 15 s ad goes from about 70 s to over 100 s on 2 cores) and rarely wins on
    # relevance; with a bigger model through [llm] backend = "openai", raise it.
    candidates: int = Field(default=1, ge=1, le=8, description="Best-of-N candidates per platform.")
    reasks: int = Field(
        default=1, ge=0, le=10,
        description="Re-asks per copy, script or plan call; the pattern library stands in when all fail.",
    )
