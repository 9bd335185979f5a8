"""The image tool's embedded backend: a brand template renderer built on Pillow.

Public entry points: :class:`TemplateRequest`, :func:`render_template`,
:func:`render_legible`, :class:`ImageInputError` and the OCR helpers in
:mod:`adloom.tools.image.legibility`. The registered tool agent lives in ``adloom.tools.image.tool``.
"""

from adloom.tools.image.inputs import ImageInputError
from adloom.tools.image.legibility import OCR_MODEL_KEY, TextReader, load_text_reader, match_score
from adloom.tools.image.template import (
    CheckedRender,
    RenderedImage,
    TemplateRequest,
    render_legible,
    render_template,
)
from adloom.tools.image.frame_zones import safe_area
from adloom.tools.image.text_fit import TextFitError

__all__ = [
    "OCR_MODEL_KEY",
    "CheckedRender",
    "ImageInputError",
    "RenderedImage",
    "TemplateRequest",
    "TextFitError",
    "TextReader",
    "load_text_reader",
    "match_score",
    "render_legible",
    "render_template",
    "safe_area",
]
