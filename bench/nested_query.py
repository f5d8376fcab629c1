"""Nested-query benchmark: req/s, p50/p99 latency and SQL statements per request.

    .venv/bin/python bench/nested_query.py [--seconds 10] [--concurrency 8] [--fanouts 2,10]

Seeds one organization per fan-out (fan-out x fan-out models, 2 versions each, each version
deployed with 3 metric points and an alert), then drives a closed-loop HTTP load of the
6-level nested query against a fresh server process per fan-out. The load generator runs
on the same machine, so figures are for the pair, not the server alone."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.db.engine import make_engine, make_session_factory  # noqa: E402
from app.db.migrate import upgrade  # noqa: E402
from app.domain.tenancy.models import Organization  # noqa: E402
from app.domain.tenancy.services import bootstrap_admin  # noqa: E402
from app.seed.fanout import FanoutShape, seed_fanout  # noqa: E402
from bench.common import closed_loop, counted_server, database, machine  # noqa: E402

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


async def prepare(url: str, fanouts: list[int]) -> dict[int, str]:
    """One organization per fan-out, seeded; returns an admin key for each."""
    upgrade(url)
    engine = make_engine(url, pool_size=1, max_overflow=0)
    keys: dict[int, str] = {}
    try:
        for fanout in fanouts:
            slug = f"bench-{fanout}"
            async with make_session_factory(engine)() as session, session.begin():
                created = await bootstrap_admin(session, email=f"{slug}@example.com", org_slug=slug)
                org_id = await session.scalar(
                    select(Organization.id).where(Organization.slug == slug)
                )
                await seed_fanout(session, org_id, FanoutShape(fanout=fanout))
                keys[fanout] = created.secret
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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--fanouts", default="2,10")
    args = parser.parse_args()
    fanouts = [int(f) for f in args.fanouts.split(",")]
    print(f"machine: {machine()}")
    print(f"load: {args.concurrency} concurrent clients x {args.seconds:.0f} s per fan-out\n")
    rows = []
    with database() as url:
        keys = await prepare(url, fanouts)
        for fanout in fanouts:
            body = {"query": NESTED, "variables": {"slug": f"bench-{fanout}"}}
            headers = {"Authorization": f"Bearer {keys[fanout]}"}
            async with counted_server(url) as server:
                async with httpx.AsyncClient(base_url=server.base_url) as client:
                    sample = (await client.post("/graphql", json=body, headers=headers)).json()
                objects = count_nodes(sample["data"])
                await closed_loop(server.base_url, body, headers, concurrency=2, seconds=1)  # warm
                before = await server.statements()
                result = await closed_loop(
                    server.base_url,
                    body,
                    headers,
                    concurrency=args.concurrency,
                    seconds=args.seconds,
                )
                per_request = (await server.statements() - before) / max(result.requests, 1)
            rows.append((fanout, objects, result, per_request))
    print(
        f"{'fan-out':>7} {'objects':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'SQL/req':>8} {'errors':>6}"
    )
    for fanout, objects, result, per_request in rows:
        print(
            f"{fanout:>7} {objects:>8} {result.rps:>8.1f} {result.p50:>8.1f} "
            f"{result.percentile(99):>8.1f} {per_request:>8.2f} {result.errors:>6}"
        )
    if len(rows) >= 2:
        (f0, o0, r0, s0), (f1, o1, r1, s1) = rows[0], rows[-1]
        print(
            f"\nratio fan-out {f1} / {f0}: objects x{o1 / o0:.1f}, SQL/req x{s1 / s0:.2f}, "
            f"req/s x{r1.rps / r0.rps:.2f}, p50 x{r1.p50 / r0.p50:.2f}, "
            f"objects/s x{o1 * r1.rps / (o0 * r0.rps):.2f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
