"""The openai-whisper ASR backend: a tiny random checkpoint through the loader, and real converted weights."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

import numpy as np
import pytest
import torch
from test_asr import JFK_REFERENCE, word_error_rate
from typer.testing import CliRunner

from adloom.tools.asr import load_recognizer, transcribe
from adloom.tools.asr.openai_whisper_backend import OpenAIWhisperError, transcribe_openai_whisper
from adloom.tools.asr.whisper_conversion import WhisperConversionError, read_ctranslate2_model, whisper_checkpoint
from adloom.tools.asr.whisper_files import packaged_whisper_base
from adloom.tools.config import ASRSettings
from adloom.tools.context import ResidentModels

TINY_DIMS = {"n_mels": 80, "n_audio_ctx": 1500, "n_audio_state": 16, "n_audio_head": 2, "n_audio_layer": 1,
             "n_vocab": 51865, "n_text_ctx": 32, "n_text_state": 16, "n_text_head": 2, "n_text_layer": 1}


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory) -> Path:
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(0)
    model = Whisper(ModelDimensions(**TINY_DIMS))
    path = tmp_path_factory.mktemp("whisper") / "tiny-random.pt"
    torch.save({"dims": TINY_DIMS, "model_state_dict": model.state_dict()}, path)
    return path


@pytest.fixture(scope="module")
def tone(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("audio") / "tone.wav"
    rate = 16000
    samples = [int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(rate)]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path


def test_tiny_checkpoint_loads_by_path_and_transcribes(tiny_checkpoint, tone, tmp_path):
    settings = ASRSettings(backend="openai-whisper", model=str(tiny_checkpoint), device="cpu")
    resident = ResidentModels()
    recognizer = load_recognizer(settings, tmp_path, resident)
    assert recognizer.backend == "openai-whisper" and recognizer.model.dims.n_text_layer == 1
    assert load_recognizer(settings, tmp_path, resident) is recognizer  # warm
    # Greedy only: random weights would send every window through the sampling fallback.
    first = transcribe_openai_whisper(tone, recognizer=recognizer, language="en", word_timestamps=False,
                                      temperature=0.0)
    second = transcribe_openai_whisper(tone, recognizer=recognizer, language="en", word_timestamps=False,
                                       temperature=0.0)
    assert first.model.startswith("openai-whisper:tiny-random.pt@")
    assert first.language == "en" and first.duration_s == pytest.approx(1.0, abs=0.01)
    assert first.segments and first.text and first.text == second.text


@pytest.mark.slow
def test_sampling_fallback_is_reproducible(tiny_checkpoint, tone, tmp_path):
    """The shared ``transcribe`` entry point, with openai-whisper's temperature fallback (seeded)."""
    settings = ASRSettings(backend="openai-whisper", model=str(tiny_checkpoint), device="cpu")
    recognizer = load_recognizer(settings, tmp_path, ResidentModels())
    before = torch.random.get_rng_state()
    first = transcribe(tone, recognizer=recognizer, language="en", word_timestamps=False)
    second = transcribe(tone, recognizer=recognizer, language="en", word_timestamps=False)
    assert first.text == second.text and first.segments == second.segments
    assert torch.equal(torch.random.get_rng_state(), before)  # the global RNG is left alone


def test_bad_checkpoint_settings_are_named(tmp_path):
    with pytest.raises(OpenAIWhisperError, match=r"\[asr\] model = .*convert-whisper"):
        load_recognizer(ASRSettings(backend="openai-whisper", model=str(tmp_path / "x.bin")), tmp_path,
                        ResidentModels())
    not_a_checkpoint = tmp_path / "junk.pt"
    torch.save({"weights": torch.zeros(1)}, not_a_checkpoint)
    with pytest.raises(OpenAIWhisperError, match="not an openai-whisper checkpoint"):
        load_recognizer(ASRSettings(backend="openai-whisper", model=str(not_a_checkpoint)), tmp_path,
                        ResidentModels())
    with pytest.raises(WhisperConversionError, match="no model.bin"):
        whisper_checkpoint(tmp_path)


def test_converted_packaged_weights_match_whisper_base_layout(tmp_path):
    from whisper.model import ModelDimensions, Whisper

    folder = packaged_whisper_base(tmp_path)
    spec, variables = read_ctranslate2_model(folder / "model.bin")
    assert spec == "WhisperSpec" and variables["decoder/projection/weight"] is variables["decoder/embeddings/weight"]
    checkpoint = whisper_checkpoint(folder)
    assert checkpoint["dims"] == {"n_mels": 80, "n_audio_ctx": 1500, "n_audio_state": 512, "n_audio_head": 8,
                                  "n_audio_layer": 6, "n_vocab": 51865, "n_text_ctx": 448, "n_text_state": 512,
                                  "n_text_head": 8, "n_text_layer": 6}
    expected = Whisper(ModelDimensions(**checkpoint["dims"])).state_dict()
    converted = checkpoint["model_state_dict"]
    assert set(converted) == set(expected)
    assert all(converted[name].shape == expected[name].shape for name in expected)
    # Fused q|k|v was split: the query and value projections differ, and Whisper's key has no bias.
    block = "decoder.blocks.0.attn"
    assert not torch.equal(converted[f"{block}.query.weight"], converted[f"{block}.value.weight"])
    assert f"{block}.key.bias" not in converted
    assert checkpoint["alignment_heads"].shape == (6, 8) and checkpoint["alignment_heads"].any()


@pytest.mark.slow
def test_converted_real_weights_transcribe_jfk(tmp_path, shared_data: Path, monkeypatch):
    """`adloom models convert-whisper` output, through the backend, on real speech (~40 s on 2 busy cores)."""
    from adloom.cli import app

    monkeypatch.setenv("ADLOOM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no adloom.toml here
    target = tmp_path / "whisper-base.pt"
    result = CliRunner().invoke(app, ["models", "convert-whisper", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert str(target) in result.output and target.stat().st_size > 100_000_000
    settings = ASRSettings(backend="openai-whisper", model=str(target), device="cpu")
    recognizer = load_recognizer(settings, tmp_path / "models", ResidentModels())
    transcript = transcribe(shared_data / "speech" / "jfk.flac", recognizer=recognizer)
    assert transcript.language == "en"
    assert word_error_rate(JFK_REFERENCE, transcript.text) <= 0.10
    americans = [word for word in transcript.words if word.text.strip(",.").lower() == "americans"]
    assert americans and americans[0].start <= 1.8 <= americans[0].end + 0.3
    starts = np.array([word.start for word in transcript.words])
    assert np.all(np.diff(starts) >= 0)


def test_convert_command_rejects_a_folder_without_weights(tmp_path, monkeypatch):
    from adloom.cli import app

    monkeypatch.setenv("ADLOOM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["models", "convert-whisper", str(tmp_path)])
    assert result.exit_code == 2
    assert "no model.bin" in result.output
