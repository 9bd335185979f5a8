"""What speech recognition returns: text, language, segments and timed words."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Word(BaseModel):
    """One recognised word with its time span in seconds."""

    text: str
    start: float
    end: float
    probability: float = Field(ge=0.0, le=1.0)


class Segment(BaseModel):
    """One decoded segment (roughly a sentence)."""

    text: str
    start: float
    end: float


class Transcript(BaseModel):
    """A full transcription."""

    text: str
    language: str
    duration_s: float
    words: list[Word] = Field(default_factory=list)
    segments: list[Segment] = Field(default_factory=list)
    model: str = Field(default="", description="Which model produced it (backend and model id).")
