"""Voiceover: real Piper and Hibari voices, scene fitting, silence detection and loudness."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from conftest import needs_piper
from adloom.tools.config import TTSSettings
from adloom.tools.context import ResidentModels
from adloom.tools.ffmpeg import probe
from adloom.tools.tts import (
    OUTPUT_SAMPLE_RATE,
    ScriptTooLongError,
    SilentSpeechError,
    TTSBackendError,
    build_voiceover,
    load_engine,
    measure,
    measure_loudness,
    synthesize_scene,
)
from adloom.tools.tts.wav import read_wav, write_wav

SENTENCE = "Meet Northwind Cold Brew, steeped for eighteen hours."
_RESIDENT = ResidentModels()  # voices stay loaded across this module's tests


def engine(backend: str):
    return load_engine(TTSSettings(backend=backend), _RESIDENT)


def rms_dbfs(samples: np.ndarray) -> float:
    return 20 * math.log10(float(np.sqrt(np.mean(np.square(samples)))) + 1e-12)


@pytest.mark.parametrize("backend", [pytest.param("piper", marks=needs_piper), "hibari"])
def test_backend_speaks_a_sentence_as_48k_mono_scene(backend: str, tmp_path: Path):
    voice = synthesize_scene(SENTENCE, 6.0, engine=engine(backend), out_path=tmp_path / "scene.wav")
    samples, rate = read_wav(voice.path)
    info = probe(voice.path)
    assert rate == OUTPUT_SAMPLE_RATE and info.audio.channels == 1
    assert samples.size == 6 * OUTPUT_SAMPLE_RATE
    assert 1.5 < voice.speech_seconds < 6.0 and voice.rate == pytest.approx(1.0, abs=0.01)
    speech = samples[: round(voice.speech_seconds * OUTPUT_SAMPLE_RATE)]
    assert rms_dbfs(speech) > -35  # real speech, not near-silence
    assert np.abs(samples[round((voice.speech_seconds + 0.05) * OUTPUT_SAMPLE_RATE):]).max() == 0.0  # padding


def test_short_line_is_padded_to_the_exact_scene_length(tmp_path: Path):
    for seconds in (2.5, 3.3337):
        voice = synthesize_scene("Hi there.", seconds, engine=engine("hibari"), out_path=tmp_path / "s.wav")
        samples, _ = read_wav(voice.path)
        assert abs(samples.size / OUTPUT_SAMPLE_RATE - seconds) <= 0.010
        assert voice.speech_seconds < 1.5 and voice.rate == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize(("backend", "squeeze"), [("hibari", 1.12), pytest.param("piper", 1.06, marks=needs_piper)])
def test_long_line_is_sped_up_within_the_limit(backend: str, squeeze: float, tmp_path: Path):
    natural = synthesize_scene(SENTENCE, 10.0, engine=engine(backend), out_path=tmp_path / "n.wav").natural_seconds
    target = natural / squeeze  # Piper's durations vary a few per cent between takes: a smaller squeeze
    voice = synthesize_scene(SENTENCE, target, engine=engine(backend), out_path=tmp_path / "f.wav")
    samples, _ = read_wav(voice.path)
    assert abs(samples.size / OUTPUT_SAMPLE_RATE - target) <= 0.010
    assert 1.0 < voice.rate <= 1.15 + 1e-6
    assert voice.speech_seconds <= target + 1 / OUTPUT_SAMPLE_RATE  # the track is a whole number of samples
    assert rms_dbfs(samples) > -40


def test_line_too_long_for_its_scene_asks_for_fewer_words(tmp_path: Path):
    natural = synthesize_scene(SENTENCE, 10.0, engine=engine("hibari"), out_path=tmp_path / "n.wav").natural_seconds
    with pytest.raises(ScriptTooLongError) as caught:
        synthesize_scene(SENTENCE, natural / 1.3, engine=engine("hibari"), out_path=tmp_path / "x.wav", scene_index=2)
    error = caught.value
    assert error.scene_index == 2
    assert error.needed_seconds == pytest.approx(natural, rel=0.01)
    assert error.target_seconds == pytest.approx(natural / 1.3)
    words = len(SENTENCE.split())
    assert 1 <= error.suggested_max_words < words
    assert error.suggested_max_words == math.floor(words / 1.3)
    assert "scene 2" in str(error) and "copywriter" in str(error)
    assert not (tmp_path / "x.wav").exists()


@pytest.mark.parametrize(("backend", "text"), [("hibari", "—"), pytest.param("piper", "...", marks=needs_piper)])
def test_silent_synthesis_is_reported_with_the_scene(backend: str, text: str, tmp_path: Path):
    with pytest.raises(SilentSpeechError, match="scene 3") as caught:
        synthesize_scene(text, 2.0, engine=engine(backend), out_path=tmp_path / "s.wav", scene_index=3)
    assert caught.value.scene_index == 3


def test_blank_line_gives_an_exactly_silent_track(tmp_path: Path):
    voice = synthesize_scene("  ", 1.5, engine=engine("hibari"), out_path=tmp_path / "s.wav")
    samples, _ = read_wav(voice.path)
    assert samples.size == round(1.5 * OUTPUT_SAMPLE_RATE) and not samples.any()


def test_measure_loudness_matches_the_bs1770_calibration(tmp_path: Path):
    # A 997 Hz sine at 0 dBFS reads -3.01 LUFS (ITU-R BS.1770); at -20 dBFS, -23.01 LUFS.
    t = np.arange(3 * OUTPUT_SAMPLE_RATE) / OUTPUT_SAMPLE_RATE
    write_wav(tmp_path / "sine.wav", 0.1 * np.sin(2 * np.pi * 997 * t), OUTPUT_SAMPLE_RATE)
    assert measure_loudness(tmp_path / "sine.wav") == pytest.approx(-23.01, abs=0.2)


@pytest.mark.parametrize("backend", [pytest.param("piper", marks=needs_piper), "hibari"])
def test_voiceover_is_normalised_to_minus_16_lufs(backend: str, tmp_path: Path):
    lines = [("Meet Northwind Cold Brew.", 2.5), ("", 1.0), ("Steeped for eighteen hours. Grab a can today!", 4.5)]
    scenes = [
        synthesize_scene(text, seconds, engine=engine(backend), out_path=tmp_path / f"{index}.wav", scene_index=index)
        for index, (text, seconds) in enumerate(lines)
    ]
    voiceover = build_voiceover(scenes, tmp_path / "voiceover.wav")
    measured = measure(voiceover.path)
    assert abs(measured.integrated_lufs + 16.0) <= 1.0
    assert measured.true_peak_dbtp <= -1.0
    samples, _ = read_wav(voiceover.path)
    assert samples.size == sum(round(seconds * OUTPUT_SAMPLE_RATE) for _, seconds in lines)
    scene_two = samples[round(2.5 * OUTPUT_SAMPLE_RATE): round(3.5 * OUTPUT_SAMPLE_RATE)]
    assert not scene_two.any()  # the silent scene stays silent at its place on the timeline


def test_quiet_input_is_raised_to_the_target(tmp_path: Path):
    voice = synthesize_scene(SENTENCE, 5.0, engine=engine("hibari"), out_path=tmp_path / "s.wav")
    samples, _ = read_wav(voice.path)
    write_wav(tmp_path / "quiet.wav", samples * 0.05, OUTPUT_SAMPLE_RATE)  # about -26 dB quieter
    assert measure_loudness(tmp_path / "quiet.wav") < -35
    quiet = type(voice)(tmp_path / "quiet.wav", 0, 5.0, voice.natural_seconds, voice.speech_seconds, 1.0)
    result = build_voiceover([quiet], tmp_path / "out.wav")
    assert abs(measure_loudness(result.path) + 16.0) <= 1.0


def test_hibari_refuses_voices_that_would_download():
    with pytest.raises(TTSBackendError, match=r"\[tts\] voice = 'emma'"):
        load_engine(TTSSettings(backend="hibari", voice="emma"), ResidentModels())


def test_coqui_backend_names_the_setting_and_the_missing_extra():
    with pytest.raises(TTSBackendError, match=r"\[tts\] backend = 'coqui'.*'coqui' extra"):
        load_engine(TTSSettings(backend="coqui"), ResidentModels())


def test_piper_voice_that_is_not_a_file_is_named(tmp_path: Path):
    with pytest.raises(TTSBackendError, match="nowhere.onnx"):
        load_engine(TTSSettings(backend="piper", voice=str(tmp_path / "nowhere.onnx")), ResidentModels())


def test_voiceover_tool_reports_loudness_and_reuses_the_cache(tool_context):
    from adloom.tools.registry import load_tools

    tool = load_tools(plugins=False)["tts.voiceover"]
    request = {
        "scenes": [{"text": "Cold brew, done right.", "seconds": 2.0}, {"text": "Try it today.", "seconds": 1.5}],
        "backend": "hibari",
    }
    first = tool.run(request, tool_context)
    assert abs(measure_loudness(first.voiceover.path) + 16.0) <= 1.0
    assert first.lufs == pytest.approx(measure_loudness(first.voiceover.path), abs=0.05)
    assert first.duration_s == pytest.approx(3.5)
    assert probe(first.voiceover.path).duration_s == pytest.approx(3.5, abs=0.01)
    assert [scene.index for scene in first.scenes] == [0, 1] and len(first.rates) == 2
    assert first.backend == "hibari" and first.voice == "af_heart"
    assert all(Path(scene.audio.path).is_file() for scene in first.scenes)
    second = tool.run(request, tool_context)
    assert second.voiceover == first.voiceover  # same stored asset, from the cache index
