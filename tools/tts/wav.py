"""Mono 16-bit PCM WAV files as float32 numpy arrays.

Speech needs nothing more than 16-bit mono, and the standard ``wave`` module reads and
writes it without another dependency. Writes are atomic.
"""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np

from adloom.storage.files import write_bytes_atomic


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> Path:
    """Write float samples in [-1, 1] as a mono 16-bit WAV (clipping outside), atomically."""
    pcm = (np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0) * 32767.0).round().astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
    write_bytes_atomic(Path(path), buffer.getvalue())
    return Path(path)


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Read a mono 16-bit PCM WAV as float32 samples and its sample rate.

    Raises:
        ValueError: the file is not mono 16-bit PCM (convert it with ffmpeg first).
    """
    with wave.open(str(path), "rb") as source:
        if source.getnchannels() != 1 or source.getsampwidth() != 2:
            raise ValueError(
                f"{path}: expected mono 16-bit PCM WAV, got {source.getnchannels()} channel(s) "
                f"of {source.getsampwidth() * 8}-bit samples"
            )
        rate = source.getframerate()
        frames = source.readframes(source.getnframes())
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32767.0, rate
