"""Burned-in caption styles as ASS subtitle files for ffmpeg's ``ass`` filter (libass).

Two styles:

* ``classic`` — bottom-centred captions, white text with a dark outline and soft shadow;
* ``highlight`` — word-by-word "TikTok" captions: the caption's words are shown together
  and the word being spoken is drawn in the brand's accent colour. Each word state is one
  event (from the word's start to the next word's start), so exactly one word is lit at a
  time, unlike ``\\k`` karaoke, which leaves sung words coloured.

Both sit in the aspect's caption band (:mod:`adloom.tools.image.frame_zones`), the strip the
scenes' layouts leave free, inside the platform's safe area.

The ASS canvas (``PlayResX/Y``) is the video size, so sizes and margins are pixels. Line
breaks come from the caption layout (``WrapStyle: 2`` turns libass's own wrapping off).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from adloom.storage.files import write_bytes_atomic
from adloom.tools.ffmpeg import escape_filter_value, run_ffmpeg
from adloom.tools.image.frame_zones import aspect_of, caption_band, caption_font_px, safe_area
from adloom.tools.subtitles.segment import Caption

CaptionStyle = Literal["classic", "highlight"]
DEFAULT_FONT_NAME = "DejaVu Sans"


@dataclass(frozen=True)
class CaptionColors:
    """Caption colours as ``#RRGGBB`` (``highlight`` is the brand accent)."""

    text: str = "#FFFFFF"
    outline: str = "#000000"
    highlight: str = "#FFD400"
    shadow: str = "#000000"


def ass_color(hex_color: str, alpha: int = 0) -> str:
    """``#RRGGBB`` as ASS ``&HAABBGGRR`` (alpha 0 = opaque, 255 = transparent).

    Raises:
        ValueError: not a ``#RRGGBB`` colour.
    """
    value = hex_color.lstrip("#")
    if len(value) != 6 or any(char not in "0123456789abcdefABCDEF" for char in value):
        raise ValueError(f"colour {hex_color!r} is not '#RRGGBB'")
    red, green, blue = value[0:2], value[2:4], value[4:6]
    return f"&H{alpha:02X}{blue}{green}{red}".upper()


def font_family(font_path: Path) -> tuple[str, bool]:
    """The family name inside a TrueType/OpenType file (what libass matches in ``fontsdir``)
    and whether the face is bold."""
    from PIL import ImageFont

    family, face = ImageFont.truetype(str(font_path), 12).getname()
    if not family:
        raise ValueError(f"{font_path}: the font has no family name")
    return family, "bold" in (face or "").lower()


DEFAULT_FONT_HEIGHT_PER_EM = (1901 + 483) / 2048
"""DejaVu Sans (libass's font when none is given): OS/2 winAscent + winDescent over unitsPerEm."""


def height_per_em(font_path: Path | None) -> float:
    """How tall libass makes a font per em of ``Fontsize``'s worth: it sizes a face so that its
    OS/2 winAscent + winDescent (hhea ascender - descender without an OS/2 table) span the
    style's Fontsize, as VSFilter does, so a font of ``em`` pixels needs ``Fontsize = em × this``.

    Raises:
        ValueError: the file is not a TrueType/OpenType font with a ``head`` table.
    """
    if font_path is None:
        return DEFAULT_FONT_HEIGHT_PER_EM
    data = Path(font_path).read_bytes()
    tables: dict[bytes, int] = {}
    if len(data) >= 12:
        count = struct.unpack_from(">H", data, 4)[0]
        for index in range(count):
            record = 12 + 16 * index
            if record + 16 > len(data):
                break
            tag, _, offset, _ = struct.unpack_from(">4sIII", data, record)
            tables[tag] = offset
    if b"head" not in tables:
        raise ValueError(f"{font_path}: not a TrueType/OpenType font (no head table)")
    units_per_em = struct.unpack_from(">H", data, tables[b"head"] + 18)[0]
    if b"OS/2" in tables:
        ascent, descent = struct.unpack_from(">HH", data, tables[b"OS/2"] + 74)
        return (ascent + descent) / units_per_em
    ascender, descender = struct.unpack_from(">hh", data, tables[b"hhea"] + 4)
    return (ascender - descender) / units_per_em


def _timestamp(seconds: float) -> str:
    centis = max(0, round(seconds * 100))
    hours, rest = divmod(centis, 360_000)
    minutes, rest = divmod(rest, 6000)
    secs, centis = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{centis:02d}"


def _escape(text: str) -> str:
    # Braces open override blocks and a backslash starts a tag; script text needs neither.
    return text.replace("\\", "\u2216").replace("{", "(").replace("}", ")")


@dataclass(frozen=True)
class _Layout:
    font_size: int
    outline: float
    shadow: float
    margin_h: int
    margin_v: int


