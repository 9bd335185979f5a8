"""Icons from Font Awesome Free: the solid glyphs of its packaged font, drawn by name.

Package ``fontawesomefree``: icons CC BY 4.0, font SIL OFL 1.1; :data:`ATTRIBUTION` goes
into the manifest's licences. Which icon a scene gets is the art director's choice
(:mod:`adloom.agents.icons`).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw

from adloom.tools.image.text_fit import font_at

ATTRIBUTION = "Icons: Font Awesome Free 6.6.0 by Fonticons, Inc. (https://fontawesome.com), CC BY 4.0"

_PACKAGE = "fontawesomefree"
_FONT = "static/fontawesomefree/webfonts/fa-solid-900.ttf"
_CSS = "static/fontawesomefree/css/fontawesome.css"
_GLYPH = re.compile(r'\.fa-([a-z0-9-]+)::before \{\s*content: "\\([0-9a-f]+)"; \}')


class IconError(ValueError):
    """An icon name the packaged icon set does not have."""


def _package_file(relative: str) -> Path:
    return Path(str(resources.files(_PACKAGE).joinpath(relative)))


@cache
def glyphs() -> dict[str, str]:
    """Icon name to its character in the solid font, read from the package's stylesheet."""
    css = _package_file(_CSS).read_text("utf-8")
    return {name: chr(int(code, 16)) for name, code in _GLYPH.findall(css)}


def font_path() -> Path:
    return _package_file(_FONT)


def check_icon(name: str) -> str:
    """``name`` when the packaged icon set has it, else :class:`IconError`."""
    if name not in glyphs():
        raise IconError(f"unknown icon {name!r}: not one of Font Awesome Free's solid icons "
                        "(https://fontawesome.com/search?o=r&s=solid&ic=free)")
    return name


def draw_icon(image: Image.Image, name: str, center: tuple[int, int], size: int, color: tuple[int, int, int]) -> None:
    """Paint icon ``name`` ``size`` px tall, centred on ``center``."""
    font = font_at(str(font_path()), size)
    glyph = glyphs()[check_icon(name)]
    ImageDraw.Draw(image).text(center, glyph, font=font, fill=color, anchor="mm")
