"""What the campaign and footage graphs share about a run: its context and its event log.

:class:`GraphContext` holds a run's dependencies (tools, output folder, event sink, the
configured LLM loaded on first use). :func:`tracked` wraps node bodies for the event log:
started/finished/failed events and timings. A node's label is its name, or
``name:variant`` for the campaign's per-variant nodes; its seconds land in the state's
``timings`` under that label (the state's reducer adds up the seconds of repeated runs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import Command

from agents.llm_access import AgentLLM
from tools.context import ToolContext

EventSink = Callable[[str, str, dict], None]


def _ignore_event(node: str, event: str, detail: dict) -> None:
    """Default event sink for graphs run without a run log."""


@dataclass(kw_only=True)
class GraphContext:
    """Run-scoped dependencies every graph has (never checkpointed)."""

    tools: ToolContext
    out_dir: Path
    record_event: EventSink = _ignore_event
    _llm: AgentLLM | None = field(default=None, repr=False)

    @property
    def llm(self) -> AgentLLM:
        """The configured LLM, loaded (and kept warm in ``tools.models``) on first use."""
        if self._llm is None:
            self._llm = AgentLLM.load(self.tools.settings.llm, self.tools.models)
        return self._llm


def tracked(name: str, body: Callable[[Any, Any], dict | Command]) -> Callable[[Any, Runtime], dict | Command]:
    """Wrap ``body(state, context)``: log start, finish (with seconds) or failure, and time it."""

    def node(state: Any, runtime: Runtime) -> dict | Command:
        context = runtime.context
        label = f"{name}:{state['variant_id']}" if "variant_id" in state else name
        context.record_event(name, "started", {"label": label})
        started = time.perf_counter()
        try:
            result = body(state, context)
        except Exception as exc:
            context.record_event(name, "failed", {"label": label, "error": str(exc)})
            raise
        seconds = round(time.perf_counter() - started, 3)
        context.record_event(name, "finished", {"label": label, "seconds": seconds})
        timing = {"timings": {label: seconds}}
        if isinstance(result, Command):
            return Command(goto=result.goto, update={**(result.update or {}), **timing})
        return {**result, **timing}

    node.__name__ = name
    return node
