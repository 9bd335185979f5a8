"""Where things go in a frame of each aspect: the safe area and the caption band.

One home for the zones every stage agrees on. The layouts keep their text, buttons and
logo inside the safe area and, in a video scene, out of the caption band; the captions
are set in the caption band; the editor keeps the logo watermark in the safe area; the
critic reads the finished frames against the same zones.
"""

from __future__ import annotations

import math

from adloom.tools.image.canvas import Box

CAPTION_FONT_SHARE: dict[str, float] = {"9:16": 0.036, "4:5": 0.050, "1:1": 0.062, "16:9": 0.065}
"""Burned caption font size, as a share of the frame's height: 69 px in a 1080x1920 frame,
about 3 mm on a phone, the size of the platforms' own auto-captions or larger."""
READABLE_CAPTION_SHARE: dict[str, float] = {
    aspect: round(0.8 * share, 4) for aspect, share in CAPTION_FONT_SHARE.items()
}
"""The least font size a caption may have on screen, as a share of the frame's height (the critic
estimates it from the lines OCR reads). Below it, a phone viewer strains."""
CAPTION_LINES = 2
CAPTION_LINE_HEIGHT = 1.22
"""libass's line advance for a font size of 1."""
CAPTION_GAP_SHARE = 0.02
"""Space kept between the caption band and the layout's text, as a share of the height."""


ASPECT_RATIOS: dict[str, float] = {"9:16": 9 / 16, "4:5": 4 / 5, "1:1": 1.0, "16:9": 16 / 9}


def aspect_of(width: int, height: int) -> str:
    """The named aspect nearest a frame's shape."""
    return min(ASPECT_RATIOS, key=lambda name: abs(math.log(ASPECT_RATIOS[name] * height / width)))


def safe_area(aspect: str, width: int, height: int) -> Box:
    """Where text, buttons and logos may go.

    9:16 is shown full-screen under the platforms' own UI (TikTok, Reels, Shorts): the
    top ~12% holds the account bar and the bottom ~20% the caption and buttons, and the
    right edge the action rail, so those zones stay free. Other aspects keep an even
    6.5% margin.
    """
    if aspect == "9:16":
        side = math.ceil(0.08 * width)
        return Box(side, math.ceil(0.12 * height), width - side, math.floor(0.80 * height))
    margin = round(0.065 * min(width, height))
    return Box(margin, margin, width - margin, height - margin)


def caption_font_px(aspect: str, height: int) -> int:
    """The burned captions' font size in pixels (smaller only when a line would not fit the width)."""
    return round(CAPTION_FONT_SHARE[aspect] * height)


def caption_band(aspect: str, width: int, height: int) -> Box:
    """The strip along the bottom of the safe area that burned captions sit in: two lines
    at :func:`caption_font_px` with their outline. A video scene's layout leaves it free."""
    safe = safe_area(aspect, width, height)
    font = caption_font_px(aspect, height)
    band_h = math.ceil(CAPTION_LINES * font * CAPTION_LINE_HEIGHT + 0.3 * font)
    return Box(safe.x0, safe.y1 - band_h, safe.x1, safe.y1)


def text_area(aspect: str, width: int, height: int, *, captions: bool) -> Box:
    """Where a layout may put its text: the safe area, above the caption band when the
    picture is a video scene that will carry burned captions."""
    safe = safe_area(aspect, width, height)
    if not captions:
        return safe
    return safe.with_y(y1=caption_band(aspect, width, height).y0 - round(CAPTION_GAP_SHARE * height))
