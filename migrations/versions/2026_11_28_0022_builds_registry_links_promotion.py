"""artifact builds, registry links, promotion policies

- ``artifact_builds``: a model version's serving image (one per version), a work queue
  (lease, heartbeat, claims and a retry limit).
- ``registry_links``: models (or versions) in external registries, with a sync state;
  unique per organization, registry and external id.
- ``promotion_policies``: one gate per serving endpoint for its canary.
- Notification rules may follow finished builds (ARTIFACT_BUILD_COMPLETE); deployment
  history has PROMOTE entries (a policy's decision).

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-28 15:40:32.771379
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


TRIGGERS_BEFORE = (
    "alert", "deployment", "model_update", "experiment_complete", "training_job_complete",
    "pipeline_run_complete",
)  # fmt: skip
TRIGGERS_AFTER = (*TRIGGERS_BEFORE, "artifact_build_complete")
EVENTS_BEFORE = ("deploy", "update", "rollback", "terminate")
EVENTS_AFTER = (*EVENTS_BEFORE, "promote")


def _check(table: str, column: str, name: str, values: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IN ({listed}))")


def upgrade() -> None:
    _check("notification_rules", "trigger", "ck_notification_rules_trigger_valid", TRIGGERS_AFTER)
    _check("deployment_events", "event_type", "ck_deployment_events_event_type_valid", EVENTS_AFTER)
    op.create_table(
        "promotion_policies",
        sa.Column("endpoint_id", sa.UUID(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("bake_minutes", sa.Integer(), nullable=False),
        sa.Column("max_alert_severity", sa.String(length=16), nullable=False),
        sa.Column(
            "metric_bounds",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.UUID(), nullable=True),
        sa.Column("last_evaluated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_decision", sa.String(length=16), nullable=True),
        sa.Column("last_decision_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_reason", sa.Text(), nullable=True),
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
            "last_decision IN ('promoted', 'rolled_back')",
            name=op.f("ck_promotion_policies_last_decision_valid"),
        ),
        sa.CheckConstraint(
            "max_alert_severity IN ('low', 'medium', 'high', 'critical')",
            name=op.f("ck_promotion_policies_max_alert_severity_valid"),
        ),
        sa.CheckConstraint(
            "bake_minutes BETWEEN 0 AND 10080",
            name=op.f("ck_promotion_policies_bake_minutes_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_promotion_policies_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["serving_endpoints.id"],
            name=op.f("fk_promotion_policies_endpoint_id_serving_endpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_promotion_policies_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotion_policies")),
        sa.UniqueConstraint("endpoint_id", name="uq_promotion_policies_endpoint_id"),
    )
    op.create_index(
        op.f("ix_promotion_policies_organization_id"),
        "promotion_policies",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "artifact_builds",
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("model_id", sa.UUID(), nullable=False),
        sa.Column("model_version_id", sa.UUID(), nullable=False),
        sa.Column("source_repository_url", sa.String(length=2048), nullable=False),
        sa.Column("source_ref", sa.String(length=255), nullable=False),
        sa.Column("source_path", sa.String(length=1024), nullable=True),
        sa.Column("image_url", sa.String(length=1024), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.UUID(), nullable=True),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claims", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("max_attempts", sa.SmallInteger(), server_default=sa.text("3"), nullable=False),
        sa.Column("status_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
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
            "status <> 'succeeded' OR image_url IS NOT NULL",
            name=op.f("ck_artifact_builds_succeeded_has_image"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'succeeded', 'failed')",
            name=op.f("ck_artifact_builds_status_valid"),
        ),
        sa.CheckConstraint(
            "max_attempts BETWEEN 1 AND 10", name=op.f("ck_artifact_builds_max_attempts_valid")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_artifact_builds_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_artifact_builds_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["model_version_id"],
            ["model_versions.id"],
            name=op.f("fk_artifact_builds_model_version_id_model_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_artifact_builds_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_artifact_builds_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifact_builds")),
        sa.UniqueConstraint("model_version_id", name="uq_artifact_builds_model_version_id"),
    )
    op.create_index(
        "ix_artifact_builds_leases",
        "artifact_builds",
        ["lease_expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'running' AND lease_expires_at IS NOT NULL"),
    )
    op.create_index(
        op.f("ix_artifact_builds_organization_id"),
        "artifact_builds",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "ix_artifact_builds_project_id", "artifact_builds", ["project_id", "id"], unique=False
    )
    op.create_index(
        "ix_artifact_builds_queue",
        "artifact_builds",
        ["organization_id", "status", "id"],
        unique=False,
    )
    op.create_table(
        "registry_links",
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("model_id", sa.UUID(), nullable=False),
        sa.Column("model_version_id", sa.UUID(), nullable=True),
        sa.Column("registry_type", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=512), nullable=False),
        sa.Column("repo_url", sa.String(length=2048), nullable=True),
        sa.Column("external_version", sa.String(length=128), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "metadata",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("sync_state", sa.String(length=16), nullable=False),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.UUID(), nullable=True),
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
            "registry_type IN ('huggingface', 'mlflow', 'sagemaker', 'vertex-ai', 'wandb')",
            name=op.f("ck_registry_links_registry_type_valid"),
        ),
        sa.CheckConstraint(
            "sync_state IN ('never_synced', 'synced', 'out_of_sync')",
            name=op.f("ck_registry_links_sync_state_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_registry_links_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_registry_links_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["model_version_id"],
            ["model_versions.id"],
            name=op.f("fk_registry_links_model_version_id_model_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_registry_links_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_registry_links_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_links")),
        sa.UniqueConstraint(
            "organization_id",
            "registry_type",
            "external_id",
            name="uq_registry_links_organization_id_registry_external_id",
        ),
    )
    op.create_index(
        "ix_registry_links_model_id", "registry_links", ["model_id", "id"], unique=False
    )
    op.create_index(
        op.f("ix_registry_links_organization_id"),
        "registry_links",
        ["organization_id"],
        unique=False,
    )


def downgrade() -> None:
    op.execute("DELETE FROM notification_rules WHERE trigger = 'artifact_build_complete'")
    op.execute("DELETE FROM deployment_events WHERE event_type = 'promote'")
    _check("notification_rules", "trigger", "ck_notification_rules_trigger_valid", TRIGGERS_BEFORE)
    _check(
        "deployment_events", "event_type", "ck_deployment_events_event_type_valid", EVENTS_BEFORE
    )
    op.drop_index(op.f("ix_registry_links_organization_id"), table_name="registry_links")
    op.drop_index("ix_registry_links_model_id", table_name="registry_links")
    op.drop_table("registry_links")
    op.drop_index("ix_artifact_builds_queue", table_name="artifact_builds")
    op.drop_index("ix_artifact_builds_project_id", table_name="artifact_builds")
    op.drop_index(op.f("ix_artifact_builds_organization_id"), table_name="artifact_builds")
    op.drop_index(
        "ix_artifact_builds_leases",
        table_name="artifact_builds",
        postgresql_where=sa.text("status = 'running' AND lease_expires_at IS NOT NULL"),
    )
    op.drop_table("artifact_builds")
    op.drop_index(op.f("ix_promotion_policies_organization_id"), table_name="promotion_policies")
    op.drop_table("promotion_policies")
