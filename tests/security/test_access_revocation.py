"""Live subscriptions end when the access behind them goes: a revoked key, a removed
member, a lowered role; in every server process (the NOTIFY bus carries the change)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from tests.conftest import GraphQLClient
from tests.helpers import assert_ok, create_run
from tests.support.access_revocation import ALERTS, closed_with
from tests.support.subscriptions import RUN_METRICS
from tests.support.tenancy import (
    INVITE,
    KEY_CREATE,
    KEY_REVOKE,
    REMOVE,
    ROLE_UPDATE,
    bootstrap_key_for,
)
from tests.ws import WSClient


async def test_revoking_a_key_ends_its_subscriptions_in_every_process(
    server, tenant, http, other_servers
):
    ids = await create_run(tenant.client, tenant.org_id)
    created = assert_ok(await tenant.client.mutate(KEY_CREATE, {"name": "live"}))
    other = other_servers[0]
    here = await WSClient.connect(server.base_url, created["secret"])
    there = await WSClient.connect(other.base_url, created["secret"])
    for client in (here, there):
        await client.subscribe(RUN_METRICS, {"runId": ids["run"]})
    bystander = await WSClient.connect(server.base_url, tenant.key)  # another key: stays
    await bystander.subscribe(RUN_METRICS, {"runId": ids["run"]})
    # No wait for the subscriptions to start: a connection is watched from its accepted
    # connection_init on, so revoking closes it whether or not its subscription runs yet.
    assert_ok(await tenant.client.mutate(KEY_REVOKE, {"apiKeyId": created["apiKey"]["id"]}))
    for client in (here, there):
        assert await closed_with(client) == (4403, "Forbidden: this API key was revoked")
    assert (await GraphQLClient(http, created["secret"]).post("{ __typename }")).status_code == 401
    await bystander.socket.send('{"type": "ping"}')
    assert "pong" in await asyncio.wait_for(bystander.socket.recv(), 10)
    await bystander.close()


async def test_removing_a_member_or_lowering_a_role_ends_theirs(server, tenant, http, database_url):
    for change in ("remove", "demote"):
        email = f"{change}-{tenant.org_slug}@example.com"
        invite = {"organizationId": tenant.org_id, "email": email, "role": "DEVELOPER"}
        membership = assert_ok(await tenant.client.mutate(INVITE, invite))["membership"]
        member = await bootstrap_key_for(database_url, http, email)
        client = await WSClient.connect(server.base_url, member.key)
        await client.subscribe(ALERTS, {"org": tenant.org_id})
        if change == "remove":
            assert_ok(await tenant.client.mutate(REMOVE, {"membershipId": membership["id"]}))
        else:
            update = {"membershipId": membership["id"], "role": "VIEWER"}
            assert_ok(await tenant.client.mutate(ROLE_UPDATE, update))
        code, reason = await closed_with(client)
        assert (code, reason) == (4403, "Forbidden: your access changed; reconnect")


async def test_revoking_a_key_ends_its_http_subscription_streams(server, tenant, http):
    ids = await create_run(tenant.client, tenant.org_id)
    created = assert_ok(await tenant.client.mutate(KEY_CREATE, {"name": "sse"}))
    body = {
        "query": "subscription($r: ID!) { runStatus(runId: $r) { status } }",
        "variables": {"r": ids["run"]},
    }
    headers = {"authorization": f"Bearer {created['secret']}", "accept": "text/event-stream"}
    events = []
    async with (
        asyncio.timeout(20),
        http.stream("POST", "/graphql", json=body, headers=headers) as stream,
    ):
        async for line in stream.aiter_lines():
            if line.startswith("data: {"):
                events.append(line)
                assert_ok(
                    await tenant.client.mutate(KEY_REVOKE, {"apiKeyId": created["apiKey"]["id"]})
                )
    assert len(events) == 1  # RUNNING, then the stream ended: the run never finished


async def test_a_revoked_key_is_refused_at_once_although_authentication_is_cached(
    server, tenant, http, other_servers
):
    created = assert_ok(await tenant.client.mutate(KEY_CREATE, {"name": "cached"}))
    key = GraphQLClient(http, created["secret"])
    assert (await key.post("{ __typename }")).status_code == 200  # now cached here
    async with httpx.AsyncClient(base_url=other_servers[0].base_url) as elsewhere_http:
        elsewhere = GraphQLClient(elsewhere_http, created["secret"])
        assert (await elsewhere.post("{ __typename }")).status_code == 200  # cached there
        assert_ok(await tenant.client.mutate(KEY_REVOKE, {"apiKeyId": created["apiKey"]["id"]}))
        assert (await key.post("{ __typename }")).status_code == 401  # this process: at once
        for _ in range(100):  # the other process: as soon as the NOTIFY arrives
            status = (await elsewhere.post("{ __typename }")).status_code
            if status == 401:
                break
            await asyncio.sleep(0.02)
        assert status == 401


async def test_an_expiring_key_ends_its_socket_and_streams_when_it_expires(server, tenant, http):
    """Revocation is a write (NOTIFY); expiry is a time: open sockets and HTTP streams of
    a key end the moment it expires, with nothing written. (The key expires a few seconds
    after it is made; the test waits for the close, not for a duration.)"""
    ids = await create_run(tenant.client, tenant.org_id)
    expires = datetime.now(UTC) + timedelta(seconds=4)
    input = {"name": "short", "expiresAt": expires.isoformat()}
    created = assert_ok(await tenant.client.mutate(KEY_CREATE, input))
    socket = await WSClient.connect(server.base_url, created["secret"])
    await socket.subscribe(RUN_METRICS, {"runId": ids["run"]})
    body = {"query": "subscription($r: ID!) { runStatus(runId: $r) { status } }",
            "variables": {"r": ids["run"]}}  # fmt: skip
    headers = {"authorization": f"Bearer {created['secret']}", "accept": "text/event-stream"}
    events = []
    async with (
        asyncio.timeout(30),
        http.stream("POST", "/graphql", json=body, headers=headers) as stream,
    ):
        async for line in stream.aiter_lines():  # ends when the key expires
            if line.startswith("data: {"):
                events.append(line)
    assert len(events) == 1  # RUNNING, then the stream ended: the run never finished
    assert datetime.now(UTC) >= expires
    code, reason = await closed_with(socket)
    assert (code, reason) == (4403, "Forbidden: the API key expired; reconnect with a valid key")
    assert (await GraphQLClient(http, created["secret"]).post("{ __typename }")).status_code == 401
