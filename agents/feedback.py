"""What a variant's chain is asked to change: one vocabulary for the critic, the media
review and the marketer's words at a gate.

A :data:`Feedback` maps a chain node to the targets it should change, each with the notes
saying what is wrong. Each node acts on its own targets only (:data:`TARGETS`) and a
Feedback refuses any other, so a request that no node would act on cannot be sent. A failed
check whose fix no node can make (a render's streams, the voice's loudness, caption timing)
is reported in the manifest, not sent back for a pass that would change nothing.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, TypeAdapter

from adloom.agents.brief import PLATFORMS
from adloom.tools.image.grading import TONES

ChainNode = Literal["copywriter", "art_director", "video", "voiceover", "subtitles", "editor"]
VARIANT_CHAIN: tuple[ChainNode, ...] = get_args(ChainNode)
"""The per-variant nodes in the order each hands the variant on."""

TARGETS: dict[ChainNode, str] = {
    # rewrites that platform's copy, or the voiceover script
    "copywriter": "|".join([*PLATFORMS, "script"]),
    # redoes a picture on the plain layout (scene-N), grades it (scene-N:<tone>), or renders the marketer's words
    "art_director": rf"scene-\d+(?::(?:{'|'.join(TONES)}))?|words",
    # another take of the camera moves (or seeds)
    "video": "motion",
    # speaks the script again with the voice the variant's brief now names
    "voiceover": "voice",
    # plain caption boxes; shorter caption lines set larger
    "subtitles": "legibility|size",
    # mixes again aiming off by the loudness measured; mixes with the track the brief now names
    "editor": "loudness|music",
}
"""The targets each chain node acts on, as a regular expression."""


def acts_on(node: str, target: str) -> bool:
    """Whether chain node ``node`` changes something for ``target``."""
    return node in TARGETS and re.fullmatch(TARGETS[node], target) is not None  # type: ignore[index]


def _every_target_is_acted_on(feedback: dict[ChainNode, dict[str, list[str]]]) -> dict[ChainNode, dict[str, list[str]]]:
    for node, targets in feedback.items():
        for target in targets:
            if not acts_on(node, target):
                raise ValueError(f"the {node} acts on no target {target!r} (its targets: {TARGETS[node]})")
    return feedback


Feedback = Annotated[dict[ChainNode, dict[str, list[str]]], AfterValidator(_every_target_is_acted_on)]
"""Per chain node, per target, what is wrong (the notes its agent reads); validated by :data:`FEEDBACK`."""

FEEDBACK: TypeAdapter[dict[ChainNode, dict[str, list[str]]]] = TypeAdapter(Feedback)


def earliest(feedback: dict[str, dict[str, list[str]]]) -> ChainNode:
    """The first node of the chain with something to change: the chain runs again from there."""
    return min(feedback, key=VARIANT_CHAIN.index)  # type: ignore[arg-type]


def feedback_from(notes: list[tuple[str, str, str]]) -> dict[ChainNode, dict[str, list[str]]]:
    """A Feedback from (node, target, note) triples, in order.

    Raises:
        pydantic.ValidationError: a node does not act on a target.
    """
    collected: dict[str, dict[str, list[str]]] = {}
    for node, target, note in notes:
        collected.setdefault(node, {}).setdefault(target, []).append(note)
    return FEEDBACK.validate_python(collected)
