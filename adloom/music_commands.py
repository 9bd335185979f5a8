"""``adloom music add`` and ``adloom music list``: the marketer's own music library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from adloom.console import ConfigOption, fail_input, out, settings_or_exit

music_app = typer.Typer(no_args_is_help=True, help="Your music library: tracks an ad can play under the voice.")


@music_app.command("add")
def music_add(
    file: Annotated[Path, typer.Argument(help="An audio file you hold the rights to (mp3, wav, ogg, flac, m4a).")],
    title: Annotated[str, typer.Option("--title", help="The track's name, as you will ask for it.")],
    credit: Annotated[str, typer.Option(
        "--credit", help="Who made it and its licence, e.g. 'Vibe Ace by Kevin MacLeod, CC BY 3.0'.")],
    config: ConfigOption = None,
) -> None:
    """Add a track: the chat's brief card and "other music" at an approval gate choose from these."""
    from adloom.music import add_track
    from adloom.storage.assets import AssetStore
    from adloom.storage.database import open_database

    settings = settings_or_exit(config)
    try:
        track = add_track(open_database(settings.database_url), AssetStore(settings.data_dir), file,
                          title=title, credit=credit)
    except ValueError as exc:
        fail_input(str(exc).split("; "))
    out.print(f"added {track.title!r} ({track.duration_s:.0f} s) to your music library", highlight=False)


@music_app.command("list")
def music_list(config: ConfigOption = None) -> None:
    """The tracks in your music library."""
    from adloom.music import library
    from adloom.storage.database import open_database

    settings = settings_or_exit(config)
    tracks = library(open_database(settings.database_url))
    if not tracks:
        out.print("Your music library is empty: add a track with adloom music add FILE --title ... --credit ...",
                  highlight=False)
        return
    table = Table("title", "seconds", "credit")
    for track in tracks:
        table.add_row(track.title, f"{track.duration_s:.0f}", track.credit)
    out.print(table)
