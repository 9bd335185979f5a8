"""Our editor against one hand-written ffmpeg command rendering the same 15 s 1080x1920 ad.

The composition: four video clips from the shared test data cover-fitted to 9:16 and cut
together (3 + 4 + 4 + 4 s), a voiceover, background music ducked under it, burned-in ASS
captions and a logo watermark; x264 ``veryfast`` CRF 20 and AAC 192k for both.

Ours is :func:`adloom.tools.editor.render` end to end: probing every input, measuring the voice
and music loudness, building the graph and running ffmpeg. The hand-written command uses
the same mix gains (a person would have measured them once) and the same encoder settings.

Runs alternate (ours, hand-written, ours, ...) so that load from other work on the
machine hits both alike. Each run happens in a fresh worker process that times only the
render; the parent reads the worker's peak memory, including ffmpeg's, from ``wait4``.

Usage: python benchmarks/assembly_vs_ffmpeg.py [--runs 3] [--data /path/to/shared/data]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import render_race  # noqa: E402  (benchmarks/render_race.py, shared with assemble_own_media.py)

WIDTH, HEIGHT, FPS = 1080, 1920, 30
CLIPS = [  # (file under shared data, in point, seconds)
    ("video/moviepy/big_buck_bunny_0_30.webm", 2.0, 3.0),
    ("video/moviepy/chaplin.mp4", 1.0, 4.0),
    ("video/pyscenedetect/testvideo.mp4", 1.0, 4.0),
    ("video/moviepy/smpte-2997.mp4", 3.0, 4.0),
]
VOICE = "speech/ljspeech/LJ001-0001.wav"
MUSIC = "audio/music/Kevin_MacLeod_-_Vibe_Ace.ogg"
LOGO = "brand/logos/moviepy_logo.png"
FONTS = "brand/fonts"
CAPTIONS = ["Meet the new", "Trail Runner X", "Light as air", "Grip on any ground", "Out now", "Order today"]


def write_captions(path: Path) -> None:
    lines = [
        "[Script Info]", "ScriptType: v4.00+", f"PlayResX: {WIDTH}", f"PlayResY: {HEIGHT}",
        "ScaledBorderAndShadow: yes", "", "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
        "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
        "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        "Style: Caption,Open Sans,84,&H00FFFFFF,&H000000FF,&H00000000,&H64000000,-1,0,0,0,100,100,0,0,"
        "1,5,0,2,80,80,360,1",
        "", "[Events]", "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    for index, text in enumerate(CAPTIONS):
        start, end = index * 2.5, index * 2.5 + 2.4
        lines.append(f"Dialogue: 0,0:00:{start:05.2f},0:00:{end:05.2f},Caption,,0,0,0,,{text}")
    path.write_text("\n".join(lines) + "\n", "utf-8")


def timeline(data: Path, captions: Path):
    from adloom.tools.editor import LogoOverlay, MusicTrack, SubtitleTrack, Timeline, VideoClip, VoiceTrack

    return Timeline(
        width=WIDTH, height=HEIGHT, fps=FPS,
        visuals=[VideoClip(path=data / f, start_s=s, end_s=s + d) for f, s, d in CLIPS],
        voice=VoiceTrack(path=data / VOICE, start_s=0.5),
        music=MusicTrack(path=data / MUSIC),
        subtitles=SubtitleTrack(path=captions, fonts_dir=data / FONTS),
        logo=LogoOverlay(path=data / LOGO),
    )


def hand_written_command(data: Path, captions: Path, out: Path, voice_db: float, music_db: float) -> list[str]:
    """What an engineer would type: one ffmpeg call, one filter graph."""
    inputs: list[str] = []
    for file, start, seconds in CLIPS:
        inputs += ["-ss", str(start), "-t", str(seconds + 0.5), "-i", str(data / file)]
    inputs += ["-i", str(data / LOGO), "-i", str(data / VOICE), "-stream_loop", "-1", "-i", str(data / MUSIC)]
    video = ";".join(
        f"[{i}:v]scale={WIDTH}:{HEIGHT}:force_original_aspect_ratio=increase,crop={WIDTH}:{HEIGHT},"
        f"setsar=1,fps={FPS},trim=end_frame={round(seconds * FPS)},setpts=PTS-STARTPTS[v{i}]"
        for i, (_, _, seconds) in enumerate(CLIPS)
    )
    total = sum(seconds for _, _, seconds in CLIPS)
    fonts = data / FONTS
    graph = (
        f"{video};[v0][v1][v2][v3]concat=n=4:v=1:a=0[cat];"
        f"[4:v]scale={round(WIDTH * 0.12)}:-2,format=rgba,colorchannelmixer=aa=0.9[logo];"
        f"[cat][logo]overlay=W-w-54:115,ass={captions}:fontsdir={fonts},format=yuv420p[vout];"
        f"[5:a]aresample=48000,aformat=channel_layouts=stereo,volume={voice_db:.2f}dB,adelay=500:all=1,"
        f"apad=whole_dur={total},atrim=end={total},asplit[vmix][vkey];"
        f"[6:a]aresample=48000,aformat=channel_layouts=stereo,volume={music_db:.2f}dB,atrim=end={total},"
        f"afade=t=out:st={total - 1}:d=1[music];"
        f"{render_race.HAND_DUCKED_MIX}"
    )
    return [
        *inputs, "-filter_complex", graph, "-map", "[vout]", "-map", "[aout]",
        *render_race.HAND_OUTPUT_ARGS, str(out),
    ]


def worker(kind: str, data: Path, workdir: Path) -> None:
    """Render once and print the seconds it took (only the render is timed)."""
    from adloom.tools.editor import plan_timeline, render
    from adloom.tools.ffmpeg import ffmpeg_exe

    captions = workdir / "captions.ass"
    out = workdir / f"{kind}.mp4"
    if kind == "ours":
        started = time.perf_counter()
        render(timeline(data, captions), out)
        seconds = time.perf_counter() - started
    else:
        plan = plan_timeline(timeline(data, captions))  # the gains only, measured before the clock starts
        command = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
                   *hand_written_command(data, captions, out, plan.voice_gain_db, plan.music_gain_db)]
        started = time.perf_counter()
        subprocess.run(command, check=True)
        seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds}))


def run_worker(kind: str, data: Path, workdir: Path) -> render_race.WorkerRun:
    """Seconds and peak RSS in MiB of the worker and everything it ran."""
    return render_race.run_worker(
        [sys.executable, __file__, "--worker", kind, "--data", str(data), "--workdir", str(workdir)]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    default_data = Path(os.environ.get("ADLOOM_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--worker", choices=["ours", "hand"])
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.data, args.workdir)
        return
    workdir = Path(tempfile.mkdtemp(prefix="adloom-bench-assembly-"))
    write_captions(workdir / "captions.ass")
    result = render_race.race(("ours", "hand"), args.runs, lambda kind: run_worker(kind, args.data, workdir))
    peaks = result.peaks_mib
    ours, hand = result.median("ours"), result.median("hand")
    frames = sum(seconds for _, _, seconds in CLIPS) * FPS
    print(f"composition: 15 s {WIDTH}x{HEIGHT} @ {FPS} fps, 4 clips + voice + ducked music + ASS + logo")
    print(f"ours (tools.editor.render): median {ours:.2f} s ({frames / ours:.1f} fps), peak {peaks['ours']:.0f} MiB")
    print(f"hand-written ffmpeg:        median {hand:.2f} s ({frames / hand:.1f} fps), peak {peaks['hand']:.0f} MiB")
    print(f"ratio ours/hand: {ours / hand:.3f} (target <= 1.3)")


if __name__ == "__main__":
    main()
