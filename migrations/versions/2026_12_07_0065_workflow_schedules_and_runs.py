"""WORKFLOW serves' schedules and runs

workflow_configs gains the version its runs serve (none: the model's PRODUCTION version at
each run) and a schedule: a cron expression in a time zone, whether it is on, what missed
fire times do, and the next and last fire times (the due index drives the scheduler's
claim). workflow_runs: each run of a serve's workflow, on the work queue, with a copy of the
nodes it runs on. Tenancy and row-level security from this first revision.

Revision ID: 0065
Revises: 0064
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0065"
down_revision = "0064"
branch_labels = None
depends_on = None

UPGRADE = [
    "ALTER TABLE workflow_configs ADD COLUMN model_version_id UUID",
    "ALTER TABLE workflow_configs ADD CONSTRAINT fk_workflow_configs_model_version_id_model_versions FOREIGN KEY(model_version_id) REFERENCES model_versions (id) ON DELETE SET NULL",
    "ALTER TABLE workflow_configs ADD COLUMN cron VARCHAR(120)",
    "ALTER TABLE workflow_configs ADD COLUMN time_zone VARCHAR(64)",
    "ALTER TABLE workflow_configs ADD COLUMN schedule_enabled BOOLEAN DEFAULT true NOT NULL",
    "ALTER TABLE workflow_configs ADD COLUMN missed_runs VARCHAR(16) DEFAULT 'run_once' NOT NULL",
    "ALTER TABLE workflow_configs ADD COLUMN next_run_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE workflow_configs ADD COLUMN last_run_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE workflow_configs ADD CONSTRAINT ck_workflow_configs_schedule_whole CHECK ((cron IS NULL) = (time_zone IS NULL) AND (cron IS NULL) = (next_run_at IS NULL))",
    "ALTER TABLE workflow_configs ADD CONSTRAINT ck_workflow_configs_missed_runs_valid CHECK (missed_runs IN ('run_once', 'skip'))",
    "CREATE INDEX ix_workflow_configs_due ON workflow_configs (next_run_at) WHERE schedule_enabled AND cron IS NOT NULL",
    "CREATE TABLE workflow_runs (\n\tproject_id UUID NOT NULL, \n\tmodel_id UUID NOT NULL, \n\tmodel_version_id UUID NOT NULL, \n\tenvironment_id UUID NOT NULL, \n\tworkflow_config_id UUID, \n\ttrigger VARCHAR(16) NOT NULL, \n\tscheduled_for TIMESTAMP WITH TIME ZONE, \n\thead_node JSONB NOT NULL, \n\tworker_node JSONB NOT NULL, \n\tmin_workers INTEGER NOT NULL, \n\tmax_workers INTEGER NOT NULL, \n\tstatus VARCHAR(16) NOT NULL, \n\terror_message TEXT, \n\tstarted_at TIMESTAMP WITH TIME ZONE, \n\tfinished_at TIMESTAMP WITH TIME ZONE, \n\tcreated_by_id UUID, \n\tlease_owner VARCHAR(200), \n\tlease_expires_at TIMESTAMP WITH TIME ZONE, \n\tclaims INTEGER DEFAULT 0 NOT NULL, \n\tmax_attempts SMALLINT DEFAULT 3 NOT NULL, \n\tstatus_version INTEGER DEFAULT 0 NOT NULL, \n\tid UUID NOT NULL, \n\torganization_id UUID NOT NULL, \n\tcreated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tupdated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tCONSTRAINT pk_workflow_runs PRIMARY KEY (id), \n\tCONSTRAINT ck_workflow_runs_status_valid CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')), \n\tCONSTRAINT ck_workflow_runs_trigger_valid CHECK (trigger IN ('manual', 'schedule')), \n\tCONSTRAINT ck_workflow_runs_max_attempts_valid CHECK (max_attempts BETWEEN 1 AND 10), \n\tCONSTRAINT fk_workflow_runs_project_id_projects FOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_workflow_runs_model_id_models FOREIGN KEY(model_id) REFERENCES models (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_workflow_runs_model_version_id_model_versions FOREIGN KEY(model_version_id) REFERENCES model_versions (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_workflow_runs_environment_id_environments FOREIGN KEY(environment_id) REFERENCES environments (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_workflow_runs_workflow_config_id_workflow_configs FOREIGN KEY(workflow_config_id) REFERENCES workflow_configs (id) ON DELETE SET NULL, \n\tCONSTRAINT fk_workflow_runs_created_by_id_users FOREIGN KEY(created_by_id) REFERENCES users (id) ON DELETE SET NULL, \n\tCONSTRAINT fk_workflow_runs_organization_id_organizations FOREIGN KEY(organization_id) REFERENCES organizations (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_workflow_runs_leases ON workflow_runs (lease_expires_at) WHERE status = 'running' AND lease_expires_at IS NOT NULL",
    "CREATE INDEX ix_workflow_runs_model_id ON workflow_runs (model_id, id)",
    "CREATE INDEX ix_workflow_runs_organization_id ON workflow_runs (organization_id)",
    "CREATE INDEX ix_workflow_runs_queue ON workflow_runs (organization_id, status, id)",
    "CREATE INDEX ix_workflow_runs_workflow_config_id ON workflow_runs (workflow_config_id, id)",
    "ALTER TABLE workflow_runs ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenancy ON workflow_runs TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (NOT coalesce(workflow_runs.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (NOT coalesce(workflow_runs.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))",
]

DOWNGRADE = [
    "DROP TABLE workflow_runs",
    "DROP INDEX ix_workflow_configs_due",
    "ALTER TABLE workflow_configs DROP CONSTRAINT ck_workflow_configs_missed_runs_valid",
    "ALTER TABLE workflow_configs DROP CONSTRAINT ck_workflow_configs_schedule_whole",
    "ALTER TABLE workflow_configs DROP COLUMN last_run_at",
    "ALTER TABLE workflow_configs DROP COLUMN next_run_at",
    "ALTER TABLE workflow_configs DROP COLUMN missed_runs",
    "ALTER TABLE workflow_configs DROP COLUMN schedule_enabled",
    "ALTER TABLE workflow_configs DROP COLUMN time_zone",
    "ALTER TABLE workflow_configs DROP COLUMN cron",
    "ALTER TABLE workflow_configs DROP COLUMN model_version_id",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
