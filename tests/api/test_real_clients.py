"""The clients our users run, against the live server: `gql` over HTTP and over both
WebSocket subprotocols. gql refuses binary frames ("Binary data received in the
websocket"), so these tests also prove every message goes out as text."""

from __future__ import annotations

import asyncio

import pytest
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport
from gql.transport.websockets import WebsocketsTransport

from tests.helpers import create_project, create_run, log_points
from tests.support.real_clients import TRANSPORT_WS, doc, ws_client
from tests.support.subscriptions import RUN_METRICS, points

LEGACY = WebsocketsTransport.APOLLO_SUBPROTOCOL  # "graphql-ws"


def http_client(base_url: str, key: str | None) -> Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return Client(transport=HTTPXAsyncTransport(url=f"{base_url}/graphql", headers=headers))


async def test_gql_over_http_queries_and_mutates(server, tenant):
    async with http_client(server.base_url, tenant.key) as session:
        viewer = await session.execute(gql("{ viewer { user { email } } }"))
        assert viewer == {"viewer": {"user": {"email": tenant.email}}}
        created = await session.execute(
            doc(
                """mutation($input: ProjectCreateInput!) {
                  projectCreate(input: $input) { project { slug } userErrors { code } } }""",
                input={"organizationId": tenant.org_id, "slug": "gql-made", "name": "G"},
            )
        )
        assert created["projectCreate"] == {"project": {"slug": "gql-made"}, "userErrors": []}
        with pytest.raises(TransportQueryError) as failed:
            await session.execute(gql("{ organization(slug: 1) { id } }"))
        assert failed.value.errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_gql_over_http_reads_the_401_of_a_bad_key(server):
    async with http_client(server.base_url, "mlg_00000000_nope") as session:
        with pytest.raises(TransportQueryError) as failed:
            await session.execute(gql("{ viewer { user { email } } }"))
    assert failed.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert failed.value.errors[0]["message"] == "unknown API key"


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY])
async def test_gql_subscribes_over_both_websocket_protocols(server, tenant, subprotocol):
    ids = await create_run(tenant.client, tenant.org_id)
    await log_points(tenant.client, ids["run"], points("loss", range(3)))
    seen: list[int] = []
    async with ws_client(server.base_url, tenant.key, subprotocol) as session:
        stream = session.subscribe(doc(RUN_METRICS, runId=ids["run"]))

        replayed = asyncio.Event()

        async def read() -> None:
            async for result in stream:
                seen.extend(p["step"] for p in result["runMetrics"]["points"])
                if len(seen) >= 3:
                    replayed.set()  # the replay arrived: the subscription is live
                if len(seen) >= 6:
                    return

        reader = asyncio.create_task(read())
        await asyncio.wait_for(replayed.wait(), 15)
        await log_points(tenant.client, ids["run"], points("loss", range(3, 6)))
        await asyncio.wait_for(reader, 15)
        await stream.aclose()  # unsubscribes (complete / stop)
        # Queries run over the same socket too.
        viewer = await session.execute(gql("{ viewer { user { email } } }"))
    assert seen == [0, 1, 2, 3, 4, 5]
    assert viewer["viewer"]["user"]["email"] == tenant.email


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY])
async def test_gql_websocket_without_a_key_is_told_why(server, subprotocol):
    client = ws_client(server.base_url, None, subprotocol)
    with pytest.raises(Exception) as failed:  # gql raises its own error types per protocol
        async with client as session:
            await session.execute(gql("{ __typename }"))
    assert "Unauthorized" in _close_story(failed.value)


def _close_story(error: BaseException | None) -> str:
    """What the client learnt: its error texts and any WebSocket close frame's reason."""
    parts = []
    while error is not None:
        parts.append(str(error))
        received = getattr(error, "rcvd", None)
        if received is not None:
            parts.append(f"{received.code} {received.reason}")
        error = error.__cause__ or error.__context__
    return " | ".join(parts)


