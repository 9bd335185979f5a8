"""Footage mode (VC-LLM): choose clips, order them and write one voiceover line per clip.

Y = f(P, C, K): from the product information P (the brief), the described clips C and an
optional clip count K, the LLM returns an ordered list of clip ids with a script line
each. Its answer is schema-constrained (clip ids are an enum of the real ids) and then
validated by code: every clip exists, none is used twice, exactly K clips when K is
given, every line within the word budget of its clip's duration, and no number or claim
that is in neither the brief nor the clip descriptions (the Fact criterion). Invalid
answers are re-asked with the problems (bounded, in the LLM tool).

When the model gives no valid answer (the small embedded model often cannot), a labelled
fallback is used (``source: fallback``): clips ranked by MiniLM similarity between the
product text and each clip's description, played in footage order, with lines built
from the brief's own facts cut to each budget.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field, create_model

from adloom.agents.brief import Brief
from adloom.agents.copywriter import fit_phrase
from adloom.agents.grounding import BriefGrounds
from adloom.agents.llm_access import AgentLLM
from adloom.tools.config import WORDS_PER_SECOND
from adloom.tools.context import ResidentModels
from adloom.tools.embeddings.tool import cosine_similarities
from adloom.tools.llm.prompts import load_prompt

DEFAULT_CTA = "Try it today"


class FootageClip(BaseModel):
    """A candidate clip as the selection step sees it.

    Attributes:
        clip_id: the id the LLM must answer with.
        order: position of the clip in the footage (video order, then time) for the fallback.
        seconds: how long the clip plays in the ad (its length, capped by ``[footage] max_clip_s``).
        description: from the clip describer.
    """

    clip_id: str
    order: int
    seconds: float = Field(gt=0)
    description: str


class ScriptedClip(BaseModel):
    clip_id: str
    line: str
    word_budget: int


class FootagePlan(BaseModel):
    """The chosen clips in play order, each with its voiceover line."""

    clips: list[ScriptedClip]
    source: Literal["llm", "fallback"]
    llm_problems: list[str] = Field(default_factory=list, description="Why the fallback was used, when it was.")

    @property
    def clip_ids(self) -> list[str]:
        return [clip.clip_id for clip in self.clips]


def word_budget(seconds: float, words_per_second: float) -> int:
    """Spoken words that fit a clip of ``seconds``, at least one."""
    return max(1, math.floor(seconds * words_per_second))


@lru_cache(maxsize=64)
def _draft_model(clip_ids: tuple[str, ...], minimum: int, maximum: int, longest_budget: int) -> type[BaseModel]:
    choice = create_model(
        "ClipChoice",
        clip_id=(Literal[clip_ids], Field(description="One of the available clip ids.")),  # type: ignore[valid-type]
        line=(str, Field(min_length=2, max_length=8 * longest_budget + 8)),
    )
    return create_model(
        f"FootageDraft_{len(clip_ids)}",
        clips=(list[choice], Field(min_length=minimum, max_length=maximum)),  # type: ignore[valid-type]
    )


def fact_source(brief: Brief, clips: list[FootageClip]) -> BriefGrounds:
    """The brief as grounds for the script, with what the clips show as more words it may use.

    What a clip shows is not something the product claims: a clip of "a healthy salad" lets
    the script say "salad", not call the product healthy.
    """
    return BriefGrounds(brief.model_dump(mode="json"),
                        extra_sources=[(f"clip {clip.clip_id}", clip.description) for clip in clips])


def plan_problems(
    chosen: list[tuple[str, str]],
    clips: dict[str, FootageClip],
    *,
    k: int | None,
    words_per_second: float,
    facts: BriefGrounds,
    max_seconds: float | None = None,
) -> list[str]:
    """Everything wrong with an ordered (clip id, line) list; empty when it is a valid plan."""
    problems: list[str] = []
    ids = [clip_id for clip_id, _ in chosen]
    if not ids:
        problems.append("choose at least one clip")
    if k is not None and len(ids) != k:
        problems.append(f"choose exactly {k} clips, not {len(ids)}")
    for clip_id in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"clip {clip_id} is used {ids.count(clip_id)} times; use each clip at most once")
    for position, (clip_id, line) in enumerate(chosen, start=1):
        clip = clips.get(clip_id)
        if clip is None:
            problems.append(f"clip {clip_id!r} does not exist; choose from {', '.join(clips)}")
            continue
        budget = word_budget(clip.seconds, words_per_second)
        words = len(line.split())
        if words == 0:
            problems.append(f"line {position} (clip {clip_id}) is empty")
        elif words < min(2, budget) or any(token.strip(".,!?:;\"'") in clips for token in line.split()):
            problems.append(f"line {position} (clip {clip_id}) must be a spoken sentence, not a clip id")
        elif words > budget:
            problems.append(f"line {position} (clip {clip_id}) has {words} words; its {clip.seconds:.1f} s allow {budget}")
        problems.extend(f"line {position}: {p}" for p in facts.problems(line))
    if max_seconds is not None and k is None and ids and all(i in clips for i in ids):
        total = sum(clips[i].seconds for i in ids)
        if total > max_seconds and len(ids) > 1:
            problems.append(f"the chosen clips last {total:.1f} s; the ad should last at most {max_seconds:.0f} s")
    return problems


def shorten_line(line: str, budget: int) -> str:
    """``line`` within ``budget`` words: its whole sentences while they fit, else its first
    sentence cut where a phrase ends, else that sentence's first words."""
    sentences = re.split(r"(?<=[.!?])\s+", line.strip())
    kept: list[str] = []
    for sentence in sentences:
        if len(" ".join([*kept, sentence]).split()) > budget:
            break
        kept.append(sentence)
    if kept:
        return " ".join(kept)
    return fit_phrase(sentences[0], budget) or " ".join(sentences[0].split()[:budget]).rstrip(",;:-")


