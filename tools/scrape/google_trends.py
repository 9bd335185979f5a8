"""Google Trends responses: trending searches, realtime trends, and daily trends (RSS or JSON).

Google prefixes its JSON APIs with an anti-XSSI line (``)]}'``); it is stripped before
parsing. Which response a body is, is told from its shape, so one source kind covers
every endpoint.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, quote_plus, urlparse

import feedparser

from adloom.tools.scrape.feeds import _struct_time_to_utc
from adloom.tools.scrape.items import ParsedEntry, ParseError

XSSI_PREFIX = ")]}'"
DEFAULT_REGION = "united_states"
_DIGITS = re.compile(r"[^\d]")


def approximate_traffic(text: object) -> float | None:
    """``"200,000+"`` → 200000.0; ``"2M+"`` → 2000000.0; None when there is no number."""
    if text is None:
        return None
    value = str(text).strip().upper()
    multiplier = 1.0
    if value.rstrip("+").endswith("K"):
        multiplier = 1e3
    elif value.rstrip("+").endswith("M"):
        multiplier = 1e6
    digits = _DIGITS.sub("", value)
    return float(digits) * multiplier if digits else None


def _search_url(term: str) -> str:
    return f"https://trends.google.com/trends/explore?q={quote_plus(term)}"


def parse_google_trends(body: bytes, url: str) -> list[ParsedEntry]:
    """Trending terms or stories from any of the supported Google Trends responses.

    Raises:
        ParseError: the body is none of them.
    """
    stripped = body.lstrip()
    if stripped.startswith(XSSI_PREFIX.encode()):
        stripped = stripped[len(XSSI_PREFIX):].lstrip(b",\r\n ")
    if stripped[:1] in (b"{", b"["):
        try:
            document = json.loads(stripped)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ParseError(f"Google Trends response is not valid JSON: {exc}") from None
        return _parse_json_response(document, url)
    return parse_daily_trends_rss(body, url)


def _parse_json_response(document: object, url: str) -> list[ParsedEntry]:
    if isinstance(document, dict) and "storySummaries" in document:
        return parse_realtime_trends(document)
    if isinstance(document, dict) and "default" in document:
        return parse_daily_trends_json(document)
    if isinstance(document, dict) and document and all(isinstance(v, list) for v in document.values()):
        return parse_trending_searches(document, url)
    raise ParseError("JSON is not a Google Trends trending-searches, realtime or daily-trends response")


def parse_trending_searches(document: dict, url: str) -> list[ParsedEntry]:
    """The hottrends ``{region: [term, ...]}`` response; the region is the URL's ``pn`` (pytrends' name)."""
    region = parse_qs(urlparse(url).query).get("pn", [DEFAULT_REGION])[0]
    if region not in document:
        raise ParseError(f"no trending searches for region {region!r}; regions: {', '.join(sorted(document))[:300]}")
    terms = [term for term in document[region] if isinstance(term, str) and term.strip()]
    return [
        ParsedEntry(url=_search_url(term), title=term, engagement={"rank": float(rank)}, data={"region": region})
        for rank, term in enumerate(terms, start=1)
    ]


def parse_realtime_trends(document: dict) -> list[ParsedEntry]:
    """Stories of the realtimetrends response, each with its entity names and articles."""
    stories = (document.get("storySummaries") or {}).get("trendingStories")
    if not isinstance(stories, list):
        raise ParseError("realtime trends response has no storySummaries.trendingStories list")
    entries = []
    for rank, story in enumerate(stories, start=1):
        title = story.get("title") or ", ".join(story.get("entityNames", []))
        if not title:
            continue
        articles = [a for a in story.get("articles", []) if isinstance(a, dict)]
        summary = " ".join(a.get("articleTitle", "") for a in articles[:3]).strip()
        entries.append(ParsedEntry(
            url=story.get("shareUrl") or _search_url(title), title=title, summary=summary,
            engagement={"rank": float(rank), "articles": float(len(articles))},
            data={"entities": list(story.get("entityNames", [])), "article_urls": [a.get("url") for a in articles[:5]]},
        ))
    return entries


def parse_daily_trends_json(document: dict) -> list[ParsedEntry]:
    """The dailytrends API's ``default.trendingSearchesDays[].trendingSearches[]``."""
    days = (document.get("default") or {}).get("trendingSearchesDays")
    if not isinstance(days, list):
        raise ParseError("daily trends response has no default.trendingSearchesDays list")
    entries = []
    for day in days:
        for search in day.get("trendingSearches", []):
            query = (search.get("title") or {}).get("query")
            if not query:
                continue
            traffic = approximate_traffic(search.get("formattedTraffic"))
            entries.append(ParsedEntry(
                url=_search_url(query), title=query,
                summary=" ".join(a.get("title", "") for a in search.get("articles", [])[:3]),
                engagement={"traffic": traffic} if traffic is not None else {},
            ))
    return entries


def parse_daily_trends_rss(body: bytes, url: str) -> list[ParsedEntry]:
    """The daily-trends RSS feed: one item per search with ``ht:approx_traffic``."""
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.entries:
        reason = parsed.get("bozo_exception") or "no items"
        raise ParseError(f"not a Google Trends daily-trends feed: {reason}")
    entries = []
    for entry in parsed.entries:
        title = entry.get("title")
        if not title:
            continue
        traffic = approximate_traffic(entry.get("ht_approx_traffic"))
        entries.append(ParsedEntry(
            url=entry.get("link") or _search_url(title), title=title,
            summary=entry.get("ht_news_item_title") or entry.get("summary") or "",
            published_at=_struct_time_to_utc(entry.get("published_parsed")),
            engagement={"traffic": traffic} if traffic is not None else {},
        ))
    return entries
