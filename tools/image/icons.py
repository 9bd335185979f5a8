"""Icons from Font Awesome Free, chosen by what a scene says.

The icons are the solid glyphs of Font Awesome Free 6 (package ``fontawesomefree``;
icons CC BY 4.0, font SIL OFL 1.1: :data:`ATTRIBUTION` goes into the manifest's licences).
An icon only ever illustrates a word the scene's own text (or the product's name and
description) says: "five warmth settings" may get a sun, "no added sugar" gets nothing,
so a picture never claims more than the words.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw

from tools.image.text_fit import font_at

ATTRIBUTION = "Icons: Font Awesome Free 6.6.0 by Fonticons, Inc. (https://fontawesome.com), CC BY 4.0"

ICON_WORDS: dict[str, tuple[str, ...]] = {
    "lightbulb": ("lamp", "lamps", "light", "lighting", "led", "bulb", "bright", "brightness", "glow"),
    "sun": ("warm", "warmth", "sunny", "daylight", "sun", "summer"),
    "moon": ("night", "nights", "evening", "evenings", "sleep", "bedtime"),
    "snowflake": ("cold", "iced", "ice", "chilled", "frozen", "cool", "winter"),
    "mug-hot": ("coffee", "brew", "espresso", "latte", "tea", "sencha", "cup", "mug", "cocoa"),
    "leaf": ("leaf", "loose-leaf", "leaves", "plant", "plants", "botanical", "herbal"),
    "seedling": ("grow", "growing", "seed", "seeds", "garden", "sprout"),
    "recycle": ("recyclable", "recycled", "recycle", "reusable", "refillable", "refill"),
    "bolt": ("fast", "quick", "quickly", "instant", "energy", "power", "powerful"),
    "battery-full": ("battery", "batteries", "charging", "rechargeable", "charge"),
    "plug": ("usb", "usb-c", "plug", "cable", "port"),
    "clock": ("hours", "hour", "minutes", "minute", "time", "all-day"),
    "droplet": ("water", "drink", "drinks", "hydrate", "hydration", "waterproof"),
    "bottle-water": ("bottle", "bottles"),
    "rocket": ("rocket", "rockets", "launch", "space"),
    "child": ("kids", "kid", "children", "child"),
    "puzzle-piece": ("pieces", "piece", "build", "building", "kit", "assemble", "puzzle"),
    "tree": ("oak", "wood", "wooden", "walnut", "timber", "forest", "tree", "trees", "bamboo"),
    "sliders": ("settings", "adjustable", "adjust", "dimmer", "modes", "levels"),
    "tag": ("price", "sale", "deal", "offer", "discount"),
    "truck-fast": ("shipping", "delivery", "delivered", "ships"),
    "gift": ("gift", "gifts", "present"),
    "shield-halved": ("protect", "protection", "protects", "safety", "secure", "warranty"),
    "shirt": ("shirt", "shirts", "tee", "t-shirt", "apparel", "cotton", "hoodie"),
    "shoe-prints": ("shoe", "shoes", "sneaker", "sneakers", "running", "walking", "steps"),
    "dumbbell": ("workout", "workouts", "gym", "training", "fitness", "strength"),
    "bicycle": ("bike", "bikes", "bicycle", "cycling"),
    "book-open": ("read", "reading", "book", "books", "study", "learn", "learning", "lessons", "lesson"),
    "laptop": ("laptop", "computer", "desk", "office", "remote"),
    "house": ("home", "house", "homes"),
    "music": ("music", "song", "songs", "playlist"),
    "headphones": ("headphones", "earbuds", "listen", "listening", "audio"),
    "camera": ("camera", "cameras", "photo", "photos"),
    "mobile-screen": ("app", "phone", "phones", "mobile"),
    "paw": ("dog", "dogs", "cat", "cats", "pet", "pets", "puppy"),
    "utensils": ("meal", "meals", "food", "dinner", "lunch", "breakfast", "kitchen", "recipe", "recipes"),
    "plane": ("travel", "trip", "trips", "flight", "flights"),
    "suitcase": ("luggage", "suitcase", "carry-on"),
    "spa": ("calm", "relax", "relaxing", "wellness", "spa", "gentle"),
    "temperature-half": ("degrees", "temperature"),
    "box": ("box", "boxes", "tin", "tins", "can", "cans", "pack", "packs", "subscription"),
    "palette": ("colour", "colours", "color", "colors"),
    "map-location-dot": ("grown", "origin", "single-origin", "sourced", "local"),
}
"""Icon name to the words it illustrates (lower case, as written)."""

_NEGATORS = frozenset({"no", "not", "without", "zero", "never", "free", "less", "non"})
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
_PACKAGE = "fontawesomefree"
_FONT = "static/fontawesomefree/webfonts/fa-solid-900.ttf"
_CSS = "static/fontawesomefree/css/fontawesome.css"
_GLYPH = re.compile(r'\.fa-([a-z0-9-]+)::before \{\s*content: "\\([0-9a-f]+)"; \}')


class IconError(ValueError):
    """An icon name the packaged icon set does not have."""


def _package_file(relative: str) -> Path:
    return Path(str(resources.files(_PACKAGE).joinpath(relative)))


@cache
def glyphs() -> dict[str, str]:
    """Icon name to its character in the solid font, read from the package's stylesheet."""
    css = _package_file(_CSS).read_text("utf-8")
    return {name: chr(int(code, 16)) for name, code in _GLYPH.findall(css)}


def font_path() -> Path:
    return _package_file(_FONT)


def check_icon(name: str) -> str:
    """``name`` when the icon set has it, else :class:`IconError` naming the choices."""
    if name not in ICON_WORDS or name not in glyphs():
        raise IconError(f"unknown icon {name!r}; choose one of: {', '.join(sorted(ICON_WORDS))}")
    return name


def icons_for(text: str) -> list[str]:
    """The icons ``text`` calls for, in the order of the words that call them. A word just
    after "no", "without" or another negator calls none ("no added sugar")."""
    tokens = _WORD.findall(text.lower())
    found: list[str] = []
    for index, token in enumerate(tokens):
        if _NEGATORS & set(tokens[max(0, index - 2):index]) or token.endswith("-free"):
            continue
        for icon, words in ICON_WORDS.items():
            if token in words and icon not in found:
                found.append(icon)
    return found


def choose_icon(texts: list[str], *, avoid: set[str] = frozenset()) -> str | None:  # type: ignore[assignment]
    """The first icon the texts call for (in order) that is not in ``avoid``; None when
    no word of theirs has one."""
    for text in texts:
        for icon in icons_for(text):
            if icon not in avoid:
                return icon
    return None


def draw_icon(image: Image.Image, name: str, center: tuple[int, int], size: int, color: tuple[int, int, int]) -> None:
    """Paint icon ``name`` ``size`` px tall, centred on ``center``."""
    font = font_at(str(font_path()), size)
    glyph = glyphs()[check_icon(name)]
    ImageDraw.Draw(image).text(center, glyph, font=font, fill=color, anchor="mm")
