"""SubRip (.srt): reading and writing.

Accepted leniently: a BOM, CRLF line ends, a missing final blank line, any index numbers
(0-based, gaps), one- or two-digit time fields (``00:00:5,000``), and cues whose text is
empty (dropped and reported). Rejected with the line number: a cue without a timing line
and a timing line that is not SRT's (``00:00:11.890`` with a dot).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
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

_TIME = r"(\d+):(\d{1,2}):(\d{1,2}),(\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}\s*$")


def _is_cue_start(lines: list[str], index: int) -> bool:
    """Whether ``lines[index]`` begins a new cue: a timing line, or an index followed by one."""
    line = lines[index].strip()
    if "-->" in line:
        return True
    return line.isdigit() and index + 1 < len(lines) and "-->" in lines[index + 1]


def parse_srt(text: str, source: str = "<srt>") -> SubtitleDocument:
    """Parse SRT text (already decoded).

    Raises:
        SubtitleParseError: naming ``source`` and the 1-based line.
    """
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cues: list[Cue] = []
    issues: list[str] = []
    index = 0
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        identifier = ""
        if "-->" not in lines[index]:
            identifier = lines[index].strip()
            index += 1
            if index >= len(lines) or "-->" not in lines[index]:
                raise SubtitleParseError(
                    f"{source}: line {index}: cue {identifier!r} has no timing line "
                    "('HH:MM:SS,mmm --> HH:MM:SS,mmm') after it"
                )
        match = _TIMING.match(lines[index])
        if match is None:
            raise SubtitleParseError(
                f"{source}: line {index + 1}: malformed timing {lines[index].strip()!r}; "
                "SRT needs 'HH:MM:SS,mmm --> HH:MM:SS,mmm'"
            )
        timing_line = index + 1
        start, end = timestamp_ms(*match.groups()[:4]), timestamp_ms(*match.groups()[4:])
        index += 1
        text_lines: list[str] = []
        while index < len(lines) and lines[index].strip() and not _is_cue_start(lines, index):
            text_lines.append(lines[index].rstrip())
            index += 1
        if not text_lines:
            issues.append(f"{source}: line {timing_line}: cue {identifier or len(cues) + 1} has no text; dropped")
            continue
        cues.append(Cue(start, end, tuple(text_lines), identifier=identifier))
    return SubtitleDocument(cues=cues, issues=issues + review(cues, source))


def read_srt(path: Path | str, encoding: str | None = None) -> SubtitleDocument:
    """Read an SRT file (UTF-8 unless ``encoding`` is given)."""
    path = Path(path)
    return parse_srt(decode_subtitle_bytes(path.read_bytes(), encoding, str(path)), str(path))


def format_srt(cues: Iterable[Cue], *, renumber: bool = True) -> str:
    """SRT text; cues are numbered 1..N unless ``renumber`` is False and they carry numeric ids."""
    blocks = []
    for number, cue in enumerate(cues, start=1):
        label = cue.identifier if not renumber and cue.identifier.isdigit() else str(number)
        timing = f"{format_timestamp(cue.start_ms, ',')} --> {format_timestamp(cue.end_ms, ',')}"
        blocks.append(f"{label}\n{timing}\n{cue.text}\n")
    return "\n".join(blocks)


def write_srt(path: Path | str, cues: Iterable[Cue]) -> Path:
    """Write cues as a UTF-8 SRT file, atomically."""
    path = Path(path)
    write_bytes_atomic(path, format_srt(cues).encode("utf-8"))
    return path