async def test_gql_runs_a_mutation_then_reads_it_back_over_websocket(server, tenant):
    project = await create_project(tenant.client, tenant.org_id)
    async with ws_client(server.base_url, tenant.key, TRANSPORT_WS) as session:
        result = await session.execute(
            doc("query($id: ID!) { node(id: $id) { ... on Project { id } } }", id=project["id"])
        )
    assert result == {"node": {"id": project["id"]}}


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY])
async def test_gql_follows_a_live_chart_and_shared_batches(server, tenant, subprotocol):
    """runMetricHistory and a shared runMetrics stream through gql on both protocols: the
    shared, pre-written JSON of a batch is a text frame gql accepts, identical for two
    subscribers on one socket. On graphql-transport-ws the second one's event goes straight
    to the socket as the first one's result; the legacy protocol takes the whole path."""
    from app.api.shared_events import STATS
    from tests.support.subscriptions import LIVE_CHART

    ids = await create_run(tenant.client, tenant.org_id)
    await log_points(tenant.client, ids["run"], points("loss", range(100)))
    async with ws_client(server.base_url, tenant.key, subprotocol) as session:
        chart = session.subscribe(doc(LIVE_CHART, runId=ids["run"], keys=["loss"], max=50))
        first = (await anext(chart))["runMetricHistory"]
        assert first["reset"] and sum(first["histories"][0]["columns"]["count"]) == 100
        streams = [session.subscribe(doc(RUN_METRICS, runId=ids["run"])) for _ in range(2)]
        replays = [await anext(stream) for stream in streams]  # the stored points first
        assert all(len(r["runMetrics"]["points"]) == 100 for r in replays)
        before = dict(STATS)
        await log_points(tenant.client, ids["run"], points("loss", range(100, 103)))
        live = [(await anext(stream))["runMetrics"] for stream in streams]
        assert live[0] == live[1] and [p["step"] for p in live[0]["points"]] == [100, 101, 102]
        direct = STATS["direct"] - before.get("direct", 0)
        assert direct == (1 if subprotocol == TRANSPORT_WS else 0)
        assert STATS["executed"] - before.get("executed", 0) == 1  # the other shares it
        update = (await anext(chart))["runMetricHistory"]
        assert not update["reset"] and sum(update["histories"][0]["columns"]["count"]) == 3
        for stream in [chart, *streams]:
            await stream.aclose()


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY])
async def test_queries_on_one_websocket_see_changes_made_between_them(server, tenant, subprotocol):
    """A dashboard keeps one socket open for hours: each operation reads afresh (the
    resolver path's loaders must not cache rows across operations of a connection)."""
    project = await create_project(tenant.client, tenant.org_id)
    # viewerRole is resolved in Python: this query runs on the resolvers.
    query = doc(
        "query($id: ID!) { node(id: $id) { ... on Project { name organization { viewerRole } } } }",
        id=project["id"],
    )
    rename = """mutation($input: ProjectUpdateInput!) {
      projectUpdate(input: $input) { project { name } userErrors { code } } }"""
    async with ws_client(server.base_url, tenant.key, subprotocol) as session:
        before = await session.execute(query)
        await tenant.client.mutate(rename, {"projectId": project["id"], "name": "Renamed"})
        after = await session.execute(query)
    assert before["node"]["name"] == "P"
    assert after["node"] == {"name": "Renamed", "organization": {"viewerRole": "ADMIN"}}


async def test_a_chart_reads_metric_cursor_then_streams_only_newer_points(server, tenant):
    """metricCursor, read with the history, is where the subscription picks up: nothing
    stored before it comes again, nothing committed after it is missed (new keys too)."""
    ids = await create_run(tenant.client, tenant.org_id)
    query = "query($id: ID!) { node(id: $id) { ... on Run { metricCursor } } }"
    assert (await tenant.client.data(query, {"id": ids["run"]}))["node"]["metricCursor"] == "0"
    await log_points(tenant.client, ids["run"], points("loss", range(5)))
    compiled = await tenant.client.post(query, {"id": ids["run"]})
    reference = await tenant.client.on_resolvers().post(query, {"id": ids["run"]})
    assert compiled.headers["x-mlgraph-path"] == "compiled"
    assert compiled.content == reference.content
    cursor = compiled.json()["data"]["node"]["metricCursor"]
    await log_points(tenant.client, ids["run"], points("acc", range(3)))  # after the read
    async with ws_client(server.base_url, tenant.key, TRANSPORT_WS) as session:
        stream = session.subscribe(doc(RUN_METRICS, runId=ids["run"], after=cursor))
        first = await anext(stream)
        assert [(p["key"], p["step"]) for p in first["runMetrics"]["points"]] == [
            ("acc", 0), ("acc", 1), ("acc", 2)]  # fmt: skip
        await log_points(tenant.client, ids["run"], points("loss", range(5, 7)))
        second = await anext(stream)
        assert [p["step"] for p in second["runMetrics"]["points"]] == [5, 6]
        await stream.aclose()  # complete it, or leaving the session waits for a timeout


async def test_websocket_compression_is_off_unless_configured(tenant, database_url, other_servers):
    """Clients offer permessage-deflate (browsers, websockets, gql): by default the server
    declines it; with MLGRAPH_WS_COMPRESSION=true (`mlgraph serve`) it accepts, and gql
    follows a subscription over the compressed socket."""
    import websockets

    from tests.conftest import server_process

    def url(base: str) -> str:
        return base.replace("http://", "ws://") + "/graphql"

    default = other_servers[0]  # `mlgraph serve` with the default WebSocket settings
    async with websockets.connect(
        url(default.base_url), subprotocols=[TRANSPORT_WS], compression="deflate"
    ) as plain:
        assert plain.response.headers.get("Sec-WebSocket-Extensions") is None
    ids = await create_run(tenant.client, tenant.org_id)
    await log_points(tenant.client, ids["run"], points("loss", range(50)))
    async with server_process(database_url, MLGRAPH_WS_COMPRESSION="true") as other:
        async with websockets.connect(url(other.base_url), subprotocols=[TRANSPORT_WS],
                                      compression="deflate") as compressed:  # fmt: skip
            offered = compressed.response.headers.get("Sec-WebSocket-Extensions", "")
            assert offered.startswith("permessage-deflate")
        async with ws_client(other.base_url, tenant.key, TRANSPORT_WS) as session:
            stream = session.subscribe(doc(RUN_METRICS, runId=ids["run"]))
            first = await anext(stream)
            assert [p["step"] for p in first["runMetrics"]["points"]] == list(range(50))
            await stream.aclose()
