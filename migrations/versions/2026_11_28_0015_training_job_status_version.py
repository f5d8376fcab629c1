"""training job status version: what the trainingJobStatus subscription follows

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 14:30:00

Every status change of a training job (created, moved, claimed, its lease expired) bumps
``status_version`` and NOTIFYs ``mlgraph_training_status``; a hub per job re-reads the row
and wakes its subscribers only for a newer version.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "training_jobs",
        sa.Column("status_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("training_jobs", "status_version")
