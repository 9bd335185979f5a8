"""The voices a marketer picks from: each packaged voice by name, with what it sounds like.

Only voices that run offline from the installed packages are listed (see ../shared/MODELS.md):
Piper's "joe" and Hibari's "heart". A brief names its voice as a ``voiceover`` backend and
voice.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from typing import Literal

Gender = Literal["male", "female"]


@dataclass(frozen=True)
class VoiceChoice:
    id: str
    name: str
    description: str  # what it sounds like, in the marketer's words
    gender: Gender
    backend: Literal["piper", "hibari"]
    voice: str  # the backend's name for it
    licence: str
    package: str  # the module its speech engine needs
    extra: str  # how to install it where it is missing

    def voiceover(self) -> dict[str, str]:
        """The brief's ``voiceover`` fields that choose this voice."""
        return {"backend": self.backend, "voice": self.voice}

    @property
    def installed(self) -> bool:
        return importlib.util.find_spec(self.package) is not None

    def unavailable(self) -> str | None:
        """Why this voice cannot speak here, in words; None when it can."""
        if self.installed:
            return None
        return f"The {self.gender} voice {self.name} is not installed here: {self.extra}."


VOICES: dict[str, VoiceChoice] = {
    "heart": VoiceChoice("heart", "Heart", "female, American English, warm and bright", "female", "hibari", "heart",
                         "Apache-2.0", "hibari", "pip install hibari-tts==0.2.1"),
    "joe": VoiceChoice("joe", "Joe", "male, American English, calm and clear", "male", "piper", "joe",
                       "voice MIT, speech engine piper-tts GPL-3.0-or-later", "piper",
                       "it is an opt-in because piper-tts is GPL-3.0: pip install 'adloom[piper]'"),
}
VOICE_BY_GENDER: dict[Gender, VoiceChoice] = {voice.gender: voice for voice in VOICES.values()}
PREVIEW_LINE = "Hello! This is how your ad's voiceover will sound."



def voice_named(text: str) -> VoiceChoice | None:
    """The listed voice a request names ("use Heart's voice") or describes ("a female voice")."""
    text = text.lower()
    if re.search(r"\bvoice", text):
        named = [voice for voice in VOICES.values() if re.search(rf"\b{voice.id}\b", text)]
        if len(named) == 1:
            return named[0]
    if re.search(r"\b(male|man|men's|masculine|deeper)\b", text) and "female" not in text:
        return VOICE_BY_GENDER["male"]
    if re.search(r"\b(female|woman|women's|feminine)\b", text):
        return VOICE_BY_GENDER["female"]
    return None