def _font_size(video_size: tuple[int, int], widest_line: float | None, max_chars_per_line: int) -> int:
    """Pixels: the aspect's caption size (:func:`caption_font_px`), smaller only when the widest
    line would not fit between the safe area's sides."""
    width, height = video_size
    aspect = aspect_of(width, height)
    safe = safe_area(aspect, width, height)
    # Without font metrics, assume an average advance a little over half the font size.
    fitting = safe.width / widest_line if widest_line else safe.width / (max_chars_per_line * 0.56)
    return max(8, int(min(caption_font_px(aspect, height), fitting)))


def _widest_line_per_pixel(captions: Sequence[Caption], font_path: Path, bold: bool) -> float:
    """Width of the widest caption line at a font size of 1 px, measured with the real font."""
    from PIL import ImageFont

    reference = 100
    font = ImageFont.truetype(str(font_path), reference)
    widest = max((font.getlength(line) for caption in captions for line in caption.lines), default=0.0)
    return widest / reference * (1.06 if bold else 1.0)  # libass emboldens a regular face


def _layout(video_size: tuple[int, int], font_size: int) -> _Layout:
    """Both styles sit at the bottom of the aspect's caption band (:func:`caption_band`), the
    strip the scenes' layouts leave free for them, between the safe area's sides."""
    width, height = video_size
    aspect = aspect_of(width, height)
    band = caption_band(aspect, width, height)
    return _Layout(font_size, max(1.5, font_size * 0.08), max(1.0, font_size * 0.04),
                   max(band.x0, width - band.x1), height - band.y1)


KeepClear = tuple[float, float, tuple[float, float, float, float]]
"""(start s, end s, region): while the video shows it, text sits in ``region`` (x0, y0, x1, y1
as fractions of the frame) and captions stay off it."""


def _box_height(layout: _Layout, lines: int) -> float:
    """Pixels a caption of ``lines`` lines takes above its bottom margin, outline included."""
    return lines * layout.font_size * 1.22 + 2 * (layout.outline + layout.shadow)


