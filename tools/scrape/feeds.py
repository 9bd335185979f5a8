"""RSS 0.9x/1.0/2.0 and Atom (feedparser) and JSON Feed (its own small format) parsing."""

from __future__ import annotations

import calendar
import hashlib
import json
import xml.sax
from datetime import datetime, timezone
from urllib.parse import urljoin

import feedparser

from adloom.tools.scrape.items import ParsedEntry, ParseError

MAX_SUMMARY_CHARS = 2000


def _struct_time_to_utc(value) -> datetime | None:
    if not value:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)


def _parse_iso(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def looks_like_json(body: bytes) -> bool:
    return body.lstrip()[:1] in (b"{", b"[")


def parse_json_feed(body: bytes, url: str) -> list[ParsedEntry]:
    """Items of a JSON Feed (https://jsonfeed.org) document."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"not valid JSON: {exc}") from None
    if not isinstance(document, dict) or "jsonfeed.org" not in str(document.get("version", "")):
        raise ParseError("JSON document is not a JSON Feed (no https://jsonfeed.org version)")
    items = document.get("items")
    if not isinstance(items, list):
        raise ParseError("JSON Feed has no 'items' list")
    entries = []
    for item in items:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url") or item.get("id")
        # Titles are optional in JSON Feed; the text stands in (tags are cleaned later).
        title = item.get("title") or item.get("summary") or item.get("content_text") or item.get("content_html") or ""
        if not link or not title:
            continue
        entries.append(ParsedEntry(
            url=urljoin(url, str(link)), title=str(title),
            summary=str(item.get("summary") or item.get("content_text") or "")[:MAX_SUMMARY_CHARS],
            published_at=_parse_iso(item.get("date_published")),
            data={"tags": [str(tag) for tag in item.get("tags", []) if isinstance(tag, str)]},
        ))
    return entries


def parse_feed(body: bytes, url: str) -> list[ParsedEntry]:
    """Items of an RSS, Atom or JSON feed.

    Raises:
        ParseError: the body is not a feed, or is so malformed that no item survives.
    """
    if looks_like_json(body):
        return parse_json_feed(body, url)
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    # A body that is not well-formed XML (truncated, cut mid-item) is refused whole even if
    # feedparser's loose parser salvages some items: a half-read feed is not stored.
    # Milder problems feedparser flags (a wrong declared encoding) are accepted.
    if isinstance(parsed.get("bozo_exception"), xml.sax.SAXParseException):
        raise ParseError(f"not well-formed XML: {parsed.bozo_exception}")
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):  # an empty body has no version
        reason = parsed.get("bozo_exception") or "no RSS, Atom or JSON Feed document found"
        raise ParseError(f"not a readable feed: {reason}")
    entries = []
    for entry in parsed.entries:
        title = entry.get("title") or ""
        if not title:
            continue
        # An item without a link or id still needs a stable key: the feed URL plus its title.
        link = entry.get("link") or entry.get("id") or f"#item-{hashlib.sha1(title.encode()).hexdigest()[:12]}"
        entries.append(ParsedEntry(
            url=urljoin(url, link), title=title,
            summary=(entry.get("summary") or "")[:MAX_SUMMARY_CHARS],
            published_at=_struct_time_to_utc(entry.get("published_parsed") or entry.get("updated_parsed")),
            engagement=_feed_engagement(entry),
            data={"tags": [tag.get("term") for tag in entry.get("tags", []) if tag.get("term")]},
        ))
    return entries


def _feed_engagement(entry) -> dict[str, float]:
    """Comment counts some feeds carry (slash:comments, thr:total)."""
    for key in ("slash_comments", "thr_total"):
        value = entry.get(key)
        if value is not None:
            try:
                return {"comments": float(value)}
            except (TypeError, ValueError):
                return {}
    return {}
