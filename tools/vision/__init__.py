"""Clip understanding: describing footage clips for the selection LLM.

``[footage] describer`` picks the backend: ``measured`` (embedded: speech, on-screen text,
visual statistics), ``openai`` (a multimodal OpenAI-compatible endpoint) or
``transformers`` (a local vision-language model folder).
"""

from __future__ import annotations

from adloom.tools.context import ToolContext
from adloom.tools.vision.description import ClipDescriber, ClipDescription, ClipInput, VisualStatistics


def load_describer(ctx: ToolContext) -> ClipDescriber:
    """The describer ``[footage] describer`` names, kept warm in ``ctx.models``."""
    settings = ctx.settings.footage
    if settings.describer == "openai":
        from adloom.tools.vision.openai_vlm import OpenAIVisionDescriber

        key = ("vision", "openai", settings.vlm_model, settings.vlm_base_url or "")
        return ctx.models.get(key, lambda: OpenAIVisionDescriber.from_settings(settings))
    if settings.describer == "transformers":
        from adloom.tools.vision.transformers_vlm import TransformersVisionDescriber

        key = ("vision", "transformers", settings.vlm_model)
        return ctx.models.get(key, lambda: TransformersVisionDescriber.from_settings(settings))
    from adloom.tools.vision.measured import MeasuredDescriber

    return MeasuredDescriber(ctx, ocr=settings.ocr)


def describe_clips(clips: list[ClipInput], ctx: ToolContext) -> list[ClipDescription]:
    """Describe each clip with the configured describer, reporting progress."""
    describer = load_describer(ctx)
    descriptions = []
    for index, clip in enumerate(clips):
        ctx.progress(f"looking at clip {index + 1} of {len(clips)}", index / max(1, len(clips)))
        descriptions.append(describer.describe(clip))
    ctx.progress("clips seen", 1.0)
    return descriptions


__all__ = ["ClipDescriber", "ClipDescription", "ClipInput", "VisualStatistics", "describe_clips", "load_describer"]
