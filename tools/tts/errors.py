"""Errors the voiceover pipeline raises; each says what to change."""

from __future__ import annotations


class TTSBackendError(RuntimeError):
    """The configured text-to-speech backend or voice cannot be used here."""


class ScriptTooLongError(ValueError):
    """A scene's line does not fit its duration even at the fastest allowed speech rate.

    The copywriter is asked for a shorter line of at most ``suggested_max_words`` words.

    Attributes:
        scene_index: 0-based index of the scene in the plan.
        needed_seconds: how long the line takes at the voice's natural pace.
        target_seconds: the scene's duration.
        suggested_max_words: a word count that fits the scene at the natural pace.
    """

    def __init__(
        self, scene_index: int, needed_seconds: float, target_seconds: float, suggested_max_words: int,
        *, max_rate: float = 1.15,
    ):
        self.scene_index = scene_index
        self.needed_seconds = needed_seconds
        self.target_seconds = target_seconds
        self.suggested_max_words = suggested_max_words
        self.max_rate = max_rate
        super().__init__(
            f"scene {scene_index}: the line needs {needed_seconds:.2f} s at a natural pace "
            f"({needed_seconds / max_rate:.2f} s at the fastest allowed rate, +{(max_rate - 1) * 100:.0f}%) "
            f"but the scene lasts {target_seconds:.2f} s; ask the copywriter for a line of at most "
            f"{suggested_max_words} words"
        )


class SilentSpeechError(RuntimeError):
    """Synthesis of a non-empty line produced silence (or nothing): the voice failed."""

    def __init__(self, scene_index: int, text: str, rms_dbfs: float | None):
        self.scene_index = scene_index
        self.text = text
        self.rms_dbfs = rms_dbfs
        level = "no audio at all" if rms_dbfs is None else f"a level of {rms_dbfs:.1f} dBFS"
        super().__init__(
            f"scene {scene_index}: synthesizing {text!r} produced {level}; the voice failed on this "
            "line — rewrite it with pronounceable words, or choose another [tts] backend/voice"
        )


class LoudnessError(RuntimeError):
    """The voiceover could not be normalised to the loudness target."""
