"""Footage-mode metrics (VC-LLM): SRA, WCD, SSA computed locally; VSC, Fact, Coh, Logic by a judge.

- **SRA** (selection and rank accuracy): the share of positions where the chosen clip is
  the reference clip at that position, over the longer of the two sequences. A right
  clip in the wrong place does not count; :func:`selection_recall` reports selection alone.
- **WCD** (word-count discrepancy): mean over clips of ``|words - expected| / expected``,
  where ``expected = seconds * words_per_second`` is what the clip's duration allows.
  0 is a perfect fit; lower is better.
- **SSA** (subtitle segmentation accuracy): the share of script lines whose subtitle
  segments obey every VC-LLM rule (:func:`adloom.tools.subtitles.unit_segmentation.segmentation_problems`).
- **VSC, Fact, Coh, Logic** (0–2 each): scores from an LLM judge, only when one is given.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from adloom.agents.llm_access import AgentLLM
from adloom.tools.llm.prompts import load_prompt
from adloom.tools.subtitles.unit_segmentation import segmentation_problems


def sra(predicted: Sequence[str], reference: Sequence[str]) -> float:
    """Selection and rank accuracy in [0, 1] (1 = the reference clips in the reference order)."""
    longest = max(len(predicted), len(reference))
    if longest == 0:
        return 1.0
    return sum(1 for p, r in zip(predicted, reference) if p == r) / longest


def selection_recall(predicted: Sequence[str], reference: Sequence[str]) -> float:
    """Share of reference clips chosen at all, ignoring order."""
    if not reference:
        return 1.0
    return len(set(predicted) & set(reference)) / len(set(reference))


def wcd(lines: Sequence[str], seconds: Sequence[float], words_per_second: float) -> float:
    """Word-count discrepancy (mean relative difference to the duration's word count).

    Raises:
        ValueError: different lengths, no lines, or a non-positive duration.
    """
    if len(lines) != len(seconds):
        raise ValueError(f"{len(lines)} lines but {len(seconds)} durations")
    if not lines:
        raise ValueError("no lines to score")
    total = 0.0
    for line, duration in zip(lines, seconds):
        if duration <= 0:
            raise ValueError(f"clip duration must be positive, got {duration}")
        expected = duration * words_per_second
        total += abs(len(line.split()) - expected) / expected
    return total / len(lines)


def ssa(lines: Sequence[str], segmentations: Sequence[Sequence[str]], essential: Sequence[str] = ()) -> float:
    """Share of lines whose segmentation follows every VC-LLM subtitle rule."""
    if len(lines) != len(segmentations):
        raise ValueError(f"{len(lines)} lines but {len(segmentations)} segmentations")
    if not lines:
        return 1.0
    good = sum(1 for line, segments in zip(lines, segmentations) if not segmentation_problems(line, segments, essential))
    return good / len(lines)


class JudgeScores(BaseModel):
    vsc: int = Field(ge=0, le=2, description="Visual-script consistency.")
    fact: int = Field(ge=0, le=2, description="Claims supported by the product information or the clips.")
    coh: int = Field(ge=0, le=2, description="Coherence of the script.")
    logic: int = Field(ge=0, le=2, description="Sensible order of clips and script.")


def judge_ad(product: str, shown: Sequence[tuple[str, str]], judge: AgentLLM, *, seed: int = 0) -> JudgeScores | None:
    """VSC, Fact, Coh and Logic (0–2 each) for one ad, or None when the judge gave no valid answer.

    Args:
        product: the product information as text.
        shown: (clip description, voiceover line) in play order.
    """
    ad = "\n".join(f"{i}. shows: {description} | says: {line}" for i, (description, line) in enumerate(shown, 1))
    prompt = load_prompt("footage_judge", product=product, ad=ad)
    return judge.structured([{"role": "user", "content": prompt}], JudgeScores, seed=seed, max_tokens=60,
                            temperature=0.0)
