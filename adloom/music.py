"""The music library: the marketer's own tracks, kept in the asset store and listed in the database.

adloom ships no music. A marketer adds tracks they hold the rights to (``adloom music
add``, or the studio's Music list), each with the credit its licence asks for; the chat's
brief card and an approval gate's "other music" choose from them (:mod:`adloom.agents.music_library`).
"""

from __future__ import annotations

from pathlib import Path

from adloom.agents.music_library import LibraryTrack
from adloom.storage import records
from adloom.storage.assets import AssetStore
from adloom.storage.database import Database
from adloom.tools.editor.inputs import require_audio

MAX_TITLE = 120
MAX_CREDIT = 300


def _track(row) -> LibraryTrack:
    return LibraryTrack(id=row.id, title=row.title, credit=row.credit, path=row.path, duration_s=row.duration_s)


def add_track(database: Database, assets: AssetStore, source: Path, *, title: str, credit: str) -> LibraryTrack:
    """Store ``source`` (an audio file) and list it in the library under ``title``.

    Raises:
        ValueError: an empty or over-long title or credit.
        tools.editor.inputs.MediaInputError: the file is missing or has no audio.
    """
    title, credit = title.strip(), credit.strip()
    problems = []
    if not title or len(title) > MAX_TITLE:
        problems.append(f"title: give the track's name, at most {MAX_TITLE} characters")
    if not credit or len(credit) > MAX_CREDIT:
        problems.append(f"credit: say who made it and its licence (e.g. 'Vibe Ace by Kevin MacLeod, CC BY 3.0', "
                        f"or 'our own recording'), at most {MAX_CREDIT} characters")
    if problems:
        raise ValueError("; ".join(problems))
    info = require_audio(Path(source), "music")
    ref = assets.put_file(Path(source), kind="audio", tool="input")
    with database.session() as session:
        return _track(records.add_music_track(session, title=title, credit=credit, path=ref.path,
                                              duration_s=info.duration_s))


def library(database: Database) -> tuple[LibraryTrack, ...]:
    """Every track, in the order added."""
    with database.session() as session:
        return tuple(_track(row) for row in records.list_music_tracks(session))
