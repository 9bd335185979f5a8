"""The suite's own hygiene: what a developer's machine sets cannot change a test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_the_settings_fixture_has_the_defaults(settings, tmp_path):
    assert (settings.llm.backend, settings.tts.backend, settings.video.backend) == ("embedded", "hibari", "kenburns")
    assert settings.data_dir == tmp_path / "data"


def test_a_developers_adloom_variables_never_reach_the_suite(tmp_path):
    """The shell's ADLOOM_* settings are dropped by conftest before any test (or process it starts) reads them."""
    repo = Path(__file__).resolve().parents[1]
    shell = {**os.environ, "ADLOOM_LLM__BACKEND": "openai", "ADLOOM_TTS__BACKEND": "piper",
             "ADLOOM_DATA_DIR": str(tmp_path / "developer-data"), "ADLOOM_VIDEO__BACKEND": "cogvideox"}
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_suite_hygiene.py::test_the_settings_fixture_has_the_defaults"],
        cwd=repo, env=shell, capture_output=True, text=True, timeout=300,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout
    assert not (tmp_path / "developer-data").exists()
