"""Which icon a scene gets: the one for a word its own text says.

An icon only ever illustrates a word the scene's text (or the product's name and
description) says: "five warmth settings" may get a sun, "no added sugar" gets nothing,
so a picture never claims more than the words. The icons are drawn by
:mod:`adloom.tools.image.icons` (Font Awesome Free, credited in the manifest).
"""

from __future__ import annotations

from collections.abc import Collection

from adloom.agents.grounding import NEGATORS, word_forms, words

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


def icons_for(text: str) -> list[str]:
    """The icons ``text`` calls for, in the order of the words that call them. A word just
    after "no", "without" or another negator calls none ("no added sugar", "sugar-free")."""
    tokens = words(text)
    found: list[str] = []
    for index, token in enumerate(tokens):
        if NEGATORS & set(tokens[max(0, index - 2):index]) or token.endswith("-free"):
            continue
        forms = word_forms(token)
        for icon, called_by in ICON_WORDS.items():
            if forms & set(called_by) and icon not in found:
                found.append(icon)
    return found


def choose_icon(texts: list[str], *, avoid: Collection[str] = ()) -> str | None:
    """The first icon the texts call for (in order) that is not in ``avoid``; None when
    no word of theirs has one."""
    for text in texts:
        for icon in icons_for(text):
            if icon not in avoid:
                return icon
    return None
