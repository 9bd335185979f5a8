"""The embedded clip describer: no vision-language model, only what can be measured.

It rests on three kinds of evidence and says which it used:

- **speech**: the source video's audio transcribed once with faster-whisper (the ``asr``
  tool's cached transcription); a clip gets the words spoken inside it;
- **on-screen text**: OCR (RapidOCR) of the clip's middle frame;
- **visual statistics**: brightness, saturation, dominant colours (named) of the middle
  frame, and motion between the temporal frames.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from adloom.tools.asr.cached import transcribe_cached
from adloom.tools.asr.transcript import Transcript
from adloom.tools.context import ToolContext
from adloom.tools.media_checks.ocr import read_text_boxes
from adloom.tools.vision.description import Basis, ClipDescription, ClipInput, VisualStatistics

# A small named palette: dominant colours are reported by the nearest name, which is what
# a text-only LLM can use ("mostly green and blue"), not as RGB triples.
COLOR_NAMES: dict[str, tuple[int, int, int]] = {
    "black": (15, 15, 15), "dark gray": (70, 70, 70), "gray": (128, 128, 128), "light gray": (190, 190, 190),
    "white": (245, 245, 245), "red": (200, 40, 40), "orange": (230, 130, 40), "yellow": (230, 210, 60),
    "brown": (120, 80, 40), "green": (60, 150, 60), "dark green": (30, 80, 40), "teal": (40, 140, 140),
    "blue": (50, 90, 200), "sky blue": (130, 180, 230), "navy": (25, 35, 90), "purple": (120, 60, 150),
    "pink": (230, 140, 170), "beige": (215, 195, 160),
}
_MIN_COLOR_SHARE = 0.15


def nearest_color_name(rgb: tuple[int, int, int]) -> str:
    """The :data:`COLOR_NAMES` entry closest to ``rgb`` (Euclidean in RGB)."""
    return min(COLOR_NAMES, key=lambda name: sum((a - b) ** 2 for a, b in zip(COLOR_NAMES[name], rgb)))


def visual_statistics(spatial: Image.Image, temporal: list[Image.Image]) -> VisualStatistics:
    """Brightness, saturation and dominant colours of ``spatial``; motion across ``temporal``."""
    small = spatial.convert("RGB").resize((96, 54))
    luma = np.asarray(small.convert("L"), dtype=np.float32) / 255.0
    saturation = np.asarray(small.convert("HSV"), dtype=np.float32)[:, :, 1] / 255.0
    palette_image = small.quantize(colors=4, method=Image.Quantize.MEDIANCUT)
    palette = palette_image.getpalette() or []
    counts = sorted(palette_image.getcolors() or [], reverse=True)
    total = sum(count for count, _ in counts) or 1
    shares: dict[str, float] = {}
    for count, index in counts:
        rgb = tuple(palette[3 * index: 3 * index + 3])
        name = nearest_color_name(rgb)  # type: ignore[arg-type]
        shares[name] = shares.get(name, 0.0) + count / total
    dominant = [name for name, share in sorted(shares.items(), key=lambda item: -item[1]) if share >= _MIN_COLOR_SHARE]
    grays = [np.asarray(frame.convert("L").resize((64, 36)), dtype=np.float32) / 255.0 for frame in temporal]
    changes = [float(np.mean(np.abs(b - a))) for a, b in zip(grays, grays[1:])]
    return VisualStatistics(
        brightness=round(float(luma.mean()), 3), saturation=round(float(saturation.mean()), 3),
        dominant_colors=dominant[:3], motion=round(float(np.mean(changes)) if changes else 0.0, 3),
    )


def _describe_visual(stats: VisualStatistics) -> str:
    light = "dark" if stats.brightness < 0.25 else "bright" if stats.brightness > 0.6 else "medium-lit"
    color = "black-and-white" if stats.saturation < 0.08 else "muted" if stats.saturation < 0.25 else "colourful"
    motion = "still" if stats.motion < 0.02 else "some movement" if stats.motion < 0.08 else "strong movement"
    colors = " and ".join(stats.dominant_colors) if stats.dominant_colors else "mixed colours"
    return f"A {light}, {color} shot, mostly {colors}, {motion}"


def clip_speech(transcript: Transcript, start_s: float, end_s: float) -> str:
    """The words whose middle falls inside [start_s, end_s)."""
    return " ".join(
        word.text for word in transcript.words if start_s <= (word.start + word.end) / 2 < end_s
    ).strip()


class MeasuredDescriber:
    """Describes a clip from its speech, on-screen text and visual statistics."""

    name = "measured"

    def __init__(self, ctx: ToolContext, *, ocr: bool = True):
        self._ctx = ctx
        self._ocr = ocr
        self._transcripts: dict[str, Transcript] = {}

    def _transcript(self, clip: ClipInput) -> Transcript:
        if clip.source_sha256 not in self._transcripts:
            transcript, _ = transcribe_cached(self._ctx, Path(clip.source), audio_sha256=clip.source_sha256)
            self._transcripts[clip.source_sha256] = transcript
        return self._transcripts[clip.source_sha256]

    def describe(self, clip: ClipInput) -> ClipDescription:
        """Measure the clip and write a plain description naming the evidence."""
        spatial = Image.open(clip.spatial.path)
        temporal = [Image.open(ref.path) for ref in clip.temporal]
        stats = visual_statistics(spatial, temporal)
        basis: list[Basis] = ["visual_statistics"]
        parts = [_describe_visual(stats) + "."]
        on_screen = ""
        if self._ocr:
            on_screen = " ".join(line.text for line in read_text_boxes(spatial, self._ctx.models)).strip()
            if on_screen:
                basis.append("on_screen_text")
                parts.append(f'On-screen text: "{on_screen}".')
        speech = ""
        if clip.has_audio:
            speech = clip_speech(self._transcript(clip), clip.start_s, clip.end_s)
            if speech:
                basis.append("speech")
                parts.append(f'Speech: "{speech}".')
        return ClipDescription(
            clip_id=clip.clip_id, text=" ".join(parts), basis=basis, backend=self.name,
            speech=speech, on_screen_text=on_screen, visual=stats,
        )
