"""public projects: readable by every member and key of the organization, never written

``projects.visibility`` takes 'public'. Such a project is read like an ORGANIZATION one (only
PRIVATE projects are hidden), so its slug joins those the database holds unique among the
projects every member sees. Writes under it are refused by the project-role check every
write goes through (app/domain/tenancy/projects.py).

Revision ID: 0064
Revises: 0063
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0064"
down_revision = "0063"
branch_labels = None
depends_on = None

UPGRADE = [
    "ALTER TABLE projects DROP CONSTRAINT ck_projects_visibility_valid",
    "ALTER TABLE projects ADD CONSTRAINT ck_projects_visibility_valid "
    "CHECK (visibility IN ('private', 'organization', 'public'))",
    "DROP INDEX uq_projects_organization_id_slug_shared",
    "CREATE UNIQUE INDEX uq_projects_organization_id_slug_shared ON projects "
    "(organization_id, slug) WHERE deleted_at IS NULL AND visibility <> 'private'",
]

DOWNGRADE = [
    "UPDATE projects SET visibility = 'organization' WHERE visibility = 'public'",
    "DROP INDEX uq_projects_organization_id_slug_shared",
    "CREATE UNIQUE INDEX uq_projects_organization_id_slug_shared ON projects "
    "(organization_id, slug) WHERE deleted_at IS NULL AND visibility = 'organization'",
    "ALTER TABLE projects DROP CONSTRAINT ck_projects_visibility_valid",
    "ALTER TABLE projects ADD CONSTRAINT ck_projects_visibility_valid "
    "CHECK (visibility IN ('private', 'organization'))",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
