"""check constraints of gpu_types and training_jobs named as the models name them

Their first migrations gave full names to a metadata whose naming convention prefixes
``ck_<table>_`` again, so the database holds ``ck_gpu_types_ck_gpu_types_key_canonical``
where the models say ``ck_gpu_types_key_canonical``. Same checks, new names: now
tests/migrations/test_migrations.py can hold every check of the models to the database's.

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-06 22:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0046"
down_revision = "0045"
branch_labels = None
depends_on = None

RENAMED = {
    "gpu_types": ("key_canonical", "priority_range", "label_not_empty"),
    "training_jobs": (
        "executor_link",
        "status_valid",
        "gpu_rule",
        "runs_something",
        "executor_valid",
    ),
}


def upgrade() -> None:
    for table, names in RENAMED.items():
        for name in names:
            op.execute(
                f"ALTER TABLE {table} RENAME CONSTRAINT ck_{table}_ck_{table}_{name} "
                f"TO ck_{table}_{name}"
            )


def downgrade() -> None:
    for table, names in RENAMED.items():
        for name in names:
            op.execute(
                f"ALTER TABLE {table} RENAME CONSTRAINT ck_{table}_{name} "
                f"TO ck_{table}_ck_{table}_{name}"
            )
