"""The chat planner: turns a marketer's messages into a brief, asking for what is missing.

Each turn the LLM fills a fixed, schema-constrained :class:`ChatTurn` (what the marketer
said about brand, product, audience, platforms and length). Values are kept only when
their words were really said in the conversation, so a small model cannot invent a
product. Platform names and lengths are also read by keyword, which makes the common
requests ("a TikTok ad", "15 seconds") work even when the model returns nothing usable.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from adloom.agents.brief import PLATFORMS, Brief, BriefError, Platform, parse_brief
from adloom.agents.llm_access import AgentLLM
from adloom.agents.music_library import LibraryTrack, MusicChange
from adloom.agents.platforms import PLATFORM_LIMITS
from adloom.tools.aspects import Aspect
from adloom.tools.llm.prompts import load_prompt
from adloom.tools.tts.voices import VOICES, voice_named

ChatRole = Literal["user", "assistant"]
# Spoken names of the brief's platforms, longest first so "instagram reels" wins over "instagram".
PLATFORM_WORDS: dict[str, str] = {
    "youtube shorts": "youtube_shorts", "instagram reels": "instagram_reels", "instagram feed": "instagram_feed",
    "tiktok": "tiktok", "tik tok": "tiktok", "reels": "instagram_reels", "instagram": "instagram_reels",
    "shorts": "youtube_shorts", "youtube": "youtube_shorts", "linkedin": "linkedin", "facebook": "facebook",
    "twitter": "x",
}
MAX_VARIANTS = 3  # versions compared side by side in one chat
REQUIRED_FIELDS: dict[str, str] = {
    "brand_name": "your brand's name",
    "product_name": "the product's name",
    "product_description": "one sentence about the product",
    "audience": "who the ad is for",
    "platforms": f"where it runs ({', '.join(PLATFORMS)})",
}


class BriefFacts(BaseModel):
    """Brief values a marketer stated (null: not said)."""

    # Tight lengths: the grammar then stops a small model's run-on sentences.
    brand_name: str | None = Field(default=None, max_length=60)
    product_name: str | None = Field(default=None, max_length=80)
    product_description: str | None = Field(default=None, max_length=160)
    audience: str | None = Field(default=None, max_length=100)
    platforms: list[Platform] | None = Field(default=None, max_length=7)
    duration_s: float | None = Field(default=None, ge=5, le=180)
    facts: list[Annotated[str, Field(max_length=120)]] | None = Field(
        default=None, max_length=8, description="Things the product does or has, each in the marketer's words.")
    price: str | None = Field(default=None, max_length=24, description="The price as the marketer wrote it, e.g. '$34'.")


class ChatTurn(BriefFacts):
    """What one turn of the conversation says about the brief (null: not said)."""

    model_config = ConfigDict(title="ChatTurn")

    wants_ad: bool | None = None


class BriefDraft(BaseModel):
    """The brief as known so far in a conversation."""

    brand_name: str | None = None
    product_name: str | None = None
    product_description: str | None = None
    audience: str | None = None
    platforms: list[Platform] = Field(default_factory=list)
    duration_s: float | None = None
    facts: list[str] = Field(default_factory=list)
    price: str | None = None
    variants: int | None = None
    aspect: Aspect | None = Field(default=None, description="The ad's own shape; None: the brief's default (9:16).")
    voice: str | None = Field(default=None, description="The voice chosen (a tools.tts.voices.VOICES id).")
    music: dict | None = Field(default=None, description="The track chosen from the music library (LibraryTrack).")
    page: dict | None = Field(default=None, description=(
        "The brief read from a product page whose link the marketer pasted (agents.page_brief): its product "
        "facts, price, url, images and sources, under what the conversation says. Never shown to the LLM."))

    def missing(self) -> list[str]:
        """Names of the required fields not known yet, in asking order."""
        return [name for name in REQUIRED_FIELDS if not getattr(self, name)]

    def to_brief(self, default_duration_s: float) -> Brief:
        """The validated brief (call only when nothing is missing).

        Raises:
            agents.brief.BriefError: a value the marketer gave is not valid in a brief.
        """
        page = self.page or {}
        chosen: dict = {}
        if self.voice is not None:
            voice = VOICES.get(self.voice)
            if voice is None or voice.unavailable():
                raise BriefError("chat", [f"voice: {voice.unavailable() if voice else repr(self.voice) + ' is unknown'}"])
            chosen["voiceover"] = voice.voiceover()
        if self.music is not None:
            chosen["media"] = MusicChange(LibraryTrack(**self.music)).media_patch()
        return parse_brief({
            **{key: page[key] for key in ("sources",) if key in page},
            "brand": {**page.get("brand", {}), "name": self.brand_name},
            "product": {**page.get("product", {}), "name": self.product_name, "description": self.product_description,
                        **({"facts": self.facts} if self.facts else {}), **({"price": self.price} if self.price else {})},
            "audience": self.audience, "platforms": list(self.platforms),
            "duration_s": self.duration_s or default_duration_s, "variants": self.variants or 1,
            **({"aspect": self.aspect} if self.aspect else {}), **chosen,
        }, source="chat")

    def edited(self, messages: list[dict]) -> BriefDraft | None:
        """The draft with the brief card's changes when the latest message carries them (``"edit"``), else None."""
        latest = next((m for m in reversed(messages) if m["role"] == "user"), {})
        if "edit" not in latest:
            return None
        return BriefDraft.model_validate({**self.model_dump(), **latest["edit"]})


