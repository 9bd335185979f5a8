"""Captions: script alignment, segmentation rules, SRT/WebVTT files and burned-in ASS styles."""

from adloom.tools.subtitles.align import (
    ScriptScene,
    TimedWord,
    align_script,
    normalise_token,
    scenes_from_durations,
    time_script_evenly,
)
from adloom.tools.subtitles.ass import CaptionColors, CaptionStyle, burn_captions, font_family, write_ass
from adloom.tools.subtitles.cues import Cue, SubtitleDocument, SubtitleParseError, find_overlaps
from adloom.tools.subtitles.segment import (
    LINE_LIMIT_BY_ASPECT,
    Caption,
    CaptionRules,
    caption_rule_violations,
    segment_captions,
)
from adloom.tools.subtitles.srt import format_srt, parse_srt, read_srt, write_srt
from adloom.tools.subtitles.webvtt import format_vtt, parse_vtt, read_vtt, write_vtt

__all__ = [
    "LINE_LIMIT_BY_ASPECT",
    "Caption",
    "CaptionColors",
    "CaptionRules",
    "CaptionStyle",
    "Cue",
    "ScriptScene",
    "SubtitleDocument",
    "SubtitleParseError",
    "TimedWord",
    "align_script",
    "burn_captions",
    "caption_rule_violations",
    "find_overlaps",
    "font_family",
    "format_srt",
    "format_vtt",
    "normalise_token",
    "parse_srt",
    "parse_vtt",
    "read_srt",
    "read_vtt",
    "scenes_from_durations",
    "segment_captions",
    "time_script_evenly",
    "write_ass",
    "write_srt",
    "write_vtt",
]
