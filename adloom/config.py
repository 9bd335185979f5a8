"""The one typed settings object, read from ``adloom.toml`` and ``ADLOOM_*`` variables.

Precedence, highest first: values passed in code, environment variables
(``ADLOOM_<SECTION>__<KEY>``, e.g. ``ADLOOM_LLM__BACKEND=openai``), the TOML file.
Settings are built once at start and passed down; nothing deeper reads the environment.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from adloom.api.settings import ServerSettings
from adloom.agents.config import CopywriterSettings
from adloom.tools.config import ASRSettings, FootageSettings, ImageSettings, LLMSettings, TTSSettings, VideoSettings

DEFAULT_CONFIG_FILE = "adloom.toml"
MAX_CONFIG_BYTES = 1024 * 1024
_config_file: ContextVar[Path | None] = ContextVar("adloom_config_file", default=None)


class ConfigError(ValueError):
    """The configuration is invalid; the message names each bad key."""


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "adloom"


class RunSettings(BaseModel):
    """``[runs]``: how runs hold their ownership."""

    model_config = ConfigDict(extra="forbid")

    lease_s: float = Field(
        default=30.0, ge=1.0, le=3600.0,
        description="A live run's lease: renewed every third of it; a run whose process died shows as "
                    "interrupted (and may be resumed) this long after its last renewal.",
    )


class Settings(BaseSettings):
    """Everything adloom reads at start."""

    model_config = SettingsConfigDict(
        env_prefix="ADLOOM_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = Field(default="", description="SQLAlchemy URL; empty = SQLite in data_dir.")
    llm: LLMSettings = Field(default_factory=LLMSettings)
    image: ImageSettings = Field(default_factory=ImageSettings)
    video: VideoSettings = Field(default_factory=VideoSettings)
    tts: TTSSettings = Field(default_factory=TTSSettings)
    asr: ASRSettings = Field(default_factory=ASRSettings)
    copywriter: CopywriterSettings = Field(default_factory=CopywriterSettings)
    footage: FootageSettings = Field(default_factory=FootageSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    runs: RunSettings = Field(default_factory=RunSettings)

    @field_validator("data_dir")
    @classmethod
    def _data_dir_named(cls, value: Path) -> Path:
        if not str(value).strip() or str(value) == ".":
            raise ValueError("must name a folder (an empty value would put the database in the current folder)")
        if "\x00" in str(value):
            raise ValueError("contains a NUL byte")
        return value.expanduser()

    @model_validator(mode="after")
    def _fill_database_url(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'adloom.db').resolve()}"
        elif not self.database_url.startswith(("sqlite", "postgresql")):
            raise ValueError("database_url must be a sqlite:/// or postgresql+psycopg:// URL")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _config_file.get()
        if config_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)

    @property
    def runs_dir(self) -> Path:
        return self.data_dir / "runs"

    @property
    def checkpoint_path(self) -> Path:
        return self.data_dir / "checkpoints.sqlite"


def _describe(error: dict) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    env_name = "ADLOOM_" + "__".join(str(part).upper() for part in error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    return f"config key '{key}' (or {env_name}): {message}"


def load_settings(config_file: Path | str | None = None, **overrides) -> Settings:
    """Build the settings from a TOML file (default ``./adloom.toml`` when it exists) and env.

    Raises:
        ConfigError: one line per invalid key, each naming the key and its env variable.
    """
    named_by = "--config"
    if config_file is None and os.environ.get("ADLOOM_CONFIG"):
        config_file, named_by = os.environ["ADLOOM_CONFIG"], "ADLOOM_CONFIG"
    if config_file is None:
        default = Path(DEFAULT_CONFIG_FILE)
        config_file = default if default.is_file() else None
    elif Path(config_file).is_dir():
        raise ConfigError(f"config file {config_file} (from {named_by}) is a folder, not a TOML file")
    elif not Path(config_file).is_file():
        raise ConfigError(f"config file not found: {config_file} (from {named_by})")
    if config_file is not None and Path(config_file).stat().st_size > MAX_CONFIG_BYTES:
        raise ConfigError(f"config file {config_file} is over {MAX_CONFIG_BYTES} bytes; is it the right file?")
    token = _config_file.set(Path(config_file) if config_file else None)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        source = f" in {config_file}" if config_file else ""
        lines = [_describe(error) for error in exc.errors()]
        raise ConfigError(f"invalid configuration{source}:\n  " + "\n  ".join(lines)) from None
    except (ValueError, UnicodeDecodeError) as exc:  # malformed TOML
        raise ConfigError(f"cannot read config file {config_file}: {' '.join(str(exc).split())}") from None
    except RecursionError:  # tomllib parses nested arrays recursively
        raise ConfigError(f"cannot read config file {config_file}: nested too deeply") from None
    finally:
        _config_file.reset(token)
