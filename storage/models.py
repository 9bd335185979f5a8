"""SQLAlchemy models: brands, products, campaigns, runs and their events, assets, trends, schedules,
the music library.

The same schema runs on SQLite (one machine) and Postgres (many machines), so every
column uses a portable type: JSON for structured values, strings with CHECK constraints
for small enumerations, and :class:`UTCDateTime` for timestamps. The schema itself is
created by the Alembic migrations in ``storage/migrations``, never by ``create_all``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# needs_review: the run finished, but a check on what it made failed (see its manifest).
RunStatus = Literal["running", "succeeded", "needs_review", "failed", "interrupted"]
RUN_STATUSES: tuple[str, ...] = get_args(RunStatus)
# A node's lifecycle, and what happened at an approval gate.
RunEventKind = Literal["started", "finished", "failed", "waiting", "approved", "rejected", "revising"]
RUN_EVENT_KINDS: tuple[str, ...] = get_args(RunEventKind)


def utc_now() -> datetime:
    """The current time as a timezone-aware UTC datetime."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored and returned as timezone-aware UTC.

    SQLite keeps no zone, so values read back from it are naive; they were written as
    UTC, so UTC is attached on the way out. Naive values are refused on the way in,
    because their zone would be a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware value")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# Deterministic constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


def _one_of(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class Brand(Base):
    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    voice: Mapped[str] = mapped_column(Text, default="")
    colors: Mapped[list[str]] = mapped_column(default=list)
    logo: Mapped[str | None] = mapped_column(Text)
    font: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    products: Mapped[list[Product]] = relationship(back_populates="brand", order_by="Product.id")

    def __repr__(self) -> str:
        return f"Brand(id={self.id!r}, name={self.name!r})"


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("brand_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    facts: Mapped[list[str]] = mapped_column(default=list)
    price: Mapped[str | None] = mapped_column(String(40))
    cta: Mapped[str | None] = mapped_column(String(30))
    url: Mapped[str | None] = mapped_column(Text)
    images: Mapped[list[str]] = mapped_column(default=list)

    brand: Mapped[Brand] = relationship(back_populates="products")

    def __repr__(self) -> str:
        return f"Product(id={self.id!r}, brand_id={self.brand_id!r}, name={self.name!r})"


class Campaign(Base):
    """One brief as submitted: the brand and product it is for, and the full brief."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    brief: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    brand: Mapped[Brand] = relationship()
    product: Mapped[Product] = relationship()
    runs: Mapped[list[Run]] = relationship(back_populates="campaign")


class Run(Base):
    """One execution of a graph; ``id`` is also the checkpointer's thread id."""

    __tablename__ = "runs"
    __table_args__ = (CheckConstraint(_one_of("status", RUN_STATUSES), name="status"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="running")
    brief_path: Mapped[str | None] = mapped_column(Text)
    out_dir: Mapped[str | None] = mapped_column(Text)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    # What the run made (its manifest, as the run folder's manifest.json holds it), once it finished.
    manifest: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None]
    # The live process that owns the run: renewed by its heartbeat, cleared when it ends.
    # A ``running`` run whose lease has expired was interrupted (its process died).
    lease_id: Mapped[str | None] = mapped_column(String(32))
    lease_holder: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None]

    campaign: Mapped[Campaign | None] = relationship(back_populates="runs")
    events: Mapped[list[RunEvent]] = relationship(
        back_populates="run", order_by="RunEvent.id", cascade="all, delete-orphan", passive_deletes=True
    )
    assets: Mapped[list[Asset]] = relationship(back_populates="run", order_by="Asset.id")

    def shown_status(self, now: datetime | None = None) -> str:
        """The status to show: ``interrupted`` for a ``running`` run whose owner's lease has expired."""
        if self.status == "running" and self.lease_expires_at is not None \
                and self.lease_expires_at <= (now or utc_now()):
            return "interrupted"
        return self.status

    def __repr__(self) -> str:
        return f"Run(id={self.id!r}, status={self.status!r})"


class RunEvent(Base):
    """A node starting, finishing or failing inside a run (proves what a resume re-executed),
    or an approval gate waiting, approved, rejected or sending work back for a revision."""

    __tablename__ = "run_events"
    __table_args__ = (
        CheckConstraint(_one_of("event", RUN_EVENT_KINDS), name="event"),
        Index("ix_run_events_run_id_node", "run_id", "node"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    node: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utc_now)
    detail: Mapped[dict[str, Any] | None]

    run: Mapped[Run] = relationship(back_populates="events")


class Asset(Base):
    """A stored file (see :class:`adloom.storage.assets.AssetRef`) and the run that produced it."""

    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    path: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    tool: Mapped[str] = mapped_column(String(100))
    backend: Mapped[str] = mapped_column(String(100), default="")
    # "metadata" is reserved on declarative classes, so the attribute has another name.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    run: Mapped[Run | None] = relationship(back_populates="assets")


class Trend(Base):
    """One trending topic as fetched from a source, with a hash of the raw payload."""

    __tablename__ = "trends"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id", ondelete="SET NULL"), index=True)
    topic: Mapped[str] = mapped_column(String(300))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    source: Mapped[str] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(Text)
    payload_sha256: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Schedule(Base):
    """A cron expression that starts trend-driven runs for a brand."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    cron: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_tick_at: Mapped[datetime | None]


SourceKind = Literal["rss", "google-trends", "reddit", "hackernews", "product"]
SOURCE_KINDS: tuple[str, ...] = get_args(SourceKind)
ScheduleRunStatus = Literal["claimed", "started", "succeeded", "failed", "skipped"]
SCHEDULE_RUN_STATUSES: tuple[str, ...] = get_args(ScheduleRunStatus)


class Source(Base):
    """A URL the trend crawler reads for a brand, and how its last crawl went."""

    __tablename__ = "sources"
    __table_args__ = (
        UniqueConstraint("brand_id", "kind", "url"),
        CheckConstraint(_one_of("kind", SOURCE_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text)
    # Private, loopback and link-local addresses are refused unless this is set.
    allow_private: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_crawled_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(Text)


class TrendItem(Base):
    """One scraped item (story, post, search, product), deduplicated per brand by URL.

    A later crawl of the same URL updates the row and keeps the previous engagement,
    which is what velocity is computed from.
    """

    __tablename__ = "trend_items"
    __table_args__ = (UniqueConstraint("brand_id", "url_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text)
    url_sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime] = mapped_column(default=utc_now)
    fetched_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    engagement: Mapped[dict[str, Any]] = mapped_column(default=dict)
    previous_engagement: Mapped[dict[str, Any] | None]
    previous_fetched_at: Mapped[datetime | None]
    payload_sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ScheduleRun(Base):
    """One tick of a schedule: at most one per (schedule, fire time), enforced by the database."""

    __tablename__ = "schedule_runs"
    __table_args__ = (
        UniqueConstraint("schedule_id", "fire_time"),
        CheckConstraint(_one_of("status", SCHEDULE_RUN_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"), index=True)
    fire_time: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="claimed")
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    trend_id: Mapped[int | None] = mapped_column(ForeignKey("trends.id", ondelete="SET NULL"))
    topic: Mapped[str | None] = mapped_column(Text)
    product: Mapped[str | None] = mapped_column(String(120))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None]


class MusicTrack(Base):
    """A track in the marketer's music library: their own file, with the credit its licence asks for."""

    __tablename__ = "music_tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    credit: Mapped[str] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(Text, unique=True)
    duration_s: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    def __repr__(self) -> str:
        return f"MusicTrack(id={self.id!r}, title={self.title!r})"
