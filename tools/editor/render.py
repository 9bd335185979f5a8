"""Rendering a :class:`~adloom.tools.editor.timeline.Timeline`: one ffmpeg command, one filter graph.

Every input is decoded once; for several aspects the decoded pictures are ``split`` and
cover-fitted per output, the audio is mixed once and ``asplit`` to each output, and all
outputs are encoded by the same ffmpeg process. Nothing runs per frame in Python.

Before the render, inputs are probed (a wrong file fails at once, naming its field) and
the voice and music are measured (EBU R128) so that the mix uses fixed gains: the voice
lands on the loudness target and the music ``gain_db`` under it, without the pumping of a
dynamic normaliser. A sidechain compressor keyed by the voice ducks the music while the
voice speaks; a limiter keeps true peaks under -1.5 dBFS.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

from adloom.tools.context import ProgressCallback, ignore_progress
from adloom.tools.editor.encoding import (
    AUDIO_SAMPLE_RATE,
    MP4_ARGS,
    TAG_BT709,
    EncodeSettings,
    X264Preset,
    aac_audio_args,
    format_number,
    h264_video_args,
)
from adloom.tools.editor.inputs import MediaInputError, require_audio, require_image, require_video
from adloom.tools.editor.timeline import (
    ASPECT_SIZES,
    Aspect,
    EndCard,
    LogoOverlay,
    StillImage,
    SubtitleTrack,
    Timeline,
    VideoClip,
)
from adloom.tools.editor.timing import frame_boundaries, frame_count
from adloom.tools.ffmpeg import escape_filter_value, run_ffmpeg
from adloom.tools.image.frame_zones import safe_area
from adloom.tools.tts.loudness import measure as measure_r128

TRUE_PEAK_LIMIT_DBFS = -1.5
_SILENCE_LUFS = -70.0
# The voice after gain sits near the loudness target (RMS around -17 dBFS); a threshold
# at -30 dBFS means speech engages the compressor fully and pauses release it.
_DUCK_THRESHOLD = 0.03
_DUCK_ATTACK_MS = 15
_DUCK_RELEASE_MS = 350


@dataclass(frozen=True)
class OutputView:
    """One output file of a render: its size, its subtitles and where it goes."""

    width: int
    height: int
    path: Path
    subtitles: SubtitleTrack | None = None
    end_card: Path | None = None  # this view's own end card; None: the timeline's
    clips: tuple[Path | None, ...] = ()  # per visual, this view's own file (VideoClip.by_aspect); None: the timeline's


@dataclass(frozen=True)
class RenderResult:
    """One rendered MP4 and what went into it.

    Attributes:
        warnings: media cut or held to fit the timeline (e.g. a voice longer than the video).
    """

    path: Path
    width: int
    height: int
    fps: float
    frames: int
    warnings: tuple[str, ...] = ()

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps


@dataclass(frozen=True)
class PlannedVisual:
    """A visual with its frame count on the output timeline and its source frame rate."""

    visual: VideoClip | StillImage
    frames: int
    source_fps: float | None


@dataclass(frozen=True)
class TimelinePlan:
    """A timeline resolved against its probed inputs: frame and sample counts, gains, warnings."""

    visuals: list[PlannedVisual]
    main_frames: int
    end_frames: int
    samples: int
    voice_gain_db: float
    music_gain_db: float
    warnings: list[str] = field(default_factory=list)

    @property
    def total_frames(self) -> int:
        return self.main_frames + self.end_frames


def _loudness(path: Path) -> float | None:
    value = measure_r128(path).integrated_lufs
    return None if value <= _SILENCE_LUFS or math.isinf(value) else value


def plan_timeline(timeline: Timeline) -> TimelinePlan:
    """Probe and measure every input, and lay the visuals out in frames.

    Raises:
        MediaInputError: a file is missing or of the wrong kind (the message names the field
            and the file), or a clip's in/out points lie outside the file.
    """
    fps = timeline.fps
    seconds: list[float] = []
    rates: list[float | None] = []
    for index, visual in enumerate(timeline.visuals):
        name = f"visuals[{index}].path"
        if isinstance(visual, VideoClip):
            info = require_video(visual.path, name)
            end = visual.end_s if visual.end_s is not None else info.duration_s
            if visual.start_s >= info.duration_s or end > info.duration_s + 1 / fps:
                raise MediaInputError(
                    f"visuals[{index}]: {visual.path} lasts {info.duration_s:.3f} s; "
                    f"the clip {visual.start_s}-{end} s does not fit in it"
                )
            seconds.append(end - visual.start_s)
            assert info.video is not None
            rates.append(float(info.video.frame_rate) if info.video.frame_rate else None)
        else:
            require_image(visual.path, name)
            seconds.append(visual.seconds)
            rates.append(None)
    end_card_s = 0.0
    if timeline.end_card is not None:
        require_image(timeline.end_card.path, "end_card.path")
        end_card_s = timeline.end_card.seconds
    if timeline.logo is not None:
        require_image(timeline.logo.path, "logo.path")
    if timeline.subtitles is not None:
        _check_subtitles(timeline.subtitles, "subtitles")

    visuals_s = sum(seconds)
    total_s = timeline.duration_s if timeline.duration_s is not None else visuals_s + end_card_s
    total_frames = frame_count(total_s, fps)
    end_frames = frame_count(end_card_s, fps)
    main_frames = total_frames - end_frames
    if main_frames < 1:
        raise ValueError(f"the timeline leaves no frame for the visuals at {fps} fps (duration {total_s} s)")
    warnings: list[str] = []
    cuts = frame_boundaries(seconds, fps)
    planned: list[PlannedVisual] = []
    for index, (visual, rate, start, end) in enumerate(zip(timeline.visuals, rates, cuts, cuts[1:])):
        if start >= main_frames:
            break
        if end == start:
            warnings.append(f"visuals[{index}] is shorter than one frame at {fps} fps: left out")
            continue
        planned.append(PlannedVisual(visual, min(end, main_frames) - start, rate))
    if not planned:
        raise ValueError(f"no visual lasts at least one frame at {fps} fps")
    if cuts[-1] > main_frames:
        warnings.append(
            f"visuals last {cuts[-1] / fps:.2f} s, longer than the {main_frames / fps:.2f} s "
            "before the end card/end: cut there"
        )
    elif cuts[-1] < main_frames:
        last = planned[-1]
        planned[-1] = PlannedVisual(last.visual, last.frames + main_frames - cuts[-1], last.source_fps)
        warnings.append(
            f"visuals end at {cuts[-1] / fps:.2f} s; the last one holds its final frame "
            f"until {main_frames / fps:.2f} s"
        )

    samples = int(round(total_frames / fps * AUDIO_SAMPLE_RATE))
    voice_gain = music_gain = 0.0
    target = timeline.loudness_lufs
    voice_info = require_audio(timeline.voice.path, "voice.path") if timeline.voice is not None else None
    music_info = require_audio(timeline.music.path, "music.path") if timeline.music is not None else None
    # Each measurement is one ffmpeg decode of a whole file; running them side by side
    # takes the longer one's time instead of the sum.
    to_measure = [part.path for part in (timeline.voice, timeline.music) if part is not None and target is not None]
    with ThreadPoolExecutor(max_workers=2) as pool:
        measured = dict(zip(to_measure, pool.map(_loudness, to_measure)))
    if timeline.voice is not None and voice_info is not None:
        info = voice_info
        voice_gain = timeline.voice.gain_db
        if info.duration_s + timeline.voice.start_s > samples / AUDIO_SAMPLE_RATE + 1 / fps:
            warnings.append(
                f"voice {timeline.voice.path} ends at {info.duration_s + timeline.voice.start_s:.2f} s, "
                f"after the {samples / AUDIO_SAMPLE_RATE:.2f} s timeline: cut there"
            )
        loudness = measured.get(timeline.voice.path)
        if target is not None and loudness is not None:
            voice_gain += target - loudness
    if timeline.music is not None and music_info is not None:
        info = music_info
        if timeline.music.offset_s >= info.duration_s:
            raise MediaInputError(
                f"music.offset_s: {timeline.music.path} lasts {info.duration_s:.2f} s, "
                f"offset {timeline.music.offset_s} s is past its end"
            )
        music_gain = timeline.music.gain_db
        loudness = measured.get(timeline.music.path)
        if target is not None and loudness is not None:
            music_gain += target - loudness
            if timeline.voice is None:
                # Without a voice the music is the programme: it goes to the target itself.
                music_gain -= timeline.music.gain_db
    return TimelinePlan(planned, main_frames, end_frames, samples, voice_gain, music_gain, warnings)


def _check_subtitles(track: SubtitleTrack, name: str) -> None:
    if not Path(track.path).is_file():
        raise MediaInputError(f"{name}.path: subtitle file {track.path} does not exist")
    head = Path(track.path).read_text("utf-8-sig", errors="replace")[:4096]
    if "[Script Info]" not in head:
        raise MediaInputError(f"{name}.path: {track.path} is not an ASS file (no [Script Info] section)")
    if track.fonts_dir is not None and not Path(track.fonts_dir).is_dir():
        raise MediaInputError(f"{name}.fonts_dir: {track.fonts_dir} is not a folder")


class _Graph:
    """Inputs and filter chains of the command being built."""

    def __init__(self) -> None:
        self.input_args: list[str] = []
        self.chains: list[str] = []
        self._inputs = 0

    def add_input(self, path: Path, *options: str) -> int:
        self.input_args += [*options, "-i", str(path)]
        self._inputs += 1
        return self._inputs - 1

    def add(self, chain: str) -> None:
        self.chains.append(chain)

    def fan_out(self, source: str, label: str, count: int, *, audio: bool = False) -> list[str]:
        """Labels of ``count`` copies of stream ``source`` (no split needed for one)."""
        if count == 1:
            return [source]
        names = [f"{label}_{k}" for k in range(count)]
        split = "asplit" if audio else "split"
        self.add(f"[{source}]{split}={count}" + "".join(f"[{name}]" for name in names))
        return names


def view_clips(timeline: Timeline, sized: Timeline) -> tuple[Path | None, ...]:
    """Per visual of ``timeline``, the file ``sized`` (its :meth:`Timeline.for_aspect`) shows
    instead, or None where it shows the same."""
    return tuple(None if getattr(own, "path", None) == getattr(base, "path", None) else Path(own.path)  # type: ignore[union-attr]
                 for base, own in zip(timeline.visuals, sized.visuals))


def _fit(width: int, height: int, fit: str, background: str = "black") -> str:
    """Scale to cover (crop the overflow) or contain (pad) a width x height frame, to BT.709 yuv420p."""
    mode = "increase" if fit == "cover" else "decrease"
    scaled = (
        f"scale={width}:{height}:force_original_aspect_ratio={mode}"
        ":out_color_matrix=bt709:out_range=tv,format=yuv420p"
    )
    if fit == "cover":
        return f"{scaled},crop={width}:{height},setsar=1"
    return f"{scaled},pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color={background},setsar=1"


def _hold(frames: int, time_base: str) -> str:
    """Repeat one decoded picture for ``frames`` frames on a constant-rate clock."""
    return f"loop=loop={frames - 1}:size=1:start=0,settb={time_base},setpts=N"


def _logo_chain(logo: LogoOverlay, width: int, height: int) -> tuple[str, str]:
    """(filters for the logo picture, overlay position) for one output size."""
    logo_w = max(2, 2 * round(width * logo.width_fraction / 2))
    margin_x = round(width * logo.margin_x_fraction)
    margin_y = round(height * logo.margin_y_fraction)
    aspect = next((name for name, (w, h) in ASPECT_SIZES.items() if w * height == h * width), None)
    if aspect is not None:
        # Never under the platform's UI: at least as far in as the aspect's safe area (the
        # 9:16 account bar, action rail and caption zone).
        safe = safe_area(aspect, width, height)
        margin_x = max(margin_x, safe.x0, width - safe.x1)
        margin_y = max(margin_y, safe.y0 if logo.corner.startswith("top") else height - safe.y1)
    x = f"{margin_x}" if logo.corner.endswith("left") else f"W-w-{margin_x}"
    y = f"{margin_y}" if logo.corner.startswith("top") else f"H-h-{margin_y}"
    filters = (
        f"scale={logo_w}:-2:flags=lanczos,format=rgba,colorchannelmixer=aa={logo.opacity:.3f}"
        ",scale=out_color_matrix=bt709:out_range=tv,format=yuva420p"
    )
    return filters, f"x={x}:y={y}"


def _add_video(graph: _Graph, timeline: Timeline, plan: TimelinePlan, views: Sequence[OutputView]) -> list[str]:
    """Add the picture of every view; returns each view's final video label."""
    fps = timeline.fps
    time_base = str(1 / Fraction(fps).limit_denominator(1001))
    rate = format_number(fps)
    count = len(views)
    segments: list[list[str]] = [[] for _ in views]
    for index, planned in enumerate(plan.visuals):
        visual = planned.visual
        if isinstance(visual, VideoClip):
            # Read a little more than needed; tpad below holds the last frame if the file ends early.
            read_s = planned.frames / fps + 0.5
            if visual.end_s is not None and visual.end_s - visual.start_s < planned.frames / fps:
                # The clip is held past its out point: read no further, so the held frame is
                # the out point's and not later footage of the file.
                read_s = visual.end_s - visual.start_s
            # Views showing the same file share one decode; a view with its own file (the scene
            # composed for its aspect) gets its own.
            files = [Path(view.clips[index]) if index < len(view.clips) and view.clips[index] else Path(visual.path)
                     for view in views]
            # Drop surplus frames before scaling when the source runs faster than the output.
            fps_first = planned.source_fps is not None and planned.source_fps > fps
            prefix = "setpts=PTS-STARTPTS" + (f",fps={rate}" if fps_first else "")
            if visual.show is not None:
                left, top, right, bottom = visual.show
                prefix += f",crop=iw*{right - left:.4f}:ih*{bottom - top:.4f}:iw*{left:.4f}:ih*{top:.4f}"
            late_fps = "" if fps_first else f",fps={rate}"
            for number, file in enumerate(dict.fromkeys(files)):
                showing = [k for k, shown in enumerate(files) if shown == file]
                source = graph.add_input(file, "-ss", format_number(visual.start_s), "-t", format_number(read_s))
                graph.add(f"[{source}:v]{prefix}[vin{index}_{number}]")
                labels = graph.fan_out(f"vin{index}_{number}", f"vin{index}_{number}", len(showing))
                for k, label in zip(showing, labels):
                    out = f"seg{index}v{k}"
                    graph.add(
                        f"[{label}]{_fit(views[k].width, views[k].height, 'cover')}{late_fps}"
                        f",tpad=stop=-1:stop_mode=clone,trim=end_frame={planned.frames}[{out}]"
                    )
                    segments[k].append(out)
        else:
            source = graph.add_input(visual.path)
            for k, (view, label) in enumerate(zip(views, graph.fan_out(f"{source}:v", f"img{index}", count))):
                out = f"seg{index}v{k}"
                graph.add(
                    f"[{label}]{_fit(view.width, view.height, visual.fit)},{_hold(planned.frames, time_base)}[{out}]"
                )
                segments[k].append(out)

    logo_labels: list[str] = []
    if timeline.logo is not None:
        logo_input = graph.add_input(timeline.logo.path)
        logo_labels = graph.fan_out(f"{logo_input}:v", "logo", count)
    end_labels: list[str] = []
    if timeline.end_card is not None and plan.end_frames > 0:
        # Each view's card, each card file decoded once and split between the views showing it.
        cards = [Path(view.end_card or timeline.end_card.path) for view in views]
        end_labels = [""] * count
        for number, card_path in enumerate(dict.fromkeys(cards)):
            showing = [k for k, path in enumerate(cards) if path == card_path]
            end_input = graph.add_input(card_path)
            for k, label in zip(showing, graph.fan_out(f"{end_input}:v", f"endcard{number}", len(showing))):
                end_labels[k] = label

    finals = []
    for k, view in enumerate(views):
        names = segments[k]
        current = names[0]
        if len(names) > 1:
            current = f"main{k}"
            graph.add("".join(f"[{name}]" for name in names) + f"concat=n={len(names)}:v=1:a=0[{current}]")
        if timeline.logo is not None:
            filters, position = _logo_chain(timeline.logo, view.width, view.height)
            graph.add(f"[{logo_labels[k]}]{filters}[logo{k}]")
            graph.add(f"[{current}][logo{k}]overlay={position}:format=yuv420[branded{k}]")
            current = f"branded{k}"
        if view.subtitles is not None:
            # Burned before the end card is joined: the card carries its own CTA and headline,
            # and a caption over them would hide both.
            captions = f"ass=filename={escape_filter_value(str(view.subtitles.path))}"
            if view.subtitles.fonts_dir is not None:
                captions += f":fontsdir={escape_filter_value(str(view.subtitles.fonts_dir))}"
            graph.add(f"[{current}]{captions}[captioned{k}]")
            current = f"captioned{k}"
        if end_labels:
            card: EndCard = timeline.end_card  # type: ignore[assignment]
            graph.add(
                f"[{end_labels[k]}]{_fit(view.width, view.height, card.fit, card.background)}"
                f",{_hold(plan.end_frames, time_base)}[card{k}]"
            )
            graph.add(f"[{current}][card{k}]concat=n=2:v=1:a=0[full{k}]")
            current = f"full{k}"
        graph.add(f"[{current}]{TAG_BT709},format=yuv420p[vout{k}]")
        finals.append(f"vout{k}")
    return finals


