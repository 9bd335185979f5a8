"""The animator: the scenes before the end card, moving.

``[video] backend = "kenburns"`` (the embedded default) moves a camera over each scene's key
image, all scenes in one clip joined by transitions; it is an intermediate that the editor
decodes and encodes again, so it is encoded for speed at a high quality setting. The GPU
backends (CogVideoX, AnimateDiff) generate one clip per scene from the scene's picture as
first frame; the editor cuts or holds each to its scene's length.
"""

from __future__ import annotations

from pydantic import BaseModel

from agents.art_director import ArtDirection
from agents.brief import Brief
from agents.planner import Variant
from agents.tool_calls import call_tool
from storage.assets import AssetRef
from tools.context import ToolContext
from tools.video_generate_tool import VideoGenerateRequest, VideoGenerateResult
from tools.video_tool import AUTO_MOTIONS, AnimateRequest, AnimateResult, AnimateScene

ANIMATE_TOOL = "video.animate"
GENERATE_TOOL = "video.generate"
INTERMEDIATE_PRESET = "ultrafast"
INTERMEDIATE_CRF = 14
GENERATED_FPS = 24
SEEDS_PER_TAKE = 1000  # a new take's seeds never meet an earlier take's


class SceneVideo(BaseModel):
    """The moving part of the ad: clips in playing order and how long each is shown."""

    clips: list[AssetRef]
    seconds: list[float]
    backend: str


def text_region(image: AssetRef) -> tuple[float, float, float, float] | None:
    """Where a key image's text is (every drawn text's ink together), as fractions of the image; None: no text."""
    meta = image.metadata
    boxes = [text["box"] for text in meta.get("texts", [])]
    if not boxes or not meta.get("width") or not meta.get("height"):
        return None
    width, height = meta["width"], meta["height"]
    x0, y0 = min(b[0] for b in boxes) / width, min(b[1] for b in boxes) / height
    x1, y1 = max(b[2] for b in boxes) / width, max(b[3] for b in boxes) / height
    return (max(0.0, x0), max(0.0, y0), min(1.0, x1), min(1.0, y1))


def animate_scenes(brief: Brief, variant: Variant, art: ArtDirection, tools: ToolContext, take: int = 0) -> SceneVideo:
    """Video for every scene but the last (the editor's end card), as long as the plan says.

    ``take`` counts the marketer's requests for other motion: each take gives every scene a
    different camera move (Ken Burns) or another seed (generated clips).
    """
    moving = variant.scenes[:-1]
    backend = tools.settings.video.backend
    if backend == "kenburns":
        request = AnimateRequest(
            scenes=[AnimateScene(image=art.images[s.index].result.image.path, seconds=s.seconds,
                                 motion=AUTO_MOTIONS[(s.index + take) % len(AUTO_MOTIONS)],
                                 keep_in_view=text_region(art.images[s.index].result.image)) for s in moving],
            aspect=brief.aspect, preset=INTERMEDIATE_PRESET, crf=INTERMEDIATE_CRF,
        )
        result = call_tool(ANIMATE_TOOL, request, tools, AnimateResult)
        return SceneVideo(clips=[result.video], seconds=[result.duration_s], backend=backend)
    clips = []
    for scene in moving:
        picture = art.images[scene.index].picture_path()
        tools.progress(f"scene {scene.index + 1} of {len(moving)}", scene.index / len(moving))
        request = VideoGenerateRequest(
            prompt=f"{scene.visual}, {brief.product.name}", first_frame=picture, seconds=scene.seconds,
            fps=GENERATED_FPS, seed=scene.index + SEEDS_PER_TAKE * take, aspect=brief.aspect,
        )
        clips.append(call_tool(GENERATE_TOOL, request, tools, VideoGenerateResult).clip)
    return SceneVideo(clips=clips, seconds=[scene.seconds for scene in moving], backend=backend)
