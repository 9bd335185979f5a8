"""Bring your own media: an ad assembled from the marketer's clips, pictures, voice, subtitles and music.

:func:`build_own_media_timeline` turns the files into a :class:`~adloom.tools.editor.timeline.Timeline`
and :func:`assemble_own_media` renders it through the ``editor.assemble`` tool, the same
render engine (and asset cache) as the campaign's generated ads. The CLI
(``adloom assemble``), a brief's ``media:`` section and the API all call these.

How the files are laid out:

* Length: ``duration_s`` when given, else the voice's length, else the visuals' own total.
* Visuals play in order: the clips, then the pictures. With ``clip_seconds`` every visual
  shows that long from its start (a clip shorter than that is refused). Without it the
  length is shared out evenly; a clip with less footage than its share gives the rest to
  the others (pictures can last any time).
* Not enough footage for the length (e.g. a voice longer than all clips together): with
  ``fill="loop"`` (default) the visuals play again from the first; with ``fill="hold"``
  the last frame stays on screen. A warning says which happened.
* A clip's black opening is skipped, and text along its top or bottom edge (a watermark)
  is left out of the picture whole instead of being cut by the crop.
* Every clip is cover-fitted (scaled and centre-cropped) to the aspect. Phone videos with
  rotation metadata are turned upright first (ffmpeg applies the display matrix), clips
  at other or variable frame rates are resampled to the output's constant rate; both are
  reported as notes.
* Captions: the subtitle file when given (:mod:`adloom.tools.editor.user_captions`), else, with a
  voice, the ``subtitles.build`` tool timed by ASR word timestamps; burned in ``classic``
  or ``highlight`` style with the given font.
* Music is mixed under the voice and ducked while it speaks; the logo is a watermark.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import av
from pydantic import BaseModel, ConfigDict, Field, model_validator

from adloom.storage.assets import AssetRef
from adloom.tools.asr import transcribe_cached
from adloom.tools.context import ToolContext
from adloom.tools.editor.encoding import X264Preset
from adloom.tools.editor.inputs import (
    MediaInputError,
    is_moving_video,
    is_still_image,
    probe_input,
    require_audio,
    require_image,
)
from adloom.tools.editor.timeline import (
    ASPECT_SIZES,
    Aspect,
    LogoOverlay,
    MusicTrack,
    StillImage,
    SubtitleTrack,
    Timeline,
    VideoClip,
    VoiceTrack,
)
from adloom.tools.editor.user_captions import load_user_captions, write_caption_file
from adloom.tools.editor.tool import AssembleRequest, assemble
from adloom.tools.ffmpeg import probe
from adloom.tools.media_checks.frames import extract_frames
from adloom.tools.media_checks.ocr import read_text_boxes
from adloom.tools.scenes.screening import leading_black_s, picture_without_edge_text, sample_video
from adloom.tools.subtitles import LINE_LIMIT_BY_ASPECT, CaptionStyle
from adloom.tools.subtitles.tool import CaptionScene, SubtitlesRequest, build_subtitles

FillPolicy = Literal["loop", "hold"]
CaptionSource = Literal["file", "asr", "none"]
_DEFAULT_IMAGE_SECONDS = 3.0
# Average and nominal rates differing by more than this mark a variable-frame-rate clip.
_VFR_TOLERANCE = 0.01
_MAX_LOOPS = 200


class OwnMedia(BaseModel):
    """The marketer's files and how to cut them. Paths must exist (checked when assembling)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    clips: list[Path] = Field(default_factory=list, description="Video clips, in playing order.")
    images: list[Path] = Field(default_factory=list, description="Pictures shown after the clips.")
    voice: Path | None = Field(default=None, description="Voiceover; sets the ad's length unless duration_s does.")
    subtitles: Path | None = Field(default=None, description="SRT or WebVTT; None with a voice = captions by ASR.")
    music: Path | None = Field(default=None, description="Background music, ducked under the voice.")
    logo: Path | None = Field(default=None, description="Watermark picture (PNG with transparency works best).")
    font: Path | None = Field(default=None, description="Caption font (.ttf/.otf).")
    aspect: Aspect = "9:16"
    duration_s: float | None = Field(default=None, gt=0, le=600)
    clip_seconds: float | None = Field(default=None, gt=0, le=600, description="Seconds taken from each visual.")
    caption_style: CaptionStyle = "classic"
    auto_captions: bool = Field(default=True, description="Caption a voice by ASR when no subtitle file is given.")
    language: str | None = Field(default=None, description="Language of the voice for ASR; None = detect.")
    fill: FillPolicy = Field(default="loop", description="When the footage is shorter than the ad: loop or hold.")
    fps: float = Field(default=30.0, gt=0, le=120)
    preset: X264Preset = "veryfast"
    crf: int = Field(default=20, ge=0, le=51)

    @model_validator(mode="after")
    def _has_visuals(self) -> OwnMedia:
        if not self.clips and not self.images:
            raise ValueError("give at least one clip or image")
        return self


