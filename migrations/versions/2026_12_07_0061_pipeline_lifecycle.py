"""pipelines: a lifecycle status, a workflow type, and links to what they work on

pipelines.status (draft | active | archived; existing pipelines: active, as they ran),
workflow_type (training | batch_inference | data_preparation | evaluation | generic;
existing: generic), dataset_id, model_id, experiment_id (same project; gone with them:
SET NULL), and indexes on (project, status) and (project, workflow type).

Revision ID: 0061
Revises: 0060
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0061"
down_revision = "0060"
branch_labels = None
depends_on = None

UPGRADE = [
    "ALTER TABLE pipelines ADD COLUMN status VARCHAR(16) DEFAULT 'active' NOT NULL",
    "ALTER TABLE pipelines ADD COLUMN workflow_type VARCHAR(32) DEFAULT 'generic' NOT NULL",
    "ALTER TABLE pipelines ADD COLUMN dataset_id UUID",
    "ALTER TABLE pipelines ADD COLUMN model_id UUID",
    "ALTER TABLE pipelines ADD COLUMN experiment_id UUID",
    "ALTER TABLE pipelines ADD CONSTRAINT ck_pipelines_status_valid "
    "CHECK (status IN ('draft', 'active', 'archived'))",
    "ALTER TABLE pipelines ADD CONSTRAINT ck_pipelines_workflow_type_valid CHECK (workflow_type "
    "IN ('training', 'batch_inference', 'data_preparation', 'evaluation', 'generic'))",
    "ALTER TABLE pipelines ADD CONSTRAINT fk_pipelines_dataset_id_datasets "
    "FOREIGN KEY(dataset_id) REFERENCES datasets (id) ON DELETE SET NULL",
    "ALTER TABLE pipelines ADD CONSTRAINT fk_pipelines_model_id_models "
    "FOREIGN KEY(model_id) REFERENCES models (id) ON DELETE SET NULL",
    "ALTER TABLE pipelines ADD CONSTRAINT fk_pipelines_experiment_id_experiments "
    "FOREIGN KEY(experiment_id) REFERENCES experiments (id) ON DELETE SET NULL",
    "CREATE INDEX ix_pipelines_project_id_status_live ON pipelines "
    "(project_id, status, id) WHERE deleted_at IS NULL",
    "CREATE INDEX ix_pipelines_project_id_workflow_type_live ON pipelines "
    "(project_id, workflow_type, id) WHERE deleted_at IS NULL",
]

DOWNGRADE = [
    "DROP INDEX ix_pipelines_project_id_workflow_type_live",
    "DROP INDEX ix_pipelines_project_id_status_live",
    "ALTER TABLE pipelines DROP COLUMN experiment_id",
    "ALTER TABLE pipelines DROP COLUMN model_id",
    "ALTER TABLE pipelines DROP COLUMN dataset_id",
    "ALTER TABLE pipelines DROP COLUMN workflow_type",
    "ALTER TABLE pipelines DROP COLUMN status",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
