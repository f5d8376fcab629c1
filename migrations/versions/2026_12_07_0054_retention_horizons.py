"""retention horizons for rollups and for archived versions' artifacts

retention_policies.rollups_days (a run's chart rollups, counted from its end, never before
its raw points: the service checks rollups_days >= run_metrics_days) and
archived_artifacts_days (an archived model version's run files, counted from when it was
archived); model_versions.artifact_purged_at says when a version's files went. Both
horizons are null (forever) until an admin sets them, like every other kind.

Revision ID: 0054
Revises: 0053
Create Date: 2026-12-07 05:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0054"
down_revision = "0053"
branch_labels = None
depends_on = None

UPGRADE = [
    "ALTER TABLE retention_policies ADD COLUMN rollups_days INTEGER",
    "ALTER TABLE retention_policies ADD COLUMN archived_artifacts_days INTEGER",
    "ALTER TABLE retention_policies ADD CONSTRAINT ck_retention_policies_rollups_days "
    "CHECK (rollups_days IS NULL OR rollups_days BETWEEN 1 AND 3650)",
    "ALTER TABLE retention_policies ADD CONSTRAINT ck_retention_policies_archived_artifacts_days "
    "CHECK (archived_artifacts_days IS NULL OR archived_artifacts_days BETWEEN 1 AND 3650)",
    "ALTER TABLE model_versions ADD COLUMN artifact_purged_at TIMESTAMP WITH TIME ZONE",
]

DOWNGRADE = [
    "ALTER TABLE model_versions DROP COLUMN artifact_purged_at",
    "ALTER TABLE retention_policies DROP COLUMN archived_artifacts_days",
    "ALTER TABLE retention_policies DROP COLUMN rollups_days",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
