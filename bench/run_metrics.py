"""Run-metric benchmarks: ingest throughput, chart-history latency, raw paging.

    .venv/bin/python bench/run_metrics.py [--seconds 8] [--big 1000000]

1. Ingest: 1 and 4 concurrent clients, each logging batches of 1,000 or 10,000 points to
   its own run with runMetricsLog, in the three input formats (a list of point objects,
   parallel arrays, whole columns per key = `series`), for a fixed time: points/s, batch
   p50/p99, and CPU per 1,000 points of the server process and of PostgreSQL (all its
   processes).
2. metricHistory(maxPoints: 1000) on a run with 10,000 and with --big points per key,
   asked as bucket objects and as columns: latency p50/p99 (closed loop, one client); and
   runMetricHistories over 100 runs (the compare view).
3. Paging every raw point of a 10,000-point key, 100 per page, with the points connection
   and with pointColumns: latency per page.
The server runs in its own process (bench/counted_server.py) on the embedded PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import orjson  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app.db.engine import make_engine  # noqa: E402
from bench.common import (  # noqa: E402
    Cpu,
    admin_key,
    counted_server,
    database,
    machine,
    postmaster_pid,
)

PROJECT = "mutation($i: ProjectCreateInput!) { projectCreate(input: $i) { project { id } } }"
EXPERIMENT = (
    "mutation($i: ExperimentCreateInput!) { experimentCreate(input: $i) { experiment { id } } }"
)
RUN = "mutation($i: RunCreateInput!) { runCreate(input: $i) { run { id } } }"
LOG = "mutation($i: RunMetricsLogInput!) { runMetricsLog(input: $i) { newCount userErrors { message } } }"


def columns(start: int, size: int, keys: int = 1) -> dict:  # type: ignore[type-arg]
    names = key_names(keys)
    steps = [s for s in range(start, start + size // keys) for _ in names]
    return {
        "keys": names * (size // keys),
        "steps": steps,
        "values": [1.0 / (1 + s) for s in steps],
    }


HISTORY = """query($id: ID!) { node(id: $id) { ... on Run {
  metricHistory(keys: ["loss"], maxPoints: 1000) { key buckets { stepStart min max last count } } } } }"""
COLUMNS = """query($id: ID!) { node(id: $id) { ... on Run {
  metricHistory(keys: ["loss"], maxPoints: 1000) { key columns { stepStart min max last count } }
} } }"""
COMPARE = """query($ids: [ID!]!) { runMetricHistories(runIds: $ids, keys: ["loss"], maxPoints: 500) {
  runId columns { stepStart min max last } } }"""
PAGE_COLUMNS = """query($id: ID!, $after: Int) { node(id: $id) { ... on Run { metric(key: "loss") {
  pointColumns(first: 100, afterStep: $after) { steps values hasMore } } } } }"""
PAGE = """query($id: ID!, $after: String) { node(id: $id) { ... on Run { metric(key: "loss") {
  points(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { step value } } } } } }"""


class Api:
    def __init__(self, client: httpx.AsyncClient, key: str) -> None:
        self.client, self.headers = client, {"Authorization": f"Bearer {key}"}

    async def call(self, query: str, variables: dict) -> dict:  # type: ignore[type-arg]
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"])
        return body["data"]

    async def post(self, body: bytes, path: str = "/graphql") -> dict:  # type: ignore[type-arg]
        response = await self.client.post(
            path, content=body, headers={**self.headers, "Content-Type": "application/json"}
        )
        result = orjson.loads(response.content)
        if result.get("errors"):
            raise RuntimeError(result["errors"])
        return result if path != "/graphql" else result["data"]


async def settle(url: str) -> None:
    """Start each case from the same state: the previous cases' dead rows vacuumed and
    their WAL checkpointed, outside the measured window — otherwise a case pays for the
    autovacuum and checkpoint of the ones before it (measured: PostgreSQL's share of a
    1,000-point batch 1.6 ms first in a run, 4.1 ms after the `points` cases)."""
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("runs", "run_metric_chunks", "run_metric_rollups",
                          "run_metric_summaries", "audit_logs"):  # fmt: skip
                await conn.execute(text(f"VACUUM {table}"))
            await conn.execute(text("CHECKPOINT"))
    finally:
        await engine.dispose()


async def new_run(api: Api, experiment: str) -> str:
    return (await api.call(RUN, {"i": {"experimentId": experiment}}))["runCreate"]["run"]["id"]


def key_names(keys: int) -> list[str]:
    """One key ("loss"), or a training loop's layout: "loss" and train/val metrics."""
    return ["loss"] + [f"train/m{i}" for i in range(keys - 1)]


