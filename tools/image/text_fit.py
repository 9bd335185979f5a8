"""Fitting a piece of text into a box: the largest font size whose wrapped lines fit.

Lines are wrapped greedily at spaces by *measured* pixel width (``font.getlength``), so a
condensed brand font gets more words per line than a wide one. The size is found by
binary search between a floor and a ceiling; a word too long for the box at the floor
size is broken between characters rather than drawn past the edge, and text that still
cannot fit raises :class:`TextFitError` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import ImageFont

ABSOLUTE_MIN_PX = 16
"""Never go below this, whatever the layout allows (it would not survive a phone screen)."""


class TextFitError(ValueError):
    """A text cannot be drawn inside its box even at the smallest allowed size."""


@lru_cache(maxsize=512)
def font_at(path: str, size: int) -> ImageFont.FreeTypeFont:
    """The font at ``size`` px; cached because fitting tries many sizes of one face."""
    return ImageFont.truetype(path, size)


@dataclass(frozen=True)
class FittedText:
    """Wrapped lines of one text at one size, with the block's measured extent."""

    lines: tuple[str, ...]
    font_path: str
    size: int
    line_height: int
    width: int
    height: int
    shrunk_below_minimum: bool = False

    @property
    def font(self) -> ImageFont.FreeTypeFont:
        return font_at(self.font_path, self.size)


