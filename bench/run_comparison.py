"""Grouped comparison of many runs on the server: `Experiment.comparison` over 1,000 runs ×
10,000 steps (one key), grouped by a param with 4 values, at 500 buckets.

    .venv/bin/python bench/run_comparison.py [--runs 1000] [--steps 10000] [--repeat 30]

The runs are written through the ingest service in-process (10,000-point batches, as
runMetricsLog stores them: chunks, rollups and summaries), then the server (its own
process) answers the README's comparison query over HTTP; reported: p50/p99 of the
request, the server's SQL statements per request, and the plan's shape (the bucket size).
The same query without groupBy, and with a filter (the run query language), too."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from bench.common import admin_key, counted_server, database, machine  # noqa: E402

QUERY = """query($id: ID!, $groupBy: [String!], $filter: RunFilterInput) { node(id: $id) {
  ... on Experiment { comparison(keys: ["loss"], groupBy: $groupBy, filter: $filter,
                                 maxPoints: 500) {
    bucketSize groups { params runCount series { stepStart mean std min max runs } } } } } }"""


async def fill(url: str, key: str, runs: int, steps: int) -> str:
    from app.api.ids import encode_id
    from app.db.engine import make_engine, make_session_factory
    from app.db.scope import SYSTEM, enter_scope, scoped
    from app.domain.experiments import services
    from app.domain.experiments.points import batch_from_series
    from app.domain.projects.services import project_create
    from app.domain.tenancy.services import authenticate

    engine = make_engine(url, pool_size=2, max_overflow=0)
    factory = make_session_factory(engine)
    with scoped(SYSTEM):
        async with factory() as session, session.begin():
            actor = await authenticate(session, key)
    enter_scope(actor.db_scope())

    async def no_model(*_: object) -> object:
        raise AssertionError

    async with factory() as session, session.begin():
        project = await project_create(
            session, actor, organization_id=actor.org_ids[0], slug=f"cmp-{int(time.time())}",
            name="compare", description=None,
        )  # fmt: skip
        experiment = await services.experiment_create(
            session, actor, project_id=project.id, name="compare", description=None,
            config={}, model_id=None, project_of_model=no_model,  # type: ignore[arg-type]
        )  # fmt: skip
    rng = np.random.default_rng(7)
    started = time.perf_counter()
    for index in range(runs):
        async with factory() as session, session.begin():
            run = await services.run_create(
                session, actor, experiment_id=experiment.id, name=f"run-{index}",
                description=None, params={"optimizer": ["adam", "sgd", "adamw", "lion"][index % 4],
                                          "seed": index},
                tags={}, started_at=None, tracking_system=None, tracking_run_id=None,
            )  # fmt: skip
        values = 1 / (1 + np.arange(steps)) + rng.normal(0, 0.01, steps)
        for start in range(0, steps, 10_000):
            part = slice(start, min(steps, start + 10_000))
            series = {"loss": {"steps": list(range(steps))[part], "values": values[part].tolist()}}
            async with factory() as session, session.begin():
                await services.run_metrics_log(
                    session, actor, run_id=run.id, batch=batch_from_series(series, 10_000)
                )
    print(f"filled {runs:,} runs × {steps:,} steps in {time.perf_counter() - started:.0f} s")
    await engine.dispose()
    # What autovacuum does soon after a bulk load: measured after it, not during it.
    import asyncpg

    connection = await asyncpg.connect(url)
    await connection.execute("VACUUM ANALYZE")
    await connection.close()
    return encode_id("Experiment", experiment.id)


async def measure(server, key: str, variables: dict, repeat: int) -> tuple[list[float], dict, int]:  # type: ignore[no-untyped-def, type-arg]
    headers = {"Authorization": f"Bearer {key}"}
    timings: list[float] = []
    async with httpx.AsyncClient(base_url=server.base_url, timeout=120) as http:
        before = await server.statements()
        for _ in range(repeat):
            started = time.perf_counter()
            reply = await http.post(
                "/graphql", json={"query": QUERY, "variables": variables}, headers=headers
            )
            timings.append((time.perf_counter() - started) * 1000)
            body = reply.json()
            assert "errors" not in body, body
        statements = (await server.statements() - before) // repeat
    return timings, body["data"]["node"]["comparison"], statements


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with database() as url:
        key = await admin_key(url)
        experiment = await fill(url, key, args.runs, args.steps)
        async with counted_server(url) as server:
            cases = {
                "grouped by optimizer (4 groups)": {"groupBy": ["optimizer"]},
                "one group": {"groupBy": []},
                "filtered: params.seed < 500, grouped": {
                    "groupBy": ["optimizer"],
                    "filter": {"query": "params.seed < 500"},
                },
            }
            await measure(server, key, {"id": experiment, "groupBy": ["optimizer"]}, 2)  # warm
            for name, extra in cases.items():
                timings, found, statements = await measure(
                    server, key, {"id": experiment, **extra}, args.repeat
                )
                timings.sort()
                groups = found["groups"]
                buckets = len(groups[0]["series"][0]["stepStart"])
                print(
                    f"{name}: p50 {statistics.median(timings):.1f} ms, "
                    f"p99 {timings[min(len(timings) - 1, int(0.99 * len(timings)))]:.1f} ms; "
                    f"{len(groups)} groups × {buckets} buckets of {found['bucketSize']} steps; "
                    f"{statements} SQL statements a request"
                )


if __name__ == "__main__":
    asyncio.run(main())
