"""Typed output from any backend: the one way agents get a Pydantic object from an LLM.

:func:`generate_structured` asks the backend for JSON matching the output model's schema,
parses the first JSON object in the reply, validates it (plus optional business rules),
and on failure shows the model its reply and the problems and asks again, a bounded
number of times.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from adloom.tools.llm.backend import ChatBackend, check_messages
from adloom.tools.llm.prompts import load_prompt

T = TypeVar("T", bound=BaseModel)

STRUCTURED_TEMPERATURE = 0.2
"""Default sampling temperature for JSON: small models drift off-schema when sampled hot."""

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_ERROR_INPUT_PREVIEW = 60


class StructuredOutputError(ValueError):
    """The model gave no valid object within the allowed attempts.

    Attributes:
        errors: the problems with the last reply.
        attempts: how many replies were requested.
        last_text: the last reply, verbatim.
    """

    def __init__(self, model_name: str, backend: str, errors: list[str], attempts: int, last_text: str):
        self.errors = errors
        self.attempts = attempts
        self.last_text = last_text
        listed = "\n  ".join(errors)
        super().__init__(
            f"{backend} gave no valid {model_name} in {attempts} attempt(s); "
            f"problems with the last reply:\n  {listed}"
        )


@dataclass(frozen=True)
class StructuredResult(Generic[T]):
    """A validated object and what it cost.

    Attributes:
        value: the validated output model instance.
        attempts: replies requested (1 = the first reply was valid).
        prompt_tokens: summed over all attempts.
        completion_tokens: summed over all attempts.
        seconds: wall-clock time of all attempts.
    """

    value: T
    attempts: int
    prompt_tokens: int
    completion_tokens: int
    seconds: float


def parse_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in ``text``, tolerating code fences and prose around it.

    Raises:
        ValueError: no JSON object could be found; the message says why.
    """
    stripped = text.strip()
    if not stripped:
        raise ValueError("the reply is empty")
    candidates = [stripped, *(match.group(1).strip() for match in _FENCE.finditer(stripped))]
    for candidate in candidates:
        try:
            value = json.loads(candidate, strict=False)  # a raw newline inside a string is fine
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    decoder = json.JSONDecoder(strict=False)
    first_error: json.JSONDecodeError | None = None
    for start in (index for index, char in enumerate(stripped) if char == "{"):
        try:
            value, _ = decoder.raw_decode(stripped, start)
        except json.JSONDecodeError as exc:
            first_error = first_error or exc
            continue
        if isinstance(value, dict):
            return value
    if first_error is not None:
        raise ValueError(f"the reply is not valid JSON: {first_error.msg} (character {first_error.pos})")
    raise ValueError("the reply contains no JSON object (expected text starting with '{')")


def describe_validation_error(error: ValidationError) -> list[str]:
    """One readable line per problem, naming the field path, e.g. ``hashtags.6: ...``."""
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(the object)"
        line = f"{where}: {item['msg']}"
        if item["type"] != "missing" and "input" in item:
            shown = json.dumps(item["input"], default=str)
            if len(shown) > _ERROR_INPUT_PREVIEW:
                shown = shown[: _ERROR_INPUT_PREVIEW - 3] + "..."
            line += f" (got {shown})"
        lines.append(line)
    return lines


def generate_structured(
    backend: ChatBackend,
    messages: list[dict[str, str]],
    output_model: type[T],
    *,
    max_retries: int = 3,
    temperature: float = STRUCTURED_TEMPERATURE,
    max_tokens: int = 256,
    seed: int | None = None,
    check: Callable[[T], list[str]] | None = None,
) -> StructuredResult[T]:
    """Ask ``backend`` for an ``output_model`` object, re-asking on invalid replies.

    Args:
        backend: any :class:`ChatBackend` (see :func:`adloom.tools.llm.backend.load_backend`).
        messages: the chat; it should say what to write, the schema is passed for you.
        output_model: the Pydantic model the reply must validate as.
        max_retries: re-asks after the first reply (``LLMSettings.max_retries``).
        temperature: sampling temperature; keep it low for JSON.
        max_tokens: generation bound per attempt.
        seed: seed of the first attempt; attempt ``n`` uses ``seed + n`` so a re-ask
            does not replay the same sampling path.
        check: extra rules on a schema-valid object (e.g. "no facts not in the brief");
            the problems it returns are treated like validation errors.

    Returns:
        The validated object with attempt count, summed token counts and time.

    Raises:
        StructuredOutputError: no valid object after ``max_retries + 1`` replies.
        ValueError: ``messages`` is malformed or ``max_retries`` is negative.
    """
    check_messages(messages)
    if max_retries < 0:
        raise ValueError("max_retries must be >= 0")
    schema = output_model.model_json_schema()
    conversation = list(messages)
    prompt_tokens = completion_tokens = 0
    started = time.perf_counter()
    errors: list[str] = []
    text = ""
    for attempt in range(max_retries + 1):
        completion = backend.chat(
            conversation,
            json_schema=schema,
            max_tokens=max_tokens,
            temperature=temperature,
            seed=None if seed is None else seed + attempt,
        )
        prompt_tokens += completion.prompt_tokens
        completion_tokens += completion.completion_tokens
        text = completion.text
        value, errors = _validate(text, output_model, check)
        if value is not None:
            return StructuredResult(
                value=value,
                attempts=attempt + 1,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                seconds=time.perf_counter() - started,
            )
        # Only the latest rejected reply is shown again: the conversation stays within a
        # small model's context however many re-asks it takes.
        conversation = [
            *messages,
            {"role": "assistant", "content": text},
            {"role": "user", "content": load_prompt("fix_invalid_json", errors=_bullets(errors))},
        ]
    raise StructuredOutputError(output_model.__name__, backend.name, errors, max_retries + 1, text)


def _validate(
    text: str, output_model: type[T], check: Callable[[T], list[str]] | None
) -> tuple[T | None, list[str]]:
    try:
        data = parse_json_object(text)
    except ValueError as exc:
        return None, [str(exc)]
    try:
        value = output_model.model_validate(data)
    except ValidationError as exc:
        return None, describe_validation_error(exc)
    problems = list(check(value)) if check is not None else []
    if problems:
        return None, problems
    return value, []


def _bullets(errors: list[str]) -> str:
    return "\n".join(f"- {error}" for error in errors)
