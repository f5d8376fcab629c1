"""notification channels can be paused

notification_channels.enabled (true by default, so every channel stays as it was): a paused
channel gets no delivery queued and sends none of those queued before, until it resumes.

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-07 02:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0049"
down_revision = "0048"
branch_labels = None
depends_on = None

UPGRADE = ["ALTER TABLE notification_channels ADD COLUMN enabled BOOLEAN DEFAULT true NOT NULL"]

DOWNGRADE = ["ALTER TABLE notification_channels DROP COLUMN enabled"]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
