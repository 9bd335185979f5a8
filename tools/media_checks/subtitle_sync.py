"""Subtitle sync: do the captions' word times match when the words are actually heard?

The finished ad's audio is transcribed again and each caption word is paired, in order,
with the same word heard nearby (a look-alike counts: the small recogniser hears brand
names as near-misses, "Northwink" for "Northwind"; a hyphenated word may be heard as two); the mean absolute difference of their start times is
the sync error (a viewer notices from about 150 ms). Words recognition missed or got
wrong are left unpaired and counted, so a low pairing rate is visible rather than hidden.

Whisper's start time of a word that follows a pause is unreliable: it either leaves the
gap but starts the word early (by up to half a second on our voiceovers), or stretches
the word back over the whole silence (a two-syllable word "lasting" three seconds),
while its end time stays put. Such a word (after a gap, implausibly long, or the very
first one) is compared by its end time instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from adloom.tools.subtitles.align import RecognisedWord, normalise_token

SYNC_LIMIT_S = 0.150
PAUSE_S = 0.3  # a gap before a heard word from which its start time is not trusted
LONGEST_WORD_S = 1.2  # a heard word lasting longer has absorbed a pause
LOOK_ALIKE = 0.75  # spelling similarity from which a heard word counts as the caption's word
_LOOKAHEAD = 4  # heard words searched past the last paired one (insertions by the recogniser)


@dataclass(frozen=True)
class SyncReport:
    mean_offset_s: float | None
    max_offset_s: float | None
    paired: int
    caption_words: int

    @property
    def paired_share(self) -> float:
        return self.paired / self.caption_words if self.caption_words else 1.0

    def summary(self) -> dict[str, object]:
        return {
            "mean_offset_ms": None if self.mean_offset_s is None else round(self.mean_offset_s * 1000, 1),
            "max_offset_ms": None if self.max_offset_s is None else round(self.max_offset_s * 1000, 1),
            "paired_words": self.paired, "caption_words": self.caption_words,
        }


def _same_word(caption: str, heard: str) -> bool:
    return caption == heard or difflib.SequenceMatcher(None, caption, heard).ratio() >= LOOK_ALIKE


def measure_sync(captions: Sequence[RecognisedWord], heard: Sequence[RecognisedWord]) -> SyncReport:
    """Pair caption words with heard words in order and measure their start-time offsets."""
    heard_tokens = [normalise_token(word.text) for word in heard]
    offsets: list[float] = []
    next_heard = 0
    caption_count = 0
    for word in captions:
        token = normalise_token(word.text)
        if not token:
            continue
        caption_count += 1
        match: tuple[int, int] | None = None  # first and last heard word of the pair
        for i in range(next_heard, min(len(heard), next_heard + _LOOKAHEAD + 1)):
            if _same_word(token, heard_tokens[i]):
                match = (i, i)
                break
            if i + 1 < len(heard) and token == heard_tokens[i] + heard_tokens[i + 1]:
                match = (i, i + 1)
                break
        if match is None:
            continue
        first, last = heard[match[0]], heard[match[1]]
        start_unreliable = (
            match[0] == 0 or first.start - heard[match[0] - 1].end >= PAUSE_S or first.end - first.start > LONGEST_WORD_S
        )
        offsets.append(abs(last.end - word.end) if start_unreliable else abs(first.start - word.start))
        next_heard = match[1] + 1
    if not offsets:
        return SyncReport(None, None, 0, caption_count)
    return SyncReport(sum(offsets) / len(offsets), max(offsets), len(offsets), caption_count)
