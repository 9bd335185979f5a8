"""WebVTT (.vtt): reading and writing.

Follows the WebVTT block structure: a ``WEBVTT`` header (with optional metadata lines such
as ``Kind:``/``Language:``), then blocks separated by blank lines — ``NOTE`` comments,
``STYLE`` and ``REGION`` blocks, and cues (optional identifier, ``start --> end [settings]``,
text lines). Hours are optional in timestamps (``00:16.500``). As in the spec's parser, a
line containing ``-->`` inside cue text starts the next cue (YouTube's auto-captions rely
on it). Cue text keeps its markup; :attr:`Cue.plain_text` strips it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from adloom.storage.files import write_bytes_atomic
from adloom.tools.subtitles.cues import (
    Cue,
    SubtitleDocument,
    SubtitleParseError,
    decode_subtitle_bytes,
    format_timestamp,
    review,
    timestamp_ms,
)

_TIME = r"(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})"
_TIMING = re.compile(rf"^{_TIME}[ \t]+-->[ \t]+{_TIME}(?:[ \t]+(.*))?$")
_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")
_BLOCK_KEYWORDS = ("NOTE", "STYLE", "REGION")


def _keyword(line: str) -> str | None:
    for keyword in _BLOCK_KEYWORDS:
        if line == keyword or line.startswith((keyword + " ", keyword + "\t")):
            return keyword
    return None


def parse_vtt(text: str, source: str = "<vtt>") -> SubtitleDocument:
    """Parse WebVTT text (already decoded).

    Raises:
        SubtitleParseError: no ``WEBVTT`` header, a block that is neither a cue nor a
            NOTE/STYLE/REGION block, or a malformed timing line; the message names the line.
    """
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not _HEADER.match(lines[0]):
        raise SubtitleParseError(f"{source}: line 1: a WebVTT file starts with 'WEBVTT', found {lines[0][:40]!r}")
    document = SubtitleDocument(cues=[])
    index = 0
    while index < len(lines) and lines[index].strip():
        document.header.append(lines[index])
        index += 1
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        keyword = _keyword(lines[index])
        if keyword is not None and "-->" not in lines[index]:
            block = []
            while index < len(lines) and lines[index].strip():
                block.append(lines[index])
                index += 1
            (document.notes if keyword == "NOTE" else document.styles).append("\n".join(block))
            continue
        identifier = ""
        if "-->" not in lines[index]:
            identifier = lines[index].strip()
            index += 1
            if index >= len(lines) or "-->" not in lines[index]:
                raise SubtitleParseError(
                    f"{source}: line {index}: {identifier!r} is neither a cue identifier followed by a "
                    "timing line nor a NOTE/STYLE/REGION block"
                )
        match = _TIMING.match(lines[index].strip())
        if match is None:
            raise SubtitleParseError(
                f"{source}: line {index + 1}: malformed cue timing {lines[index].strip()!r}; "
                "WebVTT needs '[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm [settings]'"
            )
        groups = match.groups()
        timing_line = index + 1
        index += 1
        text_lines: list[str] = []
        while index < len(lines) and lines[index].strip() and "-->" not in lines[index]:
            text_lines.append(lines[index].rstrip())
            index += 1
        if not text_lines:
            document.issues.append(f"{source}: line {timing_line}: cue has no text; dropped")
            continue
        document.cues.append(Cue(
            timestamp_ms(*groups[0:4]), timestamp_ms(*groups[4:8]), tuple(text_lines),
            identifier=identifier, settings=(groups[8] or "").strip(),
        ))
    document.issues += review(document.cues, source)
    return document


def read_vtt(path: Path | str, encoding: str | None = None) -> SubtitleDocument:
    """Read a WebVTT file (UTF-8 unless ``encoding`` is given)."""
    path = Path(path)
    return parse_vtt(decode_subtitle_bytes(path.read_bytes(), encoding, str(path)), str(path))


def format_vtt(
    cues: Iterable[Cue], *, header: Sequence[str] = ("WEBVTT",), styles: Sequence[str] = ()
) -> str:
    """WebVTT text: the header lines, STYLE blocks, then the cues with identifiers and settings."""
    if not header or not _HEADER.match(header[0]):
        raise ValueError("the first header line must be 'WEBVTT' (optionally followed by text)")
    blocks = ["\n".join(header), *styles]
    for cue in cues:
        timing = f"{format_timestamp(cue.start_ms, '.')} --> {format_timestamp(cue.end_ms, '.')}"
        if cue.settings:
            timing += f" {cue.settings}"
        identifier = f"{cue.identifier}\n" if cue.identifier else ""
        blocks.append(f"{identifier}{timing}\n{cue.text}")
    return "\n\n".join(blocks) + "\n"


def write_vtt(path: Path | str, cues: Iterable[Cue]) -> Path:
    """Write cues as a UTF-8 WebVTT file, atomically (SRT-style numeric ids are dropped)."""
    path = Path(path)
    plain = [Cue(c.start_ms, c.end_ms, c.lines, "" if c.identifier.isdigit() else c.identifier, c.settings)
             for c in cues]
    write_bytes_atomic(path, format_vtt(plain).encode("utf-8"))
    return path
