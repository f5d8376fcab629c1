"""training jobs

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 14:00:00

Jobs that train a model on an external executor in a target environment: what they run
(an image or an entry point), their resources with the GPU rule as a CHECK (GPUs only
with useGpu, and then a GPU type and at least one GPU; the environment's catalogue is
checked by the service), a status, the executor's id (unique per executor within an
organization) and the run they produced.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

STATUSES = ("pending", "queued", "running", "succeeded", "failed", "cancelled")
EXECUTORS = ("kubernetes", "vertex_ai", "sagemaker", "ray", "custom")


def _in(column: str, values: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({listed})"  # as app.db.base.check_in (NULL passes)


def _fk(column: str, table: str, ondelete: str, nullable: bool) -> sa.Column:
    return sa.Column(
        column,
        postgresql.UUID(as_uuid=True),
        sa.ForeignKey(f"{table}.id", ondelete=ondelete),
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "training_jobs",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        _fk("organization_id", "organizations", "CASCADE", False),
        _fk("project_id", "projects", "CASCADE", False),
        _fk("experiment_id", "experiments", "SET NULL", True),
        _fk("environment_id", "environments", "CASCADE", False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("image", sa.String(512), nullable=True),
        sa.Column("entry_point", sa.String(1024), nullable=True),
        sa.Column(
            "config", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("cpu", sa.Float(), nullable=True),
        sa.Column("memory_mb", sa.Integer(), nullable=True),
        sa.Column("gpus", sa.Integer(), nullable=False),
        sa.Column("gpu_type", sa.String(64), nullable=True),
        sa.Column("use_gpu", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("executor", sa.String(32), nullable=True),
        sa.Column("external_id", sa.String(256), nullable=True),
        _fk("run_id", "runs", "SET NULL", True),
        _fk("created_by_id", "users", "SET NULL", True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),  # fmt: skip
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),  # fmt: skip
        sa.CheckConstraint(_in("status", STATUSES), name="ck_training_jobs_status_valid"),
        sa.CheckConstraint(_in("executor", EXECUTORS), name="ck_training_jobs_executor_valid"),
        sa.CheckConstraint(
            "image IS NOT NULL OR entry_point IS NOT NULL", name="ck_training_jobs_runs_something"
        ),
        sa.CheckConstraint(
            "(use_gpu AND gpu_type IS NOT NULL AND gpus > 0) "
            "OR (NOT use_gpu AND gpu_type IS NULL AND gpus = 0)",
            name="ck_training_jobs_gpu_rule",
        ),
        sa.CheckConstraint(
            "(executor IS NULL) = (external_id IS NULL)", name="ck_training_jobs_executor_link"
        ),
    )
    op.create_index("ix_training_jobs_organization_id", "training_jobs", ["organization_id"])
    op.create_index("ix_training_jobs_project_id", "training_jobs", ["project_id", "id"])
    op.create_index(
        "uq_training_jobs_executor_link",
        "training_jobs",
        ["organization_id", "executor", "external_id"],
        unique=True,
        postgresql_where=sa.text("executor IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("training_jobs")
