"""retire training jobs, cancel artifact builds

Training jobs soft-delete (``deleted_at``) once finished; artifact builds can end
``cancelled`` (and be built again).

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-28 18:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

STATUS = "ck_artifact_builds_status_valid"


def upgrade() -> None:
    op.add_column(
        "training_jobs", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.drop_constraint(op.f(STATUS), "artifact_builds", type_="check")
    op.create_check_constraint(
        op.f(STATUS), "artifact_builds", "status IN ('pending', 'running', 'succeeded', 'failed', "
        "'cancelled')",
    )  # fmt: skip


def downgrade() -> None:
    op.execute("UPDATE artifact_builds SET status = 'failed' WHERE status = 'cancelled'")
    op.drop_constraint(op.f(STATUS), "artifact_builds", type_="check")
    op.create_check_constraint(
        op.f(STATUS), "artifact_builds", "status IN ('pending', 'running', 'succeeded', 'failed')"
    )
    op.drop_column("training_jobs", "deleted_at")
