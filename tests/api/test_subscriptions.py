"""Live metrics, run status and alerts over graphql-transport-ws, on a real server."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from sqlalchemy import text

from app.api.ids import decode_id
from app.db.engine import make_engine, make_session_factory
from app.seed.fanout import FanoutShape, seed_fanout
from tests.helpers import RUN_FINISH, assert_ok, create_run, log_points, until
from tests.support.subscriptions import LIVE_CHART, RUN_METRICS, collect, points
from tests.ws import SubscriptionError, WSClient


async def subscribed(server, kind: str, key: str, type_name: str) -> None:  # type: ignore[no-untyped-def]
    """Until a subscriber waits on the in-test server's hub of ``kind`` for this id (a
    stream that starts "from now on" must be registered before the change it expects)."""
    hub_key = (kind, decode_id(key, type_name, ["id"]))
    hubs = server.app.state.broker.hubs

    def waiting() -> bool:
        hub = hubs.get(hub_key)
        return hub is not None and hub.ready.is_set() and bool(hub.subscribers)

    await until(waiting, f"a subscriber registered with the {kind} hub")
    for _ in range(5):  # let the subscriber take its starting position
        await asyncio.sleep(0)


async def test_connection_needs_a_valid_key(server, tenant):
    """No key closes with 4401, a bad one with 4403; the reason says which."""
    cases = [
        (None, 4401, "Unauthorized: send {Authorization: Bearer <key>} in connection_init"),
        ("mlg_00000000_wrong", 4403, "Forbidden: unknown API key"),
        ("garbage", 4403, "Forbidden: malformed API key"),
    ]
    for key, code, reason in cases:
        url = server.base_url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket:
            payload = {"Authorization": f"Bearer {key}"} if key else {}
            await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (code, reason)


async def test_replay_after_step_then_live_points(server, tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    await log_points(
        tenant.client, ids["run"], points("loss", range(100)) + points("acc", range(100))
    )
    client = await WSClient.connect(server.base_url, tenant.key)
    try:
        await client.subscribe(
            RUN_METRICS, {"runId": ids["run"], "keys": ["loss"], "afterStep": 49}
        )
        first = (await client.next())["runMetrics"]
        assert first["replay"] is True
        assert [p["step"] for p in first["points"]] == list(range(50, 100))
        assert {p["key"] for p in first["points"]} == {"loss"}
        await log_points(
            tenant.client,
            ids["run"],
            points("loss", range(100, 120)) + points("acc", range(100, 120)),
        )
        live = (await client.next())["runMetrics"]
        assert live["replay"] is False
        assert [p["step"] for p in live["points"]] == list(range(100, 120))
    finally:
        await client.close()


async def test_reconnecting_with_the_cursor_sees_every_point_exactly_once(server, tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    expected = [(key, step) for step in range(3_000) for key in ("loss", "acc")]

    written = 0  # batches committed so far

    async def writer() -> None:
        nonlocal written
        for start in range(0, 3_000, 100):
            await log_points(
                tenant.client,
                ids["run"],
                points("loss", range(start, start + 100))
                + points("acc", range(start, start + 100)),
            )
            written += 1
            await asyncio.sleep(0.01)

    writing = asyncio.create_task(writer())
    seen: list[tuple[str, int]] = []
    client = await WSClient.connect(server.base_url, tenant.key)
    await client.subscribe(RUN_METRICS, {"runId": ids["run"]})
    cursor = await collect(client, 1_000, seen)
    await client.close()  # drop the connection mid-stream; the writer goes on
    gone_at = written
    await until(lambda: written >= min(gone_at + 2, 30), "batches written while disconnected")
    client = await WSClient.connect(server.base_url, tenant.key)
    try:
        await client.subscribe(RUN_METRICS, {"runId": ids["run"], "after": cursor})
        await collect(client, len(expected), seen)
    finally:
        await client.close()
        await writing
    assert len(seen) == len(set(seen)) == len(expected)
    assert sorted(seen) == sorted(expected)


async def test_resume_with_after_step(server, tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    await log_points(tenant.client, ids["run"], points("loss", range(10)))
    client = await WSClient.connect(server.base_url, tenant.key)
    seen: list[tuple[str, int]] = []
    await client.subscribe(RUN_METRICS, {"runId": ids["run"]})
    await collect(client, 10, seen)
    await client.close()
    await log_points(tenant.client, ids["run"], points("loss", range(10, 15)))
    client = await WSClient.connect(server.base_url, tenant.key)
    try:
        await client.subscribe(RUN_METRICS, {"runId": ids["run"], "afterStep": seen[-1][1]})
        await log_points(tenant.client, ids["run"], points("loss", range(15, 20)))
        await collect(client, 20, seen)
    finally:
        await client.close()
    assert seen == [("loss", s) for s in range(20)]


async def test_other_tenants_cannot_subscribe(server, tenant, make_tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    stranger = await make_tenant("stranger")
    client = await WSClient.connect(server.base_url, stranger.key)
    try:
        await client.subscribe(RUN_METRICS, {"runId": ids["run"]})
        with pytest.raises(SubscriptionError, match="run not found"):
            await client.next()
    finally:
        await client.close()
    client = await WSClient.connect(server.base_url, stranger.key)
    try:
        await client.subscribe(
            "subscription($o: ID!) { alerts(organizationId: $o) { id } }", {"o": tenant.org_id}
        )
        with pytest.raises(SubscriptionError, match="organization not found"):
            await client.next()
    finally:
        await client.close()


RUN_STATUS = "subscription($id: ID!) { runStatus(runId: $id) { status endedAt } }"


async def test_run_status_streams_until_the_run_ends(server, tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    client = await WSClient.connect(server.base_url, tenant.key)
    try:
        await client.subscribe(RUN_STATUS, {"id": ids["run"]})
        assert (await client.next())["runStatus"] == {"status": "RUNNING", "endedAt": None}
        assert_ok(await tenant.client.mutate(RUN_FINISH, {"runId": ids["run"], "status": "FAILED"}))
        change = (await client.next())["runStatus"]
        assert change["status"] == "FAILED" and change["endedAt"]
        assert await client.next() is None  # completed
    finally:
        await client.close()


ALERTS = """
subscription($org: ID!, $min: AlertSeverity!) {
  alerts(organizationId: $org, minSeverity: $min) { id status severity title acknowledgedBy { email } }
}"""
ACK = "mutation($input: AlertStatusInput!) { alertAcknowledge(input: $input) { alert { id } userErrors { code } } }"


async def test_alert_changes_reach_subscribers_by_severity(server, make_tenant, database_url):
    tenant = await make_tenant("alerts")
    org_id = decode_id(tenant.org_id, "Organization", ["org"])
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with make_session_factory(engine)() as session, session.begin():
            await seed_fanout(session, org_id, FanoutShape(fanout=1, versions=2, points=0))
            await session.execute(
                text(
                    "UPDATE alerts SET severity = 'low' WHERE id = (SELECT id FROM alerts WHERE organization_id = :o ORDER BY id LIMIT 1)"
                ),
                {"o": org_id},
            )  # noqa: E501
            rows = (
                await session.execute(
                    text("SELECT id, severity FROM alerts WHERE organization_id = :o ORDER BY id"),
                    {"o": org_id},
                )
            ).all()  # noqa: E501
    finally:
        await engine.dispose()
    from app.api.ids import encode_id

    low, high = (encode_id("Alert", r.id) for r in rows)
    client = await WSClient.connect(server.base_url, tenant.key)
    try:
        await client.subscribe(ALERTS, {"org": tenant.org_id, "min": "HIGH"})
        await subscribed(server, "alerts", tenant.org_id, "Organization")  # before the changes
        assert (await tenant.client.mutate(ACK, {"alertId": low}))["userErrors"] == []
        assert (await tenant.client.mutate(ACK, {"alertId": high}))["userErrors"] == []
        alert = (await client.next())["alerts"]
        assert alert["id"] == high and alert["status"] == "ACKNOWLEDGED"
        assert alert["acknowledgedBy"] == {"email": tenant.email}
        with pytest.raises(asyncio.TimeoutError):
            await client.next(seconds=0.5)  # the LOW one was filtered out
    finally:
        await client.close()


async def test_listener_reconnects_and_catches_up(server, tenant, database_url):
    ids = await create_run(tenant.client, tenant.org_id)
    client = await WSClient.connect(server.base_url, tenant.key)
    try:
        await client.subscribe(RUN_METRICS, {"runId": ids["run"]})
        await log_points(tenant.client, ids["run"], points("loss", range(5)))
        seen: list[tuple[str, int]] = []
        await collect(client, 5, seen)
        listener = server.app.state.listener
        reconnects = listener.reconnects
        engine = make_engine(database_url, pool_size=1, max_overflow=0)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    text("SELECT pg_terminate_backend(:pid)"),
                    {"pid": listener.connection.get_server_pid()},
                )
        finally:
            await engine.dispose()
        # Written while the listener is down: its notification is lost, the resync is not.
        await log_points(tenant.client, ids["run"], points("loss", range(5, 10)))
        await collect(client, 10, seen)
        assert listener.reconnects > reconnects
        await log_points(tenant.client, ids["run"], points("loss", range(10, 15)))
        await collect(client, 15, seen)
        assert seen == [("loss", s) for s in range(15)]
    finally:
        await client.close()


async def test_disconnecting_tears_the_hub_down(server, tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    run_id = decode_id(ids["run"], "Run", ["r"])
    broker = server.app.state.broker
    clients = [await WSClient.connect(server.base_url, tenant.key) for _ in range(3)]
    for client in clients:
        await client.subscribe(RUN_METRICS, {"runId": ids["run"]})
    await log_points(tenant.client, ids["run"], points("loss", range(3)))
    for client in clients:
        assert (await client.next())["runMetrics"]["points"]
    hub = broker.hubs[("metrics", run_id)]
    assert len(hub.subscribers) == 3  # one hub per run per process, whatever the subscribers
    for client in clients:
        await client.close()
    for _ in range(50):
        if ("metrics", run_id) not in broker.hubs:
            break
        await asyncio.sleep(0.05)
    assert ("metrics", run_id) not in broker.hubs and not hub.subscribers


async def test_subscribers_asking_the_same_share_one_execution_and_one_message(server, tenant):
    """Per batch, one execution per distinct (document, variables): five subscribers with
    the same arguments cost one, a sixth with other keys its own; all get the same data."""
    from app.api.shared_events import STATS

    ids = await create_run(tenant.client, tenant.org_id)
    same = [await WSClient.connect(server.base_url, tenant.key) for _ in range(5)]
    other = await WSClient.connect(server.base_url, tenant.key)
    # Operation ids are the client's: some that JSON must escape
    operation_ids = ["1", 'a"b', "\\n\u00e9", "x" * 64, "</script>"]
    try:
        for client, operation_id in zip(same, operation_ids, strict=True):
            await client.subscribe(RUN_METRICS, {"runId": ids["run"]}, operation_id)
        await other.subscribe(RUN_METRICS, {"runId": ids["run"], "keys": ["acc"]})
        # A first batch, taken by all (live, or replayed by one not yet waiting on the hub):
        # then every subscriber has delivered up to it, and the next batch is shared — no
        # fixed sleep for the subscriptions to register.
        await log_points(tenant.client, ids["run"], points("acc", range(100, 101)))
        for client in [*same, other]:
            assert [p["step"] for p in (await client.next())["runMetrics"]["points"]] == [100]
        hub = server.app.state.broker.hubs[("metrics", decode_id(ids["run"], "Run", ["r"]))]
        # and the hub has read it (its next read starts after it)
        await until(lambda: hub.last_seq == 1, "the hub read the first batch")
        before = dict(STATS)
        await log_points(
            tenant.client, ids["run"], points("loss", range(3)) + points("acc", range(2))
        )
        batches = [(await client.next())["runMetrics"] for client in same]
        assert all(batch == batches[0] for batch in batches)
        assert len(batches[0]["points"]) == 5
        # One subscriber's message went through Strawberry, four were written straight to
        # their sockets: the same text but for each one's own id.
        texts = [client.last_text for client in same]
        assert [json.loads(t)["id"] for t in texts] == operation_ids
        prefix = '{"id":'
        assert all(t.startswith(prefix) for t in texts)
        after_id = {t[json.JSONDecoder().raw_decode(t, len(prefix))[1] :] for t in texts}
        assert len(after_id) == 1
        assert next(iter(after_id)).startswith(',"type":"next","payload":{"data":')
        assert [p["key"] for p in (await other.next())["runMetrics"]["points"]] == ["acc", "acc"]
        assert STATS["executed"] - before.get("executed", 0) == 2
        # The four others' events go straight out as the first one's result: no execution,
        # no pass through graphql-core and Strawberry per subscriber.
        assert STATS["direct"] - before.get("direct", 0) == 4
    finally:
        for client in [*same, other]:
            await client.close()


async def test_a_commit_larger_than_a_hub_read_reaches_subscribers_whole(server, tenant):
    """A 10,000-point batch (ten chunks, two hub reads of 5,000) arrives without waiting
    for another write."""
    ids = await create_run(tenant.client, tenant.org_id)
    client = await WSClient.connect(server.base_url, tenant.key)
    try:
        await client.subscribe(RUN_METRICS, {"runId": ids["run"]})
        await subscribed(server, "metrics", ids["run"], "Run")  # live, not replayed
        await log_points(tenant.client, ids["run"], points("loss", range(10_000)))
        seen: list[tuple[str, int]] = []
        await collect(client, 10_000, seen)
        assert seen == [("loss", s) for s in range(10_000)]
    finally:
        await client.close()


CHART_NOW = """query($id: ID!, $keys: [String!]!, $max: Int!, $to: Int!) { node(id: $id) { ... on Run {
  metricHistory(keys: $keys, maxPoints: $max, stepTo: $to) {
    key columns { stepStart stepEnd min max last lastStep count } } } } }"""


def rows_of(columns: dict) -> dict[int, tuple]:  # type: ignore[type-arg]
    fields = ("stepEnd", "min", "max", "last", "lastStep", "count")
    return {
        start: tuple(columns[f][i] for f in fields) for i, start in enumerate(columns["stepStart"])
    }


async def test_a_live_chart_sends_the_history_then_only_changed_buckets(server, tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    await log_points(tenant.client, ids["run"], points("loss", range(1000)))
    client = await WSClient.connect(server.base_url, tenant.key)
    chart: dict[str, dict[int, tuple]] = {}  # type: ignore[type-arg]
    bucket_size = 0

    async def apply() -> dict:  # type: ignore[type-arg]
        nonlocal bucket_size
        update = (await client.next())["runMetricHistory"]
        if update["reset"]:
            chart.clear()
        bucket_size = update["bucketSize"]
        for history in update["histories"]:
            chart.setdefault(history["key"], {}).update(rows_of(history["columns"]))
        return update

    async def matches_a_fresh_read(planned_to: int) -> None:
        fresh = await tenant.client.data(
            CHART_NOW, {"id": ids["run"], "keys": ["loss"], "max": 100, "to": planned_to}
        )
        assert chart["loss"] == rows_of(fresh["node"]["metricHistory"][0]["columns"])

    try:
        await client.subscribe(LIVE_CHART, {"runId": ids["run"], "keys": ["loss"], "max": 100})
        first = await apply()
        assert first["reset"] and bucket_size == 20  # planned over 0..1,999: 100 buckets
        assert len(chart["loss"]) == 50
        await matches_a_fresh_read(1999)
        # New points touch one or two buckets: only those come, whatever the run's length.
        await log_points(tenant.client, ids["run"], points("loss", range(1000, 1005)))
        update = await apply()
        assert not update["reset"]
        assert update["histories"][0]["columns"]["stepStart"] == [1000]
        await log_points(tenant.client, ids["run"], [{"key": "loss", "step": 1500, "value": 99.0}])
        update = await apply()
        assert update["histories"][0]["columns"]["stepStart"] == [1500]
        assert update["histories"][0]["columns"]["max"] == [99.0]
        await matches_a_fresh_read(1999)
        # The run outgrows the planned range: bucketed again (wider) and sent whole, once.
        await log_points(tenant.client, ids["run"], [{"key": "loss", "step": 5000, "value": -1.0}])
        update = await apply()
        assert update["reset"] and bucket_size == 128  # over 0..10,001, whole 64-step rollups
        await matches_a_fresh_read(10_001)
        await log_points(tenant.client, ids["run"], points("loss", range(5001, 5003)))
        update = await apply()
        assert not update["reset"] and len(update["histories"][0]["columns"]["count"]) == 1
        await matches_a_fresh_read(10_001)  # nothing counted twice across the reset
    finally:
        await client.close()


async def test_a_live_chart_checks_its_arguments(server, tenant, make_tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    other = await make_tenant("chart")
    for variables, message in (
        ({"runId": ids["run"], "keys": [], "max": 10}, "keys takes 1 to 20"),
        ({"runId": ids["run"], "keys": ["bad\\nkey"], "max": 10}, "valid metric keys"),
        ({"runId": ids["run"], "keys": ["loss"], "max": 0}, "maxPoints must be between"),
    ):
        client = await WSClient.connect(server.base_url, tenant.key)
        try:
            await client.subscribe(LIVE_CHART, variables)
            with pytest.raises(SubscriptionError, match=message):
                await client.next()
        finally:
            await client.close()
    stranger = await WSClient.connect(server.base_url, other.key)
    try:
        await stranger.subscribe(LIVE_CHART, {"runId": ids["run"], "keys": ["loss"], "max": 10})
        with pytest.raises(SubscriptionError, match="run not found"):
            await stranger.next()
    finally:
        await stranger.close()


async def test_a_cursor_beyond_a_sequence_number_is_refused_cleanly(server, tenant):
    """A cursor of 19+ digits (or non-ASCII digits) is no sequence number: "invalid cursor",
    not an error from the database."""
    ids = await create_run(tenant.client, tenant.org_id)
    for cursor in ("9" * 40, "١٢", "12a"):
        client = await WSClient.connect(server.base_url, tenant.key)
        try:
            await client.subscribe(RUN_METRICS, {"runId": ids["run"], "after": cursor})
            with pytest.raises(SubscriptionError, match="invalid cursor"):
                await client.next()
        finally:
            await client.close()