def _said(value: str, conversation: str, share: float = 1.0) -> bool:
    """True when (at least ``share`` of) the words of ``value`` appear in what the marketer wrote."""
    words = re.findall(r"[a-z0-9]+", value.lower())
    return bool(words) and sum(word in conversation for word in words) >= share * len(words)


def platforms_named(text: str) -> list[str]:
    """Brief platforms named in the text, in the brief's order."""
    lowered = f" {text.lower()} "
    found: set[str] = set()
    for words, platform in PLATFORM_WORDS.items():
        pattern = rf"\b{re.escape(words)}\b"
        if re.search(pattern, lowered):
            found.add(platform)
            lowered = re.sub(pattern, " ", lowered)
    return [p for p in PLATFORMS if p in found]


# Places marketers ask for that adloom makes no ad for: named back, never dropped in silence.
OTHER_PLATFORMS: dict[str, str] = {
    "snapchat": "Snapchat", "pinterest": "Pinterest", "threads": "Threads", "bluesky": "Bluesky",
    "twitch": "Twitch", "reddit": "Reddit", "vimeo": "Vimeo", "whatsapp": "WhatsApp", "telegram": "Telegram",
}


def unsupported_platforms_note(text: str) -> str | None:
    """A sentence naming the places in ``text`` adloom makes no ad for, with the ones it does; None if none."""
    named = [label for word, label in OTHER_PLATFORMS.items() if re.search(rf"\b{word}\b", text.lower())]
    if not named:
        return None
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return f"I cannot make ads for {listed}: adloom makes them for {', '.join(l.label for l in PLATFORM_LIMITS.values())}."


# Shapes in plain words, the brief's aspect each names.
SHAPE_WORDS: dict[str, Aspect] = {
    "9:16": "9:16", "vertical": "9:16", "portrait": "9:16", "1:1": "1:1", "square": "1:1",
    "4:5": "4:5", "16:9": "16:9", "landscape": "16:9", "widescreen": "16:9", "horizontal": "16:9",
}


def aspect_named(text: str) -> Aspect | None:
    """The ad's shape a message names ("in 16:9", "a square ad", "make it landscape"), or None.

    A ratio counts wherever it is; a word only beside "ad", "video", "format" or "in"/"make it",
    so "a square lamp base" names no shape.
    """
    lowered = text.lower()
    found = []
    for words, aspect in SHAPE_WORDS.items():
        word = re.escape(words)
        pattern = (rf"(?<![\w:]){word}(?![\w:])" if ":" in words else
                   rf"\b(?:{word}\s+(?:ads?|videos?|format|shape|version)|(?:in|as|make it|shape:?)\s+{word})\b")
        if re.search(pattern, lowered):
            found.append(aspect)
    return found[0] if len(set(found)) == 1 else None


