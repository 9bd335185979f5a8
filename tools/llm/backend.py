"""The one interface every LLM backend provides, and how config picks one.

A backend turns a chat (a list of ``{"role", "content"}`` dicts) into a
:class:`Completion`. When given a JSON schema it does its best to make the reply match
it: the embedded model constrains decoding with a grammar, an OpenAI-compatible
endpoint uses the provider's ``response_format``, a local transformers model is told
the schema in its prompt. Callers that need a typed object go through
:func:`adloom.tools.llm.structured.generate_structured`, which validates and re-asks.

Backends that can call tools (an OpenAI-compatible endpoint) also provide
:class:`ToolCallingBackend`: given :class:`FunctionSpec` s, a reply may be
:class:`ToolCall` s instead of text. The chat planner uses that to drive the sub-agents
as tools; every other caller, and every backend without it, uses schema-constrained JSON.

Backend modules import their heavy libraries (llama.cpp, LangChain, torch) only when
:func:`load_backend` picks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from adloom.tools.config import LLMSettings

CHAT_ROLES = ("system", "user", "assistant")
TOOL_CHAT_ROLES = (*CHAT_ROLES, "tool")


class LLMError(RuntimeError):
    """An LLM backend failed to produce a completion; the message says what to change."""


class ModelNotFoundError(FileNotFoundError):
    """The configured model file or folder does not exist or is incomplete."""


class ModelIntegrityError(ValueError):
    """A packaged model file's sha256 differs from the recorded one."""


@dataclass(frozen=True)
class FunctionSpec:
    """A tool the model may call: its name, what it is for, and its arguments' JSON schema."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    """One tool call in a model's reply.

    Attributes:
        id: the provider's call id; the tool's result message names it.
        name: which tool.
        arguments: the parsed arguments (empty when they were not valid JSON).
        problem: why the arguments could not be read, or "" when they could.
    """

    id: str
    name: str
    arguments: dict[str, Any]
    problem: str = ""

    def as_message_item(self) -> dict[str, Any]:
        """The call as it is kept in a chat transcript (``messages[i]["tool_calls"]``)."""
        return {"id": self.id, "name": self.name, "arguments": self.arguments}


@dataclass(frozen=True)
class Completion:
    """One reply of a chat model.

    Attributes:
        text: the assistant's reply.
        prompt_tokens: tokens the model read (0 when the provider does not say).
        completion_tokens: tokens the model generated (0 when the provider does not say).
        seconds: wall-clock time of the call.
        tool_calls: the tools the model called (only from :meth:`ToolCallingBackend.call_tools`).
    """

    text: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    tool_calls: tuple[ToolCall, ...] = ()


@runtime_checkable
class ChatBackend(Protocol):
    """What every LLM backend provides."""

    name: str
    """The backend's config name: ``embedded``, ``openai`` or ``transformers``."""
    model_id: str
    """Identifies the model for cache keys and manifests (file stem, model name or folder)."""

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.7,
        seed: int | None = None,
    ) -> Completion:
        """Answer the chat.

        Args:
            messages: ``{"role": "system"|"user"|"assistant", "content": str}`` dicts.
            json_schema: when given, the reply should be one JSON object matching it.
            max_tokens: upper bound on generated tokens.
            temperature: 0 means greedy decoding.
            seed: fixes sampling where the backend supports it.
        """
        ...


@runtime_checkable
class ToolCallingBackend(ChatBackend, Protocol):
    """A backend whose model can answer with tool calls."""

    def call_tools(
        self,
        messages: list[dict[str, Any]],
        tools: list[FunctionSpec],
        *,
        max_tokens: int = 512,
        temperature: float = 0.2,
        seed: int | None = None,
    ) -> Completion:
        """Answer the chat with text, tool calls, or both.

        Args:
            messages: chat messages as for :meth:`ChatBackend.chat`, plus assistant messages
                with ``"tool_calls"`` (items of :meth:`ToolCall.as_message_item`) and
                ``{"role": "tool", "tool_call_id", "content"}`` results.
            tools: what the model may call.
        """
        ...


def calls_tools(backend: ChatBackend, settings: LLMSettings) -> bool:
    """Whether the chat planner should drive ``backend`` through tool calls."""
    return settings.tool_calls and isinstance(backend, ToolCallingBackend)


def check_messages(messages: list[dict[str, str]]) -> None:
    """Raise a ValueError naming the first malformed message, before any compute."""
    if not messages:
        raise ValueError("messages: at least one chat message is needed")
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise ValueError(f"messages[{index}]: expected a dict with 'role' and 'content'")
        role = message.get("role")
        if role not in CHAT_ROLES:
            raise ValueError(f"messages[{index}].role: {role!r} is not one of {', '.join(CHAT_ROLES)}")
        if not isinstance(message.get("content"), str):
            raise ValueError(f"messages[{index}].content: expected a string")


def check_tool_messages(messages: list[dict[str, Any]]) -> None:
    """Like :func:`check_messages`, for a transcript with tool calls and tool results."""
    if not messages:
        raise ValueError("messages: at least one chat message is needed")
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in TOOL_CHAT_ROLES:
            raise ValueError(f"messages[{index}].role: {role!r} is not one of {', '.join(TOOL_CHAT_ROLES)}")
        if role == "tool" and not message.get("tool_call_id"):
            raise ValueError(f"messages[{index}]: a tool result needs the 'tool_call_id' it answers")
        if not isinstance(message.get("content"), str):
            raise ValueError(f"messages[{index}].content: expected a string")
        for item in message.get("tool_calls", []):
            if not {"id", "name", "arguments"} <= set(item):
                raise ValueError(f"messages[{index}].tool_calls: each call needs 'id', 'name' and 'arguments'")


def with_schema_instruction(messages: list[dict[str, str]], instruction: str) -> list[dict[str, str]]:
    """A copy of ``messages`` with ``instruction`` added to the system message.

    Used by backends that cannot constrain decoding, so the model at least sees the
    schema. The instruction joins an existing leading system message (several chat
    templates accept only one system message, and only first).
    """
    if messages and messages[0]["role"] == "system":
        first = {"role": "system", "content": f"{messages[0]['content']}\n\n{instruction}"}
        return [first, *messages[1:]]
    return [{"role": "system", "content": instruction}, *messages]
