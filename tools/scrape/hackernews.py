"""The Hacker News front page HTML: stories with rank, points and comments.

Handles the current ``titleline`` layout and the older ``storylink`` one. Job posts have
no score line; they get zero points and comments.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from bs4 import BeautifulSoup

from adloom.tools.scrape.items import ParsedEntry, ParseError

_NUMBER = re.compile(r"(\d+)")


def _count(text: str | None) -> float:
    match = _NUMBER.search(text or "")
    return float(match.group(1)) if match else 0.0


def parse_hackernews(body: bytes, url: str) -> list[ParsedEntry]:
    """Stories of a Hacker News listing page, in page order.

    Raises:
        ParseError: the page has no story rows.
    """
    soup = BeautifulSoup(body, "html.parser")
    rows = soup.select("tr.athing")
    if not rows:
        raise ParseError("no Hacker News story rows (tr.athing) in the page")
    entries = []
    for row in rows:
        link = row.select_one("span.titleline > a") or row.select_one("a.storylink")
        if link is None:
            continue
        subtext = row.find_next_sibling("tr")
        score = subtext.select_one("span.score") if subtext else None
        comments = 0.0
        if subtext is not None:
            for anchor in subtext.find_all("a"):
                text = anchor.get_text(" ", strip=True).replace("\xa0", " ")
                if "comment" in text:
                    comments = _count(text)
        rank = row.select_one("span.rank")
        entries.append(ParsedEntry(
            url=urljoin(url, link.get("href", "")),
            title=link.get_text(strip=True),
            engagement={"points": _count(score.get_text() if score else None), "comments": comments,
                        "rank": _count(rank.get_text() if rank else None)},
            data={"hn_id": row.get("id")},
        ))
    return entries
