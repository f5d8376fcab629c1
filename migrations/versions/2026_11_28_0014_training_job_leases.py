"""training job leases: the executors' work queue

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 14:10:00

An executor claims the oldest queued jobs it can run (FOR UPDATE SKIP LOCKED) with a
lease; heartbeats extend it; an expired lease returns the job to the queue.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("training_jobs", sa.Column("lease_owner", sa.String(200), nullable=True))
    op.add_column(
        "training_jobs", sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "training_jobs",
        sa.Column("claims", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.create_index(
        "ix_training_jobs_queued",
        "training_jobs",
        ["organization_id", "id"],
        postgresql_where=sa.text("status = 'queued'"),
    )
    op.create_index(
        "ix_training_jobs_leases",
        "training_jobs",
        ["lease_expires_at"],
        postgresql_where=sa.text("status = 'running' AND lease_expires_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_training_jobs_leases", table_name="training_jobs")
    op.drop_index("ix_training_jobs_queued", table_name="training_jobs")
    op.drop_column("training_jobs", "claims")
    op.drop_column("training_jobs", "lease_expires_at")
    op.drop_column("training_jobs", "lease_owner")
