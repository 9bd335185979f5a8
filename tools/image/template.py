"""The brand template renderer: a typed request in, a finished PNG ad out.

:func:`render_template` draws one layout at one aspect from the brand's palette, font,
logo and product photos. :func:`render_legible` adds the read-back: it OCRs the result,
scores it against the words that were meant to be there and, when the score is below
:data:`~adloom.tools.image.legibility.LEGIBLE_THRESHOLD`, renders once more with larger minimum
font sizes and stronger contrast before reporting the outcome (it never raises for an
illegible result). Output is deterministic: the same request and files give the same bytes.
"""

from __future__ import annotations

import dataclasses
import io
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from adloom.tools.aspects import ASPECT_SIZES, Aspect
from adloom.tools.colours import HexColor
from adloom.tools.image.canvas import Box, Canvas, PlacedText, RenderOptions
from adloom.tools.image.frame_zones import text_area
from adloom.tools.image.grading import Tone, grade
from adloom.tools.image.icons import check_icon
from adloom.tools.image.inputs import load_image, resolve_font
from adloom.tools.image.layouts import LAYOUTS, LayoutContent, LayoutName
from adloom.tools.image.legibility import LEGIBLE_THRESHOLD, TextReader, match_score
from adloom.tools.image.palette import BrandPalette

TEMPLATE_VERSION = 3  # 2: texts stored on their own layers too; 3: icons, caption band
"""Bump when a change alters rendered pixels, so cached renders are not reused."""

RETRY_OPTIONS = RenderOptions(min_font_scale=1.35, min_contrast=7.0, plate_busy_backgrounds=True)
"""The second attempt after a failed read-back: bigger minimum type, AAA contrast, plates."""

TEXT_FIELDS: tuple[str, ...] = ("subline", "cta", "price", "attribution", "brand_name")


class TemplateRequest(BaseModel):
    """One ad image from the brand template renderer."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    layout: LayoutName = Field(description="hero | split | headline | quote | offer | end_card")
    aspect: Aspect = Field(default="9:16", description="9:16 (1080x1920), 4:5 (1080x1350), 1:1 (1080x1080), 16:9 (1920x1080)")
    headline: str = Field(min_length=1, max_length=160, description="Main line; the quote itself for 'quote', the tagline for 'end_card'.")
    subline: str | None = Field(default=None, max_length=240, description="Supporting line or body copy.")
    cta: str | None = Field(default=None, max_length=40, description="Button label, e.g. 'Shop now'.")
    price: str | None = Field(default=None, max_length=24, description="Price as it should read, e.g. '$3.49'. Required by 'offer'.")
    attribution: str | None = Field(default=None, max_length=80, description="Who said the quote ('quote' only).")
    brand_name: str | None = Field(default=None, max_length=60, description="Set as a wordmark when there is no logo.")
    colors: list[HexColor] = Field(
        default_factory=lambda: ["#111111", "#FFFFFF", "#FF5A1F"], min_length=1, max_length=8,
        description="Brand palette, main colour first.",
    )
    logo: str | None = Field(default=None, description="Logo image file (PNG with transparency is best).")
    font: str | None = Field(default=None, description="TrueType/OpenType file; default: the system's DejaVu Sans Bold.")
    product_images: list[str] = Field(default_factory=list, max_length=6, description="Product photos; the first is shown.")
    picture_tones: list[Tone] = Field(
        default_factory=list, max_length=6,
        description="Colour grades for the photos, in order (warmer, cooler, brighter, darker, more_vivid, muted); "
        "brand colours and text are never graded.",
    )
    icon: str | None = Field(
        default=None, description="A Font Awesome Free solid icon's name (e.g. 'leaf') for the headline "
        "layout, or for hero and split without a product photo.",
    )
    leave_caption_band: bool = Field(
        default=False,
        description="A video scene that will carry burned captions: no text in the band along the bottom of the "
        "safe area where they go.",
    )

    @field_validator("subline", "cta", "price", "attribution", "brand_name", "logo", "font", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("icon")
    @classmethod
    def _known_icon(cls, value: str | None) -> str | None:
        return None if value is None else check_icon(value)

    @model_validator(mode="after")
    def _texts_fit_layout(self) -> "TemplateRequest":
        spec = LAYOUTS[self.layout]
        problems = []
        if self.icon and (spec.icon == "never" or (spec.icon == "without_photo" and self.product_images)):
            where = "with a product photo" if spec.icon == "without_photo" else "at all"
            problems.append(f"icon: layout {self.layout!r} has no place for one {where}")
        for name in TEXT_FIELDS:
            given = getattr(self, name) is not None
            if given and name not in spec.texts:
                allowed = ", ".join(sorted(spec.texts)) or "none"
                problems.append(f"{name}: layout {self.layout!r} has no place for it (it draws: headline, {allowed})")
            if not given and name in spec.requires:
                problems.append(f"{name}: required by layout {self.layout!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def size(self) -> tuple[int, int]:
        return ASPECT_SIZES[self.aspect]


@dataclass(frozen=True)
class BrandInputs:
    """The request's files, checked and decoded once."""

    font_path: Path
    logo: Image.Image | None
    photos: tuple[Image.Image, ...]


