"""Timing the known script with recognised words, so captions show the script, never ASR errors.

The script's words and the recogniser's words are aligned by dynamic programming over
normalised tokens (lower case, letters and digits only). Besides match/substitute/skip,
the alignment may join two recognised words to one script word and vice versa, because
recognisers split and merge unusual names ("Northwind" heard as "North wind"). A script
word aligned to recognised word(s) takes their times; the others are spread between their
aligned neighbours in proportion to their length. Every word stays inside its scene.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_GAP_COST = 1.0
_JOIN_PENALTY = 0.1
_JOIN_MIN_SIMILARITY = 0.85  # "north"+"wind" ~ "northwind"; not "smooth" ~ "smooth"+"and"
_MIN_WORD_S = 0.06  # shortest time an interpolated word is given before borrowing from neighbours


class RecognisedWord(Protocol):
    """What alignment needs from an ASR word (e.g. :class:`adloom.tools.asr.Word`)."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class ScriptScene:
    """One scene of the script on the voiceover's timeline.

    Attributes:
        text: the line spoken in the scene.
        start: scene start in seconds from the start of the voiceover.
        end: scene end in seconds.
        speech_end: where the speech ends inside the scene, when known (from TTS).
    """

    text: str
    start: float
    end: float
    speech_end: float | None = None


@dataclass(frozen=True)
class TimedWord:
    """A script word with the time it is spoken.

    Attributes:
        text: the script's word with its punctuation, exactly as written.
        source: "asr" when timed by a recognised word, "interpolated" otherwise.
    """

    text: str
    start: float
    end: float
    scene_index: int
    source: Literal["asr", "interpolated"] = "asr"


def normalise_token(word: str) -> str:
    """Lower case, accents removed, letters and digits only ("Brew," -> "brew", "$3.49" -> "349")."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return _NOT_ALNUM.sub("", "".join(char for char in decomposed if not unicodedata.combining(char)))


def scenes_from_durations(
    texts: Sequence[str], seconds: Sequence[float], speech_seconds: Sequence[float | None] | None = None
) -> list[ScriptScene]:
    """Lay scenes end to end from their durations (the plan's timeline)."""
    if len(texts) != len(seconds):
        raise ValueError(f"{len(texts)} scene texts but {len(seconds)} durations")
    scenes, start = [], 0.0
    for index, (text, duration) in enumerate(zip(texts, seconds)):
        speech = speech_seconds[index] if speech_seconds is not None else None
        scenes.append(ScriptScene(text, start, start + duration, None if speech is None else start + speech))
        start += duration
    return scenes


@functools.lru_cache(maxsize=1 << 16)
def _similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b).ratio()


def _substitution_cost(a: str, b: str) -> float:
    if a == b:
        return 0.0
    # Slightly above two gaps for unrelated words, so only look-alikes are substituted.
    return 2 * _GAP_COST * (1.0 - _similarity(a, b)) + 0.01


def _join_cost(a: str, b: str) -> float:
    """Cost of aligning a joined pair of words with one word: only for near-identical spellings."""
    if _similarity(a, b) < _JOIN_MIN_SIMILARITY:
        return float("inf")
    return _substitution_cost(a, b) + _JOIN_PENALTY


def _align(script: list[str], heard: list[str]) -> list[tuple[list[int], list[int]]]:
    """Minimum-cost alignment; returns (script indices, heard indices) pairs that correspond."""
    n, m = len(script), len(heard)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i][j]
            if here == inf:
                continue
            moves = []
            if i < n and j < m:
                moves.append((1, 1, _substitution_cost(script[i], heard[j])))
            if i < n and j + 1 < m:
                moves.append((1, 2, _join_cost(script[i], heard[j] + heard[j + 1])))
            if i + 1 < n and j < m:
                moves.append((2, 1, _join_cost(script[i] + script[i + 1], heard[j])))
            if i < n:  # a script word the recogniser missed; empty tokens (e.g. "&") are free to skip
                moves.append((1, 0, _GAP_COST if script[i] else 0.0))
            if j < m:
                moves.append((0, 1, _GAP_COST))
            for di, dj, step in moves:
                if here + step < cost[i + di][j + dj]:
                    cost[i + di][j + dj] = here + step
                    back[i + di][j + dj] = (di, dj)
    pairs = []
    i, j = n, m
    while i or j:
        di, dj = back[i][j]
        if di and dj:
            pairs.append((list(range(i - di, i)), list(range(j - dj, j))))
        i, j = i - di, j - dj
    pairs.reverse()
    return pairs


