"""Text to speech for the voiceover: engines (Piper, Hibari), scene fitting, loudness."""

from adloom.tools.tts.engines import SpeechEngine, load_engine
from adloom.tools.tts.errors import LoudnessError, ScriptTooLongError, SilentSpeechError, TTSBackendError
from adloom.tools.tts.loudness import (
    SOCIAL_TARGET_LUFS,
    LoudnessMeasurement,
    measure,
    measure_loudness,
    normalize_loudness,
)
from adloom.tools.tts.scene import MAX_RATE, OUTPUT_SAMPLE_RATE, SceneVoice, check_speech, synthesize_scene
from adloom.tools.tts.voiceover import Voiceover, build_voiceover, concatenate_scene_tracks

__all__ = [
    "MAX_RATE",
    "OUTPUT_SAMPLE_RATE",
    "SOCIAL_TARGET_LUFS",
    "LoudnessError",
    "LoudnessMeasurement",
    "SceneVoice",
    "ScriptTooLongError",
    "SilentSpeechError",
    "SpeechEngine",
    "TTSBackendError",
    "Voiceover",
    "build_voiceover",
    "check_speech",
    "concatenate_scene_tracks",
    "load_engine",
    "measure",
    "measure_loudness",
    "normalize_loudness",
    "synthesize_scene",
]
