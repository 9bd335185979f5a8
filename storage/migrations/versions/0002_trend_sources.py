"""Trend sources, scraped trend items and schedule ticks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Written out in full rather than importing ``adloom.storage.models``: a migration is a frozen
record of the schema at that revision and must not change when the models do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("allow_private", sa.Boolean(), nullable=False),
        _timestamp("created_at"),
        _timestamp("last_crawled_at", nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('rss', 'google-trends', 'reddit', 'hackernews', 'product')", name=op.f("ck_sources_kind")
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_sources_brand_id_brands"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("brand_id", "kind", "url", name=op.f("uq_sources_brand_id_kind_url")),
    )
    op.create_index(op.f("ix_sources_brand_id"), "sources", ["brand_id"])
    op.create_table(
        "trend_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_sha256", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        _timestamp("published_at", nullable=True),
        _timestamp("first_seen_at"),
        _timestamp("fetched_at"),
        sa.Column("engagement", sa.JSON(), nullable=False),
        sa.Column("previous_engagement", sa.JSON(), nullable=True),
        _timestamp("previous_fetched_at", nullable=True),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_trend_items_brand_id_brands"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_trend_items_source_id_sources"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trend_items")),
        sa.UniqueConstraint("brand_id", "url_sha256", name=op.f("uq_trend_items_brand_id_url_sha256")),
    )
    op.create_index(op.f("ix_trend_items_brand_id"), "trend_items", ["brand_id"])
    op.create_index(op.f("ix_trend_items_source_id"), "trend_items", ["source_id"])
    op.create_index(op.f("ix_trend_items_fetched_at"), "trend_items", ["fetched_at"])
    op.create_table(
        "schedule_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        _timestamp("fire_time"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("trend_id", sa.Integer(), nullable=True),
        sa.Column("topic", sa.Text(), nullable=True),
        sa.Column("product", sa.String(length=120), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _timestamp("created_at"),
        _timestamp("finished_at", nullable=True),
        sa.CheckConstraint(
            "status IN ('claimed', 'started', 'succeeded', 'failed', 'skipped')",
            name=op.f("ck_schedule_runs_status"),
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["schedules.id"], name=op.f("fk_schedule_runs_schedule_id_schedules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_schedule_runs_run_id_runs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["trend_id"], ["trends.id"], name=op.f("fk_schedule_runs_trend_id_trends"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_runs")),
        sa.UniqueConstraint("schedule_id", "fire_time", name=op.f("uq_schedule_runs_schedule_id_fire_time")),
    )
    op.create_index(op.f("ix_schedule_runs_schedule_id"), "schedule_runs", ["schedule_id"])


def downgrade() -> None:
    for table in ("schedule_runs", "trend_items", "sources"):
        op.drop_table(table)
