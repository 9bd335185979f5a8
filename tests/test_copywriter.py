"""The copywriter: grounded copy from the LLM or the pattern library, platform limits, re-asks, ranking.

The LLM is scripted (its words are chosen by the test); everything else is real, including
MiniLM relevance scoring and the meaning check.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from adloom.agents.brief import PLATFORMS, load_brief, parse_brief
from adloom.agents.config import CopywriterSettings
from adloom.agents.copywriter import (
    copy_problems,
    fit_phrase,
    least_words,
    pattern_script,
    script_problems,
    write_platform_copy,
    write_variant_copy,
    write_voiceover_script,
    word_budgets,
)
from adloom.agents.grounding import unsupported_claims
from adloom.agents.llm_access import AgentLLM
from adloom.agents.planner import Scene, Variant, allocate_durations, scene_count_for
from adloom.agents.platforms import PLATFORM_LIMITS
from conftest import REPO_ROOT
from scripted_llm import (
    GARBAGE,
    VALID_NORTHWIND_COPY,
    ScriptedBackend,
    copy_reply,
    script_reply,
    short_script_lines,
    warm_models,
)
from adloom.tools.config import LLMSettings

EXAMPLE = REPO_ROOT / "examples" / "brief.yaml"


class Draft(BaseModel):
    headline: str = "Northwind Cold Brew"
    primary_text: str = "Naturally sweet coffee for commuters."
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


def every_platform(brief):
    data = brief.model_dump(mode="json")
    data["platforms"] = list(PLATFORMS)
    return parse_brief(data)


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
    ("Steeped for 24 hours", "the number '24'"),
    ("Now only $2.99!", "the number '$2.99'"),
    ("Save 30% today", "the number '30%'"),
    ("Over 1,000,000 cans sold", "the number '1,000,000'"),
    ("The award-winning cold brew", "claim 'award-winning'"),
    ("America's #1 coffee", "claim '#1'"),
    ("Sugar-free and organic", "claim 'organic'"),
    ("Guaranteed to wake you up", "claim 'guaranteed'"),
    ("Clinically proven focus", "claim 'clinically'"),
])
def test_invented_numbers_and_claims_are_caught(text, flagged, brief_data):
    problems = unsupported_claims(text, brief_data)
    assert any(flagged in problem for problem in problems), problems


def test_a_claim_the_brief_makes_is_allowed(brief_data):
    data = {**brief_data, "product": {**brief_data["product"], "facts": ["USDA organic beans"]}}
    assert unsupported_claims("Organic beans", data) == []
    assert unsupported_claims("Organic beans", brief_data) != []


# --- platform limits and readability ------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_headline_limit_per_platform(platform, brief):
    limits = PLATFORM_LIMITS[platform]
    at_limit = Draft(headline=("Northwind Cold Brew " * 20)[: limits.headline_max].strip())
    if at_limit.headline.split()[-1] not in ("Northwind", "Cold", "Brew"):
        at_limit = Draft(headline=at_limit.headline.rsplit(" ", 1)[0])
    over = Draft(headline="Northwind " + "Cold Brew " * 20)
    assert copy_problems(at_limit, limits, brief) == []
    assert f"headline is {len(over.headline)} characters; {limits.label} allows {limits.headline_max}" in copy_problems(
        over, limits, brief)


def test_x_counts_the_built_hashtags_against_280_characters(brief):
    sentence = "Northwind Cold Brew, naturally sweet. "
    long_text = (sentence * 8).strip()
    assert len(long_text) > 220
    problems = copy_problems(Draft(primary_text=long_text), PLATFORM_LIMITS["x"], brief)
    assert any(p.startswith("primary text is") for p in problems)
    assert copy_problems(Draft(primary_text=(sentence * 5).strip()), PLATFORM_LIMITS["x"], brief) == []


@pytest.mark.parametrize(("field", "text", "expected"), [
    ("headline", "Northwind Cold Brew is", "headline is cut off"),
    ("primary_text", "northwind Cold Brew, steeped for 18 hours.", "primary text must start with a capital letter"),
    ("primary_text", "Northwind Cold Brew, steeped for 18 hours", "primary text must end with a full stop"),
    ("primary_text", "Northwind Cold Brew Brew, steeped for 18 hours.", "primary text repeats 'brew'"),
    ("cta", "Grab a can 🔥🔥🔥🔥", "cta has emoji or symbols"),
    ("primary_text", "Read Northwind Cold Brew at https://example.com.", "is a placeholder or a link"),
    ("headline", "Headline for Northwind", "is a placeholder or a link"),
])
def test_unfinished_copy_is_rejected(field, text, expected, brief):
    problems = copy_problems(Draft(**{field: text}), PLATFORM_LIMITS["tiktok"], brief)
    assert any(expected in p for p in problems), problems


def test_copy_must_name_the_product_or_brand(brief):
    problems = copy_problems(Draft(headline="Smooth cold brew", primary_text="Steeped for 18 hours."),
                             PLATFORM_LIMITS["tiktok"], brief)
    assert "name the product (Northwind Cold Brew) or the brand (Northwind Coffee)" in problems
    assert copy_problems(Draft(headline="Northwind, smooth cold brew"), PLATFORM_LIMITS["tiktok"], brief) == []


def test_the_call_to_action_fits_the_product_kind(brief):
    app = parse_brief({
        "brand": {"name": "Parlo"},
        "product": {"name": "Parlo Spanish", "description": "A language app with 10-minute Spanish lessons.",
                    "facts": ["10-minute lessons"]},
    })
    draft = Draft(headline="Parlo Spanish", primary_text="Parlo Spanish: 10-minute lessons.", cta="Shop now")
    assert any("does not fit a app product" in p for p in copy_problems(draft, PLATFORM_LIMITS["tiktok"], app))
    assert copy_problems(draft.model_copy(update={"cta": "Download now"}), PLATFORM_LIMITS["tiktok"], app) == []
    own = parse_brief({**app.model_dump(mode="json"), "product": {**app.product.model_dump(mode="json"),
                                                                 "cta": "Shop now"}})
    assert copy_problems(draft, PLATFORM_LIMITS["tiktok"], own) == []  # the marketer's own CTA


# --- generation with a scripted LLM -------------------------------------------------------


def test_invented_number_is_rejected_and_the_valid_reask_is_used(brief):
    invented = copy_reply("Northwind for $1.99", "Northwind is steeped for 24 hours, the best deal in town.", "Buy now")
    backend = ScriptedBackend({"CopyDraft_tiktok": [invented, VALID_NORTHWIND_COPY]})
    copy = write_platform_copy(
        brief, make_variant([4, 4, 4, 3]), "tiktok", agent_llm(backend), warm_models(), CopywriterSettings(candidates=1),
    )
    assert copy.source == "llm"
    assert copy.headline == "Northwind Cold Brew for busy mornings"
    first, reask = backend.calls
    assert not first.is_reask and reask.is_reask
    assert {"role": "assistant", "content": invented} in reask.messages
    assert "the number '$1.99' is not in the brief" in reask.last_message
    assert "the number '24' is not in the brief" in reask.last_message
    assert "the superlative claim 'best'" in reask.last_message
    # The prompt told the model the platform's limits and the brief's facts, and shows no other product's copy.
    assert "at most 100 characters" in first.prompt and "steeped for 18 hours" in first.prompt
    assert "bamboo" not in first.prompt.lower() and "toothbrush" not in first.prompt.lower()
    # Every shipped field carries the brief facts it rests on.
    fields = {line.field: line for line in copy.grounding}
    assert fields["tiktok.primary_text"].supported
    assert "product.facts[0]: steeped for 18 hours" in fields["tiktok.primary_text"].facts
    assert copy.hashtags == ["#NorthwindCoffee", "#NorthwindColdBrew", "#ColdBrew"]


def test_another_products_copy_never_ships(brief):
    leaked = copy_reply("Northwind, brush greener every morning",
                        "Northwind Cold Brew has a bamboo handle that goes in the compost.", "Try it today")
    backend = ScriptedBackend({"CopyDraft": [leaked]})
    copy = write_platform_copy(brief, make_variant([4, 4, 4, 3]), "tiktok", agent_llm(backend), warm_models(),
                               CopywriterSettings())
    assert copy.source == "pattern"
    assert "bamboo" not in f"{copy.headline} {copy.primary_text}".lower()
    assert "primary_text: 'bamboo', 'handle', 'goes', 'compost' are not in the brief" in backend.calls[1].last_message
    assert all(line.supported for line in copy.grounding)


def test_the_ranker_prefers_copy_about_the_product_and_varies_across_platforms(brief):
    relevant = copy_reply("Northwind Cold Brew", "Northwind cold brew coffee from Colombian beans, naturally sweet.",
                          "Grab a can")
    backend = ScriptedBackend({"CopyDraft": [relevant]})
    first = write_platform_copy(brief, make_variant([4, 4, 4, 3]), "tiktok", agent_llm(backend), warm_models(),
                                CopywriterSettings())
    assert first.source == "llm" and first.candidates_considered > 1
    assert 0.3 < first.relevance <= 1.0
    # With that copy taken, the same reply is less attractive on the next platform.
    taken = [f"{first.headline}. {first.primary_text}"]
    second = write_platform_copy(brief, make_variant([4, 4, 4, 3]), "instagram_reels", agent_llm(backend),
                                 warm_models(), CopywriterSettings(), taken=taken)
    assert f"{second.headline}. {second.primary_text}" != taken[0]


@pytest.mark.parametrize(("seconds", "rate", "budgets"), [
    ([4.0, 3.0, 1.5, 6.5], 2.5, [10, 7, 3, 16]),
    ([4.0, 3.0, 1.5, 6.5], 1.0, [4, 3, 2, 6]),
    ([1.5, 1.5, 2.0], 0.6, [2, 2, 2]),
])
def test_word_budgets_follow_scene_durations(seconds, rate, budgets):
    assert word_budgets(make_variant(seconds), rate) == budgets


def test_voiceover_over_budget_or_underfilled_is_re_asked(brief):
    variant = make_variant([4.0, 3.0, 1.5, 6.5])
    budgets = word_budgets(variant, 2.5)
    bad = script_reply(["Cold brew steeped slowly for smooth naturally sweet coffee every single morning today",
                        "Grab one.", "Stay awake.", "steeped for 18 hours."])
    backend = ScriptedBackend({"ScriptDraft": [bad, short_script_lines]})
    lines = write_voiceover_script(brief, variant, agent_llm(backend), CopywriterSettings(), warm_models())
    assert [line.word_budget for line in lines] == budgets
    assert all(least_words(line.word_budget) <= len(line.text.split()) <= line.word_budget for line in lines)
    assert {line.source for line in lines} == {"llm"}
    feedback = backend.calls[1].last_message
    assert "line 1 has 13 words; its scene allows 10" in feedback
    assert "line 2 has 2 words; write at least 4 to fill its scene" in feedback
    assert "line 3: 'stay', 'awake' are not in the brief" in feedback
    assert "line 4: the line must start with a capital letter" in feedback
    assert "5 to 8 words" in backend.calls[0].prompt  # fewer words asked than the scene allows


@pytest.mark.parametrize("path", [EXAMPLE, REPO_ROOT / "tests" / "data" / "briefs" / "no_facts.yaml"])
@pytest.mark.parametrize("duration", [5, 9.5, 15, 31.7, 60, 180])
def test_pattern_script_fits_every_budget_and_is_grounded(path, duration):
    brief = load_brief(path)
    count = scene_count_for(duration)
    variant = make_variant(allocate_durations([1 + i % 5 for i in range(count)], duration))
    for rate in (0.6, 2.5, 5.0):
        budgets = word_budgets(variant, rate)
        lines = pattern_script(brief, variant, budgets)
        assert len(lines) == count
        for line, budget in zip(lines, budgets):
            assert 1 <= len(line.split()) <= budget, (line, budget)
            assert line[0].isupper() and line.endswith("."), line
            assert unsupported_claims(line, brief.model_dump()) == [], line
        if rate == 2.5 and count <= len(brief.product.facts) + 2:
            assert script_problems(lines, budgets, brief) == [], lines


def test_garbage_llm_gives_the_pattern_script(brief):
    variant = make_variant([1.5, 2.0, 4.0, 7.5])
    lines = write_voiceover_script(brief, variant, agent_llm(ScriptedBackend([GARBAGE])), CopywriterSettings(),
                                   warm_models())
    assert {line.source for line in lines} == {"pattern"}
    assert all(len(line.text.split()) <= line.word_budget for line in lines)
    assert lines[-1].text.startswith("Shop now")
    assert all(line.grounding.supported and line.grounding.facts for line in lines)


def test_pattern_copy_respects_every_platform_limit(brief):
    brief = every_platform(brief)
    backend = ScriptedBackend([GARBAGE])
    copy = write_variant_copy(
        brief, make_variant([4, 4, 4, 3]), agent_llm(backend, max_retries=0), warm_models(),
        CopywriterSettings(candidates=2),
    )
    assert sorted(copy.platforms) == sorted(PLATFORMS)
    for platform, item in copy.platforms.items():
        assert item.source == "pattern"
        assert copy_problems(item, PLATFORM_LIMITS[platform], brief) == [], platform
        assert len(item.hashtags) <= PLATFORM_LIMITS[platform].hashtags_max
    # Two candidates per platform plus the script, one attempt each: the LLM really was asked.
    assert len(backend.calls) == 2 * len(PLATFORMS) + 1
    # The platforms do not all get the same text.
    assert len({item.primary_text for item in copy.platforms.values()}) >= 3


def test_a_brief_without_facts_gets_copy_and_a_note():
    brief = load_brief(REPO_ROOT / "tests" / "data" / "briefs" / "no_facts.yaml")
    copy = write_variant_copy(brief, make_variant([4, 4, 4, 3]), agent_llm(ScriptedBackend([GARBAGE]), 0),
                              warm_models(), CopywriterSettings())
    item = copy.platforms[brief.platforms[0]]
    assert brief.product.name in item.headline + item.primary_text
    assert copy_problems(item, PLATFORM_LIMITS[brief.platforms[0]], brief) == []
    assert copy.notes and "no product facts" in copy.notes[0]


def test_fit_phrase_cuts_only_where_a_phrase_ends():
    assert fit_phrase("keeps drinks cold for 24 hours", 6) == "keeps drinks cold for 24 hours"
    assert fit_phrase("keeps drinks cold for 24 hours", 4) == "keeps drinks cold"
    assert fit_phrase("single-origin Colombian beans", 2) is None
    # A comma inside a list of words is not a phrase's end, and a verb never loses its object.
    assert fit_phrase("Gooseneck spout for a slow, even pour", 5) is None
    assert fit_phrase("Steeped for 18 hours, sold in recyclable cans", 4) == "Steeped for 18 hours"
    assert fit_phrase("Steeped for 18 hours, sold in recyclable 330 ml cans", 5) is None  # keeps under half


def test_a_page_fact_written_as_a_list_item_reads_inside_a_sentence():
    from adloom.agents.copy_patterns import claim_clause

    assert claim_clause("Tidewell Kettle", "Holds 0.9 litres") == "Tidewell Kettle holds 0.9 litres"
    assert claim_clause("Tidewell Kettle", "Made from brushed steel") == "Tidewell Kettle, made from brushed steel"
    assert claim_clause("Volt Dock", "USB-C charging") == "Volt Dock: USB-C charging"  # names and acronyms kept


def test_feedback_rewrites_only_the_named_platform(brief):
    data = brief.model_dump(mode="json")
    data["platforms"] = ["tiktok", "x", "linkedin"]
    three_platforms = parse_brief(data)
    variant = make_variant([4, 4, 4, 3])
    first_tiktok = copy_reply("Northwind, smooth and sweet", "Northwind Cold Brew is naturally sweet coffee for commuters.",
                              "Grab a can")
    revised_tiktok = copy_reply("Steeped for 18 hours", "Northwind Cold Brew is steeped with no added sugar.",
                                "Grab a can")
    backend = ScriptedBackend({
        "CopyDraft": [VALID_NORTHWIND_COPY], "CopyDraft_tiktok": [first_tiktok, revised_tiktok],
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
    assert previous.platforms["tiktok"].headline == "Northwind, smooth and sweet"
    assert revised.platforms["x"] == previous.platforms["x"]
    assert revised.platforms["linkedin"] == previous.platforms["linkedin"]
    assert revised.script == previous.script
