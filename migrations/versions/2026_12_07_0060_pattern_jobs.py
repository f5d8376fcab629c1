"""pattern-recognition jobs on the shared work queue

pattern_jobs: a search for patterns (clustering, anomaly detection, association rules) in
one dataset version, by an algorithm with its validated config, claimed by workers under
leases (status, lease owner and expiry, claims, retry limit, status version), with its
results, pattern count and times. Tenancy and row-level security from this first revision
(its project is the dataset's).

Revision ID: 0060
Revises: 0059
Create Date: 2026-12-07 08:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0060"
down_revision = "0059"
branch_labels = None
depends_on = None

UPGRADE = [
    "CREATE TABLE pattern_jobs (\n\tproject_id UUID NOT NULL, \n\tdataset_version_id UUID NOT NULL, \n\tname VARCHAR(200) NOT NULL, \n\tpattern_type VARCHAR(32) NOT NULL, \n\talgorithm VARCHAR(32) NOT NULL, \n\tconfig JSONB NOT NULL, \n\tstatus VARCHAR(16) NOT NULL, \n\tresults JSONB, \n\tpattern_count INTEGER, \n\terror_message TEXT, \n\tstarted_at TIMESTAMP WITH TIME ZONE, \n\tfinished_at TIMESTAMP WITH TIME ZONE, \n\tcreated_by_id UUID, \n\tlease_owner VARCHAR(200), \n\tlease_expires_at TIMESTAMP WITH TIME ZONE, \n\tclaims INTEGER DEFAULT 0 NOT NULL, \n\tmax_attempts SMALLINT DEFAULT 3 NOT NULL, \n\tstatus_version INTEGER DEFAULT 0 NOT NULL, \n\tid UUID NOT NULL, \n\torganization_id UUID NOT NULL, \n\tcreated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tupdated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tCONSTRAINT pk_pattern_jobs PRIMARY KEY (id), \n\tCONSTRAINT ck_pattern_jobs_pattern_type_valid CHECK (pattern_type IN ('clustering', 'anomaly_detection', 'association_rules')), \n\tCONSTRAINT ck_pattern_jobs_algorithm_valid CHECK (algorithm IN ('kmeans', 'dbscan', 'isolation_forest', 'local_outlier_factor', 'apriori', 'fp_growth')), \n\tCONSTRAINT ck_pattern_jobs_status_valid CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')), \n\tCONSTRAINT ck_pattern_jobs_max_attempts_valid CHECK (max_attempts BETWEEN 1 AND 10), \n\tCONSTRAINT ck_pattern_jobs_succeeded_has_results CHECK (status <> 'succeeded' OR pattern_count IS NOT NULL), \n\tCONSTRAINT fk_pattern_jobs_project_id_projects FOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_pattern_jobs_dataset_version_id_dataset_versions FOREIGN KEY(dataset_version_id) REFERENCES dataset_versions (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_pattern_jobs_created_by_id_users FOREIGN KEY(created_by_id) REFERENCES users (id) ON DELETE SET NULL, \n\tCONSTRAINT fk_pattern_jobs_organization_id_organizations FOREIGN KEY(organization_id) REFERENCES organizations (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_pattern_jobs_dataset_version_id ON pattern_jobs (dataset_version_id, id)",
    "CREATE INDEX ix_pattern_jobs_leases ON pattern_jobs (lease_expires_at) WHERE status = 'running' AND lease_expires_at IS NOT NULL",
    "CREATE INDEX ix_pattern_jobs_organization_id ON pattern_jobs (organization_id)",
    "CREATE INDEX ix_pattern_jobs_project_id ON pattern_jobs (project_id, id)",
    "CREATE INDEX ix_pattern_jobs_queue ON pattern_jobs (organization_id, status, id)",
    "ALTER TABLE pattern_jobs ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenancy ON pattern_jobs TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (NOT coalesce(pattern_jobs.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (NOT coalesce(pattern_jobs.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))",
]

DOWNGRADE = ["DROP TABLE pattern_jobs"]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
