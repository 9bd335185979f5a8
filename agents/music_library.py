"""The marketer's music library as the agents use it: a track named, another track, or none.

The library holds the marketer's own tracks (``adloom music add``, or the studio's Music
list), each with the credit its licence asks for; adloom ships no music. A request at an
approval gate ("other music", "use Vibe Ace", "no music") picks from it here, and the
brief's ``media.music`` and ``media.music_credit`` carry the choice to the final files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

NO_MUSIC = re.compile(r"\b(?:no|without|remove|drop|turn off)(?: the| any)? (?:background )?(?:music|song|track)\b")
MUSIC = re.compile(r"\b(?:music|song|track|tune|soundtrack)\b")
LOUDNESS = re.compile(r"\b(?:louder|quieter|volume|loudness)\b")


@dataclass(frozen=True)
class LibraryTrack:
    id: int
    title: str
    credit: str
    path: str
    duration_s: float


@dataclass(frozen=True)
class MusicChange:
    """What a request does to the music: ``track`` None means no music."""

    track: LibraryTrack | None

    def media_patch(self) -> dict[str, str | None]:
        """The brief's ``media`` fields that carry the choice."""
        if self.track is None:
            return {"music": None, "music_credit": None}
        return {"music": self.track.path, "music_credit": self.track.credit}


class NoOtherTrackError(LookupError):
    """The request wants another track and the library has none."""


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def named_track(text: str, tracks: Sequence[LibraryTrack]) -> LibraryTrack | None:
    """The track whose whole title the request says ("use Vibe Ace"), the longest title first."""
    said = f" {' '.join(_words(text))} "
    for track in sorted(tracks, key=lambda t: -len(t.title)):
        title = " ".join(_words(track.title))
        if title and f" {title} " in said:
            return track
    return None


def music_change(text: str, tracks: Sequence[LibraryTrack], current: str | None) -> MusicChange | None:
    """What ``text`` asks of the music; None when it asks nothing of the choice of track.

    Raises:
        NoOtherTrackError: it asks for another track and the library has no other.
    """
    lowered = text.lower()
    if NO_MUSIC.search(lowered):
        return MusicChange(None)
    named = named_track(text, tracks)
    if named is not None:
        return MusicChange(named)
    if LOUDNESS.search(lowered) or not MUSIC.search(lowered):  # the music's level, or not the music at all
        return None
    others = [track for track in tracks if track.path != current]
    if not others:
        raise NoOtherTrackError(
            "Your music library has no other track. Add one in the studio's Music list, or with "
            "adloom music add FILE --title TITLE --credit CREDIT, then ask again."
        )
    playing = next((i for i, track in enumerate(tracks) if track.path == current), -1)
    following = [track for track in tracks[playing + 1:] if track.path != current]
    return MusicChange((following or others)[0])
