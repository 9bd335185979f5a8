"""The planner: turns a brief into a validated :class:`CampaignPlan`.

The LLM writes what needs judgement (key messages, what each scene shows, how long each
scene should feel); code owns the structure (variant count, platforms, scene count,
durations that sum exactly to the brief's length), so a small model cannot break it.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from adloom.agents.brief import Brief, Platform
from adloom.agents.grounding import grounds_for
from adloom.agents.llm_access import AgentLLM
from adloom.agents.untrusted_text import render_trend_block
from adloom.tools.aspects import Aspect
from adloom.tools.llm.prompts import load_prompt

ScenePurpose = Literal["hook", "product", "benefit", "detail", "cta"]
ANGLES: tuple[str, ...] = (
    "lead with the main benefit",
    "start from an everyday problem the product solves",
    "show the product in a moment of the audience's day",
    "focus on what makes the product different",
    "lead with the offer and the call to action",
)
MIN_SCENE_SECONDS = 1.5
SECONDS_PER_SCENE = 4.0


PLAN_REASKS = 1
"""Re-asks for a plan: the brief's facts stand in as key messages when all fail."""
KEY_MESSAGE_MAX = 90
"""Characters of a key message: it is set on a key image as a subline."""
VISUAL_MAX = 160


class SceneDraft(BaseModel):
    # No schema maximum: constrained decoding would cut the sentence mid-word. A longer
    # description is shortened at a word boundary (it is a picture prompt, never shown).
    visual: str = Field(min_length=3, description="What the scene shows.")
    weight: int = Field(ge=1, le=5, description="Relative length of the scene.")


class PlanDraft(BaseModel):
    """What the LLM fills for one variant."""

    key_messages: list[str] = Field(min_length=1, max_length=4)

    def problems(self, brief: Brief) -> list[str]:
        """Key messages that are too long, say nothing about the product, repeat another, or
        that the brief does not ground."""
        grounds = grounds_for(brief.model_dump())
        found, seen = [], set()
        for number, message in enumerate(self.key_messages, start=1):
            if len(message) > KEY_MESSAGE_MAX:
                found.append(f"key message {number} is {len(message)} characters; keep it under {KEY_MESSAGE_MAX}")
            if not grounds.product_words(message):
                found.append(f"key message {number} ({message!r}) says nothing the product's facts say")
            said = " ".join(message.lower().split())
            if said in seen:
                found.append(f"key message {number} repeats an earlier one")
            seen.add(said)
            found += [f"key message {number}: {p}" for p in grounds.problems(message)]
        return found
    scenes: list[SceneDraft] = Field(min_length=2, max_length=8)


