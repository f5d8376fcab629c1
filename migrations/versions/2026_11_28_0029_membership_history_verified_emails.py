"""membership history, verified emails

Removing a member stamps ``deleted_at`` instead of deleting the row, so who was a member and
when stays answerable; uniqueness of (organization, user) now holds among live memberships
only, so a removed user can be invited again. Users get ``email_verified_at`` (set by an
operator with ``mlgraph user-status --verified``).

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-28 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("memberships", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.drop_constraint("uq_memberships_organization_id", "memberships", type_="unique")
    op.create_index(
        "uq_memberships_organization_id_user_id_live",
        "memberships",
        ["organization_id", "user_id"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.add_column(
        "users", sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("users", "email_verified_at")
    # Removed memberships cannot survive the old constraint: history is lost on the way down.
    op.execute("DELETE FROM memberships WHERE deleted_at IS NOT NULL")
    op.drop_index("uq_memberships_organization_id_user_id_live", table_name="memberships")
    op.create_unique_constraint(
        "uq_memberships_organization_id", "memberships", ["organization_id", "user_id"]
    )
    op.drop_column("memberships", "deleted_at")
