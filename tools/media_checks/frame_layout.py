"""The text of a finished ad as a viewer sees it: read from sampled frames, checked for layout faults.

Frames are taken every :data:`FRAME_STEP_S` and read with OCR; every line read
confidently is a box on screen. Three faults are looked for:

- **cut by the edge**: a box touching the frame's edge (a headline panned off, a watermark
  cropped to "andon Castellano");
- **on top of each other**: two boxes overlapping (a caption over a headline or a button);
- **under the platform's UI**: a box reaching out of the aspect's safe area
  (:func:`adloom.tools.image.frame_zones.safe_area`: the 9:16 account bar, action rail and
  caption zone; an even margin elsewhere).

A fault counts when it is there in two samples in a row, in much the same place: longer
than a transition or a text's reveal, which may pass the edge of the safe area for a moment.

The same reading measures the burned captions: :func:`caption_font_sizes` finds each
caption line shown at a sample and estimates its font size from the line's height, which
must reach the aspect's readable size (:data:`adloom.tools.image.frame_zones.READABLE_CAPTION_SHARE`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from adloom.tools.context import ResidentModels
from adloom.tools.aspects import ASPECT_SIZES
from adloom.tools.image.frame_zones import safe_area
from adloom.tools.image.legibility import normalised_words
from adloom.tools.media_checks.frames import extract_frames
from adloom.tools.media_checks.ocr import read_text_boxes

FRAME_STEP_S = 2.0
EDGE = 0.02
"""A box within this share of the frame's edge touches it."""
OVERLAP_SHARE = 0.25
"""Two boxes overlap when their intersection is this share of the smaller one."""
SAFE_TOLERANCE = 0.01
DETECTOR_PAD = 0.1
"""The text detector draws its boxes this share of a line's height wider than the letters
on every side, so a large headline set right at the safe area's edge reads as over it."""

Region = tuple[float, float, float, float]


@dataclass(frozen=True)
class SeenText:
    """One line of text read in a frame: when, what, and where (fractions of the frame)."""

    time_s: float
    text: str
    box: Region


def sample_times(duration_s: float, step_s: float = FRAME_STEP_S) -> list[float]:
    """Every ``step_s`` from half a step in, up to the end."""
    times, t = [], step_s / 2
    while t < duration_s:
        times.append(round(t, 3))
        t += step_s
    return times


def read_frames(video: Path | str, times: Sequence[float], models: ResidentModels | None) -> list[list[SeenText]]:
    """The lines OCR reads confidently in the frame at each of ``times``."""
    return [[SeenText(time_s, line.text, line.box) for line in read_text_boxes(frame, models)]
            for time_s, frame in zip(times, extract_frames(video, list(times)))]


def _area(box: Region) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _overlap(a: Region, b: Region) -> float:
    inner = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    smaller = min(_area(a), _area(b))
    return _area(inner) / smaller if smaller > 0 else 0.0


def _faults(lines: Sequence[SeenText], safe: Region, tall: float) -> list[tuple[str, Region, str]]:
    """(kind, where, what) of every fault in one frame ``tall`` times as high as it is wide."""
    left, top, right, bottom = safe
    found = []
    for seen in lines:
        x0, y0, x1, y1 = seen.box
        pad_y = SAFE_TOLERANCE + DETECTOR_PAD * (y1 - y0)
        pad_x = SAFE_TOLERANCE + DETECTOR_PAD * (y1 - y0) * tall
        if x0 <= EDGE or y0 <= EDGE or x1 >= 1 - EDGE or y1 >= 1 - EDGE:
            found.append(("edge", seen.box, f"\u201c{seen.text}\u201d is cut by the frame's edge"))
        elif x0 < left - pad_x or y0 < top - pad_y or x1 > right + pad_x or y1 > bottom + pad_y:
            found.append(("ui", seen.box, f"\u201c{seen.text}\u201d is under the platform's buttons or bars"))
    for index, first in enumerate(lines):
        for second in lines[index + 1:]:
            if _overlap(first.box, second.box) >= OVERLAP_SHARE:
                union = (min(first.box[0], second.box[0]), min(first.box[1], second.box[1]),
                         max(first.box[2], second.box[2]), max(first.box[3], second.box[3]))
                found.append(("overlap", union,
                              f"\u201c{first.text}\u201d and \u201c{second.text}\u201d lie on top of each other"))
    return found


