"""The reviewed copy pattern library: ad copy filled from the brief's own words.

Patterns live in ``grounding_data/copy_patterns.yaml``. Filling one only moves the
brief's words around (a fact becomes a sentence, or is joined to the product's name), so
a filled pattern adds no claim; the copywriter still grounds every result. The same file
says which call to action fits which kind of product, and hashtags are built here from
the brand, the product and its category words, never invented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Formatter

import yaml

from adloom.agents.brief import Brief

_HASHTAG = re.compile(r"^#[A-Za-z][A-Za-z0-9_]{1,29}$")
# Third-person verbs a fact may start with ("keeps drinks cold ..."): the fact then follows
# the product's name as its predicate. Anything else is joined with a comma or a colon.
_VERBS = frozenset(
    "keeps holds makes lets helps gives fits charges cleans brews tracks works runs comes ships includes offers "
    "delivers turns blocks folds packs pairs connects syncs stores cooks lasts fills seals locks brings teaches "
    "covers protects supports handles plays reads sends shows sorts wakes warms cools dries washes grinds "
    "steeps pours mixes adapts adjusts uses needs takes".split()
)
_PARTICIPLES = frozenset("made built brewed grown sewn woven cut printed designed crafted roasted baked sold".split())


def is_verb_form(word: str) -> bool:
    """Whether a word is a verb that needs what follows it ("keeps", "sold", "steeped", "charging")."""
    word = re.sub(r"\W", "", word.lower())
    return word in _VERBS or word in _PARTICIPLES or (len(word) > 4 and word.endswith(("ed", "ing")))


@cache
def library() -> dict:
    """The parsed pattern file."""
    return yaml.safe_load(resources.files("adloom.agents").joinpath("grounding_data", "copy_patterns.yaml").read_text("utf-8"))


def sentence_case(text: str) -> str:
    """The text as the start of a sentence (first letter upper-cased, the rest as written)."""
    text = text.strip()
    return text[:1].upper() + text[1:]


def mid_sentence(text: str) -> str:
    """``text`` as it reads inside a sentence: a capitalised first word ("Holds 0.9 litres", as
    product pages write list items) lower-cased; names and acronyms ("USB-C", "iPhone") kept."""
    first = text.split()[0] if text.split() else ""
    if first[:1].isupper() and first[1:].islower() and first.isalpha():
        return text[:1].lower() + text[1:]
    return text


def claim_clause(product: str, fact: str) -> str:
    """A fact joined to the product's name without adding anything to it."""
    first = fact.split()[0].lower() if fact.split() else ""
    if first in _VERBS:
        return f"{product} {mid_sentence(fact)}"
    if first.endswith("ed") or first in _PARTICIPLES:
        return f"{product}, {mid_sentence(fact)}"
    return f"{product}: {fact}"


def product_kind(brief: Brief) -> str:
    """Which kind of product the brief describes (app, booking, signup, goods)."""
    product = brief.product
    text = " ".join([product.name, product.description, *product.facts]).lower()
    found = set(re.findall(r"[a-z][a-z0-9-]*", text))
    kinds = library()["kinds"]
    hits = {kind: sum(word in entry["keywords"] for word in found) for kind, entry in kinds.items()}
    best = max(kinds, key=lambda kind: hits[kind])  # max keeps the first of equals
    return best if hits[best] else "goods"


def calls_to_action(brief: Brief) -> list[str]:
    """The calls to action that fit the product: the brief's own first, then its kind's."""
    own = [brief.product.cta] if brief.product.cta else []
    return own + list(library()["kinds"][product_kind(brief)]["ctas"])


def cta_problems(cta: str, brief: Brief) -> list[str]:
    """Whether a CTA fits the product's kind (a meal kit is not downloaded, an app is not shopped)."""
    if brief.product.cta and cta.strip().lower() == brief.product.cta.strip().lower():
        return []
    kind = product_kind(brief)
    verbs = library()["kinds"][kind]["verbs"]
    first = (re.findall(r"[a-z]+", cta.lower()) or [""])[0]
    if first not in verbs:
        return [f"the call to action {cta!r} does not fit a {kind} product; start it with one of: {', '.join(verbs)}"]
    return []


def _camel(text: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", text))


def hashtags(brief: Brief, limit: int) -> list[str]:
    """Hashtags from the brand, the product and the product's category words."""
    brand, name = brief.brand.name, brief.product.name
    brand_words = {w.lower() for w in re.findall(r"[A-Za-z0-9]+", brand)}
    category = " ".join(w for w in re.findall(r"[A-Za-z0-9]+", name) if w.lower() not in brand_words)
    tags = [f"#{_camel(text)}" for text in (brand, name, category) if text]
    return [tag for tag in dict.fromkeys(tags) if _HASHTAG.match(tag)][:limit]


@dataclass(frozen=True)
class Slots:
    """The values a pattern may use, all taken from the brief."""

    values: dict[str, str]

    @classmethod
    def from_brief(cls, brief: Brief, facts: list[str], cta: str) -> Slots:
        product = brief.product
        values = {"product": product.name, "brand": brief.brand.name, "cta": cta}
        if product.price:
            values["price"] = product.price
        if brief.audience and brief.audience != "general audience":
            values["audience"] = brief.audience
        for number, fact in enumerate(facts[:3], start=1):
            suffix = "" if number == 1 else str(number)
            fact = fact.strip().rstrip(".")
            values[f"fact{suffix}"] = fact
            values[f"Fact{suffix}"] = sentence_case(fact)
        if facts:
            values["claim"] = claim_clause(product.name, facts[0].strip().rstrip("."))
        return cls(values)

    def fill(self, pattern: str) -> str | None:
        """The pattern filled, or None when the brief lacks one of its slots."""
        needed = {name for _, name, _, _ in Formatter().parse(pattern) if name}
        if not needed <= self.values.keys():
            return None
        return sentence_case(pattern.format(**self.values))


def fill_all(patterns: list[str], slots: Slots) -> list[str]:
    """Every pattern the brief can fill, in order, without repeats."""
    return list(dict.fromkeys(text for text in (slots.fill(p) for p in patterns) if text))


def rotated(facts: list[str], start: int) -> list[str]:
    """The facts starting from ``start`` (so each platform and scene leads with another fact)."""
    if not facts:
        return []
    start %= len(facts)
    return facts[start:] + facts[:start]
