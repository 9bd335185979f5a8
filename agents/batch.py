"""Several products in one request: a list in the message, each item its own ad, made one after another.

"Make TikTok ads for these, our brand is Stride, for weekend runners:" followed by a list
("- Runner One, a light running shoe. It costs $89." / "2. Trail Two, ...") is a batch: the
lines before the list hold what every item shares, each item adds its own product. Each
item is read as its own message (the words it rests on are the header's and its own).
"""

from __future__ import annotations

import re

MAX_ITEMS = 5
_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+(?P<text>\S.*)$")


def batch_items(text: str) -> tuple[str, list[str]] | None:
    """The shared words and the items of a message that lists two or more; None for a plain message.

    A line that follows an item without a marker of its own continues that item.
    """
    header: list[str] = []
    items: list[str] = []
    for line in text.splitlines():
        match = _ITEM.match(line)
        if match:
            items.append(match.group("text").strip())
        elif items and line.strip():
            items[-1] += " " + line.strip()
        elif not items:
            header.append(line.strip())
    if len(items) < 2:
        return None
    return " ".join(part for part in header if part), items


def item_message(header: str, item: str) -> str:
    """One item as the message it stands for: the shared words, then its own."""
    header = header.rstrip(":").strip()
    return f"{header}. {item}" if header else item
