"""One scene's voice: synthesize a line and fit it exactly to the scene's duration.

The plan fixes each scene's length, and the editor lays the scene voice tracks end to end,
so every track is exactly ``round(seconds * 48000)`` samples long:

* the line is synthesized at the natural pace and its leading/trailing silence trimmed;
* if it is too long, the speech is sped up by at most ``max_rate`` (+15 %): first with the
  engine's own rate control (more natural), then the remainder with ffmpeg's ``atempo``;
* if even that does not fit, :class:`ScriptTooLongError` tells the copywriter how many
  words would fit;
* a shorter line is padded with silence after the speech.

A non-empty line that comes out silent raises :class:`SilentSpeechError`.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adloom.tools.ffmpeg import run_ffmpeg
from adloom.tools.tts.engines import SpeechEngine
from adloom.tools.tts.errors import ScriptTooLongError, SilentSpeechError
from adloom.tools.tts.wav import read_wav, write_wav

OUTPUT_SAMPLE_RATE = 48000
MAX_RATE = 1.15
SILENCE_THRESHOLD_DBFS = -45.0
_TRIM_RELATIVE_DB = -40.0  # a 10 ms window quieter than this below the loudest one is silence
_TRIM_MARGIN_S = 0.05  # kept around the speech so consonants are not clipped
_WINDOW_S = 0.01


@dataclass(frozen=True)
class SceneVoice:
    """The fitted voice track of one scene.

    Attributes:
        path: 48 kHz mono 16-bit WAV, exactly the scene's length.
        scene_index: 0-based scene number.
        target_seconds: the scene's length.
        natural_seconds: the trimmed speech at the voice's natural pace (0 for a silent scene).
        speech_seconds: the speech as placed in the track, after any speed-up.
        rate: natural_seconds / speech_seconds (1.0 when no speed-up was needed).
    """

    path: Path
    scene_index: int
    target_seconds: float
    natural_seconds: float
    speech_seconds: float
    rate: float


def rms_dbfs(samples: np.ndarray) -> float | None:
    """RMS level in dBFS, or None for an empty array."""
    if samples.size == 0:
        return None
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return 20 * math.log10(rms) if rms > 0 else -math.inf


def check_speech(
    samples: np.ndarray, *, scene_index: int, text: str, threshold_dbfs: float = SILENCE_THRESHOLD_DBFS
) -> None:
    """Raise :class:`SilentSpeechError` when synthesized speech is empty or below the threshold."""
    level = rms_dbfs(samples)
    if level is None or level < threshold_dbfs:
        raise SilentSpeechError(scene_index, text, level)


def trim_silence(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """The speech without leading/trailing silence, keeping a short margin on each side."""
    window = max(1, int(sample_rate * _WINDOW_S))
    count = samples.size // window
    if count == 0:
        return samples
    energy = np.sqrt(np.mean(np.square(samples[: count * window].reshape(count, window)), axis=1))
    loud = np.nonzero(energy > energy.max() * 10 ** (_TRIM_RELATIVE_DB / 20))[0]
    margin = int(sample_rate * _TRIM_MARGIN_S)
    start = max(0, loud[0] * window - margin)
    end = min(samples.size, (loud[-1] + 1) * window + margin)
    return samples[start:end]


def _speak(engine: SpeechEngine, text: str, rate: float, scene_index: int, threshold_dbfs: float) -> np.ndarray:
    samples = engine.synthesize(text, rate=rate)
    check_speech(samples, scene_index=scene_index, text=text, threshold_dbfs=threshold_dbfs)
    return trim_silence(samples, engine.sample_rate)


def synthesize_scene(
    text: str,
    target_seconds: float,
    *,
    engine: SpeechEngine,
    out_path: Path,
    scene_index: int = 0,
    max_rate: float = MAX_RATE,
    silence_threshold_dbfs: float = SILENCE_THRESHOLD_DBFS,
) -> SceneVoice:
    """Synthesize ``text`` into a 48 kHz mono WAV of exactly ``target_seconds``.

    Args:
        text: the scene's line; empty or blank gives a silent track.
        target_seconds: the scene's duration in the plan.
        engine: a loaded voice (:func:`adloom.tools.tts.engines.load_engine`).
        out_path: where the WAV is written (atomically).
        scene_index: used in error messages.
        max_rate: the fastest allowed speech relative to the natural pace.
        silence_threshold_dbfs: synthesized speech quieter than this is a failure.

    Raises:
        ScriptTooLongError: the line does not fit even at ``max_rate``.
        SilentSpeechError: the engine produced silence for a non-empty line.
        ValueError: a non-positive duration or a rate below 1.
    """
    if target_seconds <= 0:
        raise ValueError(f"scene {scene_index}: target_seconds must be positive, got {target_seconds}")
    if max_rate < 1.0:
        raise ValueError(f"max_rate must be at least 1.0, got {max_rate}")
    out_path = Path(out_path)
    total = round(target_seconds * OUTPUT_SAMPLE_RATE)
    if not text.strip():
        write_wav(out_path, np.zeros(total, dtype=np.float32), OUTPUT_SAMPLE_RATE)
        return SceneVoice(out_path, scene_index, target_seconds, 0.0, 0.0, 1.0)

    native_rate = engine.sample_rate
    speech = _speak(engine, text, 1.0, scene_index, silence_threshold_dbfs)
    natural = speech.size / native_rate
    tempo = 1.0
    if natural > target_seconds:
        needed_rate = natural / target_seconds
        if needed_rate > max_rate:
            words = len(text.split())
            raise ScriptTooLongError(
                scene_index, natural, target_seconds,
                max(1, math.floor(words * target_seconds / natural)), max_rate=max_rate,
            )
        faster = _speak(engine, text, needed_rate, scene_index, silence_threshold_dbfs)
        # Engines' rate controls are coarse (and Piper's durations are noisy): keep whichever
        # take is shorter and let atempo make up the rest, which is never more than needed_rate.
        if faster.size < speech.size:
            speech = faster
        tempo = max(1.0, speech.size / native_rate / target_seconds)

    fitted = _resample(speech, native_rate, tempo, out_path.parent)
    track = np.zeros(total, dtype=np.float32)
    placed = min(total, fitted.size)  # atempo may round a few samples over the scene length
    track[:placed] = fitted[:placed]
    write_wav(out_path, track, OUTPUT_SAMPLE_RATE)
    speech_seconds = placed / OUTPUT_SAMPLE_RATE
    rate = natural / speech_seconds if natural > target_seconds else 1.0
    return SceneVoice(out_path, scene_index, target_seconds, natural, speech_seconds, rate)


def _resample(speech: np.ndarray, sample_rate: int, tempo: float, workdir: Path) -> np.ndarray:
    """Speech at 48 kHz, sped up by ``tempo`` (pitch kept) when it is above 1."""
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".tts-", dir=workdir) as scratch:
        source, target = Path(scratch) / "speech.wav", Path(scratch) / "fitted.wav"
        write_wav(source, speech, sample_rate)
        filters = [f"atempo={tempo:.6f}"] if tempo > 1.0 + 1e-6 else []
        filters.append(f"aresample={OUTPUT_SAMPLE_RATE}:resampler=soxr")
        run_ffmpeg(
            ["-i", str(source), "-af", ",".join(filters), "-ac", "1", "-ar", str(OUTPUT_SAMPLE_RATE),
             "-c:a", "pcm_s16le", "-map_metadata", "-1", "-fflags", "+bitexact", str(target)],
            label="tts-fit",
        )
        samples, _ = read_wav(target)
    return samples
