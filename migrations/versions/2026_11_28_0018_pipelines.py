"""pipelines and pipeline runs

A pipeline's steps (a DAG, checked by the service) live in ``definition``; a run keeps its
status, retries and each step's state. Notification rules may follow finished pipeline
runs (trigger pipeline_run_complete).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 14:04:31.249181
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pipelines",
        sa.Column("project_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("orchestrator", sa.String(length=20), nullable=False),
        sa.Column("workflow_id", sa.String(length=256), nullable=True),
        sa.Column("namespace", sa.String(length=128), server_default="", nullable=False),
        sa.Column("definition", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
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
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "orchestrator IN ('kubeflow', 'airflow', 'argo', 'n8n', 'vertex', 'custom')",
            name=op.f("ck_pipelines_orchestrator_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_pipelines_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_pipelines_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_pipelines_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipelines")),
    )
    op.create_index(
        op.f("ix_pipelines_organization_id"), "pipelines", ["organization_id"], unique=False
    )
    op.create_index(
        "ix_pipelines_project_id_live",
        "pipelines",
        ["project_id", "id"],
        unique=False,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "uq_pipelines_project_id_name_live",
        "pipelines",
        ["project_id", "name"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "uq_pipelines_workflow",
        "pipelines",
        ["organization_id", "orchestrator", "workflow_id", "namespace"],
        unique=True,
        postgresql_where=sa.text("workflow_id IS NOT NULL AND deleted_at IS NULL"),
    )
    op.create_table(
        "pipeline_runs",
        sa.Column("pipeline_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("retry_count", sa.Integer(), nullable=False),
        sa.Column("max_retries", sa.Integer(), nullable=False),
        sa.Column("current_stage", sa.String(length=63), nullable=True),
        sa.Column("steps", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
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
            "status IN ('created', 'pending', 'running', 'succeeded', 'failed', 'retrying', 'cancelled')",
            name=op.f("ck_pipeline_runs_status_valid"),
        ),
        sa.CheckConstraint(
            "retry_count >= 0 AND max_retries BETWEEN 0 AND 10 AND retry_count <= max_retries",
            name=op.f("ck_pipeline_runs_retries_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_pipeline_runs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_pipeline_runs_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name=op.f("fk_pipeline_runs_pipeline_id_pipelines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_runs")),
    )
    op.create_index(
        op.f("ix_pipeline_runs_organization_id"), "pipeline_runs", ["organization_id"], unique=False
    )
    op.create_index(
        "ix_pipeline_runs_pipeline_id", "pipeline_runs", ["pipeline_id", "id"], unique=False
    )

    _triggers(AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM notification_rules WHERE trigger = 'pipeline_run_complete'")
    _triggers(BEFORE)
    op.drop_table("pipeline_runs")
    op.drop_table("pipelines")


# Notification rules may follow pipeline runs (PIPELINE_RUN_COMPLETE).
BEFORE = ("alert", "deployment", "model_update", "experiment_complete", "training_job_complete")
AFTER = (*BEFORE, "pipeline_run_complete")


def _triggers(values: tuple[str, ...]) -> None:
    name = "ck_notification_rules_trigger_valid"
    listed = ", ".join(f"'{v}'" for v in values)
    op.execute(f"ALTER TABLE notification_rules DROP CONSTRAINT {name}")
    op.execute(
        f"ALTER TABLE notification_rules ADD CONSTRAINT {name} CHECK (trigger IN ({listed}))"
    )
