"""The Coqui TTS engine: folder resolution here, a tiny random VITS where coqui-tts imports.

coqui-tts needs torchaudio, which only loads beside a CUDA build of torch (MODELS.md); the
synthesis tests skip with that reason on CPU-torch machines. This is a missing optional
dependency, not missing test data.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from adloom.tools.config import TTSSettings
from adloom.tools.context import ResidentModels
from adloom.tools.tts.coqui_engine import coqui_unavailable_reason, resolve_coqui_voice
from adloom.tools.tts.engines import load_engine
from adloom.tools.tts.errors import TTSBackendError

UNAVAILABLE = coqui_unavailable_reason()
needs_coqui = pytest.mark.skipif(UNAVAILABLE is not None, reason=UNAVAILABLE or "")


def test_model_folders_are_resolved_by_kind(tmp_path):
    vits = tmp_path / "vits"
    vits.mkdir()
    (vits / "config.json").write_text(json.dumps({"model": "vits"}))
    with pytest.raises(TTSBackendError, match=r"\[tts\] voice = .*no model weights"):
        resolve_coqui_voice(str(vits))
    (vits / "checkpoint_1000.pth").write_bytes(b"x")
    (vits / "best_model.pth").write_bytes(b"x")
    assert resolve_coqui_voice(str(vits)).checkpoint.name == "best_model.pth"
    xtts = tmp_path / "xtts"
    xtts.mkdir()
    (xtts / "config.json").write_text(json.dumps({"model": "xtts"}))
    files = resolve_coqui_voice(str(xtts))
    assert files.kind == "xtts" and files.checkpoint == xtts
    with pytest.raises(TTSBackendError, match="no config.json"):
        resolve_coqui_voice(str(tmp_path))
    with pytest.raises(TTSBackendError, match=r"needs \[tts\] voice"):
        resolve_coqui_voice("")


@pytest.fixture(scope="module")
def tiny_vits(tmp_path_factory) -> Path:
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig
    from TTS.tts.models.vits import Vits

    folder = tmp_path_factory.mktemp("coqui") / "tiny-vits"
    folder.mkdir()
    torch.manual_seed(0)
    config = VitsConfig(
        model_args=VitsArgs(
            hidden_channels=16, hidden_channels_ffn_text_encoder=32, num_layers_text_encoder=1,
            num_layers_posterior_encoder=1, num_layers_flow=1, upsample_initial_channel_decoder=16,
            resblock_kernel_sizes_decoder=[3], resblock_dilation_sizes_decoder=[[1, 3, 5]],
            init_discriminator=False, use_sdp=False,
        ),
        use_phonemes=False, text_cleaner="basic_cleaners",
    )
    model = Vits.init_from_config(config)
    torch.save({"model": model.state_dict()}, folder / "model.pth")
    config.save_json(str(folder / "config.json"))
    return folder


@needs_coqui
def test_tiny_vits_loads_by_path_and_speaks(tiny_vits):
    settings = TTSSettings(backend="coqui", voice=str(tiny_vits), device="cpu")
    resident = ResidentModels()
    engine = load_engine(settings, resident)
    assert engine.backend == "coqui" and engine.model_id.startswith("coqui:tiny-vits@")
    assert load_engine(settings, resident) is engine
    speech = engine.synthesize("Hello world.")
    again = engine.synthesize("Hello world.")
    faster = engine.synthesize("Hello world.", rate=1.5)
    assert speech.dtype == np.float32 and speech.ndim == 1 and speech.size > 0
    assert engine.sample_rate == 22050
    assert np.array_equal(speech, again)
    assert faster.size < speech.size


@needs_coqui
def test_xtts_needs_a_speaker_recording(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model": "xtts"}))
    with pytest.raises(TTSBackendError, match=r"speaker_wav"):
        load_engine(TTSSettings(backend="coqui", voice=str(tmp_path)), ResidentModels())
