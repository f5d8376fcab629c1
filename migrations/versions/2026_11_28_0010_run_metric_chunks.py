"""run metric points stored as per-batch chunks of arrays, hash-partitioned by run

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 11:00:00

One row per point cost PostgreSQL ~31 µs per point (a heap row and two index entries each).
A batch now writes one row per metric key: the key's new steps, values and times as arrays,
in step order, numbered with consecutive ingest sequence numbers ``seq_lo..seq_hi``. Reads
find chunks by ``(run_id, seq_hi)`` (the stream) and ``(run_id, key, max_step)`` (pages,
chart edges, and the duplicate check of a retried batch). The arrays are stored
uncompressed (``STORAGE EXTERNAL``): float arrays barely compress and pglz costs CPU on
every write.

The table is partitioned by hash of ``run_id`` (8 partitions): every query names one run,
so it reads one partition, and the same column distributes it with Citus (see
docs/architecture.md, "Scaling out").

Existing points move over as one-point chunks (their sequence numbers kept).
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

PARTITIONS = 8


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE run_metric_chunks (
            run_id uuid NOT NULL,
            key varchar(250) NOT NULL,
            seq_lo bigint NOT NULL,
            seq_hi bigint NOT NULL,
            organization_id uuid NOT NULL,
            min_step bigint NOT NULL,
            max_step bigint NOT NULL,
            steps bigint[] NOT NULL,
            "values" double precision[] NOT NULL,
            times bigint[] NOT NULL,
            CONSTRAINT pk_run_metric_chunks PRIMARY KEY (run_id, seq_hi),
            CONSTRAINT fk_run_metric_chunks_run_id_runs FOREIGN KEY (run_id)
                REFERENCES runs (id) ON DELETE CASCADE,
            CONSTRAINT fk_run_metric_chunks_organization_id_organizations
                FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
            CONSTRAINT ck_run_metric_chunks_shape CHECK (
                seq_hi - seq_lo + 1 = cardinality(steps)
                AND cardinality("values") = cardinality(steps)
                AND cardinality(times) = cardinality(steps)
                AND 0 <= min_step AND min_step <= max_step
            ),
            CONSTRAINT ck_run_metric_chunks_values_finite CHECK (
                NOT ("values" && ARRAY['NaN', 'Infinity', '-Infinity']::double precision[])
            )
        ) PARTITION BY HASH (run_id)
        """
    )
    for i in range(PARTITIONS):
        op.execute(
            f"CREATE TABLE run_metric_chunks_p{i} PARTITION OF run_metric_chunks "
            f"FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {i})"
        )
    for column in ("steps", '"values"', "times"):
        op.execute(f"ALTER TABLE run_metric_chunks ALTER COLUMN {column} SET STORAGE EXTERNAL")
    op.execute(
        "CREATE INDEX ix_run_metric_chunks_run_id_key_max_step "
        "ON run_metric_chunks (run_id, key, max_step)"
    )
    op.execute(
        """
        INSERT INTO run_metric_chunks (run_id, key, seq_lo, seq_hi, organization_id, min_step,
                                       max_step, steps, "values", times)
        SELECT run_id, key, seq, seq, organization_id, step, step, ARRAY[step], ARRAY[value],
               ARRAY[(extract(epoch FROM timestamp) * 1000000)::bigint]
        FROM run_metrics
        """
    )
    op.drop_table("run_metrics")


def downgrade() -> None:
    op.execute(
        """
        CREATE TABLE run_metrics (
            run_id uuid NOT NULL,
            key varchar(250) NOT NULL,
            step bigint NOT NULL,
            organization_id uuid NOT NULL,
            value double precision NOT NULL,
            timestamp timestamptz NOT NULL,
            seq bigint NOT NULL,
            CONSTRAINT pk_run_metrics PRIMARY KEY (run_id, key, step),
            CONSTRAINT fk_run_metrics_run_id_runs FOREIGN KEY (run_id)
                REFERENCES runs (id) ON DELETE CASCADE,
            CONSTRAINT fk_run_metrics_organization_id_organizations
                FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE,
            CONSTRAINT ck_run_metrics_value_finite
                CHECK (value NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)),
            CONSTRAINT ck_run_metrics_step_non_negative CHECK (step >= 0)
        )
        """
    )
    op.execute("CREATE INDEX ix_run_metrics_run_id_seq ON run_metrics (run_id, seq)")
    op.execute(
        """
        INSERT INTO run_metrics (run_id, key, step, organization_id, value, timestamp, seq)
        SELECT c.run_id, c.key, p.step, c.organization_id, p.value,
               timestamptz 'epoch' + p.t * interval '1 microsecond', c.seq_lo + p.ord - 1
        FROM run_metric_chunks c,
             unnest(c.steps, c."values", c.times) WITH ORDINALITY AS p(step, value, t, ord)
        """
    )
    op.execute("DROP TABLE run_metric_chunks")
