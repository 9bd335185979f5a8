"""Speed of the voiceover, recognition and caption steps on this machine's CPU.

Prints, for a 15 s, four-scene ad script:

* TTS real-time factor per backend (synthesis seconds / audio seconds, warm voice; the
  per-scene fitting and ffmpeg resampling included, loudness normalisation separate);
* ASR real-time factor (faster-whisper, packaged Whisper base, int8) on the synthesized
  voiceover and on ``speech/jfk.flac``;
* seconds to build subtitles for the 15 s voiceover: recognition + alignment +
  segmentation + SRT/VTT/ASS writing, and the same without recognition.

Each number is the median of ``--runs`` runs after one warm-up.

    python benchmarks/voice_and_captions.py [--runs 3] [--data /path/to/shared/data]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from adloom.tools.asr import load_recognizer, transcribe  # noqa: E402
from adloom.tools.config import ASRSettings, TTSSettings  # noqa: E402
from adloom.tools.context import ResidentModels  # noqa: E402
from adloom.tools.subtitles import (  # noqa: E402
    CaptionRules,
    align_script,
    format_srt,
    format_vtt,
    scenes_from_durations,
    segment_captions,
    write_ass,
)
from adloom.tools.tts import build_voiceover, load_engine, synthesize_scene  # noqa: E402

SCRIPT = [
    ("Meet Northwind Cold Brew.", 3.0),
    ("Steeped for eighteen hours from single-origin Colombian beans.", 5.0),
    ("Smooth, naturally sweet, with no added sugar.", 4.0),
    ("Grab a can today!", 3.0),
]


def median_time(runs: int, action) -> tuple[float, object]:
    action()  # warm-up
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    resident = ResidentModels()
    work = Path(tempfile.mkdtemp(prefix="adloom-bench-voice-"))
    audio_seconds = sum(seconds for _, seconds in SCRIPT)
    voiceovers = {}
    for backend in ("piper", "hibari"):
        engine = load_engine(TTSSettings(backend=backend), resident)

        def speak_all():
            return [synthesize_scene(text, seconds, engine=engine, out_path=work / f"{backend}-{i}.wav", scene_index=i)
                    for i, (text, seconds) in enumerate(SCRIPT)]

        seconds, scenes = median_time(args.runs, speak_all)
        loud_seconds, voiceover = median_time(args.runs, lambda: build_voiceover(scenes, work / f"{backend}.wav"))
        voiceovers[backend] = (voiceover, scenes)
        print(f"tts {backend:6s}: {seconds:.2f} s for {audio_seconds:.0f} s of scenes, "
              f"RTF {seconds / audio_seconds:.3f}; "
              f"loudness normalisation {loud_seconds:.2f} s ({voiceover.loudness.integrated_lufs:.2f} LUFS)")

    recognizer = load_recognizer(ASRSettings(), work / "models", resident)
    voiceover, scenes = voiceovers["piper"]
    seconds, transcript = median_time(
        args.runs, lambda: transcribe(voiceover.path, recognizer=recognizer, language="en")
    )
    print(f"asr on the 15 s voiceover: {seconds:.2f} s, RTF {seconds / audio_seconds:.3f}")
    jfk = args.data / "speech" / "jfk.flac"
    if jfk.is_file():
        jfk_seconds, jfk_transcript = median_time(args.runs, lambda: transcribe(jfk, recognizer=recognizer))
        print(f"asr on jfk.flac ({jfk_transcript.duration_s:.1f} s): {jfk_seconds:.2f} s, "
              f"RTF {jfk_seconds / jfk_transcript.duration_s:.3f}")

    plan = scenes_from_durations([t for t, _ in SCRIPT], [s for _, s in SCRIPT], [s.speech_seconds for s in scenes])
    rules = CaptionRules.for_aspect("9:16", protected_phrases=["Northwind Cold Brew"])
    font = args.data / "brand" / "fonts" / "OpenSans-Bold.ttf"

    def captions_from(words_transcript):
        words = align_script(plan, words_transcript.words)
        captions = segment_captions(words, rules, scene_windows=[(s.start, s.end) for s in plan])
        cues = [c.to_cue() for c in captions]
        (work / "out.srt").write_text(format_srt(cues), "utf-8")
        (work / "out.vtt").write_text(format_vtt(cues), "utf-8")
        for style in ("classic", "highlight"):
            write_ass(captions, style=style, video_size=(1080, 1920), out_path=work / f"{style}.ass",
                      font_path=font if font.is_file() else None)
        return captions

    build_seconds, captions = median_time(
        args.runs, lambda: captions_from(transcribe(voiceover.path, recognizer=recognizer, language="en"))
    )
    only_seconds, _ = median_time(args.runs, lambda: captions_from(transcript))
    print(f"subtitles for the 15 s voiceover: {build_seconds:.2f} s with ASR, {only_seconds * 1000:.1f} ms "
          f"for alignment + segmentation + SRT/VTT/ASS ({len(captions)} captions)")


if __name__ == "__main__":
    main()
