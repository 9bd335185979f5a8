"""Copy may only state facts that the brief states.

Two kinds of statements are checked against the brief's own text (product name,
description, facts, price, brand name, audience):

- every number, price or percentage in the copy must appear in the brief;
- every *claim phrase* (superlatives, awards, certifications, guarantees, rankings) must
  appear in the brief.

This is deliberately conservative: a rejected candidate is regenerated, and a copy line
that only paraphrases the brief always passes.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"(?<![\w.])[$€£¥]?\d+(?:[.,]\d+)*(?:\s?(?:%|percent))?")
CLAIM_PHRASES: tuple[str, ...] = (
    "#1", "no. 1", "number one", "best-selling", "bestselling", "best in class", "world's best",
    "award-winning", "award winning", "clinically proven", "scientifically proven", "proven to",
    "guaranteed", "guarantee", "certified", "patented", "fda approved", "fda-approved",
    "doctor recommended", "dermatologist", "organic", "vegan", "gluten-free", "sugar-free",
    "fastest", "cheapest", "strongest", "healthiest", "world's first", "only one", "100%",
    "free shipping", "money-back", "risk-free", "cures", "prevents",
)


def _normalise_number(token: str) -> str:
    return re.sub(r"[^\d.%]", "", token.replace(",", "").replace("percent", "%")).rstrip(".")


def brief_fact_text(brief: dict) -> str:
    """All text in the brief that copy may draw facts from, lower-cased."""
    product = brief.get("product", {})
    parts = [
        product.get("name", ""), product.get("description", ""), product.get("price") or "",
        " ".join(product.get("facts", [])), brief.get("brand", {}).get("name", ""),
        brief.get("audience", ""),
    ]
    return " ".join(parts).lower()


def unsupported_claims(text: str, brief: dict) -> list[str]:
    """The numbers and claim phrases in ``text`` that the brief does not contain."""
    source = brief_fact_text(brief)
    source_numbers = {_normalise_number(match) for match in _NUMBER.findall(source)}
    problems: list[str] = []
    for match in _NUMBER.findall(text):
        number = _normalise_number(match)
        if number and number not in source_numbers and number.rstrip("%") not in source_numbers:
            problems.append(f"the number {match.strip()!r} is not in the brief")
    lowered = text.lower()
    for phrase in CLAIM_PHRASES:
        if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", lowered) and phrase not in source:
            problems.append(f"the claim {phrase!r} is not in the brief")
    return problems
