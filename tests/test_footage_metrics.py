"""VC-LLM subtitle units and segmentation rules, and the footage metrics SRA, WCD, SSA."""

from __future__ import annotations

import math

import pytest

from adloom.evals.footage_metrics import JudgeScores, judge_ad, selection_recall, sra, ssa, wcd
from adloom.tools.subtitles.unit_segmentation import (
    MAX_SEGMENT_UNITS,
    max_segments,
    segment_text,
    segmentation_problems,
    split_phrases,
    text_units,
    timed_captions,
)


def test_units_count_cjk_latin_and_spaces():
    assert text_units("咖啡") == 2.0
    assert text_units("ab") == pytest.approx(0.8)
    assert text_units("a b") == pytest.approx(1.3)
    assert text_units("冷萃 brew") == pytest.approx(2 + 0.5 + 4 * 0.4)


def test_phrases_end_at_punctuation_but_not_inside_numbers():
    assert split_phrases("Only $3.49, today! Grab one") == ["Only $3.49,", "today!", "Grab one"]
    assert split_phrases("好喝，不贵。") == ["好喝，", "不贵。"]


@pytest.mark.parametrize("text", [
    "Smooth cold brew coffee steeped for 18 hours from single-origin Colombian beans, sold in recyclable cans.",
    "我们的冷萃咖啡经过十八小时慢慢萃取，口感顺滑，没有添加糖。",
    "Northwind Cold Brew is here for busy commuters who want good coffee on the go every single morning.",
])
def test_segmentation_obeys_every_rule(text):
    essential = ["Northwind Cold Brew"]
    segments = segment_text(text, essential)
    assert segmentation_problems(text, segments, essential) == []
    assert all(text_units(s) <= MAX_SEGMENT_UNITS for s in segments)
    for phrase in split_phrases(text):
        inside = [s for s in segments if s in phrase]
        assert len(inside) <= math.ceil(text_units(phrase) / 10)


def test_short_phrases_stay_whole_and_long_ones_split_evenly():
    assert segment_text("Grab a can today!") == ["Grab a can today!"]
    text = "steeped slowly for eighteen hours from single origin Colombian beans"
    segments = segment_text(text)
    assert len(segments) == 3  # 27 units: 2 segments cannot hold it, 3 are allowed
    # The chosen split is the most even 3-way split of the words (checked by brute force).
    words = text.split()
    splits = [
        [" ".join(words[:i]), " ".join(words[i:j]), " ".join(words[j:])]
        for i in range(1, len(words)) for j in range(i + 1, len(words))
    ]
    valid = [s for s in splits if all(text_units(part) <= MAX_SEGMENT_UNITS for part in s)]
    best = min(sum(text_units(part) ** 2 for part in s) for s in valid)
    assert sum(text_units(part) ** 2 for part in segments) == pytest.approx(best)


def test_an_essential_phrase_is_never_split():
    text = "Every morning starts better with Northwind Cold Brew on the train"
    plain = segment_text(text)
    assert any("Northwind" in s and "Brew" not in s for s in plain)  # without protection it would split
    protected = segment_text(text, ["Northwind Cold Brew"])
    assert any("Northwind Cold Brew" in s for s in protected)
    assert segmentation_problems(text, protected, ["Northwind Cold Brew"]) == []


def test_segmentation_problems_name_each_broken_rule():
    assert segmentation_problems("a b", ["a", "c"]) == ["the segments do not reproduce the text"]
    over = "one two three four five six seven eight nine ten"
    assert any("units (max 13)" in p for p in segmentation_problems(over, [over]))
    assert any("allow 1" in p for p in segmentation_problems("a b c d e", ["a", "b", "c", "d", "e"]))
    assert any("split across" in p for p in segmentation_problems(
        "Northwind Cold Brew rocks", ["Northwind Cold", "Brew rocks"], ["Northwind Cold Brew"]))
    assert any("split across" in p for p in segmentation_problems("coffee", ["cof", "fee"]))
    assert any("punctuation" in p for p in segmentation_problems("Hi, there", ["Hi, there"]))


def test_a_single_word_wider_than_13_units_is_allowed_alone():
    word = "Supercalifragilisticexpialidocious"
    assert segment_text(word) == [word]
    assert segmentation_problems(word, [word]) == []


def test_timed_captions_fill_each_lines_window_in_order():
    captions = timed_captions(["Smooth cold brew, steeped for hours.", "Grab one."], [(0.0, 3.0), (4.0, 5.0)])
    assert [c.text for c in captions] == ["Smooth cold brew,", "steeped for hours.", "Grab one."]
    assert captions[0].start == 0.0 and captions[1].end == pytest.approx(3.0, abs=0.01)
    assert captions[2].start == 4.0 and captions[2].end == pytest.approx(5.0, abs=0.01)
    assert all(a.end <= b.start + 1e-6 for a, b in zip(captions, captions[1:]))
    with pytest.raises(ValueError, match="2 script lines but 1"):
        timed_captions(["a b", "c d"], [(0, 1)])


def test_max_segments_rule():
    assert max_segments("short") == 1
    assert max_segments("x" * 30) == 2  # 12 units -> ceil(1.2)


def test_sra_rewards_selection_and_order():
    assert sra(["a", "b", "c"], ["a", "b", "c"]) == 1.0
    assert sra(["b", "a", "c"], ["a", "b", "c"]) == pytest.approx(1 / 3)
    assert sra(["a", "b"], ["a", "b", "c"]) == pytest.approx(2 / 3)
    assert sra(["x", "y", "z"], ["a", "b", "c"]) == 0.0
    assert selection_recall(["c", "b", "x"], ["a", "b", "c"]) == pytest.approx(2 / 3)


def test_wcd_is_relative_word_count_difference():
    assert wcd(["one two three four"], [2.0], 2.0) == 0.0
    assert wcd(["one two", "one two three four five six"], [2.0, 2.0], 2.0) == pytest.approx((0.5 + 0.5) / 2)
    with pytest.raises(ValueError, match="positive"):
        wcd(["a"], [0.0], 2.0)


def test_ssa_counts_lines_segmented_by_the_rules():
    lines = ["Grab a can today!", "a b c d e"]
    assert ssa(lines, [segment_text(line) for line in lines]) == 1.0
    assert ssa(lines, [["Grab a can today!"], ["a", "b", "c", "d", "e"]]) == 0.5


def test_judge_scores_come_from_a_schema_valid_answer():
    from adloom.agents.llm_access import AgentLLM
    from tests.scripted_llm import ScriptedBackend
    from adloom.tools.config import LLMSettings

    backend = ScriptedBackend({"JudgeScores": ['{"vsc": 3, "fact": 1, "coh": 1, "logic": 1}',
                                               '{"vsc": 2, "fact": 1, "coh": 2, "logic": 0}']})
    scores = judge_ad("Cold brew", [("a can on ice", "Cold and smooth.")], AgentLLM(backend, LLMSettings()))
    assert scores == JudgeScores(vsc=2, fact=1, coh=2, logic=0)
    assert "a can on ice" in backend.calls[0].prompt and backend.calls[1].is_reask
