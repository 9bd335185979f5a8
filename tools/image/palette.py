"""Brand colours and WCAG 2.x contrast.

Relative luminance and contrast ratio follow WCAG 2.2, section "relative luminance":
each sRGB channel is linearised (``c/12.92`` below 0.04045, else ``((c+0.055)/1.055)**2.4``),
``L = 0.2126 R + 0.7152 G + 0.0722 B`` and the ratio is ``(L_light + 0.05) / (L_dark + 0.05)``.
Body text needs at least 4.5:1 (success criterion 1.4.3, level AA).

Text colours are chosen against the *pixels actually under the text* (see
:func:`pick_text_color`), not against the colour a layout meant to paint there, so a
photo or a gradient under a line of text is judged as it really is.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import numpy as np
from PIL import Image

from adloom.tools.colours import RGB, parse_hex, to_hex

MIN_TEXT_CONTRAST = 4.5
"""WCAG 2.x AA minimum for text."""

MIN_SHAPE_CONTRAST = 3.0
"""WCAG 2.x AA minimum for non-text elements such as a button against its page (1.4.11)."""

NEAR_BLACK: RGB = (17, 17, 17)
NEAR_WHITE: RGB = (250, 250, 250)
BLACK: RGB = (0, 0, 0)
WHITE: RGB = (255, 255, 255)

# Fallbacks in preference order. Near-black/near-white look softer; pure black or white
# always reaches 4.58:1 against any single colour, so the last pair never fails on a
# flat background.
FALLBACK_TEXT_COLORS: tuple[RGB, ...] = (NEAR_BLACK, NEAR_WHITE, BLACK, WHITE)


def _linearise(channel: np.ndarray) -> np.ndarray:
    c = channel / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def luminance_array(pixels: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of every pixel of an ``(..., 3)`` uint8 array."""
    lin = _linearise(pixels[..., :3].astype(np.float64))
    return lin[..., 0] * 0.2126 + lin[..., 1] * 0.7152 + lin[..., 2] * 0.0722


def relative_luminance(rgb: RGB) -> float:
    """WCAG relative luminance of one sRGB colour, 0 (black) .. 1 (white)."""
    return float(luminance_array(np.array(rgb, dtype=np.uint8)))


