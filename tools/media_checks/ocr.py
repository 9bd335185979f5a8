"""Reading the text in a video frame (captions, end card) with the image tool's OCR engine.

The engine and the word-match score are :mod:`adloom.tools.image.legibility`'s; this module only
fits them to frames and keeps the engine warm in :class:`~adloom.tools.context.ResidentModels`.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from adloom.tools.context import ResidentModels
from adloom.tools.image.legibility import OCR_MODEL_KEY, OcrReading, load_text_reader, match_score


@dataclass(frozen=True)
class FrameText:
    """What OCR read in one frame and, when text was expected, the share of it found."""

    reading: OcrReading
    match: float | None

    @property
    def text(self) -> str:
        return self.reading.text


def ocr_frame(
    image: Image.Image, *, expected_text: str | None = None, models: ResidentModels | None = None
) -> FrameText:
    """OCR one frame; with ``expected_text``, score how much of it was read (0..1).

    Args:
        models: where the OCR engine stays loaded between calls (a tool's ``ctx.models``);
            None loads a fresh engine (about 1.5 s).
    """
    reader = models.get(OCR_MODEL_KEY, load_text_reader) if models is not None else load_text_reader()
    reading = reader.read(image)
    match = match_score(expected_text, reading.text) if expected_text is not None else None
    return FrameText(reading, match)


CONFIDENT_SCORE = 0.6
"""Lines OCR reads with less confidence than this are not counted as text on screen."""


@dataclass(frozen=True)
class TextBox:
    """One line of text read confidently in a picture and where it is, as
    (left, top, right, bottom) shares of the picture."""

    text: str
    box: tuple[float, float, float, float]


def read_text_boxes(image: Image.Image, models: ResidentModels | None = None) -> list[TextBox]:
    """The lines OCR reads in ``image`` with at least :data:`CONFIDENT_SCORE`, in reading order."""
    boxes = []
    for line in ocr_frame(image, models=models).reading.lines:
        if line.score < CONFIDENT_SCORE:
            continue
        xs, ys = [x for x, _ in line.box], [y for _, y in line.box]
        boxes.append(TextBox(line.text, (max(0.0, min(xs) / image.width), max(0.0, min(ys) / image.height),
                                         min(1.0, max(xs) / image.width), min(1.0, max(ys) / image.height))))
    return boxes
