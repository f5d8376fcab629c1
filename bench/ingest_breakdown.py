"""What each part of a batch's ingest costs PostgreSQL (issue 28, item 1).

    .venv/bin/python bench/ingest_breakdown.py [--batches 60] [--cycles 5] [--keys 10]

Calls the ingest service (`run_metrics_log_watched`, what GraphQL's `series` and the bulk
endpoint call) in this process, on one connection, with 1,000-point batches of `--keys`
keys, and reads that connection's backend CPU from `/proc` (Linux) around each block of
`--batches` batches. Each variant writes its own run; the variants take turns, block by
block, `--cycles` times, so a slower minute of a shared machine falls on all of them.
A variant is the shipped statement with one part switched off (a `WHERE false`), so
the differences are what each part costs:

- `shipped`: the statement as it is;
- `no rollups`, `no chunks`, `no summaries`, `no audit+notify`: without that part;
- `no writes`: the overlap probe and the sequence bump alone;
- `probe only`, `bump only`: one of those two (the other switched off too);
- `statement only`: neither: what sending and starting the statement costs by itself
  (its plan is cached, but each execution initialises every node of it);
- `lock only`: the run's row lock and the transaction, the statement replaced by a constant.

With `--row-security`, four more, each the shipped statement or the statement alone with
the database changed for its block only (by the owner, restored after it):

- `no row security`, `statement, no row security`: row-level security disabled on the
  tables the statement touches (what the policies cost in all);
- `org-only policies`, `statement, org-only policies`: the metric tables' policies cut to
  the organization check (what the private-project check costs: its EXISTS on `runs`).

The figures are PostgreSQL CPU only (the server's own Python is not counted here:
`bench/run_metrics.py` measures both over HTTP)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from app.api.ids import decode_id  # noqa: E402
from app.db.driver import DriverStatement  # noqa: E402
from app.db.engine import make_engine, make_read_session_factory, make_session_factory  # noqa: E402
from app.db.scope import scope_connections, scoped  # noqa: E402
from app.db.url import app_role_url  # noqa: E402
from app.domain.experiments import services  # noqa: E402
from app.domain.experiments.points import batch_from_series  # noqa: E402
from app.domain.health.watching import run_metrics_log_watched  # noqa: E402
from app.server.middleware import actor_for_token  # noqa: E402
from bench.common import admin_key, counted_server, database, machine  # noqa: E402
from bench.run_metrics import EXPERIMENT, PROJECT, Api, new_run, series  # noqa: E402

SHIPPED = services.LOG_POINTS.named_sql
# Each part's switch: the text that lets its rows through, and what stops them.
ROLLUPS = (
    "WHERE EXISTS (SELECT FROM bumped)\n        ORDER BY f.key, f.width, f.bucket",
    "WHERE false",
)
SUMMARIES = ("WHERE EXISTS (SELECT FROM bumped)\n        ORDER BY f.key\n", "WHERE false\n")
CHUNKS = ("CROSS JOIN given g\n", "CROSS JOIN given g WHERE false\n")
AUDIT = ("WHERE NOT (SELECT found FROM overlap)\n        RETURNING 1\n    ),\n    notified",
         "WHERE false RETURNING 1\n    ),\n    notified")  # fmt: skip
NOTIFY = ("FROM bumped b\n    )", "FROM bumped b WHERE false\n    )")
WRITES = (ROLLUPS, CHUNKS, SUMMARIES, AUDIT, NOTIFY)
PROBE = ("WHERE c.run_id = :run_id AND c.key = k.key AND c.max_step >= k.low\n                  AND",
         "WHERE false AND c.run_id = :run_id AND c.key = k.key AND c.max_step >= k.low\n                  AND")  # fmt: skip
BUMP = ("WHERE id = :run_id AND :n > 0", "WHERE false AND id = :run_id AND :n > 0")


def without(*parts: tuple[str, str]) -> DriverStatement:
    sql = SHIPPED
    for old, new in parts:
        if old not in sql:  # the statement changed: this bench must follow it
            raise SystemExit(f"LOG_POINTS no longer contains {old!r}: update {__file__}")
        sql = sql.replace(old, new)
    return DriverStatement(sql)


VARIANTS: dict[str, DriverStatement] = {
    "shipped": services.LOG_POINTS,
    "no rollups": without(ROLLUPS),
    "no chunks": without(CHUNKS),
    "no summaries": without(SUMMARIES),
    "no audit+notify": without(AUDIT, NOTIFY),
    "no writes": without(*WRITES),
    "probe only": without(*WRITES, BUMP),
    "bump only": without(*WRITES, PROBE),
    "statement only": without(*WRITES, PROBE, BUMP),
    "lock only": DriverStatement(
        "SELECT false AS overlap, CAST(:n AS int8) AS high_water, 0 AS written"
    ),
}
TICK = os.sysconf("SC_CLK_TCK")
# The tables LOG_POINTS reads or writes, and those whose policies hold the private-project
# check (an EXISTS on runs).
TOUCHED = ("runs", "run_metric_chunks", "run_metric_rollups", "run_metric_summaries", "audit_logs")
METRIC_TABLES = ("run_metric_chunks", "run_metric_rollups", "run_metric_summaries")
ORG_ONLY = "organization_id = ANY ((SELECT mlgraph_orgs())::uuid[])"
# --row-security: name -> (the variant whose statement it runs, the database change)
ROW_SECURITY = {
    "no row security": ("shipped", "off"),
    "statement, no row security": ("statement only", "off"),
    "org-only policies": ("shipped", "org only"),
    "statement, org-only policies": ("statement only", "org only"),
}


@contextlib.asynccontextmanager
async def row_security(owner: AsyncEngine, change: str | None) -> AsyncIterator[None]:
    """The database as ``change`` says for the block (nothing for None), as it was after:
    each change undone by its own inverse."""
    if change is None:
        yield
        return
    if change == "off":
        changed = [f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY" for table in TOUCHED]
        undone = [f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY" for table in TOUCHED]
    else:  # "org only": the metric tables' policies as they are, then cut
        async with owner.connect() as conn:
            kept = (await conn.execute(text(
                "SELECT tablename, qual, with_check FROM pg_policies"
                " WHERE policyname = 'tenancy' AND tablename = ANY(:t)"
            ), {"t": list(METRIC_TABLES)})).all()  # fmt: skip
        changed = [f"ALTER POLICY tenancy ON {table} USING ({ORG_ONLY}) WITH CHECK ({ORG_ONLY})"
                   for table, *_ in kept]  # fmt: skip
        undone = [f"ALTER POLICY tenancy ON {table} USING ({using}) WITH CHECK ({check})"
                  for table, using, check in kept]  # fmt: skip
    async with owner.begin() as conn:
        for statement in changed:
            await conn.execute(text(statement))
    try:
        yield
    finally:
        async with owner.begin() as conn:
            for statement in undone:
                await conn.execute(text(statement))


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


async def make_runs(url: str, key: str, count: int) -> list[uuid.UUID]:
    async with (
        counted_server(url) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=60) as client,
    ):
        api = Api(client, key)
        org = (await api.call('{ organization(slug: "bench") { id } }', {}))["organization"]["id"]
        slug = f"breakdown-{time.time_ns()}"
        project = (await api.call(PROJECT, {"i": {"organizationId": org, "slug": slug, "name": slug}}))[
            "projectCreate"]["project"]["id"]  # fmt: skip
        experiment = (await api.call(EXPERIMENT, {"i": {"projectId": project, "name": "b"}}))[
            "experimentCreate"]["experiment"]["id"]  # fmt: skip
        return [decode_id(await new_run(api, experiment), "Run", ["id"]) for _ in range(count)]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=60, help="batches per block")
    parser.add_argument("--cycles", type=int, default=5, help="blocks per variant")
    parser.add_argument("--keys", type=int, default=10, help="keys per 1,000-point batch")
    parser.add_argument("--row-security", action="store_true",
                        help="also what the tables' row-level security costs (see above)")  # fmt: skip
    args = parser.parse_args()
    if args.row_security and os.environ.get("DATABASE_URL"):
        raise SystemExit("--row-security changes the database's policies: only on the bench's "
                         "own embedded database (unset DATABASE_URL)")  # fmt: skip
    names = [*VARIANTS, *(ROW_SECURITY if args.row_security else ())]
    print(machine())
    with database() as url:
        key = await admin_key(url)
        runs = dict(zip(names, await make_runs(url, key, len(names)), strict=True))
        engine = make_engine(app_role_url(url), pool_size=1, max_overflow=0)
        owner = make_engine(url, pool_size=1, max_overflow=0)
        scope_connections(engine)
        sessions = make_session_factory(engine)
        actor = replace(
            await actor_for_token(make_read_session_factory(engine), key), ingesting=True
        )
        done = {name: 0 for name in names}
        cpu: dict[str, list[float]] = {name: [] for name in names}

        async def log(name: str) -> None:
            body = series(done[name] * 1000 // args.keys, 1000, args.keys)  # as run_metrics.py
            batch = batch_from_series(body, 10**6)
            async with sessions() as session, session.begin():
                await run_metrics_log_watched(session, actor, run_id=runs[name], batch=batch)
            done[name] += 1

        with scoped(actor.db_scope()):
            async with sessions() as session:
                pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            for _ in range(args.cycles):
                for name in names:
                    runs_as, change = ROW_SECURITY.get(name, (name, None))
                    services.LOG_POINTS = VARIANTS[runs_as]
                    async with row_security(owner, change):
                        for _ in range(5):  # a new statement or policy: planned again first
                            await log(name)
                        before = backend_cpu(pid)
                        for _ in range(args.batches):
                            await log(name)
                        cpu[name].append((backend_cpu(pid) - before) / args.batches * 1000)
        services.LOG_POINTS = VARIANTS["shipped"]
        await engine.dispose()
        await owner.dispose()
    shipped = statistics.median(cpu["shipped"])
    print(f"\nPostgreSQL CPU per {args.keys}-key 1,000-point batch (one connection; "
          f"median of {args.cycles} blocks of {args.batches})")  # fmt: skip
    print(f"{'variant':>28} {'ms/batch':>9} {'saved':>7}   blocks")
    for name, figures in cpu.items():
        median = statistics.median(figures)
        saved = "" if name == "shipped" else f"{100 * (shipped - median) / shipped:6.0f}%"
        print(f"{name:>28} {median:9.2f} {saved:>7}   {' '.join(f'{f:.2f}' for f in figures)}")


if __name__ == "__main__":
    asyncio.run(main())
