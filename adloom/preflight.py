"""Everything a run will need, checked before its first stage.

A brief can be valid and still fail minutes into a run: a configured model folder that
is not there, a voice the backend cannot load offline, a language the voice cannot speak,
an output folder nobody may write, a brand font without the brief's letters, or more
facts than the LLM's context holds. :func:`check_run_inputs` finds all of these at once,
without loading any model, so ``adloom run`` exits 2 with one line per problem and
nothing written.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from adloom.config import Settings
from adloom.agents.brief import Brief, BriefError

ENGLISH_ONLY_VOICES = ("piper", "hibari")
"""Backends whose offline voices speak English only (Piper's joe, Hibari's af_heart)."""
CHARS_PER_TOKEN = 3.0
"""A cautious estimate (English averages about four characters a token)."""
FACTS_SHARE_OF_CONTEXT = 0.5
"""The facts may take half the LLM's context; the instructions and the answer need the rest."""
MAX_DISTINCT_CHARACTERS = 4000


def check_run_inputs(settings: Settings, brief: Brief, out_dir: Path, source: str) -> None:
    """Refuse a run whose models, voice, language, output folder, fonts or prompt cannot work.

    Raises:
        BriefError: one line per problem (``source`` names the brief).
    """
    problems = [
        *model_problems(settings),
        *voice_problems(settings, brief),
        *writable_problems(out_dir, "--out"),
        *writable_problems(settings.data_dir, "data_dir"),
        *font_problems(brief),
        *prompt_budget_problems(settings, brief),
    ]
    if problems:
        raise BriefError(source, problems)


def model_problems(settings: Settings) -> list[str]:
    """Every model the configured backends will load must be on this machine (downloads are off)."""
    folders: list[tuple[str, str]] = []
    if settings.image.backend == "diffusers":
        folders.append(("[image] model", settings.image.model))
    if settings.image.clip_model:
        folders.append(("[image] clip_model", settings.image.clip_model))
    if settings.video.backend in ("cogvideox", "animatediff"):
        folders.append(("[video] model", settings.video.model))
        if settings.video.image_to_video_model:
            folders.append(("[video] image_to_video_model", settings.video.image_to_video_model))
        if settings.video.backend == "animatediff":
            folders.append(("[video] motion_adapter", settings.video.motion_adapter))
    if settings.llm.backend == "transformers":
        folders.append(("[llm] model", settings.llm.model))
    if settings.tts.backend == "coqui":
        folders.append(("[tts] voice", settings.tts.voice))
    problems = []
    if folders:
        from adloom.tools.model_manager import ModelNotFoundError, resolve_model_folder

        for setting, spec in folders:
            try:
                resolve_model_folder(spec, setting=setting)
            except ModelNotFoundError as exc:
                problems.append(str(exc))
    if settings.llm.backend == "embedded" and settings.llm.model:
        from adloom.tools.llm.backend import ModelNotFoundError as LLMModelNotFound
        from adloom.tools.llm.embedded import resolve_model_path

        try:
            resolve_model_path(settings.llm.model)
        except LLMModelNotFound as exc:
            problems.append(str(exc))
    if settings.asr.model and not Path(settings.asr.model).expanduser().exists():
        problems.append(f"[asr] model = {settings.asr.model!r}: no such file or folder")
    return problems


