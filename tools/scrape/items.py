"""What a crawl takes and produces: sources, options, scraped items and per-source reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

# One list of source kinds, also enforced by the database; re-exported for the CLI.
from adloom.storage.models import SOURCE_KINDS, SourceKind  # noqa: F401
USER_AGENT = "adloom-trend-crawler/0.1 (+https://github.com/adloom/adloom; marketing trend research)"


class ParseError(ValueError):
    """A response could not be parsed as its source kind; the message says why."""


class CrawlSource(BaseModel):
    """One URL to crawl, and whether it may live on a private address."""

    model_config = ConfigDict(extra="forbid")

    id: int = Field(ge=0, description="Caller's id for the source (the database id, or an index).")
    kind: SourceKind
    url: HttpUrl
    allow_private: bool = Field(
        default=False, description="Allow a private, loopback or link-local address for this source's host."
    )


class CrawlOptions(BaseModel):
    """Politeness and safety limits for one crawl."""

    model_config = ConfigDict(extra="forbid")

    timeout_s: float = Field(default=15.0, gt=0, le=300, description="Per request download timeout.")
    retries: int = Field(default=2, ge=0, le=10)
    max_response_bytes: int = Field(default=8 * 1024 * 1024, ge=1024, description="Larger responses are cancelled.")
    concurrency_per_domain: int = Field(default=2, ge=1, le=32)
    concurrency_total: int = Field(default=16, ge=1, le=256)
    autothrottle: bool = True
    obey_robots_txt: bool = True
    user_agent: str = Field(default=USER_AGENT, min_length=3)
    process_timeout_s: float = Field(default=600.0, gt=0, description="The whole crawl process is stopped after this.")


class ParsedEntry(BaseModel):
    """What a parser finds in one response, before the spider adds source and fetch details."""

    url: str
    title: str
    summary: str = ""
    published_at: datetime | None = None
    engagement: dict[str, float] = Field(default_factory=dict)
    data: dict[str, Any] = Field(default_factory=dict)


class ScrapedItem(BaseModel):
    """One story, post, search term or product, as parsed from a source (not yet normalised)."""

    model_config = ConfigDict(extra="forbid")

    source_id: int
    kind: SourceKind
    url: str
    title: str
    summary: str = ""
    published_at: datetime | None = None
    engagement: dict[str, float] = Field(
        default_factory=dict, description="Counts such as points, comments, traffic, rank."
    )
    payload_sha256: str = ""
    fetched_at: datetime | None = None
    data: dict[str, Any] = Field(default_factory=dict, description="Kind-specific fields (product offers, ...).")


class SourceReport(BaseModel):
    """How one source's crawl went. A failed source contributes no items at all."""

    source_id: int
    url: str
    status: Literal["ok", "failed"]
    error: str | None = None
    items: int = 0
    payload_sha256: str | None = None
    bytes: int = 0


class CrawlResult(BaseModel):
    """Items from every source that succeeded, and a report per source."""

    items: list[ScrapedItem] = Field(default_factory=list)
    reports: list[SourceReport] = Field(default_factory=list)
    pages: int = 0
    seconds: float = 0.0

    def failed(self) -> list[SourceReport]:
        return [report for report in self.reports if report.status == "failed"]
