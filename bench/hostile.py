"""Hostile requests against one server process, each case while a well-behaved client keeps
asking a small query: per case, the attacker's own worst latency and what the
well-behaved client saw (p50 / p99 / max), plus the server's RSS before and after.

    python bench/hostile.py [--seconds 4]

Cases are the ones of issue 8: fragment bombs, wide selection sets, large distinct
documents, concurrent introspection, bad bodies, bad keys, and a WebSocket flooding
replays without reading."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import psutil
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import counted_server, database, machine  # noqa: E402

PROBE = {"query": "{ viewer { user { email } } }"}
ONLY: str | None = None


def fragment_bomb(levels: int) -> str:
    fragments = ["fragment F0 on User { email }"]
    fragments += [f"fragment F{i} on User {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)]
    return f"{{ viewer {{ user {{ ...F{levels - 1} }} }} }}\n" + "\n".join(fragments)


def same_name_fields(count: int) -> str:
    return "{ " + " ".join(f'__type(name: "T{i}") {{ name }}' for i in range(count)) + " }"


def deep_json(depth: int) -> bytes:
    return (
        b'{"query": "{ __typename }", "variables": ' + b'{"a":' * depth + b"1" + b"}" * depth + b"}"
    )


async def setup(database_url: str) -> str:
    """The migrated database and an organization with a key (its run: make_run)."""
    from app.db.engine import make_engine, make_session_factory
    from app.db.migrate import upgrade
    from app.domain.tenancy.services import bootstrap_admin

    upgrade(database_url)
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    async with make_session_factory(engine)() as session, session.begin():
        created = await bootstrap_admin(session, email="hostile@example.com", org_slug="hostile")
    await engine.dispose()
    return created.secret


async def make_run(base_url: str, key: str) -> str:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:

        async def mutate(document: str, variables: dict) -> dict:  # type: ignore[type-arg]
            response = await client.post(
                "/graphql", json={"query": document, "variables": variables}
            )
            return next(iter(response.json()["data"].values()))

        org = (
            await client.post(
                "/graphql", json={"query": '{ organization(slug: "hostile") { id } }'}
            )
        ).json()
        org_id = org["data"]["organization"]["id"]
        project = await mutate(
            "mutation($i: ProjectCreateInput!) { projectCreate(input: $i) { project { id } } }",
            {"i": {"organizationId": org_id, "slug": f"p-{uuid.uuid4().hex[:6]}", "name": "P"}},
        )
        experiment = await mutate(
            "mutation($i: ExperimentCreateInput!) { experimentCreate(input: $i) { experiment { id } } }",
            {"i": {"projectId": project["project"]["id"], "name": "e"}},
        )
        run = await mutate(
            "mutation($i: RunCreateInput!) { runCreate(input: $i) { run { id } } }",
            {"i": {"experimentId": experiment["experiment"]["id"]}},
        )
        run_id = run["run"]["id"]
        for start in range(0, 50_000, 10_000):
            await mutate(
                "mutation($i: RunMetricsLogInput!) { runMetricsLog(input: $i) { newCount } }",
                {"i": {"runId": run_id, "columns": {
                    "keys": ["loss"] * 10_000, "steps": list(range(start, start + 10_000)),
                    "values": [float(s) for s in range(start, start + 10_000)]}}},
            )  # fmt: skip
        return run_id


async def probe(base_url: str, key: str, stop: asyncio.Event, latencies: list[float]) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:
        while not stop.is_set():
            started = time.perf_counter()
            await client.post("/graphql", json=PROBE)
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.02)


async def timed(call: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def run_case(
    name: str,
    attack: Callable[[], Awaitable[list[float]]],
    base_url: str,
    key: str,
    rss: psutil.Process,
) -> dict[str, object]:
    latencies: list[float] = []
    stop = asyncio.Event()
    before = rss.memory_info().rss
    prober = asyncio.create_task(probe(base_url, key, stop, latencies))
    await asyncio.sleep(0.3)
    attacker = await attack()
    await asyncio.sleep(0.3)
    stop.set()
    await prober
    ordered = sorted(latencies)
    return {
        "case": name,
        "attacks": len(attacker),
        "attack p50 ms": statistics.median(attacker) if attacker else 0.0,
        "attack worst ms": max(attacker) if attacker else 0.0,
        "probe p50 ms": statistics.median(ordered),
        "probe p99 ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "probe max ms": ordered[-1],
        "rss delta MiB": (rss.memory_info().rss - before) / 2**20,
    }


async def main(seconds: float) -> None:
    with database() as database_url:
        key = await setup(database_url)
        async with counted_server(database_url) as server:
            run_id = await make_run(server.base_url, key)
            rss = psutil.Process(server.pid)
            results = await cases(server.base_url, key, run_id, rss, seconds)
    print(f"machine: {machine()}; one server process; the attacker and the probe share the cores")
    columns = list(results[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in results:
        cells = [f"{v:.1f}" if isinstance(v, float) else str(v) for v in row.values()]
        print("| " + " | ".join(cells) + " |")


async def cases(
    base_url: str, key: str, run_id: str, rss: psutil.Process, seconds: float
) -> list[dict[str, object]]:
    auth = {"Authorization": f"Bearer {key}"}
    client = httpx.AsyncClient(base_url=base_url, headers=auth, timeout=120)

    def repeated(
        body: Callable[[int], dict[str, object] | bytes], count: int, *, raw: bool = False
    ):  # type: ignore[no-untyped-def]
        async def attack() -> list[float]:
            out = []
            for i in range(count):
                payload = body(i)
                if isinstance(payload, bytes):
                    call = client.post(
                        "/graphql", content=payload, headers={"content-type": "application/json"}
                    )
                else:
                    call = client.post("/graphql", json=payload)
                out.append(await timed(lambda call=call: call))
            return out

        return attack

    async def concurrent_introspection() -> list[float]:
        from graphql import get_introspection_query

        query = {"query": get_introspection_query()}
        return list(
            await asyncio.gather(
                *(timed(lambda: client.post("/graphql", json=query)) for _ in range(20))
            )
        )

    async def bad_keys() -> list[float]:
        out = []
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as anonymous:
            for i in range(1000):
                headers = {"Authorization": f"Bearer mlg_{i:08d}_guess"}
                out.append(
                    await timed(lambda h=headers: anonymous.post("/graphql", json=PROBE, headers=h))
                )
        return out

    async def websocket_flood() -> list[float]:
        url = base_url.replace("http://", "ws://") + "/graphql"
        query = "subscription($r: ID!) { runMetrics(runId: $r) { cursor points { step value } } }"
        socket = await websockets.connect(url, subprotocols=["graphql-transport-ws"], max_queue=1)
        await socket.send(json.dumps({"type": "connection_init", "payload": auth}))
        await socket.recv()
        for i in range(20):
            await socket.send(json.dumps({"id": str(i), "type": "subscribe",
                                          "payload": {"query": query, "variables": {"r": run_id}}}))  # fmt: skip
        await asyncio.sleep(seconds)  # reading nothing
        await socket.close()
        return []

    def distinct_mb(i: int) -> dict[str, object]:
        return {"query": "{ __typename } #" + str(i) + "x" * 1_000_000}

    plan = [
        ("fragment bomb, 40 levels (x20)", repeated(lambda i: {"query": fragment_bomb(40)}, 20)),
        ("fragment bomb, 19 levels (x20)", repeated(lambda i: {"query": fragment_bomb(19)}, 20)),
        (
            "500 same-name fields, other args (x20)",
            repeated(lambda i: {"query": same_name_fields(500)}, 20),
        ),
        ("20 concurrent introspections", concurrent_introspection),
        ("100 distinct 1 MB documents", repeated(distinct_mb, 100)),
        (
            "60 distinct 3.9 MB comment documents",
            repeated(lambda i: {"query": "#" + str(i) + "x" * 3_900_000}, 60),
        ),
        ("invalid UTF-8 bodies (x100)", repeated(lambda i: b'{"query": "\xff\xfe"}', 100)),
        ("JSON nested 1,000+ deep (x100)", repeated(lambda i: deep_json(1200), 100)),
        (
            "NUL and lone surrogates (x100)",
            repeated(
                lambda i: b'{"query": "{ organization(slug: \\"a\\\\u0000\\") { id } }"}', 100
            ),
        ),
        ("one WebSocket, 20 replaying subscriptions, not reading", websocket_flood),
        # Last: the address is blocked for the rest of the minute afterwards (by design).
        ("1,000 bad keys", bad_keys),
    ]
    results = []
    try:
        for name, attack in plan:
            if ONLY and ONLY not in name:
                continue
            results.append(await run_case(name, attack, base_url, key, rss))
            print(f"done: {name}", file=sys.stderr)
    finally:
        await client.aclose()
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--only", help="run only the cases whose name contains this")
    arguments = parser.parse_args()
    ONLY = arguments.only
    asyncio.run(main(arguments.seconds))
