"""Subscriptions are limited per connection and per key, with clear errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from app.settings import Settings
from tests.conftest import TEST_LIMITS, TEST_SETTINGS, RunningServer, serve
from tests.helpers import create_run
from tests.ws import WSClient

STATUS = "subscription($runId: ID!) { runStatus(runId: $runId) { status } }"


@pytest.fixture(scope="module")
async def small_server(database_url: str) -> AsyncIterator[RunningServer]:
    limits = replace(TEST_LIMITS, max_subscriptions_per_connection=3, max_subscriptions_per_key=4)
    settings = Settings(database_url=database_url, **{**TEST_SETTINGS, "limits": limits})  # type: ignore[arg-type]
    async with serve(settings) as running:
        yield running


async def subscribe(client: WSClient, operation_id: str, run_id: str) -> dict:  # type: ignore[type-arg]
    """Subscribe and return the first message for this operation."""
    message = {
        "id": operation_id,
        "type": "subscribe",
        "payload": {"query": STATUS, "variables": {"runId": run_id}},
    }
    await client.socket.send(json.dumps(message))
    while True:
        answer = json.loads(await asyncio.wait_for(client.socket.recv(), 10))
        if answer.get("id") == operation_id:
            return answer


async def test_per_connection_and_per_key_limits(small_server, tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    first = await WSClient.connect(small_server.base_url, tenant.key)
    second = await WSClient.connect(small_server.base_url, tenant.key)
    try:
        for n in range(3):
            assert (await subscribe(first, str(n), ids["run"]))["type"] == "next"
        refused = await subscribe(first, "3", ids["run"])
        assert refused["type"] == "error" and "limit" in refused["payload"][0]["message"]
        assert (await subscribe(second, "a", ids["run"]))["type"] == "next"  # the key's 4th
        over = await subscribe(second, "b", ids["run"])
        assert over["type"] == "next" and over["payload"]["errors"][0]["extensions"]["code"] == (
            "TOO_MANY_SUBSCRIPTIONS"
        )
        # Closing one frees its slot (as soon as the server has ended that stream).
        await first.socket.send(json.dumps({"id": "0", "type": "complete"}))
        for attempt in range(200):
            answer = await subscribe(second, f"retry-{attempt}", ids["run"])
            if not answer["payload"].get("errors"):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the slot was never freed")
        assert (await subscribe(second, "d", ids["run"]))["payload"].get("errors")
    finally:
        await first.close()
        await second.close()