def _add_audio(graph: _Graph, timeline: Timeline, plan: TimelinePlan, count: int) -> list[str]:
    """Add the mixed soundtrack, split once per view; returns the labels."""
    samples = plan.samples
    total_s = samples / AUDIO_SAMPLE_RATE
    to_stereo = f"aresample={AUDIO_SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo"
    voice = music = None
    if timeline.voice is not None:
        source = graph.add_input(timeline.voice.path)
        delay = ""
        if timeline.voice.start_s > 0:
            delay = f",adelay=delays={round(timeline.voice.start_s * 1000)}:all=1"
        graph.add(
            f"[{source}:a]asetpts=PTS-STARTPTS,{to_stereo},volume={plan.voice_gain_db:.2f}dB{delay}"
            f",apad=whole_len={samples},atrim=end_sample={samples}[voice]"
        )
        voice = "voice"
    if timeline.music is not None:
        music_track = timeline.music
        source = graph.add_input(
            music_track.path, "-stream_loop", "-1", "-ss", format_number(music_track.offset_s)
        )
        fade = ""
        if music_track.fade_out_s > 0:
            fade_s = min(music_track.fade_out_s, total_s)
            fade = f",afade=t=out:st={format_number(total_s - fade_s)}:d={format_number(fade_s)}"
        graph.add(
            f"[{source}:a]asetpts=PTS-STARTPTS,{to_stereo},volume={plan.music_gain_db:.2f}dB"
            f",atrim=end_sample={samples},asetpts=N/SR/TB{fade}[music]"
        )
        music = "music"
    limit = 10 ** (TRUE_PEAK_LIMIT_DBFS / 20)
    limiter = f"alimiter=limit={limit:.4f}:level=false:latency=true"
    if voice and music:
        if timeline.music is not None and timeline.music.duck:
            graph.add("[voice]asplit=2[voice_mix][voice_key]")
            graph.add(
                f"[music][voice_key]sidechaincompress=threshold={_DUCK_THRESHOLD}"
                f":ratio={timeline.music.duck_ratio}:attack={_DUCK_ATTACK_MS}"
                f":release={_DUCK_RELEASE_MS}[ducked]"
            )
            voice, music = "voice_mix", "ducked"
        graph.add(
            f"[{voice}][{music}]amix=inputs=2:duration=first:normalize=0:dropout_transition=0"
            f",{limiter},atrim=end_sample={samples}[mix]"
        )
    elif voice or music:
        graph.add(f"[{voice or music}]{limiter},atrim=end_sample={samples}[mix]")
    else:
        graph.add(f"anullsrc=r={AUDIO_SAMPLE_RATE}:cl=stereo,atrim=end_sample={samples}[mix]")
    return graph.fan_out("mix", "aout", count, audio=True)


