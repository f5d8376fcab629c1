"""serving endpoints, typed deployment runtime, action status, production history

- ``serving_endpoints`` (one per model and environment; active and previous deployment) and
  ``serving_endpoint_events`` (every move of the active deployment). Existing deployments are
  attached to endpoints made here, each pointing at its ACTIVE deployment with the most
  traffic, with one event at the migration's time.
- Typed runtime columns on ``deployments`` (framework, resources, replicas, autoscaling,
  capacity, health) with their checks.
- Per-action status, error and start/end times on ``deployment_events`` (existing ones are
  completed).
- ``model_production_events`` (the production version over time), seeded with each current
  production version at its stage-change time.
- ``predictions.model_version_id``: the version that served each new prediction (null for
  older ones: which version served them was never recorded).

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-28 15:18:30.498732
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


CHECKS = [
    ("health_valid", "health IN ('healthy', 'degraded', 'unhealthy')"),
    ("capacity_type_valid", "capacity_type IN ('on_demand', 'spot')"),
    (
        "replica_count_within_bounds",
        "replica_count IS NULL OR replica_count BETWEEN min_instances AND max_instances",
    ),
    (
        "cpu_request_within_limit",
        "cpu_request_millicores IS NULL OR cpu_limit_millicores IS NULL"
        " OR cpu_request_millicores <= cpu_limit_millicores",
    ),
    (
        "memory_request_within_limit",
        "memory_request_mib IS NULL OR memory_limit_mib IS NULL"
        " OR memory_request_mib <= memory_limit_mib",
    ),
    ("gpu_valid", "gpu_count >= 0 AND (gpu_type IS NULL OR gpu_count > 0)"),
    (
        "autoscaling_cpu_valid",
        "autoscaling_target_cpu_percent IS NULL"
        " OR autoscaling_target_cpu_percent BETWEEN 1 AND 100",
    ),
]

BACKFILL_ENDPOINTS = """
INSERT INTO serving_endpoints (id, organization_id, project_id, model_id, environment_id, status)
SELECT DISTINCT ON (v.model_id, d.environment_id)
       gen_random_uuid(), d.organization_id, m.project_id, v.model_id, d.environment_id, 'idle'
FROM deployments d
JOIN model_versions v ON v.id = d.model_version_id
JOIN models m ON m.id = v.model_id;

UPDATE deployments d SET endpoint_id = e.id
FROM model_versions v, serving_endpoints e
WHERE v.id = d.model_version_id AND e.model_id = v.model_id
  AND e.environment_id = d.environment_id;

UPDATE serving_endpoints e SET active_deployment_id = best.id, status = 'serving'
FROM (
    SELECT DISTINCT ON (endpoint_id) endpoint_id, id FROM deployments
    WHERE status = 'active' AND deleted_at IS NULL
    ORDER BY endpoint_id, traffic_percentage DESC, id DESC
) best
WHERE best.endpoint_id = e.id;

