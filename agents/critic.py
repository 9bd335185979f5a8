"""The critic: checks a variant's outputs and says which node must redo what.

Each check is a :class:`Check` naming the node responsible for it. The campaign graph
sends a variant back to that node once with the failed checks as feedback, then reports
whatever still fails in the manifest.
"""

from __future__ import annotations

from pydantic import BaseModel

from adloom.agents.brief import Brief
from adloom.agents.copywriter import VariantCopy, copy_problems, script_problems
from adloom.agents.grounding import LineGrounding, grounds_for, own_words_line
from adloom.agents.planner import CampaignPlan
from adloom.agents.platforms import PLATFORM_LIMITS
from adloom.tools.context import ResidentModels


class Check(BaseModel):
    variant_id: str
    name: str
    passed: bool
    detail: str = ""
    responsible: str  # graph node that fixes it
    target: str = ""  # what inside that node: a platform, "script", ...


def _grounding_detail(lines: list[LineGrounding]) -> str:
    facts = {fact for line in lines for fact in line.facts}
    return f"every line traced to the brief ({len(facts)} brief entries)"


def review_copy(brief: Brief, plan: CampaignPlan, copy: VariantCopy, models: ResidentModels) -> list[Check]:
    """Limits, readability and grounding of one variant's copy and key messages, re-checked on the final text."""
    grounds = grounds_for(brief.model_dump())
    checks: list[Check] = []
    for platform, platform_copy in copy.platforms.items():
        own = copy.own_headlines.get(platform)
        problems = copy_problems(platform_copy, PLATFORM_LIMITS[platform], brief, own_headline=own)
        lines = [own_words_line(f"{platform}.{name}", own) if name == "headline" and platform_copy.headline == own
                 else grounds.check(f"{platform}.{name}", getattr(platform_copy, name))
                 for name in ("headline", "primary_text", "cta")]
        lines.append(grounds.check(f"{platform}.hashtags", " ".join(platform_copy.hashtags)))
        problems += [f"{name}: {p}" for name in ("headline", "primary_text")
                     if not (name == "headline" and platform_copy.headline == own)
                     for p in grounds.meaning_problems(getattr(platform_copy, name), models)]
        checks.append(Check(
            variant_id=copy.variant_id, name=f"copy.{platform}", passed=not problems,
            detail="; ".join(problems) or f"within {PLATFORM_LIMITS[platform].label} limits; {_grounding_detail(lines)}",
            responsible="copywriter", target=platform,
        ))
    variant = next(v for v in plan.variants if v.id == copy.variant_id)
    texts = [line.text for line in copy.script]
    budgets = [line.word_budget for line in copy.script]
    problems = script_problems(texts, budgets, brief)
    if len(texts) != len(variant.scenes):
        problems.append(f"{len(texts)} script lines for {len(variant.scenes)} scenes")
    lines = [grounds.check(f"script[{i}]", text) for i, text in enumerate(texts)]
    problems += [f"line {i + 1}: {p}" for i, text in enumerate(texts) for p in grounds.meaning_problems(text, models)]
    checks.append(Check(
        variant_id=copy.variant_id, name="script", passed=not problems,
        detail="; ".join(problems) or f"{len(texts)} whole sentences within their word budgets; {_grounding_detail(lines)}",
        responsible="copywriter", target="script",
    ))
    messages = [grounds.check(f"key_messages[{i}]", m, models) for i, m in enumerate(variant.key_messages)]
    problems = [f"{line.field}: {p}" for line in messages for p in line.problems]
    checks.append(Check(
        variant_id=copy.variant_id, name="plan.key_messages", passed=not problems,
        detail="; ".join(problems) or f"{len(messages)} key messages; {_grounding_detail(messages)}",
        responsible="planner",
    ))
    return checks
