"""The editor: the finished ad, one timeline rendered at every aspect the platforms need.

The animated scenes run up to the call-to-action scene, whose end card (logo, CTA) holds
for that scene's length; the voiceover spans the whole ad, the brief's music sits ducked
under it, the logo watermarks the scenes, and each aspect burns its own captions. The
mix is normalised to the social loudness target; when the critic measures the finished
ad off target, the next render corrects the target by the measured error.
"""

from __future__ import annotations

from pathlib import Path

from adloom.agents.animator import SceneVideo
from adloom.agents.art_director import ArtDirection
from adloom.agents.brief import Brief, brand_colors
from adloom.agents.captioner import Captions
from adloom.agents.planner import Variant
from adloom.tools.context import ToolContext
from adloom.tools.editor.timeline import (
    ASPECT_SIZES,
    EndCard,
    LogoOverlay,
    MusicTrack,
    SubtitleTrack,
    Timeline,
    VideoClip,
    VoiceTrack,
)
from adloom.tools.editor.tool import ASSEMBLE, AssembleRequest, AssembleResult
from adloom.tools.tts import SOCIAL_TARGET_LUFS
from adloom.tools.tts.tool import VoiceoverResult

FPS = 30


def _subtitle_track(captions: Captions, aspect: str) -> SubtitleTrack:
    result = captions.by_aspect[aspect]
    style = captions.style_by_aspect[aspect]
    return SubtitleTrack(path=Path(result.ass[style].path), fonts_dir=Path(result.fonts_dir) if result.fonts_dir else None)


def build_timeline(
    brief: Brief, variant: Variant, art: ArtDirection, video: SceneVideo, voice: VoiceoverResult,
    captions: Captions, aspect: str, *, loudness_lufs: float = SOCIAL_TARGET_LUFS,
) -> Timeline:
    """The ad's timeline at the primary ``aspect`` (other aspects show their own scene clips
    and end cards where the art director composed them, and re-fit the rest)."""
    closing = variant.scenes[-1]
    total = sum(scene.seconds for scene in variant.scenes)
    width, height = ASPECT_SIZES[aspect]
    return Timeline(
        width=width, height=height, fps=FPS, duration_s=round(total, 3),
        # Each clip shows for its scene's length: cut if longer, its last frame held if shorter.
        visuals=[VideoClip(path=Path(clip.path), end_s=seconds,
                           by_aspect={other: Path(clips[i].path) for other, clips in video.clips_by_aspect.items()})
                 for i, (clip, seconds) in enumerate(zip(video.clips, video.seconds))],
        voice=VoiceTrack(path=Path(voice.voiceover.path)),
        music=MusicTrack(path=Path(brief.media.music)) if brief.media.music else None,
        loudness_lufs=loudness_lufs,
        subtitles=_subtitle_track(captions, aspect),
        logo=LogoOverlay(path=Path(brief.brand.logo)) if brief.brand.logo else None,
        end_card=EndCard(path=Path(art.images[closing.index].result.image.path), seconds=closing.seconds,
                         background=brand_colors(brief)[0],
                         by_aspect={aspect: Path(result.image.path)  # type: ignore[misc]
                                    for aspect, result in art.images[closing.index].other_aspects.items()}),
    )


def assemble_ad(
    brief: Brief, variant: Variant, art: ArtDirection, video: SceneVideo, voice: VoiceoverResult,
    captions: Captions, aspects: list[str], tools: ToolContext, *, loudness_lufs: float = SOCIAL_TARGET_LUFS,
) -> AssembleResult:
    """Render the ad at every aspect in ``aspects`` (the first is the primary) in one ffmpeg pass."""
    timeline = build_timeline(brief, variant, art, video, voice, captions, aspects[0], loudness_lufs=loudness_lufs)
    request = AssembleRequest(
        timeline=timeline, aspects=aspects,  # type: ignore[arg-type]
        subtitles_by_aspect={aspect: _subtitle_track(captions, aspect) for aspect in aspects},  # type: ignore[misc]
    )
    return ASSEMBLE(request, tools)
