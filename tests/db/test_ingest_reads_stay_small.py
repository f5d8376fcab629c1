"""A batch's cost must not grow with its run's length (issue 28, item 1). Before each write
the ingest statement checks whether one of the batch's keys already holds a step of the
batch (a retried batch); a retry then reads the stored steps. Both reads must touch the
chunks near the batch's steps through the (run, key, max_step) index — measured, not
assumed: each statement the server sent is run again under ``EXPLAIN ANALYZE`` (in a
transaction rolled back) and the chunk rows its scans read are counted.

The check was a join of the batch's keys with the run's chunks, which PostgreSQL planned as
one scan of every chunk of the run (a long run: hundreds of thousands of rows per batch);
it is now one index probe per key.

The raw-point page (item 2) is held to the same measure: what each chunk it reads gives."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import asyncpg

from app.db.url import plain_url
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
    connection = await asyncpg.connect(plain_url(database_url))
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


def points_per_chunk(plan: dict[str, Any]) -> list[int]:
    """Points each unnest of a chunk gave (its function scans' rows per loop)."""
    given = []
    if plan.get("Node Type") == "Function Scan":  # unnest(steps, values, times)
        given.append(round(plan.get("Actual Rows", 0)))
    return given + [n for child in plan.get("Plans", ()) for n in points_per_chunk(child)]


PAGE = """query($id: ID!, $after: String) { node(id: $id) { ... on Run { metric(key: "loss") {
  points(first: 100, after: $after) { pageInfo { endCursor } nodes { step } } } } } }"""
SERIES_LOG = """mutation($input: RunMetricsLogInput!) { runMetricsLog(input: $input) {
  newCount userErrors { message } } }"""


async def test_a_page_of_points_unnests_what_it_returns_not_the_whole_chunk(
    tenant, count_statements, database_url
):
    """A forward page of 100 points from 1,024-point chunks: a chunk's steps ascend as
    written, so each chunk it reads gives its first 101 points beyond the cursor and no
    more (it gave every point beyond the cursor, up to 1,024, to be sorted)."""
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    steps = list(range(2_000))
    logged = await tenant.client.data(
        SERIES_LOG,
        {"input": {"runId": run, "series": {"loss": {"steps": steps, "values": steps}}}},
    )
    assert logged["runMetricsLog"] == {"newCount": 2_000, "userErrors": []}
    with count_statements() as captured:
        first = await tenant.client.data(PAGE, {"id": run, "after": None})
        cursor = first["node"]["metric"]["points"]["pageInfo"]["endCursor"]
        middle = await tenant.client.data(PAGE, {"id": run, "after": cursor})
    assert [n["step"] for n in middle["node"]["metric"]["points"]["nodes"]] == list(range(100, 200))
    pages = [(sql, args) for _, sql, args in captured.executed if "unnest" in sql]
    assert len(pages) == 2  # one compiled statement a page
    connection = await asyncpg.connect(plain_url(database_url))
    try:
        for statement, parameters in pages:
            plan = await connection.fetchval(
                f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", *(parameters or ())
            )
            # the page and one more (hasNextPage) at most from each chunk read
            given = points_per_chunk(json.loads(plan)[0]["Plan"])
            assert given and max(given) <= 101, given
    finally:
        await connection.close()
