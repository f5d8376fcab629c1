"""A metric-sorted, filtered first page of runs in an experiment of 1,000,000 runs.

    .venv/bin/python bench/run_pages.py [--runs 1000000] [--repeat 30]

The runs and their per-key summaries (what a metric order and a metric condition read;
their points are not needed) are written by SQL in bulk, then `VACUUM ANALYZE` as
autovacuum would. The server (its own process) answers `experiment.runs(first: 50,
orderBy: METRIC_DESC, orderKey: "val/auc", filter: {query: ...})` over HTTP; reported:
p50/p99 per query, the first (cold) request apart, and SQL statements per request."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from app.api.ids import encode_id  # noqa: E402
from bench.common import admin_key, counted_server, database, machine  # noqa: E402

QUERY = """query($id: ID!, $q: String, $after: String) { node(id: $id) { ... on Experiment {
  runs(first: 50, after: $after, orderBy: METRIC_DESC, orderKey: "val/auc", filter: {query: $q}) {
    nodes { name params } pageInfo { endCursor } } } } }"""
FILTERS = [
    None,
    "params.lr < 0.01",
    "params.optimizer = 'adam' and metrics.val/auc > 0.5",
    "params.optimizer = 'sgd' or tags.team = 'vision'",
]


async def fill(url: str, runs: int) -> str:
    connection = await asyncpg.connect(url)
    try:
        org = await connection.fetchval("SELECT id FROM organizations WHERE slug = 'bench'")
        project = await connection.fetchval(
            "INSERT INTO projects (id, organization_id, slug, name, settings, visibility) "
            "VALUES (gen_random_uuid(), $1, 'pages', 'pages', '{}', 'organization') RETURNING id",
            org,
        )
        experiment = await connection.fetchval(
            "INSERT INTO experiments (id, organization_id, project_id, name, status, config) "
            "VALUES (gen_random_uuid(), $1, $2, 'pages', 'active', '{}') RETURNING id",
            org,
            project,
        )
        await connection.execute(
            f"""INSERT INTO runs (id, organization_id, experiment_id, project_id, name, status,
                                 params, tags, started_at)
            SELECT gen_random_uuid(), $1, $2, $3, 'run-' || g, 'completed',
                   jsonb_build_object('lr', (10 ^ -(1 + (g % 4)))::float8,
                                      'optimizer', (ARRAY['adam', 'sgd'])[1 + g % 2]),
                   CASE WHEN g % 10 = 0 THEN '{{"team": "vision"}}'::jsonb ELSE '{{}}' END, now()
            FROM generate_series(1, {runs}) g""",
            org,
            experiment,
            project,
        )
        await connection.execute(
            """INSERT INTO run_metric_summaries (run_id, key, organization_id, count, min_value,
                   max_value, nonfinite, last_step, last_value, last_timestamp)
            SELECT id, 'val/auc', organization_id, 100, 0, 1, 0, 99, random(), now()
            FROM runs WHERE experiment_id = $1""",
            experiment,
        )
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return encode_id("Experiment", experiment)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with database() as url:
        key = await admin_key(url)
        started = time.perf_counter()
        experiment = await fill(url, args.runs)
        print(f"filled {args.runs:,} runs in {time.perf_counter() - started:.0f} s")
        headers = {"Authorization": f"Bearer {key}"}
        async with (
            counted_server(url) as server,
            httpx.AsyncClient(base_url=server.base_url, timeout=300) as http,
        ):
            for text in FILTERS:
                timings = []
                before = await server.statements()
                for _ in range(args.repeat + 1):
                    began = time.perf_counter()
                    reply = await http.post(
                        "/graphql",
                        json={"query": QUERY, "variables": {"id": experiment, "q": text}},
                        headers=headers,
                    )
                    timings.append((time.perf_counter() - began) * 1000)
                    assert "errors" not in reply.json(), reply.text[:300]
                statements = (await server.statements() - before) / (args.repeat + 1)
                cold, warm = timings[0], sorted(timings[1:])
                print(
                    f"{text or '(no filter)'}: p50 {statistics.median(warm):.1f} ms, "
                    f"p99 {warm[min(len(warm) - 1, int(0.99 * len(warm)))]:.1f} ms "
                    f"(first {cold:.0f} ms), {statements:.0f} SQL statements a request"
                )


if __name__ == "__main__":
    asyncio.run(main())
