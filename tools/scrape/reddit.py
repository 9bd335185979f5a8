"""Reddit listing JSON (``/hot.json``, ``/r/<sub>/top.json``): posts with score and comments."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from urllib.parse import urljoin

from adloom.tools.scrape.items import ParsedEntry, ParseError

REDDIT_BASE = "https://www.reddit.com"


def parse_reddit_listing(body: bytes, url: str) -> list[ParsedEntry]:
    """Every ``t3`` (link post) of a Listing.

    Raises:
        ParseError: not JSON, or not a Listing.
    """
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"Reddit listing is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("kind") != "Listing":
        raise ParseError("JSON is not a Reddit Listing (kind != 'Listing')")
    children = (document.get("data") or {}).get("children")
    if not isinstance(children, list):
        raise ParseError("Reddit Listing has no data.children list")
    entries = []
    for child in children:
        if not isinstance(child, dict) or child.get("kind") != "t3":
            continue
        post = child.get("data") or {}
        title = post.get("title")
        if not title:
            continue
        created = post.get("created_utc")
        entries.append(ParsedEntry(
            url=urljoin(REDDIT_BASE, post.get("permalink") or post.get("url") or ""),
            title=title,
            summary=(post.get("selftext") or "")[:2000],
            published_at=datetime.fromtimestamp(float(created), tz=timezone.utc) if created else None,
            engagement={"points": float(post.get("score") or 0), "comments": float(post.get("num_comments") or 0)},
            data={"subreddit": post.get("subreddit"), "link": post.get("url"), "over_18": bool(post.get("over_18"))},
        ))
    return entries