@dataclass(frozen=True)
class ClipFacts:
    """What matters about one clip for cutting it: length, rates and rotation."""

    path: Path
    duration_s: float
    average_fps: float
    nominal_fps: float
    rotation: int
    lead_s: float = 0.0  # a black opening, skipped
    show: tuple[float, float, float, float] | None = None  # the picture without its edge text

    @property
    def usable_s(self) -> float:
        return self.duration_s - self.lead_s

    @property
    def variable_rate(self) -> bool:
        return abs(self.average_fps - self.nominal_fps) > _VFR_TOLERANCE * self.nominal_fps


def inspect_clip(path: Path, field: str) -> ClipFacts:
    """Probe one clip, refusing anything that is not a moving video with a message naming the file.

    Raises:
        MediaInputError: missing, unreadable, audio only, a still picture, or no frames.
    """
    path = Path(path)
    info = probe_input(path, field)
    if not is_moving_video(info):
        if is_still_image(info):
            raise MediaInputError(f"{field}: {path} is a still image, not a video; pass it as an image")
        if info.audio is not None:
            raise MediaInputError(f"{field}: {path} is audio only (no moving picture); pass it as voice or music")
        raise MediaInputError(f"{field}: {path} has no video stream (format {info.format_name!r})")
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            average = float(stream.average_rate or 0) or float(stream.guessed_rate or 0)
            nominal = float(stream.base_rate or 0) or average
            first = next(container.decode(stream), None)
            rotation = int(getattr(first, "rotation", 0) or 0) if first is not None else 0
    except av.error.FFmpegError as exc:
        raise MediaInputError(f"{field}: {path}: cannot decode its video ({exc})") from exc
    if first is None:
        raise MediaInputError(f"{field}: {path} has a video stream without any frame")
    return ClipFacts(path, info.duration_s, average, nominal, rotation % 360)


def share_length(total_s: float, capacities: list[float]) -> list[float]:
    """Split ``total_s`` evenly over visuals, none getting more than its capacity.

    Short clips take all they have and the rest is shared by the others (water filling);
    when all capacities together fall short, each gets its capacity.
    """
    lengths = [0.0] * len(capacities)
    remaining = total_s
    open_ = sorted(range(len(capacities)), key=lambda index: capacities[index])
    while open_:
        share = remaining / len(open_)
        index = open_[0]
        if capacities[index] < share:
            lengths[index] = capacities[index]
            remaining -= capacities[index]
            open_.pop(0)
            continue
        for index in open_:
            lengths[index] = share
        break
    return lengths


@dataclass(frozen=True)
class OwnMediaTimeline:
    """The timeline built from the files, where the captions came from, and what was adjusted.

    Attributes:
        notes: how inputs were normalised (rotation, frame rates) - informational.
        warnings: media cut, looped, held or repaired to fit.
    """

    timeline: Timeline
    captions: CaptionSource
    subtitles_asset: AssetRef | None
    notes: list[str]
    warnings: list[str]


def _visual_lengths(
    media: OwnMedia, clips: list[ClipFacts], target_s: float | None
) -> tuple[list[float], float]:
    """Seconds shown of each visual (clips then images) and the ad's length."""
    capacities = [clip.usable_s for clip in clips] + [math.inf] * len(media.images)
    if media.clip_seconds is not None:
        tolerance = 1 / media.fps
        for index, clip in enumerate(clips):
            if clip.usable_s + tolerance < media.clip_seconds:
                raise MediaInputError(
                    f"clips[{index}]: {clip.path} lasts {clip.usable_s:.2f} s, shorter than "
                    f"clip_seconds {media.clip_seconds:g} s; use a longer clip or lower clip_seconds"
                )
        lengths = [min(media.clip_seconds, capacity) for capacity in capacities]
        return lengths, target_s if target_s is not None else sum(lengths)
    if target_s is None:
        lengths = [capacity if math.isfinite(capacity) else _DEFAULT_IMAGE_SECONDS for capacity in capacities]
        return lengths, sum(lengths)
    return share_length(target_s, capacities), target_s


