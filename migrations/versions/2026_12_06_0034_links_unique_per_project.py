"""external links unique per project

A run's tracking link, a registry link's external id, a training job's executor id and a
pipeline's workflow were unique per organization, so creating one that a private project
already held answered CONFLICT to a member from whom that project is hidden: an oracle. The
database now holds them unique per project; the services keep the organization-wide check
among the rows the caller can see.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 02:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

LIVE_RUN_LINK = sa.text("tracking_system IS NOT NULL AND deleted_at IS NULL")
JOB_LINK = sa.text("executor IS NOT NULL")
LIVE_WORKFLOW = sa.text("workflow_id IS NOT NULL AND deleted_at IS NULL")


def _indexes(scope: str) -> None:
    op.create_index(
        "uq_runs_tracking_link", "runs", [scope, "tracking_system", "tracking_run_id"],
        unique=True, postgresql_where=LIVE_RUN_LINK,
    )  # fmt: skip
    op.create_index(
        "uq_training_jobs_executor_link", "training_jobs", [scope, "executor", "external_id"],
        unique=True, postgresql_where=JOB_LINK,
    )  # fmt: skip
    op.create_index(
        "uq_pipelines_workflow", "pipelines",
        [scope, "orchestrator", "workflow_id", "namespace"],
        unique=True, postgresql_where=LIVE_WORKFLOW,
    )  # fmt: skip


def _drop_indexes() -> None:
    op.drop_index("uq_runs_tracking_link", table_name="runs")
    op.drop_index("uq_training_jobs_executor_link", table_name="training_jobs")
    op.drop_index("uq_pipelines_workflow", table_name="pipelines")


def upgrade() -> None:
    _drop_indexes()
    _indexes("project_id")
    op.drop_constraint(
        "uq_registry_links_organization_id_registry_external_id", "registry_links", "unique"
    )
    op.create_unique_constraint(
        "uq_registry_links_project_id_registry_external_id",
        "registry_links",
        ["project_id", "registry_type", "external_id"],
    )


def downgrade() -> None:
    op.drop_constraint(
        "uq_registry_links_project_id_registry_external_id", "registry_links", "unique"
    )
    op.create_unique_constraint(
        "uq_registry_links_organization_id_registry_external_id",
        "registry_links",
        ["organization_id", "registry_type", "external_id"],
    )
    _drop_indexes()
    _indexes("organization_id")