def _margin_clear_of(
    caption: Caption, layout: _Layout, keep_clear: Sequence[KeepClear], video_size: tuple[int, int],
) -> int:
    """The bottom margin for ``caption``: the style's own when that is clear of the text on
    screen meanwhile, else the nearest that is, within the frame's caption zone; when no place
    is clear, the one covering the least of it."""
    width, height = video_size
    regions = [region for start, end, region in keep_clear if start < caption.end and end > caption.start]
    box = _box_height(layout, len(caption.line_sizes))
    left, right = layout.margin_h / width, 1 - layout.margin_h / width
    gap = layout.font_size * 0.5

    def covered(margin: float) -> float:
        """How much text (in frame fractions squared) the caption would sit on at ``margin``."""
        top, bottom = (height - margin - box - gap) / height, (height - margin + gap) / height
        return sum(max(0.0, min(right, r[2]) - max(left, r[0])) * max(0.0, min(bottom, r[3]) - max(top, r[1]))
                   for r in regions)

    if not regions or covered(layout.margin_v) == 0:
        return layout.margin_v
    # Anywhere inside the safe area: never under the platform's own bars and buttons.
    safe = safe_area(aspect_of(width, height), width, height)
    lowest = height - safe.y1
    highest = round(height - safe.y0 - box)
    step = max(4, layout.font_size // 4)
    candidates = sorted(range(lowest, max(lowest, highest) + 1, step), key=lambda m: abs(m - layout.margin_v))
    return min(candidates, key=covered)  # the nearest of the least covered (min keeps the first)


def write_ass(
    captions: Sequence[Caption],
    *,
    style: CaptionStyle,
    video_size: tuple[int, int],
    out_path: Path,
    font_path: Path | None = None,
    colors: CaptionColors = CaptionColors(),
    max_chars_per_line: int = 32,
    keep_clear: Sequence[KeepClear] = (),
) -> Path:
    """Write an ASS file rendering ``captions`` in ``style`` for a video of ``video_size``.

    Args:
        captions: from :func:`adloom.tools.subtitles.segment.segment_captions` (words carry their times).
        style: ``"classic"`` or ``"highlight"``.
        video_size: (width, height) in pixels.
        out_path: the .ass file to write (atomically).
        font_path: a .ttf/.otf file; its folder must be passed to the ``ass`` filter as
            ``fontsdir`` (see :func:`burn_captions`). None uses a system font by name.
        colors: text, outline, accent (highlight) and shadow colours.
        max_chars_per_line: the line limit the captions were cut for; sizes the font when
            there is no font file to measure the lines with.
        keep_clear: where the video's own text is, and when; each caption moves up or down
            to the nearest place off it (see :func:`_margin_clear_of`).
    """
    if style not in ("classic", "highlight"):
        raise ValueError(f"unknown caption style {style!r}; use 'classic' or 'highlight'")
    width, height = video_size
    if width <= 0 or height <= 0:
        raise ValueError(f"video size must be positive, got {video_size}")
    family, bold_face = font_family(Path(font_path)) if font_path is not None else (DEFAULT_FONT_NAME, False)
    family = family.replace(",", " ")  # a comma would end the Style field
    # Highlight captions are bold; a bold font file asks libass for its bold face by name.
    bold = style == "highlight" or bold_face
    widest = (_widest_line_per_pixel(captions, Path(font_path), bold and not bold_face)
              if font_path is not None else None)
    layout = _layout(video_size, _font_size(video_size, widest, max_chars_per_line))
    # The layout works in em pixels (what the eye reads as the text's size); libass's Fontsize is taller.
    fontsize = round(layout.font_size * height_per_em(Path(font_path) if font_path is not None else None))
    fields = [
        style.capitalize(), family, str(fontsize), ass_color(colors.text), ass_color(colors.highlight),
        ass_color(colors.outline), ass_color(colors.shadow, alpha=0x60), "-1" if bold else "0",
        "0", "0", "0", "100", "100",
        "0", "0", "1", f"{layout.outline:.1f}", f"{layout.shadow:.1f}", "2", str(layout.margin_h),
        str(layout.margin_h), str(layout.margin_v), "1",
    ]
    header = [
        "[Script Info]",
        "; written by adloom tools.subtitles.ass",
        "ScriptType: v4.00+",
        f"PlayResX: {width}",
        f"PlayResY: {height}",
        "WrapStyle: 2",
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: TV.709",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
        "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
        "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        "Style: " + ",".join(fields),
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    events = []
    for caption in captions:
        margin = _margin_clear_of(caption, layout, keep_clear, video_size)
        margin_v = 0 if margin == layout.margin_v else margin  # 0: the style's own
        if style == "classic":
            events.append(_event(caption.start, caption.end, "Classic", "\\N".join(map(_escape, caption.lines)),
                                 margin_v))
        else:
            events += _highlight_events(caption, colors, margin_v)
    write_bytes_atomic(Path(out_path), ("\n".join(header + events) + "\n").encode("utf-8"))
    return Path(out_path)


def _event(start: float, end: float, style_name: str, text: str, margin_v: int = 0) -> str:
    return f"Dialogue: 0,{_timestamp(start)},{_timestamp(end)},{style_name},,0,0,{margin_v},,{text}"


def _highlight_events(caption: Caption, colors: CaptionColors, margin_v: int = 0) -> list[str]:
    """One event per word: the caption's text with that word in the accent colour."""
    lit, plain = ass_color(colors.highlight), ass_color(colors.text)
    words = caption.words
    # Word i is lit from its own start until the next word starts; the first from the
    # caption's start, the last until the caption ends.
    bounds = [caption.start] + [min(max(word.start, caption.start), caption.end) for word in words[1:]] + [caption.end]
    for index in range(1, len(bounds)):
        bounds[index] = max(bounds[index], bounds[index - 1])
    events = []
    for index in range(len(words)):
        if _timestamp(bounds[index]) == _timestamp(bounds[index + 1]):
            continue  # shorter than the file's 10 ms resolution
        lines, position = [], 0
        for size in caption.line_sizes:
            parts = []
            for offset in range(position, position + size):
                text = _escape(words[offset].text)
                parts.append(f"{{\\c{lit}}}{text}{{\\c{plain}}}" if offset == index else text)
            lines.append(" ".join(parts))
            position += size
        events.append(_event(bounds[index], bounds[index + 1], "Highlight", "\\N".join(lines), margin_v))
    return events


def burn_captions(
    video: Path, ass_file: Path, out_path: Path, *, fonts_dir: Path | None = None, crf: int = 20
) -> Path:
    """Render an ASS file onto a video with libass (H.264 out, audio copied).

    Raises:
        tools.ffmpeg.FFmpegError: ffmpeg or libass rejected the input.
    """
    out_path = Path(out_path)
    graph = f"ass=filename={escape_filter_value(str(ass_file))}"
    if fonts_dir is not None:
        graph += f":fontsdir={escape_filter_value(str(fonts_dir))}"
    partial = out_path.with_name(f".{out_path.stem}.partial{out_path.suffix}")
    try:
        run_ffmpeg(
            ["-i", str(video), "-vf", graph, "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf),
             "-pix_fmt", "yuv420p", "-c:a", "copy", str(partial)],
            label="burn captions",
        )
        partial.replace(out_path)
    finally:
        partial.unlink(missing_ok=True)
    return out_path
