"""The art director: one branded key image per scene, the last one the end card.

Which layout a scene gets follows its purpose in the plan and what the brief provides,
so a 15 s ad has at least three: the hook shows the product photo with the headline (or
the headline large over brand shapes), the product scene the photo beside its name (or a
spotlight with the product's icon), benefits and details the key messages and facts set
large with the icon of what they say (the price as an offer card), and the closing
call-to-action scene the end card with the logo. Every scene but the end card leaves the
caption band free for the captions. Words on the images
come only from the grounded copy, the key messages and the brief; the manifest traces
each to the brief entries it rests on (``grounding``).

With ``[image] backend = "diffusers"`` each scene but the end card first gets a generated
picture (a text-to-image model, or image-to-image from the first product photo; the best
of the candidates by CLIP score), which the template then uses as the scene's photo, so
the words on it still come from the copy and still read back by OCR.

Feedback from the critic names scenes (``"scene-2"``) whose image did not read back by
OCR or scored as unsafe; those are redone on the plainest layout, without photos, and
stay plain for the rest of the run.
"""

from __future__ import annotations

import re
import unicodedata

from pydantic import BaseModel, Field

from adloom.agents.brief import Brief, brand_colors
from adloom.agents.copywriter import VariantCopy
from adloom.agents.icons import choose_icon
from adloom.agents.planner import Scene, Variant
from adloom.agents.platforms import video_aspects
from adloom.tools.context import ToolContext
from adloom.tools.image.template import TemplateRequest
from adloom.tools.image.generate_tool import GENERATE_KEY_IMAGES, ImageGenerateRequest, ImageGenerateResult
from adloom.tools.image.tool import RENDER_IMAGE, ImageRenderResult

PLAIN_LAYOUT = "headline"
CANDIDATES = 2
NEGATIVE_PROMPT = "text, letters, watermark, logo, blurry, low quality, deformed"


class SceneImage(BaseModel):
    """The key image of one scene and why it looks as it does."""

    scene_index: int
    purpose: str
    plain: bool = False
    tones: list[str] = Field(default_factory=list, description="Colour grades asked for, applied to its picture.")
    request: TemplateRequest
    result: ImageRenderResult
    generated: ImageGenerateResult | None = None
    other_aspects: dict[str, ImageRenderResult] = Field(
        default_factory=dict, description="The scene laid out again for each other aspect the platforms need.")

    def picture_path(self) -> str:
        """The scene's picture without words when one was generated, else its key image."""
        return self.generated.images[0].path if self.generated else self.result.image.path


class ArtDirection(BaseModel):
    images: list[SceneImage]

    def image_paths(self) -> list[str]:
        return [image.result.image.path for image in self.images]


def scene_key(index: int) -> str:
    """The feedback target naming one scene's image (it is redone on the plain layout)."""
    return f"scene-{index}"


def tone_target(index: int, tone: str) -> str:
    """The feedback target asking for a colour grade of one scene's picture."""
    return f"{scene_key(index)}:{tone}"


def _pick(items: list[str], index: int) -> str | None:
    return items[index % len(items)] if items else None


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:]


def drawable(text: str | None) -> str | None:
    """The text without emoji and pictographs, which brand fonts do not have (they would draw as boxes)."""
    if text is None:
        return None
    kept = "".join(char for char in text if unicodedata.category(char) not in ("So", "Cs", "Co", "Cn", "Cf"))
    return " ".join(kept.replace("\ufe0f", "").split()) or None


def scene_request(
    brief: Brief, variant: Variant, copy: VariantCopy, scene: Scene, *, plain: bool, photos: list[str] | None = None,
    tones: list[str] | None = None,
) -> TemplateRequest:
    """The template request for one scene's key image (``plain``: headline layout, no photo); the
    words the marketer wrote for the scene (``copy.own_scene_texts``) replace its planned headline.

    Args:
        photos: the scene's pictures (default: the brief's product photos).
        tones: colour grades for the pictures.
    """
    request = _planned_request(brief, variant, copy, scene, plain=plain, photos=photos, tones=tones)
    own = copy.own_scene_texts.get(scene.index)
    if own is None or scene.purpose == "cta":  # the end card keeps the product's name and call to action
        return request
    return TemplateRequest.model_validate({**request.model_dump(), "headline": own})