class Scene(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index: int = Field(ge=0)
    purpose: ScenePurpose
    visual: str
    seconds: float = Field(ge=MIN_SCENE_SECONDS)


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^v\d+$")
    angle: str
    key_messages: list[str] = Field(min_length=1)
    scenes: list[Scene] = Field(min_length=2)
    source: Literal["llm", "fallback"] = "llm"


class CampaignPlan(BaseModel):
    """The plan every later node works from."""

    model_config = ConfigDict(extra="forbid")

    duration_s: float = Field(ge=5, le=180)
    aspect: Aspect
    platforms: list[Platform] = Field(min_length=1)
    variants: list[Variant] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_structure(self) -> "CampaignPlan":
        if len(set(self.platforms)) != len(self.platforms):
            raise ValueError("platforms must be unique")
        ids = [variant.id for variant in self.variants]
        if len(set(ids)) != len(ids):
            raise ValueError("variant ids must be unique")
        for variant in self.variants:
            total = sum(scene.seconds for scene in variant.scenes)
            if abs(total - self.duration_s) > 0.01:
                raise ValueError(
                    f"variant {variant.id}: scene durations sum to {total:.2f} s, not {self.duration_s} s"
                )
            if [scene.index for scene in variant.scenes] != list(range(len(variant.scenes))):
                raise ValueError(f"variant {variant.id}: scene indexes must be 0..n-1 in order")
        return self


def scene_count_for(duration_s: float) -> int:
    """About one scene per four seconds, at least 3, at most 8."""
    return max(3, min(8, round(duration_s / SECONDS_PER_SCENE)))


def allocate_durations(weights: list[int], total_s: float) -> list[float]:
    """Split ``total_s`` in proportion to ``weights`` into tenths of a second.

    Every scene gets at least :data:`MIN_SCENE_SECONDS`; the result sums to ``total_s``
    exactly (to the tenth, the last scene absorbing rounding).
    """
    count = len(weights)
    if count * MIN_SCENE_SECONDS > total_s:
        raise ValueError(f"{count} scenes cannot fit in {total_s} s (minimum {MIN_SCENE_SECONDS} s each)")
    spare = total_s - count * MIN_SCENE_SECONDS
    weight_sum = sum(weights)
    seconds = [MIN_SCENE_SECONDS + math.floor(spare * w / weight_sum * 10) / 10 for w in weights]
    # Floor to whole tenths: rounding up here would over-allocate, and the last scene,
    # which absorbs the difference, could then drop below the minimum.
    remainder = math.floor((total_s - sum(seconds)) * 10 + 1e-6) / 10
    order = sorted(range(count), key=lambda i: -weights[i])
    step = 0
    while remainder >= 0.1 - 1e-9:
        seconds[order[step % count]] += 0.1
        remainder = round(remainder - 0.1, 1)
        step += 1
    seconds = [round(value, 1) for value in seconds]
    seconds[-1] = round(total_s - sum(seconds[:-1]), 3)
    return seconds


def _shorten_words(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0].rstrip(",;:")


def _purposes(count: int) -> list[ScenePurpose]:
    middle: list[ScenePurpose] = ["product", "benefit", "detail"]
    return ["hook", *[middle[min(i, 2)] for i in range(count - 2)], "cta"]


def _fallback_draft(brief: Brief, count: int) -> PlanDraft:
    facts = brief.product.facts or [brief.product.description.split(".")[0]]
    visuals = [f"{brief.product.name} close-up, {brief.brand.name} colours"]
    visuals += [f"{brief.product.name}: {fact}" for fact in facts]
    visuals += [f"{brief.product.name} with the call to action"]
    scenes = [SceneDraft(visual=visuals[min(i, len(visuals) - 2)] if i < count - 1 else visuals[-1], weight=3)
              for i in range(count)]
    return PlanDraft(key_messages=[_shorten_words(fact, KEY_MESSAGE_MAX) for fact in facts[:3]], scenes=scenes)


def plan_variant(brief: Brief, llm: AgentLLM, variant_number: int) -> Variant:
    """Plan one variant; falls back to a plan built from the brief if the LLM cannot."""
    count = scene_count_for(brief.duration_s)
    angle = ANGLES[(variant_number - 1) % len(ANGLES)]
    prompt = load_prompt(
        "plan_campaign",
        product_name=brief.product.name,
        product_description=brief.product.description,
        facts="; ".join(brief.product.facts) or "(only the description)",
        audience=brief.audience,
        brand_voice=brief.brand.voice,
        angle=angle,
        trend_block=render_trend_block(brief.trend),
        key_message_count=min(3, max(1, len(brief.product.facts))),
        scene_count=count,
        duration_s=brief.duration_s,
    )
    draft = llm.structured(
        [{"role": "user", "content": prompt}], PlanDraft, seed=variant_number, max_tokens=400,
        check=lambda d: d.problems(brief), max_retries=PLAN_REASKS,
    )
    source: Literal["llm", "fallback"] = "llm"
    if draft is None:
        draft, source = _fallback_draft(brief, count), "fallback"
    scenes_drafted = (draft.scenes + _fallback_draft(brief, count).scenes)[:count]
    seconds = allocate_durations([scene.weight for scene in scenes_drafted], brief.duration_s)
    purposes = _purposes(count)
    scenes = [
        Scene(index=i, purpose=purposes[i], visual=_shorten_words(scene.visual, VISUAL_MAX), seconds=seconds[i])
        for i, scene in enumerate(scenes_drafted)
    ]
    return Variant(
        id=f"v{variant_number}", angle=angle, key_messages=[m.strip() for m in draft.key_messages if m.strip()] or [brief.product.name],
        scenes=scenes, source=source,
    )


def plan_campaign(brief: Brief, llm: AgentLLM) -> CampaignPlan:
    """The validated plan for every variant the brief asks for."""
    variants = [plan_variant(brief, llm, number) for number in range(1, brief.variants + 1)]
    return CampaignPlan(
        duration_s=brief.duration_s, aspect=brief.aspect, platforms=list(brief.platforms), variants=variants,
    )