def ratio_of_luminances(a: float, b: float) -> float:
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def contrast_ratio(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio of two colours, 1.0 .. 21.0."""
    return ratio_of_luminances(relative_luminance(a), relative_luminance(b))


@dataclass(frozen=True)
class BackgroundSample:
    """The luminance range of the pixels under a piece of text.

    The 1st and 99th percentiles stand in for darkest and lightest so that a few
    anti-aliased pixels of a neighbouring shape do not decide the colour.
    """

    darkest: float
    lightest: float
    mean_rgb: RGB

    @classmethod
    def from_pixels(cls, pixels: np.ndarray) -> "BackgroundSample":
        flat = pixels.reshape(-1, pixels.shape[-1])[:, :3]
        lum = luminance_array(flat)
        mean = tuple(int(round(v)) for v in flat.mean(axis=0))
        return cls(float(np.percentile(lum, 1)), float(np.percentile(lum, 99)), mean)  # type: ignore[arg-type]

    @classmethod
    def flat(cls, rgb: RGB) -> "BackgroundSample":
        lum = relative_luminance(rgb)
        return cls(lum, lum, rgb)

    @property
    def is_flat(self) -> bool:
        return ratio_of_luminances(self.darkest, self.lightest) < 1.1

    @property
    def is_busy(self) -> bool:
        """Too varied for a logo to sit on without a chip (a photo rather than a gradient)."""
        return ratio_of_luminances(self.darkest, self.lightest) > 1.6

    def worst_contrast(self, text: RGB) -> float:
        """The lowest contrast ``text`` has against any (percentile-trimmed) pixel here."""
        lum = relative_luminance(text)
        if self.darkest <= lum <= self.lightest:
            return 1.0
        nearer = self.lightest if lum > self.lightest else self.darkest
        return ratio_of_luminances(lum, nearer)


@dataclass(frozen=True)
class TextColorChoice:
    color: RGB
    contrast: float
    from_palette: bool


def pick_text_color(
    background: BackgroundSample,
    palette: list[RGB],
    *,
    prefer: RGB | None = None,
    minimum: float = MIN_TEXT_CONTRAST,
) -> TextColorChoice:
    """Choose a text colour reaching ``minimum`` contrast against every pixel of ``background``.

    Order of preference: ``prefer`` (when it passes), then the palette colour with the
    highest worst-case contrast (when it passes), then near-black / near-white, then pure
    black / white. The returned ``contrast`` may still be below ``minimum`` when the
    background itself spans too wide a luminance range (a busy photo); callers then put
    a solid plate behind the text.
    """
    if prefer is not None and background.worst_contrast(prefer) >= minimum:
        return TextColorChoice(prefer, background.worst_contrast(prefer), prefer in palette)
    if palette:
        best = max(palette, key=background.worst_contrast)
        if background.worst_contrast(best) >= minimum:
            return TextColorChoice(best, background.worst_contrast(best), True)
    for candidate in FALLBACK_TEXT_COLORS:
        if background.worst_contrast(candidate) >= minimum:
            return TextColorChoice(candidate, background.worst_contrast(candidate), False)
    best = max(FALLBACK_TEXT_COLORS, key=background.worst_contrast)
    return TextColorChoice(best, background.worst_contrast(best), False)


def saturation(rgb: RGB) -> float:
    return colorsys.rgb_to_hls(*(c / 255.0 for c in rgb))[2]


def mix(a: RGB, b: RGB, amount: float) -> RGB:
    """``a`` moved ``amount`` (0..1) of the way towards ``b``."""
    return tuple(int(round(x + (y - x) * amount)) for x, y in zip(a, b))  # type: ignore[return-value]


@dataclass(frozen=True)
class BrandPalette:
    """The roles a layout paints with, derived from the brief's colour list.

    ``ground`` is the brand's first colour (its main background). ``surface`` is the
    palette colour that contrasts most with ``ground`` (a second panel colour).
    ``accent`` is the most saturated remaining colour, used for buttons, badges and
    rules; when the palette has no third colour it is ``surface``.
    """

    colors: tuple[RGB, ...]
    ground: RGB
    surface: RGB
    accent: RGB

    @classmethod
    def from_hex(cls, colors: list[str]) -> "BrandPalette":
        parsed = tuple(parse_hex(c) for c in colors)
        if not parsed:
            raise ValueError("colors: at least one brand colour is required")
        ground = parsed[0]
        others = [c for c in parsed[1:] if c != ground]
        if others:
            surface = max(others, key=lambda c: contrast_ratio(c, ground))
        else:
            # A one-colour brand: its surface is the matching near-black or near-white.
            surface = max((NEAR_BLACK, NEAR_WHITE), key=lambda c: contrast_ratio(c, ground))
        rest = [c for c in others if c != surface]
        accent = max(rest, key=saturation) if rest else surface
        return cls(parsed, ground, surface, accent)

    @property
    def text_candidates(self) -> list[RGB]:
        return list(self.colors) + [c for c in (self.surface,) if c not in self.colors]


def colors_from_photo(photo: Image.Image) -> list[str]:
    """A brand palette taken from a product photo, for a brand that gave no colours:
    ground, surface and accent as ``#RRGGBB``.

    The photo is reduced to its eight main colours (median cut). The ground is the darkest
    of those covering at least 5% of it, deepened until light text reads on it; the surface
    the lightest, lifted towards white; the accent the hue of the most vivid one (saturation
    weighted by how much of the photo it covers) made vivid, lightened until it stands out
    on the ground.
    """
    small = photo.convert("RGB").resize((96, 96))
    quantized = small.quantize(colors=8, method=0)  # median cut
    palette = quantized.getpalette() or []
    counts = sorted(quantized.getcolors() or [], reverse=True)
    total = sum(count for count, _ in counts)
    main = [(count / total, tuple(palette[3 * index:3 * index + 3])) for count, index in counts]
    prominent = [rgb for share, rgb in main if share >= 0.05] or [rgb for _, rgb in main]
    ground = min(prominent, key=relative_luminance)
    while contrast_ratio(ground, NEAR_WHITE) < 10:
        ground = mix(ground, BLACK, 0.2)
    surface = max(prominent, key=relative_luminance)
    while contrast_ratio(surface, NEAR_BLACK) < 12:
        surface = mix(surface, WHITE, 0.2)
    hue_source = max(main, key=lambda item: saturation(item[1]) * item[0] ** 0.25)[1]
    hue, sat, value = colorsys.rgb_to_hsv(*(channel / 255 for channel in hue_source))
    accent = tuple(round(channel * 255) for channel in colorsys.hsv_to_rgb(hue, max(sat, 0.6), max(value, 0.8)))
    for _ in range(8):
        if contrast_ratio(accent, ground) >= MIN_SHAPE_CONTRAST + 1:
            break
        accent = mix(accent, WHITE, 0.15)
    return [to_hex(ground), to_hex(surface), to_hex(accent)]

