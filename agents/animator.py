"""The animator: the scenes before the end card, moving.

``[video] backend = "kenburns"`` (the embedded default) moves a camera over each scene's key
image, all scenes in one clip joined by transitions; it is an intermediate that the editor
decodes and encodes again, so it is encoded for speed at a high quality setting. The GPU
backends (CogVideoX, AnimateDiff) generate one clip per scene from the scene's picture as
first frame; the editor cuts or holds each to its scene's length.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from adloom.agents.art_director import ArtDirection
from adloom.agents.brief import Brief
from adloom.agents.planner import Variant
from adloom.storage.assets import AssetRef
from adloom.tools.context import ToolContext
from adloom.tools.video.generate_tool import GENERATE_SCENE_CLIP, VideoGenerateRequest
from adloom.tools.video.kenburns import Region, Reveal, text_on_screen
from adloom.tools.image.tool import ImageRenderResult
from adloom.tools.video.tool import ANIMATE, AUTO_MOTIONS, AnimateRequest, AnimateResult, AnimateScene, AnimateText

INTERMEDIATE_PRESET = "ultrafast"
INTERMEDIATE_CRF = 14
GENERATED_FPS = 24
SEEDS_PER_TAKE = 1000  # a new take's seeds never meet an earlier take's


class SceneVideo(BaseModel):
    """The moving part of the ad: clips in playing order and how long each is shown."""

    clips: list[AssetRef]
    seconds: list[float]
    backend: str
    text_regions: list[list[Region]] = Field(default_factory=list, description=(
        "Per scene, where each of its texts shows in the frame over the scene (fractions), for the "
        "captions to keep clear of."))
    clips_by_aspect: dict[str, list[AssetRef]] = Field(default_factory=dict, description=(
        "The same clips composed for each other aspect (from the scenes' own layouts for it)."))
    text_regions_by_aspect: dict[str, list[list[Region]]] = Field(default_factory=dict, description=(
        "``text_regions`` of the clips in ``clips_by_aspect``."))


def text_boxes(image: AssetRef) -> list[Region]:
    """Where each text drawn on a key image is, as fractions of the image."""
    meta = image.metadata
    width, height = meta.get("width"), meta.get("height")
    if not width or not height:
        return []
    return [(max(0.0, b[0] / width), max(0.0, b[1] / height), min(1.0, b[2] / width), min(1.0, b[3] / height))
            for b in (text["box"] for text in meta.get("texts", []))]


def text_region(image: AssetRef) -> Region | None:
    """All of a key image's text together (the camera keeps it in view); None: no text."""
    boxes = text_boxes(image)
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


LAYERED_MOTIONS = tuple(motion for motion in AUTO_MOTIONS if motion != "parallax")
"""Moves for a scene whose texts are on their own layers (parallax would shrink the picture away from them)."""
REVEALS: tuple[Reveal, ...] = ("rise", "slide")


def kenburns_scene(image: ImageRenderResult, seconds: float, turn: int) -> AnimateScene:
    """One scene for the Ken Burns camera: the picture without its texts moving under them,
    each text revealed in place; or, for an image without layers, the whole image with the
    camera kept from taking its text out of the frame."""
    if image.background is not None and image.text_layers:
        return AnimateScene(image=image.background.path, seconds=seconds,
                            motion=LAYERED_MOTIONS[turn % len(LAYERED_MOTIONS)], reveal=REVEALS[turn % len(REVEALS)],
                            texts=[AnimateText(image=layer.image.path, x=layer.x, y=layer.y)
                                   for layer in image.text_layers])
    return AnimateScene(image=image.image.path, seconds=seconds, motion=AUTO_MOTIONS[turn % len(AUTO_MOTIONS)],
                        keep_in_view=text_region(image.image))


def _kenburns_clip(
    images: list[ImageRenderResult], moving: list, aspect: str, take: int, tools: ToolContext,
) -> tuple[AnimateResult, list[list[Region]]]:
    """One Ken Burns clip of the scenes ``moving`` from their key ``images`` at ``aspect``,
    and where each scene's texts show in it."""
    scenes = [kenburns_scene(image, s.seconds, s.index + take) for image, s in zip(images, moving)]
    request = AnimateRequest(scenes=scenes, aspect=aspect, preset=INTERMEDIATE_PRESET, crf=INTERMEDIATE_CRF)
    result = ANIMATE(request, tools)
    on_screen = [text_boxes(image.image) if s.texts
                 else text_on_screen(s.motion, s.keep_in_view, text_boxes(image.image))
                 if s.motion and s.keep_in_view else [] for s, image in zip(scenes, images)]
    return result, on_screen


def animate_scenes(brief: Brief, variant: Variant, art: ArtDirection, tools: ToolContext, take: int = 0) -> SceneVideo:
    """Video for every scene but the last (the editor's end card), as long as the plan says.

    ``take`` counts the marketer's requests for other motion: each take gives every scene a
    different camera move (Ken Burns) or another seed (generated clips).
    """
    moving = variant.scenes[:-1]
    backend = tools.settings.video.backend
    if backend == "kenburns":
        result, on_screen = _kenburns_clip([art.images[s.index].result for s in moving], moving, brief.aspect, take, tools)
        shared = set.intersection(*(set(art.images[s.index].other_aspects) for s in moving)) if moving else set()
        clips_by_aspect, regions_by_aspect = {}, {}
        for aspect in sorted(shared):
            other, regions = _kenburns_clip([art.images[s.index].other_aspects[aspect] for s in moving], moving, aspect,
                                            take, tools)
            clips_by_aspect[aspect], regions_by_aspect[aspect] = [other.video], regions
        return SceneVideo(clips=[result.video], seconds=[result.duration_s], backend=backend, text_regions=on_screen,
                          clips_by_aspect=clips_by_aspect, text_regions_by_aspect=regions_by_aspect)
    clips = []
    for scene in moving:
        picture = art.images[scene.index].picture_path()
        tools.progress(f"scene {scene.index + 1} of {len(moving)}", scene.index / len(moving))
        request = VideoGenerateRequest(
            prompt=f"{scene.visual}, {brief.product.name}", first_frame=picture, seconds=scene.seconds,
            fps=GENERATED_FPS, seed=scene.index + SEEDS_PER_TAKE * take, aspect=brief.aspect,
        )
        clips.append(GENERATE_SCENE_CLIP(request, tools).clip)
    return SceneVideo(clips=clips, seconds=[scene.seconds for scene in moving], backend=backend)
