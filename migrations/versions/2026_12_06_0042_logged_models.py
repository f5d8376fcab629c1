"""logged models: the models a run logged through MLflow's client

MLflow 3's client creates a "logged model" before it uploads a model's files
(``mlflow.<flavor>.log_model``, autologging). Here its files are its run's artifacts under
``models/m-<id>/``; this table holds what MLflow says about it (name, status, tags,
params). Tenancy from the first revision: the run's organization, and the row-level
security policy of every table under a run (migration 0039).

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-06 13:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None

UPGRADE = [
    "CREATE TABLE logged_models (\n\trun_id UUID NOT NULL, \n\texperiment_id UUID NOT NULL, \n\tname VARCHAR(200) NOT NULL, \n\tstatus VARCHAR(20) NOT NULL, \n\tmodel_type VARCHAR(200), \n\ttags JSONB DEFAULT '{}'::jsonb NOT NULL, \n\tparams JSONB DEFAULT '{}'::jsonb NOT NULL, \n\tcreated_by_id UUID, \n\tid UUID NOT NULL, \n\torganization_id UUID NOT NULL, \n\tcreated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tupdated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tdeleted_at TIMESTAMP WITH TIME ZONE, \n\tCONSTRAINT pk_logged_models PRIMARY KEY (id), \n\tCONSTRAINT ck_logged_models_status_valid CHECK (status IN ('pending', 'ready', 'failed')), \n\tCONSTRAINT fk_logged_models_run_id_runs FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_logged_models_experiment_id_experiments FOREIGN KEY(experiment_id) REFERENCES experiments (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_logged_models_created_by_id_users FOREIGN KEY(created_by_id) REFERENCES users (id) ON DELETE SET NULL, \n\tCONSTRAINT fk_logged_models_organization_id_organizations FOREIGN KEY(organization_id) REFERENCES organizations (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_logged_models_experiment_id_live ON logged_models (experiment_id, id) WHERE deleted_at IS NULL",
    "CREATE INDEX ix_logged_models_organization_id ON logged_models (organization_id)",
    "CREATE INDEX ix_logged_models_run_id ON logged_models (run_id)",
    "ALTER TABLE logged_models ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenancy ON logged_models TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (EXISTS (SELECT 1 FROM runs vp0_0 WHERE vp0_0.id = logged_models.run_id AND NOT coalesce(vp0_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (EXISTS (SELECT 1 FROM runs vp0_0 WHERE vp0_0.id = logged_models.run_id AND NOT coalesce(vp0_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))))",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE logged_models")
