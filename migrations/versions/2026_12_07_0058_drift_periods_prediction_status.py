"""drift reports cover a period and keep the tool's report; predictions have a status

drift_reports.period_start / period_end (start <= end) with the (deployment, period end)
index, and report_data (the drift tool's own report, JSON). predictions.status (pending |
completed | failed; existing rows: completed) and completed_at (none for existing rows:
recorded before it was kept); latency_ms may be null while a prediction is pending.

Revision ID: 0058
Revises: 0057
Create Date: 2026-12-07 07:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0058"
down_revision = "0057"
branch_labels = None
depends_on = None

UPGRADE = [
    "ALTER TABLE drift_reports ADD COLUMN period_start TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE drift_reports ADD COLUMN period_end TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE drift_reports ADD COLUMN report_data JSONB",
    "ALTER TABLE drift_reports ADD CONSTRAINT ck_drift_reports_period_ordered "
    "CHECK (period_start IS NULL OR period_end IS NULL OR period_start <= period_end)",
    "CREATE INDEX ix_drift_reports_deployment_id_period_end ON drift_reports "
    "(deployment_id, period_end)",
    "ALTER TABLE predictions ADD COLUMN status VARCHAR(16) DEFAULT 'completed' NOT NULL",
    "ALTER TABLE predictions ADD COLUMN completed_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE predictions ALTER COLUMN latency_ms DROP NOT NULL",
    "ALTER TABLE predictions ADD CONSTRAINT ck_predictions_status_valid "
    "CHECK (status IN ('pending', 'completed', 'failed'))",
    "ALTER TABLE predictions ADD CONSTRAINT ck_predictions_pending_not_done "
    "CHECK (status <> 'pending' OR (completed_at IS NULL AND latency_ms IS NULL))",
]

DOWNGRADE = [
    "DELETE FROM predictions WHERE status = 'pending'",
    "ALTER TABLE predictions DROP CONSTRAINT ck_predictions_pending_not_done",
    "ALTER TABLE predictions ALTER COLUMN latency_ms SET NOT NULL",
    "ALTER TABLE predictions DROP COLUMN completed_at",
    "ALTER TABLE predictions DROP COLUMN status",
    "DROP INDEX ix_drift_reports_deployment_id_period_end",
    "ALTER TABLE drift_reports DROP COLUMN report_data",
    "ALTER TABLE drift_reports DROP COLUMN period_end",
    "ALTER TABLE drift_reports DROP COLUMN period_start",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
