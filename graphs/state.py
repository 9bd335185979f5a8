"""The shared LangGraph state of a campaign run.

The state holds plain JSON data: the brief, the plan, copy, checks and *references* to
assets (path, sha256, kind, producing tool/backend), never file bytes.
"""

from __future__ import annotations

from typing import Annotated, TypedDict


def merge_dicts(left: dict | None, right: dict | None) -> dict:
    """Reducer: later keys win, so a re-run of a variant's node replaces its entry."""
    return {**(left or {}), **(right or {})}


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
    assets: Annotated[list[dict], merge_assets]  # AssetRef dumps
    checks: list[dict]  # the critic's latest checks
    revisions: Annotated[dict[str, int], merge_dicts]  # "<variant>:<node>" -> times sent back
    timings: Annotated[dict[str, float], merge_dicts]  # node (and variant) -> seconds
    manifest_path: str


class VariantTask(TypedDict):
    """What a per-variant node receives through ``Send``."""

    variant_id: str
    brief: dict
    plan: dict
    feedback: dict[str, list[str]]  # target (platform, "script", ...) -> problems to fix
    previous: dict  # the variant's outputs so far, by kind ("copy", ...), when sent back
