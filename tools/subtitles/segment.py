"""Cutting timed script words into captions that follow the VC-LLM caption rules.

Rules (:class:`CaptionRules`): a caption has at most ``max_lines`` lines of at most
``max_chars_per_line`` characters, stays on screen ``min_seconds``..``max_seconds``, is
read at no more than ``max_chars_per_second`` (all characters, spaces included), never
splits a protected phrase (product name, brand name, essential phrases) across captions
or lines, and never spans a scene cut.

Segmentation is a dynamic programme over break positions between "units" (a word, or a
whole protected phrase): a caption's cost rewards ending at sentence punctuation, then
at clause punctuation, penalises ending on a function word ("the", "and"), tiny
captions, and too little time to read it. Display times then start at the first word
and stretch into following (or, if needed, preceding) silence up to the reading time.
:func:`caption_rule_violations` checks the result and names every broken rule; it is
what the tool reports and the critic can rely on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

from adloom.tools.subtitles.align import TimedWord, normalise_token
from adloom.tools.subtitles.cues import Cue

LINE_LIMIT_BY_ASPECT = {"9:16": 22, "4:5": 22, "1:1": 22, "16:9": 36}
"""Characters per caption line: what fits the safe area's width at the caption size of
:mod:`adloom.tools.image.frame_zones` (large enough to read on a phone)."""
_SENTENCE_END = (".", "!", "?", "…", '."', '!"', '?"')
_CLAUSE_END = (",", ";", ":", "—", "–")
_FUNCTION_WORDS = frozenset(
    "a an the and or but nor of to in on at by for with from as is are was were be your our my its "
    "their this that these those".split()
)
_MAX_LEAD_S = 0.5  # a caption may appear this much before its first word when it needs the time
_FLICKER_GAP_S = 0.3  # gaps shorter than this between captions are closed
_ROUNDING_MARGIN_S = 0.002  # files store milliseconds: keep the limits after rounding


class CaptionRules(BaseModel):
    """Caption layout and timing limits (defaults: VC-LLM rules for 9:16 video)."""

    model_config = ConfigDict(extra="forbid")

    max_chars_per_line: int = Field(default=32, ge=8, le=80)
    max_lines: int = Field(default=2, ge=1, le=3)
    min_seconds: float = Field(default=1.0, ge=0.0)
    max_seconds: float = Field(default=6.0, gt=0.0)
    max_chars_per_second: float = Field(default=17.0, gt=0.0)
    protected_phrases: list[str] = Field(
        default_factory=list, description="Product and brand names and essential phrases; never split."
    )

    @model_validator(mode="after")
    def _check_range(self) -> "CaptionRules":
        if self.min_seconds > self.max_seconds:
            raise ValueError(f"min_seconds ({self.min_seconds}) exceeds max_seconds ({self.max_seconds})")
        return self

    @classmethod
    def for_aspect(cls, aspect: str, **overrides) -> "CaptionRules":
        """Rules with the line limit for an aspect ratio (:data:`LINE_LIMIT_BY_ASPECT`)."""
        if aspect not in LINE_LIMIT_BY_ASPECT:
            raise ValueError(f"unknown aspect {aspect!r}; expected one of {sorted(LINE_LIMIT_BY_ASPECT)}")
        overrides.setdefault("max_chars_per_line", LINE_LIMIT_BY_ASPECT[aspect])
        return cls(**overrides)


@dataclass(frozen=True)
class Caption:
    """One caption: its words (with their own times), line layout and display interval."""

    start: float
    end: float
    words: tuple[TimedWord, ...]
    line_sizes: tuple[int, ...]
    """Number of words on each line."""

    @property
    def lines(self) -> tuple[str, ...]:
        lines, position = [], 0
        for size in self.line_sizes:
            lines.append(" ".join(word.text for word in self.words[position:position + size]))
            position += size
        return tuple(lines)

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def chars_per_second(self) -> float:
        return len(self.text) / self.duration if self.duration > 0 else float("inf")

    def to_cue(self, identifier: str = "") -> Cue:
        return Cue(round(self.start * 1000), round(self.end * 1000), self.lines, identifier=identifier)


def _protected_token_runs(phrases: Sequence[str]) -> list[list[str]]:
    runs = [[normalise_token(part) for part in phrase.split()] for phrase in phrases]
    runs = [[token for token in run if token] for run in runs]
    return sorted((run for run in runs if run), key=len, reverse=True)


def group_units(words: Sequence[TimedWord], protected_phrases: Sequence[str]) -> list[tuple[int, int]]:
    """Word ranges [start, stop) that must stay together: protected phrases, else single words."""
    runs = _protected_token_runs(protected_phrases)
    tokens = [normalise_token(word.text) for word in words]
    units, position = [], 0
    while position < len(words):
        size = 1
        for run in runs:
            if tokens[position:position + len(run)] == run and (
                len({word.scene_index for word in words[position:position + len(run)]}) == 1
            ):
                size = len(run)
                break
        units.append((position, position + size))
        position += size
    return units


def _width(words: Sequence[TimedWord], start: int, stop: int) -> int:
    return sum(len(word.text) for word in words[start:stop]) + max(0, stop - start - 1)


def layout_lines(
    words: Sequence[TimedWord], units: Sequence[tuple[int, int]], max_chars: int, max_lines: int
) -> tuple[int, ...] | None:
    """Words per line for a caption made of ``units``, or None when it cannot fit.

    Lines break between units only, except inside a protected phrase that is itself wider
    than a line (the only way it can be shown at all). One line is used when it fits;
    otherwise the most balanced split, preferring a break after punctuation.
    """
    breaks = [start for start, _ in units[1:]]
    for start, stop in units:
        if _width(words, start, stop) > max_chars:
            breaks += list(range(start + 1, stop))
    breaks.sort()
    first, last = units[0][0], units[-1][1]
    best: tuple[float, tuple[int, ...]] | None = None

    def search(begin: int, lines_left: int, sizes: tuple[int, ...], widest: int, bonus: float) -> None:
        nonlocal best
        if _width(words, begin, last) <= max_chars:
            done = sizes + (last - begin,)
            widest_line = max(widest, _width(words, begin, last))
            # Fewer lines first, then the most balanced, then punctuation-friendly breaks.
            score = len(done) * 1000 + widest_line - bonus
            if best is None or score < best[0]:
                best = (score, done)
        if lines_left <= 1:
            return
        for cut in breaks:
            if cut <= begin or _width(words, begin, cut) > max_chars:
                continue
            punctuated = words[cut - 1].text.endswith(_SENTENCE_END + _CLAUSE_END)
            search(cut, lines_left - 1, sizes + (cut - begin,), max(widest, _width(words, begin, cut)),
                   bonus + (4.0 if punctuated else 0.0))

    search(first, max_lines, (), 0, 0.0)
    return best[1] if best else None


def _end_penalty(word: TimedWord) -> float:
    if word.text.endswith(_SENTENCE_END):
        return 0.0
    if word.text.endswith(_CLAUSE_END):
        return 1.0
    if normalise_token(word.text) in _FUNCTION_WORDS:
        return 6.0
    return 3.0


def scene_windows_from_words(words: Sequence[TimedWord]) -> dict[int, tuple[float, float]]:
    """Where each scene's captions may be shown when the scene bounds are unknown: from the
    previous scene's last word to the next scene's first word (open-ended at both ends)."""
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    for word in words:
        first.setdefault(word.scene_index, word.start)
        last[word.scene_index] = word.end
    order = sorted(first)
    windows = {}
    for position, scene in enumerate(order):
        low = last[order[position - 1]] if position else 0.0
        high = first[order[position + 1]] if position + 1 < len(order) else float("inf")
        windows[scene] = (low, high)
    return windows


def segment_captions(
    words: Sequence[TimedWord],
    rules: CaptionRules,
    *,
    scene_windows: Sequence[tuple[float, float]] | None = None,
) -> list[Caption]:
    """Cut timed words into captions following ``rules`` (see the module docstring).

    Args:
        words: script words in time order; scene boundaries come from ``TimedWord.scene_index``.
        rules: the caption rules.
        scene_windows: (start, end) of every scene on the timeline, indexed by scene; a
            caption is shown only inside its scene. When None, scenes are taken to end at
            the next scene's first word.

    Returns:
        The captions in order; an empty list for no words.
    """
    if not words:
        return []
    windows = dict(enumerate(scene_windows)) if scene_windows is not None else scene_windows_from_words(words)
    units = group_units(words, rules.protected_phrases)
    count = len(units)
    capacity = rules.max_chars_per_line * rules.max_lines
    best = [float("inf")] * (count + 1)
    choice: list[tuple[int, tuple[int, ...]] | None] = [None] * (count + 1)
    best[0] = 0.0
    for begin in range(count):
        if best[begin] == float("inf"):
            continue
        first_word = words[units[begin][0]]
        for stop in range(begin + 1, count + 1):
            last_word = words[units[stop - 1][1] - 1]
            single = stop == begin + 1
            if last_word.scene_index != first_word.scene_index:
                break  # never across a scene cut
            width = _width(words, units[begin][0], units[stop - 1][1])
            if not single and (width > capacity or last_word.end - first_word.start > rules.max_seconds):
                break
            sizes = layout_lines(words, units[begin:stop], rules.max_chars_per_line, rules.max_lines)
            if sizes is None:
                if not single:
                    continue
                sizes = (units[begin][1] - units[begin][0],)  # an over-long phrase still gets its own caption
            cost = best[begin] + _caption_cost(words, units, begin, stop, width, rules, windows)
            if cost < best[stop]:
                best[stop], choice[stop] = cost, (begin, sizes)
    spans = []
    stop = count
    while stop:
        begin, sizes = choice[stop]
        spans.append((units[begin][0], units[stop - 1][1], sizes))
        stop = begin
    spans.reverse()
    return _time_captions(words, spans, rules, windows)


def _caption_cost(words, units, begin: int, stop: int, width: int, rules: CaptionRules, windows) -> float:
    first, last = words[units[begin][0]], words[units[stop - 1][1] - 1]
    next_word = words[units[stop][0]] if stop < len(units) else None
    scene_cut = next_word is None or next_word.scene_index != last.scene_index
    cost = 2.0 + (0.0 if scene_cut else _end_penalty(last))
    if width < 12 and not scene_cut:
        cost += 3.0
    # Time this caption could stay up: until the next caption's first word (or the scene's
    # end at a cut), plus part of the lead it may take before its own first word.
    until = windows[last.scene_index][1] if scene_cut else next_word.start
    available = min(until, first.start + rules.max_seconds) - first.start + _MAX_LEAD_S / 2
    needed = max(rules.min_seconds, width / rules.max_chars_per_second)
    if available < needed:
        cost += 20.0 * (needed - available) / needed
    return cost


def _time_captions(words: Sequence[TimedWord], spans, rules: CaptionRules, windows) -> list[Caption]:
    """Display intervals: first word to last word, stretched for reading time where silence allows."""
    captions: list[Caption] = []
    needs: list[float] = []
    for index, (start, stop, sizes) in enumerate(spans):
        members = tuple(words[start:stop])
        scene = members[0].scene_index
        scene_start, scene_end = windows[scene]
        same_scene_next = index + 1 < len(spans) and words[spans[index + 1][0]].scene_index == scene
        ceiling = words[spans[index + 1][0]].start if same_scene_next else scene_end
        floor = scene_start
        previous = captions[-1] if captions else None
        if previous is not None:
            floor = max(floor, previous.end)
        begin = max(members[0].start, floor)
        finish = max(members[-1].end, begin)
        needed = max(rules.min_seconds, _width(words, start, stop) / rules.max_chars_per_second)
        needed = min(needed + _ROUNDING_MARGIN_S, rules.max_seconds)
        finish = min(max(finish, begin + needed), max(ceiling, finish), begin + rules.max_seconds)
        if finish - begin < needed:  # still short: show it a little before its first word
            begin = max(floor, begin - _MAX_LEAD_S, finish - needed)
        if finish - begin < needed and same_scene_next:  # stay a moment into the next caption's first word
            finish = min(begin + needed, ceiling + _MAX_LEAD_S, scene_end)
        if finish - begin < needed and previous is not None and previous.words[0].scene_index == scene:
            # Still short (a last word before a cut): the caption before gives up what it can spare.
            spare_from = max(previous.start + needs[-1], begin - _MAX_LEAD_S, finish - needed)
            if spare_from < previous.end:
                previous = captions[-1] = Caption(previous.start, spare_from, previous.words, previous.line_sizes)
                begin = spare_from
        if (previous is not None and previous.words[0].scene_index == scene
                and 0 < begin - previous.end < _FLICKER_GAP_S and begin - previous.start <= rules.max_seconds):
            captions[-1] = Caption(previous.start, begin, previous.words, previous.line_sizes)
        captions.append(Caption(begin, finish, members, sizes))
        needs.append(needed)
    return captions


def caption_rule_violations(captions: Sequence[Caption], rules: CaptionRules) -> list[str]:
    """Every broken rule, one readable line each; empty when all captions comply."""
    problems = []
    tolerance = 0.0015  # captions are written with millisecond times
    for number, caption in enumerate(captions, start=1):
        lines = caption.lines
        where = f"caption {number} ({caption.start:.2f}-{caption.end:.2f} s, {caption.text!r})"
        if len(lines) > rules.max_lines:
            problems.append(f"{where}: {len(lines)} lines > {rules.max_lines}")
        for line in lines:
            if len(line) > rules.max_chars_per_line:
                problems.append(f"{where}: line {line!r} has {len(line)} > {rules.max_chars_per_line} characters")
        if caption.duration < rules.min_seconds - tolerance:
            problems.append(f"{where}: on screen {caption.duration:.2f} s < {rules.min_seconds} s")
        if caption.duration > rules.max_seconds + tolerance:
            problems.append(f"{where}: on screen {caption.duration:.2f} s > {rules.max_seconds} s")
        if len(caption.text) > (caption.duration + tolerance) * rules.max_chars_per_second:
            problems.append(
                f"{where}: reading speed {caption.chars_per_second:.1f} > {rules.max_chars_per_second} chars/s"
            )
        if number > 1 and caption.start < captions[number - 2].end - tolerance:
            problems.append(f"{where}: overlaps the previous caption")
    problems += _split_phrases(captions, rules)
    return problems


def _split_phrases(captions: Sequence[Caption], rules: CaptionRules) -> list[str]:
    located = [(word, number, line)
               for number, caption in enumerate(captions, start=1)
               for line in range(len(caption.line_sizes))
               for word in _line_words(caption, line)]
    tokens = [normalise_token(word.text) for word, _, _ in located]
    problems = []
    for run in _protected_token_runs(rules.protected_phrases):
        for position in range(len(tokens) - len(run) + 1):
            if tokens[position:position + len(run)] != run:
                continue
            span = located[position:position + len(run)]
            if len({word.scene_index for word, _, _ in span}) > 1:
                continue  # spoken across a scene cut: it cannot be kept together
            numbers = sorted({number for _, number, _ in span})
            phrase = " ".join(word.text for word, _, _ in span)
            if len(numbers) > 1:
                problems.append(f"protected phrase {phrase!r} is split across captions {numbers}")
            elif len({line for _, _, line in span}) > 1 and len(phrase) <= rules.max_chars_per_line:
                problems.append(f"protected phrase {phrase!r} is split across lines of caption {numbers[0]}")
    return problems


def _line_words(caption: Caption, line: int) -> tuple[TimedWord, ...]:
    start = sum(caption.line_sizes[:line])
    return caption.words[start:start + caption.line_sizes[line]]
