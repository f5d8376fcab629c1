"""evaluation runs: a model version scored on a dataset version

evaluation_runs (by hand, or made by a pipeline run's EVALUATION step: pipeline_run_id and
step): status, metrics, error, times. Tenancy and row-level security from this first
revision (its project is the model version's).

Revision ID: 0059
Revises: 0058
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0059"
down_revision = "0058"
branch_labels = None
depends_on = None

UPGRADE = [
    "CREATE TABLE evaluation_runs (\n\tproject_id UUID NOT NULL, \n\tmodel_version_id UUID NOT NULL, \n\tdataset_version_id UUID NOT NULL, \n\tpipeline_run_id UUID, \n\tstep VARCHAR(100), \n\tstatus VARCHAR(20) NOT NULL, \n\tmetrics JSONB DEFAULT '{}'::jsonb NOT NULL, \n\terror_message TEXT, \n\tstarted_at TIMESTAMP WITH TIME ZONE, \n\tended_at TIMESTAMP WITH TIME ZONE, \n\tcreated_by_id UUID, \n\tid UUID NOT NULL, \n\torganization_id UUID NOT NULL, \n\tcreated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tupdated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tCONSTRAINT pk_evaluation_runs PRIMARY KEY (id), \n\tCONSTRAINT ck_evaluation_runs_status_valid CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')), \n\tCONSTRAINT fk_evaluation_runs_project_id_projects FOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_evaluation_runs_model_version_id_model_versions FOREIGN KEY(model_version_id) REFERENCES model_versions (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_evaluation_runs_dataset_version_id_dataset_versions FOREIGN KEY(dataset_version_id) REFERENCES dataset_versions (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_evaluation_runs_pipeline_run_id_pipeline_runs FOREIGN KEY(pipeline_run_id) REFERENCES pipeline_runs (id) ON DELETE SET NULL, \n\tCONSTRAINT fk_evaluation_runs_created_by_id_users FOREIGN KEY(created_by_id) REFERENCES users (id) ON DELETE SET NULL, \n\tCONSTRAINT fk_evaluation_runs_organization_id_organizations FOREIGN KEY(organization_id) REFERENCES organizations (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_evaluation_runs_dataset_version_id ON evaluation_runs (dataset_version_id, id)",
    "CREATE INDEX ix_evaluation_runs_model_version_id ON evaluation_runs (model_version_id, id)",
    "CREATE INDEX ix_evaluation_runs_organization_id ON evaluation_runs (organization_id)",
    "CREATE INDEX ix_evaluation_runs_pipeline_run_id ON evaluation_runs (pipeline_run_id) WHERE pipeline_run_id IS NOT NULL",
    "CREATE INDEX ix_evaluation_runs_project_id ON evaluation_runs (project_id, id)",
    "ALTER TABLE evaluation_runs ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenancy ON evaluation_runs TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (NOT coalesce(evaluation_runs.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (NOT coalesce(evaluation_runs.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))",
]

DOWNGRADE = ["DROP TABLE evaluation_runs"]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
