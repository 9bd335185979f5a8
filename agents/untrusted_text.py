"""Fencing untrusted text (scraped trends) before it goes into a prompt.

Scraped text may say anything, including "ignore previous instructions". It reaches a
prompt only through :func:`render_trend_block`: cleaned, capped, with anything that could
close the data block removed, and inside the delimiters of ``prompts/trend_block.md``.
What the text says can never change what the agents do with the answer: plan structure
(variants, platforms, scenes, durations) and which tools run are decided by code.
"""

from __future__ import annotations

import re
import unicodedata

from adloom.tools.llm.prompts import load_prompt

MAX_UNTRUSTED_CHARS = 1000
# The block's own delimiters and look-alikes: runs of angle brackets (ASCII, full-width,
# guillemets) would let the text pretend the block ended.
_DELIMITER_LIKE = re.compile(r"[<>\uFF1C\uFF1E\u2039\u203A\u00AB\u00BB\u3008\u3009\u300A\u300B]{2,}")
_FENCE_WORDS = re.compile(r"\b(?:END\s+)?TREND\s+DATA\b", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


def clean_untrusted(text: str, max_chars: int = MAX_UNTRUSTED_CHARS) -> str:
    """One line of plain text: no control or format characters, no delimiter look-alikes, capped.

    Args:
        text: untrusted text from anywhere outside the project.
        max_chars: the cap; longer text is cut and ends with an ellipsis.
    """
    normalized = unicodedata.normalize("NFKC", text)
    # Cc/Cf: control and invisible format characters (bidi overrides, zero-width joiners).
    visible = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in normalized)
    visible = _DELIMITER_LIKE.sub(" ", visible)
    visible = _FENCE_WORDS.sub("trend data", visible)
    visible = _WHITESPACE.sub(" ", visible).strip()
    if len(visible) > max_chars:
        visible = visible[: max_chars - 1].rstrip() + "…"
    return visible


def render_trend_block(trend: str | None, max_chars: int = MAX_UNTRUSTED_CHARS) -> str:
    """The fenced trend block for a prompt, or an empty string when there is no trend."""
    if not trend:
        return ""
    cleaned = clean_untrusted(trend, max_chars)
    return load_prompt("trend_block", trend=cleaned) if cleaned else ""
