"""``adloom assemble`` (bring your own media) against one hand-written ffmpeg filter graph.

The composition: a 15 s 1080x1920 ad from four 1280x720 clips (made here with ffmpeg from
the shared test videos, 3.75 s of each), a voiceover, an SRT with 7 cues burned in, and
background music ducked under the voice. x264 ``veryfast`` CRF 20 and AAC 192k on both sides.

adloom's side is :func:`adloom.tools.editor.own_media.assemble_own_media`, what the CLI runs, end
to end in a fresh asset store: probing every file, reading and repairing the SRT, writing
the ASS captions, measuring voice and music loudness, the render and the output's stream
check. The hand-written side is one ffmpeg command with the same cuts, the same ASS file
and the same mix gains (a person would have made and measured those once, so they are
prepared before its clock starts). Both convert the clips' colours to BT.709 while scaling
(``out_color_matrix``), so both outputs show the same colours, not just carry the same tags.

Runs alternate in fresh worker processes (see ``render_race.py``); the medians, their ratio
and the peak memory (worker plus ffmpeg) are printed.

Usage: python benchmarks/assemble_own_media.py [--runs 3] [--data /path/to/shared/data]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import render_race  # noqa: E402  (benchmarks/render_race.py)

WIDTH, HEIGHT, FPS, SECONDS = 1080, 1920, 30, 15.0
SOURCES = [  # (shared video, in point): each becomes a 5 s 1280x720 H.264 clip
    ("video/moviepy/big_buck_bunny_0_30.webm", 1.0),
    ("video/pyscenedetect/testvideo.mp4", 1.0),
    ("video/moviepy/smpte-2997.mp4", 2.0),
    ("video/moviepy/chaplin.mp4", 1.0),
]
CLIP_SOURCE_SECONDS = 5.0
VOICE = "speech/jfk.flac"
MUSIC = "audio/music/Kevin_MacLeod_-_Vibe_Ace.ogg"
FONT = "brand/fonts/OpenSans-Bold.ttf"
CUES = [
    (0.3, 2.2, "Meet the new Trail Runner X"), (2.4, 4.3, "Light as air"), (4.5, 6.4, "Grip on any ground"),
    (6.6, 8.5, "Built for long miles"), (8.7, 10.6, "Tested on real trails"), (10.8, 12.7, "Out now"),
    (12.9, 14.8, "Order today"),
]


def prepare(data: Path, workdir: Path) -> dict[str, Path]:
    """The four 1280x720 clips and the 7-cue SRT (not timed)."""
    from adloom.tools.ffmpeg import run_ffmpeg
    from adloom.tools.subtitles import Cue, write_srt

    clips = []
    for index, (source, start) in enumerate(SOURCES):
        clip = workdir / f"clip{index}.mp4"
        if not clip.exists():
            run_ffmpeg([
                "-ss", str(start), "-t", str(CLIP_SOURCE_SECONDS), "-i", str(data / source),
                "-vf", "scale=1280:720:force_original_aspect_ratio=increase,crop=1280:720,setsar=1",
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-an", str(clip),
            ])
        clips.append(clip)
    srt = workdir / "cues.srt"
    write_srt(srt, [Cue(round(a * 1000), round(b * 1000), (text,)) for a, b, text in CUES])
    return {f"clip{i}": clip for i, clip in enumerate(clips)} | {"srt": srt}


def own_media(data: Path, workdir: Path):
    from adloom.tools.editor.own_media import OwnMedia

    return OwnMedia(
        clips=[workdir / f"clip{i}.mp4" for i in range(len(SOURCES))], voice=data / VOICE, music=data / MUSIC,
        subtitles=workdir / "cues.srt", font=data / FONT, aspect="9:16", duration_s=SECONDS,
        preset="veryfast", crf=20,
    )


def _context(data_dir: Path):
    from adloom.config import Settings
    from adloom.storage.assets import AssetStore
    from adloom.tools.context import ToolContext

    settings = Settings(data_dir=data_dir)
    return ToolContext(settings=settings, assets=AssetStore(settings.data_dir))


def hand_written_command(data: Path, workdir: Path, captions: Path, out: Path, cuts: list[int],
                         voice_db: float, music_db: float) -> list[str]:
    """What an engineer would type: one ffmpeg call, one filter graph."""
    inputs: list[str] = []
    for index, frames in enumerate(cuts):
        inputs += ["-t", f"{frames / FPS + 0.5:.3f}", "-i", str(workdir / f"clip{index}.mp4")]
    inputs += ["-i", str(data / VOICE), "-stream_loop", "-1", "-i", str(data / MUSIC)]
    voice_input, music_input = len(cuts), len(cuts) + 1
    video = ";".join(
        f"[{i}:v]scale={WIDTH}:{HEIGHT}:force_original_aspect_ratio=increase:out_color_matrix=bt709"
        f":out_range=tv,crop={WIDTH}:{HEIGHT},"
        f"setsar=1,fps={FPS},trim=end_frame={frames},setpts=PTS-STARTPTS[v{i}]"
        for i, frames in enumerate(cuts)
    )
    labels = "".join(f"[v{i}]" for i in range(len(cuts)))
    fonts = data / FONT
    graph = (
        f"{video};{labels}concat=n={len(cuts)}:v=1:a=0,"
        "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv,"
        f"ass={captions}:fontsdir={fonts.parent},format=yuv420p[vout];"
        f"[{voice_input}:a]aresample=48000,aformat=channel_layouts=stereo,volume={voice_db:.2f}dB,"
        f"apad=whole_dur={SECONDS},atrim=end={SECONDS},asplit[vmix][vkey];"
        f"[{music_input}:a]aresample=48000,aformat=channel_layouts=stereo,volume={music_db:.2f}dB,"
        f"atrim=end={SECONDS},afade=t=out:st={SECONDS - 1}:d=1[music];"
        f"{render_race.HAND_DUCKED_MIX}"
    )
    return [
        *inputs, "-filter_complex", graph, "-map", "[vout]", "-map", "[aout]", "-frames:v", str(sum(cuts)),
        *render_race.HAND_OUTPUT_ARGS, str(out),
    ]


def worker(kind: str, data: Path, workdir: Path) -> None:
    """Render once and print the seconds it took (only the assembly is timed)."""
    from adloom.tools.editor.own_media import assemble_own_media, build_own_media_timeline
    from adloom.tools.editor.render import plan_timeline
    from adloom.tools.ffmpeg import ffmpeg_exe
    from adloom.tools.media_checks import check_streams

    out = workdir / f"{kind}.mp4"
    with tempfile.TemporaryDirectory(prefix="store-", dir=workdir) as store:
        ctx = _context(Path(store))  # a fresh asset store: no cached render to find
        clock = render_race.Stopwatch()
        if kind == "adloom":
            clock.start()
            result = assemble_own_media(own_media(data, workdir), ctx, out)
            timing = clock.report()
            if result.probe["problems"]:
                raise SystemExit(f"adloom output has problems: {result.probe['problems']}")
        else:
            planned = build_own_media_timeline(own_media(data, workdir), ctx)
            plan = plan_timeline(planned.timeline)
            assert planned.timeline.subtitles is not None
            cuts = [visual.frames for visual in plan.visuals]
            command = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *hand_written_command(
                data, workdir, Path(planned.timeline.subtitles.path), out, cuts,
                plan.voice_gain_db, plan.music_gain_db,
            )]
            clock.start()
            subprocess.run(command, check=True)
            timing = clock.report()
            report = check_streams(out, (WIDTH, HEIGHT), SECONDS)
            if report.problems:
                raise SystemExit(f"hand-written output has problems: {report.problems}")
    print(timing)


def picture_difference(workdir: Path) -> float:
    """Mean absolute grey-level difference of the two outputs at three times (0 = identical)."""
    import numpy as np

    from adloom.tools.media_checks import extract_frames

    times = [2.0, 7.0, 12.0]
    ours, hand = (extract_frames(workdir / f"{kind}.mp4", times) for kind in ("adloom", "ffmpeg"))
    return float(np.mean([
        np.abs(np.asarray(a.convert("L"), np.float32) - np.asarray(b.convert("L"), np.float32)).mean()
        for a, b in zip(ours, hand)
    ]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    default_data = Path(os.environ.get("ADLOOM_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--worker", choices=["adloom", "ffmpeg"])
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.data, args.workdir)
        return
    workdir = Path(tempfile.mkdtemp(prefix="adloom-bench-own-media-"))
    prepare(args.data, workdir)

    def run_one(kind: str) -> render_race.WorkerRun:
        return render_race.run_worker(
            [sys.executable, __file__, "--worker", kind, "--data", str(args.data), "--workdir", str(workdir)]
        )

    result = render_race.race(("adloom", "ffmpeg"), args.runs, run_one)
    ours, hand = result.median("adloom"), result.median("ffmpeg")
    frames = SECONDS * FPS
    print(f"composition: {SECONDS:g} s {WIDTH}x{HEIGHT} @ {FPS} fps from 4 1280x720 clips, voice, "
          f"SRT ({len(CUES)} cues) burned in, ducked music; x264 veryfast crf 20")
    print(f"adloom assemble:     median {ours:.2f} s ({frames / ours:.1f} fps), "
          f"peak {result.peaks_mib['adloom']:.0f} MiB")
    print(f"hand-written ffmpeg: median {hand:.2f} s ({frames / hand:.1f} fps), "
          f"peak {result.peaks_mib['ffmpeg']:.0f} MiB")
    print(f"ratio adloom/ffmpeg: {ours / hand:.3f} wall (target <= 1.1)")
    print(f"same picture: mean |adloom - ffmpeg| at 2/7/12 s = {picture_difference(workdir):.2f} (of 255)")
    cpu_ours, cpu_hand = result.median_cpu("adloom"), result.median_cpu("ffmpeg")
    if cpu_ours and cpu_hand:
        print(f"cpu seconds: adloom {cpu_ours:.2f}, ffmpeg {cpu_hand:.2f}, ratio {cpu_ours / cpu_hand:.3f}")


if __name__ == "__main__":
    main()
