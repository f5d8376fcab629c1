"""user profiles

First and last name, avatar, an active flag (operators deactivate users) and when they were
last seen (a key of theirs authenticated).

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-28 16:44:19.911131
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("first_name", sa.String(length=100), nullable=True))
    op.add_column("users", sa.Column("last_name", sa.String(length=100), nullable=True))
    op.add_column("users", sa.Column("avatar_url", sa.String(length=2048), nullable=True))
    op.add_column(
        "users",
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
    )
    op.add_column("users", sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "last_seen_at")
    op.drop_column("users", "is_active")
    op.drop_column("users", "avatar_url")
    op.drop_column("users", "last_name")
    op.drop_column("users", "first_name")
