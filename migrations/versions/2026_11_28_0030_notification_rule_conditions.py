"""notification rule conditions

Rules narrow beyond their scope and minimum severity: alert types (alert trigger), outcomes
(succeeded / failed / cancelled, for the triggers of things that finish) and one environment
(alerts and deployment events). Null: any.

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-28 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

ALERT_TYPES = (
    "metric_threshold",
    "performance_degradation",
    "data_drift",
    "high_latency",
    "error_rate",
    "custom",
)
OUTCOMES = ("succeeded", "failed", "cancelled")


def _within(column: str, values: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{value}'" for value in values)
    return f"{column} <@ ARRAY[{listed}]::varchar[] AND cardinality({column}) > 0"


def upgrade() -> None:
    op.add_column(
        "notification_rules",
        sa.Column("alert_types", postgresql.ARRAY(sa.String(length=64)), nullable=True),
    )
    op.add_column(
        "notification_rules",
        sa.Column("outcomes", postgresql.ARRAY(sa.String(length=16)), nullable=True),
    )
    op.add_column("notification_rules", sa.Column("environment_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f("fk_notification_rules_environment_id_environments"),
        "notification_rules",
        "environments",
        ["environment_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_check_constraint(
        op.f("ck_notification_rules_alert_types"),
        "notification_rules",
        _within("alert_types", ALERT_TYPES),
    )
    op.create_check_constraint(
        op.f("ck_notification_rules_outcomes"), "notification_rules", _within("outcomes", OUTCOMES)
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_notification_rules_outcomes"), "notification_rules", type_="check")
    op.drop_constraint(
        op.f("ck_notification_rules_alert_types"), "notification_rules", type_="check"
    )
    op.drop_constraint(
        op.f("fk_notification_rules_environment_id_environments"),
        "notification_rules",
        type_="foreignkey",
    )
    op.drop_column("notification_rules", "environment_id")
    op.drop_column("notification_rules", "outcomes")
    op.drop_column("notification_rules", "alert_types")
