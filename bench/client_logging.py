"""The Python client in a training loop: the cost of `run.log` in the calling thread, and
the points per second that reach the server.

    .venv/bin/python bench/client_logging.py [--steps 100000] [--keys 10]

A loop logs `--keys` metrics per step for `--steps` steps through `mlgraph.start_run`
(defaults: batches of 10,000 points, the sender thread posting `runMetricsLog` series),
timing every `log` call with perf_counter_ns. Reported: the per-call p50/p99/max in the
calling thread, the loop's own time, and end to end (first log to the last point
acknowledged by `finish`) points/s; then the stored count is checked against what was
logged. For scale: the bare loop (building the same dicts, no client) is timed too. The
server runs in its own process (bench/counted_server.py) on the embedded PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import psutil  # noqa: E402

import mlgraph  # noqa: E402
from bench.common import admin_key, counted_server, database, machine  # noqa: E402

PROJECT = """mutation($i: ProjectCreateInput!) { projectCreate(input: $i) { project { id } } }"""
COUNT = """query($id: ID!, $key: String!) { node(id: $id) { ... on Run {
  metric(key: $key) { summary { count } } } } }"""


def pin(server_pid: int) -> None:
    """The training script (this process: the loop and the sender thread) on core 0, the
    server and PostgreSQL on the others: on a 2-core machine the server would otherwise
    preempt the training loop, which is not what a training machine sees."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return
    os.sched_setaffinity(0, {cores[0]})
    for process in psutil.process_iter(["pid", "name"]):
        if process.info["pid"] == server_pid or process.info["name"] == "postgres":
            with contextlib.suppress(psutil.Error):
                process.cpu_affinity(cores[1:])


def train(url: str, key: str, steps: int, keys: int) -> dict[str, float]:
    names = [f"metric_{k}" for k in range(keys)]
    bare_start = time.perf_counter()
    for step in range(steps):
        {name: step * 0.001 + k for k, name in enumerate(names)}
    bare = time.perf_counter() - bare_start

    timings = [0] * steps
    clock = time.perf_counter_ns
    run = mlgraph.start_run(url=url, api_key=key, organization="bench", project="bench",
                            experiment="client-logging")  # fmt: skip
    start = time.perf_counter()
    for step in range(steps):
        values = {name: step * 0.001 + k for k, name in enumerate(names)}
        before = clock()
        run.log(values, step=step)
        timings[step] = clock() - before
    loop = time.perf_counter() - start
    run.finish()
    total = time.perf_counter() - start
    timings.sort()
    return {
        "run_id": run.id,  # type: ignore[dict-item]
        "p50_us": statistics.median(timings) / 1000,
        "p99_us": timings[int(0.99 * len(timings))] / 1000,
        "max_us": timings[-1] / 1000,
        "loop_s": loop,
        "bare_loop_s": bare,
        "total_s": total,
        "points": steps * keys,
        "sent": run.sent_points,
        "retries": run.retries,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--keys", type=int, default=10)
    parser.add_argument(
        "--no-pin", dest="pin", action="store_false",
        help="leave every process on every core (by default the training script gets core 0 "
        "and the server with PostgreSQL core 1, as if they ran on different machines)",
    )  # fmt: skip
    args = parser.parse_args()
    with database() as url:
        key = await admin_key(url)
        async with contextlib.AsyncExitStack() as stack:
            server = await stack.enter_async_context(counted_server(url))
            async with httpx.AsyncClient(base_url=server.base_url, timeout=120) as client:
                headers = {"Authorization": f"Bearer {key}"}
                org = (await client.post("/graphql", headers=headers, json={
                    "query": '{ organization(slug: "bench") { id } }'})).json()  # fmt: skip
                await client.post("/graphql", headers=headers, json={"query": PROJECT,
                    "variables": {"i": {"organizationId": org["data"]["organization"]["id"],
                                        "slug": "bench", "name": "bench"}}})  # fmt: skip
                if args.pin:
                    pin(server.pid)
                cpu_before = server.cpu_seconds()
                result = await asyncio.to_thread(train, server.base_url, key, args.steps, args.keys)
                cpu = server.cpu_seconds() - cpu_before
                stored = (await client.post("/graphql", headers=headers, json={
                    "query": COUNT, "variables": {"id": result["run_id"], "key": "metric_0"}}
                )).json()["data"]["node"]["metric"]["summary"]["count"]  # fmt: skip
    points = result["points"]
    print(f"# mlgraph client logging — {machine()}")
    print("training script on core 0, server and PostgreSQL on the other(s)" if args.pin
          else "every process on every core")  # fmt: skip
    print(f"steps {args.steps:,} × keys {args.keys} = {points:,.0f} points")
    print(f"run.log per call (calling thread): p50 {result['p50_us']:.2f} µs, "
          f"p99 {result['p99_us']:.2f} µs, max {result['max_us']:.0f} µs")  # fmt: skip
    print(f"training loop: {result['loop_s']:.2f} s with logging, "
          f"{result['bare_loop_s']:.2f} s bare (the dicts alone)")  # fmt: skip
    print(f"end to end (first log → last point acknowledged): {result['total_s']:.2f} s = "
          f"{points / result['total_s']:,.0f} points/s")  # fmt: skip
    print(f"server CPU: {cpu:.2f} s = {cpu * 1000 / (points / 1000):.2f} ms per 1,000 points; "
          f"retries {result['retries']:.0f}")  # fmt: skip
    print(f"stored for metric_0: {stored:,} of {args.steps:,}; acknowledged {result['sent']:,.0f}")
    if stored != args.steps:
        raise SystemExit("points were lost")


if __name__ == "__main__":
    asyncio.run(main())
