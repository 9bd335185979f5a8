"""The shared LangGraph state of a campaign run.

The state holds plain JSON data: the brief, the plan, copy, checks and *references* to
assets (path, sha256, kind, producing tool/backend), never file bytes.
"""

from __future__ import annotations

from typing import Annotated, TypedDict

from adloom.agents.feedback import Feedback


def merge_dicts(left: dict | None, right: dict | None) -> dict:
    """Reducer: later keys win, so a re-run of a variant's node replaces its entry."""
    return {**(left or {}), **(right or {})}


def add_timings(left: dict | None, right: dict | None) -> dict:
    """Reducer: seconds add up, so a node that runs again (a revision) counts all its passes."""
    merged = dict(left or {})
    for label, seconds in (right or {}).items():
        merged[label] = round(merged.get(label, 0.0) + seconds, 3)
    return merged


def merge_variant_outputs(left: dict | None, right: dict | None) -> dict:
    """Reducer: per variant, later outputs of a kind replace earlier ones; other kinds are kept."""
    merged = dict(left or {})
    for variant_id, outputs in (right or {}).items():
        merged[variant_id] = {**merged.get(variant_id, {}), **outputs}
    return merged


def merge_assets(left: list[dict] | None, right: list[dict] | None) -> list[dict]:
    """Reducer: append asset references, keeping one per (path, tool, role)."""
    merged: dict[tuple, dict] = {}
    for ref in [*(left or []), *(right or [])]:
        merged[(ref["path"], ref["tool"], ref.get("metadata", {}).get("role", ""))] = ref
    return list(merged.values())


class CampaignState(TypedDict, total=False):
    run_id: str
    brief: dict
    plan: dict
    copy: Annotated[dict[str, dict], merge_dicts]  # variant id -> VariantCopy
    media: Annotated[dict[str, dict], merge_variant_outputs]  # variant id -> kind ("art", "video", ...) -> output
    assets: Annotated[list[dict], merge_assets]  # AssetRef dumps
    checks: list[dict]  # the critic's latest checks
    revisions: Annotated[dict[str, int], merge_dicts]  # "<variant>:<node>" -> times sent back
    review_round: int  # how many times the critic has sent variants back
    timings: Annotated[dict[str, float], add_timings]  # node (and variant) -> seconds, all passes
    manifest: dict  # what the run made, as written to manifest_path (nothing reads it back from disk)
    manifest_path: str


class VariantTask(TypedDict):
    """What a per-variant node receives through ``Send`` and hands on to the next one."""

    variant_id: str
    brief: dict
    plan: dict
    feedback: Feedback  # node -> target (platform, "script", "scene-1", ...) -> problems
    previous: dict  # the variant's outputs so far, by kind ("copy", "art", "video", ...)
    round: int  # the critic's review round this pass belongs to
