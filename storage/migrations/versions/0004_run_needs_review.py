"""Runs: ``needs_review``, for a run that finished while one of its checks failed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

Written out in full rather than importing ``adloom.storage.models``: a migration is a frozen
record of the schema at that revision and must not change when the models do.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_BEFORE = "status IN ('running', 'succeeded', 'failed', 'interrupted')"
_AFTER = "status IN ('running', 'succeeded', 'needs_review', 'failed', 'interrupted')"


def _replace_check(condition: str) -> None:
    # Batch mode: SQLite cannot alter a constraint in place, so the table is copied.
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint(op.f("ck_runs_status"), type_="check")
        batch.create_check_constraint(op.f("ck_runs_status"), condition)


def upgrade() -> None:
    _replace_check(_AFTER)


def downgrade() -> None:
    op.execute("UPDATE runs SET status = 'succeeded' WHERE status = 'needs_review'")
    _replace_check(_BEFORE)
