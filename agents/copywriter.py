"""The copywriter: per-platform copy and the voiceover script for one variant.

Every candidate is checked by code before it counts: platform length limits, hashtag
rules, and facts only from the brief (:mod:`agents.fact_check`). A rejected candidate is
regenerated with the problems fed back (bounded retries in the LLM tool); the best of N
valid candidates wins, scored by MiniLM relevance to the product. When the model cannot
produce a valid candidate at all, a plain copy built from the brief's own words is used
and marked ``source: fallback`` so nobody mistakes it for generated copy.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, Field, create_model

from agents.brief import Brief
from agents.config import CopywriterSettings
from agents.fact_check import unsupported_claims
from agents.llm_access import AgentLLM
from agents.untrusted_text import render_trend_block
from agents.planner import Variant
from agents.platforms import PLATFORM_LIMITS, PlatformLimits
from tools.context import ResidentModels
from tools.embeddings import cosine_similarities
from tools.llm.prompts import load_prompt

_HASHTAG = re.compile(r"^#[A-Za-z][A-Za-z0-9_]{1,29}$")
_PLACEHOLDER_TEXT = re.compile(r"call to action|headline|primary text|hashtag|\[\w+\]|https?://", re.I)
DEFAULT_CTA = "Shop now"


class PlatformCopy(BaseModel):
    platform: str
    headline: str
    primary_text: str
    hashtags: list[str]
    cta: str
    relevance: float
    source: Literal["llm", "fallback"]
    candidates_considered: int


class ScriptLine(BaseModel):
    scene_index: int
    text: str
    word_budget: int
    source: Literal["llm", "fallback"]


class VariantCopy(BaseModel):
    variant_id: str
    platforms: dict[str, PlatformCopy]
    script: list[ScriptLine]


@lru_cache(maxsize=None)
def _copy_draft_model(platform: str) -> type[BaseModel]:
    limits = PLATFORM_LIMITS[platform]
    return create_model(
        f"CopyDraft_{platform}",
        headline=(str, Field(min_length=3, max_length=limits.headline_max)),
        primary_text=(str, Field(min_length=10, max_length=min(limits.primary_text_max, 220))),
        hashtags=(
            list[Annotated[str, Field(pattern=r"^#[A-Za-z][A-Za-z0-9_]{1,29}$")]],
            Field(max_length=min(limits.hashtags_max, 5)),
        ),
        cta=(str, Field(min_length=2, max_length=limits.cta_max)),
    )


@lru_cache(maxsize=None)
def _script_draft_model(scene_count: int, longest_budget: int) -> type[BaseModel]:
    # About eight characters a word bounds each line, so a small model cannot ramble on.
    line = Annotated[str, Field(min_length=2, max_length=8 * longest_budget)]
    return create_model(
        f"ScriptDraft_{scene_count}",
        lines=(list[line], Field(min_length=scene_count, max_length=scene_count)),
    )


def normalise_hashtag(tag: str) -> str:
    return "#" + re.sub(r"[^A-Za-z0-9_]", "", tag.lstrip("#"))


def copy_problems(draft: BaseModel, limits: PlatformLimits, brief: dict) -> list[str]:
    """Everything that disqualifies a copy candidate for a platform."""
    problems: list[str] = []
    hashtags = [normalise_hashtag(tag) for tag in draft.hashtags]
    for tag in hashtags:
        if not _HASHTAG.match(tag):
            problems.append(f"hashtag {tag!r} must start with a letter: 2-30 letters, digits or underscores")
    if len(draft.headline) > limits.headline_max:
        problems.append(f"headline is {len(draft.headline)} characters; {limits.label} allows {limits.headline_max}")
    text_length = len(draft.primary_text)
    if limits.counts_hashtags_in_text:
        text_length += sum(len(tag) + 1 for tag in hashtags)
    if text_length > limits.primary_text_max:
        problems.append(f"primary text is {text_length} characters; {limits.label} allows {limits.primary_text_max}")
    if len(hashtags) > limits.hashtags_max:
        problems.append(f"{len(hashtags)} hashtags; use at most {limits.hashtags_max}")
    for name in ("headline", "primary_text", "cta"):
        text = getattr(draft, name)
        if _PLACEHOLDER_TEXT.search(text) or text.strip().lower() == limits.label.lower():
            problems.append(f"{name} {text!r} is a placeholder or a link, not ad copy")
    for field_text in (draft.headline, draft.primary_text, draft.cta, " ".join(hashtags)):
        problems.extend(unsupported_claims(field_text, brief))
    return problems


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + "…"


def fallback_copy(brief: Brief, platform: str) -> dict:
    """Plain copy from the brief's own words, within the platform's limits."""
    limits = PLATFORM_LIMITS[platform]
    product = brief.product
    facts = ". ".join(fact[0].upper() + fact[1:] for fact in product.facts[:3])
    body = f"{product.description.split('.')[0].strip()}." + (f" {facts}." if facts else "")
    if product.price:
        body += f" {product.price}."
    tags = [normalise_hashtag(word) for word in (brief.brand.name, product.name)]
    tags = [tag for tag in dict.fromkeys(tags) if _HASHTAG.match(tag)][: limits.hashtags_max]
    reserved = sum(len(tag) + 1 for tag in tags) if limits.counts_hashtags_in_text else 0
    return {
        "headline": _shorten(product.name, limits.headline_max),
        "primary_text": _shorten(body, limits.primary_text_max - reserved),
        "hashtags": tags,
        "cta": _shorten(DEFAULT_CTA, limits.cta_max),
    }


def write_platform_copy(
    brief: Brief,
    variant: Variant,
    platform: str,
    llm: AgentLLM,
    models: ResidentModels,
    settings: CopywriterSettings,
    feedback: list[str] | None = None,
) -> PlatformCopy:
    """Best-of-N valid copy for one platform."""
    limits = PLATFORM_LIMITS[platform]
    brief_data = brief.model_dump()
    draft_model = _copy_draft_model(platform)
    prompt = load_prompt(
        "write_platform_copy",
        platform_label=limits.label,
        product_name=brief.product.name,
        product_description=brief.product.description,
        facts="; ".join(brief.product.facts) or "(only the description)",
        price=brief.product.price or "(not given: do not mention a price)",
        audience=brief.audience,
        brand_voice=brief.brand.voice,
        key_messages="; ".join(variant.key_messages),
        trend_block=render_trend_block(brief.trend),
        headline_max=limits.headline_max,
        primary_text_max=min(limits.primary_text_max, 220),
        hashtags_max=limits.hashtags_max,
        cta_max=limits.cta_max,
    )
    if feedback:
        prompt += "\n\n" + load_prompt("revise_copy", problems="\n".join(f"- {p}" for p in feedback))
    messages = [{"role": "user", "content": prompt}]
    variant_number = int(variant.id[1:])
    # A revision samples afresh: the same seed would mostly repeat the rejected answer.
    revision_offset = 500 if feedback else 0
    candidates: list[dict] = []
    for attempt in range(settings.candidates):
        draft = llm.structured(
            messages, draft_model, seed=1000 * variant_number + 10 * attempt + len(platform) + revision_offset,
            max_tokens=300, check=lambda d: copy_problems(d, limits, brief_data),
        )
        if draft is not None:
            candidates.append(draft.model_dump())
    source: Literal["llm", "fallback"] = "llm"
    if not candidates:
        candidates, source = [fallback_copy(brief, platform)], "fallback"
    texts = [f"{c['headline']}. {c['primary_text']}" for c in candidates]
    scores = cosine_similarities(f"{brief.product.name}. {brief.product.description}", texts, models)
    best = max(range(len(candidates)), key=lambda i: scores[i])
    chosen = candidates[best]
    return PlatformCopy(
        platform=platform,
        headline=chosen["headline"].strip(),
        primary_text=chosen["primary_text"].strip(),
        hashtags=[normalise_hashtag(tag) for tag in chosen["hashtags"]],
        cta=chosen["cta"].strip(),
        relevance=round(scores[best], 4),
        source=source,
        candidates_considered=len(candidates),
    )


def word_budgets(variant: Variant, words_per_second: float) -> list[int]:
    """How many words each scene's voiceover line may have."""
    return [max(2, math.floor(scene.seconds * words_per_second)) for scene in variant.scenes]


