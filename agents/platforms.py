"""What each platform accepts: text limits the copywriter must respect, and its video shape.

Limits are the platforms' published maxima, tightened where the visible part of a post is
much shorter than the maximum (a headline that is cut off in the feed does not work).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlatformLimits:
    label: str
    headline_max: int
    primary_text_max: int
    hashtags_max: int
    cta_max: int = 30
    counts_hashtags_in_text: bool = False  # X counts hashtags against the post length
    video_aspect: str = "9:16"  # the shape its video placements show best


PLATFORM_LIMITS: dict[str, PlatformLimits] = {
    "tiktok": PlatformLimits("TikTok", headline_max=100, primary_text_max=2200, hashtags_max=5),
    "instagram_reels": PlatformLimits("Instagram Reels", headline_max=60, primary_text_max=2200, hashtags_max=30),
    "instagram_feed": PlatformLimits(
        "Instagram feed", headline_max=60, primary_text_max=2200, hashtags_max=30, video_aspect="4:5"
    ),
    "youtube_shorts": PlatformLimits("YouTube Shorts", headline_max=100, primary_text_max=5000, hashtags_max=15),
    "x": PlatformLimits(
        "X", headline_max=70, primary_text_max=280, hashtags_max=2, counts_hashtags_in_text=True, video_aspect="16:9"
    ),
    "linkedin": PlatformLimits("LinkedIn", headline_max=70, primary_text_max=3000, hashtags_max=5, video_aspect="1:1"),
    "facebook": PlatformLimits("Facebook", headline_max=40, primary_text_max=500, hashtags_max=3, video_aspect="1:1"),
}


def video_aspects(primary: str, platforms: list[str]) -> list[str]:
    """The aspects one campaign renders: the brief's own first, then each platform's, once each."""
    return list(dict.fromkeys([primary, *(PLATFORM_LIMITS[p].video_aspect for p in platforms)]))
