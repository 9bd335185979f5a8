"""Test-wide guards and fixtures.

Every test runs offline: hub downloads are disabled and any socket connection to a
non-loopback address fails, so a test that would reach a real remote model or
website fails loudly instead of passing by luck.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import socket
from pathlib import Path

import pytest

# adloom's settings come from the tests alone: whatever ADLOOM_* a developer's shell sets
# (ADLOOM_LLM__BACKEND=openai, ADLOOM_DATA_DIR=...) is dropped, for this process and the
# processes tests start. Kept: the variables that say where the suite's own resources are.
SUITE_VARIABLES = frozenset({
    "ADLOOM_SHARED_DATA", "ADLOOM_TEST_POSTGRES_URL", "ADLOOM_CONTRACT_PLUGINS", "ADLOOM_UPDATE_SNAPSHOTS",
    "ADLOOM_SCREENSHOTS",
})
for _name in [name for name in os.environ if name.startswith("ADLOOM_") and name not in SUITE_VARIABLES]:
    del os.environ[_name]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO_ROOT = Path(__file__).resolve().parents[1]

# Piper is an opt-in extra (piper-tts is GPL-3.0-or-later): its tests run where it is installed.
needs_piper = pytest.mark.skipif(
    importlib.util.find_spec("piper") is None,
    reason="the opt-in piper extra is not installed (pip install 'adloom[piper]')",
)

_real_connect = socket.socket.connect


def _loopback_only_connect(sock: socket.socket, address) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host == "localhost"
        if not allowed:
            raise ConnectionRefusedError(f"tests may not reach the network (tried {host})")
    return _real_connect(sock, address)


socket.socket.connect = _loopback_only_connect  # type: ignore[method-assign]

# The pydantic-ai style guard: a request to a non-loopback LLM endpoint raises
# RemoteModelRequestBlocked before any network I/O, for the whole session.
import adloom.tools.llm.openai_compatible as _llm_openai_compatible  # noqa: E402

_llm_openai_compatible.ALLOW_MODEL_REQUESTS = False


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared third-party test data folder; skipped only outside CI when absent."""
    path = Path(os.environ.get("ADLOOM_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
    if not path.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared test data missing at {path} (set ADLOOM_SHARED_DATA)")
        pytest.skip(f"shared test data not found at {path}")
    return path


@pytest.fixture
def settings(tmp_path: Path):
    """Settings isolated in a temporary data directory, ignoring any adloom.toml."""
    from adloom.config import Settings

    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def tool_context(settings):
    """A ToolContext over a fresh asset store."""
    from adloom.storage.assets import AssetStore
    from adloom.tools.context import ToolContext

    return ToolContext(settings=settings, assets=AssetStore(settings.data_dir))
