"""serve types: API or WORKFLOW; a WORKFLOW serve's infrastructure per environment

models.serve_type (api | workflow; existing models: api, as they were served) and
workflow_configs (per WORKFLOW model and environment: head and worker node specs, min and
max workers). Tenancy and row-level security from this first revision.

Revision ID: 0063
Revises: 0062
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0063"
down_revision = "0062"
branch_labels = None
depends_on = None

UPGRADE = [
    "ALTER TABLE models ADD COLUMN serve_type VARCHAR(16) DEFAULT 'api' NOT NULL",
    "ALTER TABLE models ADD CONSTRAINT ck_models_serve_type_valid CHECK (serve_type IN ('api', 'workflow'))",
    "CREATE TABLE workflow_configs (\n\tproject_id UUID NOT NULL, \n\tmodel_id UUID NOT NULL, \n\tenvironment_id UUID NOT NULL, \n\thead_node JSONB NOT NULL, \n\tworker_node JSONB NOT NULL, \n\tmin_workers INTEGER NOT NULL, \n\tmax_workers INTEGER NOT NULL, \n\tcreated_by_id UUID, \n\tid UUID NOT NULL, \n\torganization_id UUID NOT NULL, \n\tcreated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tupdated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tCONSTRAINT pk_workflow_configs PRIMARY KEY (id), \n\tCONSTRAINT uq_workflow_configs_model_environment UNIQUE (model_id, environment_id), \n\tCONSTRAINT ck_workflow_configs_workers_valid CHECK (min_workers >= 0 AND max_workers >= 1 AND min_workers <= max_workers), \n\tCONSTRAINT fk_workflow_configs_project_id_projects FOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_workflow_configs_model_id_models FOREIGN KEY(model_id) REFERENCES models (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_workflow_configs_environment_id_environments FOREIGN KEY(environment_id) REFERENCES environments (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_workflow_configs_created_by_id_users FOREIGN KEY(created_by_id) REFERENCES users (id) ON DELETE SET NULL, \n\tCONSTRAINT fk_workflow_configs_organization_id_organizations FOREIGN KEY(organization_id) REFERENCES organizations (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_workflow_configs_environment_id ON workflow_configs (environment_id)",
    "CREATE INDEX ix_workflow_configs_organization_id ON workflow_configs (organization_id)",
    "ALTER TABLE workflow_configs ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenancy ON workflow_configs TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (NOT coalesce(workflow_configs.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (NOT coalesce(workflow_configs.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))",
]

DOWNGRADE = ["DROP TABLE workflow_configs", "ALTER TABLE models DROP COLUMN serve_type"]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
