"""Typed settings for each tool: which backend provides it and how to load the model.

The front door (``adloom.config.Settings``) composes these sections; tools receive the
composed object through their :class:`adloom.tools.context.ToolContext` and read only their own
section.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMSettings(_Section):
    backend: Literal["embedded", "openai", "transformers"] = "embedded"
    model: str = Field(
        default="",
        description="embedded: a packaged model (smollm2-135m, qwen2.5-0.5b, qwen2.5-1.5b; empty = the default) "
        "or a .gguf path; openai: model name; transformers: a local model folder.",
    )
    model_sha256: str = Field(
        default="", pattern=r"^([0-9a-fA-F]{64})?$",
        description="embedded: the sha256 a .gguf path must have (packaged models have theirs recorded).",
    )
    base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1")
    api_key: SecretStr | None = None
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    max_retries: int = Field(default=3, ge=0, le=10, description="Re-asks after an invalid structured answer.")
    threads: int = Field(default=1, ge=1, le=64, description="CPU threads for the embedded model.")
    context_size: int = Field(default=2048, ge=256, le=131072)
    timeout_s: float = Field(default=120.0, gt=0)
    tool_calls: bool = Field(
        default=True,
        description="openai backend: the chat planner calls the sub-agents as tools; turn off for an endpoint "
        "without tool support (then it uses schema-constrained actions, like the embedded model).",
    )


Device = Literal["auto", "cuda", "mps", "cpu"]
Precision = Literal["auto", "bf16", "fp16", "fp32"]


class _AcceleratedSection(_Section):
    """Where and how a local GPU model runs (see :mod:`adloom.tools.model_manager`)."""

    device: Device = Field(default="auto", description="auto picks cuda, then mps, then cpu.")
    dtype: Precision = Field(default="auto", description="auto: bf16 (or fp16) on cuda, fp16 on mps, fp32 on cpu.")
    steps: int | None = Field(default=None, ge=1, le=200, description="Denoising steps; None = the model family's default.")
    guidance_scale: float | None = Field(default=None, ge=0.0, le=30.0, description="None = the family's default.")
    scheduler: str = Field(default="", description="A diffusers scheduler class name; empty keeps the model's own.")
    offload: Literal["none", "model", "sequential"] = Field(
        default="none", description="Accelerate CPU offload: 'model' (whole sub-models) or 'sequential' (layers)."
    )
    vae_tiling: bool = Field(default=False, description="Decode in tiles to cap VAE memory at large sizes.")
    compile: bool = Field(default=False, description="torch.compile the denoiser (slow first call, faster after).")
    memory_budget_gb: float | None = Field(
        default=None, gt=0, description="Warm models above this total are evicted least recently used first."
    )


class ImageSettings(_AcceleratedSection):
    backend: Literal["template", "diffusers"] = "template"
    model: str = Field(default="", description="diffusers: a pipeline folder or an HF id present in the local cache.")
    clip_model: str = Field(default="", description="CLIP folder or cached HF id for ranking; empty = OCR + NSFW checks.")


class VideoSettings(_AcceleratedSection):
    backend: Literal["kenburns", "cogvideox", "animatediff"] = "kenburns"
    model: str = Field(default="", description="cogvideox: a CogVideoX folder; animatediff: an SD 1.5 base folder.")
    image_to_video_model: str = Field(
        default="", description="cogvideox: a CogVideoX image-to-video folder used when a scene has a first frame."
    )
    motion_adapter: str = Field(default="", description="animatediff: the MotionAdapter folder (or cached HF id).")


WORDS_PER_SECOND = 2.5
"""The default pace of a voiceover script. Both voices speak faster (Heart about 2.7 and Joe about
3.2 words a second, pauses included), so a line written to it fits its scene at a natural pace."""


class TTSSettings(_Section):
    backend: Literal["piper", "hibari", "coqui"] = Field(
        default="hibari",
        description="hibari (Apache-2.0, the default); piper (opt-in extra 'piper': piper-tts is GPL-3.0-or-later); "
        "coqui (extra 'coqui').",
    )
    voice: str = Field(default="", description="piper/hibari: a voice; coqui: a Coqui model folder (config.json + weights).")
    speaker_wav: str = Field(default="", description="coqui XTTS: a reference recording of the voice to clone.")
    speaker: str = Field(default="", description="coqui multi-speaker models: the speaker name.")
    language: str = Field(default="en", description="coqui multilingual models: the language code.")
    device: Device = "auto"
    words_per_second: float = Field(
        default=WORDS_PER_SECOND, gt=0.5, le=5.0,
        description="The pace scripts are written for: a scene or clip of s seconds gets s x this many words.",
    )


class ASRSettings(_Section):
    backend: Literal["faster-whisper", "openai-whisper"] = "faster-whisper"
    model: str = Field(
        default="",
        description="faster-whisper: a CTranslate2 folder; openai-whisper: a .pt checkpoint. Empty = packaged Whisper base.",
    )
    device: Device = Field(default="auto", description="openai-whisper only.")


class FootageSettings(_Section):
    """Cutting ads from raw footage: scene detection and how clips are described."""

    detector: Literal["content", "adaptive"] = "content"
    threshold: float | None = Field(
        default=None, gt=0, description="Detector threshold; None = PySceneDetect's default (content 27, adaptive 3)."
    )
    min_clip_s: float = Field(default=1.0, ge=0.1, le=60, description="Clips shorter than this are dropped.")
    max_clip_s: float = Field(default=6.0, ge=0.5, le=60, description="A longer clip is cut to this length.")
    describer: Literal["measured", "openai", "transformers"] = Field(
        default="measured", description="measured: speech + OCR + visual statistics (no VLM); openai: an "
        "OpenAI-compatible multimodal endpoint (vLLM, Ollama, OpenAI); transformers: a local VLM folder.",
    )
    vlm_model: str = Field(default="", description="openai: the model name the endpoint serves; "
                           "transformers: a local vision-language model folder.")
    vlm_base_url: str | None = None
    vlm_api_key: SecretStr | None = None
    ocr: bool = Field(default=True, description="read on-screen text in each clip's middle frame: the measured "
                     "describer's evidence, and the screen that sets title cards aside.")


class ToolSettings(Protocol):
    """What a tool may read from the composed settings object."""

    llm: LLMSettings
    image: ImageSettings
    video: VideoSettings
    tts: TTSSettings
    asr: ASRSettings
    footage: FootageSettings
