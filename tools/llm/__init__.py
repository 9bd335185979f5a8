"""The LLM tool: one chat interface over the embedded, OpenAI-compatible and transformers backends.

Agents call :func:`load_backend` with ``ctx.settings.llm`` and ``ctx.models``, then
:func:`generate_structured` for typed output. Heavy libraries load only with the backend
that config picks.
"""

from adloom.tools.llm.backend import (
    ChatBackend,
    Completion,
    LLMError,
    ModelIntegrityError,
    ModelNotFoundError,
    ToolCall,
    ToolCallingBackend,
    FunctionSpec,
    calls_tools,
)
from adloom.tools.llm.backends import LLM_BACKENDS, load_backend, override_backend, resident_key
from adloom.tools.llm.prompts import PromptError, load_prompt
from adloom.tools.llm.structured import (
    STRUCTURED_TEMPERATURE,
    StructuredOutputError,
    StructuredResult,
    generate_structured,
    parse_json_object,
)

__all__ = [
    "LLM_BACKENDS",
    "STRUCTURED_TEMPERATURE",
    "ChatBackend",
    "Completion",
    "FunctionSpec",
    "LLMError",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "PromptError",
    "StructuredOutputError",
    "StructuredResult",
    "ToolCall",
    "ToolCallingBackend",
    "calls_tools",
    "generate_structured",
    "load_backend",
    "load_prompt",
    "override_backend",
    "parse_json_object",
    "resident_key",
]
