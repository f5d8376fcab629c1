"""A batch's cost must not grow with its run's length (issue 28, item 1). Before each write
the ingest statement checks whether one of the batch's keys already holds a step of the
batch (a retried batch); a retry then reads the stored steps. Both reads must touch the
chunks near the batch's steps through the (run, key, max_step) index — measured, not
assumed: each statement the server sent is run again under ``EXPLAIN ANALYZE`` (in a
transaction rolled back) and the chunk rows its scans read are counted.

The check was a join of the batch's keys with the run's chunks, which PostgreSQL planned as
one scan of every chunk of the run (a long run: hundreds of thousands of rows per batch);
it is now one index probe per key."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import asyncpg

from app.events.listener import asyncpg_dsn
from tests.helpers import create_run, log_points

KEYS = ("loss", "acc")
BATCHES = 120  # 240 chunks of 10 points before the measured batches
CHUNK_PARTITION = re.compile(r"^run_metric_chunks_p\d+$")


def chunk_rows_read(plan: dict[str, Any]) -> int:
    """Rows the plan's scans of chunk partitions read (returned or filtered away), each
    scan as many times as it ran."""
    read = 0
    if CHUNK_PARTITION.match(plan.get("Relation Name", "")):
        per_loop = (
            plan.get("Actual Rows", 0)
            + plan.get("Rows Removed by Filter", 0)
            + plan.get("Rows Removed by Index Recheck", 0)
        )
        read += round(per_loop * plan.get("Actual Loops", 1))
    return read + sum(chunk_rows_read(child) for child in plan.get("Plans", ()))


async def audited(connection: asyncpg.Connection, value: Any) -> bool:
    """Is ``value`` the id of an audit row (the one the captured statement wrote)?"""
    if not isinstance(value, uuid.UUID):
        return False
    return bool(
        await connection.fetchval("SELECT EXISTS (SELECT FROM audit_logs WHERE id = $1)", value)
    )


def batch(first: int, steps: int = 10) -> list[dict[str, Any]]:
    return [
        {"key": k, "step": s, "value": s / 3} for s in range(first, first + steps) for k in KEYS
    ]


async def test_a_batch_reads_the_chunks_near_its_steps_not_the_whole_run(
    tenant, count_statements, database_url
):
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    for number in range(BATCHES):
        await log_points(tenant.client, run, batch(10 * number))
    end = 10 * BATCHES
    with count_statements() as captured:
        captured.phase = "new steps"
        await log_points(tenant.client, run, batch(end))
        captured.phase = "retried"  # half of it stored already
        await log_points(tenant.client, run, batch(end + 5))
    chunk_statements = [
        (phase, sql, args)
        for phase, sql, args in captured.executed
        if "run_metric_chunks" in sql and not sql.lstrip().startswith("INSERT")
    ]
    assert {phase for phase, _, _ in chunk_statements} == {"new steps", "retried"}
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    read: list[tuple[str, int, str]] = []
    try:
        for phase, statement, parameters in chunk_statements:
            # Run again as it ran, with a new id for the audit row it writes.
            arguments = [
                uuid.uuid4() if await audited(connection, value) else value
                for value in parameters or ()
            ]
            transaction = connection.transaction()
            await transaction.start()
            try:
                plan = await connection.fetchval(
                    f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", *arguments
                )
            finally:
                await transaction.rollback()
            read.append((phase, chunk_rows_read(json.loads(plan)[0]["Plan"]), statement))
    finally:
        await connection.close()
    # A probe per key finds at most the chunk holding the batch's steps (a retry reads the
    # stored chunks it overlaps: one per key here); the run holds 240 more.
    too_many = [(phase, rows, sql[:300]) for phase, rows, sql in read if rows > 2 * len(KEYS)]
    assert too_many == [], too_many
    assert len(read) >= 3  # the first write's check, the retry's check and its stored steps
