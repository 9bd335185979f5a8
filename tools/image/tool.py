"""Tool agent ``image.render``: one branded ad image, through the asset cache.

The renderer is the Pillow brand template in :mod:`adloom.tools.image`, whatever ``[image]
backend`` says: that setting chooses where *pictures* come from (``template``: the brief's
product photos only; ``diffusers``: also generated ones, from ``image.generate``), and the
template lays the words, logo and pictures out either way. Each render is read back with
OCR and the result says whether its words came out legible. Its texts are also stored
apart, each on a transparent layer over the picture without them, so the animator can
move the picture and reveal the words on their own.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from pydantic import BaseModel, Field

from adloom.storage.assets import AssetRef, cache_key, sha256_file
from adloom.tools.context import ToolContext
from adloom.tools.image import template
from adloom.tools.image.inputs import ImageInputError, resolve_font
from adloom.tools.image.legibility import LEGIBLE_THRESHOLD, OCR_MODEL_KEY, load_text_reader
from adloom.tools.image.template import TEMPLATE_VERSION, TemplateRequest
from adloom.tools.registry import tool_agent, tool_handle

TOOL_NAME = "image.render"
BACKEND = "template"


class TextLayerRef(BaseModel):
    """One text of the image on its own transparent PNG, placed at (x, y) px of the image."""

    field: str
    image: AssetRef
    x: int
    y: int


class ImageRenderResult(BaseModel):
    """The stored PNG, how well it reads, and its layers."""

    image: AssetRef
    layout: str
    aspect: str
    width: int
    height: int
    contrast_ratio: float = Field(description="Lowest WCAG contrast of any text against the pixels under it.")
    ocr_text: str = Field(description="What OCR read in the final image.")
    ocr_match: float = Field(ge=0.0, le=1.0, description="Share of the intended words OCR found.")
    legible: bool = Field(description=f"ocr_match reached {LEGIBLE_THRESHOLD} (after at most one re-render).")
    from_cache: bool = Field(default=False, description="Returned from the asset cache without rendering.")
    notes: list[str] = Field(default_factory=list, description="Compromises made, e.g. a palette fallback.")
    background: AssetRef | None = Field(default=None, description="The image without its texts; None: it has none.")
    text_layers: list[TextLayerRef] = Field(
        default_factory=list, description="Each text (with its plate or button) alone, in reading order.")


def input_files(request: TemplateRequest) -> list[tuple[str, Path]]:
    """Every file the render reads, labelled by request field (font first).

    Raises:
        ImageInputError: a named file does not exist, or no system font is found.
    """
    files = [("font", resolve_font(request.font))]
    named = ([("logo", request.logo)] if request.logo else []) + [
        (f"product_images[{i}]", path) for i, path in enumerate(request.product_images)
    ]
    for field, path in named:
        file = Path(path).expanduser()
        if not file.is_file():
            raise ImageInputError(field, path, "does not exist" if not file.exists() else "is not a file")
        files.append((field, file))
    return files


def render_cache_key(request: TemplateRequest) -> str:
    """Cache key over the request's words and colours and the *contents* of its files.

    File paths are left out on purpose: the same logo at another path is the same render.
    """
    files = input_files(request)
    params = request.model_dump(mode="json", exclude={"logo", "font", "product_images"})
    params["template_version"] = TEMPLATE_VERSION
    params["legible_threshold"] = LEGIBLE_THRESHOLD
    params["files"] = [field for field, _ in files]
    return cache_key(TOOL_NAME, BACKEND, "", params, [sha256_file(path) for _, path in files])


def _result(ref: AssetRef, *, from_cache: bool) -> ImageRenderResult:
    meta = ref.metadata
    return ImageRenderResult(
        image=ref, layout=meta["layout"], aspect=meta["aspect"], width=meta["width"], height=meta["height"],
        contrast_ratio=meta["contrast_ratio"], ocr_text=meta["ocr_text"], ocr_match=meta["ocr_match"],
        legible=meta["legible"], from_cache=from_cache, notes=list(meta.get("notes", [])),
        background=meta.get("background"), text_layers=meta.get("text_layers", []),
    )


def _store_png(ctx: ToolContext, image: Image.Image, *, role: str) -> AssetRef:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return ctx.assets.put_bytes(buffer.getvalue(), ".png", kind="image", tool=TOOL_NAME, backend=BACKEND,
                                metadata={"role": role, "width": image.width, "height": image.height})


def _example() -> TemplateRequest:
    return TemplateRequest(
        layout="headline", aspect="1:1", headline="Cold brew, done right.",
        subline="Steeped for 18 hours.", cta="Shop now", colors=["#2B1B17", "#F5E6CC", "#D9822B"],
    )


@tool_agent(TOOL_NAME, example=_example)
def render_image(request: TemplateRequest, ctx: ToolContext) -> ImageRenderResult:
    """Render a branded ad image (layout x aspect) from the brand's palette, font, logo and photos.

    The PNG is stored in the asset store; a repeated request with the same words, colours
    and file contents returns the cached asset without rendering. Text colours reach
    4.5:1 contrast against the pixels under them, and OCR reads the result back: an
    image whose words do not read is re-rendered once with larger type and stronger
    contrast, then reported with ``legible: false`` rather than raised.

    Raises:
        ImageInputError: a photo, logo or font is missing or unreadable (names the field and file).
        TextFitError: a text cannot fit its layout even at the smallest size.
    """
    key = render_cache_key(request)
    cached = ctx.assets.lookup(key)
    if cached is not None:
        return _result(cached, from_cache=True)
    ctx.progress("laying out the picture", 0.0)
    reader = ctx.models.get(OCR_MODEL_KEY, load_text_reader)
    checked = template.render_legible(request, reader)
    rendered = checked.rendered
    metadata: dict = {
        "layout": rendered.layout,
        "aspect": rendered.aspect,
        "width": rendered.width,
        "height": rendered.height,
        "contrast_ratio": round(rendered.contrast_ratio, 2),
        "ocr_text": checked.ocr_text,
        "ocr_match": round(checked.ocr_match, 4),
        "legible": checked.legible,
        "attempts": checked.attempts,
        "palette_fallback": rendered.palette_fallback,
        "notes": list(rendered.notes),
        "texts": [placed.as_metadata() for placed in rendered.texts],
        "font": str(rendered.font_path),
        "template_version": TEMPLATE_VERSION,
        "timings_s": {"render": round(checked.render_seconds, 3), "ocr": round(checked.ocr_seconds, 3)},
    }
    split = template.split_text_layers(request, rendered)
    if split.layers:
        metadata["background"] = _store_png(ctx, split.background, role="background").model_dump(mode="json")
        metadata["text_layers"] = [
            {"field": layer.field, "x": layer.x, "y": layer.y,
             "image": _store_png(ctx, layer.image, role=f"text layer: {layer.field}").model_dump(mode="json")}
            for layer in split.layers
        ]
    ref = ctx.assets.put_bytes(rendered.png, ".png", kind="image", tool=TOOL_NAME, backend=BACKEND,
                               metadata=metadata)
    ctx.assets.remember(key, ref)
    ctx.progress("laying out the picture", 1.0)
    return _result(ref, from_cache=False)


RENDER_IMAGE = tool_handle(render_image)
