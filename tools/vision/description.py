"""What a clip describer returns, and what every describer is given."""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, Field

from adloom.storage.assets import AssetRef

Basis = Literal["vlm", "speech", "on_screen_text", "visual_statistics"]


class VisualStatistics(BaseModel):
    """What the measured describer computes from a clip's frames.

    Attributes:
        brightness: mean luma of the spatial frame, 0 (black) to 1 (white).
        saturation: mean HSV saturation, 0 (black and white) to 1.
        dominant_colors: named colours covering most of the spatial frame, most first.
        motion: mean absolute change between consecutive temporal frames, 0 to 1.
    """

    brightness: float
    saturation: float
    dominant_colors: list[str]
    motion: float


class ClipInput(BaseModel):
    """One clip as a describer sees it: its times, its stored frames and its source video."""

    clip_id: str
    source: str
    source_sha256: str
    start_s: float
    end_s: float
    has_audio: bool
    spatial: AssetRef
    temporal: list[AssetRef] = Field(min_length=1)


class ClipDescription(BaseModel):
    """A clip's description and what it rests on.

    Attributes:
        text: one or two sentences the selection LLM reads.
        basis: the evidence used: a VLM looking at the frames, or measured speech,
            on-screen text and visual statistics.
        backend: the describer that wrote it (``measured``, ``openai:<model>``, ...).
    """

    clip_id: str
    text: str
    basis: list[Basis]
    backend: str
    speech: str = ""
    on_screen_text: str = ""
    visual: VisualStatistics | None = None


class ClipDescriber(Protocol):
    """Describes clips; config picks which one (``[footage] describer``)."""

    name: str

    def describe(self, clip: ClipInput) -> ClipDescription:
        """Describe one clip from its frames (and, for some describers, its audio)."""
        ...