def build_render_command(
    timeline: Timeline,
    views: Sequence[OutputView],
    plan: TimelinePlan,
    encode: EncodeSettings = EncodeSettings(),
) -> list[str]:
    """The arguments of the one ffmpeg command rendering ``views`` of ``timeline``."""
    if not views:
        raise ValueError("at least one output view is needed")
    graph = _Graph()
    video_labels = _add_video(graph, timeline, plan, views)
    audio_labels = _add_audio(graph, timeline, plan, len(views))
    args = [*graph.input_args, "-filter_complex", ";".join(graph.chains)]
    for view, video, audio in zip(views, video_labels, audio_labels):
        args += [
            "-map", f"[{video}]", "-map", f"[{audio}]", "-frames:v", str(plan.total_frames),
            *h264_video_args(encode, timeline.fps), *aac_audio_args(encode), *MP4_ARGS, str(view.path),
        ]
    return args


def render_views(
    timeline: Timeline,
    views: Sequence[OutputView],
    *,
    preset: X264Preset = "veryfast",
    crf: int = 20,
    progress: ProgressCallback = ignore_progress,
) -> list[RenderResult]:
    """Render ``timeline`` into every view (size, subtitles, path) with one ffmpeg run.

    :func:`render` and :func:`render_aspects` are the usual entry points; this is the
    general form they share.

    Raises:
        MediaInputError: an input file is missing or the wrong kind of media (names it).
        tools.ffmpeg.FFmpegError: the encode failed.
    """
    encode = EncodeSettings(preset=preset, crf=crf)
    for index, view in enumerate(views):
        if view.width % 2 or view.height % 2:
            raise ValueError(f"output {view.path}: size must be even, got {view.width}x{view.height}")
        if view.subtitles is not None:
            _check_subtitles(view.subtitles, f"subtitles[{index}]")
        Path(view.path).parent.mkdir(parents=True, exist_ok=True)
    plan = plan_timeline(timeline)
    # ffmpeg writes to temporary names that are renamed when the encode succeeded, so a
    # failed or interrupted render never leaves a half-written file under the final name.
    staged = [replace(v, path=Path(v.path).with_name(f".{Path(v.path).name}.partial.mp4")) for v in views]
    args = build_render_command(timeline, staged, plan, encode)
    try:
        run_ffmpeg(args, expected_seconds=plan.total_frames / timeline.fps, progress=progress, label="encoding the video")
        for temporary, view in zip(staged, views):
            temporary.path.replace(view.path)
    finally:
        for temporary in staged:
            temporary.path.unlink(missing_ok=True)
    return [
        RenderResult(Path(v.path), v.width, v.height, timeline.fps, plan.total_frames, tuple(plan.warnings))
        for v in views
    ]


