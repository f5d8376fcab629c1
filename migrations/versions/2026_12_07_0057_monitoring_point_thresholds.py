"""monitoring points carry their own thresholds

monitoring_metrics.threshold_low and threshold_high (either open, low <= high): a point
outside its range is an anomaly (isAnomaly, computed on read). On the partitioned table,
so every partition gets them.

Revision ID: 0057
Revises: 0056
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0057"
down_revision = "0056"
branch_labels = None
depends_on = None

UPGRADE = [
    "ALTER TABLE monitoring_metrics ADD COLUMN threshold_low FLOAT(53)",
    "ALTER TABLE monitoring_metrics ADD COLUMN threshold_high FLOAT(53)",
    "ALTER TABLE monitoring_metrics ADD CONSTRAINT ck_monitoring_metrics_thresholds_ordered "
    "CHECK (threshold_low IS NULL OR threshold_high IS NULL OR threshold_low <= threshold_high)",
]

DOWNGRADE = [
    "ALTER TABLE monitoring_metrics DROP COLUMN threshold_high",
    "ALTER TABLE monitoring_metrics DROP COLUMN threshold_low",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
