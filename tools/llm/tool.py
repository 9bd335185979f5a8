"""The ``llm.generate`` tool agent: one chat completion from the configured LLM backend."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from adloom.tools.context import ToolContext
from adloom.tools.llm import STRUCTURED_TEMPERATURE, load_backend, parse_json_object
from adloom.tools.registry import tool_agent


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class GenerateRequest(BaseModel):
    messages: list[ChatMessage] = Field(min_length=1)
    json_schema: dict[str, Any] | None = Field(
        default=None, description="When given, the reply is one JSON object matching this schema."
    )
    max_tokens: int = Field(default=256, ge=1, le=8192)
    temperature: float | None = Field(
        default=None,
        ge=0.0,
        le=2.0,
        description="None: [llm] temperature for free text, at most "
        f"{STRUCTURED_TEMPERATURE} when a json_schema is given.",
    )
    seed: int | None = None


class GenerateResult(BaseModel):
    text: str
    parsed: dict[str, Any] | None = Field(
        description="The first JSON object in the reply when a json_schema was given and one was found."
    )
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    backend: str
    model: str


def _example() -> GenerateRequest:
    return GenerateRequest(
        messages=[ChatMessage(role="user", content="Give a short headline for trail running shoes.")],
        json_schema={
            "type": "object",
            "properties": {"headline": {"type": "string", "maxLength": 40}},
            "required": ["headline"],
        },
        # Enough for the longest allowed object, so the constrained reply always closes.
        max_tokens=48,
        temperature=0.0,
        seed=0,
    )


@tool_agent("llm.generate", example=_example)
def generate_text(request: GenerateRequest, ctx: ToolContext) -> GenerateResult:
    """Chat with the configured LLM backend, optionally constraining the reply to a JSON schema."""
    settings = ctx.settings.llm
    backend = load_backend(settings, ctx.models)
    temperature = request.temperature
    if temperature is None:
        temperature = settings.temperature
        if request.json_schema is not None:
            temperature = min(temperature, STRUCTURED_TEMPERATURE)
    completion = backend.chat(
        [message.model_dump() for message in request.messages],
        json_schema=request.json_schema,
        max_tokens=request.max_tokens,
        temperature=temperature,
        seed=request.seed,
    )
    parsed = None
    if request.json_schema is not None:
        try:
            parsed = parse_json_object(completion.text)
        except ValueError:
            parsed = None  # reported as parsed=None; callers needing a valid object use generate_structured
    return GenerateResult(
        text=completion.text,
        parsed=parsed,
        prompt_tokens=completion.prompt_tokens,
        completion_tokens=completion.completion_tokens,
        seconds=completion.seconds,
        backend=backend.name,
        model=backend.model_id,
    )
