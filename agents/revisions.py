"""Plain-word revision requests at an approval gate, turned into per-node feedback.

"shorter headline", "redo image 2 warmer", "male voice", "other music": each names a part of
the ad, and each part is made by one node of the campaign's variant chain. A request becomes
the same :data:`~adloom.agents.feedback.Feedback` the critic sends back (node -> target -> notes), plus a brief change
where the brief decides the part (the voice, the music from the marketer's library). "headline:
Run lighter" sets a headline as written, the marketer's own words that no rewrite replaces.
The graph re-runs the variant from the earliest
affected node; everything upstream of it, and everything whose inputs did not change, comes
back from the asset cache.

Common wordings are recognised by keywords (deterministic, no model call); anything else is
classified by the LLM into a fixed set of parts with a schema-constrained answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from adloom.agents.animator import SceneVideo
from adloom.agents.art_director import ArtDirection, scene_key, tone_target
from adloom.agents.chat_planner import duration_named, platforms_named
from adloom.agents.copywriter import VariantCopy
from adloom.agents.feedback import ChainNode, Feedback, feedback_from
from adloom.agents.llm_access import AgentLLM
from adloom.agents.music_library import LibraryTrack, MusicChange, NoOtherTrackError, music_change
from adloom.agents.platforms import PLATFORM_LIMITS
from adloom.tools.image.grading import Tone
from adloom.tools.llm.prompts import load_prompt
from adloom.tools.tts.tool import VoiceoverResult
from adloom.tools.tts.voices import VOICE_BY_GENDER, VOICES, voice_named

Part = Literal["copy", "script", "image", "voice", "captions", "video", "render", "unclear"]
GateAction = Literal["approve", "reject", "edit"]

# The node that makes each part of the ad, and the feedback target it understands.
PART_NODES: dict[str, ChainNode] = {
    "copy": "copywriter", "script": "copywriter", "image": "art_director", "voice": "voiceover",
    "captions": "subtitles", "video": "video", "render": "editor",
}

_IMAGE_WORDS = r"(?:image|picture|photo|scene|frame|shot|layout)"
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "last": -1}
# Plain words for a picture's colour grade (see tools.image.grading).
_TONE_WORDS: dict[str, str] = {
    r"warm(?:er)?": "warmer", r"cool(?:er)?|cold(?:er)?": "cooler", r"bright(?:er)?|lighter": "brighter",
    r"dark(?:er)?|moodier": "darker", r"more (?:vivid|colou?rful|saturated)|vivid|punchier": "more_vivid",
    r"muted|desaturated|less (?:colou?rful|saturated)|softer colou?rs": "muted",
}


class GateDecision(BaseModel):
    """The marketer's answer at an approval gate (the value passed to ``Command(resume=...)``)."""

    model_config = ConfigDict(extra="forbid")

    action: GateAction
    request: str = Field(default="", max_length=2000, description="With action 'edit': the change, in plain words.")

    def model_post_init(self, _context: Any) -> None:
        if self.action == "edit" and not self.request.strip():
            raise ValueError("an 'edit' decision needs the change in 'request'")


class RevisionDraft(BaseModel):
    """What the LLM fills when keywords do not tell which part a request is about."""

    part: Part
    image_number: int | None = Field(default=None, ge=0, le=12)
    image_tone: Tone | None = None
    voice_gender: Literal["male", "female"] | None = None
    note: str = Field(default="", max_length=300)


class Revision(BaseModel):
    """One request as feedback per node and an optional change to the variant's brief."""

    request: str
    feedback: Feedback = Field(default_factory=dict)
    headlines: dict[str, str] = Field(default_factory=dict, description="Headlines set as written, by platform.")
    duration_s: float | None = Field(default=None, description="Another length: the ad is planned and made anew.")
    scene_texts: dict[int, str] = Field(default_factory=dict, description="Words set on a scene's picture as "
                                        "written, by scene index.")
    voice: str | None = Field(default=None, description="The voice asked for (a tools.tts.voices.VOICES id).")
    music: dict[str, str | None] | None = Field(default=None, description="The brief's media fields for the music.")
    unmet: list[str] = Field(default_factory=list, description="What was asked and cannot be done, in words.")

    @property
    def understood(self) -> bool:
        return bool(self.feedback) or self.duration_s is not None

    def patched_brief(self, brief: dict) -> dict:
        """The variant's brief with the requested voice and music (other fields untouched)."""
        if self.voice is not None:
            brief = {**brief, "voiceover": {**brief.get("voiceover", {}), **VOICES[self.voice].voiceover()}}
        if self.music is not None:
            brief = {**brief, "media": {**brief.get("media", {}), **self.music}}
        return brief