def frame_clip(clip: ClipFacts, field: str, ctx: ToolContext, notes: list[str]) -> ClipFacts:
    """Skip the clip's black opening and leave text along its top or bottom edge out of the
    picture (:mod:`adloom.tools.scenes.screening`), so the ad neither opens on black nor shows a
    watermark cut in half by the crop."""
    lead = leading_black_s(sample_video(clip.path))
    if lead >= clip.duration_s - 1 / clip.nominal_fps:
        lead = 0.0  # black throughout: the marketer's choice, shown as it is
    elif lead:
        notes.append(f"{field}: {clip.path} opens on {lead:.2f} s of black: it starts after it")
    [middle] = extract_frames(clip.path, [(lead + clip.duration_s) / 2])
    lines = read_text_boxes(middle, ctx.models)
    show = picture_without_edge_text(lines)
    if show is not None:
        text = " ".join(line.text for line in lines)
        notes.append(f"{field}: text along its edge (\u201c{text[:60]}\u201d) is left out of the picture "
                     "rather than cut by the crop")
    return dataclasses.replace(clip, lead_s=lead, show=show)


def _visuals(media: OwnMedia, clips: list[ClipFacts], lengths: list[float], total_s: float,
             warnings: list[str]) -> list[VideoClip | StillImage]:
    sequence: list[VideoClip | StillImage] = [
        VideoClip(path=clip.path, start_s=clip.lead_s, end_s=round(clip.lead_s + length, 3), show=clip.show)
        for clip, length in zip(clips, lengths)
    ]
    sequence += [
        StillImage(path=image, seconds=length) for image, length in zip(media.images, lengths[len(clips):])
    ]
    footage = sum(lengths)
    shortfall = total_s - footage
    if shortfall <= 1 / media.fps:
        return sequence
    if media.fill == "hold":
        warnings.append(
            f"the visuals give {footage:.2f} s for a {total_s:.2f} s ad: the last frame is held "
            f"for {shortfall:.2f} s (fill=hold)"
        )
        return sequence
    passes = math.ceil(total_s / footage)
    if passes > _MAX_LOOPS:
        raise MediaInputError(
            f"the visuals give {footage:.2f} s for a {total_s:.2f} s ad: more than {_MAX_LOOPS} loops; "
            "give longer clips or a shorter duration"
        )
    warnings.append(
        f"the visuals give {footage:.2f} s for a {total_s:.2f} s ad: they play again from the first "
        f"({passes} passes, fill=loop)"
    )
    looped: list[VideoClip | StillImage] = []
    left = total_s
    for visual, length in zip(sequence * passes, lengths * passes):
        if left <= 1e-6:
            break
        # The last repeat is shortened so the sequence ends exactly with the ad.
        take = min(length, left)
        if isinstance(visual, VideoClip):
            looped.append(visual.model_copy(update={"end_s": visual.start_s + take}))
        else:
            looped.append(visual.model_copy(update={"seconds": take}))
        left -= take
    return looped


def _asr_captions(media: OwnMedia, ctx: ToolContext, voice: Path, size: tuple[int, int],
                  warnings: list[str]) -> tuple[SubtitleTrack | None, AssetRef | None]:
    """Captions of the voice by the ``subtitles.build`` tool, its text being what ASR heard."""
    voice_ref = ctx.assets.put_file(voice, kind="audio", tool="input", backend="upload")
    transcript, _ = transcribe_cached(ctx, voice_ref.path, audio_sha256=voice_ref.sha256, language=media.language)
    segments = [segment for segment in transcript.segments if segment.text.strip()]
    if not transcript.words or not segments:
        warnings.append(f"voice: no speech recognised in {voice}; the ad has no captions")
        return None, None
    length = probe(voice_ref.path).duration_s
    # One scene per recognised segment, end to end over the whole voice, so that no
    # caption spans two sentences.
    bounds = [0.0]
    texts = [segments[0].text.strip()]
    for segment in segments[1:]:
        if segment.start <= bounds[-1] + 0.05 or segment.start >= length - 0.05:
            texts[-1] += " " + segment.text.strip()
        else:
            bounds.append(segment.start)
            texts.append(segment.text.strip())
    bounds.append(length)
    scenes = [CaptionScene(text=text, seconds=end - start) for text, start, end in zip(texts, bounds, bounds[1:])]
    request = SubtitlesRequest(
        scenes=scenes, voiceover=voice_ref, aspect=media.aspect, styles=[media.caption_style],
        video_size=size, font_path=str(media.font) if media.font else None,
        language=media.language or transcript.language,
    )
    result = build_subtitles(request, ctx)
    ass = result.ass[media.caption_style]
    fonts_dir = Path(result.fonts_dir) if result.fonts_dir else None
    return SubtitleTrack(path=ass.path, fonts_dir=fonts_dir), ass


