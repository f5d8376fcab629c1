"""monitoring writes numbered in commit order, for live charts

Each ``monitoringMetricsRecord`` takes the deployment's next ``monitoring_seq`` under the
deployment's row lock (the lock it already held for rule evaluation), so the numbers follow
commit order per deployment; each stored or re-sent point carries the number of the write
that stored its value. ``deploymentMonitoringMetrics`` replays by it and resumes from it.
Points stored before this revision carry 0.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "deployments",
        sa.Column("monitoring_seq", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.add_column(
        "monitoring_metrics",
        sa.Column("seq", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.create_index(
        "ix_monitoring_metrics_deployment_id_seq", "monitoring_metrics", ["deployment_id", "seq"]
    )


def downgrade() -> None:
    op.drop_index("ix_monitoring_metrics_deployment_id_seq", table_name="monitoring_metrics")
    op.drop_column("monitoring_metrics", "seq")
    op.drop_column("deployments", "monitoring_seq")
