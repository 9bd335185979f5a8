"""A scripted chat backend for tests, plus valid replies for the campaign's LLM calls.

:class:`ScriptedBackend` implements the real :class:`adloom.tools.llm.backend.ChatBackend`
protocol, so everything above it (``generate_structured``, ``AgentLLM``, the agents and
the campaign graph) runs for real; only the model's words are chosen by the test. Replies
are picked by the JSON schema's title the caller asks for (``PlanDraft``,
``CopyDraft_tiktok``, ``ScriptDraft_4``), which is how the agents' calls differ.
:class:`ScriptedToolBackend` also answers the chat planner's tool-calling requests.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from adloom.tools.config import LLMSettings
from adloom.tools.context import ResidentModels
from adloom.tools.embeddings.tool import embed_texts
from adloom.tools.llm import Completion, FunctionSpec, ToolCall, override_backend

GARBAGE = "Sure! Here is some great copy for you, I hope you like it."
"""A reply that is not JSON at all: every structured call fails on it."""


@dataclass(frozen=True)
class ScriptedCall:
    """One request the backend received."""

    messages: list[dict[str, str]]
    schema_title: str
    seed: int | None
    max_tokens: int
    temperature: float

    @property
    def prompt(self) -> str:
        """The first user message: what the agent asked for."""
        return next(m["content"] for m in self.messages if m["role"] == "user")

    @property
    def last_message(self) -> str:
        return self.messages[-1]["content"]

    @property
    def is_reask(self) -> bool:
        """True when this call shows the model its rejected reply (a re-ask)."""
        return any(m["role"] == "assistant" for m in self.messages)


Reply = str | Callable[[ScriptedCall], str]


class ScriptedBackend:
    """Answers from a script keyed by schema-title prefix.

    Each key's replies are used in order; the last one then repeats. The longest matching
    prefix wins, and the key ``""`` matches every call. A reply is a string or a function
    of the :class:`ScriptedCall`. Thread-safe: variant branches call it concurrently.
    """

    name = "scripted"
    model_id = "scripted-v1"

    def __init__(self, script: Mapping[str, Sequence[Reply]] | Sequence[Reply]):
        if not isinstance(script, Mapping):
            script = {"": script}
        if any(not replies for replies in script.values()):
            raise ValueError("every script key needs at least one reply")
        self._script = {prefix: list(replies) for prefix, replies in script.items()}
        self._used = {prefix: 0 for prefix in script}
        self._lock = threading.Lock()
        self.calls: list[ScriptedCall] = []

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.7,
        seed: int | None = None,
    ) -> Completion:
        started = time.perf_counter()
        call = ScriptedCall(
            messages=[dict(m) for m in messages], schema_title=(json_schema or {}).get("title", ""),
            seed=seed, max_tokens=max_tokens, temperature=temperature,
        )
        with self._lock:
            self.calls.append(call)
            matching = [prefix for prefix in self._script if call.schema_title.startswith(prefix)]
            if not matching:
                raise AssertionError(f"the script has no reply for a {call.schema_title!r} request")
            prefix = max(matching, key=len)
            replies = self._script[prefix]
            reply = replies[min(self._used[prefix], len(replies) - 1)]
            self._used[prefix] += 1
        text = reply(call) if callable(reply) else reply
        return Completion(
            text=text, prompt_tokens=sum(len(m["content"].split()) for m in messages),
            completion_tokens=len(text.split()), seconds=time.perf_counter() - started,
        )

    def calls_for(self, prefix: str) -> list[ScriptedCall]:
        """The calls whose schema title starts with ``prefix``, in order."""
        with self._lock:
            return [call for call in self.calls if call.schema_title.startswith(prefix)]


ToolCalls = list[tuple[str, dict]]
ToolTurn = str | ToolCalls | tuple[str, ToolCalls] | Callable[[list[dict]], "str | ToolCalls | tuple[str, ToolCalls]"]
"""A tool-calling reply: text, ``(tool name, arguments)`` calls, both as ``(text, calls)``, or a function of the messages."""


class ScriptedToolBackend(ScriptedBackend):
    """A :class:`ScriptedBackend` that also calls tools, from ``tool_turns`` in order.

    Running out of turns is a test failure (it says how many were asked for). Every request
    is kept in :attr:`tool_requests` as ``(messages, tool names)``.
    """

    def __init__(self, script: Mapping[str, Sequence[Reply]] | Sequence[Reply], tool_turns: Sequence[ToolTurn]):
        super().__init__(script)
        self._tool_turns = list(tool_turns)
        self.tool_requests: list[tuple[list[dict], list[str]]] = []

    def call_tools(
        self, messages: list[dict], tools: list[FunctionSpec], *, max_tokens: int = 512, temperature: float = 0.2,
        seed: int | None = None,
    ) -> Completion:
        with self._lock:
            number = len(self.tool_requests)
            self.tool_requests.append(([json.loads(json.dumps(m)) for m in messages], [t.name for t in tools]))
            if number >= len(self._tool_turns):
                raise AssertionError(f"tool-calling request {number + 1}, but the script has {len(self._tool_turns)}")
            turn = self._tool_turns[number]
        if callable(turn):
            turn = turn(messages)
        text, calls = (turn, []) if isinstance(turn, str) else turn if isinstance(turn, tuple) else ("", turn)
        return Completion(
            text=text, prompt_tokens=1, completion_tokens=len(text.split()) + len(calls), seconds=0.0,
            tool_calls=tuple(ToolCall(id=f"call_{number}_{i}", name=name, arguments=args)
                             for i, (name, args) in enumerate(calls)),
        )


# --- valid replies ----------------------------------------------------------------------


def plan_reply(key_messages: list[str], visuals: list[str], weights: list[int] | None = None) -> str:
    weights = weights or [3] * len(visuals)
    return json.dumps({
        "key_messages": key_messages,
        "scenes": [{"visual": v, "weight": w} for v, w in zip(visuals, weights)],
    })


def copy_reply(headline: str, primary_text: str, cta: str) -> str:
    return json.dumps({"headline": headline, "primary_text": primary_text, "cta": cta})


def script_reply(lines: list[str]) -> str:
    return json.dumps({"lines": lines})


def filling_script_lines(pairs: list[str], triples: list[str]) -> Callable[[ScriptedCall], str]:
    """A valid voiceover reply built from grounded two- and three-word sentences.

    The prompt lists each scene's "N to M words"; each line has exactly N words (any N >= 2
    is a sum of twos and threes), so every line fills its scene and fits its budget.
    """
    def reply(call: ScriptedCall) -> str:
        least = [int(n) for n in re.findall(r"^Scene \d+ \([^)]*\): (\d+) to \d+ words", call.prompt, re.M)]
        lines = []
        for scene, count in enumerate(least):
            twos = {0: 0, 1: 2, 2: 1}[count % 3]
            threes = (count - 2 * twos) // 3
            line = [triples[(scene + i) % len(triples)] for i in range(threes)]
            line += [pairs[(scene + i) % len(pairs)] for i in range(twos)]
            lines.append(" ".join(line))
        return script_reply(lines)

    return reply


# Grounded in examples/brief.yaml.
short_script_lines = filling_script_lines(
    ["Northwind Coffee.", "Naturally sweet.", "Low acidity.", "Smooth coffee."],
    ["Northwind Cold Brew.", "No added sugar.", "Colombian beans, steeped.", "Grab a can."],
)


VALID_NORTHWIND_COPY = copy_reply(
    "Northwind Cold Brew for busy mornings",
    "Northwind Cold Brew is steeped for 18 hours from single-origin Colombian beans, with no added sugar.",
    "Grab a can",
)


def northwind_script() -> dict[str, list[Reply]]:
    """Valid replies for every LLM call of a campaign on ``examples/brief.yaml``."""
    return {
        "PlanDraft": [plan_reply(
            ["Steeped for 18 hours", "No added sugar"],
            ["A commuter opens a can on the train", "Close-up of the can", "Cold brew poured over ice",
             "Logo and call to action"],
            [2, 3, 3, 2],
        )],
        "CopyDraft": [VALID_NORTHWIND_COPY],
        "ScriptDraft": [short_script_lines],
    }


# --- resident models --------------------------------------------------------------------


@lru_cache(maxsize=1)
def warm_models() -> ResidentModels:
    """A process-wide ResidentModels with MiniLM loaded (so each test does not reload it)."""
    models = ResidentModels()
    embed_texts(["warm up"], models)
    return models


def models_with_backend(backend: Any, llm_settings: LLMSettings, *, share_embeddings: bool = True) -> ResidentModels:
    """Fresh resident models whose LLM for ``llm_settings`` is ``backend``.

    Args:
        share_embeddings: reuse the process-wide MiniLM (see :func:`warm_models`).
    """
    models = ResidentModels()
    if share_embeddings:
        warm = warm_models()
        for key in warm.keys():
            models.get(key, lambda key=key: warm.get(key, _never_loaded))
    override_backend(models, llm_settings, backend)
    return models


def _never_loaded() -> Any:
    raise AssertionError("a warm model disappeared")
