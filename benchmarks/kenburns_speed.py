"""Encode speed of the Ken Burns backend: a 15 s 1080x1920 clip from 5 key images.

One scene per move (zoom in, pan left, parallax, zoom out, pan up), 3 s each, dips to black between them.
The key images are synthetic 1024x1536 pictures full of edges (the hard case for x264).
Prints the wall time, frames per second, and the same graph with the encoder swapped for
ffmpeg's null muxer, which shows how the time splits between motion and x264.

Usage: python benchmarks/kenburns_speed.py [--runs 2]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adloom.tools.ffmpeg import ffmpeg_exe  # noqa: E402
from adloom.tools.video import KenBurnsScene, build_kenburns_command, render_kenburns  # noqa: E402

MOVES = ["zoom_in", "pan_left", "parallax", "zoom_out", "pan_up"]


def key_image(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (1024, 1536), tuple(int(c) for c in rng.integers(0, 255, 3)))
    draw = ImageDraw.Draw(image)
    for _ in range(80):
        x, y, r = (int(v) for v in (rng.integers(0, 1024), rng.integers(0, 1536), rng.integers(10, 90)))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(int(c) for c in rng.integers(0, 255, 3)),
                     outline=(0, 0, 0), width=4)
    image.save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="adloom-bench-kenburns-"))
    scenes = [KenBurnsScene(key_image(folder / f"key{i}.png", i), 3.0, move) for i, move in enumerate(MOVES)]
    encoded, motion_only = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        result = render_kenburns(scenes, folder / "clip.mp4", width=1080, height=1920)
        encoded.append(time.perf_counter() - started)
        command, frames, _ = build_kenburns_command(scenes, folder / "unused.mp4", width=1080, height=1920)
        command = command[: command.index("-frames:v") + 2] + ["-f", "null", "-"]
        started = time.perf_counter()
        subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", *command], check=True)
        motion_only.append(time.perf_counter() - started)
    full, motion = statistics.median(encoded), statistics.median(motion_only)
    print(f"Ken Burns 15 s 1080x1920 @ 30 fps ({result.frames} frames, 5 scenes, dips)")
    print(f"  render + x264 veryfast crf 20: median {full:.2f} s = {result.frames / full:.1f} fps")
    print(f"  motion graph only (null out):  median {motion:.2f} s = {frames / motion:.1f} fps")


if __name__ == "__main__":
    main()