def layout_problems(frames: Sequence[Sequence[SeenText]], aspect: str) -> list[str]:
    """Every fault in ``frames`` (in time order, from :func:`read_frames`) that a viewer sees
    for longer than a moment, in words.

    A fault counts when the frame before shows the same kind of fault in much the same
    place: a text still sliding into place, or two texts meeting in a transition, is not
    one; a headline panned off the edge, or a caption parked on a button, is.
    """
    width, height = ASPECT_SIZES[aspect]
    box = safe_area(aspect, width, height)
    safe = (box.x0 / width, box.y0 / height, box.x1 / width, box.y1 / height)
    problems: list[str] = []
    before: list[tuple[str, Region, str]] = []
    for lines in frames:
        now = _faults(lines, safe, height / width)
        for kind, where, what in now:
            if any(kind == earlier and _overlap(where, place) >= 0.3 for earlier, place, _ in before):
                suffix = f" (outside the {aspect} safe area)" if kind == "ui" else ""
                problems.append(f"{lines[0].time_s:.1f} s: {what}{suffix}")
        before = now
    return problems


SHOWN_MARGIN_S = 0.1
"""A caption counts as on screen this long after it starts and before it ends."""
CAPTION_MATCH = 0.8
"""How alike (0..1, letters and digits only) a line read must be to a caption line to be it."""


def _letters(text: str) -> str:
    """The text as OCR's read-back compares it: letters and digits, case-folded, look-alikes folded."""
    return "".join(normalised_words(text))


def _rows(lines: Sequence[SeenText]) -> list[SeenText]:
    """Lines read side by side joined into one, left to right: a caption whose spoken word is
    lit in another colour may be read as two or three pieces."""
    rows: list[list[SeenText]] = []
    for seen in sorted(lines, key=lambda item: (item.box[1] + item.box[3]) / 2):
        middle = (seen.box[1] + seen.box[3]) / 2
        last = rows[-1][-1] if rows else None
        if last is not None and abs(middle - (last.box[1] + last.box[3]) / 2) < (last.box[3] - last.box[1]) / 2:
            rows[-1].append(seen)
        else:
            rows.append([seen])
    joined = []
    for row in rows:
        if len(row) > 1:
            row.sort(key=lambda item: item.box[0])
            joined.append(SeenText(row[0].time_s, " ".join(item.text for item in row), (
                min(i.box[0] for i in row), min(i.box[1] for i in row),
                max(i.box[2] for i in row), max(i.box[3] for i in row))))
    return joined


DESCENDERS = frozenset("gjpqy,;")
LINE_HEIGHT_PER_FONT_SIZE = (0.8, 1.1)
"""A line OCR reads is about 0.8 of the font size tall without descenders ("solid oak base"),
1.1 with them ("charging port")."""


def caption_font_sizes(
    frames: Sequence[Sequence[SeenText]], captions: Sequence[tuple[float, float, Sequence[str]]],
) -> list[tuple[float, str, float]]:
    """(time, line, font size as a share of the frame's height) of every caption line found in
    ``frames``, estimated from the height OCR read; ``captions`` are (start s, end s, lines)
    of the burned captions."""
    found = []
    for lines in frames:
        if not lines:
            continue
        time_s = lines[0].time_s
        for start, end, caption_lines in captions:
            if not start + SHOWN_MARGIN_S <= time_s < end - SHOWN_MARGIN_S:  # not in its first or last frames
                continue
            candidates = [*lines, *_rows(lines)]
            for wanted in caption_lines:
                likeness, best = max(((SequenceMatcher(None, _letters(seen.text), _letters(wanted)).ratio(), seen)
                                      for seen in candidates), key=lambda item: item[0])
                if likeness >= CAPTION_MATCH:
                    per_size = LINE_HEIGHT_PER_FONT_SIZE[bool(DESCENDERS & set(wanted))]
                    found.append((time_s, wanted, (best.box[3] - best.box[1]) / per_size))
    return found
