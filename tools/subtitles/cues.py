"""Subtitle cues and documents shared by the SRT and WebVTT readers and writers.

Times are whole milliseconds, so a parse/write round trip is exact.
"""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass, field

_TAG = re.compile(r"<[^>]*>")


class SubtitleParseError(ValueError):
    """A subtitle file is malformed; the message names the source and the line."""


@dataclass(frozen=True)
class Cue:
    """One caption on screen from ``start_ms`` to ``end_ms``.

    Attributes:
        lines: the text lines as written (WebVTT tags kept).
        identifier: SRT index or WebVTT cue identifier ("" when none).
        settings: WebVTT cue settings after the timing, e.g. ``"align:start position:0%"``.
    """

    start_ms: int
    end_ms: int
    lines: tuple[str, ...]
    identifier: str = ""
    settings: str = ""

    @property
    def start(self) -> float:
        return self.start_ms / 1000

    @property
    def end(self) -> float:
        return self.end_ms / 1000

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def plain_text(self) -> str:
        """The text without markup tags (``<b>``, ``<c.color>``, inline timestamps) or entities."""
        return html.unescape(_TAG.sub("", self.text))


@dataclass
class SubtitleDocument:
    """A parsed file: its cues plus what else it carried and what looked wrong.

    Attributes:
        issues: readable notes about accepted oddities (dropped empty cues, overlaps, cues
            ending before they start); parsing does not fail on these.
    """

    cues: list[Cue]
    header: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    issues: list[str] = field(default_factory=list)


def find_overlaps(cues: list[Cue]) -> list[tuple[int, int, int]]:
    """Pairs of consecutive cues (in file order) where the second starts before the first ends.

    Returns:
        (index_a, index_b, overlap_ms) for each overlapping pair.
    """
    return [
        (index - 1, index, cues[index - 1].end_ms - cue.start_ms)
        for index, cue in enumerate(cues)
        if index and cue.start_ms < cues[index - 1].end_ms
    ]


def review(cues: list[Cue], source: str) -> list[str]:
    """Issues worth reporting about well-formed cues: reversed times and overlaps."""
    issues = [
        f"{source}: cue {index + 1} ends before it starts ({cue.start:.3f} s -> {cue.end:.3f} s)"
        for index, cue in enumerate(cues)
        if cue.end_ms < cue.start_ms
    ]
    issues += [
        f"{source}: cues {a + 1} and {b + 1} overlap by {ms / 1000:.3f} s" for a, b, ms in find_overlaps(cues)
    ]
    return issues


def decode_subtitle_bytes(data: bytes, encoding: str | None, source: str) -> str:
    """Text of a subtitle file with any BOM removed and line endings normalised to ``\\n``.

    Args:
        encoding: the file's encoding; None accepts UTF-8 (with or without BOM) or UTF-16 with a BOM.

    Raises:
        SubtitleParseError: not decodable; the message says to save the file as UTF-8.
    """
    try:
        if encoding is not None:
            text = data.decode(encoding)
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except (UnicodeDecodeError, LookupError) as exc:
        raise SubtitleParseError(
            f"{source}: cannot decode as {encoding or 'UTF-8'} ({exc}); save the file as UTF-8 "
            "(most subtitle editors offer it under 'Save as' or 'Encoding')"
        ) from exc
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def format_timestamp(ms: int, separator: str) -> str:
    """``HH:MM:SS<sep>mmm`` (``,`` for SRT, ``.`` for WebVTT)."""
    if ms < 0:
        raise ValueError(f"negative timestamp {ms} ms")
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def timestamp_ms(hours: str | None, minutes: str, seconds: str, fraction: str) -> int:
    """Milliseconds from timestamp fields; a short fraction is a decimal fraction (``5`` = 500 ms)."""
    return (
        int(hours or 0) * 3_600_000 + int(minutes) * 60_000 + int(seconds) * 1000
        + int(fraction.ljust(3, "0")[:3])
    )
