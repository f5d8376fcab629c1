"""project visibility

``projects.visibility``: PRIVATE projects (and everything under them) are seen by their
project members and the organization's admins only; ORGANIZATION (every existing project)
by every member.

Revision ID: 0033
Revises: 0032
Create Date: 2026-11-28 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

VALID = "ck_projects_visibility_valid"


def upgrade() -> None:
    op.add_column(
        "projects",
        sa.Column("visibility", sa.String(16), server_default="organization", nullable=False),
    )
    op.create_check_constraint(op.f(VALID), "projects", "visibility IN ('private', 'organization')")


def downgrade() -> None:
    op.drop_constraint(op.f(VALID), "projects", type_="check")
    op.drop_column("projects", "visibility")
