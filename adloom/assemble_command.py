"""``adloom assemble``: an ad from the marketer's own clips, pictures, voice, subtitles and music.

The work is :func:`adloom.tools.editor.own_media.assemble_own_media` (the campaign editor's render
engine); this module only reads the command line or a brief's ``media:`` section.

``--clips`` and ``--images`` take several files after one flag (``--clips A.mp4 B.mov``) or
the flag repeated. Files listed after a flag without repeating it reach the command as extra
arguments; they are sorted into clips or pictures by their content, keeping their order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from pydantic import ValidationError

from adloom.console import ConfigOption, err, fail_brief, fail_input, out, progress_bar, quiet_libraries, settings_or_exit
from adloom.preflight import writable_problems
from adloom.agents.brief import Brief, BriefError, load_brief
from adloom.tools.editor.inputs import MediaInputError, is_moving_video, is_still_image, probe_input
from adloom.tools.ffmpeg import FFmpegError
from adloom.tools.image.inputs import ImageInputError, load_font

EXTRA_FILES = {"allow_extra_args": True, "ignore_unknown_options": True}
"""Context settings the command needs (so ``--clips A B`` reaches it): pass to ``app.command``."""


def sort_extra_files(extra: list[str]) -> tuple[list[Path], list[Path]]:
    """Split files given without their flag into (clips, images) by content.

    Raises:
        MediaInputError: an unknown option, a missing file, or a file that is neither.
    """
    clips: list[Path] = []
    images: list[Path] = []
    for value in extra:
        if value.startswith("-"):
            raise MediaInputError(f"no such option: {value} (see adloom assemble --help)")
        path = Path(value)
        info = probe_input(path, "clips")
        if is_still_image(info):
            images.append(path)
        elif is_moving_video(info):
            clips.append(path)
        elif info.audio is not None:
            raise MediaInputError(f"clips: {path} is audio only (no moving picture); pass it as --voice or --music")
        else:
            raise MediaInputError(f"clips: {path} is neither a video nor a picture (format {info.format_name!r})")
    return clips, images


def media_from_brief(brief: Brief) -> dict:
    """The own-media fields a brief sets (its ``media:`` section, aspect, length, brand logo and font)."""
    media = brief.media
    fields: dict = {
        "clips": [Path(p) for p in media.clips], "images": [Path(p) for p in media.images],
        "aspect": brief.aspect, "caption_style": media.caption_style, "fill": media.fill,
        "language": brief.language.split("-")[0],
    }
    if "duration_s" in brief.model_fields_set:  # else the voice sets the length, not the default 15 s
        fields["duration_s"] = brief.duration_s
    for name, value in (
        ("voice", media.voice), ("subtitles", media.subtitles), ("music", media.music),
        ("logo", media.logo or brief.brand.logo), ("font", brief.brand.font), ("clip_seconds", media.clip_seconds),
    ):
        if value is not None:
            fields[name] = Path(value) if isinstance(value, str) else value
    return fields


def _validation_lines(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(map(str, e['loc'])) or 'media'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()]


def assemble_command(
    ctx: typer.Context,
    out_path: Annotated[Path, typer.Option("--out", help="The MP4 to write.")],
    clips: Annotated[Optional[list[Path]], typer.Option("--clips", help="Video clips, in playing order.")] = None,
    images: Annotated[Optional[list[Path]], typer.Option("--images", help="Pictures shown after the clips.")] = None,
    voice: Annotated[Optional[Path], typer.Option("--voice", help="Voiceover; sets the length.")] = None,
    subtitles: Annotated[Optional[Path], typer.Option("--subtitles", help="SRT or WebVTT captions.")] = None,
    music: Annotated[Optional[Path], typer.Option("--music", help="Background music, ducked under the voice.")] = None,
    logo: Annotated[Optional[Path], typer.Option("--logo", help="Watermark picture.")] = None,
    font: Annotated[Optional[Path], typer.Option("--font", help="Caption font (.ttf/.otf).")] = None,
    aspect: Annotated[Optional[str], typer.Option("--aspect", help="9:16, 1:1, 16:9 or 4:5 (default 9:16).")] = (
        None
    ),
    duration: Annotated[
        Optional[float], typer.Option("--duration", help="Seconds (default: the voice's length).")
    ] = None,
    clip_seconds: Annotated[
        Optional[float], typer.Option("--clip-seconds", help="Seconds taken from each clip.")
    ] = None,
    caption_style: Annotated[Optional[str], typer.Option("--caption-style", help="classic or highlight.")] = None,
    fill: Annotated[
        Optional[str], typer.Option("--fill", help="Footage shorter than the ad: loop (default) or hold.")
    ] = None,
    no_captions: Annotated[
        bool, typer.Option("--no-captions", help="No ASR captions when no subtitles are given.")
    ] = False,
    brief: Annotated[
        Optional[Path], typer.Option("--brief", help="Take the media from a brief's media: section.")
    ] = None,
    preset: Annotated[str, typer.Option("--preset", help="x264 preset.")] = "veryfast",
    crf: Annotated[int, typer.Option("--crf", help="x264 quality (lower is better).")] = 20,
    config: ConfigOption = None,
) -> None:
    """Assemble an ad from your own clips, pictures, voice, subtitles and music."""
    from adloom.storage.assets import AssetStore
    from adloom.tools.context import ToolContext
    from adloom.tools.editor.own_media import OwnMedia, assemble_own_media

    quiet_libraries()
    settings = settings_or_exit(config)
    fields: dict = {}
    try:
        if brief is not None:
            fields.update(media_from_brief(load_brief(brief)))
        extra_clips, extra_images = sort_extra_files(list(ctx.args))
    except BriefError as exc:
        fail_brief(exc)
    except MediaInputError as exc:
        fail_input([str(exc)])
    if clips or extra_clips:
        fields["clips"] = [*(clips or []), *extra_clips]
    if images or extra_images:
        fields["images"] = [*(images or []), *extra_images]
    given = {
        "voice": voice, "subtitles": subtitles, "music": music, "logo": logo, "font": font, "aspect": aspect,
        "duration_s": duration, "clip_seconds": clip_seconds, "caption_style": caption_style, "fill": fill,
    }
    fields.update({name: value for name, value in given.items() if value is not None})
    if no_captions:
        fields["auto_captions"] = False
    try:
        media = OwnMedia(**fields, preset=preset, crf=crf)
    except ValidationError as exc:
        fail_input(_validation_lines(exc))
    problems = writable_problems(out_path.parent, "--out")
    if out_path.is_dir():
        problems.append(f"--out: {out_path} is a folder; name the .mp4 file to write")
    if font is not None:
        try:
            load_font("--font", font)
        except ImageInputError as exc:
            problems.append(str(exc))
    if problems:
        fail_input(problems)
    with progress_bar() as bar:
        task = bar.add_task("assembling", total=1.0)

        def report(label: str, fraction: float) -> None:
            bar.update(task, description=label, completed=fraction)

        tools = ToolContext(settings=settings, assets=AssetStore(settings.data_dir), progress=report)
        try:
            result = assemble_own_media(media, tools, out_path)
        except MediaInputError as exc:
            fail_input([str(exc)])
        except ValidationError as exc:  # a file's measured length or size outside what the editor takes
            fail_input(_validation_lines(exc))
        except FFmpegError as exc:
            err.print(f"error: rendering failed: {exc}", markup=False, highlight=False)
            raise typer.Exit(1)
    for note in result.notes:
        err.print(f"note: {note}", markup=False, highlight=False)
    for warning in result.warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False)
    probe_summary = result.probe
    out.print(f"video:    {out_path}", highlight=False)
    out.print(
        f"format:   {probe_summary['width']}x{probe_summary['height']} {probe_summary['duration_s']:.2f} s "
        f"H.264/AAC{' (cached)' if result.cached else ''}", highlight=False,
    )
    out.print(f"captions: {result.captions}" + (f" ({result.subtitles.path})" if result.subtitles else ""),
              highlight=False)
