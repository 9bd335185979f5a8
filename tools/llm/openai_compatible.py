"""Any OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server, OpenAI) via LangChain.

Requests go through :class:`langchain_openai.ChatOpenAI` (Chat Completions API). A JSON
schema is sent as the provider's ``response_format`` of type ``json_schema`` (``strict``
when the schema allows it); an endpoint that rejects that gets ``json_object`` plus the
schema in the prompt from then on.

Tests set :data:`ALLOW_MODEL_REQUESTS` to False: any request to a non-loopback endpoint
then raises :class:`RemoteModelRequestBlocked` before a socket is opened. Tests that need
scripted answers pass their own LangChain chat model (``chat_model=``) instead of
patching call sites.

:meth:`OpenAICompatibleBackend.call_tools` sends the Chat Completions ``tools`` list (the
chat planner's sub-agents) and returns the model's tool calls.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from adloom.tools.config import LLMSettings
from adloom.tools.llm.backend import (
    Completion,
    LLMError,
    ToolCall,
    FunctionSpec,
    check_messages,
    check_tool_messages,
    with_schema_instruction,
)
from adloom.tools.llm.prompts import load_prompt

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage

ALLOW_MODEL_REQUESTS = True
"""When False, requests to endpoints other than loopback raise before any network I/O."""

DEFAULT_BASE_URL = "https://api.openai.com/v1"
# Local servers (vLLM, Ollama, llama.cpp) ignore the key, but the OpenAI client refuses
# to start without one.
_UNUSED_LOCAL_KEY = "unused-local-key"
_KEY_HINT = "set ADLOOM_LLM__API_KEY or `api_key` under [llm] in adloom.toml"
_SCHEMA_NAME = re.compile(r"[^A-Za-z0-9_-]")


class RemoteModelRequestBlocked(RuntimeError):
    """A request to a remote model endpoint while ``ALLOW_MODEL_REQUESTS`` is False."""


class LLMAuthenticationError(LLMError):
    """The endpoint needs an API key that is missing or was refused."""


def is_loopback_url(url: str) -> bool:
    """Whether ``url``'s host is this machine (``localhost`` or a loopback address)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def strict_json_schema(schema: dict[str, Any]) -> dict[str, Any] | None:
    """``schema`` made acceptable to OpenAI's strict mode, or None when that changes its meaning.

    Strict mode needs every property required and ``additionalProperties: false`` on
    every object; a schema with optional fields or open objects is sent non-strict.
    """
    strict = copy.deepcopy(schema)
    objects: list[dict[str, Any]] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" or "properties" in node:
                objects.append(node)
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(strict)
    for node in objects:
        properties = node.get("properties", {})
        if set(properties) != set(node.get("required", [])):
            return None
        if node.get("additionalProperties", False) is not False:
            return None
        node["additionalProperties"] = False
    return strict