def voice_problems(settings: Settings, brief: Brief) -> list[str]:
    """The voice must resolve offline, and speak the brief's language."""
    from adloom.tools.tts.errors import TTSBackendError

    backend = brief.voiceover.backend or settings.tts.backend
    voice = settings.tts.voice if brief.voiceover.voice is None else brief.voiceover.voice
    problems = []
    try:
        if backend == "piper":
            from adloom.tools.tts.piper_engine import require_piper, resolve_piper_voice

            require_piper()
            resolve_piper_voice(voice)
        elif backend == "hibari":
            from adloom.tools.tts.hibari_engine import resolve_hibari_voice

            resolve_hibari_voice(voice)
    except (TTSBackendError, ImportError) as exc:
        problems.append(f"voiceover: {exc}")
    language = brief.language.split("-")[0]
    if backend in ENGLISH_ONLY_VOICES and language != "en":
        problems.append(
            f"language: {brief.language!r} cannot be spoken by the {backend} voice, which speaks English only; "
            "set language: en, or [tts] backend = 'coqui' with a multilingual model (XTTS-v2)"
        )
    if backend in ENGLISH_ONLY_VOICES:
        for field, text in (("brand.name", brief.brand.name), ("product.name", brief.product.name)):
            foreign = "".join(sorted({char for char in text if char.isalpha() and not _is_latin(char)}))
            if foreign:
                problems.append(
                    f"{field}: the {backend} voice speaks English only and cannot read {foreign!r} "
                    f"({_script(foreign[0])} letters); spell the name in Latin letters for the voiceover, "
                    "or use [tts] backend = 'coqui' with a multilingual model"
                )
    return problems


def _is_latin(char: str) -> bool:
    return char.isascii() or unicodedata.name(char, "").startswith("LATIN")


def _script(char: str) -> str:
    return unicodedata.name(char, "unknown").split(" ")[0].title()


def writable_problems(folder: Path, name: str) -> list[str]:
    """``folder`` must be a folder this process may create files in (or may create)."""
    folder = Path(folder).expanduser()
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return [f"{name}: {existing} is a file, not a folder"]
    if not os.access(existing, os.W_OK | os.X_OK):
        where = "" if existing == folder else f" (to create {folder})"
        return [f"{name}: cannot write in {existing}{where}: permission denied; choose a folder you may write"]
    return []


def font_problems(brief: Brief) -> list[str]:
    """The font the images use must have a glyph for every letter the brief puts on them."""
    from PIL import ImageFont

    from adloom.tools.image.inputs import ImageInputError, resolve_font

    try:
        font_path = resolve_font(brief.brand.font)
    except ImageInputError as exc:
        return [str(exc)]
    font = ImageFont.truetype(str(font_path), 48)
    texts = [brief.brand.name, brief.product.name, brief.product.price or "", *brief.product.facts]
    characters = sorted({char for text in texts for char in text if not char.isspace()})
    missing = missing_glyphs(font, characters[:MAX_DISTINCT_CHARACTERS])
    if not missing:
        return []
    shown = "".join(missing[:20]) + ("…" if len(missing) > 20 else "")
    codes = ", ".join(f"U+{ord(char):04X}" for char in missing[:5])
    field = "brand.font" if brief.brand.font else "the default font (DejaVu Sans Bold)"
    return [f"{field} ({font_path.name}) has no glyphs for {shown!r} ({codes}…) in the brand or product text; "
            "they would print as empty boxes: set brand.font to a font that covers them, or remove them"]


def missing_glyphs(font: ImageFont.FreeTypeFont, characters: list[str]) -> list[str]:
    """The characters ``font`` would draw as its 'missing glyph' box."""
    notdef = _glyph_bitmap(font, "\U0010fffd")  # a private-use code point no font maps
    return [char for char in characters if _glyph_bitmap(font, char) == notdef]


def _glyph_bitmap(font, char: str) -> tuple:
    mask = font.getmask(char)
    return mask.size, bytes(mask)


def prompt_budget_problems(settings: Settings, brief: Brief) -> list[str]:
    """The facts must fit the embedded LLM's context with room for instructions and the answer."""
    if settings.llm.backend != "embedded":
        return []
    text = "; ".join(brief.product.facts) + brief.product.description
    tokens = int(len(text) / CHARS_PER_TOKEN)
    budget = int(settings.llm.context_size * FACTS_SHARE_OF_CONTEXT)
    if tokens <= budget:
        return []
    return [f"product.facts: {len(brief.product.facts)} facts and the description are about {tokens} tokens; "
            f"the LLM's context of {settings.llm.context_size} tokens ([llm] context_size) leaves {budget} for them: "
            "keep the facts the ad needs, or raise [llm] context_size"]
