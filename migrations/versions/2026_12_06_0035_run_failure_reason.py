"""why a run failed

``runFinish(failureReason:)`` with FAILED or KILLED: what ended it, as the client saw it (the
Python client sends the exception's type and message). Bounded to 4,000 characters.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 02:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("failure_reason", sa.String(4000), nullable=True))


def downgrade() -> None:
    op.drop_column("runs", "failure_reason")