def load_brand_inputs(request: TemplateRequest) -> BrandInputs:
    """Resolve the font and decode the logo and photos.

    Raises:
        ImageInputError: naming the field and file of the first unusable input.
    """
    font_path = resolve_font(request.font)
    logo = load_image("logo", request.logo) if request.logo else None
    photos = tuple(grade(load_image(f"product_images[{i}]", path), request.picture_tones)
                   for i, path in enumerate(request.product_images))
    return BrandInputs(font_path, logo, photos)


@dataclass(frozen=True)
class RenderedImage:
    """One render: the PNG and what was drawn where."""

    png: bytes
    image: Image.Image
    layout: str
    aspect: str
    texts: tuple[PlacedText, ...]
    notes: tuple[str, ...]
    font_path: Path
    options: RenderOptions

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height

    @property
    def contrast_ratio(self) -> float:
        """The lowest contrast of any drawn text against the pixels under it."""
        return min((t.contrast for t in self.texts), default=21.0)

    @property
    def palette_fallback(self) -> bool:
        """Whether some text had to use near-black/near-white instead of a brand colour."""
        return any(not t.from_palette for t in self.texts)

    @property
    def intended_text(self) -> str:
        """Every word drawn as text (the logo's own lettering is not counted)."""
        return " ".join(t.text for t in self.texts)


def render_template(
    request: TemplateRequest, *, options: RenderOptions = RenderOptions(), inputs: BrandInputs | None = None,
) -> RenderedImage:
    """Draw the request's layout and encode it as PNG.

    Args:
        request: what to draw.
        options: legibility knobs (the retry passes :data:`RETRY_OPTIONS`).
        inputs: already-decoded files, to skip decoding them again.

    Raises:
        ImageInputError: a photo, logo or font cannot be used.
        TextFitError: a text cannot fit its place even at the smallest size.
    """
    inputs = inputs or load_brand_inputs(request)
    width, height = request.size
    palette = BrandPalette.from_hex(request.colors)
    canvas = Canvas(
        image=Image.new("RGB", (width, height), palette.ground),
        palette=palette,
        font_path=inputs.font_path,
        safe=text_area(request.aspect, width, height, captions=request.leave_caption_band),
        aspect=request.aspect,
        options=options,
    )
    if request.picture_tones and not inputs.photos:
        canvas.notes.append("picture_tones: this layout has no picture to grade; brand colours are kept as they are")
    if len(inputs.photos) > 1:
        canvas.notes.append(f"product_images: layout {request.layout!r} shows the first of {len(inputs.photos)}")
    content = LayoutContent(
        headline=request.headline, subline=request.subline, cta=request.cta, price=request.price,
        attribution=request.attribution, brand_name=request.brand_name, photos=inputs.photos, logo=inputs.logo,
        icon=request.icon,
    )
    LAYOUTS[request.layout].paint(canvas, content)
    buffer = io.BytesIO()
    # Fixed encoder settings and no metadata chunks keep the bytes identical run to run.
    canvas.image.save(buffer, format="PNG", compress_level=6)
    return RenderedImage(
        png=buffer.getvalue(), image=canvas.image, layout=request.layout, aspect=request.aspect,
        texts=tuple(canvas.placed), notes=tuple(canvas.notes), font_path=inputs.font_path, options=options,
    )


