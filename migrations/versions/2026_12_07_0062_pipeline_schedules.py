"""pipeline schedules: cron expressions in a time zone

pipeline_schedules (per pipeline: cron, time zone, enabled, what to do with fire times
missed in downtime, the runs' retry limit, the next fire time and the last run). The
scheduler claims due rows with FOR UPDATE SKIP LOCKED (the partial index on next_run_at
of enabled schedules). Tenancy and row-level security from this first revision.

Revision ID: 0062
Revises: 0061
Create Date: 2026-12-07 09:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0062"
down_revision = "0061"
branch_labels = None
depends_on = None

UPGRADE = [
    "CREATE TABLE pipeline_schedules (\n\tproject_id UUID NOT NULL, \n\tpipeline_id UUID NOT NULL, \n\tcron VARCHAR(120) NOT NULL, \n\ttime_zone VARCHAR(64) NOT NULL, \n\tenabled BOOLEAN DEFAULT true NOT NULL, \n\tmissed_runs VARCHAR(16) NOT NULL, \n\tmax_retries INTEGER DEFAULT '0' NOT NULL, \n\tnext_run_at TIMESTAMP WITH TIME ZONE NOT NULL, \n\tlast_run_at TIMESTAMP WITH TIME ZONE, \n\tlast_pipeline_run_id UUID, \n\tcreated_by_id UUID, \n\tid UUID NOT NULL, \n\torganization_id UUID NOT NULL, \n\tcreated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tupdated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tCONSTRAINT pk_pipeline_schedules PRIMARY KEY (id), \n\tCONSTRAINT ck_pipeline_schedules_missed_runs_valid CHECK (missed_runs IN ('run_once', 'skip')), \n\tCONSTRAINT ck_pipeline_schedules_max_retries_valid CHECK (max_retries BETWEEN 0 AND 10), \n\tCONSTRAINT fk_pipeline_schedules_project_id_projects FOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_pipeline_schedules_pipeline_id_pipelines FOREIGN KEY(pipeline_id) REFERENCES pipelines (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_pipeline_schedules_last_pipeline_run_id_pipeline_runs FOREIGN KEY(last_pipeline_run_id) REFERENCES pipeline_runs (id) ON DELETE SET NULL, \n\tCONSTRAINT fk_pipeline_schedules_created_by_id_users FOREIGN KEY(created_by_id) REFERENCES users (id) ON DELETE SET NULL, \n\tCONSTRAINT fk_pipeline_schedules_organization_id_organizations FOREIGN KEY(organization_id) REFERENCES organizations (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_pipeline_schedules_due ON pipeline_schedules (next_run_at) WHERE enabled",
    "CREATE INDEX ix_pipeline_schedules_organization_id ON pipeline_schedules (organization_id)",
    "CREATE INDEX ix_pipeline_schedules_pipeline_id ON pipeline_schedules (pipeline_id, id)",
    "ALTER TABLE pipeline_schedules ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenancy ON pipeline_schedules TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (NOT coalesce(pipeline_schedules.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (NOT coalesce(pipeline_schedules.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))",
]

DOWNGRADE = ["DROP TABLE pipeline_schedules"]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