INSERT INTO serving_endpoint_events (id, organization_id, endpoint_id, to_deployment_id, reason)
SELECT gen_random_uuid(), organization_id, id, active_deployment_id, 'deploy'
FROM serving_endpoints WHERE active_deployment_id IS NOT NULL;
"""

BACKFILL_PRODUCTION = """
INSERT INTO model_production_events (id, organization_id, model_id, version_id, created_at)
SELECT gen_random_uuid(), organization_id, model_id, id, coalesce(stage_changed_at, created_at)
FROM model_versions WHERE stage = 'production' AND deleted_at IS NULL;
"""


def upgrade() -> None:
    op.create_table(
        "serving_endpoints",
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("model_id", sa.UUID(), nullable=False),
        sa.Column("environment_id", sa.UUID(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("active_deployment_id", sa.UUID(), nullable=True),
        sa.Column("previous_deployment_id", sa.UUID(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('serving', 'idle')", name=op.f("ck_serving_endpoints_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["environment_id"],
            ["environments.id"],
            name=op.f("fk_serving_endpoints_environment_id_environments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_serving_endpoints_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_serving_endpoints_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_serving_endpoints_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serving_endpoints")),
        sa.UniqueConstraint(
            "model_id", "environment_id", name="uq_serving_endpoints_model_id_environment_id"
        ),
    )
    op.create_foreign_key(
        op.f("fk_serving_endpoints_active_deployment_id_deployments"),
        "serving_endpoints",
        "deployments",
        ["active_deployment_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_foreign_key(
        op.f("fk_serving_endpoints_previous_deployment_id_deployments"),
        "serving_endpoints",
        "deployments",
        ["previous_deployment_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(
        "ix_serving_endpoints_environment_id",
        "serving_endpoints",
        ["environment_id", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_serving_endpoints_organization_id"),
        "serving_endpoints",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "model_production_events",
        sa.Column("model_id", sa.UUID(), nullable=False),
        sa.Column("version_id", sa.UUID(), nullable=True),
        sa.Column("actor_user_id", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_model_production_events_actor_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_model_production_events_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_model_production_events_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_model_production_events_version_id_model_versions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_production_events")),
    )
    op.create_index(
        "ix_model_production_events_model_id_at",
        "model_production_events",
        ["model_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_model_production_events_organization_id"),
        "model_production_events",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "serving_endpoint_events",
        sa.Column("endpoint_id", sa.UUID(), nullable=False),
        sa.Column("from_deployment_id", sa.UUID(), nullable=True),
        sa.Column("to_deployment_id", sa.UUID(), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("actor_user_id", sa.UUID(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("organization_id", sa.UUID(), nullable=False),
        sa.CheckConstraint(
            "reason IN ('deploy', 'status', 'traffic', 'promotion')",
            name=op.f("ck_serving_endpoint_events_reason_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_serving_endpoint_events_actor_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["serving_endpoints.id"],
            name=op.f("fk_serving_endpoint_events_endpoint_id_serving_endpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_deployment_id"],
            ["deployments.id"],
            name=op.f("fk_serving_endpoint_events_from_deployment_id_deployments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_serving_endpoint_events_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_deployment_id"],
            ["deployments.id"],
            name=op.f("fk_serving_endpoint_events_to_deployment_id_deployments"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serving_endpoint_events")),
    )
    op.create_index(
        "ix_serving_endpoint_events_endpoint_id_at",
        "serving_endpoint_events",
        ["endpoint_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_serving_endpoint_events_organization_id"),
        "serving_endpoint_events",
        ["organization_id"],
        unique=False,
    )
    op.add_column(
        "deployment_events",
        sa.Column("status", sa.String(length=16), server_default="completed", nullable=False),
    )
    op.alter_column("deployment_events", "status", server_default=None)
    op.create_check_constraint(
        "status_valid",
        "deployment_events",
        "status IN ('pending', 'in_progress', 'completed', 'failed')",
    )
    op.add_column("deployment_events", sa.Column("error_message", sa.Text(), nullable=True))
    op.add_column(
        "deployment_events", sa.Column("started_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "deployment_events", sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("deployments", sa.Column("endpoint_id", sa.UUID(), nullable=True))
    op.add_column(
        "deployments", sa.Column("serving_framework", sa.String(length=32), nullable=True)
    )
    op.add_column(
        "deployments", sa.Column("framework_resource_id", sa.String(length=253), nullable=True)
    )
    op.add_column(
        "deployments", sa.Column("framework_namespace", sa.String(length=63), nullable=True)
    )
    op.add_column("deployments", sa.Column("machine_type", sa.String(length=64), nullable=True))
    op.add_column("deployments", sa.Column("cpu_request_millicores", sa.Integer(), nullable=True))
    op.add_column("deployments", sa.Column("cpu_limit_millicores", sa.Integer(), nullable=True))
    op.add_column("deployments", sa.Column("memory_request_mib", sa.Integer(), nullable=True))
    op.add_column("deployments", sa.Column("memory_limit_mib", sa.Integer(), nullable=True))
    op.add_column(
        "deployments", sa.Column("gpu_count", sa.SmallInteger(), server_default="0", nullable=False)
    )
    op.add_column("deployments", sa.Column("gpu_type", sa.String(length=64), nullable=True))
    op.add_column("deployments", sa.Column("replica_count", sa.Integer(), nullable=True))
    op.add_column(
        "deployments", sa.Column("autoscaling_target_cpu_percent", sa.SmallInteger(), nullable=True)
    )
    op.add_column(
        "deployments", sa.Column("autoscaling_target_rps", sa.Float(precision=53), nullable=True)
    )
    op.add_column(
        "deployments", sa.Column("autoscaling_target_concurrency", sa.Integer(), nullable=True)
    )
    op.add_column(
        "deployments",
        sa.Column(
            "capacity_type", sa.String(length=16), server_default="on_demand", nullable=False
        ),
    )
    op.add_column(
        "deployments", sa.Column("health_check_path", sa.String(length=512), nullable=True)
    )
    op.add_column(
        "deployments", sa.Column("deployed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "deployments", sa.Column("terminated_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("deployments", sa.Column("health", sa.String(length=16), nullable=True))
    op.add_column(
        "deployments", sa.Column("health_reported_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "deployments",
        sa.Column("framework_status", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.alter_column("deployments", "gpu_count", server_default=None)
    op.alter_column("deployments", "capacity_type", server_default=None)
    for name, condition in CHECKS:
        op.create_check_constraint(name, "deployments", condition)
    for statement in BACKFILL_ENDPOINTS.split(";")[:-1]:
        op.execute(statement)
    op.alter_column("deployments", "endpoint_id", nullable=False)
    op.execute(BACKFILL_PRODUCTION)
    op.create_index(
        "ix_deployments_endpoint_id_live",
        "deployments",
        ["endpoint_id", "id"],
        unique=False,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "uq_deployments_framework_resource_live",
        "deployments",
        ["environment_id", "serving_framework", "framework_namespace", "framework_resource_id"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL AND framework_resource_id IS NOT NULL"),
    )
    op.create_foreign_key(
        op.f("fk_deployments_endpoint_id_serving_endpoints"),
        "deployments",
        "serving_endpoints",
        ["endpoint_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.add_column("predictions", sa.Column("model_version_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f("fk_predictions_model_version_id_model_versions"),
        "predictions",
        "model_versions",
        ["model_version_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_predictions_model_version_id_model_versions"), "predictions", type_="foreignkey"
    )
    op.drop_column("predictions", "model_version_id")
    op.drop_constraint(
        op.f("fk_deployments_endpoint_id_serving_endpoints"), "deployments", type_="foreignkey"
    )
    op.drop_index(
        "uq_deployments_framework_resource_live",
        table_name="deployments",
        postgresql_where=sa.text("deleted_at IS NULL AND framework_resource_id IS NOT NULL"),
    )
    op.drop_index(
        "ix_deployments_endpoint_id_live",
        table_name="deployments",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_column("deployments", "framework_status")
    op.drop_column("deployments", "health_reported_at")
    op.drop_column("deployments", "health")
    op.drop_column("deployments", "terminated_at")
    op.drop_column("deployments", "deployed_at")
    op.drop_column("deployments", "health_check_path")
    op.drop_column("deployments", "capacity_type")
    op.drop_column("deployments", "autoscaling_target_concurrency")
    op.drop_column("deployments", "autoscaling_target_rps")
    op.drop_column("deployments", "autoscaling_target_cpu_percent")
    op.drop_column("deployments", "replica_count")
    op.drop_column("deployments", "gpu_type")
    op.drop_column("deployments", "gpu_count")
    op.drop_column("deployments", "memory_limit_mib")
    op.drop_column("deployments", "memory_request_mib")
    op.drop_column("deployments", "cpu_limit_millicores")
    op.drop_column("deployments", "cpu_request_millicores")
    op.drop_column("deployments", "machine_type")
    op.drop_column("deployments", "framework_namespace")
    op.drop_column("deployments", "framework_resource_id")
    op.drop_column("deployments", "serving_framework")
    op.drop_column("deployments", "endpoint_id")
    op.drop_column("deployment_events", "finished_at")
    op.drop_column("deployment_events", "started_at")
    op.drop_column("deployment_events", "error_message")
    op.drop_column("deployment_events", "status")
    op.drop_index(
        op.f("ix_serving_endpoint_events_organization_id"), table_name="serving_endpoint_events"
    )
    op.drop_index("ix_serving_endpoint_events_endpoint_id_at", table_name="serving_endpoint_events")
    op.drop_table("serving_endpoint_events")
    op.drop_index(
        op.f("ix_model_production_events_organization_id"), table_name="model_production_events"
    )
    op.drop_index("ix_model_production_events_model_id_at", table_name="model_production_events")
    op.drop_table("model_production_events")
    op.drop_index(op.f("ix_serving_endpoints_organization_id"), table_name="serving_endpoints")
    op.drop_index("ix_serving_endpoints_environment_id", table_name="serving_endpoints")
    op.drop_table("serving_endpoints")
