"""A local transformers causal LM (a folder with config, tokenizer and weights), CPU or CUDA.

Loading is offline only (``local_files_only=True``). There is no constrained decoding:
a JSON schema is shown to the model in the prompt, and typed output relies on
:func:`adloom.tools.llm.structured.generate_structured` validating and re-asking.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from adloom.tools.config import LLMSettings
from adloom.tools.llm.backend import Completion, ModelNotFoundError, check_messages, with_schema_instruction
from adloom.tools.llm.prompts import load_prompt

_FOLDER_CONTENTS = (
    "a transformers model folder must contain config.json, the tokenizer (tokenizer.json or "
    "tokenizer.model, with tokenizer_config.json) and the weights (model.safetensors, "
    "model.safetensors.index.json or pytorch_model.bin), as written by save_pretrained()"
)
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json")
_WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json")


def check_model_folder(folder: Path) -> None:
    """Raise :class:`ModelNotFoundError` naming ``folder`` and what it lacks."""
    if not folder.is_dir():
        raise ModelNotFoundError(
            f"[llm] model: no model folder at {folder} (ADLOOM_LLM__MODEL); {_FOLDER_CONTENTS}"
        )
    missing = []
    if not (folder / "config.json").is_file():
        missing.append("config.json")
    if not any((folder / name).is_file() for name in _TOKENIZER_FILES):
        missing.append("a tokenizer file (" + " or ".join(_TOKENIZER_FILES) + ")")
    if not any((folder / name).is_file() for name in _WEIGHT_FILES):
        missing.append("weights (" + " or ".join(_WEIGHT_FILES) + ")")
    if missing:
        raise ModelNotFoundError(
            f"[llm] model: {folder} lacks {', '.join(missing)}; {_FOLDER_CONTENTS}"
        )


class TransformersBackend:
    """A causal LM loaded with AutoTokenizer + AutoModelForCausalLM from a local folder."""

    name = "transformers"

    def __init__(self, folder: Path, *, device: str | None = None):
        """Load the model (offline) onto ``device`` (default: CUDA when available, else CPU).

        Raises:
            ModelNotFoundError: the folder is missing or incomplete.
        """
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.folder = Path(folder).expanduser()
        check_model_folder(self.folder)
        self.model_id = str(self.folder.resolve())
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.tokenizer = AutoTokenizer.from_pretrained(self.folder, local_files_only=True)
        self.model = AutoModelForCausalLM.from_pretrained(
            self.folder,
            local_files_only=True,
            # Half precision only where it is fast; CPU kernels want float32.
            dtype="auto" if self.device.startswith("cuda") else torch.float32,
        ).to(self.device)
        self.model.eval()
        # Seeding touches the global RNG; one generation at a time keeps seeds reproducible.
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: LLMSettings) -> TransformersBackend:
        """The folder ``[llm] model`` names."""
        if not settings.model:
            raise ModelNotFoundError(
                "[llm] model (ADLOOM_LLM__MODEL) must name a local model folder for the "
                f"transformers backend; {_FOLDER_CONTENTS}"
            )
        return cls(Path(settings.model))

    def prompt_text(self, messages: list[dict[str, str]], json_schema: dict[str, Any] | None = None) -> str:
        """The exact text the model reads: its chat template, else ``role: content`` lines."""
        check_messages(messages)
        if json_schema is not None:
            instruction = load_prompt("json_schema_instruction", schema=json.dumps(json_schema))
            messages = with_schema_instruction(messages, instruction)
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        lines = [f"{message['role']}: {message['content']}" for message in messages]
        return "\n".join([*lines, "assistant:"])

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int = 256,
        temperature: float = 0.7,
        seed: int | None = None,
    ) -> Completion:
        """Generate a reply; ``temperature`` 0 is greedy, otherwise sampled under ``seed``."""
        import torch

        prompt = self.prompt_text(messages, json_schema)
        # Chat templates already hold the special tokens they need.
        inputs = self.tokenizer(prompt, return_tensors="pt", add_special_tokens=False).to(self.device)
        sampling: dict[str, Any] = {"do_sample": False}
        if temperature > 0:
            sampling = {"do_sample": True, "temperature": temperature}
        pad_id = self.tokenizer.pad_token_id
        if pad_id is None:
            pad_id = self.tokenizer.eos_token_id
        started = time.perf_counter()
        devices = [torch.device(self.device)] if self.device.startswith("cuda") else []
        with self._lock, torch.random.fork_rng(devices=devices), torch.inference_mode():
            if seed is not None:
                torch.manual_seed(seed)
            output = self.model.generate(
                **inputs, max_new_tokens=max_tokens, pad_token_id=pad_id, **sampling
            )
        seconds = time.perf_counter() - started
        prompt_length = inputs["input_ids"].shape[1]
        generated = output[0, prompt_length:]
        return Completion(
            text=self.tokenizer.decode(generated, skip_special_tokens=True),
            prompt_tokens=int(prompt_length),
            completion_tokens=int(generated.shape[0]),
            seconds=seconds,
        )
