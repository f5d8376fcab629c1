"""organization billing email and settings

What organizationUpdate changes besides the name and plan.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-28 16:15:08.318152
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("organizations", sa.Column("billing_email", sa.String(length=320), nullable=True))
    op.add_column(
        "organizations",
        sa.Column(
            "settings",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("organizations", "settings")
    op.drop_column("organizations", "billing_email")
