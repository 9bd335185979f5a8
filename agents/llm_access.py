"""How agents ask the LLM tool for typed answers, and what that cost."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import BaseModel

from adloom.tools.config import LLMSettings
from adloom.tools.context import ResidentModels
from adloom.tools.llm import ChatBackend, load_backend
from adloom.tools.llm.structured import StructuredOutputError, generate_structured

log = logging.getLogger(__name__)
Model = TypeVar("Model", bound=BaseModel)


@dataclass
class LLMUsage:
    calls: int = 0
    attempts: int = 0
    failures: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0

    @property
    def tokens_per_second(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds else 0.0


@dataclass
class AgentLLM:
    """A loaded chat backend plus the retry policy from config."""

    backend: ChatBackend
    settings: LLMSettings
    usage: LLMUsage = field(default_factory=LLMUsage)

    @classmethod
    def load(cls, settings: LLMSettings, models: ResidentModels) -> AgentLLM:
        """The configured backend (kept warm in ``models``) with the configured retry policy."""
        return cls(load_backend(settings, models), settings)

    def structured(
        self,
        messages: list[dict],
        output_model: type[Model],
        *,
        seed: int,
        max_tokens: int,
        check: Callable[[Model], list[str]] | None = None,
        temperature: float | None = None,
        max_retries: int | None = None,
    ) -> Model | None:
        """A validated answer, or ``None`` when every bounded retry failed (the caller falls back).

        Args:
            max_retries: re-asks for this call (default: ``[llm] max_retries``); callers with a
                grounded stand-in for a failed answer keep it low, since each re-ask costs a reply.
        """
        retries = self.settings.max_retries if max_retries is None else min(max_retries, self.settings.max_retries)
        self.usage.calls += 1
        try:
            result = generate_structured(
                self.backend, messages, output_model,
                max_retries=retries,
                temperature=self.settings.temperature if temperature is None else temperature,
                max_tokens=max_tokens, seed=seed, check=check,
            )
        except StructuredOutputError as exc:
            self.usage.failures += 1
            self.usage.attempts += retries + 1
            # Expected with small models, and every caller has a grounded stand-in: the log, not the screen.
            log.info("LLM gave no valid %s: %s", output_model.__name__, exc)
            return None
        self.usage.attempts += result.attempts
        self.usage.completion_tokens += result.completion_tokens
        self.usage.seconds += result.seconds
        return result.value
