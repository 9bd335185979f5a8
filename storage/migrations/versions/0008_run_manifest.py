"""Runs: the manifest of what a finished run made, kept on its record.

Runs that finished before this revision get theirs from their run folder's ``manifest.json``
when it is still there.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

Written out in full rather than importing ``adloom.storage.models``: a migration is a frozen
record of the schema at that revision and must not change when the models do.
"""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("manifest", sa.JSON(), nullable=True))
    runs = sa.table("runs", sa.column("id", sa.String), sa.column("out_dir", sa.Text),
                    sa.column("status", sa.String), sa.column("manifest", sa.JSON))
    connection = op.get_bind()
    finished = connection.execute(
        sa.select(runs.c.id, runs.c.out_dir).where(runs.c.status.in_(("succeeded", "needs_review")))
    ).all()
    for run_id, out_dir in finished:
        written = Path(out_dir or "") / run_id / "manifest.json"
        if out_dir and written.is_file():
            connection.execute(runs.update().where(runs.c.id == run_id).values(
                manifest=json.loads(written.read_text("utf-8"))))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("manifest")
