"""The spider: one request per source, parsed by that source kind's parser.

A response is parsed whole before any item leaves the callback, so a malformed body
yields nothing at all; every failure (download error, refused address, robots.txt,
oversized or timed-out response, parse error) is recorded against its source and the
other sources carry on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timezone

import scrapy
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from adloom.tools.scrape.feeds import parse_feed
from adloom.tools.scrape.google_trends import parse_google_trends
from adloom.tools.scrape.hackernews import parse_hackernews
from adloom.tools.scrape.items import CrawlSource, ParsedEntry, ParseError, ScrapedItem, SourceReport
from adloom.tools.scrape.network_safety import host_and_port
from adloom.tools.scrape.product_pages import parse_product_page
from adloom.tools.scrape.reddit import parse_reddit_listing

Parser = Callable[[bytes, str], list[ParsedEntry]]
PARSERS: dict[str, Parser] = {
    "rss": parse_feed,
    "google-trends": parse_google_trends,
    "reddit": parse_reddit_listing,
    "hackernews": parse_hackernews,
    "product": parse_product_page,
}


def describe_failure(failure: Failure, max_bytes: int) -> str:
    """A one-line reason for a failed request, in words a user can act on."""
    error = failure.value
    name = type(error).__name__
    if isinstance(error, TwistedTimeoutError) or "TimeoutError" in name:
        return f"timed out ({error})"
    if name == "HttpError" and hasattr(error, "response"):
        return f"HTTP {error.response.status} from {error.response.url}"
    if "Cancelled" in name or "maxsize" in str(error).lower():
        return f"response cancelled: larger than the {max_bytes} byte cap ({name})"
    return f"{name}: {error}"


class SourcesSpider(scrapy.Spider):
    """Fetches each configured source once and parses it with its kind's parser."""

    name = "adloom-sources"

    def __init__(self, sources: list[dict], max_bytes: int, **kwargs):
        super().__init__(**kwargs)
        self.sources = [CrawlSource.model_validate(source) for source in sources]
        self.max_bytes = max_bytes
        self.private_host_of_source = {s.id: host_and_port(str(s.url)) for s in self.sources if s.allow_private}
        self.reports: dict[int, SourceReport] = {}
        self.items: dict[int, list[ScrapedItem]] = {}

    async def start(self):
        for source in self.sources:
            yield scrapy.Request(
                str(source.url), callback=self.parse_source, errback=self.source_failed,
                meta={"source_id": source.id, "kind": source.kind}, dont_filter=True,
            )

    def _source(self, source_id: int) -> CrawlSource:
        return next(source for source in self.sources if source.id == source_id)

    def parse_source(self, response):
        source = self._source(response.meta["source_id"])
        payload_sha256 = hashlib.sha256(response.body).hexdigest()
        fetched_at = datetime.now(timezone.utc)
        try:
            entries = PARSERS[source.kind](response.body, response.url)
        except ParseError as exc:
            self._fail(source, f"cannot parse {source.kind} response: {exc}", len(response.body))
            return
        self.reports[source.id] = SourceReport(
            source_id=source.id, url=str(source.url), status="ok", items=len(entries),
            payload_sha256=payload_sha256, bytes=len(response.body),
        )
        for entry in entries:
            yield ScrapedItem(
                source_id=source.id, kind=source.kind, payload_sha256=payload_sha256, fetched_at=fetched_at,
                **entry.model_dump(),
            ).model_dump(mode="json")

    def source_failed(self, failure: Failure):
        source = self._source(failure.request.meta["source_id"])
        self._fail(source, describe_failure(failure, self.max_bytes), 0)

    def _fail(self, source: CrawlSource, reason: str, size: int) -> None:
        self.logger.warning("source %s (%s) failed: %s", source.id, source.url, reason)
        self.reports[source.id] = SourceReport(
            source_id=source.id, url=str(source.url), status="failed", error=reason, bytes=size,
        )
        self.items.pop(source.id, None)
