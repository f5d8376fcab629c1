"""Shared by the tests of api/subscriptions and others (from tests/api/test_subscriptions.py)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.helpers import until
from tests.ws import WSClient

RUN_METRICS = """
subscription($runId: ID!, $keys: [String!], $afterStep: Int, $after: String) {
  runMetrics(runId: $runId, keys: $keys, afterStep: $afterStep, after: $after) {
    cursor replay points { key step value }
  }
}"""


def points(key: str, steps: range) -> list[dict]:  # type: ignore[type-arg]
    return [{"key": key, "step": s, "value": float(s)} for s in steps]


async def collect(client: WSClient, until: int, seen: list[tuple[str, int]]) -> str:
    """Read batches until ``until`` points have been seen; returns the last cursor."""
    cursor = ""
    while len(seen) < until:
        data = await client.next(seconds=20)
        assert data is not None
        batch = data["runMetrics"]
        seen += [(p["key"], p["step"]) for p in batch["points"]]
        cursor = batch["cursor"]
    return cursor


LIVE_CHART = """subscription($runId: ID!, $keys: [String!]!, $max: Int!) {
  runMetricHistory(runId: $runId, keys: $keys, maxPoints: $max) {
    reset bucketSize cursor histories { key columns { stepStart stepEnd min max last lastStep count } }
  }
}"""


async def following(server: Any, kind: str, key: uuid.UUID, subscribers: int = 1) -> None:
    """Wait until the in-test server's hub of (kind, key) is ready and holds ``subscribers``:
    for streams that start "from now on" (alerts), a change written after this is seen."""
    hubs = server.app.state.broker.hubs

    def ready() -> bool:
        hub = hubs.get((kind, key))
        return hub is not None and hub.ready.is_set() and len(hub.subscribers) >= subscribers

    await until(ready, f"the {kind} hub of {key} ready with {subscribers} subscriber(s)")
    await asyncio.sleep(0)  # the subscriber resumes from the hub's ready and takes its position
