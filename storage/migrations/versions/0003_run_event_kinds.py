"""Run events: approval gates (waiting, approved, rejected, revising) are stored too.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Written out in full rather than importing ``adloom.storage.models``: a migration is a frozen
record of the schema at that revision and must not change when the models do.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BEFORE = "event IN ('started', 'finished', 'failed')"
_AFTER = "event IN ('started', 'finished', 'failed', 'waiting', 'approved', 'rejected', 'revising')"


def _replace_check(condition: str) -> None:
    # Batch mode: SQLite cannot alter a constraint in place, so the table is copied.
    with op.batch_alter_table("run_events") as batch:
        batch.drop_constraint(op.f("ck_run_events_event"), type_="check")
        batch.create_check_constraint(op.f("ck_run_events_event"), condition)


def upgrade() -> None:
    _replace_check(_AFTER)


def downgrade() -> None:
    op.execute(f"DELETE FROM run_events WHERE NOT ({_BEFORE})")
    _replace_check(_BEFORE)
