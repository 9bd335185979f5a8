"""The ``video.animate`` tool agent: a silent video clip from the plan's scenes and key images.

The backend comes from ``[video] backend``. ``kenburns`` (the embedded default) moves a
virtual camera over each still key image and joins the scenes with transitions, all in
one ffmpeg filter graph (:mod:`adloom.tools.video.kenburns`). Results go through the asset
cache: the same images, timings and settings never render twice.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw
from pydantic import BaseModel, Field, field_validator, model_validator

from adloom.storage.assets import AssetRef, cache_key, sha256_file
from adloom.storage.files import write_bytes_atomic
from adloom.tools.context import ToolContext
from adloom.tools.editor.encoding import X264Preset
from adloom.tools.editor.inputs import require_image
from adloom.tools.aspects import ASPECT_SIZES, Aspect
from adloom.tools.editor.timeline import MediaPath
from adloom.tools.registry import tool_agent, tool_handle
from adloom.tools.video.errors import VideoBackendNotSelected
from adloom.tools.video.kenburns import KenBurnsScene, Motion, Reveal, TextOverlay, TransitionName, render_kenburns

TOOL_NAME = "video.animate"

AUTO_MOTIONS: tuple[Motion, ...] = ("zoom_in", "pan_right", "zoom_out", "pan_left", "parallax")
"""Moves given in turn to scenes that name none, so consecutive scenes differ."""


class AnimateText(BaseModel):
    """One text of a scene on its own transparent picture, revealed over the moving image."""

    image: MediaPath = Field(description="The text's transparent PNG: a path or an AssetRef.")
    x: int = Field(description="Its left edge in the scene's image, px.")
    y: int = Field(description="Its top edge in the scene's image, px.")


class AnimateScene(BaseModel):
    image: MediaPath = Field(description="The scene's key image (without its texts when they come in ``texts``).")
    seconds: float = Field(gt=0, le=120, description="How long the scene lasts in the plan.")
    motion: Motion | None = Field(default=None, description="Camera move; None = chosen in turn.")
    keep_in_view: tuple[float, float, float, float] | None = Field(
        default=None, description="Where the image's text is, (x0, y0, x1, y1) as fractions of its width and "
        "height: the camera moves only as far as keeps all of it in every frame.")
    texts: list[AnimateText] = Field(
        default_factory=list, max_length=12,
        description="The image's texts on their own layers, in reading order: they stay in place and are "
        "revealed one after another while the camera moves over the image.")
    reveal: Reveal = Field(default="rise", description="How the texts come in: rise from below or slide in.")

    @field_validator("keep_in_view")
    @classmethod
    def _a_region_of_the_frame(cls, region: tuple[float, float, float, float] | None):
        if region is not None and not (0 <= region[0] < region[2] <= 1 and 0 <= region[1] < region[3] <= 1):
            raise ValueError("keep_in_view must be (x0, y0, x1, y1) with 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1")
        return region


class AnimateRequest(BaseModel):
    scenes: list[AnimateScene] = Field(min_length=1, max_length=60)
    aspect: Aspect = "9:16"
    width: int | None = Field(default=None, ge=16, le=4096, description="Overrides the aspect's width.")
    height: int | None = Field(default=None, ge=16, le=4096, description="Overrides the aspect's height.")
    fps: int = Field(default=30, ge=1, le=60)
    transition: TransitionName = "dip"
    transition_s: float = Field(default=0.4, ge=0, le=2)
    preset: X264Preset = "veryfast"
    crf: int = Field(default=20, ge=0, le=51)

    @model_validator(mode="after")
    def _size_given_whole(self) -> AnimateRequest:
        if (self.width is None) != (self.height is None):
            raise ValueError("give both width and height, or neither (the aspect's size is used)")
        for name in ("width", "height"):
            value = getattr(self, name)
            if value is not None and value % 2:
                raise ValueError(f"{name} must be even for yuv420p video, got {value}")
        return self

    def size(self) -> tuple[int, int]:
        if self.width is not None and self.height is not None:
            return self.width, self.height
        return ASPECT_SIZES[self.aspect]


class AnimateResult(BaseModel):
    video: AssetRef
    duration_s: float = Field(description="Exactly the sum of the scenes' seconds, to the frame.")
    frames: int
    width: int
    height: int
    fps: int
    backend: str
    cached: bool = Field(description="True when the asset cache already held this render.")


def _example_image(folder: Path, index: int) -> Path:
    """A small synthetic key image (the contract test runs the tool on the example)."""
    image = Image.new("RGB", (160, 240), (30 + 60 * index, 90, 160))
    draw = ImageDraw.Draw(image)
    for step in range(0, 240, 24):
        draw.ellipse((step % 160 - 20, step - 20, step % 160 + 20, step + 20), fill=(240, 200 - step // 2, 60))
    path = folder / f"key-{index}.png"
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    write_bytes_atomic(path, buffer.getvalue())
    return path


def _example() -> AnimateRequest:
    folder = Path(tempfile.gettempdir()) / "adloom-examples" / "video"
    folder.mkdir(parents=True, exist_ok=True)
    return AnimateRequest(
        scenes=[
            AnimateScene(image=_example_image(folder, 0), seconds=0.6, motion="zoom_in"),
            AnimateScene(image=_example_image(folder, 1), seconds=0.6, motion="pan_left"),
        ],
        width=128,
        height=224,
    )


def _animate_kenburns(request: AnimateRequest, ctx: ToolContext) -> AnimateResult:
    width, height = request.size()
    scenes = [
        KenBurnsScene(Path(scene.image), scene.seconds, scene.motion or AUTO_MOTIONS[i % len(AUTO_MOTIONS)],
                      scene.keep_in_view, tuple(TextOverlay(Path(t.image), t.x, t.y) for t in scene.texts),
                      scene.reveal)
        for i, scene in enumerate(request.scenes)
    ]
    files = []
    for index, scene in enumerate(scenes):
        require_image(scene.image, f"scenes[{index}].image")  # names the bad file before hashing
        files += [scene.image, *(text.image for text in scene.texts)]
    params = {
        "scenes": [{"seconds": s.seconds, "motion": s.motion, "keep_in_view": s.keep_in_view,
                    "texts": [[t.x, t.y] for t in s.texts], "reveal": s.reveal} for s in scenes],
        "size": [width, height], "fps": request.fps, "transition": request.transition,
        "transition_s": request.transition_s, "preset": request.preset, "crf": request.crf,
    }
    key = cache_key(TOOL_NAME, "kenburns", "", params, [sha256_file(path) for path in files])
    cached = ctx.assets.lookup(key)
    if cached is not None:
        return _result(cached, cached=True)
    scratch = ctx.assets.scratch_dir()
    try:
        rendered = render_kenburns(
            scenes, scratch / "animated.mp4", width=width, height=height, fps=request.fps,
            transition=request.transition, transition_s=request.transition_s,
            preset=request.preset, crf=request.crf, progress=ctx.progress,
        )
        ref = ctx.assets.put_file(
            rendered.path, kind="video", tool=TOOL_NAME, backend="kenburns", move=True,
            metadata={
                "duration_s": rendered.duration_s, "frames": rendered.frames, "width": width,
                "height": height, "fps": request.fps, "transition_frames": rendered.transition_frames,
            },
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ctx.assets.remember(key, ref)
    return _result(ref, cached=False)


def _result(ref: AssetRef, *, cached: bool) -> AnimateResult:
    meta = ref.metadata
    return AnimateResult(
        video=ref, duration_s=meta["duration_s"], frames=meta["frames"], width=meta["width"],
        height=meta["height"], fps=meta["fps"], backend=ref.backend, cached=cached,
    )


@tool_agent(TOOL_NAME, example=_example)
def animate(request: AnimateRequest, ctx: ToolContext) -> AnimateResult:
    """Animate the scenes' key images into one silent H.264 clip as long as the plan's scenes."""
    backend = ctx.settings.video.backend
    if backend != "kenburns":
        raise VideoBackendNotSelected(
            f"video.animate moves key images with [video] backend = \"kenburns\", but backend is {backend!r}; "
            "use video.generate for generated clips, or set ADLOOM_VIDEO__BACKEND=kenburns"
        )
    return _animate_kenburns(request, ctx)


ANIMATE = tool_handle(animate)
