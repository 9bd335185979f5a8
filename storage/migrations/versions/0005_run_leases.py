"""Runs: a lease (holder, id, expiry) so that one live process at a time owns a run.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

Written out in full rather than importing ``adloom.storage.models``: a migration is a frozen
record of the schema at that revision and must not change when the models do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite cannot add several columns and keep its constraints in one ALTER.
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("lease_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("lease_holder", sa.String(200), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("lease_expires_at")
        batch.drop_column("lease_holder")
        batch.drop_column("lease_id")
