"""The animator: the scenes before the end card, moving, from their key images.

The clip is an intermediate that the editor decodes and encodes again, so it is encoded
for speed at a high quality setting rather than for size.
"""

from __future__ import annotations

from agents.art_director import ArtDirection
from agents.brief import Brief
from agents.planner import Variant
from agents.tool_calls import call_tool
from tools.context import ToolContext
from tools.video_tool import AnimateRequest, AnimateResult, AnimateScene

VIDEO_TOOL = "video.animate"
INTERMEDIATE_PRESET = "ultrafast"
INTERMEDIATE_CRF = 14


def animate_scenes(brief: Brief, variant: Variant, art: ArtDirection, tools: ToolContext) -> AnimateResult:
    """One silent clip of every scene but the last (the editor's end card), as long as the plan says."""
    scenes = [
        AnimateScene(image=art.images[scene.index].result.image.path, seconds=scene.seconds)
        for scene in variant.scenes[:-1]
    ]
    request = AnimateRequest(
        scenes=scenes, aspect=brief.aspect, preset=INTERMEDIATE_PRESET, crf=INTERMEDIATE_CRF,
    )
    return call_tool(VIDEO_TOOL, request, tools, AnimateResult)
