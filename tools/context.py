"""What every tool call receives besides its typed input."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adloom.storage.assets import AssetStore
from adloom.tools.config import ToolSettings

ProgressCallback = Callable[[str, float], None]
"""Called with a short label and a fraction in [0, 1] as a long tool call advances."""


def ignore_progress(label: str, fraction: float) -> None:
    """The default progress sink for callers that show no progress."""


class ResidentModels:
    """Loaded models kept warm in this process, one per key, loaded on first use.

    Entries are kept in least-recently-used order. Two optional limits serve the GPU
    tools (see :mod:`adloom.tools.model_manager`): a *slot* (one resident model per tool: loading
    another key into the same slot drops the old one first) and a *memory budget* (after a
    load, the least recently used other entries are dropped until the measured total fits).
    Calls without them behave exactly as a plain cache.
    """

    def __init__(self) -> None:
        self._models: OrderedDict[tuple[str, ...], Any] = OrderedDict()
        self._sizes: dict[tuple[str, ...], int] = {}
        self._slots: dict[str, tuple[str, ...]] = {}
        self._lock = threading.RLock()

    def get(
        self,
        key: tuple[str, ...],
        load: Callable[[], Any],
        *,
        slot: str | None = None,
        measure: Callable[[Any], int] | None = None,
        budget_bytes: int | None = None,
    ) -> Any:
        """The model for ``key``, loading it with ``load()`` on first use.

        Args:
            slot: keep at most one model per slot (e.g. ``"image"``).
            measure: bytes the loaded model holds, counted against ``budget_bytes``.
            budget_bytes: evict least recently used entries until the measured total fits.
        """
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]
            if slot is not None and self._slots.get(slot) not in (None, key):
                self.evict(self._slots[slot])
            model = load()
            self._models[key] = model
            self._sizes[key] = measure(model) if measure is not None else 0
            if slot is not None:
                self._slots[slot] = key
            if budget_bytes is not None:
                for older in list(self._models):
                    if self.total_bytes() <= budget_bytes or older == key:
                        break
                    self.evict(older)
            return model

    def evict(self, key: tuple[str, ...]) -> bool:
        """Forget ``key`` so its memory can be freed; True when it was resident."""
        with self._lock:
            if key not in self._models:
                return False
            del self._models[key]
            self._sizes.pop(key, None)
            for slot, held in list(self._slots.items()):
                if held == key:
                    del self._slots[slot]
            return True

    def total_bytes(self) -> int:
        """Measured bytes of the resident models (models loaded without ``measure`` count 0)."""
        return sum(self._sizes.values())

    def keys(self) -> list[tuple[str, ...]]:
        """Resident keys, least recently used first."""
        return list(self._models)


@dataclass
class ToolContext:
    """Settings, the asset store, warm models and a progress sink, passed to every tool."""

    settings: ToolSettings
    assets: AssetStore
    models: ResidentModels = field(default_factory=ResidentModels)
    progress: ProgressCallback = ignore_progress
