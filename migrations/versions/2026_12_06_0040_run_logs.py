"""run console logs: lines numbered per run in commit order

A run's lines (``run_log_lines``: its number, stream, text, whether it was cut, the run's
time) and, per run, the last number given and this minute's count (``run_log_states``,
locked by each append, so numbers follow commit order and the rate limit holds).
Tenancy from the first revision: both tables carry the run's organization and the
row-level security policy of every table under a run (migration 0039).

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06 11:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

UPGRADE = [
    """CREATE TABLE run_log_lines (
        id UUID NOT NULL,
        organization_id UUID NOT NULL,
        run_id UUID NOT NULL,
        line_number BIGINT NOT NULL,
        stream TEXT NOT NULL,
        text TEXT NOT NULL,
        truncated BOOLEAN DEFAULT false NOT NULL,
        logged_at TIMESTAMP WITH TIME ZONE NOT NULL,
        received_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        CONSTRAINT pk_run_log_lines PRIMARY KEY (id),
        CONSTRAINT ck_run_log_lines_stream_valid CHECK (stream IN ('stdout', 'stderr')),
        CONSTRAINT fk_run_log_lines_run_id_runs FOREIGN KEY (run_id)
            REFERENCES runs (id) ON DELETE CASCADE,
        CONSTRAINT fk_run_log_lines_organization_id_organizations FOREIGN KEY (organization_id)
            REFERENCES organizations (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX ix_run_log_lines_organization_id ON run_log_lines (organization_id)",
    "CREATE UNIQUE INDEX uq_run_log_lines_run_id_line_number "
    "ON run_log_lines (run_id, line_number)",
    """CREATE TABLE run_log_states (
        run_id UUID NOT NULL,
        organization_id UUID NOT NULL,
        last_line BIGINT DEFAULT 0 NOT NULL,
        bytes BIGINT DEFAULT 0 NOT NULL,
        window_start TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        window_lines INTEGER DEFAULT 0 NOT NULL,
        CONSTRAINT pk_run_log_states PRIMARY KEY (run_id),
        CONSTRAINT fk_run_log_states_run_id_runs FOREIGN KEY (run_id)
            REFERENCES runs (id) ON DELETE CASCADE,
        CONSTRAINT fk_run_log_states_organization_id_organizations
            FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX ix_run_log_states_organization_id ON run_log_states (organization_id)",
]
# Row-level security, as app/domain/tenancy/row_security.py makes it for these tables.
POLICIES = [
    "ALTER TABLE run_log_lines ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenancy ON run_log_lines TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (EXISTS (SELECT 1 FROM runs vp0_0 WHERE vp0_0.id = run_log_lines.run_id AND NOT coalesce(vp0_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (EXISTS (SELECT 1 FROM runs vp0_0 WHERE vp0_0.id = run_log_lines.run_id AND NOT coalesce(vp0_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))))",
    "ALTER TABLE run_log_states ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenancy ON run_log_states TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (EXISTS (SELECT 1 FROM runs vp0_0 WHERE vp0_0.id = run_log_states.run_id AND NOT coalesce(vp0_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (EXISTS (SELECT 1 FROM runs vp0_0 WHERE vp0_0.id = run_log_states.run_id AND NOT coalesce(vp0_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))))",
]


def upgrade() -> None:
    for statement in UPGRADE + POLICIES:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE run_log_states")
    op.execute("DROP TABLE run_log_lines")