def script_problems(lines: list[str], budgets: list[int], brief: dict) -> list[str]:
    problems: list[str] = []
    for index, (line, budget) in enumerate(zip(lines, budgets)):
        words = len(line.split())
        if words == 0:
            problems.append(f"line {index + 1} is empty")
        elif words > budget:
            problems.append(f"line {index + 1} has {words} words; its scene allows {budget}")
        problems.extend(f"line {index + 1}: {p}" for p in unsupported_claims(line, brief))
    return problems


def _fit_words(text: str, budget: int) -> str:
    words = text.split()
    return " ".join(words[:budget]).rstrip(",;:-") if len(words) > budget else text


def fallback_script(brief: Brief, variant: Variant, budgets: list[int]) -> list[str]:
    """Lines from the key messages and facts, each cut to its scene's word budget."""
    pool = [brief.product.name + "."] + [m.rstrip(".") + "." for m in variant.key_messages]
    pool += [fact[0].upper() + fact[1:] + "." for fact in brief.product.facts]
    lines = [_fit_words(pool[i % len(pool)], budgets[i]) for i in range(len(budgets) - 1)]
    cta = f"{DEFAULT_CTA}: {brief.product.name}." if budgets[-1] >= 4 else f"{DEFAULT_CTA}."
    return [*lines, _fit_words(cta, budgets[-1])]


