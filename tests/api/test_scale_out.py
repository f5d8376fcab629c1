"""Several server processes on one database; slow subscribers; bounded memory."""

from __future__ import annotations

import asyncio

import psutil

from tests.conftest import server_process
from tests.helpers import create_run, log_points
from tests.support.subscriptions import RUN_METRICS, collect, points
from tests.ws import WSClient


async def test_points_written_through_one_process_reach_subscribers_of_another(
    server, tenant, other_servers
):
    ids = await create_run(tenant.client, tenant.org_id)
    client = await WSClient.connect(other_servers[0].base_url, tenant.key)
    try:
        await client.subscribe(RUN_METRICS, {"runId": ids["run"]})
        # No wait for the subscription to start: without a cursor it replays from the first
        # point, so points written before it is live still arrive, once.
        # Written through the in-test server, received from the separate process.
        await log_points(tenant.client, ids["run"], points("loss", range(500)))
        seen: list[tuple[str, int]] = []
        await collect(client, 500, seen)
        assert seen == [("loss", s) for s in range(500)]
    finally:
        await client.close()


async def test_a_slow_subscriber_keeps_server_memory_bounded(server, tenant, database_url):
    """A client that stops reading gets coalesced batches later; the server holds no queue
    for it (the hub's ring is bounded, the rest is re-read from the database)."""
    ids = await create_run(tenant.client, tenant.org_id)
    total = 200_000
    # No keepalive pings either way: a client that does not read cannot answer them, and
    # on a loaded machine a ping timeout (not the behaviour under test) closed the socket.
    async with server_process(database_url, MLGRAPH_WS_PING_SECONDS="0") as other:
        rss = psutil.Process(other.process.pid)
        # max_queue=1: the client library stops reading its socket as soon as one message
        # waits, so the server's writes block on a full TCP buffer.
        slow = await WSClient.connect(other.base_url, tenant.key, max_queue=1, ping_interval=None)
        fast = await WSClient.connect(other.base_url, tenant.key)
        try:
            await slow.subscribe(RUN_METRICS, {"runId": ids["run"]})
            await fast.subscribe(RUN_METRICS, {"runId": ids["run"]})
            baseline = rss.memory_info().rss
            fast_seen: list[tuple[str, int]] = []
            for start in range(0, total, 10_000):
                await log_points(
                    tenant.client, ids["run"], points("loss", range(start, start + 10_000))
                )
                await collect(fast, start + 10_000, fast_seen)  # the fast one keeps up meanwhile
            grown = rss.memory_info().rss - baseline
            assert grown < 40 * 1024 * 1024, f"server grew by {grown / 2**20:.0f} MiB"
            assert len(fast_seen) == total
            # The slow one still gets every point exactly once, in few large batches.
            slow_seen: list[tuple[str, int]] = []
            await collect(slow, total, slow_seen)
            assert slow_seen == [("loss", s) for s in range(total)]
        finally:
            await slow.close()
            await fast.close()


async def test_serve_with_workers_runs_stateless_processes_on_one_port(tenant, database_url):
    """`mlgraph serve --workers 2` (here MLGRAPH_WORKERS=2): two worker processes answer on
    one port; a subscriber of one sees points written through the other; SIGTERM stops all."""
    async with server_process(database_url, MLGRAPH_WORKERS="2") as served:
        supervisor = psutil.Process(served.process.pid)
        workers = [
            p for p in supervisor.children() if "resource_tracker" not in " ".join(p.cmdline())
        ]
        assert len(workers) == 2, supervisor.children()
        ids = await create_run(tenant.client, tenant.org_id)
        subscribers = [await WSClient.connect(served.base_url, tenant.key) for _ in range(6)]
        try:
            for client in subscribers:
                await client.subscribe(RUN_METRICS, {"runId": ids["run"]})
            # Six connections (each acknowledged, so accepted by a worker) spread over the two workers (the kernel balances accepts).
            busy = {
                w.pid
                for w in workers
                if any(c.status == "ESTABLISHED" for c in w.net_connections())
            }
            await log_points(tenant.client, ids["run"], points("loss", range(100)))
            for client in subscribers:
                seen: list[tuple[str, int]] = []
                await collect(client, 100, seen)
                assert seen == [("loss", s) for s in range(100)]
        finally:
            for client in subscribers:
                await client.close()
        assert busy  # at least one worker holds sockets (both, usually; not asserted)
        served.process.terminate()
        await asyncio.wait_for(served.process.wait(), 30)
        assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)
