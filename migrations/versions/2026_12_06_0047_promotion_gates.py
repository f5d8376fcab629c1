"""promotion gates: a model's promotions that need approvals and checks

promotion_gates (per model and stage or alias: approvals from reviewers with a role,
metric bounds on the source run, no open alert at a severity, verified datasets),
promotion_requests (one pending per version and target) and promotion_reviews (one per
reviewer). Tenancy and row-level security from this first revision, through the model or
the version they live under.

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-06 23:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0047"
down_revision = "0046"
branch_labels = None
depends_on = None

UPGRADE = [
    "CREATE TABLE promotion_gates (\n\tmodel_id UUID NOT NULL, \n\ttarget_stage VARCHAR(20), \n\ttarget_alias VARCHAR(63), \n\trequired_approvals INTEGER NOT NULL, \n\treviewer_role VARCHAR(20) NOT NULL, \n\tmetric_bounds JSONB DEFAULT '[]'::jsonb NOT NULL, \n\tmax_open_alert_severity VARCHAR(20), \n\trequire_verified_datasets BOOLEAN NOT NULL, \n\tcreated_by_id UUID, \n\tid UUID NOT NULL, \n\torganization_id UUID NOT NULL, \n\tcreated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tupdated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tCONSTRAINT pk_promotion_gates PRIMARY KEY (id), \n\tCONSTRAINT ck_promotion_gates_one_target CHECK ((target_stage IS NULL) <> (target_alias IS NULL)), \n\tCONSTRAINT ck_promotion_gates_target_stage_valid CHECK (target_stage IN ('development', 'staging', 'production', 'archived')), \n\tCONSTRAINT ck_promotion_gates_reviewer_role_valid CHECK (reviewer_role IN ('admin', 'developer')), \n\tCONSTRAINT ck_promotion_gates_approvals_range CHECK (required_approvals BETWEEN 0 AND 10), \n\tCONSTRAINT ck_promotion_gates_severity_valid CHECK (max_open_alert_severity IS NULL OR max_open_alert_severity IN ('low', 'medium', 'high', 'critical')), \n\tCONSTRAINT fk_promotion_gates_model_id_models FOREIGN KEY(model_id) REFERENCES models (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_promotion_gates_created_by_id_users FOREIGN KEY(created_by_id) REFERENCES users (id) ON DELETE SET NULL, \n\tCONSTRAINT fk_promotion_gates_organization_id_organizations FOREIGN KEY(organization_id) REFERENCES organizations (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_promotion_gates_organization_id ON promotion_gates (organization_id)",
    "CREATE UNIQUE INDEX uq_promotion_gates_model_id_alias ON promotion_gates (model_id, target_alias) WHERE target_alias IS NOT NULL",
    "CREATE UNIQUE INDEX uq_promotion_gates_model_id_stage ON promotion_gates (model_id, target_stage) WHERE target_stage IS NOT NULL",
    "ALTER TABLE promotion_gates ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenancy ON promotion_gates TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (EXISTS (SELECT 1 FROM models vp0_0 WHERE vp0_0.id = promotion_gates.model_id AND NOT coalesce(vp0_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (EXISTS (SELECT 1 FROM models vp0_0 WHERE vp0_0.id = promotion_gates.model_id AND NOT coalesce(vp0_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))))",
    "CREATE TABLE promotion_requests (\n\tmodel_version_id UUID NOT NULL, \n\ttarget_stage VARCHAR(20), \n\ttarget_alias VARCHAR(63), \n\tstatus VARCHAR(20) NOT NULL, \n\trequested_by_id UUID, \n\treason TEXT, \n\tdecided_at TIMESTAMP WITH TIME ZONE, \n\tid UUID NOT NULL, \n\torganization_id UUID NOT NULL, \n\tcreated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tupdated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tCONSTRAINT pk_promotion_requests PRIMARY KEY (id), \n\tCONSTRAINT ck_promotion_requests_one_target CHECK ((target_stage IS NULL) <> (target_alias IS NULL)), \n\tCONSTRAINT ck_promotion_requests_target_stage_valid CHECK (target_stage IN ('development', 'staging', 'production', 'archived')), \n\tCONSTRAINT ck_promotion_requests_status_valid CHECK (status IN ('pending', 'applied', 'rejected', 'cancelled')), \n\tCONSTRAINT fk_promotion_requests_model_version_id_model_versions FOREIGN KEY(model_version_id) REFERENCES model_versions (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_promotion_requests_requested_by_id_users FOREIGN KEY(requested_by_id) REFERENCES users (id) ON DELETE SET NULL, \n\tCONSTRAINT fk_promotion_requests_organization_id_organizations FOREIGN KEY(organization_id) REFERENCES organizations (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_promotion_requests_model_version_id ON promotion_requests (model_version_id, id)",
    "CREATE INDEX ix_promotion_requests_organization_id ON promotion_requests (organization_id)",
    "CREATE UNIQUE INDEX uq_promotion_requests_pending ON promotion_requests (model_version_id, coalesce(target_stage, ''), coalesce(target_alias, '')) WHERE status = 'pending'",
    "ALTER TABLE promotion_requests ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenancy ON promotion_requests TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (EXISTS (SELECT 1 FROM model_versions vp0_0 WHERE vp0_0.id = promotion_requests.model_version_id AND EXISTS (SELECT 1 FROM models vp1_0 WHERE vp1_0.id = vp0_0.model_id AND NOT coalesce(vp1_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (EXISTS (SELECT 1 FROM model_versions vp0_0 WHERE vp0_0.id = promotion_requests.model_version_id AND EXISTS (SELECT 1 FROM models vp1_0 WHERE vp1_0.id = vp0_0.model_id AND NOT coalesce(vp1_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))))",
    "CREATE TABLE promotion_reviews (\n\trequest_id UUID NOT NULL, \n\treviewer_id UUID NOT NULL, \n\tapprove BOOLEAN NOT NULL, \n\tcomment TEXT, \n\tcreated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tid UUID NOT NULL, \n\torganization_id UUID NOT NULL, \n\tCONSTRAINT pk_promotion_reviews PRIMARY KEY (id), \n\tCONSTRAINT uq_promotion_reviews_request_id UNIQUE (request_id, reviewer_id), \n\tCONSTRAINT fk_promotion_reviews_request_id_promotion_requests FOREIGN KEY(request_id) REFERENCES promotion_requests (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_promotion_reviews_reviewer_id_users FOREIGN KEY(reviewer_id) REFERENCES users (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_promotion_reviews_organization_id_organizations FOREIGN KEY(organization_id) REFERENCES organizations (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_promotion_reviews_organization_id ON promotion_reviews (organization_id)",
    "ALTER TABLE promotion_reviews ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenancy ON promotion_reviews TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (EXISTS (SELECT 1 FROM promotion_requests vp0_0 WHERE vp0_0.id = promotion_reviews.request_id AND EXISTS (SELECT 1 FROM model_versions vp1_0 WHERE vp1_0.id = vp0_0.model_version_id AND EXISTS (SELECT 1 FROM models vp2_0 WHERE vp2_0.id = vp1_0.model_id AND NOT coalesce(vp2_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (EXISTS (SELECT 1 FROM promotion_requests vp0_0 WHERE vp0_0.id = promotion_reviews.request_id AND EXISTS (SELECT 1 FROM model_versions vp1_0 WHERE vp1_0.id = vp0_0.model_version_id AND EXISTS (SELECT 1 FROM models vp2_0 WHERE vp2_0.id = vp1_0.model_id AND NOT coalesce(vp2_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))))))",
]

DOWNGRADE = [
    "DROP TABLE promotion_reviews",
    "DROP TABLE promotion_requests",
    "DROP TABLE promotion_gates",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
