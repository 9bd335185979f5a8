"""The ``scrape.crawl`` tool agent: crawl trend sources, one report per source.

Agents that keep trends in the database use :func:`adloom.agents.trends.refresh_brand_trends`,
which calls the same crawler and adds deduplication, storage and ranking.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from adloom.tools.context import ToolContext
from adloom.tools.registry import tool_agent
from adloom.tools.scrape.items import CrawlOptions, CrawlResult, CrawlSource
from adloom.tools.scrape.runner import crawl_sources


class CrawlRequest(BaseModel):
    sources: list[CrawlSource] = Field(min_length=1, max_length=1000)
    options: CrawlOptions = Field(default_factory=CrawlOptions)


def _example() -> CrawlRequest:
    # Port 9 (discard) is closed on loopback: the crawl runs and reports that one source failed.
    return CrawlRequest(
        sources=[CrawlSource(id=1, kind="rss", url="http://127.0.0.1:9/feed.xml", allow_private=True)],
        options=CrawlOptions(timeout_s=2, retries=0, process_timeout_s=60),
    )


@tool_agent("scrape.crawl", example=_example)
def crawl(request: CrawlRequest, ctx: ToolContext) -> CrawlResult:
    """Crawl RSS/Atom/JSON feeds, Google Trends, Reddit, Hacker News and product pages politely."""
    return crawl_sources(request.sources, request.options)
