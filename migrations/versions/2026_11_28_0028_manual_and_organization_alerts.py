"""manual and organization alerts

Alerts may have no deployment (organization-level, opened by hand) and say who opened them;
alert types are checked: metric_threshold, performance_degradation, data_drift,
high_latency, error_rate, custom.

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-28 17:18:34.946773
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


TYPES = (
    "'metric_threshold', 'performance_degradation', 'data_drift', 'high_latency', "
    "'error_rate', 'custom'"
)


def upgrade() -> None:
    op.create_check_constraint("alert_type_valid", "alerts", f"alert_type IN ({TYPES})")
    op.add_column("alerts", sa.Column("created_by_id", sa.UUID(), nullable=True))
    op.alter_column("alerts", "deployment_id", existing_type=sa.UUID(), nullable=True)
    op.create_index(
        "ix_alerts_organization_id_id", "alerts", ["organization_id", "id"], unique=False
    )
    op.create_foreign_key(
        op.f("fk_alerts_created_by_id_users"),
        "alerts",
        "users",
        ["created_by_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    # Organization-level alerts cannot exist before this revision.
    op.execute("DELETE FROM alerts WHERE deployment_id IS NULL")
    op.drop_constraint("alert_type_valid", "alerts", type_="check")
    op.drop_constraint(op.f("fk_alerts_created_by_id_users"), "alerts", type_="foreignkey")
    op.drop_index("ix_alerts_organization_id_id", table_name="alerts")
    op.alter_column("alerts", "deployment_id", existing_type=sa.UUID(), nullable=False)
    op.drop_column("alerts", "created_by_id")