_COUNTS = {"two": 2, "three": 3, "2": 2, "3": 3}


def variants_named(text: str) -> int | None:
    """How many versions of the ad to compare ("two versions", "3 variants"), or None."""
    match = re.search(rf"\b({'|'.join(_COUNTS)})\s+(?:different\s+)?(?:versions|variants|variations|takes)\b",
                      text.lower())
    return _COUNTS[match.group(1)] if match else None


def duration_named(text: str) -> float | None:
    match = re.search(r"\b(\d{1,3})\s*(?:-\s*)?(?:s|sec|secs|seconds?)\b", text.lower())
    return float(match.group(1)) if match and 5 <= int(match.group(1)) <= 180 else None


_NAME = r"([A-Z0-9][\w&'-]*(?:\s+[A-Z0-9][\w&'-]*)*)"  # Capitalised words: a name as written
_KEYWORD_PATTERNS: dict[str, tuple[str, ...]] = {
    "brand_name": (rf"\b(?:[Oo]ur brand is|[Bb]rand(?: name)? is|[Bb]rand:|[Ww]e are|[Ww]e're|[Cc]ompany is)\s+{_NAME}",),
    "product_name": (
        rf"\b(?:[Pp]roduct(?: name)? is|[Pp]roduct:|[Cc]alled|[Nn]amed)\s+(?:the\s+)?{_NAME}",
        rf"\b(?:[Ii]t is|[Ii]t's|[Tt]his is|[Mm]eet|[Ii]ntroducing|ad for|video for)\s+(?:the|our)\s+(?:new\s+)?{_NAME}",
        r"\bad for (?:our|my) (?:new )?([a-z][a-z0-9 -]{2,40}?)\s*(?:[.!?,]|$|\bon\b|\bto\b)",
    ),
    "product_description": (r"\b(?:is|,)\s+(an?\s+[^.!?]{8,160}?)(?:[.!?]|$)",),
    "audience": (
        r"\b(?:[Ii]t is for|[Ii]t's for|[Aa]imed at|[Tt]argeting|[Aa]udience is|[Aa]udience:)\s+([^.!?,]{3,100})",
        r"\bfor\s+((?:busy |young |new |weekend |first-time |[a-z]+ )?[a-z]+(?:ers|ists|ents|ople|ilies|ents|ids|en|omers))\b",
    ),
}


_PRICE = re.compile(r"(?:[$€£¥]\s?\d[\d,]*(?:\.\d{1,2})?|\d[\d,]*(?:\.\d{1,2})?\s?(?:USD|EUR|GBP|dollars|euros|pounds)\b)")
# "It keeps drinks cold for 24 hours, holds 750 ml and weighs 300 g": what the product does or has.
_FACT_SENTENCE = re.compile(r"^It\s+(?!is\b|'s\b|costs?\b|sells\b|retails\b)(.+)$")


def price_named(text: str) -> str | None:
    """A price as the marketer wrote it ("$34", "€89", "12 EUR")."""
    match = _PRICE.search(text)
    return match.group(0).strip() if match else None


def facts_named(text: str) -> list[str]:
    """What sentences like "It keeps drinks cold for 24 hours, holds 750 ml" state, one fact per clause."""
    found: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        match = _FACT_SENTENCE.match(sentence.strip().rstrip(".!?"))
        if not match:
            continue
        for clause in re.split(r",\s*(?:and\s+)?|\s+and\s+", match.group(1)):
            clause = clause.strip()
            if len(clause.split()) >= 2 and not _PRICE.search(clause):
                found.append(clause)
    return found[:8]


def fields_named(text: str) -> dict[str, str]:
    """Brief fields stated in common phrasings ("Our brand is X", "It is for Y"), read without a model."""
    found: dict[str, str] = {}
    for name, patterns in _KEYWORD_PATTERNS.items():
        for pattern in patterns:
            match = re.search(pattern, text)
            if match:
                found[name] = match.group(1).strip()
                break
    return found


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0].rstrip(".!? ")


