"""gpu catalogue per environment

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 13:45:00

The GPU types an environment offers (training jobs and deployments will be checked
against them): a canonical lower-case key unique per environment, a label, enabled, an
optional priority, and a stored sort key that puts unprioritised types last.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

MAX_PRIORITY = 1_000_000


def upgrade() -> None:
    op.create_table(
        "gpu_types",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "organization_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "environment_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("environments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column(
            "sort_priority",
            sa.Integer(),
            sa.Computed(f"coalesce(priority, {MAX_PRIORITY + 1})", persisted=True),
        ),
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
        sa.UniqueConstraint("environment_id", "key", name="uq_gpu_types_environment_id_key"),
        sa.CheckConstraint("key ~ '^[a-z0-9][a-z0-9-]*$'", name="ck_gpu_types_key_canonical"),
        sa.CheckConstraint("length(btrim(label)) > 0", name="ck_gpu_types_label_not_empty"),
        sa.CheckConstraint(
            f"priority IS NULL OR priority BETWEEN 0 AND {MAX_PRIORITY}",
            name="ck_gpu_types_priority_range",
        ),
    )
    op.create_index(
        "ix_gpu_types_listing", "gpu_types", ["environment_id", "sort_priority", "label", "id"]
    )
    op.create_index("ix_gpu_types_organization_id", "gpu_types", ["organization_id"])


def downgrade() -> None:
    op.drop_table("gpu_types")