def fallback_phrases(brief: Brief) -> list[str]:
    """Sentences the fallback may speak: the product name, its facts, then the description's clauses."""
    phrases = [brief.product.name + "."]
    phrases += [fact[0].upper() + fact[1:].rstrip(".") + "." for fact in brief.product.facts]
    for clause in re.split(r"(?<=[.;])\s+|,\s+", brief.product.description):
        clause = clause.strip().rstrip(".;,")
        if len(clause.split()) >= 2:
            phrases.append(clause[0].upper() + clause[1:] + ".")
    return list(dict.fromkeys(phrases))


def _fill_line(pool: list[str], cursor: int, budget: int) -> tuple[str, int]:
    """Phrases from ``pool`` (cyclically from ``cursor``) joined while they fit ``budget`` words."""
    taken: list[str] = []
    words = 0
    for offset in range(len(pool)):
        phrase = pool[(cursor + offset) % len(pool)]
        size = len(phrase.split())
        if taken and words + size > budget:
            break
        taken.append(phrase)
        words += size
    return " ".join(taken), cursor + max(1, len(taken))


def rank_by_relevance(brief: Brief, clips: list[FootageClip], models: ResidentModels) -> list[float]:
    """MiniLM cosine similarity between the product text and each clip description."""
    product = f"{brief.product.name}. {brief.product.description}"
    return cosine_similarities(product, [clip.description for clip in clips], models)


