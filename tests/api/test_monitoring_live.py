"""A deployment's live monitoring chart (deploymentMonitoringMetrics), through gql over
WebSocket as a dashboard subscribes: the last points of each name first, then each new or
re-sent point as its write commits, resumable from a cursor with no gap and no duplicate."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from app.events import hubs
from tests.helpers import METRICS_RECORD, assert_ok, build_graph
from tests.support.project_visibility import member, set_visibility

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LIVE = """
subscription($id: ID!, $names: [String!], $last: Int! = 100, $after: String) {
  deploymentMonitoringMetrics(deploymentId: $id, names: $names, last: $last, after: $after) {
    deploymentId cursor replay points { name value recordedAt }
  }
}"""


def ws_client(base_url: str, key: str) -> Client:
    transport = WebsocketsTransport(
        url=base_url.replace("http://", "ws://") + "/graphql",
        init_payload={"Authorization": f"Bearer {key}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    return Client(transport=transport)


def subscription(**variables: Any):  # type: ignore[no-untyped-def]
    request = gql(LIVE)
    request.variable_values = variables
    return request


def points(name: str, minutes: range, value: float = 0.0) -> list[dict[str, Any]]:
    return [
        {"name": name, "value": value + m, "recordedAt": (T0 + timedelta(minutes=m)).isoformat()}
        for m in minutes
    ]


def seen(batch: dict[str, Any]) -> list[tuple[str, int, float]]:
    """(name, minute, value) of each point of a batch."""
    return [
        (p["name"], int((datetime.fromisoformat(p["recordedAt"]) - T0).total_seconds()) // 60,
         p["value"])
        for p in batch["points"]
    ]  # fmt: skip


async def record(client: Any, deployment: str, batch: list[dict[str, Any]]) -> None:
    assert_ok(await client.mutate(METRICS_RECORD, {"deploymentId": deployment, "points": batch}))


async def test_a_chart_gets_the_last_points_then_each_write_as_it_commits(server, tenant):
    deployment = (await build_graph(tenant.client, tenant.org_id))["deployment"]
    await record(tenant.client, deployment, points("latency_ms", range(10)))
    await record(tenant.client, deployment, points("error_rate", range(10), value=100))
    async with ws_client(server.base_url, tenant.key) as session:
        stream = session.subscribe(subscription(id=deployment, last=3))
        first = (await anext(stream))["deploymentMonitoringMetrics"]
        assert first["replay"] is True and first["deploymentId"] == deployment
        assert sorted(seen(first)) == sorted(
            [("latency_ms", m, float(m)) for m in (7, 8, 9)]
            + [("error_rate", m, 100.0 + m) for m in (7, 8, 9)]
        )
        # A new point, and a re-sent one with a new value: both come, with the new value.
        await record(
            tenant.client,
            deployment,
            points("latency_ms", range(10, 11))
            + [{**points("latency_ms", range(2, 3))[0], "value": -5.0}],  # fmt: skip
        )
        live = (await anext(stream))["deploymentMonitoringMetrics"]
        assert live["replay"] is False
        assert seen(live) == [("latency_ms", 2, -5.0), ("latency_ms", 10, 10.0)]
        assert int(live["cursor"]) > int(first["cursor"])
        # Names narrow the chart: a write of other names sends nothing to it.
        only = session.subscribe(subscription(id=deployment, names=["error_rate"], last=1))
        assert seen((await anext(only))["deploymentMonitoringMetrics"]) == [
            ("error_rate", 9, 109.0)
        ]
        await record(tenant.client, deployment, points("latency_ms", range(11, 12)))
        await record(tenant.client, deployment, points("error_rate", range(10, 11), value=100))
        assert seen((await anext(only))["deploymentMonitoringMetrics"]) == [
            ("error_rate", 10, 110.0)
        ]
        assert seen((await anext(stream))["deploymentMonitoringMetrics"]) == [
            ("latency_ms", 11, 11.0)
        ]
        # Completed here: a stream left open makes gql wait out its close timeout (10 s).
        await only.aclose()
        await stream.aclose()


@pytest.mark.parametrize("ring", [hubs.MONITORING_RING_SIZE, 3])
async def test_resuming_from_a_cursor_misses_nothing_and_repeats_nothing(
    server, tenant, monkeypatch, ring
):
    """Writers record while the chart reads, drops its connection and resumes from its
    cursor: every write arrives exactly once, in commit order — also when the hub's ring
    is smaller than a write, so readers catch up from the database."""
    monkeypatch.setattr(hubs, "MONITORING_RING_SIZE", ring)
    deployment = (await build_graph(tenant.client, tenant.org_id))["deployment"]
    writes = 40
    started = asyncio.Event()

    async def writer(name: str) -> None:
        await started.wait()
        for w in range(writes):
            await record(tenant.client, deployment, points(name, range(w * 5, w * 5 + 5)))

    got: list[tuple[str, int, float]] = []
    cursors: list[int] = []

    async def read(after: str | None, stop_at: int) -> str:
        async with ws_client(server.base_url, tenant.key) as session:
            async for answer in session.subscribe(subscription(id=deployment, last=0, after=after)):
                batch = answer["deploymentMonitoringMetrics"]
                got.extend(seen(batch))
                started.set()  # the first message: everything after it comes live
                cursors.append(int(batch["cursor"]))
                if len(got) >= stop_at:
                    return batch["cursor"]
        raise AssertionError("the subscription ended")

    first = asyncio.create_task(read(None, 60))
    writing = [asyncio.create_task(writer(name)) for name in ("a", "b")]
    cursor = await first
    await read(cursor, 2 * writes * 5)
    await asyncio.gather(*writing)
    expected = [(n, m, float(m)) for n in ("a", "b") for m in range(writes * 5)]
    assert sorted(got) == sorted(expected) and len(got) == len(expected)
    assert cursors == sorted(cursors)


async def test_only_those_who_may_read_the_deployment_follow_it(
    server, tenant, make_tenant, http, database_url
):
    deployment = (await build_graph(tenant.client, tenant.org_id))["deployment"]
    project = (await tenant.client.data(
        "query($id: ID!) { node(id: $id) { ... on Deployment { project { id } } } }",
        {"id": deployment}))["node"]["project"]["id"]  # fmt: skip
    await set_visibility(tenant, project, "PRIVATE")
    stranger = await make_tenant("monlive")
    developer = await member(tenant, http, database_url, "DEVELOPER")
    for key in (stranger.key, developer.key):
        async with ws_client(server.base_url, key) as session:
            with pytest.raises(TransportQueryError, match="deployment not found"):
                await anext(session.subscribe(subscription(id=deployment)))
    refused = [
        ({"names": ["bad name"]}, "valid metric names"),
        ({"names": [f"n{i}" for i in range(51)]}, "valid metric names"),
        ({"last": 1001}, "last must be between 0 and 1000"),
        ({"last": -1}, "last must be between 0 and 1000"),
        ({"after": "-1"}, "invalid cursor"),
        ({"after": "9" * 40}, "invalid cursor"),
    ]
    async with ws_client(server.base_url, tenant.key) as session:
        for variables, message in refused:
            with pytest.raises(TransportQueryError, match=message):
                await anext(session.subscribe(subscription(id=deployment, **variables)))


ANOMALIES = """subscription($id: ID!) { deploymentMonitoringMetrics(deploymentId: $id, last: 10) {
  points { value thresholdLow thresholdHigh isAnomaly } } }"""


async def test_a_point_outside_its_thresholds_is_an_anomaly_live_too(server, tenant):
    deployment = (await build_graph(tenant.client, tenant.org_id))["deployment"]
    ranged = [
        {**p, "thresholdLow": 5.0, "thresholdHigh": 8.0}
        for p in points("latency_ms", range(4), value=4)
    ]  # 4 5 6 7: 4 is below
    await record(tenant.client, deployment, ranged)
    async with ws_client(server.base_url, tenant.key) as session:
        request = gql(ANOMALIES)
        request.variable_values = {"id": deployment}
        stream = session.subscribe(request)
        first = (await anext(stream))["deploymentMonitoringMetrics"]
        assert [p["isAnomaly"] for p in first["points"]] == [True, False, False, False]
        await record(tenant.client, deployment, [{**points("latency_ms", range(9, 10), value=0)[0],
                                                 "thresholdHigh": 8.5}])  # 9 > 8.5  # fmt: skip
        live = (await anext(stream))["deploymentMonitoringMetrics"]
        assert live["points"] == [{"value": 9.0, "thresholdLow": None, "thresholdHigh": 8.5,
                                   "isAnomaly": True}]  # fmt: skip
        await stream.aclose()
