"""Colours as the brief writes them (``#RRGGBB``) and as pixels are drawn (r, g, b)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

RGB = tuple[int, int, int]

HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
"""A colour field of a brief or request: ``#RRGGBB``."""


def parse_hex(color: str) -> RGB:
    """``"#RRGGBB"`` to an (r, g, b) tuple of 0..255 ints.

    Raises:
        ValueError: when ``color`` is not of the form ``#RRGGBB``.
    """
    text = color.strip()
    if len(text) != 7 or not text.startswith("#"):
        raise ValueError(f"colour {color!r} must look like #RRGGBB")
    try:
        return (int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16))
    except ValueError:
        raise ValueError(f"colour {color!r} must look like #RRGGBB") from None


def to_hex(rgb: RGB) -> str:
    """(r, g, b) to ``"#RRGGBB"``."""
    return "#{:02X}{:02X}{:02X}".format(*rgb)
