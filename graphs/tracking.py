"""Node bodies wrapped for the run's event log: started/finished/failed events and timings.

Shared by the campaign and footage graphs. A node's label is its name, or
``name:variant`` for the campaign's per-variant nodes; its seconds land in the state's
``timings`` under that label (the state's reducer adds up the seconds of repeated runs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from langgraph.runtime import Runtime
from langgraph.types import Command


class EventLog(Protocol):
    """What a graph's run-scoped context offers for tracking."""

    def record_event(self, node: str, event: str, detail: dict) -> None: ...


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
