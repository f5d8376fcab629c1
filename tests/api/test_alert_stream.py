"""The alerts stream loses nothing when a subscriber falls behind the hub's ring: it
catches up from the database, like the metrics stream."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text

from app.api.ids import decode_any
from app.db.engine import make_engine, make_read_session_factory
from app.events import hubs, streams
from tests.helpers import build_graph
from tests.support.alert_rules import record, rule


async def test_a_subscriber_behind_the_ring_catches_up_from_the_database(
    tenant, database_url, monkeypatch
):
    monkeypatch.setattr(hubs, "ALERT_RING_SIZE", 2)
    engine = make_engine(database_url, pool_size=2, max_overflow=0)
    broker = hubs.Broker(make_read_session_factory(engine))
    org_id = decode_any(tenant.org_id)[1]  # type: ignore[index]
    ids = await build_graph(tenant.client, tenant.org_id)
    for n in range(5):
        await rule(tenant.client, ids, name=f"latency-{n}", aggregation="LAST")
    stream = streams.alert_changes(broker, org_id)
    first = asyncio.ensure_future(stream.__anext__())  # subscribes, then waits for a change
    while ("alerts", org_id) not in broker.hubs:  # noqa: ASYNC110 - the hub is the signal
        await asyncio.sleep(0)
    await broker.hubs[("alerts", org_id)].ready.wait()
    await asyncio.sleep(0)  # let the subscriber take its starting position
    await record(tenant.client, ids["deployment"], "latency_ms", [999])  # opens 5 alerts
    async with engine.connect() as conn:
        opened = [row[0] for row in await conn.execute(
            text("SELECT id FROM alerts WHERE organization_id = :org"), {"org": org_id}
        )]  # fmt: skip
    assert len(opened) == 5
    hub = broker.hubs[("alerts", org_id)]
    for alert_id in opened:  # what the LISTEN connection would deliver, one at a time
        hub.notify(alert_id)
        await hub._task
    assert len(hub.changes) == 2  # the ring kept the last two of five
    seen: list[uuid.UUID] = list(await asyncio.wait_for(first, 10))
    while len(set(seen)) < 5:
        seen += await asyncio.wait_for(stream.__anext__(), 10)
    assert set(seen) == set(opened)
    await stream.aclose()
    await engine.dispose()
