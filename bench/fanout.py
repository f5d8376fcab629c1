"""Subscription fan-out: N WebSocket subscribers on one run, latency from write to receipt.

    .venv/bin/python bench/fanout.py [--subscribers 1000] [--writes 40] [--interval 0.25]

For 1 and for 2 server processes on one database (subscribers spread evenly), a writer logs
one point per write through the first process; every subscriber records when each point
arrives. Latency is measured from just before the write request is sent (so it includes
the write's own round trip and commit) to receipt; the write's round trip alone is printed
next to it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import orjson  # noqa: E402
import psutil  # noqa: E402
import websockets  # noqa: E402

from bench.common import admin_key, counted_server, database, machine  # noqa: E402
from bench.run_metrics import EXPERIMENT, LOG, PROJECT, RUN, Api  # noqa: E402

# Server CPU (all processes) from the first write to the last receipt: per message delivered;
# and the subscribing client's own (the Node process: reading, framing, JSON.parse).
CPU_USED = [0.0]
CLIENT_CPU_USED = [0.0]
# --compression: the Python client offers permessage-deflate, as browsers do (the Node client
# always does); the server accepts it only with MLGRAPH_WS_COMPRESSION=true in its environment.
COMPRESSION = False
SUBSCRIBE = "subscription($id: ID!) { runMetrics(runId: $id) { points { step } } }"


async def subscriber(
    url: str,
    key: str,
    run_id: str,
    received: dict[int, list[float]],
    ready: asyncio.Event,
    counter: list[int],
    total: int,
) -> None:
    async with websockets.connect(
        url,
        subprotocols=["graphql-transport-ws"],
        open_timeout=60,
        compression="deflate" if COMPRESSION else None,
    ) as socket:
        await socket.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}})
        )
        await socket.recv()
        await socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": SUBSCRIBE, "variables": {"id": run_id}},
                }
            )
        )
        counter[0] += 1
        if counter[0] == total:
            ready.set()
        async for raw in socket:
            now = time.perf_counter()
            message = orjson.loads(raw)
            if message.get("type") == "next":
                for point in message["payload"]["data"]["runMetrics"]["points"]:
                    received.setdefault(point["step"], []).append(now)
            elif message.get("type") == "error":
                raise RuntimeError(f"subscription refused: {message}")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


async def write_points(
    api: Api, run_id: str, args: argparse.Namespace, clock
) -> tuple[dict[int, float], list[float]]:  # type: ignore[no-untyped-def]
    sent: dict[int, float] = {}
    round_trips = []
    for step in range(args.writes):
        sent[step] = clock()
        await api.call(
            LOG, {"i": {"runId": run_id, "points": [{"key": "x", "step": step, "value": 1.0}]}}
        )
        round_trips.append((clock() - sent[step]) * 1000)
        await asyncio.sleep(args.interval)
    return sent, round_trips


async def node_subscribers(
    api: Api,
    key: str,
    run_id: str,
    base_urls: list[str],
    args: argparse.Namespace,
    cpu: Callable[[], float],
) -> tuple[dict[int, float], list[float], list[tuple[int, float]]]:
    """Subscribers in one Node process (the reference graphql-ws client); receipt times are
    CLOCK_MONOTONIC, the same clock as time.monotonic() here."""
    urls = ",".join(u.replace("http://", "ws://") + "/graphql" for u in base_urls)
    process = await asyncio.create_subprocess_exec(
        "node", str(Path(__file__).parent / "fanout_client.mjs"), urls, key, run_id,
        str(args.subscribers), str(args.writes),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**28,
    )  # fmt: skip
    assert process.stdout is not None and process.stdin is not None
    line = await asyncio.wait_for(process.stdout.readline(), 300)
    if line.strip() != b"ready":
        raise RuntimeError(f"subscribers failed: {line!r}")
    started = cpu()
    sent, round_trips = await write_points(api, run_id, args, time.monotonic)
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 60)
    except TimeoutError:
        process.stdin.write(b"stop\n")
        line = await process.stdout.readline()
    CPU_USED[0] = cpu() - started
    await process.wait()
    answer = json.loads(line)
    CLIENT_CPU_USED[0] = answer["cpuMicroseconds"] / 1e6
    receipts = answer["receipts"]
    latencies = [(step, (int(t) / 1e9 - sent[step]) * 1000) for step, t in receipts]
    return sent, round_trips, latencies


async def python_subscribers(  # type: ignore[no-untyped-def]
    api: Api,
    key: str,
    run_id: str,
    servers,
    processes: int,
    args: argparse.Namespace,
    cpu: Callable[[], float],
) -> tuple[dict[int, float], list[float], list[tuple[int, float]]]:
    received: dict[int, list[float]] = {}
    ready, counter = asyncio.Event(), [0]
    tasks = []
    for i in range(args.subscribers):
        ws_url = servers[i % processes].base_url.replace("http://", "ws://") + "/graphql"
        tasks.append(
            asyncio.create_task(
                subscriber(ws_url, key, run_id, received, ready, counter, args.subscribers)
            )
        )
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # do not stampede the accept queue
    await asyncio.wait_for(ready.wait(), 120)
    await asyncio.sleep(1.0)  # let every subscription register with its hub
    me = psutil.Process()
    started, client_started = cpu(), sum(me.cpu_times()[:2])
    sent, round_trips = await write_points(api, run_id, args, time.perf_counter)
    deadline = time.perf_counter() + 30
    while (  # noqa: ASYNC110 - a bounded wait for stragglers, polled
        time.perf_counter() < deadline
        and sum(len(v) for v in received.values()) < args.writes * args.subscribers
    ):
        await asyncio.sleep(0.1)
    CPU_USED[0] = cpu() - started
    CLIENT_CPU_USED[0] = sum(me.cpu_times()[:2]) - client_started  # with the writer's
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies = [(step, (t - sent[step]) * 1000) for step, times in received.items() for t in times]
    return sent, round_trips, latencies


async def measure(url: str, key: str, processes: int, args: argparse.Namespace) -> None:
    async with contextlib.AsyncExitStack() as stack:
        # One key for every subscriber: lift the per-key subscription cap (default 100 per
        # process) that would otherwise refuse all but the first hundred.
        env = {"MLGRAPH_MAX_SUBSCRIPTIONS_PER_KEY": str(args.subscribers + 10)}
        servers = [
            await stack.enter_async_context(counted_server(url, env)) for _ in range(processes)
        ]
        async with httpx.AsyncClient(base_url=servers[0].base_url, timeout=60) as client:
            api = Api(client, key)
            org = (await api.call('{ organization(slug: "bench") { id } }', {}))["organization"][
                "id"
            ]
            slug = f"fan-{processes}"
            project = (
                await api.call(PROJECT, {"i": {"organizationId": org, "slug": slug, "name": slug}})
            )["projectCreate"]["project"]["id"]
            experiment = (await api.call(EXPERIMENT, {"i": {"projectId": project, "name": slug}}))[
                "experimentCreate"
            ]["experiment"]["id"]
            run_id = (await api.call(RUN, {"i": {"experimentId": experiment}}))["runCreate"]["run"][
                "id"
            ]

            def cpu() -> float:
                return sum(s.cpu_seconds() for s in servers)

            if args.client == "node":
                sent, round_trips, latencies = await node_subscribers(
                    api, key, run_id, [s.base_url for s in servers], args, cpu
                )
            else:
                sent, round_trips, latencies = await python_subscribers(
                    api, key, run_id, servers, processes, args, cpu
                )
    delivered = len(latencies)
    expected = args.writes * args.subscribers
    every = [ms for _, ms in latencies]
    # The first write after the subscriptions open also pays one-time costs per connection
    # (each side's compressor state, the first pass through each subscriber's pipeline):
    # its slowest delivery is printed apart, and p99 is given without it too.
    steady = [ms for step, ms in latencies if step > 0] or every
    first = max((ms for step, ms in latencies if step == 0), default=0.0)
    print(
        f"{processes:>9} {args.subscribers:>11} {delivered:>9}/{expected:<9} "
        f"{statistics.median(every):>8.1f} {pct(every, 99):>8.1f} {pct(steady, 99):>11.1f} "
        f"{max(every):>8.1f} {first:>11.1f} {statistics.median(round_trips):>12.1f} "
        f"{CPU_USED[0] / max(1, delivered) * 1e6:>14.1f}"
        f"{CLIENT_CPU_USED[0] / max(1, delivered) * 1e6:>14.1f}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--writes", type=int, default=40)
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument("--processes", default="1,2")
    parser.add_argument(
        "--client",
        choices=["node", "python"],
        default="node" if shutil.which("node") else "python",
        help="node: the reference graphql-ws client in one Node process (light); python: "
        "the websockets library in this process",
    )
    parser.add_argument(
        "--compression",
        action="store_true",
        help="the Python client offers permessage-deflate; the server accepts it only when "
        "started with MLGRAPH_WS_COMPRESSION=true (then it compresses per subscriber)",
    )
    args = parser.parse_args()
    global COMPRESSION
    COMPRESSION = args.compression
    print(f"machine: {machine()}")
    print(
        f"{args.subscribers} subscribers on one run ({args.client} client), {args.writes} "
        f"writes of one point, one every {args.interval} s\n"
    )
    print(
        f"{'processes':>9} {'subscribers':>11} {'delivered':>19} {'p50 ms':>8} {'p99 ms':>8} {'p99 after 1':>11} "
        f"{'max ms':>8} {'first write':>11} {'write p50 ms':>12} {'server µs/msg':>14}"
        f"{'client µs/msg':>14}"
    )
    with database() as url:
        key = await admin_key(url)
        for processes in (int(p) for p in args.processes.split(",")):
            await measure(url, key, processes, args)


if __name__ == "__main__":
    asyncio.run(main())
