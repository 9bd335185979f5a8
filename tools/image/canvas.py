"""The drawing surface a layout works on: safe area, text placement, buttons, logo.

A layout paints backgrounds and photos first, then places text. :meth:`Canvas.draw_text`
measures the pixels already under the text and picks the colour from them (see
:mod:`adloom.tools.image.palette`); when no colour reaches the required contrast against a
busy background it lays a solid plate under the text first. Every drawn text is
recorded as a :class:`PlacedText`, which the OCR check and the tests read back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw

from adloom.tools.image.compositing import (
    Side,
    fit_image,
    ink_luminances,
    logo_contrast,
    paste_shape,
    paste_with_shadow,
    subject_focus,
)
from adloom.tools.image.palette import (
    MIN_SHAPE_CONTRAST,
    MIN_TEXT_CONTRAST,
    NEAR_BLACK,
    NEAR_WHITE,
    RGB,
    BackgroundSample,
    BrandPalette,
    pick_text_color,
    to_hex,
)
from adloom.tools.image.text_fit import FittedText, fit_text, line_extent

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Box:
    """An axis-aligned pixel rectangle, ``x1``/``y1`` exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def center(self) -> tuple[int, int]:
        return ((self.x0 + self.x1) // 2, (self.y0 + self.y1) // 2)

    def inset(self, dx: int, dy: int | None = None) -> "Box":
        dy = dx if dy is None else dy
        return Box(self.x0 + dx, self.y0 + dy, self.x1 - dx, self.y1 - dy)

    def top(self, height: int) -> "Box":
        return Box(self.x0, self.y0, self.x1, min(self.y1, self.y0 + height))

    def bottom(self, height: int) -> "Box":
        return Box(self.x0, max(self.y0, self.y1 - height), self.x1, self.y1)

    def with_y(self, y0: int | None = None, y1: int | None = None) -> "Box":
        return Box(self.x0, self.y0 if y0 is None else y0, self.x1, self.y1 if y1 is None else y1)

    def with_x(self, x0: int | None = None, x1: int | None = None) -> "Box":
        return Box(self.x0 if x0 is None else x0, self.y0, self.x1 if x1 is None else x1, self.y1)

    def tuple(self) -> tuple[int, int, int, int]:
        return (self.x0, self.y0, self.x1, self.y1)

    def union(self, other: "Box") -> "Box":
        return Box(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1))


@dataclass(frozen=True)
class TextRole:
    """Font size range of one kind of text, as fractions of the canvas's short side."""

    max_fraction: float
    min_fraction: float
    leading: float = 1.0


HEADLINE = TextRole(0.115, 0.05, leading=1.02)
SUBLINE = TextRole(0.048, 0.03, leading=1.15)
BUTTON = TextRole(0.042, 0.03)
ATTRIBUTION = TextRole(0.04, 0.028)
WORDMARK = TextRole(0.09, 0.04)


@dataclass(frozen=True)
class PlacedText:
    """One text as drawn: where its ink is, in which colour, at what contrast."""

    field: str
    text: str
    lines: tuple[str, ...]
    box: Box
    size: int
    color: RGB
    contrast: float
    from_palette: bool
    on_plate: bool

    def as_metadata(self) -> dict:
        return {
            "field": self.field, "text": self.text, "lines": list(self.lines),
            "box": list(self.box.tuple()), "size_px": self.size, "color": to_hex(self.color),
            "contrast_ratio": round(self.contrast, 2), "from_palette": self.from_palette,
            "on_plate": self.on_plate,
        }


@dataclass(frozen=True)
class RenderOptions:
    """Knobs the legibility retry turns.

    Attributes:
        min_font_scale: multiplies every role's minimum font size.
        min_contrast: contrast every text must reach against the pixels under it.
        plate_busy_backgrounds: put a solid plate under text on any non-flat background.
        paint_text: False lays everything out and chooses every colour as usual but leaves
            text, its plates and buttons unpainted: the background layer of a render whose
            text moves on its own layers (:func:`adloom.tools.image.template.split_text_layers`).
    """

    min_font_scale: float = 1.0
    min_contrast: float = MIN_TEXT_CONTRAST
    plate_busy_backgrounds: bool = False
    paint_text: bool = True


