"""What the campaign and footage graphs share about a run: its context and its event log.

:class:`GraphContext` holds a run's dependencies (tools, output folder, event sink, the
configured LLM loaded on first use). :func:`tracked` wraps node bodies for the event log:
started/finished/failed events and timings. A node's label is its name, or
``name:variant`` for the campaign's per-variant nodes; its seconds land in the state's
``timings`` under that label (the state's reducer adds up the seconds of repeated runs).
Each event also carries the node's :data:`STAGES` words, what the marketer reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import Command

from adloom.agents.llm_access import AgentLLM
from adloom.tools.context import ToolContext

EventSink = Callable[[str, str, dict], None]


@dataclass(frozen=True)
class Stage:
    """A node as the marketer hears of it, and its typical seconds on the embedded default."""

    words: str
    typical_s: float
    makes: str = ""  # what it makes, for "making the copy again"


# Typical seconds of the campaign stages: the example brief on the embedded default, 2 CPU
# cores (its manifest's timings); the footage stages' are estimates, not yet measured. The
# progress bar weighs stages by them to estimate the time left.
STAGES: dict[str, Stage] = {
    "planner": Stage("Planning the scenes", 9),
    "copywriter": Stage("Writing the copy", 25, "the copy"),
    "art_director": Stage("Designing the scene pictures", 4.5, "the scene pictures"),
    "video": Stage("Animating the scenes", 8, "the scene video"),
    "voiceover": Stage("Recording the voiceover", 1.5, "the voiceover"),
    "subtitles": Stage("Timing the captions to the voice", 2.5, "the captions"),
    "editor": Stage("Editing the final video", 5, "the final video"),
    "critic": Stage("Checking the ad before you publish it", 8),
    "manifest": Stage("Saving the campaign files", 0.2),
    "scenes": Stage("Finding the shots in your footage", 5),
    "describe": Stage("Looking at each shot", 10),
    "select": Stage("Choosing shots and writing the voiceover", 20),
}


def stage_words(node: str, variant_id: str | None = None) -> str:
    """What the marketer reads for a node (of one variant)."""
    words = STAGES[node].words if node in STAGES else node
    return f"{words} ({variant_id})" if variant_id else words


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
        """The configured LLM, loaded (and kept warm in ``adloom.tools.models``) on first use."""
        if self._llm is None:
            self._llm = AgentLLM.load(self.tools.settings.llm, self.tools.models)
        return self._llm


def _variant_of(state: Any) -> str | None:
    """The variant a per-variant node works on (the id of its record's planned variant)."""
    variant = state.get("variant")
    return variant["id"] if isinstance(variant, dict) else None


def tracked(name: str, body: Callable[[Any, Any], dict | Command]) -> Callable[[Any, Runtime], dict | Command]:
    """Wrap ``body(state, context)``: log start, finish (with seconds) or failure, and time it."""

    def node(state: Any, runtime: Runtime) -> dict | Command:
        context = runtime.context
        variant_id = _variant_of(state)
        label = f"{name}:{variant_id}" if variant_id else name
        words = stage_words(name, variant_id)
        context.record_event(name, "started", {"label": label, "words": words})
        started = time.perf_counter()
        try:
            result = body(state, context)
        except Exception as exc:
            context.record_event(name, "failed", {"label": label, "words": words, "error": str(exc)})
            raise
        seconds = round(time.perf_counter() - started, 3)
        context.record_event(name, "finished", {"label": label, "words": words, "seconds": seconds})
        timing = {"timings": {label: seconds}}
        if isinstance(result, Command):
            return Command(goto=result.goto, update={**(result.update or {}), **timing})
        return {**result, **timing}

    node.__name__ = name
    return node