def render(
    timeline: Timeline,
    out_path: Path,
    *,
    preset: X264Preset = "veryfast",
    crf: int = 20,
    progress: ProgressCallback = ignore_progress,
) -> RenderResult:
    """Render ``timeline`` at its own size into ``out_path`` (H.264 + AAC MP4, faststart, BT.709).

    Raises:
        MediaInputError: an input file is missing or the wrong kind of media (names it).
        tools.ffmpeg.FFmpegError: the encode failed.
    """
    view = OutputView(timeline.width, timeline.height, Path(out_path), timeline.subtitles)
    return render_views(timeline, [view], preset=preset, crf=crf, progress=progress)[0]


def render_aspects(
    timeline: Timeline,
    outputs: Mapping[Aspect, Path],
    *,
    subtitles: Mapping[Aspect, SubtitleTrack] | None = None,
    preset: X264Preset = "veryfast",
    crf: int = 20,
    progress: ProgressCallback = ignore_progress,
) -> dict[Aspect, RenderResult]:
    """Render one timeline at several aspects in a single ffmpeg run (inputs decoded once).

    Every visual is cover-fitted per aspect (sizes from
    :data:`~adloom.tools.aspects.ASPECT_SIZES`); the logo is sized and placed per aspect.

    Args:
        outputs: aspect -> output file, e.g. ``{"9:16": a, "1:1": b, "16:9": c}``.
        subtitles: an ASS file per aspect (laid out for that frame); aspects without one use
            ``timeline.subtitles``.
    """
    views = []
    for aspect, path in outputs.items():
        sized = timeline.for_aspect(aspect, subtitles=(subtitles or {}).get(aspect))
        views.append(OutputView(sized.width, sized.height, Path(path), sized.subtitles,
                                Path(sized.end_card.path) if sized.end_card else None, view_clips(timeline, sized)))
    results = render_views(timeline, views, preset=preset, crf=crf, progress=progress)
    return dict(zip(outputs, results))
