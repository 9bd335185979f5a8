"""Clip descriptions from a local transformers vision-language model folder.

Any image-text-to-text model that ``AutoModelForImageTextToText`` and ``AutoProcessor``
load from a folder and whose processor has a chat template (LLaVA, Qwen2-VL, SmolVLM,
...) works: the spatial frame and the temporal frames are passed as images of one user
turn with the description prompt, and the reply is decoded greedily. The processor
resizes every frame to the model's input size, so the spatial frame's extra resolution
helps only models that use it. Nothing is downloaded: the folder must hold the model.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from adloom.tools.config import FootageSettings
from adloom.tools.llm.backend import LLMError, ModelNotFoundError
from adloom.tools.llm.prompts import load_prompt
from adloom.tools.vision.description import ClipDescription, ClipInput

DEFAULT_MAX_NEW_TOKENS = 80


class TransformersVisionDescriber:
    """Describes a clip with a local vision-language model."""

    name = "transformers"

    def __init__(self, folder: Path | str, *, max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS):
        """Load the processor and model from ``folder`` (on the GPU when one is available).

        Raises:
            ModelNotFoundError: the folder or its config.json is missing.
            ImportError: torch/transformers are not installed (names the packages).
            ValueError: the processor has no chat template.
        """
        folder = Path(folder).expanduser()
        if not (folder / "config.json").is_file():
            raise ModelNotFoundError(
                f"[footage] vlm_model: {folder} is not a transformers model folder (no config.json); "
                "set ADLOOM_FOOTAGE__VLM_MODEL to a local vision-language model folder"
            )
        try:
            import torch
            from transformers import AutoModelForImageTextToText, AutoProcessor
        except ImportError as exc:
            raise ImportError("the transformers describer needs torch and transformers: "
                              "pip install torch==2.13.0 transformers==5.23.0") from exc
        self.model_id = folder.name
        self._torch = torch
        self._device = "cuda" if torch.cuda.is_available() else "cpu"
        self._processor = AutoProcessor.from_pretrained(folder, local_files_only=True)
        if not getattr(self._processor, "chat_template", None):
            raise ValueError(f"[footage] vlm_model: the processor in {folder} has no chat template")
        self._model = AutoModelForImageTextToText.from_pretrained(folder, local_files_only=True).to(self._device)
        self._model.eval()
        self._max_new_tokens = max_new_tokens

    @classmethod
    def from_settings(cls, settings: FootageSettings) -> TransformersVisionDescriber:
        return cls(settings.vlm_model)

    def describe(self, clip: ClipInput) -> ClipDescription:
        """Show the model the clip's frames and decode its description.

        Raises:
            LLMError: the model produced no text.
        """
        frames = [Image.open(clip.spatial.path).convert("RGB"),
                  *(Image.open(ref.path).convert("RGB") for ref in clip.temporal)]
        prompt = load_prompt("footage_describe_clip", temporal_count=len(clip.temporal))
        messages = [{"role": "user", "content": [*({"type": "image"} for _ in frames), {"type": "text", "text": prompt}]}]
        text = self._processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        inputs = self._processor(images=frames, text=text, return_tensors="pt").to(self._device)
        with self._torch.inference_mode():
            output = self._model.generate(**inputs, max_new_tokens=self._max_new_tokens, do_sample=False)
        reply = self._processor.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
        reply = " ".join(reply.split())
        if not reply:
            raise LLMError(f"the vision model {self.model_id} produced no description for clip {clip.clip_id}")
        return ClipDescription(clip_id=clip.clip_id, text=reply, basis=["vlm"], backend=f"transformers:{self.model_id}")
