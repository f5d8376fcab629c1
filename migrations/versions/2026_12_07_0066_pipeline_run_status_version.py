"""pipeline runs' status_version: a pipeline run followed live

Every change of a pipeline run (its status, a step's) bumps ``status_version`` and NOTIFYs
``mlgraph_pipeline_run_status``; one hub per followed run re-reads the row once for all its
subscribers and passes on only a newer version (the ``pipelineRunStatus`` subscription).

Revision ID: 0066
Revises: 0065
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0066"
down_revision = "0065"
branch_labels = None
depends_on = None

UPGRADE = [
    "ALTER TABLE pipeline_runs ADD COLUMN status_version integer DEFAULT 0 NOT NULL",
]

DOWNGRADE = [
    "ALTER TABLE pipeline_runs DROP COLUMN status_version",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
