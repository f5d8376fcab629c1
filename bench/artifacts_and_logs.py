"""Run artifacts and console logs, as scripts and dashboards use them.

    .venv/bin/python bench/artifacts_and_logs.py [--mb 1024] [--clients 4] [--seconds 5]
                                                 [--followers 100] [--writes 40]

- Artifacts: one file of ``--mb`` MiB uploaded (PUT, streamed from the load generator) and
  downloaded (GET, streamed, checked against its SHA-256), MB/s each way, with the server
  process's resident memory high-water mark before and after (it must stay flat: bytes
  are streamed, never held).
- Log ingest: ``--clients`` writers appending batches of 1,000 lines (~60 characters) with
  ``runLogsAppend`` for ``--seconds``, as ``lines`` objects and as ``columns``: lines/s
  and p50/p99 of a call (each writer starts a new run every 50,000 lines: a run takes
  60,000 a minute).
- Live tail: ``--followers`` WebSocket subscribers of ``runLogs`` on one run; a writer
  appends one line every 50 ms, ``--writes`` times; latency from just before the append
  is sent to each follower's receipt, p50/p99 (the append's own round trip printed next
  to it). The load generator shares the machine."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import orjson  # noqa: E402
import websockets  # noqa: E402

from bench.common import admin_key, counted_server, database, machine  # noqa: E402
from bench.run_metrics import EXPERIMENT, PROJECT, RUN, Api  # noqa: E402

APPEND = (
    "mutation($i: RunLogsAppendInput!) { runLogsAppend(input: $i) { newCount "
    "userErrors { message } } }"
)
TAIL = "subscription($id: ID!) { runLogs(runId: $id) { cursor lines { text } } }"
BLOCK = os.urandom(1024 * 1024)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


async def body(mib: int) -> AsyncIterator[bytes]:
    for _ in range(mib):
        yield BLOCK


async def artifacts(base: str, key: str, run: str, mib: int, rss) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {key}"}
    url = f"{base}/v1/runs/{run}/artifacts/model/big.bin"
    expected = hashlib.sha256()
    for _ in range(mib):
        expected.update(BLOCK)
    rss_before = rss()
    async with httpx.AsyncClient(timeout=600) as http:
        started = time.perf_counter()
        made = await http.put(url, content=body(mib), headers=headers)
        up = time.perf_counter() - started
        assert made.status_code == 201, made.text
        assert made.json()["sha256"] == expected.hexdigest()
        digest = hashlib.sha256()
        started = time.perf_counter()
        async with http.stream("GET", url, headers=headers) as response:
            async for chunk in response.aiter_raw():
                digest.update(chunk)
        down = time.perf_counter() - started
        assert digest.hexdigest() == expected.hexdigest()
    print(
        f"artifact {mib} MiB: upload {mib / up:,.0f} MiB/s, download {mib / down:,.0f} MiB/s; "
        f"server RSS high-water {rss_before:,.0f} MB before, {rss():,.0f} MB after"
    )


async def ingest(api: Api, experiment: str, clients: int, seconds: float, form: str) -> None:
    line = "epoch 12 step 3400: loss=0.23145 acc=0.9123 lr=0.0003 (42.1 it/s)"
    stamp = time.time() * 1000
    batch: dict[str, Any] = (
        {"lines": [{"text": line} for _ in range(1_000)]}
        if form == "lines"
        else {"columns": {"texts": [line] * 1_000, "timestamps": [stamp] * 1_000}}
    )
    latencies: list[float] = []
    total = [0]

    async def writer() -> None:
        deadline = time.perf_counter() + seconds
        sent = 0
        while time.perf_counter() < deadline:
            if sent % 50 == 0:  # a run takes 60,000 lines a minute: a new one every 50,000
                run = (await api.call(RUN, {"i": {"experimentId": experiment}}))["runCreate"][
                    "run"
                ]["id"]
            sent += 1
            started = time.perf_counter()
            done = await api.call(APPEND, {"i": {"runId": run, **batch}})
            latencies.append((time.perf_counter() - started) * 1000)
            if done["runLogsAppend"]["userErrors"]:
                raise RuntimeError(done["runLogsAppend"]["userErrors"])
            total[0] += done["runLogsAppend"]["newCount"]

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    print(
        f"log ingest ({form}), {clients} clients x 1,000-line batches: "
        f"{total[0] / elapsed:,.0f} lines/s, "
        f"call p50 {statistics.median(latencies):.1f} ms, p99 {pct(latencies, 99):.1f} ms"
    )


async def follower(
    url: str, key: str, run: str, received: dict[str, list[float]], ready: list[int]
) -> None:
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}}
        await socket.send(json.dumps(init))
        await socket.recv()
        payload = {"query": TAIL, "variables": {"id": run}}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        ready[0] += 1
        async for raw in socket:
            now = time.perf_counter()
            message = orjson.loads(raw)
            if message.get("type") == "next":
                for line in message["payload"]["data"]["runLogs"]["lines"]:
                    received.setdefault(line["text"], []).append(now)
            elif message.get("type") == "error":
                raise RuntimeError(message)


async def tail(api: Api, base: str, key: str, experiment: str, followers: int, writes: int) -> None:
    run = (await api.call(RUN, {"i": {"experimentId": experiment}}))["runCreate"]["run"]["id"]
    received: dict[str, list[float]] = {}
    ready = [0]
    url = base.replace("http://", "ws://") + "/graphql"
    tasks = [
        asyncio.create_task(follower(url, key, run, received, ready)) for _ in range(followers)
    ]
    while ready[0] < followers:  # noqa: ASYNC110 - a benchmark's setup, polled
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # the last subscriptions reach the server
    sent: dict[str, float] = {}
    round_trips = []
    for n in range(writes):
        text = f"line {n}"
        sent[text] = time.perf_counter()
        await api.call(APPEND, {"i": {"runId": run, "lines": [{"text": text}]}})
        round_trips.append((time.perf_counter() - sent[text]) * 1000)
        await asyncio.sleep(0.05)
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline and any(  # noqa: ASYNC110
        len(received.get(text, ())) < followers for text in sent
    ):
        await asyncio.sleep(0.05)
    for task in tasks:
        task.cancel()
    latencies = [(at - sent[text]) * 1000 for text, times in received.items() for at in times]
    delivered = sum(len(times) for times in received.values())
    print(
        f"live tail, {followers} followers, {writes} appends: delivered {delivered:,} of "
        f"{followers * writes:,}; latency p50 {statistics.median(latencies):.1f} ms, "
        f"p99 {pct(latencies, 99):.1f} ms (the append's round trip p50 "
        f"{statistics.median(round_trips):.1f} ms)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=1024)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--followers", type=int, default=100)
    parser.add_argument("--writes", type=int, default=40)
    args = parser.parse_args()
    print(f"machine: {machine()}\n")
    with database() as url:
        key = await admin_key(url)
        files = tempfile.mkdtemp(prefix="mlgraph-bench-artifacts-")
        env = {
            "MLGRAPH_RATE_REQUESTS_PER_KEY": "0",
            "MLGRAPH_MAX_SUBSCRIPTIONS_PER_KEY": str(args.followers + 10),
            "MLGRAPH_ARTIFACT_DIR": files,
        }
        async with contextlib.AsyncExitStack() as stack:
            stack.callback(shutil.rmtree, files, True)
            server = await stack.enter_async_context(counted_server(url, env))
            async with httpx.AsyncClient(base_url=server.base_url, timeout=120) as client:
                api = Api(client, key)
                org = (await api.call('{ organization(slug: "bench") { id } }', {}))[
                    "organization"
                ]["id"]
                project = (
                    await api.call(
                        PROJECT, {"i": {"organizationId": org, "slug": "al", "name": "A"}}
                    )
                )["projectCreate"]["project"]["id"]
                experiment = (
                    await api.call(EXPERIMENT, {"i": {"projectId": project, "name": "al"}})
                )["experimentCreate"]["experiment"]["id"]
                run = (await api.call(RUN, {"i": {"experimentId": experiment}}))["runCreate"][
                    "run"
                ]["id"]
                await artifacts(server.base_url, key, run, args.mb, server.peak_rss_mb)
                for form in ("lines", "columns"):
                    await ingest(api, experiment, args.clients, args.seconds, form)
                await tail(api, server.base_url, key, experiment, args.followers, args.writes)


if __name__ == "__main__":
    asyncio.run(main())
