"""run artifacts: files next to a run, their bytes in the object store

One row per live file of a run at a normalised path (a new upload replaces it: the old
row is soft-deleted), with its size, SHA-256, content type and the object's key (made
from ids alone). Tenancy from the first revision: the run's organization, and the
row-level security policy of every table under a run (migration 0039).

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-06 11:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

UPGRADE = [
    "CREATE TABLE run_artifacts (\n\trun_id UUID NOT NULL, \n\tpath TEXT NOT NULL, \n\tsize_bytes BIGINT NOT NULL, \n\tsha256 TEXT NOT NULL, \n\tcontent_type TEXT NOT NULL, \n\tstorage_key TEXT NOT NULL, \n\tcreated_by_id UUID, \n\tid UUID NOT NULL, \n\torganization_id UUID NOT NULL, \n\tcreated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tupdated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tdeleted_at TIMESTAMP WITH TIME ZONE, \n\tCONSTRAINT pk_run_artifacts PRIMARY KEY (id), \n\tCONSTRAINT fk_run_artifacts_run_id_runs FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_run_artifacts_created_by_id_users FOREIGN KEY(created_by_id) REFERENCES users (id) ON DELETE SET NULL, \n\tCONSTRAINT fk_run_artifacts_organization_id_organizations FOREIGN KEY(organization_id) REFERENCES organizations (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_run_artifacts_organization_id ON run_artifacts (organization_id)",
    "CREATE UNIQUE INDEX uq_run_artifacts_run_id_path_live ON run_artifacts (run_id, path) WHERE deleted_at IS NULL",
    "ALTER TABLE run_artifacts ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenancy ON run_artifacts TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (EXISTS (SELECT 1 FROM runs vp0_0 WHERE vp0_0.id = run_artifacts.run_id AND NOT coalesce(vp0_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (EXISTS (SELECT 1 FROM runs vp0_0 WHERE vp0_0.id = run_artifacts.run_id AND NOT coalesce(vp0_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))))",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE run_artifacts")
