"""A marketer's own subtitle file (SRT or WebVTT) turned into burn-in captions.

The cues are read with :mod:`adloom.tools.subtitles` and laid out by the same ASS writer as the
campaign's generated captions (:func:`adloom.tools.subtitles.write_ass`), so both look alike.

Files from people are messy. What is repaired (each repair is reported as a warning):
overlapping cues (the earlier one ends where the next starts; cues starting together are
merged), cues running past the end of the video (cut there) and cues starting after it
(left out). What is refused (:class:`~adloom.tools.editor.inputs.MediaInputError`, naming the
file): a file that does not parse (the message gives the line), a cue ending before it
starts, a file without any cue, a file over :data:`MAX_SUBTITLE_BYTES` and a cue longer than
:data:`MAX_CUE_CHARACTERS` (no viewer reads it, and laying it out takes minutes).

A subtitle file carries no word timings, so for the ``highlight`` style each cue's words
are spread over the cue by their length (:func:`adloom.tools.subtitles.time_script_evenly`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from adloom.tools.editor.inputs import MediaInputError
from adloom.tools.subtitles import (
    Caption,
    CaptionStyle,
    Cue,
    ScriptScene,
    SubtitleDocument,
    SubtitleParseError,
    read_srt,
    read_vtt,
    time_script_evenly,
    write_ass,
)

_VTT_MAGIC = "WEBVTT"


@dataclass(frozen=True)
class UserCaptions:
    """Captions read from a file, repaired to fit the video, and what was repaired."""

    captions: list[Caption]
    warnings: list[str]


MAX_SUBTITLE_BYTES = 1024 * 1024
"""Largest subtitle file read: three minutes of dense captions are under 20 KB."""


MAX_CUE_CHARACTERS = 400
"""Longest cue burned in: a caption is read in a few seconds; two full lines are about 80 characters."""


def read_subtitle_file(path: Path, field: str = "subtitles") -> SubtitleDocument:
    """Parse an SRT or WebVTT file (chosen by its suffix, else by a ``WEBVTT`` header).

    Raises:
        MediaInputError: the file is missing, not decodable or malformed (names ``field``,
            the file and the line).
    """
    path = Path(path)
    if path.is_dir():
        raise MediaInputError(f"{field}: {path} is a folder, not a subtitle file")
    if not path.is_file():
        raise MediaInputError(f"{field}: subtitle file {path} does not exist")
    size = path.stat().st_size
    if size > MAX_SUBTITLE_BYTES:
        raise MediaInputError(
            f"{field}: subtitle file {path} is {size} bytes; the limit is {MAX_SUBTITLE_BYTES} "
            "(an ad's captions are a few kilobytes)"
        )
    suffix = path.suffix.lower()
    if suffix not in (".srt", ".vtt"):
        head = path.read_bytes()[:64].decode("utf-8-sig", errors="replace").lstrip()
        suffix = ".vtt" if head.startswith(_VTT_MAGIC) else ".srt"
    try:
        return read_vtt(path) if suffix == ".vtt" else read_srt(path)
    except SubtitleParseError as exc:
        raise MediaInputError(f"{field}: {exc}") from exc


def _merge(first: Cue, second: Cue) -> Cue:
    return Cue(first.start_ms, max(first.end_ms, second.end_ms), first.lines + second.lines, first.identifier)


def repair_cues(cues: Sequence[Cue], duration_s: float, source: str) -> tuple[list[Cue], list[str]]:
    """Cues in time order, without overlaps, inside ``[0, duration_s]``; plus what changed.

    Raises:
        MediaInputError: a cue ends before it starts, or no cue is left to show.
    """
    for number, cue in enumerate(cues, start=1):
        if cue.end_ms <= cue.start_ms:
            raise MediaInputError(
                f"subtitles: {source}: cue {number} ends before it starts "
                f"({cue.start:.3f} s -> {cue.end:.3f} s); fix its timing line"
            )
    warnings: list[str] = []
    ordered = sorted(cues, key=lambda cue: cue.start_ms)
    if ordered != list(cues):
        warnings.append(f"subtitles: {source}: cues are not in time order; sorted by start time")
    fixed: list[Cue] = []
    for cue in ordered:
        if fixed and cue.start_ms <= fixed[-1].start_ms:
            # Two cues starting together are one caption with both texts (libass would stack them).
            fixed[-1] = _merge(fixed[-1], cue)
            warnings.append(f"subtitles: {source}: cues at {cue.start:.3f} s start together; merged into one")
            continue
        if fixed and cue.start_ms < fixed[-1].end_ms:
            previous = fixed[-1]
            warnings.append(
                f"subtitles: {source}: cue at {previous.start:.3f} s overlaps the next one by "
                f"{(previous.end_ms - cue.start_ms) / 1000:.3f} s; it now ends at {cue.start:.3f} s"
            )
            fixed[-1] = Cue(previous.start_ms, cue.start_ms, previous.lines, previous.identifier, previous.settings)
        fixed.append(cue)
    end_ms = round(duration_s * 1000)
    inside = [cue for cue in fixed if cue.start_ms < end_ms]
    if len(inside) < len(fixed):
        warnings.append(
            f"subtitles: {source}: {len(fixed) - len(inside)} cue(s) start after the video ends "
            f"at {duration_s:.2f} s; left out"
        )
    if inside and inside[-1].end_ms > end_ms:
        last = inside[-1]
        warnings.append(f"subtitles: {source}: the last cue runs past {duration_s:.2f} s; cut there")
        inside[-1] = Cue(last.start_ms, end_ms, last.lines, last.identifier, last.settings)
    if not inside:
        raise MediaInputError(f"subtitles: {source} has no cue inside the {duration_s:.2f} s video")
    return inside, warnings


def caption_from_cue(cue: Cue) -> Caption:
    """One burn-in caption showing the cue's lines, its words spread over the cue by length."""
    lines = [line.split() for line in cue.plain_text.split("\n")]
    lines = [words for words in lines if words]
    scene = ScriptScene(" ".join(" ".join(words) for words in lines), cue.start, cue.end)
    words = tuple(time_script_evenly([scene]))
    return Caption(cue.start, cue.end, words, tuple(len(words_of_line) for words_of_line in lines))


