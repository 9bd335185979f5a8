"""Video generation backends. ``kenburns`` animates still key images with ffmpeg alone."""

from adloom.tools.video.kenburns import (
    KenBurnsResult,
    KenBurnsScene,
    Motion,
    SceneSpan,
    TransitionName,
    build_kenburns_command,
    plan_spans,
    render_kenburns,
)

__all__ = [
    "KenBurnsResult",
    "KenBurnsScene",
    "Motion",
    "SceneSpan",
    "TransitionName",
    "build_kenburns_command",
    "plan_spans",
    "render_kenburns",
]
