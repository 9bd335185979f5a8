"""How a capability picks its backend: one table per capability, chosen by a setting.

Each capability with several backends (``[llm]``, ``[asr]``, ``[tts]``, ``[video]``)
declares one :class:`BackendTable` mapping the names its setting accepts to the
``"module:attribute"`` that builds that backend. The module is imported only when its
backend is chosen, so a backend's heavy libraries (llama.cpp, torch, a GPU pipeline)
load only where they are used, and backend modules never import one another.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BackendTable:
    """The backends of one capability.

    Args:
        setting: the setting that names the backend, as a marketer sees it (``"[asr] backend"``).
        entries: backend name -> ``"module:attribute"`` of what builds it.
        error: raised for a name not in the table.
    """

    setting: str
    entries: Mapping[str, str]
    error: type[Exception]

    @property
    def names(self) -> tuple[str, ...]:
        """The backend names this capability accepts."""
        return tuple(self.entries)

    def get(self, name: str) -> Any:
        """What builds backend ``name``, imported now.

        Raises:
            error: ``name`` is not a backend of this capability; the message lists those that are.
        """
        if name not in self.entries:
            choices = ", ".join(repr(known) for known in self.entries)
            raise self.error(f"{self.setting} = {name!r} is unknown; use one of {choices}")
        module, _, attribute = self.entries[name].partition(":")
        return getattr(importlib.import_module(module), attribute)