@dataclass(frozen=True)
class TextLayer:
    """One text of a render on its own transparent layer (with its plate or button), placed
    at (x, y) of the render: the animator reveals it over the moving background."""

    field: str
    image: Image.Image  # RGBA, cropped to what the text covers
    x: int
    y: int


@dataclass(frozen=True)
class SplitRender:
    """A render taken apart: the picture without its texts, and each text on its own layer
    in reading order (top to bottom). Background plus layers gives the render back."""

    background: Image.Image
    layers: tuple[TextLayer, ...]


def _distance_to(box: Box, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    dx = np.maximum(np.maximum(box.x0 - xs, 0), xs - box.x1)
    dy = np.maximum(np.maximum(box.y0 - ys, 0), ys - box.y1)
    return np.hypot(dx, dy)


def split_text_layers(
    request: TemplateRequest, rendered: RenderedImage, inputs: BrandInputs | None = None,
) -> SplitRender:
    """Render ``request`` again without its texts and lift each text off ``rendered``.

    Every pixel where the two renders differ belongs to the text nearest to it, so a
    button's pill and a plate travel with their words.
    """
    inputs = inputs or load_brand_inputs(request)
    bare = render_template(request, options=dataclasses.replace(rendered.options, paint_text=False), inputs=inputs)
    full = np.asarray(rendered.image.convert("RGB"), dtype=np.int16)
    background = np.asarray(bare.image.convert("RGB"), dtype=np.int16)
    changed = np.abs(full - background).max(axis=2) > 0
    texts = sorted(rendered.texts, key=lambda t: (t.box.y0, t.box.x0))
    if not texts or not changed.any():
        return SplitRender(bare.image, ())
    ys, xs = np.nonzero(changed)
    owner = np.argmin(np.stack([_distance_to(t.box, xs, ys) for t in texts]), axis=0)
    layers = []
    for index, text in enumerate(texts):
        mine = owner == index
        if not mine.any():
            continue
        x0, x1, y0, y1 = xs[mine].min(), xs[mine].max() + 1, ys[mine].min(), ys[mine].max() + 1
        alpha = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
        alpha[ys[mine] - y0, xs[mine] - x0] = 255
        rgba = np.dstack([full[y0:y1, x0:x1].astype(np.uint8), alpha])
        layers.append(TextLayer(text.field, Image.fromarray(rgba, "RGBA"), int(x0), int(y0)))
    return SplitRender(bare.image, tuple(layers))


@dataclass(frozen=True)
class CheckedRender:
    """A render plus its OCR read-back."""

    rendered: RenderedImage
    ocr_text: str
    ocr_match: float
    legible: bool
    attempts: int
    render_seconds: float
    ocr_seconds: float


def render_legible(
    request: TemplateRequest, reader: TextReader, *, threshold: float = LEGIBLE_THRESHOLD,
) -> CheckedRender:
    """Render, read back with OCR, and re-render once with :data:`RETRY_OPTIONS` if needed.

    Of the two attempts the better-scoring one is returned; ``legible`` says whether it
    reached ``threshold``.
    """
    inputs = load_brand_inputs(request)
    render_seconds = ocr_seconds = 0.0
    best: tuple[float, RenderedImage, str] | None = None
    attempts = 0
    for options in (RenderOptions(), RETRY_OPTIONS):
        attempts += 1
        started = time.perf_counter()
        rendered = render_template(request, options=options, inputs=inputs)
        render_seconds += time.perf_counter() - started
        reading = reader.read(rendered.image)
        ocr_seconds += reading.seconds
        score = match_score(rendered.intended_text, reading.text)
        if best is None or score > best[0]:
            best = (score, rendered, reading.text)
        if score >= threshold:
            break
    assert best is not None
    score, rendered, text = best
    return CheckedRender(rendered, text, score, score >= threshold, attempts, render_seconds, ocr_seconds)