def _planned_request(
    brief: Brief, variant: Variant, copy: VariantCopy, scene: Scene, *, plain: bool, photos: list[str] | None,
    tones: list[str] | None,
) -> TemplateRequest:
    lead = copy.platforms[brief.platforms[0]]
    headline, cta = drawable(lead.headline) or brief.product.name, drawable(lead.cta)
    photos = list(brief.product.images) if photos is None else photos
    common = {
        "aspect": brief.aspect, "colors": brand_colors(brief), "font": brief.brand.font,
        "brand_name": brief.brand.name if not brief.brand.logo else None, "picture_tones": list(tones or []),
        # Captions are burned over every scene but the end card, which carries the CTA itself.
        "leave_caption_band": scene.purpose != "cta",
    }
    messages = [_sentence(m) for m in variant.key_messages]
    facts = [_sentence(f) for f in brief.product.facts]
    if scene.purpose == "cta":
        return TemplateRequest(
            layout="end_card", headline=brief.product.name, subline=_pick(messages, 0), cta=cta,
            logo=brief.brand.logo, product_images=photos, **common,
        )
    if plain:
        text = {"hook": headline, "product": brief.product.name}.get(scene.purpose) or _pick(
            messages + facts, scene.index
        ) or brief.product.name
        return TemplateRequest(layout=PLAIN_LAYOUT, headline=text, **common)
    product_icon = choose_icon([" ".join(reversed(brief.product.name.split())), brief.product.description])
    if scene.purpose == "hook":  # the photo leads; without one, type over brand shapes
        if photos:
            return TemplateRequest(layout="hero", headline=headline, product_images=photos, **common)
        return TemplateRequest(layout="headline", headline=headline, **common)
    if scene.purpose == "product":  # beside the photo, or under a spotlight with the product's icon
        if photos:
            return TemplateRequest(layout="split", headline=brief.product.name, subline=_pick(messages, 0),
                                   product_images=photos, **common)
        return TemplateRequest(layout="hero", headline=brief.product.name, subline=_pick(messages, 0),
                               icon=product_icon, **common)
    if scene.purpose == "detail" and brief.product.price:
        return TemplateRequest(
            layout="offer", headline=brief.product.name, price=brief.product.price, subline=_pick(facts, scene.index),
            product_images=photos, **common,
        )
    text = _pick(facts if scene.purpose == "detail" else messages, scene.index) or brief.product.name
    icon = choose_icon([text], avoid=[product_icon] if product_icon else [])
    if icon is not None and not photos:  # beside the icon of what the scene says
        return TemplateRequest(layout="split", headline=text, icon=icon, **common)
    # Type between the photo scenes, with the icon of what it says.
    return TemplateRequest(layout="headline", headline=text, icon=icon, **common)


def direct_art(
    brief: Brief, variant: Variant, copy: VariantCopy, tools: ToolContext, plain_scenes: frozenset[int] = frozenset(),
    tones: dict[int, list[str]] | None = None,
) -> ArtDirection:
    """Render every scene's key image; ``plain_scenes`` get the plain layout without photos.

    Args:
        tones: colour grades per scene index, for its pictures (see :func:`tones_from`).

    Unchanged requests come from the image tool's cache, so calling this again after a
    copy revision re-renders only the images whose words changed.
    """
    images = []
    generating = tools.settings.image.backend == "diffusers"
    for scene in variant.scenes:
        plain = scene.index in plain_scenes
        scene_tones = (tones or {}).get(scene.index, [])
        tools.progress(f"picture {scene.index + 1} of {len(variant.scenes)}", scene.index / len(variant.scenes))
        generated = None
        if generating and scene.purpose != "cta" and not plain:
            generated = generate_picture(brief, scene, tools)
        photos = [generated.images[0].path, *brief.product.images] if generated else None
        request = scene_request(brief, variant, copy, scene, plain=plain, photos=photos, tones=scene_tones)
        result = RENDER_IMAGE(request, tools)
        # Every aspect the platforms need gets its own layout of each scene, not a crop or a strip.
        other_aspects = {
            aspect: RENDER_IMAGE(request.model_copy(update={"aspect": aspect}), tools)
            for aspect in video_aspects(brief.aspect, brief.platforms)[1:]
        }
        images.append(SceneImage(
            scene_index=scene.index, purpose=scene.purpose, plain=plain, tones=scene_tones, request=request,
            result=result, generated=generated, other_aspects=other_aspects,
        ))
    return ArtDirection(images=images)


def generate_picture(brief: Brief, scene: Scene, tools: ToolContext) -> ImageGenerateResult:
    """Candidates for the scene's picture from the configured diffusion model, ranked best first."""
    photo = brief.product.images[0] if brief.product.images else None
    request = ImageGenerateRequest(
        prompt=f"{scene.visual}, {brief.product.name}, advertising photograph, brand colours",
        negative_prompt=NEGATIVE_PROMPT, aspect=brief.aspect, candidates=CANDIDATES, seed=scene.index,
        init_image=photo, rank_text=scene.visual,
    )
    return GENERATE_KEY_IMAGES(request, tools)


def plain_scenes_from(feedback: dict[str, list[str]], previous: ArtDirection | None) -> frozenset[int]:
    """Scenes to render plain: those the critic named now, and those already made plain."""
    named = {int(match.group(1)) for target in feedback if (match := re.fullmatch(r"scene-(\d+)", target))}
    kept = {image.scene_index for image in previous.images if image.plain} if previous else set()
    return frozenset(named | kept)


def tones_from(feedback: dict[str, list[str]], previous: ArtDirection | None) -> dict[int, list[str]]:
    """Colour grades per scene: those kept from earlier renders, then those asked for now."""
    tones = {image.scene_index: list(image.tones) for image in previous.images if image.tones} if previous else {}
    for target in feedback:
        match = re.fullmatch(r"scene-(\d+):(\w+)", target)
        if match:
            tones.setdefault(int(match.group(1)), []).append(match.group(2))
    return tones
