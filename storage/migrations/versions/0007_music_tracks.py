"""Music tracks: the marketer's own music library, each track with the credit its licence asks for.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

Written out in full rather than importing ``adloom.storage.models``: a migration is a frozen
record of the schema at that revision and must not change when the models do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "music_tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("credit", sa.String(length=300), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_music_tracks")),
        sa.UniqueConstraint("path", name=op.f("uq_music_tracks_path")),
    )


def downgrade() -> None:
    op.drop_table("music_tracks")
