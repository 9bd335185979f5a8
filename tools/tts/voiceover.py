"""The full voiceover: scene tracks laid end to end, normalised to -16 LUFS integrated."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adloom.tools.tts.loudness import (
    SOCIAL_TARGET_LUFS,
    TRUE_PEAK_CEILING_DBTP,
    LoudnessMeasurement,
    normalize_loudness,
)
from adloom.tools.tts.scene import OUTPUT_SAMPLE_RATE, SceneVoice
from adloom.tools.tts.wav import read_wav, write_wav


@dataclass(frozen=True)
class Voiceover:
    """The normalised voiceover file and its measurement."""

    path: Path
    duration_s: float
    loudness: LoudnessMeasurement


def concatenate_scene_tracks(tracks: Sequence[Path], out_path: Path) -> Path:
    """Lay 48 kHz mono scene WAVs end to end, sample-exact, into one WAV.

    Raises:
        ValueError: no tracks, or a track at another sample rate.
    """
    if not tracks:
        raise ValueError("no scene tracks to concatenate")
    parts = []
    for track in tracks:
        samples, rate = read_wav(Path(track))
        if rate != OUTPUT_SAMPLE_RATE:
            raise ValueError(f"{track}: sample rate {rate}, expected {OUTPUT_SAMPLE_RATE}")
        parts.append(samples)
    return write_wav(Path(out_path), np.concatenate(parts), OUTPUT_SAMPLE_RATE)


def build_voiceover(
    scenes: Sequence[SceneVoice],
    out_path: Path,
    *,
    target_lufs: float = SOCIAL_TARGET_LUFS,
    true_peak_dbtp: float = TRUE_PEAK_CEILING_DBTP,
) -> Voiceover:
    """Concatenate fitted scene tracks and normalise the whole to ``target_lufs``.

    The result has exactly the summed length of the scenes, so scene ``k`` starts at the
    sum of the earlier scenes' durations, as in the plan.

    Raises:
        tools.tts.errors.LoudnessError: every scene is silent, or normalisation missed the target.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".voiceover-", dir=out_path.parent) as scratch:
        joined = concatenate_scene_tracks([scene.path for scene in scenes], Path(scratch) / "joined.wav")
        expected, _ = read_wav(joined)
        normalised = Path(scratch) / "normalised.wav"
        loudness = normalize_loudness(
            joined, normalised, target_lufs=target_lufs, true_peak_dbtp=true_peak_dbtp,
            sample_rate=OUTPUT_SAMPLE_RATE,
        )
        samples, _ = read_wav(normalised)
        # loudnorm works at 192 kHz internally; resampling back may shift the length by a
        # sample or two, and the timeline must stay sample-exact.
        exact = np.zeros(expected.size, dtype=np.float32)
        exact[: min(expected.size, samples.size)] = samples[: expected.size]
        write_wav(out_path, exact, OUTPUT_SAMPLE_RATE)
    return Voiceover(out_path, expected.size / OUTPUT_SAMPLE_RATE, loudness)
