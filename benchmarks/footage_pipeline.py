"""Footage mode speed on the shared footage: scene detection, clip frames, description, segmentation.

Prints seconds per step (and per second of footage); run with the shared data beside the repo
or ADLOOM_SHARED_DATA set::

    python benchmarks/footage_pipeline.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from adloom.config import Settings  # noqa: E402
from adloom.storage.assets import AssetStore, sha256_file  # noqa: E402
from adloom.tools.context import ToolContext  # noqa: E402
from adloom.tools.scenes import detect_clips, inspect_video, represent_clip  # noqa: E402
from adloom.tools.subtitles.unit_segmentation import segment_text  # noqa: E402
from adloom.tools.vision import describe_clips  # noqa: E402
from adloom.tools.vision.description import ClipInput  # noqa: E402

FOOTAGE = (
    "video/pyscenedetect/testvideo.mp4",
    "video/moviepy/big_buck_bunny_0_30.webm",
    "video/pyscenedetect/fades.mp4",
    "video/moviepy/chaplin.mp4",
)


def main() -> int:
    data = Path(os.environ.get("ADLOOM_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    if not (data / "video").is_dir():
        print(f"shared data not found at {data} (set ADLOOM_SHARED_DATA)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder))
        ctx = ToolContext(settings=settings, assets=AssetStore(settings.data_dir))
        inputs: list[ClipInput] = []
        print(f"{'video':<28} {'length s':>8} {'clips':>5} {'detect s':>8} {'x realtime':>10} {'frames s':>8}")
        for number, relative in enumerate(FOOTAGE, start=1):
            source = inspect_video(data / relative)
            started = time.perf_counter()
            clips = detect_clips(source.path, video_index=number)
            detect_s = time.perf_counter() - started
            sha = sha256_file(Path(source.path))
            started = time.perf_counter()
            for clip in clips:
                frames = represent_clip(clip, source.fps, ctx.assets, source_sha256=sha)
                inputs.append(ClipInput(
                    clip_id=clip.clip_id, source=source.path, source_sha256=sha, start_s=clip.start_s,
                    end_s=clip.end_s, has_audio=source.has_audio, spatial=frames.spatial, temporal=list(frames.temporal),
                ))
            frames_s = time.perf_counter() - started
            print(f"{Path(relative).name:<28} {source.duration_s:>8.1f} {len(clips):>5} {detect_s:>8.2f} "
                  f"{source.duration_s / detect_s:>10.1f} {frames_s:>8.2f}")
        for ocr in (False, True):
            ctx.settings = settings.model_copy(update={"footage": settings.footage.model_copy(update={"ocr": ocr})})
            started = time.perf_counter()
            describe_clips(inputs, ctx)
            seconds = time.perf_counter() - started
            note = "with OCR, transcripts cached" if ocr else "no OCR, includes Whisper load + transcription"
            print(f"measured describer ({note}): {seconds:.2f} s for {len(inputs)} clips, "
                  f"{seconds / len(inputs):.2f} s/clip")
        line = "Smooth cold brew coffee steeped for 18 hours from single-origin Colombian beans, no added sugar."
        started = time.perf_counter()
        for _ in range(1000):
            segment_text(line, ["Northwind Cold Brew"])
        print(f"unit segmentation: {(time.perf_counter() - started):.3f} ms per line (1000 lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
