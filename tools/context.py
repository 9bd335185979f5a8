"""What every tool call receives besides its typed input."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from storage.assets import AssetStore
from tools.config import ToolSettings

ProgressCallback = Callable[[str, float], None]
"""Called with a short label and a fraction in [0, 1] as a long tool call advances."""


def ignore_progress(label: str, fraction: float) -> None:
    """The default progress sink for callers that show no progress."""


class ResidentModels:
    """Loaded models kept warm in this process, one per key, loaded on first use."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, ...], Any] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...], load: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._models:
                self._models[key] = load()
            return self._models[key]

    def keys(self) -> list[tuple[str, ...]]:
        return list(self._models)


@dataclass
class ToolContext:
    """Settings, the asset store, warm models and a progress sink, passed to every tool."""

    settings: ToolSettings
    assets: AssetStore
    models: ResidentModels = field(default_factory=ResidentModels)
    progress: ProgressCallback = ignore_progress