class OpenAICompatibleBackend:
    """Chat through an OpenAI-compatible endpoint, or through an injected LangChain chat model."""

    name = "openai"

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: SecretStr | None = None,
        timeout_s: float = 120.0,
        max_retries: int = 3,
        chat_model: BaseChatModel | None = None,
    ):
        """Prepare the client; nothing is sent until :meth:`chat`.

        Args:
            model: the model name the endpoint serves (``[llm] model``).
            base_url: endpoint root ending in ``/v1``; None means OpenAI's.
            api_key: needed for non-loopback endpoints; never logged.
            timeout_s: per-request timeout.
            max_retries: the client's retries on connection errors, 429 and 5xx.
            chat_model: use this LangChain chat model instead of building ChatOpenAI
                (scripted fakes in tests, or a provider class of your choice).

        Raises:
            ValueError: no model name.
            LLMAuthenticationError: no key for a non-loopback endpoint.
        """
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self._json_schema_supported = True
        self._lock = threading.Lock()
        if chat_model is not None:
            self._chat_model = chat_model
            self.model_id = model or type(chat_model).__name__
            # An injected ChatOpenAI still talks to its own endpoint; the guard checks that one.
            self.base_url = str(getattr(chat_model, "openai_api_base", None) or "").rstrip("/")
            return
        if not model:
            raise ValueError("[llm] model: the openai backend needs the model name the endpoint serves "
                             "(ADLOOM_LLM__MODEL), e.g. 'gpt-4o-mini' or 'qwen2.5:7b'")
        if api_key is None or not api_key.get_secret_value():
            if not is_loopback_url(self.base_url):
                raise LLMAuthenticationError(f"no API key for the LLM endpoint {self.base_url}: {_KEY_HINT}")
            api_key = SecretStr(_UNUSED_LOCAL_KEY)
        from langchain_openai import ChatOpenAI

        self.model_id = model
        self._chat_model = ChatOpenAI(
            model=model,
            base_url=self.base_url,
            api_key=api_key,
            timeout=timeout_s,
            max_retries=max_retries,
            use_responses_api=False,
        )

    @classmethod
    def from_settings(cls, settings: LLMSettings, *, chat_model: BaseChatModel | None = None) -> OpenAICompatibleBackend:
        """The endpoint ``[llm] base_url`` / ``model`` / ``api_key`` name."""
        return cls(
            model=settings.model,
            base_url=settings.base_url,
            api_key=settings.api_key,
            timeout_s=settings.timeout_s,
            max_retries=settings.max_retries,
            chat_model=chat_model,
        )

    def __repr__(self) -> str:
        return f"OpenAICompatibleBackend(model={self.model_id!r}, base_url={self.base_url!r})"

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.7,
        seed: int | None = None,
    ) -> Completion:
        """Send the chat; map auth and connection failures to errors that say what to do.

        Raises:
            RemoteModelRequestBlocked: guard is off and the endpoint is not loopback.
            LLMAuthenticationError: the endpoint answered 401.
            LLMError: the endpoint cannot be reached or answered with another error.
        """
        check_messages(messages)
        self._check_request_allowed()
        options = _sampling_options(max_tokens, temperature, seed)
        started = time.perf_counter()
        with self._lock:
            use_json_schema = self._json_schema_supported
        if json_schema is not None and use_json_schema:
            try:
                reply = self._invoke(messages, response_format=_json_schema_format(json_schema), **options)
            except LLMError as exc:
                if not _rejects_response_format(exc):
                    raise
                # This endpoint cannot do json_schema; ask for plain JSON from now on.
                with self._lock:
                    self._json_schema_supported = False
                reply = self._invoke_json_object(messages, json_schema, options)
        elif json_schema is not None:
            reply = self._invoke_json_object(messages, json_schema, options)
        else:
            reply = self._invoke(messages, **options)
        seconds = time.perf_counter() - started
        usage = reply.usage_metadata or {}
        return Completion(
            text=_reply_text(reply),
            prompt_tokens=int(usage.get("input_tokens", 0)),
            completion_tokens=int(usage.get("output_tokens", 0)),
            seconds=seconds,
        )

    def call_tools(
        self,
        messages: list[dict[str, Any]],
        tools: list[FunctionSpec],
        *,
        max_tokens: int = 512,
        temperature: float = 0.2,
        seed: int | None = None,
    ) -> Completion:
        """Send the chat with ``tools``; the reply's tool calls come back parsed.

        A call whose arguments are not valid JSON comes back with ``problem`` set, so the
        caller can tell the model instead of failing the turn.

        Raises:
            RemoteModelRequestBlocked, LLMAuthenticationError, LLMError: as :meth:`chat`.
        """
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

        check_tool_messages(messages)
        self._check_request_allowed()
        history = []
        for message in messages:
            role, content = message["role"], message["content"]
            if role == "system":
                history.append(SystemMessage(content))
            elif role == "user":
                history.append(HumanMessage(content))
            elif role == "tool":
                history.append(ToolMessage(content, tool_call_id=message["tool_call_id"]))
            else:
                calls = [{"name": c["name"], "args": c["arguments"], "id": c["id"], "type": "tool_call"}
                         for c in message.get("tool_calls", [])]
                history.append(AIMessage(content, tool_calls=calls))
        functions = [{"type": "function", "function": {"name": t.name, "description": t.description,
                                                        "parameters": t.parameters}} for t in tools]
        started = time.perf_counter()
        reply = self._invoke_model(self._chat_model.bind_tools(functions), history,
                                   **_sampling_options(max_tokens, temperature, seed))
        calls = [ToolCall(id=c["id"] or f"call_{i}", name=c["name"], arguments=dict(c["args"]))
                 for i, c in enumerate(reply.tool_calls)]
        calls += [ToolCall(id=c.get("id") or f"invalid_{i}", name=c.get("name") or "",
                           arguments={}, problem=f"the arguments are not valid JSON: {c.get('args')!r}")
                  for i, c in enumerate(reply.invalid_tool_calls)]
        usage = reply.usage_metadata or {}
        return Completion(
            text=reply.text, prompt_tokens=int(usage.get("input_tokens", 0)),
            completion_tokens=int(usage.get("output_tokens", 0)), seconds=time.perf_counter() - started,
            tool_calls=tuple(calls),
        )

    def _check_request_allowed(self) -> None:
        if not ALLOW_MODEL_REQUESTS and self.base_url and not is_loopback_url(self.base_url):
            raise RemoteModelRequestBlocked(
                f"request to {self.base_url} blocked: tools.llm.openai_compatible.ALLOW_MODEL_REQUESTS "
                "is False (tests must use a loopback server or an injected chat model)"
            )

    def _invoke_json_object(
        self, messages: list[dict[str, str]], json_schema: dict[str, Any], options: dict[str, Any]
    ) -> AIMessage:
        instruction = load_prompt("json_schema_instruction", schema=json.dumps(json_schema, indent=1))
        return self._invoke(
            with_schema_instruction(messages, instruction),
            response_format={"type": "json_object"},
            **options,
        )

    def _invoke(self, messages: list[dict[str, str]], **options: Any) -> AIMessage:
        from langchain_core.messages import convert_to_messages

        return self._invoke_model(self._chat_model, convert_to_messages(messages), **options)

    def _invoke_model(self, model: Any, history: list[Any], **options: Any) -> AIMessage:
        """``model.invoke(history)`` with the endpoint's failures mapped to errors that say what to do."""
        import openai

        try:
            return model.invoke(history, **options)
        except openai.AuthenticationError:
            raise LLMAuthenticationError(
                f"the LLM endpoint {self.base_url} refused the API key (HTTP 401): {_KEY_HINT}"
            ) from None
        except openai.APIConnectionError as exc:
            raise LLMError(
                f"cannot reach the LLM endpoint {self.base_url} ({type(exc).__name__}); "
                "check [llm] base_url (ADLOOM_LLM__BASE_URL) and that the server is running"
            ) from exc
        except openai.APIStatusError as exc:
            raise LLMError(
                f"the LLM endpoint {self.base_url} answered HTTP {exc.status_code} "
                f"for model {self.model_id!r}: {exc.message}"
            ) from exc


def _sampling_options(max_tokens: int, temperature: float, seed: int | None) -> dict[str, Any]:
    options: dict[str, Any] = {"max_tokens": max_tokens, "temperature": temperature}
    if seed is not None:
        options["seed"] = seed
    return options


def _json_schema_format(schema: dict[str, Any]) -> dict[str, Any]:
    strict = strict_json_schema(schema)
    name = _SCHEMA_NAME.sub("_", str(schema.get("title") or "output"))[:64]
    return {
        "type": "json_schema",
        "json_schema": {"name": name, "schema": strict or schema, "strict": strict is not None},
    }


def _rejects_response_format(error: LLMError) -> bool:
    import openai

    cause = error.__cause__
    return (
        isinstance(cause, openai.APIStatusError)
        and cause.status_code in (400, 422)
        and any(word in cause.message for word in ("response_format", "json_schema", "schema"))
    )


def _reply_text(reply: AIMessage) -> str:
    """The reply's text, or the arguments of its first tool call when it answered with one.

    Some providers return structured answers as a tool call with empty content.
    """
    text = reply.text
    if not text.strip() and reply.tool_calls:
        return json.dumps(reply.tool_calls[0]["args"])
    return text
