"""runs: an index for a project's runs (Project.runs), newest or oldest first

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0044"
down_revision = "0043"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_runs_project_id_live ON runs (project_id, id) WHERE deleted_at IS NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_runs_project_id_live")
