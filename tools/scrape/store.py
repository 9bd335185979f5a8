"""Writing a crawl's items and per-source outcomes to the database, in the caller's transaction.

Items are keyed per brand by the SHA-256 of their canonical URL. Seeing an item again
updates it and keeps the previous engagement and fetch time, from which velocity is
computed. Nothing is written for a failed source except its status.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from adloom.storage.models import Source, TrendItem, utc_now
from adloom.tools.scrape.items import CrawlResult, ScrapedItem


@dataclass(frozen=True)
class StoredCounts:
    inserted: int
    updated: int
    failed_sources: int


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _store_item(session: Session, brand_id: int, item: ScrapedItem) -> bool:
    """Insert or update one item; True when it was new."""
    key = url_key(item.url)
    row = session.scalars(
        select(TrendItem).where(TrendItem.brand_id == brand_id, TrendItem.url_sha256 == key)
    ).one_or_none()
    fetched_at = item.fetched_at or utc_now()
    if row is None:
        session.add(TrendItem(
            brand_id=brand_id, source_id=item.source_id, kind=item.kind, url=item.url, url_sha256=key,
            title=item.title, summary=item.summary, published_at=item.published_at,
            first_seen_at=fetched_at, fetched_at=fetched_at, engagement=dict(item.engagement),
            payload_sha256=item.payload_sha256, data=dict(item.data),
        ))
        return True
    row.previous_engagement = dict(row.engagement)
    row.previous_fetched_at = row.fetched_at
    row.source_id = item.source_id
    row.title = item.title
    row.summary = item.summary
    row.published_at = item.published_at or row.published_at
    row.fetched_at = fetched_at
    row.engagement = dict(item.engagement)
    row.payload_sha256 = item.payload_sha256
    row.data = dict(item.data)
    return False


def store_crawl(session: Session, brand_id: int, result: CrawlResult, items: list[ScrapedItem]) -> StoredCounts:
    """Record every source's outcome and store ``items`` (the crawl's items after deduplication)."""
    now = utc_now()
    for report in result.reports:
        source = session.get(Source, report.source_id)
        if source is None:
            continue
        source.last_crawled_at = now
        source.last_status = report.status
        source.last_error = report.error
    ok_sources = {report.source_id for report in result.reports if report.status == "ok"}
    inserted = updated = 0
    for item in items:
        if item.source_id not in ok_sources:
            continue
        if _store_item(session, brand_id, item):
            inserted += 1
        else:
            updated += 1
    session.flush()
    return StoredCounts(inserted=inserted, updated=updated, failed_sources=len(result.failed()))