def _image_numbers(text: str) -> list[int]:
    """1-based image numbers named in the text (``-1`` for "last"); empty when none is named."""
    numbers = [int(n) for n in re.findall(rf"{_IMAGE_WORDS}s?\s*#?\s*(\d+)", text)]
    numbers += [_ORDINALS[w] for w in re.findall(rf"\b({'|'.join(_ORDINALS)})\s+{_IMAGE_WORDS}", text)]
    return numbers


def _image_tones(text: str) -> list[str]:
    """Colour grades named in the text, in the order named."""
    found = [(match.start(), tone) for words, tone in _TONE_WORDS.items()
             for match in re.finditer(rf"\b(?:{words})\b", text)]
    return list(dict.fromkeys(tone for _, tone in sorted(found)))


_OWN_HEADLINE = re.compile(r"^\s*(?P<where>[a-z][a-z ]*?\s+)?headline\s*:\s*(?P<text>\S.*?)\s*$", re.IGNORECASE)


def own_headlines(request: str, platforms: list[str]) -> dict[str, str]:
    """Headlines the marketer wrote out ("headline: Run lighter", one "tiktok headline: ..." a line), by platform.

    A line naming no platform sets every platform's; the words are kept exactly as written
    (quotes around them dropped).
    """
    found: dict[str, str] = {}
    for line in request.splitlines():
        match = _OWN_HEADLINE.match(line)
        if not match:
            continue
        text = match.group("text").strip().strip("\"“”'")
        where = (match.group("where") or "").strip().lower()
        named = [p for p in platforms if where in (p, p.replace("_", " "), PLATFORM_LIMITS[p].label.lower())] \
            or [p for p in platforms_named(where) if p in platforms]
        for platform in named or platforms:
            found[platform] = text
    return found


_OWN_SCENE_TEXT = re.compile(
    rf"^\s*(?:(?:{_IMAGE_WORDS})\s*#?\s*(?P<a>\d+)\s+(?:text|words)|(?:text|words) on (?:the )?(?:{_IMAGE_WORDS})"
    rf"\s*#?\s*(?P<b>\d+))\s*:\s*(?P<text>\S.*?)\s*$", re.IGNORECASE)


def own_scene_texts(request: str, scene_count: int) -> dict[int, str]:
    """Words the marketer wrote for pictures ("image 2 text: Made from recycled foam", one a line),
    by scene index; a number past the last scene is left out."""
    found: dict[int, str] = {}
    for line in request.splitlines():
        match = _OWN_SCENE_TEXT.match(line)
        if match:
            number = int(match.group("a") or match.group("b"))
            if 1 <= number <= scene_count:
                found[number - 1] = match.group("text").strip().strip("\"“”'")
    return found


def _parts_by_keyword(text: str) -> list[tuple[Part, dict[str, Any]]]:
    found: list[tuple[Part, dict[str, Any]]] = []
    voice = voice_named(text)
    if voice is not None:
        found.append(("voice", {"voice": voice.id}))
    if re.search(r"\b(headline|title|hashtags?|cta|call to action|caption text|post text|copy|slogan)\b", text):
        found.append(("copy", {}))
    if re.search(r"\b(script|voiceover text|narration|what (?:the voice|it) says|lines?)\b", text):
        found.append(("script", {}))
    if re.search(rf"\b{_IMAGE_WORDS}s?\b", text):
        found.append(("image", {"numbers": _image_numbers(text), "tones": _image_tones(text)}))
    if re.search(r"\b(subtitles?|captions?)\b", text) and not any(part == "copy" for part, _ in found):
        found.append(("captions", {}))
    if re.search(r"\b(motion|zoom|pan|animation|movement)\b", text):
        found.append(("video", {}))
    if re.search(r"\b(music|song|track|tune|soundtrack|louder|quieter|volume|loudness)\b", text):
        found.append(("render", {}))
    return found


def _parts_by_llm(request: str, llm: AgentLLM) -> list[tuple[Part, dict[str, Any]]]:
    draft = llm.structured(
        [{"role": "user", "content": load_prompt("chat_revision", request=request)}], RevisionDraft,
        seed=0, max_tokens=120, temperature=0.0,
    )
    if draft is None or draft.part == "unclear":
        return []
    detail: dict[str, Any] = {"voice": VOICE_BY_GENDER[draft.voice_gender].id if draft.voice_gender else None}
    if draft.part == "image":
        detail["numbers"] = [draft.image_number] if draft.image_number else []
        detail["tones"] = [draft.image_tone] if draft.image_tone else []
    if draft.part == "voice" and detail["voice"] is None:
        return []
    return [(draft.part, detail)]