@dataclass
class Block:
    """A fitted text (or button) waiting to be positioned by :meth:`Canvas.stack`."""

    field: str
    text: str
    fitted: FittedText
    align: Align = "left"
    prefer: RGB | None = None
    button_fill: RGB | None = None
    pad_x: int = 0
    pad_y: int = 0

    @property
    def width(self) -> int:
        return self.fitted.width + 2 * self.pad_x

    @property
    def height(self) -> int:
        return self.fitted.height + 2 * self.pad_y


@dataclass
class Canvas:
    """An RGB image being rendered, with its brand palette, font and safe area."""

    image: Image.Image
    palette: BrandPalette
    font_path: Path
    safe: Box
    aspect: str
    options: RenderOptions = field(default_factory=RenderOptions)
    placed: list[PlacedText] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height

    @property
    def full(self) -> Box:
        return Box(0, 0, self.width, self.height)

    @property
    def unit(self) -> float:
        """1% of the short side: the spacing unit layouts are written in."""
        return min(self.width, self.height) / 100.0

    def px(self, units: float) -> int:
        return int(round(units * self.unit))

    # -- painting -----------------------------------------------------------------

    def fill(self, color: RGB, box: Box | None = None) -> None:
        ImageDraw.Draw(self.image).rectangle((box or self.full).tuple(), fill=color)

    def shape(self, box: Box, color: RGB, *, radius: float = 0, ellipse: bool = False) -> None:
        paste_shape(self.image, box.tuple(), color, radius=radius, ellipse=ellipse)

    def photo(
        self, photo: Image.Image, box: Box, *, fit: Literal["cover", "contain"] = "cover",
        radius: float = 0, shadow: bool = False, calm: Side | None = None,
    ) -> Box:
        """Composite a photo into ``box``; returns the rectangle it actually covers.

        A ``cover`` crop keeps the photo's subject in view and, when the text meets the photo
        on side ``calm``, a quiet stretch of it along that side (:func:`subject_focus`).
        """
        focus = subject_focus(photo, (box.width, box.height), calm) if fit == "cover" else (0.5, 0.5)
        fitted = fit_image(photo, (box.width, box.height), fit, focus)
        x = box.x0 + (box.width - fitted.width) // 2
        y = box.y0 + (box.height - fitted.height) // 2
        paste_with_shadow(self.image, fitted, (x, y), radius=radius, shadow=shadow,
                          shadow_blur=max(4, self.px(2.2)), shadow_offset=(0, self.px(1.3)))
        return Box(x, y, x + fitted.width, y + fitted.height)

    def sample(self, box: Box) -> BackgroundSample:
        """Luminance range of the current pixels inside ``box`` (clipped to the canvas)."""
        x0, y0 = max(0, box.x0), max(0, box.y0)
        x1, y1 = min(self.width, box.x1), min(self.height, box.y1)
        pixels = np.asarray(self.image.crop((x0, y0, max(x0 + 1, x1), max(y0 + 1, y1))))
        return BackgroundSample.from_pixels(pixels)

    # -- text ---------------------------------------------------------------------

    def role_sizes(self, role: TextRole) -> tuple[int, int]:
        """``(max_size, min_size)`` in px for ``role`` on this canvas and these options."""
        short = min(self.width, self.height)
        max_size = round(role.max_fraction * short)
        return max_size, min(max_size, round(role.min_fraction * short * self.options.min_font_scale))

    def measure(
        self, field_name: str, text: str, max_width: int, max_height: int, role: TextRole, *,
        max_lines: int | None = None,
    ) -> FittedText:
        """Fit ``text`` without drawing it or noting anything (for planning a layout)."""
        max_size, min_size = self.role_sizes(role)
        return fit_text(
            text, self.font_path, max_width, max_height, max_size=max_size, min_size=min_size,
            max_lines=max_lines, leading=role.leading, field=field_name,
        )

    def fit(
        self, field_name: str, text: str, max_width: int, max_height: int, role: TextRole, *,
        max_lines: int | None = None, align: Align = "left", prefer: RGB | None = None,
    ) -> Block:
        """Fit ``text`` into ``max_width`` x ``max_height`` at the largest size ``role`` allows."""
        fitted = self.measure(field_name, text, max_width, max_height, role, max_lines=max_lines)
        if fitted.shrunk_below_minimum:
            self.notes.append(f"{field_name}: shrunk to {fitted.size} px to fit; consider shorter text")
        return Block(field_name, text, fitted, align=align, prefer=prefer)

    def fit_button(self, field_name: str, text: str, max_width: int, *, fill: RGB, align: Align = "left") -> Block:
        """A pill button whose label fits ``max_width`` including its padding.

        The label stays on one line unless that would take it below the role's
        minimum size; then it may wrap onto two.
        """
        short = min(self.width, self.height)
        pad_x, pad_y = round(0.038 * short), round(0.022 * short)
        inner_width = max_width - 2 * pad_x
        max_height = round(BUTTON.max_fraction * short * 2.6)
        fitted = self.measure(field_name, text, inner_width, max_height, BUTTON, max_lines=1)
        if fitted.shrunk_below_minimum:
            two_lines = self.measure(field_name, text, inner_width, max_height, BUTTON, max_lines=2)
            fitted = two_lines if two_lines.size > fitted.size else fitted
        if fitted.shrunk_below_minimum:
            self.notes.append(f"{field_name}: shrunk to {fitted.size} px to fit; consider shorter text")
        return Block(field_name, text, fitted, align=align, button_fill=fill, pad_x=pad_x, pad_y=pad_y)

    def stack(
        self, blocks: list[Block], box: Box, *, gaps: list[int] | int,
        valign: Literal["top", "center", "bottom"] = "top",
    ) -> list[Box]:
        """Draw ``blocks`` one under another inside ``box``; returns each block's rectangle.

        The blocks must already fit: their heights plus the gaps must not exceed the box.
        """
        gap_list = gaps if isinstance(gaps, list) else [gaps] * max(0, len(blocks) - 1)
        total = sum(b.height for b in blocks) + sum(gap_list[: max(0, len(blocks) - 1)])
        if total > box.height:
            raise ValueError(f"internal layout error: blocks need {total} px, box has {box.height}")
        y = {"top": box.y0, "center": box.y0 + (box.height - total) // 2, "bottom": box.y1 - total}[valign]
        drawn: list[Box] = []
        for index, block in enumerate(blocks):
            x = {"left": box.x0, "center": box.x0 + (box.width - block.width) // 2,
                 "right": box.x1 - block.width}[block.align]
            rect = Box(x, y, x + block.width, y + block.height)
            if block.button_fill is not None:
                self.draw_button(block, rect)
            else:
                self.draw_text(block, rect)
            drawn.append(rect)
            y += block.height + (gap_list[index] if index < len(gap_list) else 0)
        return drawn

    def draw_button(self, block: Block, rect: Box) -> None:
        fill = self.shape_color(block.button_fill or self.palette.accent, rect)
        # A one-line button is a pill; a two-line one keeps the same corner radius.
        if self.options.paint_text:
            self.shape(rect, fill, radius=(block.fitted.line_height + 2 * block.pad_y) / 2)
        self.draw_text(block, rect.inset(block.pad_x, block.pad_y))

    def shape_color(self, wanted: RGB, rect: Box) -> RGB:
        """``wanted`` if it stands out from what is under ``rect`` (3:1), else the brand
        colour that does, else near-black or near-white."""
        under = self.sample(rect)
        if under.worst_contrast(wanted) >= MIN_SHAPE_CONTRAST:
            return wanted
        for color in sorted(self.palette.colors, key=under.worst_contrast, reverse=True):
            if under.worst_contrast(color) >= MIN_SHAPE_CONTRAST:
                return color
        return max((NEAR_BLACK, NEAR_WHITE), key=under.worst_contrast)

    def draw_text(self, block: Block, rect: Box) -> PlacedText:
        """Draw a fitted block inside ``rect`` with a colour that passes the contrast check."""
        fitted = block.fitted
        font = fitted.font
        draw = ImageDraw.Draw(self.image)
        positions: list[tuple[int, int, str]] = []
        ink: Box | None = None
        for index, line in enumerate(fitted.lines):
            left, right = line_extent(font, line)
            x = {"left": rect.x0 - left, "center": rect.x0 + (rect.width - (right - left)) // 2 - left,
                 "right": rect.x1 - right}[block.align]
            y = rect.y0 + index * fitted.line_height
            positions.append((x, y, line))
            bbox = draw.textbbox((x, y), line, font=font, anchor="la")
            line_box = Box(int(bbox[0]), int(bbox[1]), int(np.ceil(bbox[2])), int(np.ceil(bbox[3])))
            ink = line_box if ink is None else ink.union(line_box)
        assert ink is not None
        margin = max(2, fitted.size // 8)
        under = self.sample(ink.inset(-margin))
        choice = self._choose_color(block, under)
        on_plate = False
        if choice.contrast < self.options.min_contrast or (
            self.options.plate_busy_backgrounds and not under.is_flat
        ):
            on_plate = True
            plate = ink.inset(-round(fitted.size * 0.45), -round(fitted.size * 0.3))
            plate_color = max((self.palette.ground, self.palette.surface, NEAR_BLACK, NEAR_WHITE),
                              key=under.worst_contrast)
            if self.options.paint_text:
                self.shape(plate, plate_color, radius=fitted.size * 0.25)
                under = self.sample(ink.inset(-margin))
            choice = self._choose_color(block, under)
        if self.options.paint_text:
            for x, y, line in positions:
                draw.text((x, y), line, font=font, fill=choice.color, anchor="la")
        placed = PlacedText(block.field, block.text, fitted.lines, ink, fitted.size, choice.color,
                            choice.contrast, choice.from_palette, on_plate)
        if not choice.from_palette:
            self.notes.append(
                f"{block.field}: no brand colour reaches {self.options.min_contrast}:1 on its "
                f"background; used {to_hex(choice.color)}"
            )
        self.placed.append(placed)
        return placed

    def _choose_color(self, block: Block, under: BackgroundSample):
        palette = self.palette.text_candidates
        prefer = block.prefer
        if self.options.min_contrast > MIN_TEXT_CONTRAST:
            prefer = None  # the retry wants the strongest colour, not the designer's pick
        return pick_text_color(under, palette, prefer=prefer, minimum=self.options.min_contrast)

    # -- logo ---------------------------------------------------------------------

    def logo(
        self, logo: Image.Image, box: Box, *, align: Align = "left",
        valign: Literal["top", "center", "bottom"] = "top", area: float | None = None,
    ) -> Box:
        """Contain-fit the logo in ``box``; on a rounded chip when it would not stand out.

        Args:
            area: target size in px² (including the chip). A wide wordmark and a square
                emblem then carry the same visual weight instead of the square one
                shrinking to the box's height. ``None`` fills the box.

        Returns:
            The rectangle used (the chip's, when one was drawn).
        """
        under = self.sample(box)
        ink = ink_luminances(logo)
        needs_chip = under.is_busy or logo_contrast(ink, under.mean_rgb) < MIN_SHAPE_CONTRAST
        limit_w, limit_h = box.width, box.height
        if area is not None:
            aspect = logo.width / max(1, logo.height)
            target_h = (area / aspect) ** 0.5
            limit_w, limit_h = min(limit_w, round(target_h * aspect)), min(limit_h, round(target_h))
        pad = round(min(limit_w, limit_h) * 0.16) if needs_chip else 0
        fitted = fit_image(logo, (limit_w - 2 * pad, limit_h - 2 * pad), "contain")
        outer_w, outer_h = fitted.width + 2 * pad, fitted.height + 2 * pad
        x = {"left": box.x0, "center": box.x0 + (box.width - outer_w) // 2, "right": box.x1 - outer_w}[align]
        y = {"top": box.y0, "center": box.y0 + (box.height - outer_h) // 2, "bottom": box.y1 - outer_h}[valign]
        used = Box(x, y, x + outer_w, y + outer_h)
        if needs_chip:
            self.shape(used, self._chip_color(ink), radius=min(outer_w, outer_h) * 0.22)
        paste_with_shadow(self.image, fitted, (x + pad, y + pad), shadow=False)
        return used

    def _chip_color(self, ink: np.ndarray) -> RGB:
        """The chip most of the logo reads on: the brand colour, or else near-white or
        near-black, with the best median contrast against the logo's visible pixels."""
        def median(color: RGB) -> float:
            return logo_contrast(ink, color, share=0.5)

        for color in sorted(self.palette.colors, key=median, reverse=True):
            if median(color) >= MIN_SHAPE_CONTRAST:
                return color
        return max((NEAR_WHITE, NEAR_BLACK), key=median)