def fallback_plan(
    brief: Brief,
    clips: list[FootageClip],
    models: ResidentModels,
    *,
    k: int | None,
    words_per_second: float,
    problems: list[str],
) -> FootagePlan:
    """The most relevant clips (K, or enough to fill the brief's duration) in footage order, lines from the brief."""
    scores = rank_by_relevance(brief, clips, models)
    ranked = sorted(range(len(clips)), key=lambda i: (-scores[i], clips[i].order))
    if k is not None:
        chosen = ranked[:k]
    else:
        chosen, total = [], 0.0
        for index in ranked:
            if chosen and total + clips[index].seconds > brief.duration_s:
                continue
            chosen.append(index)
            total += clips[index].seconds
    chosen.sort(key=lambda i: clips[i].order)
    pool = fallback_phrases(brief)
    scripted, cursor = [], 0
    for position, index in enumerate(chosen):
        budget = word_budget(clips[index].seconds, words_per_second)
        if position == len(chosen) - 1 and position > 0:
            cta = f"{DEFAULT_CTA}: {brief.product.name}."
            text = cta if len(cta.split()) <= budget else f"{DEFAULT_CTA}."
        else:
            text, cursor = _fill_line(pool, cursor, budget)
        scripted.append(ScriptedClip(clip_id=clips[index].clip_id, line=shorten_line(text, budget), word_budget=budget))
    return FootagePlan(clips=scripted, source="fallback", llm_problems=problems)


def select_and_script(
    brief: Brief,
    clips: list[FootageClip],
    llm: AgentLLM,
    models: ResidentModels,
    *,
    k: int | None = None,
    words_per_second: float = WORDS_PER_SECOND,
    seed: int = 0,
) -> FootagePlan:
    """Choose and order clips and write one voiceover line each (see the module docstring).

    Args:
        k: how many clips to use; None lets the model choose (about the brief's duration).

    Raises:
        ValueError: no clips, duplicate clip ids, or ``k`` outside 1..len(clips).
    """
    if not clips:
        raise ValueError("no clips to choose from")
    by_id = {clip.clip_id: clip for clip in clips}
    if len(by_id) != len(clips):
        raise ValueError("clip ids must be unique")
    if k is not None and not 1 <= k <= len(clips):
        raise ValueError(f"--clips {k}: choose between 1 and {len(clips)} clips (that many are usable footage)")
    budgets = {clip.clip_id: word_budget(clip.seconds, words_per_second) for clip in clips}
    clip_list = "\n".join(
        f"- {clip.clip_id} ({clip.seconds:.1f} s, at most {budgets[clip.clip_id]} words): {clip.description}"
        for clip in clips
    )
    if k is not None:
        count_instruction = f"Choose exactly {k} of these clips."
    else:
        count_instruction = f"Choose the clips that best sell the product, about {brief.duration_s} seconds in total."
    prompt = load_prompt(
        "footage_select_and_script",
        product_name=brief.product.name, product_description=brief.product.description,
        facts="; ".join(brief.product.facts) or "(only the description)", brand_voice=brief.brand.voice,
        audience=brief.audience, clip_list=clip_list, count_instruction=count_instruction,
    )
    facts = fact_source(brief, clips)
    minimum, maximum = (k, k) if k is not None else (1, len(clips))
    model = _draft_model(tuple(by_id), minimum, maximum, max(budgets.values()))
    max_seconds = brief.duration_s * 1.25
    last_problems: list[str] = []

    def check(draft: BaseModel) -> list[str]:
        chosen = [(choice.clip_id, choice.line.strip()) for choice in draft.clips]  # type: ignore[attr-defined]
        last_problems[:] = plan_problems(
            chosen, by_id, k=k, words_per_second=words_per_second, facts=facts, max_seconds=max_seconds
        )
        return last_problems

    draft = llm.structured(
        [{"role": "user", "content": prompt}], model, seed=seed,
        max_tokens=80 + 20 * maximum + 6 * sum(sorted(budgets.values())[-maximum:]), check=check,
    )
    if draft is None:
        return fallback_plan(
            brief, clips, models, k=k, words_per_second=words_per_second,
            problems=list(last_problems) or ["the model gave no schema-valid answer"],
        )
    return FootagePlan(
        clips=[
            ScriptedClip(clip_id=choice.clip_id, line=choice.line.strip(), word_budget=budgets[choice.clip_id])
            for choice in draft.clips  # type: ignore[attr-defined]
        ],
        source="llm",
    )
