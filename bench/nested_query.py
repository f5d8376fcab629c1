"""Nested-query benchmark: the compiled read path against the resolver path.

    .venv/bin/python bench/nested_query.py [--seconds 10] [--concurrency 1,8] [--fanouts 2,10]
                                           [--tenants 1]

Seeds one organization per fan-out (fan-out x fan-out models, 2 versions each, each version
deployed with 3 metric points and an alert) and one big one (10 x 10 models, 10 versions,
10 points: about 13,000 objects in one answer), then drives a closed-loop HTTP load of the
6-level nested query against a fresh server process per path (MLGRAPH_COMPILED_READS=1/0).
Prints req/s, p50/p99 latency, server and PostgreSQL CPU per request and SQL statements
per request, the ratios compiled / resolvers, and for the big answer the time to first
byte and the server's memory high-water mark. With ``--tenants N`` each fan-out is seeded for N
organizations and consecutive requests take turns among their keys (the same shape, a
different caller each time: what a server shared by many tenants' dashboards sees). The
load generator shares the machine."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.db.engine import make_engine, make_session_factory  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from app.domain.tenancy.models import Organization  # noqa: E402
from app.domain.tenancy.services import bootstrap_admin  # noqa: E402
from app.seed.fanout import FanoutShape, seed_fanout  # noqa: E402
from bench.common import (  # noqa: E402
    Cpu,
    LoadResult,
    closed_loop,
    counted_server,
    database,
    machine,
    postmaster_pid,
)

NESTED = """
query($slug: String!) {
  organization(slug: $slug) {
    projects(first: 10) { totalCount nodes {
      slug
      models(first: 10) { nodes {
        name productionVersion { version }
        versions(first: 10) { totalCount nodes {
          version
          deployments(first: 10) { nodes {
            name status environment { name }
            monitoringMetrics(first: 10) { nodes { name value recordedAt } }
            alerts(first: 5) { nodes { title severity } }
          } }
        } }
      } }
    } }
  }
}"""


BIG = "bench-big"


def slug_of(fanout: int, tenant: int) -> str:
    return f"bench-{fanout}" if tenant == 0 else f"bench-{fanout}-t{tenant}"


async def prepare(url: str, fanouts: list[int], tenants: int = 1) -> dict[str, str]:
    """``tenants`` organizations per fan-out and a big one, seeded; an admin key for each
    slug."""
    upgrade(url)
    engine = make_engine(url, pool_size=1, max_overflow=0)
    keys: dict[str, str] = {}
    shapes = {slug_of(f, t): FanoutShape(fanout=f) for f in fanouts for t in range(tenants)}
    shapes[BIG] = FanoutShape(fanout=10, versions=10, points=10)
    try:
        for slug, shape in shapes.items():
            async with make_session_factory(engine)() as session, session.begin():
                created = await bootstrap_admin(session, email=f"{slug}@example.com", org_slug=slug)
                org_id = await session.scalar(
                    select(Organization.id).where(Organization.slug == slug)
                )
                await seed_fanout(session, org_id, shape)
                keys[slug] = created.secret
    finally:
        await engine.dispose()
    return keys


def count_nodes(data: dict) -> int:  # type: ignore[type-arg]
    """Objects in the response (what one request returns)."""
    if isinstance(data, dict):
        return 1 + sum(count_nodes(v) for v in data.values())
    if isinstance(data, list):
        return sum(count_nodes(v) for v in data)
    return 0


@dataclass
class Row:
    path: str
    fanout: int
    concurrency: int
    objects: int
    result: LoadResult
    sql_per_request: float
    cpu_ms_per_request: float
    pg_ms_per_request: float  # PostgreSQL's CPU (all its processes) per request


async def first_byte(
    base_url: str, body: dict, headers: dict[str, str]
) -> tuple[float, float, int]:  # type: ignore[type-arg]
    """Milliseconds to the first byte and to the last, and the size, of one answer."""
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        started = time.perf_counter()
        plain = {**headers, "Accept-Encoding": "identity"}  # the answer's own size
        async with client.stream("POST", "/graphql", json=body, headers=plain) as response:
            ttfb = 0.0
            size = 0
            async for chunk in response.aiter_raw():
                if not ttfb:
                    ttfb = (time.perf_counter() - started) * 1000
                size += len(chunk)
        return ttfb, (time.perf_counter() - started) * 1000, size


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--fanouts", default="2,10")
    parser.add_argument("--tenants", type=int, default=1)
    args = parser.parse_args()
    fanouts = [int(f) for f in args.fanouts.split(",")]
    levels = [int(c) for c in args.concurrency.split(",")]
    print(f"machine: {machine()}")
    print(
        f"load: closed loop, {args.seconds:.0f} s per (path, fan-out, concurrency), "
        f"{args.tenants} tenant(s) taking turns\n"
    )
    rows: list[Row] = []
    big: dict[str, tuple[int, float, float, int, float]] = {}
    with database() as url:
        keys = await prepare(url, fanouts, args.tenants)
        for path, flag in (("compiled", "1"), ("resolvers", "0")):
            # Throughput, not the per-key rate limit (6,000/min by default) is measured.
            env = {"MLGRAPH_COMPILED_READS": flag, "MLGRAPH_RATE_REQUESTS_PER_KEY": "0"}
            async with counted_server(url, env) as server:
                cpu = Cpu([server.pid], await postmaster_pid(url))
                for fanout in fanouts:
                    slug = f"bench-{fanout}"
                    body = {"query": NESTED, "variables": {"slug": slug}}
                    headers = {"Authorization": f"Bearer {keys[slug]}"}
                    async with httpx.AsyncClient(base_url=server.base_url) as client:
                        sample = await client.post("/graphql", json=body, headers=headers)
                    assert sample.headers["x-mlgraph-path"] == path, sample.headers
                    objects = count_nodes(sample.json()["data"])
                    # The others' keys, each asking for its own organization (same shape).
                    callers = [
                        (
                            {"query": NESTED, "variables": {"slug": slug_of(fanout, t)}},
                            {"Authorization": f"Bearer {keys[slug_of(fanout, t)]}"},
                        )
                        for t in range(1, args.tenants)
                    ]
                    await closed_loop(server.base_url, body, headers, concurrency=2, seconds=1)
                    for concurrency in levels:
                        before, used = await server.statements(), cpu.seconds()
                        result = await closed_loop(
                            server.base_url, body, headers,
                            concurrency=concurrency, seconds=args.seconds, callers=callers,
                        )  # fmt: skip
                        done = max(result.requests, 1)
                        now = cpu.seconds()
                        rows.append(Row(
                            path, fanout, concurrency, objects, result,
                            (await server.statements() - before) / done,
                            (now[0] - used[0]) * 1000 / done,
                            (now[1] - used[1]) * 1000 / done,
                        ))  # fmt: skip
            # The big answer on a fresh process: its memory high-water mark is this answer's.
            async with counted_server(url, env) as server:
                body = {"query": NESTED, "variables": {"slug": BIG}}
                headers = {"Authorization": f"Bearer {keys[BIG]}"}
                await first_byte(server.base_url, {"query": "{ __typename }"}, headers)
                rss_before = server.peak_rss_mb()
                async with httpx.AsyncClient(base_url=server.base_url, timeout=120) as client:
                    data = (await client.post("/graphql", json=body, headers=headers)).json()
                timings = [await first_byte(server.base_url, body, headers) for _ in range(5)]
                ttfb = statistics.median(t[0] for t in timings)
                total = statistics.median(t[1] for t in timings)
                big[path] = (count_nodes(data["data"]), ttfb, total, timings[0][2],
                             server.peak_rss_mb() - rss_before)  # fmt: skip

    print(
        f"{'path':>9} {'fan-out':>7} {'conc':>4} {'objects':>7} {'req/s':>8} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'CPU ms':>7} {'PG ms':>6} {'SQL/req':>7} {'errors':>6}"
    )
    for row in rows:
        r = row.result
        print(
            f"{row.path:>9} {row.fanout:>7} {row.concurrency:>4} {row.objects:>7} {r.rps:>8.1f} "
            f"{r.p50:>8.1f} {r.percentile(99):>8.1f} {row.cpu_ms_per_request:>7.2f} "
            f"{row.pg_ms_per_request:>6.2f} {row.sql_per_request:>7.2f} {r.errors:>6}"
        )
    if any(row.result.errors for row in rows):
        print("\nWARNING: some requests failed (see errors): those figures are not valid")
    print("\nratio compiled / resolvers:")
    by_key = {(row.path, row.fanout, row.concurrency): row for row in rows}
    for fanout in fanouts:
        for concurrency in levels:
            c, o = (
                by_key[("compiled", fanout, concurrency)],
                by_key[("resolvers", fanout, concurrency)],
            )
            print(
                f"  fan-out {fanout:>2}, c={concurrency}: req/s x{c.result.rps / o.result.rps:.1f}, "
                f"p50 x{o.result.p50 / c.result.p50:.1f} faster, "
                f"CPU/request x{o.cpu_ms_per_request / max(c.cpu_ms_per_request, 1e-9):.1f} less"
            )
    print("\none big answer (median of 5):")
    for path, (objects, ttfb, total, size, rss) in big.items():
        print(
            f"  {path:>9}: {objects} objects, {size / 1024:.0f} KB, first byte {ttfb:.0f} ms, "
            f"last byte {total:.0f} ms, server memory high-water +{rss:.0f} MB"
        )


if __name__ == "__main__":
    asyncio.run(main())
