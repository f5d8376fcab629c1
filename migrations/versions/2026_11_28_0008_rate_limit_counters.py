"""rate limit counters shared by every server process

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 07:10:00

UNLOGGED: counters of the current minute are worth nothing after a crash, and skipping
the WAL keeps a burst of failed logins cheap for the database.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE UNLOGGED TABLE rate_limit_counters (
            bucket text PRIMARY KEY,
            window_start timestamptz NOT NULL,
            count integer NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE rate_limit_counters")
