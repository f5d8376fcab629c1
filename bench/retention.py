"""Does time partitioning pay for retention? Batched deletes (what mlgraph does) against
dropping partitions, on the embedded PostgreSQL.

    .venv/bin/python bench/retention.py [--rows 1000000] [--days 30] [--keep 15]

1. `monitoring_metrics` (hash-partitioned by deployment, as shipped) gets `--rows` points
   of one organization spread evenly over `--days` days; a retention policy keeps `--keep`
   days and `apply_policy` (the background job's code: batches of 5,000, one transaction
   each) removes the rest: wall time, rows/s, WAL written, table size after.
2. The same rows in a copy of the table partitioned by day (RANGE on recorded_at): the
   expired days are dropped: wall time and WAL.
3. Inserting the same rows into each shape (COPY-free multi-row INSERT ... SELECT), to see
   what the time partitions cost at write time.
The decision it informs is in bench/RESULTS.md."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app.api.ids import decode_id  # noqa: E402
from app.db.engine import make_engine, make_session_factory  # noqa: E402
from app.domain.retention.services import apply_policy  # noqa: E402
from bench.alert_eval import DEPLOY, ENV, MODEL, VERSION  # noqa: E402
from bench.common import admin_key, counted_server, database, machine  # noqa: E402
from bench.run_metrics import PROJECT, Api  # noqa: E402

SEED = """
INSERT INTO monitoring_metrics (deployment_id, name, recorded_at, organization_id, value)
SELECT :deployment, 'latency_ms',
       CAST(:start AS timestamptz) + (g * CAST(:step AS bigint)) * interval '1 microsecond',
       :org, random() * 100