def _file_captions(media: OwnMedia, ctx: ToolContext, total_s: float, size: tuple[int, int],
                   warnings: list[str]) -> tuple[SubtitleTrack, AssetRef]:
    assert media.subtitles is not None
    loaded = load_user_captions(media.subtitles, total_s)
    warnings += loaded.warnings
    scratch = ctx.assets.scratch_dir()
    try:
        path = write_caption_file(
            loaded.captions, style=media.caption_style, video_size=size, out_path=scratch / "captions.ass",
            font_path=media.font, max_chars_per_line=LINE_LIMIT_BY_ASPECT[media.aspect],
        )
        ref = ctx.assets.put_file(
            path, kind="subtitles", tool="input", backend="upload", move=True,
            metadata={"style": media.caption_style, "video_size": list(size), "source": str(media.subtitles)},
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    fonts_dir = Path(media.font).parent if media.font else None
    return SubtitleTrack(path=ref.path, fonts_dir=fonts_dir), ref


def build_own_media_timeline(media: OwnMedia, ctx: ToolContext) -> OwnMediaTimeline:
    """Check every file and lay them out as a timeline (see the module docstring for the rules).

    Raises:
        MediaInputError: a file is missing or unusable; the message names the field and the file.
    """
    clips = [inspect_clip(path, f"clips[{index}]") for index, path in enumerate(media.clips)]
    for index, image in enumerate(media.images):
        require_image(image, f"images[{index}]")
    voice_s = None
    if media.voice is not None:
        voice_s = require_audio(media.voice, "voice").duration_s
    if media.music is not None:
        require_audio(media.music, "music")
    if media.logo is not None:
        require_image(media.logo, "logo")
    if media.font is not None and not Path(media.font).is_file():
        raise MediaInputError(f"font: file {media.font} does not exist")

    notes: list[str] = []
    clips = [frame_clip(clip, f"clips[{index}]", ctx, notes) for index, clip in enumerate(clips)]
    for index, clip in enumerate(clips):
        if clip.rotation:
            notes.append(f"clips[{index}]: {clip.path} is rotated {clip.rotation}°: turned upright before fitting")
        if clip.variable_rate:
            notes.append(
                f"clips[{index}]: {clip.path} has a variable frame rate (average {clip.average_fps:.2f} fps): "
                f"resampled to a constant {media.fps:g} fps"
            )
    rates = sorted({round(clip.nominal_fps, 3) for clip in clips})
    if len(rates) > 1 or (rates and rates[0] != round(media.fps, 3)):
        notes.append(f"clip frame rates {', '.join(f'{r:g}' for r in rates)} fps: all converted to {media.fps:g} fps")

    warnings: list[str] = []
    target = media.duration_s if media.duration_s is not None else voice_s
    lengths, total_s = _visual_lengths(media, clips, target)
    visuals = _visuals(media, clips, lengths, total_s, warnings)
    size = ASPECT_SIZES[media.aspect]

    subtitles: SubtitleTrack | None = None
    subtitles_asset: AssetRef | None = None
    source: CaptionSource = "none"
    if media.subtitles is not None:
        subtitles, subtitles_asset = _file_captions(media, ctx, total_s, size, warnings)
        source = "file"
    elif media.voice is not None and media.auto_captions:
        subtitles, subtitles_asset = _asr_captions(media, ctx, Path(media.voice), size, warnings)
        source = "asr" if subtitles is not None else "none"

    timeline = Timeline(
        width=size[0], height=size[1], fps=media.fps, duration_s=total_s, visuals=visuals,
        voice=VoiceTrack(path=media.voice) if media.voice is not None else None,
        music=MusicTrack(path=media.music) if media.music is not None else None,
        subtitles=subtitles,
        logo=LogoOverlay(path=media.logo) if media.logo is not None else None,
    )
    return OwnMediaTimeline(timeline, source, subtitles_asset, notes, warnings)


class OwnMediaResult(BaseModel):
    """The rendered ad and how it was made."""

    video: AssetRef
    probe: dict = Field(description="check_streams summary of the MP4.")
    captions: CaptionSource
    subtitles: AssetRef | None = Field(description="The burned-in ASS file, when there are captions.")
    notes: list[str]
    warnings: list[str]
    cached: bool


def assemble_own_media(media: OwnMedia, ctx: ToolContext, out_path: Path | None = None) -> OwnMediaResult:
    """Build the timeline and render it with the ``editor.assemble`` tool (cached by content).

    Args:
        out_path: also copy the MP4 there (atomically); None leaves it in the asset store only.

    Raises:
        MediaInputError: an input is missing or unusable (names the field and the file).
        tools.ffmpeg.FFmpegError: the encode failed.
    """
    planned = build_own_media_timeline(media, ctx)
    rendered = assemble(AssembleRequest(timeline=planned.timeline, preset=media.preset, crf=media.crf), ctx).videos[0]
    if out_path is not None:
        _copy_atomic(Path(rendered.video.path), Path(out_path))
    return OwnMediaResult(
        video=rendered.video, probe=rendered.probe, captions=planned.captions, subtitles=planned.subtitles_asset,
        notes=planned.notes, warnings=planned.warnings + [w for w in rendered.warnings if w not in planned.warnings],
        cached=rendered.cached,
    )


def _copy_atomic(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        shutil.copyfile(source, partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
