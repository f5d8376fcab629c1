"""project slugs unique among the projects a caller can see

A project slug was unique per organization over every live project, so choosing one that a
private project held answered CONFLICT to a member from whom that project is hidden: an
oracle. The database now holds unique only the slugs every member sees (projects visible to
the organization); the service checks the rest among the caller's visible projects, under a
transaction lock per organization and slug.

Downgrading fails while two live projects share a slug (rename one first).

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06 05:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("uq_projects_organization_id_slug_live", table_name="projects")
    op.create_index(
        "uq_projects_organization_id_slug_shared",
        "projects",
        ["organization_id", "slug"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL AND visibility = 'organization'"),
    )


def downgrade() -> None:
    op.drop_index("uq_projects_organization_id_slug_shared", table_name="projects")
    op.create_index(
        "uq_projects_organization_id_slug_live",
        "projects",
        ["organization_id", "slug"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
