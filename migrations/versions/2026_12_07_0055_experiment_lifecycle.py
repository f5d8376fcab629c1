"""experiments: FAILED and CANCELLED, times set by transitions, dataset and workflow
links, full-text search

experiments.status gains failed and cancelled; started_at (existing rows: when made) and
completed_at (existing COMPLETED ones: their last change) are set by transitions;
dataset_id and pipeline_id link what it trains on and the workflow that runs it (gone
with them: SET NULL); search_vector (name and description, English) with its GIN index.

Revision ID: 0055
Revises: 0054
Create Date: 2026-12-07 06:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0055"
down_revision = "0054"
branch_labels = None
depends_on = None

UPGRADE = [
    "ALTER TABLE experiments DROP CONSTRAINT ck_experiments_status_valid",
    "ALTER TABLE experiments ADD CONSTRAINT ck_experiments_status_valid "
    "CHECK (status IN ('active', 'completed', 'failed', 'cancelled', 'archived'))",
    "ALTER TABLE experiments ADD COLUMN started_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL",
    "UPDATE experiments SET started_at = created_at",
    "ALTER TABLE experiments ADD COLUMN completed_at TIMESTAMP WITH TIME ZONE",
    "UPDATE experiments SET completed_at = updated_at WHERE status = 'completed'",
    "ALTER TABLE experiments ADD COLUMN dataset_id UUID",
    "ALTER TABLE experiments ADD COLUMN pipeline_id UUID",
    "ALTER TABLE experiments ADD CONSTRAINT fk_experiments_dataset_id_datasets "
    "FOREIGN KEY(dataset_id) REFERENCES datasets (id) ON DELETE SET NULL",
    "ALTER TABLE experiments ADD CONSTRAINT fk_experiments_pipeline_id_pipelines "
    "FOREIGN KEY(pipeline_id) REFERENCES pipelines (id) ON DELETE SET NULL",
    "ALTER TABLE experiments ADD COLUMN search_vector TSVECTOR GENERATED ALWAYS AS "
    "(to_tsvector('english', coalesce(name, '') || ' ' || coalesce(description, ''))) STORED",
    "CREATE INDEX ix_experiments_search_vector ON experiments USING gin (search_vector)",
    "CREATE INDEX ix_experiments_dataset_id ON experiments (dataset_id) "
    "WHERE dataset_id IS NOT NULL",
    "CREATE INDEX ix_experiments_pipeline_id ON experiments (pipeline_id) "
    "WHERE pipeline_id IS NOT NULL",
]

DOWNGRADE = [
    "DROP INDEX ix_experiments_pipeline_id",
    "DROP INDEX ix_experiments_dataset_id",
    "DROP INDEX ix_experiments_search_vector",
    "ALTER TABLE experiments DROP COLUMN search_vector",
    "ALTER TABLE experiments DROP COLUMN pipeline_id",
    "ALTER TABLE experiments DROP COLUMN dataset_id",
    "ALTER TABLE experiments DROP COLUMN completed_at",
    "ALTER TABLE experiments DROP COLUMN started_at",
    "UPDATE experiments SET status = 'completed' WHERE status IN ('failed', 'cancelled')",
    "ALTER TABLE experiments DROP CONSTRAINT ck_experiments_status_valid",
    "ALTER TABLE experiments ADD CONSTRAINT ck_experiments_status_valid "
    "CHECK (status IN ('active', 'completed', 'archived'))",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
