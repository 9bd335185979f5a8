"""Settings: defaults, the TOML file, ``ADLOOM_*`` variables, precedence and errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from adloom.config import ConfigError, Settings, load_settings
from adloom.runs import settings_record


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No ADLOOM_* variable or ./adloom.toml from the machine leaks into a test."""
    for name in list(os.environ):
        if name.startswith("ADLOOM_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    return workdir


def write_toml(folder: Path, text: str, name: str = "adloom.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_the_embedded_backends_and_sqlite_in_the_data_dir(tmp_path):
    settings = load_settings()
    assert settings.llm.backend == "embedded"
    assert settings.image.backend == "template"
    assert settings.video.backend == "kenburns"
    assert settings.tts.backend == "hibari"  # Apache-2.0; piper (GPL) is an opt-in extra
    assert settings.asr.backend == "faster-whisper"
    assert settings.data_dir == tmp_path / "xdg" / "adloom"
    assert settings.database_url == f"sqlite:///{(tmp_path / 'xdg' / 'adloom' / 'adloom.db').resolve()}"
    assert settings.llm.api_key is None


def test_database_url_follows_the_data_dir(tmp_path):
    settings = load_settings(data_dir=tmp_path / "elsewhere")
    assert settings.database_url == f"sqlite:///{(tmp_path / 'elsewhere' / 'adloom.db').resolve()}"
    assert settings.checkpoint_path == tmp_path / "elsewhere" / "checkpoints.sqlite"


def test_toml_file_values_are_read(clean_environment):
    config = write_toml(clean_environment, """
data_dir = "/srv/adloom"
[llm]
backend = "openai"
model = "qwen2.5-7b"
base_url = "http://127.0.0.1:8000/v1"
max_retries = 1
[tts]
backend = "hibari"
[copywriter]
candidates = 3
""", name="custom.toml")
    settings = load_settings(config)
    assert settings.data_dir == Path("/srv/adloom")
    assert (settings.llm.backend, settings.llm.model, settings.llm.max_retries) == ("openai", "qwen2.5-7b", 1)
    assert settings.llm.base_url == "http://127.0.0.1:8000/v1"
    assert settings.tts.backend == "hibari"
    assert settings.copywriter.candidates == 3
    assert settings.image.backend == "template"  # sections absent from the file keep defaults


def test_adloom_toml_in_the_working_directory_is_picked_up(clean_environment):
    write_toml(clean_environment, '[video]\nbackend = "cogvideox"\n')
    assert load_settings().video.backend == "cogvideox"


def test_adloom_config_variable_names_the_file(clean_environment, monkeypatch, tmp_path):
    config = write_toml(tmp_path, '[asr]\nbackend = "openai-whisper"\n', name="from-env.toml")
    monkeypatch.setenv("ADLOOM_CONFIG", str(config))
    assert load_settings().asr.backend == "openai-whisper"


def test_environment_overrides_the_toml_file_key_by_key(clean_environment, monkeypatch):
    config = write_toml(clean_environment, '[llm]\nbackend = "embedded"\nmodel = "from-toml"\n')
    monkeypatch.setenv("ADLOOM_LLM__BACKEND", "openai")
    settings = load_settings(config)
    assert settings.llm.backend == "openai"
    # Only the variable's key is overridden; the rest of the section still comes from the file.
    assert settings.llm.model == "from-toml"


def test_values_in_code_override_the_environment(clean_environment, monkeypatch):
    config = write_toml(clean_environment, '[llm]\nbackend = "embedded"\n')
    monkeypatch.setenv("ADLOOM_LLM__BACKEND", "openai")
    settings = load_settings(config, llm={"backend": "transformers"})
    assert settings.llm.backend == "transformers"


def test_bad_toml_value_names_the_key_and_its_variable(clean_environment):
    config = write_toml(clean_environment, '[llm]\nbackend = "gpt-5"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    assert "llm.backend" in message and "ADLOOM_LLM__BACKEND" in message
    assert str(config) in message
    assert "'embedded'" in message  # says what is allowed


def test_bad_environment_value_is_a_config_error_too(monkeypatch):
    monkeypatch.setenv("ADLOOM_LLM__MAX_RETRIES", "many")
    with pytest.raises(ConfigError, match=r"llm\.max_retries.*ADLOOM_LLM__MAX_RETRIES"):
        load_settings()


def test_unknown_keys_are_errors_each_on_its_own_line(clean_environment):
    config = write_toml(clean_environment, '[llm]\ncolour = "blue"\n[imagery]\nbackend = "x"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    lines = str(caught.value).splitlines()
    assert any("'llm.colour'" in line and "ADLOOM_LLM__COLOUR" in line for line in lines), lines
    assert any("'imagery'" in line and "ADLOOM_IMAGERY" in line for line in lines), lines


def test_every_bad_key_is_reported_at_once(clean_environment):
    config = write_toml(clean_environment, '[llm]\ntemperature = 9\n[tts]\nbackend = "espeak"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    assert "llm.temperature" in message and "tts.backend" in message


def test_bad_database_url_is_a_config_error(clean_environment):
    with pytest.raises(ConfigError, match="database_url"):
        load_settings(database_url="mysql://localhost/adloom")


def test_missing_explicit_config_file_is_an_error(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="config file not found") as caught:
        load_settings(missing)
    assert str(missing) in str(caught.value)


def test_malformed_toml_is_a_config_error_naming_the_file(clean_environment):
    config = write_toml(clean_environment, '[llm\nbackend = "embedded"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert str(config) in str(caught.value)


def test_api_key_is_secret_and_never_dumped(clean_environment, monkeypatch):
    monkeypatch.setenv("ADLOOM_LLM__API_KEY", "sk-test-do-not-print")
    settings = load_settings()
    assert isinstance(settings.llm.api_key, SecretStr)
    assert settings.llm.api_key.get_secret_value() == "sk-test-do-not-print"
    assert "sk-test-do-not-print" not in repr(settings)
    assert "sk-test-do-not-print" not in json.dumps(settings.model_dump(mode="json"))
    # What a run stores in the database is the same masked dump.
    assert "sk-test-do-not-print" not in json.dumps(settings_record(settings, None))


def test_settings_class_forbids_unknown_keys_in_code(tmp_path):
    with pytest.raises(Exception, match="llm_backend"):
        Settings(data_dir=tmp_path, llm_backend="openai")
