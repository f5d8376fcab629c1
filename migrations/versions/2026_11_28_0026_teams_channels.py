"""teams channels

Notification channels may be Microsoft Teams incoming webhooks.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-28 16:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

NAME = "ck_notification_channels_channel_type_valid"


def _types(values: str) -> None:
    op.execute(f"ALTER TABLE notification_channels DROP CONSTRAINT {NAME}")
    op.execute(
        f"ALTER TABLE notification_channels ADD CONSTRAINT {NAME} CHECK (channel_type IN ({values}))"
    )


def upgrade() -> None:
    _types("'webhook', 'slack', 'email', 'teams'")


def downgrade() -> None:
    # Teams channels cannot exist before this revision: retire them first.
    op.execute(
        "UPDATE notification_channels SET deleted_at = coalesce(deleted_at, now()), "
        "channel_type = 'webhook' WHERE channel_type = 'teams'"
    )
    _types("'webhook', 'slack', 'email'")
