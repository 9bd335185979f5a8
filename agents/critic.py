"""The critic: checks a variant's outputs and says which node must redo what.

Each check is a :class:`Check` naming the node responsible for it. The campaign graph
sends a variant back to that node once with the failed checks as feedback, then reports
whatever still fails in the manifest.
"""

from __future__ import annotations

from pydantic import BaseModel

from agents.brief import Brief
from agents.copywriter import VariantCopy, copy_problems, script_problems
from agents.planner import CampaignPlan
from agents.platforms import PLATFORM_LIMITS


class Check(BaseModel):
    variant_id: str
    name: str
    passed: bool
    detail: str = ""
    responsible: str  # graph node that fixes it
    target: str = ""  # what inside that node: a platform, "script", ...


def review_copy(brief: Brief, plan: CampaignPlan, copy: VariantCopy) -> list[Check]:
    """Limits, facts and word budgets of one variant's copy, re-checked on the final text."""
    brief_data = brief.model_dump()
    checks: list[Check] = []
    for platform, platform_copy in copy.platforms.items():
        problems = copy_problems(platform_copy, PLATFORM_LIMITS[platform], brief_data)
        checks.append(Check(
            variant_id=copy.variant_id, name=f"copy.{platform}", passed=not problems,
            detail="; ".join(problems) or f"within {PLATFORM_LIMITS[platform].label} limits, facts from the brief",
            responsible="copywriter", target=platform,
        ))
        checks.append(Check(
            variant_id=copy.variant_id, name=f"copy.{platform}.generated", passed=platform_copy.source == "llm",
            detail="written by the LLM" if platform_copy.source == "llm" else "the LLM gave no valid copy; plain brief copy used",
            responsible="copywriter", target=platform,
        ))
    variant = next(v for v in plan.variants if v.id == copy.variant_id)
    lines = [line.text for line in copy.script]
    budgets = [line.word_budget for line in copy.script]
    problems = script_problems(lines, budgets, brief_data)
    if len(lines) != len(variant.scenes):
        problems.append(f"{len(lines)} script lines for {len(variant.scenes)} scenes")
    checks.append(Check(
        variant_id=copy.variant_id, name="script", passed=not problems,
        detail="; ".join(problems) or f"{len(lines)} lines within their word budgets",
        responsible="copywriter", target="script",
    ))
    return checks
