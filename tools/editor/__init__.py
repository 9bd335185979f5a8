"""Final assembly: a typed :class:`Timeline` rendered to MP4 by one ffmpeg filter graph."""

from adloom.tools.editor.encoding import EncodeSettings, X264Preset
from adloom.tools.editor.inputs import MediaInputError
from adloom.tools.editor.render import (
    OutputView,
    RenderResult,
    TimelinePlan,
    build_render_command,
    plan_timeline,
    render,
    render_aspects,
    render_views,
)
from adloom.tools.editor.timeline import (
    EndCard,
    LogoOverlay,
    MusicTrack,
    StillImage,
    SubtitleTrack,
    Timeline,
    VideoClip,
    VoiceTrack,
)

__all__ = [
    "EncodeSettings",
    "EndCard",
    "LogoOverlay",
    "MediaInputError",
    "MusicTrack",
    "OutputView",
    "RenderResult",
    "StillImage",
    "SubtitleTrack",
    "Timeline",
    "TimelinePlan",
    "VideoClip",
    "VoiceTrack",
    "X264Preset",
    "build_render_command",
    "plan_timeline",
    "render",
    "render_aspects",
    "render_views",
]
