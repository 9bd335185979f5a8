"""Scrapy item pipelines, in order: normalise, drop repeated URLs, collect per source.

Near-duplicate titles are dropped after the crawl by :mod:`adloom.tools.scrape.dedupe`, in the
parent process, where the embedding model stays loaded between crawls; the database
write is :mod:`adloom.tools.scrape.store`.
"""

from __future__ import annotations

import html
import re

from scrapy.exceptions import DropItem
from w3lib.html import remove_tags, remove_tags_with_content
from w3lib.url import canonicalize_url

from adloom.tools.scrape.items import ScrapedItem

ITEM_PIPELINES = {
    "adloom.tools.scrape.pipelines.NormalisePipeline": 100,
    "adloom.tools.scrape.pipelines.UrlDedupePipeline": 200,
    "adloom.tools.scrape.pipelines.CollectPipeline": 900,
}
MAX_TITLE_CHARS = 300
MAX_SUMMARY_CHARS = 1000
_WHITESPACE = re.compile(r"\s+")
# Control characters other than whitespace never belong in a title or summary.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean_text(text: str, limit: int) -> str:
    """Tags removed, entities decoded, control characters dropped, whitespace collapsed, capped."""
    text = remove_tags_with_content(text or "", which_ones=("script", "style"))
    text = html.unescape(remove_tags(text))
    text = _WHITESPACE.sub(" ", _CONTROL.sub("", text)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def canonical_url(url: str) -> str:
    """The URL with sorted query and normalised escapes (fragments kept: some feeds use them as item ids)."""
    return canonicalize_url(url, keep_fragments=True)


class _CrawlerAware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


class NormalisePipeline(_CrawlerAware):
    """Clean titles and summaries, canonicalise URLs, drop items left without a title."""

    def process_item(self, item: dict) -> dict:
        title = clean_text(item["title"], MAX_TITLE_CHARS)
        if not title:
            raise DropItem(f"no title left after cleaning: {item['url']}")
        item["title"] = title
        item["summary"] = clean_text(item.get("summary", ""), MAX_SUMMARY_CHARS)
        item["url"] = canonical_url(item["url"])
        return item


class UrlDedupePipeline(_CrawlerAware):
    """Drop an item whose canonical URL was already seen in this crawl."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.seen: set[str] = set()

    def process_item(self, item: dict) -> dict:
        if item["url"] in self.seen:
            raise DropItem(f"duplicate URL {item['url']}")
        self.seen.add(item["url"])
        return item


class CollectPipeline(_CrawlerAware):
    """Keep each item on the spider under its source, for the crawl process to write out."""

    def process_item(self, item: dict) -> dict:
        self.crawler.spider.items.setdefault(item["source_id"], []).append(ScrapedItem.model_validate(item))
        return item