def write_voiceover_script(
    brief: Brief, variant: Variant, llm: AgentLLM, settings: CopywriterSettings,
    feedback: list[str] | None = None,
) -> list[ScriptLine]:
    """One spoken line per scene, each within the word budget of its scene's duration."""
    budgets = word_budgets(variant, settings.words_per_second)
    brief_data = brief.model_dump()
    scene_list = "\n".join(
        f"Scene {i + 1} ({scene.purpose}, {scene.seconds:.1f} s, at most {budgets[i]} words): {scene.visual}"
        for i, scene in enumerate(variant.scenes)
    )
    prompt = load_prompt(
        "write_voiceover",
        product_name=brief.product.name,
        facts="; ".join(brief.product.facts) or "(only the description)",
        brand_voice=brief.brand.voice,
        key_messages="; ".join(variant.key_messages),
        scene_list=scene_list,
    )
    if feedback:
        prompt += "\n\n" + load_prompt("revise_copy", problems="\n".join(f"- {p}" for p in feedback))
    draft = llm.structured(
        [{"role": "user", "content": prompt}], _script_draft_model(len(budgets), max(budgets)),
        seed=int(variant.id[1:]), max_tokens=60 + 4 * sum(budgets),
        check=lambda d: script_problems(d.lines, budgets, brief_data),
    )
    if draft is not None:
        texts, source = [line.strip() for line in draft.lines], "llm"
    else:
        texts, source = fallback_script(brief, variant, budgets), "fallback"
    return [
        ScriptLine(scene_index=i, text=text, word_budget=budgets[i], source=source)  # type: ignore[arg-type]
        for i, text in enumerate(texts)
    ]


def write_variant_copy(
    brief: Brief, variant: Variant, llm: AgentLLM, models: ResidentModels,
    settings: CopywriterSettings, feedback: dict[str, list[str]] | None = None,
    previous: VariantCopy | None = None,
) -> VariantCopy:
    """All copy for one variant: every platform of the brief plus the voiceover script.

    With ``previous`` copy and ``feedback``, only the targets named in the feedback (a
    platform or ``"script"``) are rewritten; everything else is kept as it was.
    """
    feedback = feedback or {}

    def redo(target: str) -> bool:
        return previous is None or target in feedback

    platforms = {
        platform: (
            write_platform_copy(brief, variant, platform, llm, models, settings, feedback.get(platform))
            if redo(platform) else previous.platforms[platform]
        )
        for platform in brief.platforms
    }
    script = (
        write_voiceover_script(brief, variant, llm, settings, feedback.get("script"))
        if redo("script") else previous.script
    )
    return VariantCopy(variant_id=variant.id, platforms=platforms, script=script)


class SloganDraft(BaseModel):
    slogan: str = Field(min_length=2, max_length=70)


def _unrelated(slogan: str, description: str) -> list[str]:
    words = {w for w in re.findall(r"[a-z]{4,}", description.lower())}
    if words and not words & set(re.findall(r"[a-z]{4,}", slogan.lower())):
        return ["the slogan must name something from the description"]
    return []


def write_slogan(description: str, llm: AgentLLM, *, seed: int = 0) -> str:
    """A short slogan from a company description (the copy eval's task).

    Falls back to the description's first clause when the model gives no valid answer.
    """
    facts = {"product": {"description": description}}
    draft = llm.structured(
        [{"role": "user", "content": load_prompt("write_slogan", description=description[:600])}],
        SloganDraft, seed=seed, max_tokens=40,
        check=lambda d: unsupported_claims(d.slogan, facts) + _unrelated(d.slogan, description),
    )
    if draft is not None:
        return draft.slogan.strip()
    return _shorten(re.split(r"[.,;:]", description, maxsplit=1)[0].strip(), 70)
