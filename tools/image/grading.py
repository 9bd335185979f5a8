"""Colour grading of pictures: the tones a marketer asks for in plain words ("warmer").

Only pictures are graded (product photos, generated pictures); the brand's own colours
and the text drawn over them never are, so a grade cannot break the brand palette or the
text contrast the template guarantees.
"""

from __future__ import annotations

from typing import Literal

from PIL import Image, ImageEnhance

Tone = Literal["warmer", "cooler", "brighter", "darker", "more_vivid", "muted"]
TONES: tuple[str, ...] = ("warmer", "cooler", "brighter", "darker", "more_vivid", "muted")

# Per-channel gains for colour temperature: about a 1000 K shift, visible yet natural.
_TEMPERATURE_GAINS = {"warmer": (1.08, 1.0, 0.88), "cooler": (0.90, 1.0, 1.10)}
_ENHANCERS = {
    "brighter": (ImageEnhance.Brightness, 1.15), "darker": (ImageEnhance.Brightness, 0.85),
    "more_vivid": (ImageEnhance.Color, 1.3), "muted": (ImageEnhance.Color, 0.7),
}


def grade(picture: Image.Image, tones: list[str] | tuple[str, ...]) -> Image.Image:
    """``picture`` with each tone applied in order (alpha kept); unchanged when ``tones`` is empty.

    Raises:
        ValueError: an unknown tone.
    """
    for tone in tones:
        if tone in _TEMPERATURE_GAINS:
            gains = _TEMPERATURE_GAINS[tone]
            channels = picture.split()
            scaled = [band.point(lambda value, gain=gain: min(255, round(value * gain)))
                      for band, gain in zip(channels[:3], gains)]
            picture = Image.merge(picture.mode, (*scaled, *channels[3:]))
        elif tone in _ENHANCERS:
            enhancer, factor = _ENHANCERS[tone]
            alpha = picture.getchannel("A") if picture.mode == "RGBA" else None
            picture = enhancer(picture.convert("RGB")).enhance(factor)
            if alpha is not None:
                picture = picture.convert("RGBA")
                picture.putalpha(alpha)
        else:
            raise ValueError(f"unknown tone {tone!r}; choose from {', '.join(TONES)}")
    return picture
