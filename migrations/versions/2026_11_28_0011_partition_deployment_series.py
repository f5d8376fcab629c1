"""partition the deployment time series by hash of deployment

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 11:45:00

monitoring_metrics, predictions and prediction_embeddings grow with traffic and every
query names one deployment: they become hash-partitioned by ``deployment_id`` (8
partitions each), like run_metric_chunks by run. A unique key must hold the partition
column, so the primary keys of predictions and prediction_embeddings become
``(deployment_id, id)`` (nothing references them). ``deployment_id`` is also the Citus
distribution column of these tables (docs/architecture.md, "Scaling out").

Each table is rebuilt: renamed away (with its indexes), recreated partitioned with the
same columns, checks, foreign keys and indexes (read from the catalog first), refilled,
dropped. Downgrade rebuilds them unpartitioned the same way.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PARTITIONS = 8
# table -> (primary key when partitioned, primary key before)
TABLES = {
    "monitoring_metrics": (
        "deployment_id, name, recorded_at",
        "deployment_id, name, recorded_at",
    ),
    "predictions": ("deployment_id, id", "id"),
    "prediction_embeddings": ("deployment_id, id", "id"),
}


def _rebuild(table: str, primary_key: str, partitioned: bool) -> None:
    bind = op.get_bind()
    indexes = bind.execute(
        text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = CAST(:t AS regclass) AND NOT x.indisprimary"
        ),
        {"t": table},
    ).all()
    foreign_keys = bind.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) AND contype = 'f'"
        ),
        {"t": table},
    ).all()
    old = f"{table}_rebuilt"
    op.execute(f"ALTER TABLE {table} RENAME TO {old}")
    op.execute(f"ALTER INDEX pk_{table} RENAME TO pk_{old}")
    for name, _ in indexes:
        op.execute(f"ALTER INDEX {name} RENAME TO {name}_rebuilt")
    partition_by = " PARTITION BY HASH (deployment_id)" if partitioned else ""
    op.execute(
        f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
        f"INCLUDING STORAGE){partition_by}"
    )
    if partitioned:
        for i in range(PARTITIONS):
            op.execute(
                f"CREATE TABLE {table}_p{i} PARTITION OF {table} "
                f"FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {i})"
            )
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({primary_key})")
    for name, definition in foreign_keys:
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for _, definition in indexes:  # as read before the rename: they name the new table
        op.execute(definition)
    op.execute(f"INSERT INTO {table} SELECT * FROM {old}")
    op.execute(f"DROP TABLE {old}")


def upgrade() -> None:
    for table, (partitioned_key, _) in TABLES.items():
        _rebuild(table, partitioned_key, partitioned=True)


def downgrade() -> None:
    for table, (_, plain_key) in TABLES.items():
        _rebuild(table, plain_key, partitioned=False)
