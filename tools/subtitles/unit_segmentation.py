"""Subtitle segmentation by the VC-LLM width rules.

Width is counted in *units*: a CJK character is 1 unit, a Latin letter (and any other
visible character: digits, punctuation) 0.4, a space 0.5. The rules:

1. a segment is at most :data:`MAX_SEGMENT_UNITS` (13) units;
2. between two punctuation marks (a *phrase*) there are at most ``ceil(units / 10)``
   segments, so short phrases are not chopped up;
3. an essential word (any word, and each essential phrase such as the product name) is
   never split across segments.

Each phrase is split independently: among the splits into the fewest segments that keep
every segment within 13 units, the most even one (least sum of squared widths) wins. A
phrase that cannot satisfy the rules (a single word wider than 13 units, or a phrase
whose words cannot be packed into ``ceil(units / 10)`` segments) still gets the fewest
segments possible, and :func:`segmentation_problems` names what is broken; that is
what the SSA metric counts.

:func:`timed_captions` turns per-clip script lines into timed
:class:`~adloom.tools.subtitles.segment.Caption` objects for the SRT/VTT/ASS writers.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from adloom.tools.subtitles.align import TimedWord
from adloom.tools.subtitles.segment import Caption

MAX_SEGMENT_UNITS = 13.0
UNITS_PER_SEGMENT_BUDGET = 10.0
CJK_UNITS = 1.0
LATIN_UNITS = 0.4
SPACE_UNITS = 0.5
PUNCTUATION = frozenset(",.!?;:，。！？；：、…")
_EPSILON = 1e-9


def is_cjk(char: str) -> bool:
    """Wide East Asian characters (Han, Kana, Hangul, full-width forms) count as one unit."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def char_units(char: str) -> float:
    if char.isspace():
        return SPACE_UNITS
    return CJK_UNITS if is_cjk(char) else LATIN_UNITS


def text_units(text: str) -> float:
    """The width of ``text`` in VC-LLM units (see the module docstring)."""
    return round(sum(char_units(char) for char in text), 6)


def split_phrases(text: str) -> list[str]:
    """``text`` cut after each run of punctuation marks; each phrase keeps its marks."""
    phrases, current = [], ""
    for index, char in enumerate(text):
        current += char
        following = text[index + 1] if index + 1 < len(text) else ""
        if char in PUNCTUATION and following not in PUNCTUATION and not (char == "." and following.isdigit()):
            phrases.append(current)
            current = ""
    phrases.append(current)
    return [phrase.strip() for phrase in phrases if phrase.strip()]


@dataclass(frozen=True)
class _Atom:
    start: int
    end: int  # character span in the phrase; an atom is never split


def _atoms(phrase: str, essential: Sequence[str]) -> list[_Atom]:
    """Unsplittable pieces: essential phrases, Latin words, single CJK characters."""
    protected: list[tuple[int, int]] = []
    lowered = phrase.lower()
    for term in sorted({t.strip() for t in essential if t.strip()}, key=len, reverse=True):
        for match in re.finditer(re.escape(term.lower()), lowered):
            if all(match.end() <= s or match.start() >= e for s, e in protected):
                protected.append((match.start(), match.end()))
    atoms: list[_Atom] = []
    index = 0
    while index < len(phrase):
        span = next(((s, e) for s, e in protected if s == index), None)
        if span is not None:
            atoms.append(_Atom(*span))
            index = span[1]
        elif phrase[index].isspace():
            index += 1
        elif is_cjk(phrase[index]):
            atoms.append(_Atom(index, index + 1))
            index += 1
        else:
            end = index
            while end < len(phrase) and not phrase[end].isspace() and not is_cjk(phrase[end]) and not any(
                s == end for s, _ in protected
            ):
                end += 1
            atoms.append(_Atom(index, end))
            index = end
    return atoms


def max_segments(phrase: str) -> int:
    """Rule 2: the most segments a phrase may be cut into."""
    return max(1, math.ceil(text_units(phrase) / UNITS_PER_SEGMENT_BUDGET - _EPSILON))


def _segment_phrase(phrase: str, essential: Sequence[str]) -> list[str]:
    atoms = _atoms(phrase, essential)
    if not atoms:
        return []
    count = len(atoms)

    def piece(i: int, j: int) -> str:
        return phrase[atoms[i].start:atoms[j - 1].end]

    widths = {(i, j): text_units(piece(i, j)) for i in range(count) for j in range(i + 1, count + 1)}
    # best[j] = (segments, squared widths, previous break) over atoms[:j]; a segment wider
    # than 13 units is allowed only when it is a single atom (it cannot be split).
    best: list[tuple[int, float, int] | None] = [None] * (count + 1)
    best[0] = (0, 0.0, -1)
    for j in range(1, count + 1):
        for i in range(j):
            if best[i] is None:
                continue
            width = widths[(i, j)]
            if width > MAX_SEGMENT_UNITS + _EPSILON and j - i > 1:
                continue
            segments, squares, _ = best[i]  # type: ignore[misc]
            candidate = (segments + 1, squares + width * width, i)
            if best[j] is None or candidate[:2] < best[j][:2]:  # type: ignore[index]
                best[j] = candidate
    cuts, j = [], count
    while j > 0:
        i = best[j][2]  # type: ignore[index]
        cuts.append((i, j))
        j = i
    return [piece(i, j) for i, j in reversed(cuts)]


