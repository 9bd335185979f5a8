"""Loudness measurement (EBU R128 / ITU-R BS.1770) and two-pass normalisation, with ffmpeg.

Measuring uses ffmpeg's ``ebur128`` filter, whose running values are written to a file
by ``ametadata`` (``run_ffmpeg`` keeps ffmpeg's log quiet, so the numbers cannot be read
from it). Normalising is ffmpeg's two-pass ``loudnorm``: measure, then apply with the
measured values and ``linear=true``, so the speech is only scaled, never pumped by the
dynamic mode.

Synthetic speech is peaky (peak-to-loudness ratio near 19 dB), so a plain gain to
-16 LUFS would push its true peak above 0 dBTP and ``loudnorm`` would silently fall back
to its dynamic mode, which undershoots on short clips. A look-ahead limiter first tames
the peaks and lifts the speech just past the target; the linear pass then only attenuates,
which can never break the true-peak ceiling.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from adloom.tools.ffmpeg import escape_filter_value, run_ffmpeg
from adloom.tools.tts.errors import LoudnessError

SOCIAL_TARGET_LUFS = -16.0
TRUE_PEAK_CEILING_DBTP = -1.5
LOUDNESS_TOLERANCE_LU = 1.0
_SILENT_LUFS = -70.0  # BS.1770's absolute gate: anything at or below it is silence
_LIMITER_HEADROOM_DB = 1.0  # limiter ceiling below the true-peak ceiling (inter-sample peaks)
_MAX_LIMITER_PASSES = 4


@dataclass(frozen=True)
class LoudnessMeasurement:
    """Integrated loudness, true peak and loudness range of one file."""

    integrated_lufs: float
    true_peak_dbtp: float
    loudness_range_lu: float


def measure(path: Path | str) -> LoudnessMeasurement:
    """Measure a file's integrated loudness, true peak and loudness range.

    Raises:
        tools.ffmpeg.FFmpegError: the file cannot be decoded.
    """
    workdir = Path(tempfile.mkdtemp(prefix="adloom-ebur128-"))
    try:
        values_file = workdir / "r128.txt"
        # The last value written is the whole file's (ebur128 steps in 100 ms; its final
        # summary, which run_ffmpeg does not show, reads the same). No padding: silence after
        # the end would add partly-silent 400 ms blocks and pull the value down.
        graph = (
            "ebur128=metadata=1:peak=true,"
            f"ametadata=mode=print:file={escape_filter_value(str(values_file))}"
        )
        run_ffmpeg(["-i", str(path), "-vn", "-af", graph, "-f", "null", "-"], label="measuring the loudness")
        values: dict[str, float] = {}
        for line in values_file.read_text("utf-8").splitlines():
            if line.startswith("lavfi.r128."):
                key, _, number = line[len("lavfi.r128."):].partition("=")
                values[key] = float(number)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if "I" not in values:
        raise LoudnessError(f"{path}: ffmpeg's ebur128 reported no loudness (is there an audio stream?)")
    peak = values.get("true_peak", 0.0)
    return LoudnessMeasurement(
        integrated_lufs=values["I"],
        true_peak_dbtp=20 * math.log10(peak) if peak > 0 else -math.inf,
        loudness_range_lu=values.get("LRA", 0.0),
    )


def measure_loudness(path: Path | str) -> float:
    """Integrated loudness of a file in LUFS (what the critic compares with -16)."""
    return measure(path).integrated_lufs


def normalize_loudness(
    source: Path,
    target: Path,
    *,
    target_lufs: float = SOCIAL_TARGET_LUFS,
    true_peak_dbtp: float = TRUE_PEAK_CEILING_DBTP,
    sample_rate: int = 48000,
    tolerance_lu: float = LOUDNESS_TOLERANCE_LU,
) -> LoudnessMeasurement:
    """Write ``source`` normalised to ``target_lufs`` as 16-bit mono WAV at ``target`` and verify it.

    Returns:
        The measurement of the written file.

    Raises:
        LoudnessError: the source is silent, or the result missed the target by more than
            ``tolerance_lu``.
    """
    source, target = Path(source), Path(target)
    before = measure(source)
    if before.integrated_lufs <= _SILENT_LUFS:
        raise LoudnessError(f"{source}: the audio is silent ({before.integrated_lufs:.1f} LUFS); nothing to normalise")
    workdir = Path(tempfile.mkdtemp(prefix="adloom-loudnorm-", dir=target.parent))
    try:
        staged, measured = source, before
        if before.true_peak_dbtp + (target_lufs - before.integrated_lufs) > true_peak_dbtp:
            staged, measured = _limit_peaks(source, workdir, before, target_lufs, true_peak_dbtp)
        output = workdir / "normalised.wav"
        loudnorm = (
            f"loudnorm=I={target_lufs}:TP={true_peak_dbtp}:LRA=20"
            f":measured_I={measured.integrated_lufs:.2f}:measured_TP={measured.true_peak_dbtp:.2f}"
            f":measured_LRA={measured.loudness_range_lu:.2f}"
            # loudnorm only checks that a threshold was measured; BS.1770's relative gate is -10 LU.
            f":measured_thresh={measured.integrated_lufs - 10:.2f}:offset=0:linear=true"
        )
        run_ffmpeg(
            ["-i", str(staged), "-af", f"{loudnorm},aresample={sample_rate}", "-ac", "1",
             "-c:a", "pcm_s16le", "-map_metadata", "-1", "-fflags", "+bitexact", str(output)],
            label="loudnorm",
        )
        after = measure(output)
        if abs(after.integrated_lufs - target_lufs) > tolerance_lu:
            raise LoudnessError(
                f"{source}: normalised to {after.integrated_lufs:.2f} LUFS, more than {tolerance_lu} LU "
                f"from the {target_lufs} LUFS target"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        output.replace(target)
        return after
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _limit_peaks(
    source: Path, workdir: Path, before: LoudnessMeasurement, target_lufs: float, true_peak_dbtp: float
) -> tuple[Path, LoudnessMeasurement]:
    """Gain plus look-ahead limiter until the file is at least as loud as the target."""
    ceiling = 10 ** ((true_peak_dbtp - _LIMITER_HEADROOM_DB) / 20)
    gain_db = target_lufs - before.integrated_lufs + _LIMITER_HEADROOM_DB
    limited = workdir / "limited.wav"
    for _ in range(_MAX_LIMITER_PASSES):
        run_ffmpeg(
            ["-i", str(source), "-af",
             f"volume={gain_db:.3f}dB,alimiter=limit={ceiling:.5f}:level=false:attack=5:release=50",
             "-c:a", "pcm_f32le", str(limited)],
            label="limiter",
        )
        measured = measure(limited)
        if measured.integrated_lufs >= target_lufs:
            return limited, measured
        # Limiting ate some loudness: add what is missing, plus a margin, and try again.
        gain_db += target_lufs - measured.integrated_lufs + 0.5
    return limited, measured
