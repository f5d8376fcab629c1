"""user settings

users.time_zone (an IANA name, UTC by default), theme (system | light | dark),
default_organization_id (one of the user's organizations; gone with it) and preferences
(a JSON object for tools, e.g. the dashboard's columns). They are the user's own: the API
reads them only through `viewer` and writes them with viewerSettingsUpdate.

Revision ID: 0053
Revises: 0052
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0053"
down_revision = "0052"
branch_labels = None
depends_on = None

UPGRADE = [
    "ALTER TABLE users ADD COLUMN time_zone VARCHAR(64) DEFAULT 'UTC' NOT NULL",
    "ALTER TABLE users ADD COLUMN theme VARCHAR(16) DEFAULT 'system' NOT NULL",
    "ALTER TABLE users ADD COLUMN default_organization_id UUID",
    "ALTER TABLE users ADD COLUMN preferences JSONB DEFAULT '{}'::jsonb NOT NULL",
    "ALTER TABLE users ADD CONSTRAINT ck_users_theme_valid "
    "CHECK (theme IN ('system', 'light', 'dark'))",
    "ALTER TABLE users ADD CONSTRAINT fk_users_default_organization_id_organizations "
    "FOREIGN KEY(default_organization_id) REFERENCES organizations (id) ON DELETE SET NULL",
]

DOWNGRADE = [
    "ALTER TABLE users DROP COLUMN preferences",
    "ALTER TABLE users DROP COLUMN default_organization_id",
    "ALTER TABLE users DROP COLUMN theme",
    "ALTER TABLE users DROP COLUMN time_zone",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