def batch(start: int, size: int, keys: int = 1) -> list[dict]:  # type: ignore[type-arg]
    """``size`` points: ``keys`` keys × ``size // keys`` steps from ``start`` (step-major,
    as a loop logs them)."""
    names = key_names(keys)
    return [
        {"key": k, "step": s, "value": 1.0 / (1 + s)}
        for s in range(start, start + size // keys)
        for k in names
    ]


def series(start: int, size: int, keys: int = 1) -> dict:  # type: ignore[type-arg]
    steps = list(range(start, start + size // keys))
    values = [1.0 / (1 + s) for s in steps]
    return {k: {"steps": steps, "values": values} for k in key_names(keys)}


# The benchmark measures ingest, not the per-key request limit (6,000 a minute by default,
# which 4 clients of 1,000-point batches pass in ~25 s); the limiter still counts.
UNLIMITED = {"MLGRAPH_RATE_REQUESTS_PER_KEY": "100000000"}

SHAPES = {"points": batch, "columns": columns, "series": series, "bulk": series}


async def ingest(
    apis: list[Api],
    experiment: str,
    clients: int,
    size: int,
    seconds: float,
    shape: str,
    keys: int = 1,
) -> tuple[float, list[float], int]:
    runs = [await new_run(apis[0], experiment) for _ in range(clients)]
    latencies: list[float] = []
    points = 0
    deadline = time.perf_counter() + seconds
    make = SHAPES[shape]

    async def worker(number: int, run_id: str) -> None:
        nonlocal points
        api = apis[number % len(apis)]  # clients spread over the server processes
        step = 0
        while time.perf_counter() < deadline:
            # The body is made and encoded inside the loop: points/s counts the client's
            # own work (it shares the 2 cores); the latency starts once it is encoded.
            if shape == "bulk":  # POST /v1/runs/{id}/metrics: the same series, no GraphQL
                body = orjson.dumps({"series": make(step, size, keys)})
                started = time.perf_counter()
                new = (await api.post(body, f"/v1/runs/{run_id}/metrics"))["newCount"]
            else:
                body = orjson.dumps(
                    {
                        "query": LOG,
                        "variables": {"i": {"runId": run_id, shape: make(step, size, keys)}},
                    }
                )
                started = time.perf_counter()
                new = (await api.post(body))["runMetricsLog"]["newCount"]
            latencies.append((time.perf_counter() - started) * 1000)
            assert new == size, new
            points += size
            step += size // keys

    started = time.perf_counter()
    await asyncio.gather(*(worker(number, run) for number, run in enumerate(runs)))
    return points / (time.perf_counter() - started), latencies, points


HEALTH_RULE = """mutation($i: HealthRuleCreateInput!) { healthRuleCreate(input: $i) {
  healthRule { id } userErrors { message } } }"""


async def watched(api: Api, org: str, args: argparse.Namespace) -> str:
    """An experiment in a project watched by ``args.health_rules`` health rules, a mix a
    team would set on a training loop's keys: NaN on some keys and on any key, spikes and
    divergence (100-step windows) on others. None fires on the bench's curves, so every
    batch is judged in full."""
    made = await api.call(
        PROJECT, {"i": {"organizationId": org, "slug": f"watched-{time.time_ns()}", "name": "W"}}
    )
    project = made["projectCreate"]["project"]["id"]
    names = key_names(max(map(int, args.keys.split(","))))
    conditions: list[dict] = []  # type: ignore[type-arg]
    for i in range(args.health_rules):
        key = names[i // 3 % len(names)]
        kind = ("nonFinite", "spike", "divergence")[i % 3]
        conditions.append(
            {"nonFinite": {"metricKey": key if i else None}}
            if kind == "nonFinite"
            else {"spike": {"metricKey": key, "steps": 100, "zScore": 50}}
            if kind == "spike"
            else {"divergence": {"metricKey": key, "steps": 100, "rise": 1e6}}
        )
    for number, condition in enumerate(conditions):
        rule = {"projectId": project, "name": f"rule {number}", "condition": condition}
        answer = await api.call(HEALTH_RULE, {"i": rule})
        assert not answer["healthRuleCreate"]["userErrors"], answer
    made = await api.call(EXPERIMENT, {"i": {"projectId": project, "name": "watched"}})
    return str(made["experimentCreate"]["experiment"]["id"])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


async def fill(api: Api, run_id: str, total: int) -> None:
    for start in range(0, total, 10_000):
        await api.call(
            LOG, {"i": {"runId": run_id, "points": batch(start, min(10_000, total - start))}}
        )


async def walk_pages(api: Api, document: str, run_id: str) -> list[float]:
    """Every page of the run's 10,000 points, first to last: each page's latency (ms)."""
    columns = document is PAGE_COLUMNS
    lat: list[float] = []
    after, seen = None, 0
    while True:
        started = time.perf_counter()
        data = await api.call(document, {"id": run_id, "after": after})
        lat.append((time.perf_counter() - started) * 1000)
        series = data["node"]["metric"]
        if columns:
            page = series["pointColumns"]
            seen += len(page["steps"])
            more, after = page["hasMore"], page["steps"][-1]
        else:
            page = series["points"]
            seen += len(page["nodes"])
            more, after = page["pageInfo"]["hasNextPage"], page["pageInfo"]["endCursor"]
        if not more:
            assert seen == 10_000
            return lat


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--shapes", default="points,columns,series,bulk")
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--clients", default="1,4")
    parser.add_argument("--keys", default="1,10", help="keys per batch (size/keys steps each)")
    parser.add_argument("--only-ingest", action="store_true")
    parser.add_argument("--processes", type=int, default=1, help="server processes for ingest")
    parser.add_argument(
        "--health-rules",
        type=int,
        default=0,
        help="also measure each ingest case on a project watched by this many health rules",
    )
    args = parser.parse_args()
    print(f"machine: {machine()}\n")
    with database() as url:
        key = await admin_key(url)
        async with contextlib.AsyncExitStack() as stack:
            server = await stack.enter_async_context(counted_server(url, UNLIMITED))
            limits = httpx.Limits(max_connections=32)
            async with httpx.AsyncClient(
                base_url=server.base_url, timeout=120, limits=limits
            ) as client:
                api = Api(client, key)
                org = (await api.call('{ organization(slug: "bench") { id } }', {}))[
                    "organization"
                ]["id"]
                slug = f"bench-{time.time_ns()}"  # a fresh project on a reused DATABASE_URL
                project = await api.call(
                    PROJECT, {"i": {"organizationId": org, "slug": slug, "name": slug}}
                )
                project_id = project["projectCreate"]["project"]["id"]
                experiment = (await api.call(EXPERIMENT, {"i": {"projectId": project_id, "name": "bench"}}))[
                    "experimentCreate"]["experiment"]["id"]  # fmt: skip
                targets = [(0, experiment)]
                if args.health_rules:
                    targets.append((args.health_rules, await watched(api, org, args)))

                others = [
                    await stack.enter_async_context(counted_server(url, UNLIMITED))
                    for _ in range(args.processes - 1)
                ]
                apis = [api] + [
                    Api(
                        await stack.enter_async_context(
                            httpx.AsyncClient(base_url=other.base_url, timeout=120, limits=limits)
                        ),
                        key,
                    )
                    for other in others
                ]
                cpu = Cpu([server.pid, *(o.pid for o in others)], await postmaster_pid(url))
                print(f"server processes: {args.processes}")
                print("ingest (runMetricsLog, each client its own run)")
                print(
                    f"{'input':>8} {'keys':>4} {'clients':>7} {'batch':>6} {'points/s':>10} {'p50 ms':>8} "
                    f"{'p99 ms':>8} {'server ms/1k':>12} {'pg ms/1k':>9} {'total ms/1k':>11}"
                    f"{' rules':>6}"
                )
                layouts = [
                    (shape, keys, size, clients, target)
                    for shape in args.shapes.split(",")
                    for keys in map(int, args.keys.split(","))
                    for size in map(int, args.sizes.split(","))
                    for clients in map(int, args.clients.split(","))
                    for target in targets
                ]
                for shape, keys, size, clients, (rules, into) in layouts:
                    await settle(url)
                    before = cpu.seconds()
                    rate, lat, points = await ingest(
                        apis, into, clients, size, args.seconds, shape, keys
                    )
                    after = cpu.seconds()
                    thousands = points / 1000
                    server_ms = (after[0] - before[0]) * 1000 / thousands
                    pg_ms = (after[1] - before[1]) * 1000 / thousands
                    print(
                        f"{shape:>8} {keys:>4} {clients:>7} {size:>6} {rate:>10,.0f} "
                        f"{statistics.median(lat):>8.1f} {pct(lat, 99):>8.1f} "
                        f"{server_ms:>12.2f} {pg_ms:>9.2f} {server_ms + pg_ms:>11.2f}"
                        f"{rules:>6}"
                    )

                if args.only_ingest:
                    return
                # The reads start from a settled database too: measured right after the
                # ingest cases, they met autovacuum working through those writes.
                await settle(url)
                print("\nmetricHistory(maxPoints: 1000), one key: buckets (objects) / columns")
                print(
                    f"{'points':>9} {'fill s':>7} {'objects p50':>11} {'p99':>6} "
                    f"{'columns p50':>11} {'p99':>6} {'buckets':>8}"
                )
                for total in (10_000, args.big):
                    run_id = await new_run(api, experiment)
                    started = time.perf_counter()
                    await fill(api, run_id, total)
                    fill_seconds = time.perf_counter() - started
                    objects = await sample(api, HISTORY, {"id": run_id}, args.samples)
                    columns_ms = await sample(api, COLUMNS, {"id": run_id}, args.samples)
                    data = await api.call(COLUMNS, {"id": run_id})
                    counts = data["node"]["metricHistory"][0]["columns"]["count"]
                    assert sum(counts) == total
                    print(
                        f"{total:>9,} {fill_seconds:>7.1f} {statistics.median(objects):>11.1f} "
                        f"{pct(objects, 99):>6.1f} {statistics.median(columns_ms):>11.1f} "
                        f"{pct(columns_ms, 99):>6.1f} {len(counts):>8}"
                    )

                runs = [await new_run(api, experiment) for _ in range(100)]
                for number, run in enumerate(runs):
                    await fill(api, run, 1_000 + 10 * number)
                compare = await sample(api, COMPARE, {"ids": runs}, args.samples)
                print(
                    f"\nrunMetricHistories, 100 runs of ~1,500 points, maxPoints 500, columns: "
                    f"p50 {statistics.median(compare):.1f} ms, p99 {pct(compare, 99):.1f} ms"
                )

                run_id = await new_run(api, experiment)
                await fill(api, run_id, 10_000)
                print(
                    "\npaging 10,000 raw points, 100 per page: the first walk, then three more "
                    "(the first meets each statement's first plan on its connection)"
                )
                for name, document in (("points connection", PAGE), ("pointColumns", PAGE_COLUMNS)):
                    walks = [await walk_pages(api, document, run_id) for _ in range(4)]
                    later = [ms for walk in walks[1:] for ms in walk]
                    print(
                        f"{name:>18}: first walk p50 {statistics.median(walks[0]):.1f} ms, "
                        f"p99 {pct(walks[0], 99):.1f}; next {len(later)} pages p50 "
                        f"{statistics.median(later):.1f} ms, p99 {pct(later, 99):.1f} per page"
                    )


async def sample(api: Api, document: str, variables: dict, samples: int) -> list[float]:  # type: ignore[type-arg]
    latencies = []
    for _ in range(samples):
        started = time.perf_counter()
        await api.call(document, variables)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


if __name__ == "__main__":
    asyncio.run(main())
