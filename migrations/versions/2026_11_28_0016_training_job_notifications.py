"""notification rules may follow training jobs (TRAINING_JOB_COMPLETE)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 14:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BEFORE = ("alert", "deployment", "model_update", "experiment_complete")
AFTER = (*BEFORE, "training_job_complete")
NAME = "ck_notification_rules_trigger_valid"


def _check(values: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    op.execute(f"ALTER TABLE notification_rules DROP CONSTRAINT {NAME}")
    op.execute(
        f"ALTER TABLE notification_rules ADD CONSTRAINT {NAME} CHECK (trigger IN ({listed}))"
    )


def upgrade() -> None:
    _check(AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM notification_rules WHERE trigger = 'training_job_complete'")
    _check(BEFORE)