def segment_text(text: str, essential: Sequence[str] = ()) -> list[str]:
    """Cut ``text`` into subtitle segments by the VC-LLM rules (phrase by phrase)."""
    return [segment for phrase in split_phrases(text) for segment in _segment_phrase(phrase, essential)]


def segmentation_problems(text: str, segments: Sequence[str], essential: Sequence[str] = ()) -> list[str]:
    """Every rule ``segments`` (a segmentation of ``text``) breaks; empty when it complies.

    Checks: the segments reproduce the text (ignoring spaces), none exceeds 13 units,
    no phrase has more than ``ceil(units / 10)`` segments, no segment spans a
    punctuation mark inside it, and no word or essential phrase is split.
    """
    problems: list[str] = []
    if "".join(text.split()) != "".join("".join(segments).split()):
        return ["the segments do not reproduce the text"]
    for segment in segments:
        if text_units(segment) > MAX_SEGMENT_UNITS + _EPSILON and len(_atoms(segment, essential)) > 1:
            problems.append(f"segment {segment!r} is {text_units(segment):.1f} units (max {MAX_SEGMENT_UNITS:g})")
        inner = segment.rstrip("".join(PUNCTUATION)).strip()
        if len(split_phrases(inner)) > 1:
            problems.append(f"segment {segment!r} runs across a punctuation mark")
    # Map each segment to the phrase it lies in, by character position in the spaceless text.
    phrase_ends, position = [], 0
    for phrase in split_phrases(text):
        position += len("".join(phrase.split()))
        phrase_ends.append(position)
    per_phrase = [0] * len(phrase_ends)
    position = 0
    boundaries = set()
    for segment in segments:
        compact = "".join(segment.split())
        if not compact:
            continue
        phrase_index = next(k for k, end in enumerate(phrase_ends) if position < end)
        per_phrase[phrase_index] += 1
        position += len(compact)
        boundaries.add(position)
    for phrase, count in zip(split_phrases(text), per_phrase):
        allowed = max_segments(phrase)
        if count > allowed:
            problems.append(f"phrase {phrase!r} has {count} segments; {text_units(phrase):.1f} units allow {allowed}")
    compact_text = "".join(text.split())
    for atom_text in _unsplittable_spans(text, essential):
        start = compact_text.find(atom_text)
        while start != -1:
            if any(start < b < start + len(atom_text) for b in boundaries):
                problems.append(f"{atom_text!r} is split across segments")
                break
            start = compact_text.find(atom_text, start + 1)
    return problems


def _unsplittable_spans(text: str, essential: Sequence[str]) -> list[str]:
    spans = []
    for phrase in split_phrases(text):
        for atom in _atoms(phrase, essential):
            compact = "".join(phrase[atom.start:atom.end].split())
            if len(compact) > 1:
                spans.append(compact)
    return list(dict.fromkeys(spans))


def timed_captions(
    lines: Sequence[str], windows: Sequence[tuple[float, float]], essential: Sequence[str] = ()
) -> list[Caption]:
    """Captions for per-clip script lines, each line's segments spread over its speech window.

    Args:
        lines: the script line of each clip, in output order.
        windows: (start, end) of each line's speech on the output timeline.
        essential: phrases never split (product and brand names).

    Raises:
        ValueError: ``lines`` and ``windows`` differ in length, or a window is empty.
    """
    if len(lines) != len(windows):
        raise ValueError(f"{len(lines)} script lines but {len(windows)} timing windows")
    captions: list[Caption] = []
    for index, (line, (start, end)) in enumerate(zip(lines, windows)):
        segments = segment_text(line, essential)
        if not segments:
            continue
        if end <= start:
            raise ValueError(f"line {index + 1}: empty timing window ({start:.2f}-{end:.2f} s)")
        total = sum(text_units(segment) for segment in segments)
        cursor = start
        for segment in segments:
            seconds = (end - start) * text_units(segment) / total
            words = segment.split() or [segment]
            word_total = sum(text_units(word) for word in words)
            timed, word_cursor = [], cursor
            for word in words:
                word_end = word_cursor + seconds * text_units(word) / word_total
                timed.append(TimedWord(word, round(word_cursor, 3), round(word_end, 3), index, "interpolated"))
                word_cursor = word_end
            captions.append(Caption(round(cursor, 3), round(cursor + seconds, 3), tuple(timed), (len(timed),)))
            cursor += seconds
    return captions