def load_user_captions(path: Path, duration_s: float) -> UserCaptions:
    """Read, check and repair a subtitle file for a video lasting ``duration_s`` seconds.

    Raises:
        MediaInputError: see the module docstring for what is refused.
    """
    document = read_subtitle_file(path)
    source = str(path)
    if not document.cues:
        raise MediaInputError(f"subtitles: {source} has no cues")
    for number, cue in enumerate(document.cues, start=1):
        if len(cue.plain_text) > MAX_CUE_CHARACTERS:
            raise MediaInputError(
                f"subtitles: {source} cue {cue.identifier or number} has {len(cue.plain_text)} characters; "
                f"the limit is {MAX_CUE_CHARACTERS} (split it into cues a viewer can read)"
            )
    cues, warnings = repair_cues(document.cues, duration_s, source)
    captions = [caption_from_cue(cue) for cue in cues if cue.plain_text.split()]
    if not captions:
        raise MediaInputError(f"subtitles: {source} has no cue with visible text")
    # Dropped empty cues are reported by the parser; keep those notes next to ours.
    notes = [issue for issue in document.issues if "has no text" in issue]
    return UserCaptions(captions, notes + warnings)


def write_caption_file(
    captions: Sequence[Caption],
    *,
    style: CaptionStyle,
    video_size: tuple[int, int],
    out_path: Path,
    font_path: Path | None,
    max_chars_per_line: int,
) -> Path:
    """The ASS file for ``captions`` (the campaign's own caption writer, see module docstring)."""
    longest = max((len(line) for caption in captions for line in caption.lines), default=0)
    return write_ass(
        captions, style=style, video_size=video_size, out_path=out_path, font_path=font_path,
        max_chars_per_line=max(max_chars_per_line, longest),
    )