def read_turn(messages: list[dict], draft: BriefDraft, llm: AgentLLM) -> BriefDraft:
    """The draft updated with what the marketer's messages say.

    Args:
        messages: the conversation so far, ``{"role", "content"}`` dicts, oldest first.
        draft: what was known before this turn.
        llm: fills :class:`ChatTurn` (schema-constrained).
    """
    conversation = "\n".join(f"{m['role']}: {m['content']}" for m in messages[-8:])
    turn = llm.structured(
        [{"role": "user", "content": load_prompt(
            "chat_planner", platforms=", ".join(PLATFORMS), known=draft.model_dump_json(exclude_none=True, exclude={"page", "music"}),
            conversation=conversation,
        )}],
        ChatTurn, seed=0, max_tokens=320, temperature=0.0,
    ) or ChatTurn()
    return merge_turn(draft, turn, messages)[0]


def merge_turn(draft: BriefDraft, turn: BriefFacts, messages: list[dict]) -> tuple[BriefDraft, list[str]]:
    """The draft updated with the values of ``turn`` that the marketer really said.

    A name must be the marketer's own words; a description or audience may be rephrased
    (60% of its words said). Platforms and lengths named in the latest message, and
    explicit "our brand is X" phrasings, are read by keyword as well.

    Returns:
        the new draft, and one line per value of ``turn`` that was not kept, saying why.
    """
    said_by_marketer = " ".join(m["content"] for m in messages if m["role"] == "user").lower()
    latest = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    update: dict = {}
    refused: list[str] = []
    stated = fields_named(latest)
    for name in ("brand_name", "product_name", "product_description", "audience"):
        value = getattr(turn, name)
        if name == "product_description" and value:
            value = _first_sentence(value)
        share = 1.0 if name.endswith("_name") else 0.6
        if value and _said(value, said_by_marketer, share):
            update[name] = value.strip()
        elif name in stated:  # an explicit "our brand is X" in the latest message wins over an older value
            update[name] = stated[name]
        elif value:
            refused.append(f"{name}: {value!r} is not what the marketer said; ask them instead of guessing")
    named = platforms_named(latest)
    offered = [p for p in (turn.platforms or []) if _said(p.replace("_", " "), said_by_marketer)]
    refused += [f"platforms: {p!r} was not named by the marketer" for p in (turn.platforms or []) if p not in offered]
    if named or offered:
        update["platforms"] = named or offered
    duration = duration_named(latest) or turn.duration_s
    if duration:
        update["duration_s"] = duration
    variants = variants_named(latest)
    if variants:
        update["variants"] = variants
    aspect = aspect_named(latest)
    if aspect:
        update["aspect"] = aspect
    voice = voice_named(latest) if re.search(r"\bvoice", latest.lower()) else None
    if voice is not None:
        update["voice"] = voice.id
    # A price and facts are kept in the marketer's own words: the copy may state nothing else.
    said_exactly = " ".join(m["content"] for m in messages if m["role"] == "user")
    price = turn.price if turn.price and turn.price.strip() in said_exactly else price_named(latest)
    if turn.price and turn.price.strip() not in said_exactly:
        refused.append(f"price: {turn.price!r} is not what the marketer wrote")
    if price:
        update["price"] = price
    facts = list(draft.facts)
    for fact in [*(turn.facts or []), *facts_named(latest)]:
        if not _said(fact, said_by_marketer, 0.9):
            refused.append(f"facts: {fact!r} is not what the marketer said")
        elif fact.lower() not in (known.lower() for known in facts):
            facts.append(fact.strip())
    if facts != draft.facts:
        update["facts"] = facts[:8]
    return draft.model_copy(update=update), refused


def ask_for_missing(draft: BriefDraft) -> str:
    """The assistant's question naming everything still missing."""
    missing = [REQUIRED_FIELDS[name] for name in draft.missing()]
    listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
    known = [f"{name.replace('_', ' ')}: {value if not isinstance(value, list) else ', '.join(value)}"
             for name, value in draft.model_dump(exclude_none=True, exclude={"page", "music"}).items() if value]
    examples = f"So far I have {'; '.join(known)}." if known else ""
    return load_prompt("chat_ask_missing", missing=listed, examples=examples).strip()
