"""Pixel work on whole images: fitting photos, rounded corners, shadows, gradients.

Shapes are drawn on a 4x mask and scaled down with a Lanczos filter, because Pillow's
own ``rounded_rectangle`` and ``ellipse`` have hard, stair-stepped edges.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from adloom.tools.colours import RGB
from adloom.tools.image.palette import luminance_array, relative_luminance

SUPERSAMPLE = 4
Fit = Literal["cover", "contain"]


def has_transparency(image: Image.Image) -> bool:
    """Whether an RGBA image has any pixel that is not fully opaque (a cut-out)."""
    return image.mode == "RGBA" and image.getchannel("A").getextrema()[0] < 250


def fit_image(image: Image.Image, size: tuple[int, int], fit: Fit, focus: tuple[float, float] = (0.5, 0.5)) -> Image.Image:
    """Scale ``image`` to ``size``: ``cover`` crops to fill it, ``contain`` fits inside it.

    ``contain`` returns an image no larger than ``size`` (aspect kept), not padded.
    ``focus`` is the point (fractions of width and height) ``cover`` keeps in view.
    """
    width, height = max(1, size[0]), max(1, size[1])
    if fit == "cover":
        return ImageOps.fit(image, (width, height), method=Image.Resampling.LANCZOS, centering=focus)
    return ImageOps.contain(image, (width, height), method=Image.Resampling.LANCZOS)


Side = Literal["top", "bottom", "left", "right"]
CALM_BAND = 0.25
"""The share of a cropped photo, along the side its text meets, that should be calm."""


def subject_focus(image: Image.Image, size: tuple[int, int], calm: Side | None = None) -> tuple[float, float]:
    """Where a ``cover`` crop of ``image`` to ``size`` should sit (a :func:`fit_image` focus).

    Detail (edge density: the mean gradient of the grey picture) marks the subject. Of the
    crops the picture allows, the one kept shows the most detail, less the detail in the band
    along ``calm`` (where the photo meets its text), so the product stays in view and the
    text's side of the photo stays quiet. Ties go to the centre.
    """
    width, height = max(1, size[0]), max(1, size[1])
    grey = np.asarray(ImageOps.grayscale(image.convert("RGB")).resize((128, 128)), dtype=np.float32)
    energy = np.abs(np.diff(grey, axis=0))[:, :-1] + np.abs(np.diff(grey, axis=1))[:-1, :]
    across = image.width / image.height > width / height  # the crop slides left-right, else up-down
    kept = (width / height) / (image.width / image.height) if across else (image.width / image.height) / (width / height)
    profile = energy.sum(axis=0 if across else 1)
    span = max(1, round(kept * len(profile)))
    band = max(1, round(CALM_BAND * span))
    best, best_score = 0.5, -np.inf
    for step in range(21):
        focus = step / 20
        start = round(focus * (len(profile) - span))
        window = profile[start:start + span]
        score = float(window.sum())
        if calm == ("right" if across else "bottom"):
            score -= float(window[-band:].sum())
        elif calm == ("left" if across else "top"):
            score -= float(window[:band].sum())
        score -= abs(focus - 0.5) * 1e-3 * float(profile.sum())  # ties: the centre
        if score > best_score:
            best, best_score = focus, score
    return (best, 0.5) if across else (0.5, best)


def shape_mask(size: tuple[int, int], radius: float, *, ellipse: bool = False) -> Image.Image:
    """An anti-aliased 'L' mask: a rounded rectangle (or ellipse) filling ``size``."""
    width, height = size
    big = Image.new("L", (width * SUPERSAMPLE, height * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(big)
    rect = (0, 0, width * SUPERSAMPLE - 1, height * SUPERSAMPLE - 1)
    if ellipse:
        draw.ellipse(rect, fill=255)
    else:
        draw.rounded_rectangle(rect, radius=max(0, radius) * SUPERSAMPLE, fill=255)
    return big.resize((width, height), Image.Resampling.LANCZOS)


def paste_shape(
    canvas: Image.Image,
    box: tuple[int, int, int, int],
    color: RGB,
    *,
    radius: float = 0,
    ellipse: bool = False,
    opacity: float = 1.0,
) -> None:
    """Paint a filled, anti-aliased rounded rectangle or ellipse onto ``canvas`` in place."""
    x0, y0, x1, y1 = box
    size = (x1 - x0, y1 - y0)
    if size[0] <= 0 or size[1] <= 0:
        return
    mask = shape_mask(size, radius, ellipse=ellipse)
    if opacity < 1.0:
        mask = mask.point(lambda v: round(v * opacity))
    canvas.paste(Image.new("RGB", size, color), (x0, y0), mask)


def paste_with_shadow(
    canvas: Image.Image,
    image: Image.Image,
    position: tuple[int, int],
    *,
    radius: float = 0,
    shadow: bool = True,
    shadow_blur: int = 24,
    shadow_offset: tuple[int, int] = (0, 14),
    shadow_opacity: float = 0.40,
) -> None:
    """Composite an RGBA ``image`` at ``position``, with rounded corners and a soft shadow.

    For a cut-out (transparent background) the shadow follows the object's own outline.
    """
    width, height = image.size
    alpha = image.getchannel("A") if image.mode == "RGBA" else Image.new("L", image.size, 255)
    if radius > 0:
        alpha = Image.fromarray(
            np.minimum(np.asarray(alpha), np.asarray(shape_mask(image.size, radius))).astype(np.uint8)
        )
    if shadow:
        pad = shadow_blur * 3
        shadow_mask = Image.new("L", (width + 2 * pad, height + 2 * pad), 0)
        shadow_mask.paste(alpha.point(lambda v: round(v * shadow_opacity)), (pad, pad))
        shadow_mask = shadow_mask.filter(ImageFilter.GaussianBlur(shadow_blur))
        dark = Image.new("RGB", shadow_mask.size, (0, 0, 0))
        canvas.paste(dark, (position[0] - pad + shadow_offset[0], position[1] - pad + shadow_offset[1]), shadow_mask)
    canvas.paste(image.convert("RGB"), position, alpha)


def linear_fade(
    canvas: Image.Image,
    box: tuple[int, int, int, int],
    color: RGB,
    *,
    direction: Literal["down", "up", "left", "right"],
    start: float = 0.0,
    end: float = 1.0,
) -> None:
    """Paint ``color`` over ``box`` with opacity ramping from ``start`` to ``end``.

    ``direction`` is where the ramp goes: ``down`` is transparent at the top and
    ``end`` opaque at the bottom. A smoothstep curve avoids a visible band at either end.
    """
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    if width <= 0 or height <= 0:
        return
    length = height if direction in ("down", "up") else width
    t = np.linspace(0.0, 1.0, length)
    t = t * t * (3 - 2 * t)
    ramp = start + (end - start) * t
    if direction in ("up", "left"):
        ramp = ramp[::-1]
    if direction in ("down", "up"):
        values = np.repeat(ramp[:, None], width, axis=1)
    else:
        values = np.repeat(ramp[None, :], height, axis=0)
    mask = Image.fromarray(np.round(values * 255).astype(np.uint8), "L")
    canvas.paste(Image.new("RGB", (width, height), color), (x0, y0), mask)


def radial_glow(size: tuple[int, int], inner: RGB, outer: RGB, center: tuple[float, float], reach: float) -> Image.Image:
    """An RGB image blending from ``inner`` at ``center`` (fractions) to ``outer`` at ``reach`` px."""
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    distance = np.hypot(xs - center[0] * width, ys - center[1] * height) / max(reach, 1.0)
    t = np.clip(distance, 0.0, 1.0)
    t = t * t * (3 - 2 * t)
    inner_arr = np.array(inner, dtype=np.float32)
    outer_arr = np.array(outer, dtype=np.float32)
    pixels = inner_arr + (outer_arr - inner_arr) * t[..., None]
    return Image.fromarray(np.round(pixels).astype(np.uint8), "RGB")


def ink_luminances(image: Image.Image) -> np.ndarray:
    """WCAG luminance of every clearly visible pixel (alpha > 50%) of a logo."""
    pixels = np.asarray(image.convert("RGBA"))
    visible = pixels[pixels[..., 3] > 127]
    if visible.size == 0:
        return np.zeros(1)
    return luminance_array(visible[:, :3])


def logo_contrast(ink: np.ndarray, background: RGB, share: float = 0.8) -> float:
    """Contrast that ``share`` of a logo's visible pixels reach against ``background``.

    A mean colour misjudges multi-colour logos (Python's blue and yellow snakes beside
    dark-grey lettering); asking that most of the ink stands out does not.
    """
    bg = relative_luminance(background)
    ratios = (np.maximum(ink, bg) + 0.05) / (np.minimum(ink, bg) + 0.05)
    return float(np.percentile(ratios, (1 - share) * 100))
