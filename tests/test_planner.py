"""The planner: exact durations, LLM drafts checked by code, a valid plan even without the LLM."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from adloom.agents.brief import load_brief, parse_brief
from adloom.agents.llm_access import AgentLLM
from adloom.agents.planner import (
    MIN_SCENE_SECONDS,
    PLAN_REASKS,
    CampaignPlan,
    allocate_durations,
    plan_campaign,
    scene_count_for,
)
from conftest import REPO_ROOT
from scripted_llm import GARBAGE, ScriptedBackend, plan_reply
from adloom.tools.config import LLMSettings

EXAMPLE = REPO_ROOT / "examples" / "brief.yaml"


def agent_llm(backend: ScriptedBackend, max_retries: int = 1) -> AgentLLM:
    return AgentLLM(backend, LLMSettings(max_retries=max_retries))


# --- allocate_durations -----------------------------------------------------------------


def test_durations_sum_exactly_for_many_random_plans():
    rng = random.Random(20240601)
    checked = 0
    while checked < 3000:
        count = rng.randint(1, 8)
        # Whole seconds, tenths and hundredths: briefs may give any float in 5..180.
        total = round(rng.uniform(5, 180), rng.choice([0, 1, 2]))
        if count * MIN_SCENE_SECONDS > total:
            continue
        weights = [rng.randint(1, 5) for _ in range(count)]
        seconds = allocate_durations(weights, total)
        case = f"weights={weights} total={total} -> {seconds}"
        assert len(seconds) == count, case
        assert sum(seconds) == pytest.approx(total, abs=1e-6), case
        assert min(seconds) >= MIN_SCENE_SECONDS - 1e-9, case
        for heavier in range(count):
            for lighter in range(count):
                if weights[heavier] > weights[lighter]:
                    # Proportional up to the tenth the rounding moves around.
                    assert seconds[heavier] >= seconds[lighter] - 0.1 - 1e-9, case
        checked += 1


def test_non_tenth_duration_keeps_every_scene_at_the_minimum():
    # Regression: rounding the remainder up pushed the last scene below the minimum.
    seconds = allocate_durations([4, 2, 5, 2], 6.15)
    assert sum(seconds) == pytest.approx(6.15)
    assert min(seconds) >= MIN_SCENE_SECONDS


def test_durations_follow_the_weights():
    assert allocate_durations([1, 5, 1], 15) == [3.0, 9.0, 3.0]
    assert allocate_durations([1, 1, 1], 4.5) == [1.5, 1.5, 1.5]


def test_too_many_scenes_for_the_duration_raise():
    with pytest.raises(ValueError, match=r"4 scenes cannot fit in 5"):
        allocate_durations([1, 1, 1, 1], 5)


@pytest.mark.parametrize(("duration", "count"), [(5, 3), (15, 4), (30, 8), (180, 8)])
def test_scene_count_for_duration(duration, count):
    assert scene_count_for(duration) == count
    assert scene_count_for(duration) * MIN_SCENE_SECONDS <= duration


# --- plan_campaign ------------------------------------------------------------------------


def test_scripted_plan_is_valid_for_every_variant():
    data = load_brief(EXAMPLE).model_dump(mode="json")
    data.update(variants=3, duration_s=22.5)
    brief = parse_brief(data)
    count = scene_count_for(22.5)
    backend = ScriptedBackend({"PlanDraft": [plan_reply(
        ["Steeped for 18 hours", "No added sugar"],
        [f"Scene {i} of the can" for i in range(count)],
        [1, 2, 3, 4, 5, 1][:count],
    )]})

    plan = plan_campaign(brief, agent_llm(backend))

    assert [v.id for v in plan.variants] == ["v1", "v2", "v3"]
    assert plan.platforms == brief.platforms and plan.aspect == "9:16" and plan.duration_s == 22.5
    for variant in plan.variants:
        assert variant.source == "llm"
        assert variant.key_messages == ["Steeped for 18 hours", "No added sugar"]
        assert len(variant.scenes) == count
        assert sum(scene.seconds for scene in variant.scenes) == pytest.approx(22.5, abs=0.01)
        assert variant.scenes[0].purpose == "hook" and variant.scenes[-1].purpose == "cta"
        assert [scene.visual for scene in variant.scenes] == [f"Scene {i} of the can" for i in range(count)]
        # The heaviest drafted scene gets the most time.
        assert max(variant.scenes, key=lambda s: s.seconds).index == 4
    assert len({variant.angle for variant in plan.variants}) == 3
    # One call per variant, each with its own seed and its own angle in the prompt.
    calls = backend.calls_for("PlanDraft")
    assert len(calls) == 3 and len({call.seed for call in calls}) == 3
    for call, variant in zip(calls, plan.variants):
        assert variant.angle in call.prompt
    CampaignPlan.model_validate(plan.model_dump(mode="json"))


def test_too_few_drafted_scenes_are_completed_from_the_brief():
    brief = load_brief(EXAMPLE)
    backend = ScriptedBackend({"PlanDraft": [plan_reply(["No added sugar"], ["Can on a desk", "Logo"])]})
    plan = plan_campaign(brief, agent_llm(backend))
    (variant,) = plan.variants
    assert len(variant.scenes) == scene_count_for(brief.duration_s)
    assert [s.visual for s in variant.scenes[:2]] == ["Can on a desk", "Logo"]
    assert sum(s.seconds for s in variant.scenes) == pytest.approx(brief.duration_s)


def test_invented_claim_in_key_messages_is_re_asked():
    brief = load_brief(EXAMPLE)
    invented = plan_reply(["Voted the #1 cold brew", "Only 99 cents"], ["Can on ice", "Pouring", "Commuter sips", "Logo"])
    valid = plan_reply(["No added sugar"], ["Can on ice", "Pouring", "Commuter sips", "Logo"])
    backend = ScriptedBackend({"PlanDraft": [invented, valid]})
    plan = plan_campaign(brief, agent_llm(backend, max_retries=1))
    assert plan.variants[0].source == "llm" and plan.variants[0].key_messages == ["No added sugar"]
    first, reask = backend.calls_for("PlanDraft")
    assert reask.is_reask and not first.is_reask
    assert "'#1'" in reask.last_message and "'99'" in reask.last_message


def test_key_messages_that_say_nothing_or_repeat_are_re_asked():
    # Seen with SmolLM2 on a lamp brief: four key messages "This", each set on a scene as its headline.
    brief = load_brief(EXAMPLE)
    empty = plan_reply(["This", "This", "Northwind Cold Brew"], ["Can on ice", "Pouring", "Commuter sips", "Logo"])
    valid = plan_reply(["No added sugar", "Steeped for 18 hours"], ["Can on ice", "Pouring", "Commuter sips", "Logo"])
    backend = ScriptedBackend({"PlanDraft": [empty, valid]})
    plan = plan_campaign(brief, agent_llm(backend, max_retries=1))
    assert plan.variants[0].key_messages == ["No added sugar", "Steeped for 18 hours"]
    reask = backend.calls_for("PlanDraft")[1].last_message
    assert "key message 1 ('This') says nothing" in reask
    assert "key message 2 repeats" in reask
    assert "key message 3 ('Northwind Cold Brew') says nothing" in reask


def test_garbage_llm_falls_back_to_a_valid_plan():
    data = load_brief(EXAMPLE).model_dump(mode="json")
    data["variants"] = 2
    brief = parse_brief(data)
    backend = ScriptedBackend([GARBAGE])
    plan = plan_campaign(brief, agent_llm(backend, max_retries=2))
    # Two variants, each 1 + PLAN_REASKS re-asks: the brief's facts stand in, so more would only cost time.
    assert len(backend.calls) == 2 * (1 + PLAN_REASKS)
    assert [v.source for v in plan.variants] == ["fallback", "fallback"]
    for variant in plan.variants:
        assert len(variant.scenes) == scene_count_for(brief.duration_s)
        assert sum(s.seconds for s in variant.scenes) == pytest.approx(brief.duration_s)
        assert set(variant.key_messages) <= set(brief.product.facts)
        assert all(brief.product.name in scene.visual for scene in variant.scenes)
    CampaignPlan.model_validate(plan.model_dump(mode="json"))


def test_plan_validator_rejects_durations_that_do_not_sum_up():
    plan = plan_campaign(load_brief(EXAMPLE), agent_llm(ScriptedBackend([GARBAGE]), max_retries=0))
    data = plan.model_dump(mode="json")
    data["variants"][0]["scenes"][0]["seconds"] += 1.0
    with pytest.raises(ValidationError, match=r"variant v1: scene durations sum to 16\.00 s, not 15\.0 s"):
        CampaignPlan.model_validate(data)


def test_plan_validator_rejects_duplicate_ids_and_unordered_scenes():
    plan = plan_campaign(load_brief(EXAMPLE), agent_llm(ScriptedBackend([GARBAGE]), max_retries=0))
    data = plan.model_dump(mode="json")
    duplicated = {**data, "variants": [data["variants"][0], data["variants"][0]]}
    with pytest.raises(ValidationError, match="variant ids must be unique"):
        CampaignPlan.model_validate(duplicated)
    data["variants"][0]["scenes"][0]["index"] = 5
    with pytest.raises(ValidationError, match="scene indexes"):
        CampaignPlan.model_validate(data)


def test_a_long_key_message_is_re_asked_and_a_long_visual_is_shortened():
    brief = load_brief(EXAMPLE)
    long_message = "Northwind Cold Brew " * 6  # 120 characters: too long for a key image's subline
    long_visual = "A commuter opens a can of cold brew on a crowded morning train " * 5
    backend = ScriptedBackend({"PlanDraft": [
        plan_reply([long_message.strip()], [long_visual, "Pouring", "Commuter sips", "Logo"]),
        plan_reply(["No added sugar"], [long_visual, "Pouring", "Commuter sips", "Logo"]),
    ]})
    plan = plan_campaign(brief, agent_llm(backend, max_retries=1))
    assert plan.variants[0].key_messages == ["No added sugar"]
    assert "keep it under 90" in backend.calls_for("PlanDraft")[1].last_message
    visual = plan.variants[0].scenes[0].visual
    assert len(visual) <= 160 and long_visual.startswith(visual) and not visual.endswith(" ")