def align_script(scenes: Sequence[ScriptScene], heard: Sequence[RecognisedWord]) -> list[TimedWord]:
    """Time every script word with the recognised words.

    Args:
        scenes: the script on the voiceover's timeline, in order.
        heard: recognised words with times on the same timeline.

    Returns:
        One :class:`TimedWord` per whitespace-separated script word, in order, with
        non-decreasing, non-overlapping times inside each word's scene.
    """
    tokens: list[tuple[str, int]] = [(word, index) for index, scene in enumerate(scenes) for word in scene.text.split()]
    script = [normalise_token(word) for word, _ in tokens]
    heard_tokens = [normalise_token(word.text) for word in heard]
    times: list[tuple[float, float] | None] = [None] * len(tokens)
    for script_ids, heard_ids in _align(script, heard_tokens):
        start, end = heard[heard_ids[0]].start, heard[heard_ids[-1]].end
        if len(script_ids) == 1:
            times[script_ids[0]] = (start, end)
        else:  # two script words heard as one: split its span by their lengths
            first, second = (len(tokens[k][0]) for k in script_ids)
            middle = start + (end - start) * first / (first + second)
            times[script_ids[0]], times[script_ids[1]] = (start, middle), (middle, end)
    sources = ["asr" if span is not None else "interpolated" for span in times]
    spans = _fill_gaps(tokens, times, scenes)
    return [
        TimedWord(word, start, end, scene, sources[k])  # type: ignore[arg-type]
        for k, ((word, scene), (start, end)) in enumerate(zip(tokens, spans))
    ]


def time_script_evenly(scenes: Sequence[ScriptScene]) -> list[TimedWord]:
    """Time script words without audio: each scene's words spread over its speech, by length.

    Used when there is no voiceover to recognise (captions for a music-only video).
    """
    tokens = [(word, index) for index, scene in enumerate(scenes) for word in scene.text.split()]
    spans = _fill_gaps(tokens, [None] * len(tokens), scenes)
    return [TimedWord(word, start, end, scene, "interpolated") for (word, scene), (start, end) in zip(tokens, spans)]


def _fill_gaps(
    tokens: list[tuple[str, int]], times: list[tuple[float, float] | None], scenes: Sequence[ScriptScene]
) -> list[tuple[float, float]]:
    """Clamp known spans into their scenes, make them monotonic, and interpolate the rest."""
    spans: list[tuple[float, float] | None] = list(times)
    by_scene: dict[int, list[int]] = {}
    for k, (_, scene) in enumerate(tokens):
        by_scene.setdefault(scene, []).append(k)
    for scene_index, members in by_scene.items():
        scene = scenes[scene_index]
        cursor = scene.start
        for k in members:  # clamp into the scene and keep order
            if spans[k] is not None:
                start, end = spans[k]
                start = min(max(start, cursor, scene.start), scene.end)
                end = min(max(end, start), scene.end)
                spans[k] = (start, end)
                cursor = end
        _interpolate_scene(tokens, spans, members, scene)
    return [span if span is not None else (0.0, 0.0) for span in spans]


def _speech_window_end(scene: ScriptScene, spans: list[tuple[float, float] | None], members: list[int]) -> float:
    if scene.speech_end is not None:
        return min(scene.speech_end, scene.end)
    known = [spans[k][1] for k in members if spans[k] is not None]
    return max(known) if known else scene.end


def _interpolate_scene(
    tokens: list[tuple[str, int]], spans: list[tuple[float, float] | None], members: list[int], scene: ScriptScene
) -> None:
    """Give the scene's untimed words times between their timed neighbours, by length."""
    window_end = _speech_window_end(scene, spans, members)
    position = 0
    while position < len(members):
        if spans[members[position]] is not None:
            position += 1
            continue
        run_end = position
        while run_end < len(members) and spans[members[run_end]] is None:
            run_end += 1
        first, last = position, run_end  # members[first:last] are unknown
        low = spans[members[first - 1]][1] if first > 0 else scene.start
        high = spans[members[last]][0] if last < len(members) else max(window_end, low)
        needed = _MIN_WORD_S * (last - first)
        # Too little room between the known neighbours: share their time as well.
        while high - low < needed and (first > 0 or last < len(members)):
            if first > 0:
                first -= 1
                low = spans[members[first - 1]][1] if first > 0 else scene.start
            if high - low < needed and last < len(members):
                last += 1
                high = spans[members[last]][0] if last < len(members) else max(scene.end, low)
        high = min(max(high, low), scene.end)
        weights = [len(tokens[members[k]][0]) + 1 for k in range(first, last)]
        total, cursor = sum(weights), low
        for k, weight in zip(range(first, last), weights):
            step = (high - low) * weight / total
            spans[members[k]] = (cursor, cursor + step)
            cursor += step
        position = run_end
