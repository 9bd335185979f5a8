"""Ranking image candidates: CLIP score when a CLIP model is configured, else the critic's checks.

CLIP score is ``100 * max(cos(text embedding, image embedding), 0)`` from a transformers
``CLIPModel`` folder (``[image] clip_model``). No CLIP weights ship with adloom, so
without one the ranking falls back to what the critic can check here: the NSFW
probability (``adloom.tools.media_checks.nsfw``) and OCR (``adloom.tools.media_checks.ocr``) — a
diffusion image should carry either no text or the text it was asked for, since
lettering is added later by the brand overlay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image

from adloom.tools.config import ImageSettings
from adloom.tools.context import ResidentModels
from adloom.tools.model_manager import folder_fingerprint, module_bytes, resolve_device, resolve_model_folder

CLIP_METHOD = "clip"
FALLBACK_METHOD = "ocr+nsfw"
FALLBACK_REASON = "no [image] clip_model is set, so candidates were ranked by the NSFW and OCR checks"


@dataclass(frozen=True)
class Ranking:
    """Candidate indices best first, each candidate's score, and how they were scored."""

    order: list[int]
    scores: list[float]
    method: str
    details: list[dict[str, Any]]
    note: str = ""


@dataclass
class ClipScorer:
    """A loaded CLIP model and processor."""

    model: Any
    processor: Any
    device: str
    model_id: str

    def score(self, text: str, images: Sequence[Image.Image]) -> list[float]:
        """CLIP score of each image against ``text`` (0–100, higher is a better match)."""
        inputs = self.processor(
            text=[text], images=[image.convert("RGB") for image in images], return_tensors="pt",
            padding=True, truncation=True,
        ).to(self.device)
        with torch.inference_mode():
            output = self.model(**inputs)
        image_embeds = torch.nn.functional.normalize(output.image_embeds.float(), dim=-1)
        text_embeds = torch.nn.functional.normalize(output.text_embeds.float(), dim=-1)
        similarity = (image_embeds @ text_embeds.T).squeeze(-1)
        return [round(float(value), 4) for value in (100.0 * similarity.clamp(min=0)).tolist()]


def load_clip_scorer(settings: ImageSettings, models: ResidentModels) -> ClipScorer:
    """The ``[image] clip_model`` CLIP model, loaded once and kept warm.

    Raises:
        ModelNotFoundError: the folder does not exist (and the id is not cached).
    """
    folder = resolve_model_folder(settings.clip_model, setting="[image] clip_model")
    device = resolve_device(settings.device, setting="[image] device")

    def load() -> ClipScorer:
        from transformers import CLIPModel, CLIPProcessor

        model = CLIPModel.from_pretrained(folder, local_files_only=True).to(device).eval()
        processor = CLIPProcessor.from_pretrained(folder, local_files_only=True)
        return ClipScorer(model, processor, device, folder_fingerprint(folder))

    return models.get(("image", "clip", str(folder), device), load, measure=lambda s: module_bytes(s.model))


def _fallback_scores(
    images: Sequence[Image.Image], rank_text: str | None, models: ResidentModels
) -> tuple[list[float], list[dict[str, Any]]]:
    from adloom.tools.image.legibility import match_score
    from adloom.tools.media_checks.nsfw import nsfw_scores
    from adloom.tools.media_checks.ocr import ocr_frame

    scores, details = [], []
    for image, nsfw in zip(images, nsfw_scores(images, models=models), strict=True):
        read = ocr_frame(image, models=models).text.strip()
        if not read:
            text_quality = 1.0  # clean image: the overlay adds the words later
        elif rank_text:
            text_quality = match_score(rank_text, read)
        else:
            text_quality = 0.0  # stray lettering is a defect in a key image
        scores.append(round((1.0 - nsfw) * (0.5 + 0.5 * text_quality), 4))
        details.append({"nsfw": round(nsfw, 4), "ocr_text": read, "text_quality": round(text_quality, 4)})
    return scores, details


def rank_candidates(
    images: Sequence[Image.Image],
    *,
    text: str,
    rank_text: str | None,
    settings: ImageSettings,
    models: ResidentModels,
) -> Ranking:
    """Order ``images`` best first.

    Args:
        text: what the images should show (the generation prompt).
        rank_text: copy to score against instead of ``text`` (CLIP), or the words an image
            may legitimately contain (fallback).
    """
    if not images:
        raise ValueError("no candidates to rank")
    if settings.clip_model:
        scorer = load_clip_scorer(settings, models)
        scores = scorer.score(rank_text or text, images)
        details = [{"clip_score": score, "clip_model": scorer.model_id} for score in scores]
        method, note = CLIP_METHOD, ""
    else:
        scores, details = _fallback_scores(images, rank_text, models)
        method, note = FALLBACK_METHOD, FALLBACK_REASON
    # Ties keep generation order, so the ranking is deterministic for a seed.
    order = sorted(range(len(images)), key=lambda i: (-scores[i], i))
    return Ranking(order=order, scores=scores, method=method, details=details, note=note)
