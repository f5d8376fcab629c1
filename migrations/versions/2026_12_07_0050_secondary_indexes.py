"""the secondary indexes the seed documents list

Each serves a filter a list already takes (or, for deployments and training jobs, the lists
this revision's code adds: Organization.deployments, Experiment.trainingJobs): deployments
and alerts by organization and status, models by type and by framework within a project,
runs by status within an experiment, training jobs by experiment (by run: 0048),
predictions by model version within a deployment, pipeline runs by status.

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-07 03:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0050"
down_revision = "0049"
branch_labels = None
depends_on = None

UPGRADE = [
    "CREATE INDEX ix_deployments_organization_id_status_live ON deployments "
    "(organization_id, status, id) WHERE deleted_at IS NULL",
    "CREATE INDEX ix_alerts_organization_id_status ON alerts (organization_id, status, id)",
    "CREATE INDEX ix_models_project_id_model_type_live ON models "
    "(project_id, model_type, id) WHERE deleted_at IS NULL",
    "CREATE INDEX ix_models_project_id_framework_live ON models "
    "(project_id, framework, id) WHERE deleted_at IS NULL",
    "CREATE INDEX ix_runs_experiment_id_status_live ON runs "
    "(experiment_id, status, id) WHERE deleted_at IS NULL",
    "CREATE INDEX ix_training_jobs_experiment_id ON training_jobs "
    "(experiment_id, id) WHERE experiment_id IS NOT NULL",
    "CREATE INDEX ix_predictions_deployment_id_model_version_id ON predictions "
    "(deployment_id, model_version_id, recorded_at)",
    "CREATE INDEX ix_pipeline_runs_pipeline_id_status ON pipeline_runs (pipeline_id, status, id)",
]

DOWNGRADE = [f"DROP INDEX {statement.split()[2]}" for statement in reversed(UPGRADE)]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
