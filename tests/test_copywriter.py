"""The copywriter: facts only from the brief, platform limits, re-asks, best-of-N, fallbacks.

The LLM is scripted (its words are chosen by the test); everything else is real, including
MiniLM relevance scoring for best-of-N.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from agents.brief import PLATFORMS, load_brief, parse_brief
from agents.config import CopywriterSettings
from agents.copywriter import (
    copy_problems,
    fallback_copy,
    fallback_script,
    write_platform_copy,
    write_variant_copy,
    write_voiceover_script,
    word_budgets,
)
from agents.fact_check import unsupported_claims
from agents.llm_access import AgentLLM
from agents.planner import Scene, Variant, allocate_durations, scene_count_for
from agents.platforms import PLATFORM_LIMITS
from conftest import REPO_ROOT
from scripted_llm import GARBAGE, ScriptedBackend, copy_reply, script_reply, short_script_lines, warm_models
from tools.config import LLMSettings

EXAMPLE = REPO_ROOT / "examples" / "brief.yaml"
VALID_COPY = copy_reply(
    "Smooth cold brew for busy mornings",
    "Steeped for 18 hours from single-origin Colombian beans, with no added sugar.",
    ["#ColdBrew", "#Northwind"],
    "Grab a can",
)


class Draft(BaseModel):
    headline: str = "Smooth cold brew"
    primary_text: str = "Naturally sweet coffee for your commute."
    hashtags: list[str] = []
    cta: str = "Grab a can"


@pytest.fixture(scope="module")
def brief():
    return load_brief(EXAMPLE)


@pytest.fixture(scope="module")
def brief_data(brief) -> dict:
    return brief.model_dump()


def make_variant(seconds: list[float], variant_id: str = "v1") -> Variant:
    purposes = ["hook", *["benefit"] * (len(seconds) - 2), "cta"]
    return Variant(
        id=variant_id, angle="lead with the main benefit", key_messages=["No added sugar"],
        scenes=[Scene(index=i, purpose=purposes[i], visual=f"scene {i}", seconds=s) for i, s in enumerate(seconds)],
    )


def agent_llm(backend: ScriptedBackend, max_retries: int = 1) -> AgentLLM:
    return AgentLLM(backend, LLMSettings(max_retries=max_retries))


# --- facts only from the brief ------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Steeped for 18 hours.",
    "Just $3.49 a can",
    "Recyclable 330 ml cans, no added sugar",
    "Single-origin Colombian beans for commuters aged 22-40",
    "Smooth, low acidity and naturally sweet.",
])
def test_brief_facts_pass(text, brief_data):
    assert unsupported_claims(text, brief_data) == []


@pytest.mark.parametrize(("text", "flagged"), [
    ("Steeped for 24 hours", "'24'"),
    ("Now only $2.99!", "'$2.99'"),
    ("Save 30% today", "'30%'"),
    ("Save 30 percent today", "'30 percent'"),
    ("Over 1,000,000 cans sold", "'1,000,000'"),
    ("The award-winning cold brew", "'award-winning'"),
    ("America's #1 coffee", "'#1'"),
    ("Sugar-free and organic", "'sugar-free'"),
    ("Guaranteed to wake you up", "'guaranteed'"),
    ("Clinically proven focus", "'clinically proven'"),
])
def test_invented_numbers_and_claims_are_caught(text, flagged, brief_data):
    problems = unsupported_claims(text, brief_data)
    assert any(flagged in problem for problem in problems), problems


def test_a_claim_the_brief_makes_is_allowed(brief_data):
    data = {**brief_data, "product": {**brief_data["product"], "facts": ["USDA organic beans"]}}
    assert unsupported_claims("Organic beans", data) == []
    assert unsupported_claims("Organic beans", brief_data) != []


# --- platform limits ----------------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_headline_limit_per_platform(platform, brief_data):
    limits = PLATFORM_LIMITS[platform]
    at_limit = Draft(headline=("Smooth cold brew " * 20)[: limits.headline_max])
    over = Draft(headline=at_limit.headline + "x")
    assert copy_problems(at_limit, limits, brief_data) == []
    assert copy_problems(over, limits, brief_data) == [
        f"headline is {limits.headline_max + 1} characters; {limits.label} allows {limits.headline_max}"
    ]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_primary_text_and_hashtag_count_limits(platform, brief_data):
    limits = PLATFORM_LIMITS[platform]
    text = ("Naturally sweet coffee. " * 300)[: limits.primary_text_max]
    assert copy_problems(Draft(primary_text=text), limits, brief_data) == []
    problems = copy_problems(Draft(primary_text=text + "x"), limits, brief_data)
    assert problems == [f"primary text is {len(text) + 1} characters; {limits.label} allows {limits.primary_text_max}"]
    tags = [f"#Tag{chr(65 + i % 26)}{chr(65 + i // 26)}" for i in range(limits.hashtags_max + 1)]
    assert copy_problems(Draft(hashtags=tags[:-1]), limits, brief_data) == []
    assert f"{len(tags)} hashtags; use at most {limits.hashtags_max}" in copy_problems(
        Draft(hashtags=tags), limits, brief_data
    )


def test_x_counts_hashtags_against_280_characters(brief_data):
    tags = ["#ColdBrew", "#Northwind"]  # 10 + 11 characters with their spaces
    fits = Draft(primary_text="a" * (280 - 21), hashtags=tags)
    too_long = Draft(primary_text="a" * (280 - 20), hashtags=tags)
    assert copy_problems(fits, PLATFORM_LIMITS["x"], brief_data) == []
    assert copy_problems(too_long, PLATFORM_LIMITS["x"], brief_data) == [
        "primary text is 281 characters; X allows 280"
    ]
    # The same text is fine where hashtags do not count.
    assert copy_problems(too_long, PLATFORM_LIMITS["linkedin"], brief_data) == []


@pytest.mark.parametrize("tag", ["#9lives", "#a", "#" + "x" * 31, "#_cold"])
def test_bad_hashtags(tag, brief_data):
    problems = copy_problems(Draft(hashtags=[tag]), PLATFORM_LIMITS["tiktok"], brief_data)
    assert problems[0] == f"hashtag {tag!r} must start with a letter: 2-30 letters, digits or underscores"


def test_hashtags_are_normalised_before_checking(brief_data):
    assert copy_problems(Draft(hashtags=["cold brew", "#cold-brew"]), PLATFORM_LIMITS["tiktok"], brief_data) == []


@pytest.mark.parametrize(("field", "text"), [
    ("headline", "Headline"),
    ("headline", "TikTok"),
    ("primary_text", "Primary text goes here"),
    ("primary_text", "[product] makes mornings better"),
    ("primary_text", "Read more at https://example.com/northwind-cold-brew"),
    ("cta", "Call to action"),
])
def test_placeholder_text_is_rejected(field, text, brief_data):
    problems = copy_problems(Draft(**{field: text}), PLATFORM_LIMITS["tiktok"], brief_data)
    assert problems == [f"{field} {text!r} is a placeholder or a link, not ad copy"]


def test_invented_claim_in_any_field_is_a_copy_problem(brief_data):
    problems = copy_problems(Draft(cta="Save 20%"), PLATFORM_LIMITS["facebook"], brief_data)
    assert any("'20%'" in p for p in problems)


# --- generation with a scripted LLM -------------------------------------------------------


def test_invented_number_is_rejected_and_the_valid_reask_is_used(brief):
    invented = copy_reply("Cold brew for $1.99", "Steeped for 24 hours, the best deal in town.", [], "Buy now")
    backend = ScriptedBackend({"CopyDraft_tiktok": [invented, VALID_COPY]})
    copy = write_platform_copy(
        brief, make_variant([4, 4, 4, 3]), "tiktok", agent_llm(backend), warm_models(), CopywriterSettings(candidates=1),
    )
    assert copy.source == "llm" and copy.candidates_considered == 1
    assert copy.headline == "Smooth cold brew for busy mornings"
    first, reask = backend.calls
    assert not first.is_reask and reask.is_reask
    assert {"role": "assistant", "content": invented} in reask.messages
    assert "the number '$1.99' is not in the brief" in reask.last_message
    assert "the number '24' is not in the brief" in reask.last_message
    # The prompt told the model the platform's limits and the brief's facts.
    assert "at most 100 characters" in first.prompt and "steeped for 18 hours" in first.prompt


def test_best_of_n_picks_the_candidate_most_relevant_to_the_product(brief):
    relevant = copy_reply(
        "Smooth cold brew coffee", "Cold brew coffee from Colombian beans, naturally sweet, in a can.",
        ["#ColdBrew"], "Grab a can",
    )
    off_topic = copy_reply(
        "Warm wool socks for winter", "Thick knitted socks keep your toes cosy on snowy evenings.",
        ["#Socks"], "Get cosy",
    )
    for order in ([off_topic, relevant], [relevant, off_topic]):
        backend = ScriptedBackend({"CopyDraft": order})
        copy = write_platform_copy(
            brief, make_variant([4, 4, 4, 3]), "instagram_reels", agent_llm(backend), warm_models(),
            CopywriterSettings(candidates=2),
        )
        assert copy.candidates_considered == 2
        assert copy.headline == "Smooth cold brew coffee", order
        assert 0.3 < copy.relevance <= 1.0
        # Each candidate is sampled with its own seed.
        assert len({call.seed for call in backend.calls}) == 2


@pytest.mark.parametrize(("seconds", "rate", "budgets"), [
    ([4.0, 3.0, 1.5, 6.5], 2.5, [10, 7, 3, 16]),
    ([4.0, 3.0, 1.5, 6.5], 1.0, [4, 3, 2, 6]),
    ([1.5, 1.5, 2.0], 0.6, [2, 2, 2]),
])
def test_word_budgets_follow_scene_durations(seconds, rate, budgets):
    assert word_budgets(make_variant(seconds), rate) == budgets


def test_voiceover_over_budget_is_re_asked_and_obeys_the_budgets(brief):
    variant = make_variant([4.0, 3.0, 1.5, 6.5])
    budgets = word_budgets(variant, 2.5)
    too_long = script_reply(["Cold brew steeped slowly for smooth naturally sweet coffee every single morning",
                             "Grab one.", "Stay awake.", "Try it."])
    valid = script_reply(["Meet Northwind Cold Brew.", "No added sugar.", "Naturally sweet.", "Grab a can today."])
    backend = ScriptedBackend({"ScriptDraft": [too_long, valid]})
    lines = write_voiceover_script(brief, variant, agent_llm(backend), CopywriterSettings())
    assert [line.text for line in lines] == ["Meet Northwind Cold Brew.", "No added sugar.", "Naturally sweet.",
                                             "Grab a can today."]
    assert [line.word_budget for line in lines] == budgets
    assert all(len(line.text.split()) <= line.word_budget for line in lines)
    assert {line.source for line in lines} == {"llm"}
    assert "line 1 has 12 words; its scene allows 10" in backend.calls[1].last_message
    assert "at most 3 words" in backend.calls[0].prompt  # the budgets are in the prompt


@pytest.mark.parametrize("duration", [5, 9.5, 15, 31.7, 60, 180])
def test_fallback_script_fits_every_budget(brief, duration):
    count = scene_count_for(duration)
    variant = make_variant(allocate_durations([1 + i % 5 for i in range(count)], duration))
    for rate in (0.6, 2.5, 5.0):
        budgets = word_budgets(variant, rate)
        lines = fallback_script(brief, variant, budgets)
        assert len(lines) == count
        for line, budget in zip(lines, budgets):
            assert 1 <= len(line.split()) <= budget, (line, budget)
            assert unsupported_claims(line, brief.model_dump()) == []


def test_garbage_llm_gives_fallback_script_within_budgets(brief):
    variant = make_variant([1.5, 2.0, 4.0, 7.5])
    lines = write_voiceover_script(brief, variant, agent_llm(ScriptedBackend([GARBAGE])), CopywriterSettings())
    assert {line.source for line in lines} == {"fallback"}
    assert all(len(line.text.split()) <= line.word_budget for line in lines)
    assert lines[-1].text.startswith("Shop now")


def test_fallback_copy_respects_every_platform_limit(brief):
    data = brief.model_dump(mode="json")
    data["platforms"] = list(PLATFORMS)
    every_platform = parse_brief(data)
    backend = ScriptedBackend([GARBAGE])
    copy = write_variant_copy(
        every_platform, make_variant([4, 4, 4, 3]), agent_llm(backend, max_retries=0), warm_models(),
        CopywriterSettings(candidates=2),
    )
    assert sorted(copy.platforms) == sorted(PLATFORMS)
    for platform, item in copy.platforms.items():
        assert item.source == "fallback" and item.candidates_considered == 1
        assert copy_problems(item, PLATFORM_LIMITS[platform], every_platform.model_dump()) == [], platform
    # Two candidates per platform plus the script, one attempt each: the LLM really was asked.
    assert len(backend.calls) == 2 * len(PLATFORMS) + 1


def test_fallback_copy_of_a_long_brief_is_cut_to_every_limit():
    brief = parse_brief({
        "brand": {"name": "The Extraordinarily Long Named Coffee Roasting Company Of The North"},
        "product": {
            "name": "Northwind Extra Smooth Single Origin Colombian Cold Brew Coffee In A Can, Limited Edition",
            "description": "Smooth cold brew " * 100 + ". Second sentence.",
            "facts": ["steeped for eighteen hours in small batches " * 3, "no added sugar", "recyclable cans"],
            "price": "$3.49",
        },
        "platforms": list(PLATFORMS),
    })
    for platform in PLATFORMS:
        limits = PLATFORM_LIMITS[platform]
        item = Draft(**fallback_copy(brief, platform))
        assert copy_problems(item, limits, brief.model_dump()) == [], platform
        if len(brief.product.name) > limits.headline_max:
            assert item.headline.endswith("…") and len(item.headline) <= limits.headline_max
        else:
            assert item.headline == brief.product.name


def test_feedback_rewrites_only_the_named_platform(brief):
    data = brief.model_dump(mode="json")
    data["platforms"] = ["tiktok", "x", "linkedin"]
    three_platforms = parse_brief(data)
    variant = make_variant([4, 4, 4, 3])
    first_tiktok = copy_reply("Cold brew, smooth and sweet", "Naturally sweet cold brew for your commute.",
                              ["#ColdBrew"], "Grab a can")
    revised_tiktok = copy_reply("Steeped for 18 hours", "Slow steeped cold brew with no added sugar.",
                                ["#ColdBrew"], "Try a can")
    backend = ScriptedBackend({
        "CopyDraft": [VALID_COPY], "CopyDraft_tiktok": [first_tiktok, revised_tiktok],
        "ScriptDraft": [short_script_lines],
    })
    llm, settings = agent_llm(backend), CopywriterSettings(candidates=1)
    previous = write_variant_copy(three_platforms, variant, llm, warm_models(), settings)
    asked_before = len(backend.calls)

    feedback = {"tiktok": ["the headline should mention the steeping time"]}
    revised = write_variant_copy(three_platforms, variant, llm, warm_models(), settings, feedback, previous)

    new_calls = backend.calls[asked_before:]
    assert [call.schema_title for call in new_calls] == ["CopyDraft_tiktok"]
    assert "the headline should mention the steeping time" in new_calls[0].prompt
    assert revised.platforms["tiktok"].headline == "Steeped for 18 hours"
    assert previous.platforms["tiktok"].headline == "Cold brew, smooth and sweet"
    assert revised.platforms["x"] == previous.platforms["x"]
    assert revised.platforms["linkedin"] == previous.platforms["linkedin"]
    assert revised.script == previous.script
