"""The LLM backends, chosen by ``[llm] backend``, loaded once and kept warm."""

from __future__ import annotations

from adloom.tools.backends import BackendTable
from adloom.tools.config import LLMSettings
from adloom.tools.context import ResidentModels
from adloom.tools.llm.backend import ChatBackend, LLMError

LLM_BACKENDS = BackendTable(
    setting="[llm] backend",
    entries={
        "embedded": "adloom.tools.llm.embedded:EmbeddedBackend",
        "openai": "adloom.tools.llm.openai_compatible:OpenAICompatibleBackend",
        "transformers": "adloom.tools.llm.transformers_local:TransformersBackend",
    },
    error=LLMError,
)


def resident_key(settings: LLMSettings) -> tuple[str, ...]:
    """The :class:`ResidentModels` key under which ``settings``' backend stays loaded."""
    if settings.backend == "embedded":
        return (
            "llm", "embedded", settings.model or "packaged",
            f"threads={settings.threads}", f"context={settings.context_size}",
        )
    if settings.backend == "openai":
        return ("llm", "openai", settings.model, settings.base_url or "")
    return ("llm", settings.backend, settings.model)


def load_backend(settings: LLMSettings, models: ResidentModels) -> ChatBackend:
    """The backend ``settings.backend`` names, loaded once and kept warm in ``models``.

    Raises:
        ModelNotFoundError: the configured model file/folder is missing (message says
            which setting to change).
        ModelIntegrityError: the packaged GGUF does not match its recorded sha256.
        ValueError: a setting the backend needs is missing.
        LLMError: ``[llm] backend`` names no backend.
    """
    return models.get(resident_key(settings), lambda: LLM_BACKENDS.get(settings.backend).from_settings(settings))


def override_backend(models: ResidentModels, settings: LLMSettings, backend: ChatBackend) -> None:
    """Make :func:`load_backend` return ``backend`` for ``settings`` (tests, embedding apps).

    Raises:
        RuntimeError: another backend is already resident under the same key.
    """
    resident = models.get(resident_key(settings), lambda: backend)
    if resident is not backend:
        raise RuntimeError(
            f"an LLM backend is already loaded for {resident_key(settings)}; "
            "override it before the first load_backend call"
        )