def _break_word(word: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    pieces: list[str] = []
    current = ""
    for char in word:
        if current and font.getlength(current + char) > max_width:
            pieces.append(current)
            current = char
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces


def break_units(text: str) -> list[str]:
    """The text's words, with each one-letter word tied to the word after it.

    A line ending on "a" or "I" reads badly, and OCR tends to drop such a stranded
    letter, so "I have" wraps as one unit.
    """
    units: list[str] = []
    pending = ""
    for word in text.split():
        joined = f"{pending} {word}" if pending else word
        if len(word) == 1 and word.isalpha():
            pending = joined
        else:
            units.append(joined)
            pending = ""
    if pending:
        if units:
            units[-1] = f"{units[-1]} {pending}"
        else:
            units.append(pending)
    return units


def wrap_to_width(
    text: str, font: ImageFont.FreeTypeFont, max_width: float, *, break_words: bool = False
) -> list[str] | None:
    """Greedy word wrap by pixel width (one-letter words stay with the next word).

    Returns:
        The lines, or ``None`` when a single word is wider than ``max_width`` and
        ``break_words`` is off.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in break_units(paragraph):
            candidate = f"{current} {word}" if current else word
            if font.getlength(candidate) <= max_width:
                current = candidate
                continue
            if current:
                lines.append(current)
            if font.getlength(word) <= max_width:
                current = word
            elif break_words:
                *whole, current = _break_word(word, font, max_width)
                lines.extend(whole)
            else:
                return None
        if current:
            lines.append(current)
    return lines


def line_extent(font: ImageFont.FreeTypeFont, line: str) -> tuple[int, int]:
    """Horizontal extent of a drawn line relative to its origin: ``(left, right)``.

    Covers both the advance width and the ink, which can overhang it by a pixel or two
    (a final "e", an italic), so a line placed by this extent never crosses its box.
    """
    left, _, right, _ = font.getbbox(line, anchor="la")
    return min(0, int(left)), max(int(np.ceil(right)), int(np.ceil(font.getlength(line))))


def _line_height(font: ImageFont.FreeTypeFont, leading: float) -> int:
    ascent, descent = font.getmetrics()
    return max(1, round((ascent + descent) * leading))


def balanced_lines(words: list[str], font: ImageFont.FreeTypeFont, max_width: float, count: int) -> list[str] | None:
    """Split ``words`` into exactly ``count`` lines no wider than ``max_width``, as even as possible.

    Greedy wrapping fills early lines and can strand a short word on the last one
    ("18 hours of patience in every / can."). This chooses the breaks that minimise the
    sum of squared leftover widths over all lines (a small dynamic programme; headlines
    have tens of words), so the lines come out about equally long.
    """
    n = len(words)
    if count <= 1 or n < count:
        return [" ".join(words)] if count == 1 else None
    width: dict[tuple[int, int], float] = {}

    def line_width(start: int, end: int) -> float:
        if (start, end) not in width:
            width[(start, end)] = font.getlength(" ".join(words[start:end]))
        return width[(start, end)]

    inf = float("inf")
    # cost[j][i]: best cost of setting the first i words on j lines; back[j][i]: where line j starts.
    cost = [[inf] * (n + 1) for _ in range(count + 1)]
    back = [[0] * (n + 1) for _ in range(count + 1)]
    cost[0][0] = 0.0
    for lines in range(1, count + 1):
        for end in range(lines, n - (count - lines) + 1):
            for start in range(lines - 1, end):
                if cost[lines - 1][start] == inf:
                    continue
                w = line_width(start, end)
                if w > max_width:
                    continue
                total = cost[lines - 1][start] + (max_width - w) ** 2
                if total < cost[lines][end]:
                    cost[lines][end], back[lines][end] = total, start
    if cost[count][n] == inf:
        return None
    result: list[str] = []
    end = n
    for lines in range(count, 0, -1):
        start = back[lines][end]
        result.append(" ".join(words[start:end]))
        end = start
    return result[::-1]


def _has_stranded_word(lines: list[str]) -> bool:
    """A line holding one word of three letters or fewer, in a text of several lines."""
    return len(lines) > 1 and any(len(line.split()) == 1 and len(line) <= 3 for line in lines)


def _layout(
    text: str, font_path: str, size: int, max_width: int, leading: float, break_words: bool
) -> FittedText | None:
    font = font_at(font_path, size)
    lines = wrap_to_width(text, font, max_width, break_words=break_words)
    if not lines:
        return None
    if "\n" not in text and not break_words and len(lines) > 1:
        # Plain running text is evened out; explicit line breaks are the writer's choice.
        lines = balanced_lines(break_units(text), font, max_width, len(lines)) or lines
    ascent, descent = font.getmetrics()
    line_height = _line_height(font, leading)
    width = max(right - left for left, right in (line_extent(font, line) for line in lines))
    height = line_height * (len(lines) - 1) + ascent + descent
    return FittedText(tuple(lines), font_path, size, line_height, width, height)


def fit_text(
    text: str,
    font_path: str | Path,
    max_width: int,
    max_height: int,
    *,
    max_size: int,
    min_size: int,
    max_lines: int | None = None,
    leading: float = 1.0,
    field: str = "text",
) -> FittedText:
    """The largest size in ``[min_size, max_size]`` at which ``text`` fits the box.

    Sizes that would strand a short word on a line of its own are passed over while a
    size without that problem fits. When nothing fits at ``min_size`` the search
    continues down to :data:`ABSOLUTE_MIN_PX` (the result says ``shrunk_below_minimum``)
    and finally breaks over-long words between characters.

    Args:
        text: the words to draw; ``\\n`` forces a line break.
        font_path: TrueType/OpenType file.
        max_width: box width in px.
        max_height: box height in px.
        max_size: largest font size tried (px).
        min_size: smallest size the layout wants (px).
        max_lines: cap on wrapped lines, e.g. 1 for a button label.
        leading: line pitch as a multiple of the font's ascent + descent.
        field: request field named in the error.

    Raises:
        TextFitError: the text does not fit even at the absolute minimum size.
    """
    path = str(font_path)
    text = "\n".join(" ".join(part.split()) for part in text.strip().split("\n"))

    def fits(size: int, *, break_words: bool = False, tidy: bool = False) -> FittedText | None:
        fitted = _layout(text, path, size, max_width, leading, break_words)
        if fitted is None or fitted.height > max_height or fitted.width > max_width:
            return None
        if max_lines is not None and len(fitted.lines) > max_lines:
            return None
        if tidy and _has_stranded_word(list(fitted.lines)):
            return None
        return fitted

    def largest_fitting(low: int, high: int, **kwargs) -> FittedText | None:
        best = None
        while low <= high:
            mid = (low + high) // 2
            fitted = fits(mid, **kwargs)
            if fitted is not None:
                best, low = fitted, mid + 1
            else:
                high = mid - 1
        return best

    max_size = max(max_size, ABSOLUTE_MIN_PX)
    min_size = min(max(min_size, ABSOLUTE_MIN_PX), max_size)
    best = largest_fitting(min_size, max_size)
    if best is not None:
        if _has_stranded_word(list(best.lines)):
            # Whether a word is stranded is not monotonic in size, so scan down a little.
            for size in range(best.size - 1, max(min_size, round(best.size * 0.8)) - 1, -1):
                tidy = fits(size, tidy=True)
                if tidy is not None:
                    return tidy
        return best
    below = largest_fitting(ABSOLUTE_MIN_PX, min_size - 1) or largest_fitting(
        ABSOLUTE_MIN_PX, min_size, break_words=True
    )
    if below is None:
        raise TextFitError(
            f"{field}: {text[:60]!r} does not fit a {max_width}x{max_height} px box even at "
            f"{ABSOLUTE_MIN_PX} px; shorten it"
        )
    return FittedText(below.lines, below.font_path, below.size, below.line_height,
                      below.width, below.height, shrunk_below_minimum=True)