def plan_revision(request: str, llm: AgentLLM | None, *, platforms: list[str], scene_count: int,
                  music: Sequence[LibraryTrack] = (), current_music: str | None = None) -> Revision:
    """Turn a plain-word change request into feedback for the nodes that make the named parts.

    Args:
        request: the marketer's words, e.g. ``"shorter headline"``.
        llm: asked only when no keyword matches (``None``: keywords only).
        platforms: the brief's platforms (copy feedback targets each one).
        scene_count: scenes in the variant (an image request without a number means all).
        music: the marketer's music library, to choose another track from.
        current_music: the track the brief plays now (its path), if any.

    Returns:
        A revision; ``understood`` is False when no part could be identified.
    """
    note = f"The marketer asked: {request.strip()}"
    length = duration_named(request)
    if length is not None and re.search(r"\b(?:make it|length|long|longer|shorter|seconds?|secs?|s)\b", request.lower()):
        return Revision(request=request, duration_s=length)  # the scenes are planned for a length: made anew
    written, on_pictures = own_headlines(request, platforms), own_scene_texts(request, scene_count)
    if written or on_pictures:  # used as written: the pictures showing them are made again, nothing is rewritten
        return Revision(request=request, headlines=written, scene_texts=on_pictures,
                        feedback={"art_director": {"words": [note]}})
    text = request.lower()
    parts = _parts_by_keyword(text) or (_parts_by_llm(request, llm) if llm is not None else [])
    notes: list[tuple[str, str, str]] = []
    voice = None
    music_patch = None
    unmet: list[str] = []
    for part, detail in parts:
        node = PART_NODES[part]
        if part == "copy":
            targets = list(platforms)
        elif part == "script":
            targets = ["script"]
        elif part == "image":
            numbers = [n for n in detail.get("numbers", []) if n == -1 or 1 <= n <= scene_count]
            indexes = [scene_count - 1 if n == -1 else n - 1 for n in numbers] or list(range(scene_count))
            # A colour change keeps the image and grades its picture; otherwise it is redone plain.
            tones = detail.get("tones", [])
            targets = [tone_target(i, tone) for i in indexes for tone in tones] or [scene_key(i) for i in indexes]
        elif part == "voice":
            missing = VOICES[detail["voice"]].unavailable()
            if missing:
                unmet.append(missing)
                continue
            voice = detail["voice"]
            targets = ["voice"]
        elif part == "captions":
            targets = ["legibility"]
        elif part == "render":
            try:
                change: MusicChange | None = music_change(request, music, current_music)
            except NoOtherTrackError as exc:
                unmet.append(str(exc))
                continue
            if change is not None:
                music_patch = change.media_patch()
                targets = ["music"]
            else:
                targets = ["loudness"]
        else:
            targets = ["motion"]
        notes += [(node, target, note) for target in targets]
    return Revision(request=request, feedback=feedback_from(notes), voice=voice, music=music_patch, unmet=unmet)


def gate_preview(gate: str, variant_id: str, copy: VariantCopy | None, art: ArtDirection | None,
                 video: SceneVideo | None, voice: VoiceoverResult | None, *, message: str) -> dict:
    """The interrupt payload at an approval gate: what the variant has made so far, as asset paths and copy.

    Args:
        gate: the chain node about to run (``"video"`` or ``"editor"``).
        message: the question shown to the marketer.
    """
    media: list[dict[str, Any]] = []
    for image in art.images if art else []:
        media.append({"kind": "image", "path": image.result.image.path,
                      "label": f"image {image.scene_index + 1} ({image.purpose})",
                      # the words on it, to rewrite in place (not the end card's: the product's name and CTA)
                      **({"scene": image.scene_index + 1, "text": image.request.headline}
                         if image.purpose != "cta" else {})})
    for index, clip in enumerate(video.clips if video else []):
        media.append({"kind": "video", "path": clip.path, "label": f"scene {index + 1}"})
    if voice:
        media.append({"kind": "audio", "path": voice.voiceover.path, "label": "voiceover"})
    headlines = {platform: item.headline for platform, item in copy.platforms.items()} if copy else {}
    script = [line.text for line in copy.script] if copy else []
    return {
        "gate": gate, "variant_id": variant_id, "message": message,
        "media": media, "headlines": headlines, "script": script,
    }
