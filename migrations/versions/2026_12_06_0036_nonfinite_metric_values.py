"""non-finite metric values

A diverging run is when its curves matter most: NaN, +Infinity and -Infinity are stored as
themselves in run metric chunks (the finite-values check goes). Rollups and summaries keep
min and max over the finite values (NULL when a bucket or key has none) and count the
non-finite ones; ``last_value`` may be NaN or infinite.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06 02:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

TABLES = ("run_metric_rollups", "run_metric_summaries")


def upgrade() -> None:
    op.execute("ALTER TABLE run_metric_chunks DROP CONSTRAINT ck_run_metric_chunks_values_finite")
    for table in TABLES:
        op.execute(
            f"ALTER TABLE {table} ALTER COLUMN min_value DROP NOT NULL, "
            "ALTER COLUMN max_value DROP NOT NULL, "
            "ADD COLUMN nonfinite bigint NOT NULL DEFAULT 0"
        )


def downgrade() -> None:
    # Back to finite values only: non-finite points, and what was counted of them, go.
    for table in TABLES:
        op.execute(
            f"UPDATE {table} SET min_value = coalesce(min_value, 0), "
            "max_value = coalesce(max_value, 0), "
            "last_value = CASE WHEN last_value IN ('NaN', 'Infinity', '-Infinity') THEN 0 "
            "ELSE last_value END"
        )
        op.execute(
            f"ALTER TABLE {table} DROP COLUMN nonfinite, ALTER COLUMN min_value SET NOT NULL, "
            "ALTER COLUMN max_value SET NOT NULL"
        )
    op.execute(
        """UPDATE run_metric_chunks SET "values" = array(
             SELECT CASE WHEN v IN ('NaN', 'Infinity', '-Infinity') THEN 0 ELSE v END
             FROM unnest("values") AS v)
           WHERE "values" && ARRAY['NaN', 'Infinity', '-Infinity']::double precision[]"""
    )
    op.execute(
        "ALTER TABLE run_metric_chunks ADD CONSTRAINT ck_run_metric_chunks_values_finite CHECK ("
        "NOT (\"values\" && ARRAY['NaN', 'Infinity', '-Infinity']::double precision[]))"
    )
