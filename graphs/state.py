"""The shared LangGraph state of a campaign run.

The state holds plain JSON data: the brief, the plan, each variant's :class:`VariantWork`,
the checks and *references* to assets (path, sha256, kind, producing tool/backend), never
file bytes.
"""

from __future__ import annotations

from typing import Annotated, TypedDict

from pydantic import BaseModel, ConfigDict

from adloom.agents.animator import SceneVideo
from adloom.agents.art_director import ArtDirection
from adloom.agents.brief import Brief
from adloom.agents.captioner import Captions
from adloom.agents.copywriter import VariantCopy
from adloom.agents.feedback import Feedback
from adloom.agents.manifest import PlayedMusic
from adloom.agents.planner import Variant
from adloom.tools.editor.tool import AssembleResult
from adloom.tools.tts import SOCIAL_TARGET_LUFS
from adloom.tools.tts.tool import VoiceoverResult


def merge_dicts(left: dict | None, right: dict | None) -> dict:
    """Reducer: later keys win, so a re-run of a variant's node replaces its entry."""
    return {**(left or {}), **(right or {})}


def add_timings(left: dict | None, right: dict | None) -> dict:
    """Reducer: seconds add up, so a node that runs again (a revision) counts all its passes."""
    merged = dict(left or {})
    for label, seconds in (right or {}).items():
        merged[label] = round(merged.get(label, 0.0) + seconds, 3)
    return merged


class VariantWork(BaseModel):
    """One variant's work: what its chain has made so far and where the run is with it.

    The same record travels down the variant chain (each link's ``Send`` carries it, since a
    node started by ``Send`` sees only what it was sent) and, once the editor has finished a
    pass or a gate has stopped the variant, is the variant's entry in the run's state.
    """

    model_config = ConfigDict(extra="forbid")

    variant: Variant  # as planned: angle, key messages, scenes
    brief: Brief  # the variant's brief: a voice or music chosen at a gate is kept through a send-back
    feedback: Feedback = {}  # what this pass must change: node -> target -> problems
    round: int = 0  # the critic's review round this pass belongs to
    ad_copy: VariantCopy | None = None  # headlines, texts and script, per platform
    art: ArtDirection | None = None
    video: SceneVideo | None = None
    motion_take: int = 0  # another take of the camera moves for each "other motion" asked for
    voice: VoiceoverResult | None = None
    captions: Captions | None = None
    renders: AssembleResult | None = None
    loudness_target: float = SOCIAL_TARGET_LUFS  # aimed off the target after a loudness complaint
    music: PlayedMusic | None = None  # the music really played under the render (None: none)
    stopped_at: str | None = None  # the gate where the marketer rejected the variant
    new_length_s: float | None = None  # another length asked for at a gate: planned anew, this run stops

    @property
    def id(self) -> str:
        return self.variant.id


class CampaignState(TypedDict, total=False):
    run_id: str
    brief: dict
    plan: dict
    variants: Annotated[dict[str, dict], merge_dicts]  # variant id -> VariantWork as JSON: a finished pass or a stop
    checks: list[dict]  # the critic's latest checks
    revisions: Annotated[dict[str, int], merge_dicts]  # "<variant>:<node>" -> times sent back
    review_round: int  # how many times the critic has sent variants back
    timings: Annotated[dict[str, float], add_timings]  # node (and variant) -> seconds, all passes
    manifest: dict  # what the run made, as written to manifest_path (nothing reads it back from disk)
    manifest_path: str
