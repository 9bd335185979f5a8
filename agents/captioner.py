"""The captioner: subtitles of the script, timed by the spoken voiceover, for every output aspect.

Captions are the script's own words (recognition only times them), segmented for each
aspect's line length. Vertical video gets the word-by-word highlight style, other shapes
the classic bottom captions. When the critic finds the burned captions hard to read, the
variant is captioned again in the classic style, the plainest one, for the rest of the run;
when it finds them too small, again with shorter lines (a long line is what shrinks them).
"""

from __future__ import annotations

from pydantic import BaseModel

from adloom.agents.animator import SceneVideo
from adloom.agents.brief import Brief, brand_colors
from adloom.agents.copywriter import VariantCopy
from adloom.agents.planner import Variant
from adloom.tools.context import ToolContext
from adloom.tools.aspects import ASPECT_SIZES
from adloom.tools.editor.timeline import region_after_cover
from adloom.tools.subtitles.segment import LINE_LIMIT_BY_ASPECT
from adloom.tools.subtitles.tool import BUILD_SUBTITLES, CaptionScene, SubtitlesRequest, SubtitlesResult
from adloom.tools.tts.tool import VoiceoverResult

DEFAULT_ACCENT = "#FFD400"


class Captions(BaseModel):
    """Subtitles per aspect (same words, segmented for each line length) and the style burned in."""

    by_aspect: dict[str, SubtitlesResult]
    style_by_aspect: dict[str, str]
    plain: bool = False
    shorter_lines: bool = False


def caption_style(aspect: str, *, plain: bool) -> str:
    return "classic" if plain or aspect not in ("9:16", "4:5") else "highlight"


def caption_request(
    brief: Brief, variant: Variant, copy: VariantCopy, voice: VoiceoverResult, aspect: str, style: str,
    video: SceneVideo | None = None, *, shorter_lines: bool = False,
) -> SubtitlesRequest:
    """Captions of the script at ``aspect``, kept clear of the text ``video`` shows in each scene
    (``shorter_lines``: three quarters of the aspect's line length, so no long line shrinks the font)."""
    lines = {line.scene_index: line.text for line in copy.script}
    colors = brand_colors(brief)
    source, target = ASPECT_SIZES[brief.aspect], ASPECT_SIZES[aspect]
    if video is not None and aspect in video.text_regions_by_aspect:
        on_screen = video.text_regions_by_aspect[aspect]  # the scenes composed for this aspect
    else:
        on_screen = [[shown for region in regions if (shown := region_after_cover(region, source, target))]
                     for regions in (video.text_regions if video is not None else [])]
    return SubtitlesRequest(
        scenes=[
            CaptionScene(text=lines.get(scene.index, ""), seconds=scene.seconds, speech_seconds=spoken.speech_seconds,
                         keep_clear=on_screen[scene.index] if scene.index < len(on_screen) else [])
            for scene, spoken in zip(variant.scenes, voice.scenes)
        ],
        voiceover=voice.voiceover,
        product_name=brief.product.name,
        brand_name=brief.brand.name,
        essential=[brief.product.price] if brief.product.price else [],
        aspect=aspect,  # type: ignore[arg-type]
        styles=[style],  # type: ignore[list-item]
        font_path=brief.brand.font,
        max_chars_per_line=LINE_LIMIT_BY_ASPECT[aspect] * 3 // 4 if shorter_lines else None,
        accent_color=colors[2] if len(colors) > 2 else DEFAULT_ACCENT,
        language=brief.language.split("-")[0],
    )


def write_captions(
    brief: Brief, variant: Variant, copy: VariantCopy, voice: VoiceoverResult, aspects: list[str],
    tools: ToolContext, *, plain: bool = False, shorter_lines: bool = False, video: SceneVideo | None = None,
) -> Captions:
    """Caption every aspect, off the text ``video`` shows; the voiceover is transcribed once (cached)."""
    by_aspect: dict[str, SubtitlesResult] = {}
    styles: dict[str, str] = {}
    for aspect in aspects:
        styles[aspect] = caption_style(aspect, plain=plain)
        request = caption_request(brief, variant, copy, voice, aspect, styles[aspect], video,
                                  shorter_lines=shorter_lines)
        by_aspect[aspect] = BUILD_SUBTITLES(request, tools)
    return Captions(by_aspect=by_aspect, style_by_aspect=styles, plain=plain, shorter_lines=shorter_lines)