FROM generate_series(0, CAST(:rows AS int) - 1) g
"""


async def scalar(engine, sql: str, **params):  # type: ignore[no-untyped-def]
    async with engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        result = await connection.execute(text(sql), params)
        return result.scalar() if result.returns_rows else None


async def run(url: str, rows: int, days: int, keep: int) -> dict[str, float]:
    key = await admin_key(url)  # migrated, with organization "bench"
    deployment = await make_deployment(url, key)
    engine = make_engine(url, pool_size=2, max_overflow=0)
    factory = make_session_factory(engine)
    org = await scalar(engine, "SELECT id FROM organizations WHERE slug = 'bench'")
    now = datetime.now(UTC)
    start = now - timedelta(days=days)
    step = int(timedelta(days=days) / timedelta(microseconds=1) / rows)
    out: dict[str, float] = {}

    began = time.perf_counter()
    await scalar(engine, SEED, deployment=deployment, start=start, step=step, org=org, rows=rows)
    out["insert_hash_s"] = time.perf_counter() - began
    await scalar(engine, "VACUUM ANALYZE monitoring_metrics")
    await scalar(
        engine,
        "INSERT INTO retention_policies (id, organization_id, monitoring_metrics_days) "
        "VALUES (:id, :org, :keep) ON CONFLICT (organization_id) DO UPDATE "
        "SET monitoring_metrics_days = :keep",
        id=uuid.uuid4(), org=org, keep=keep,
    )  # fmt: skip
    wal = await scalar(engine, "SELECT pg_current_wal_lsn()::text")
    began = time.perf_counter()
    applied = await apply_policy(factory, org, Path("/tmp"), max_batches=100_000)
    out["delete_s"] = time.perf_counter() - began
    out["deleted"] = applied.deleted["monitoring_metrics_days"]
    out["delete_wal_mb"] = await wal_since(engine, wal)
    out["left"] = await scalar(engine, "SELECT count(*) FROM monitoring_metrics")

    # The same rows in a table partitioned by day; the expired days are dropped.
    await scalar(engine, "DROP TABLE IF EXISTS bench_by_day")
    await scalar(
        engine,
        "CREATE TABLE bench_by_day (LIKE monitoring_metrics INCLUDING DEFAULTS) "
        "PARTITION BY RANGE (recorded_at)",
    )
    day0 = start.replace(hour=0, minute=0, second=0, microsecond=0)
    for d in range(days + 2):
        low, high = day0 + timedelta(days=d), day0 + timedelta(days=d + 1)
        await scalar(
            engine,
            f"CREATE TABLE bench_by_day_{d} PARTITION OF bench_by_day "
            f"FOR VALUES FROM ('{low.isoformat()}') TO ('{high.isoformat()}')",
        )
    await scalar(
        engine,
        "ALTER TABLE bench_by_day ADD PRIMARY KEY (deployment_id, name, recorded_at)",
    )
    for sql in (  # what the shipped table has: its indexes, foreign keys and check
        "CREATE INDEX ON bench_by_day (deployment_id, recorded_at)",
        "CREATE INDEX ON bench_by_day (organization_id)",
        "ALTER TABLE bench_by_day ADD FOREIGN KEY (deployment_id) REFERENCES deployments (id) "
        "ON DELETE CASCADE",
        "ALTER TABLE bench_by_day ADD FOREIGN KEY (organization_id) REFERENCES organizations "
        "(id) ON DELETE CASCADE",
        "ALTER TABLE bench_by_day ADD CHECK (value NOT IN ('NaN'::float8, 'Infinity'::float8, "
        "'-Infinity'::float8))",
    ):
        await scalar(engine, sql)
    began = time.perf_counter()
    await scalar(engine, SEED.replace("monitoring_metrics", "bench_by_day"),
                 deployment=deployment, start=start, step=step, org=org, rows=rows)  # fmt: skip
    out["insert_by_day_s"] = time.perf_counter() - began
    cutoff = now - timedelta(days=keep)
    expired = [d for d in range(days + 2) if day0 + timedelta(days=d + 1) <= cutoff]
    wal = await scalar(engine, "SELECT pg_current_wal_lsn()::text")
    began = time.perf_counter()
    for d in expired:
        await scalar(engine, f"DROP TABLE bench_by_day_{d}")
    out["drop_s"] = time.perf_counter() - began
    out["drop_wal_mb"] = await wal_since(engine, wal)
    out["dropped_partitions"] = len(expired)
    # What a day-partitioned table still needs rows deleted for: the cutoff's own day.
    out["left_partitioned"] = await scalar(
        engine, "SELECT count(*) FROM bench_by_day WHERE recorded_at < :cutoff", cutoff=cutoff
    )
    await scalar(engine, "DROP TABLE bench_by_day")
    await engine.dispose()
    return out


async def wal_since(engine, lsn: str) -> float:  # type: ignore[no-untyped-def]
    written = await scalar(
        engine,
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), CAST(CAST(:lsn AS text) AS pg_lsn))",
        lsn=lsn,
    )
    return float(written) / 1e6


async def make_deployment(url: str, key: str) -> uuid.UUID:
    """A deployment of organization "bench", made through the API."""
    async with (
        counted_server(url) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=60) as client,
    ):
        api = Api(client, key)
        org = (await api.call('{ organization(slug: "bench") { id } }', {}))["organization"]["id"]
        env = await api.call(ENV, {"i": {"organizationId": org, "name": "retention"}})
        project = await api.call(
            PROJECT, {"i": {"organizationId": org, "slug": "retention", "name": "retention"}}
        )
        model = await api.call(MODEL, {"i": {
            "projectId": project["projectCreate"]["project"]["id"], "name": "m",
            "modelType": "OTHER", "framework": "OTHER"}})  # fmt: skip
        version = await api.call(VERSION, {"i": {
            "modelId": model["modelCreate"]["model"]["id"], "version": "1.0.0"}})  # fmt: skip
        deployment = await api.call(DEPLOY, {"i": {
            "modelVersionId": version["modelVersionCreate"]["modelVersion"]["id"],
            "environmentId": env["environmentCreate"]["environment"]["id"], "name": "dep"}})  # fmt: skip
    made = deployment["deploymentCreate"]
    if made["deployment"] is None:
        raise SystemExit(f"deploymentCreate: {made['userErrors']}")
    return decode_id(made["deployment"]["id"], "Deployment", [])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--keep", type=int, default=15)
    args = parser.parse_args()
    with database() as url:
        out = await run(url, args.rows, args.days, args.keep)
    print(f"# retention: batched deletes against dropping day partitions — {machine()}")
    print(f"{args.rows:,} monitoring points over {args.days} days, keep {args.keep}")
    print(f"insert: hash-partitioned (shipped) {out['insert_hash_s']:.2f} s, "
          f"by day {out['insert_by_day_s']:.2f} s")  # fmt: skip
    print(f"batched delete (apply_policy): {out['deleted']:,.0f} rows in {out['delete_s']:.2f} s "
          f"= {out['deleted'] / out['delete_s']:,.0f} rows/s, WAL {out['delete_wal_mb']:.1f} MB, "
          f"{out['left']:,.0f} rows left")  # fmt: skip
    print(f"drop {out['dropped_partitions']:.0f} day partitions: {out['drop_s'] * 1000:.1f} ms, "
          f"WAL {out['drop_wal_mb']:.2f} MB; rows past the cutoff still to delete in its day: "
          f"{out['left_partitioned']:,.0f}")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
