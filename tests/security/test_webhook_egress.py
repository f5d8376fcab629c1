"""Webhooks cannot reach the server's own network: loopback, private, link-local and other
non-public addresses are refused in every spelling, and the delivery log says the same
thing for a refusal as for a closed port."""

from __future__ import annotations

import asyncio
import ipaddress
import os

import httpx
import pytest

from app.db.engine import make_engine, make_session_factory
from app.db.migrate import upgrade
from app.domain.notifications.egress import EgressRefused, is_public, resolve_public
from app.domain.tenancy.services import bootstrap_admin
from app.settings import Settings
from tests.conftest import TEST_SETTINGS, GraphQLClient, create_database, serve
from tests.helpers import RUN_FINISH, assert_ok, create_run
from tests.support.notifications import DELIVERIES, NRULE, channel

REFUSED = [
    "127.0.0.1", "localhost", "2130706433", "127.1", "0x7f.1", "0177.0.0.1", "0.0.0.0",
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "169.254.169.254",
    "224.0.0.1", "240.0.0.1", "255.255.255.255",
    "::1", "::", "::ffff:127.0.0.1", "fe80::1", "fc00::1", "ff02::1", "2002:7f00:1::1",
]  # fmt: skip


@pytest.mark.parametrize("host", REFUSED)
async def test_non_public_addresses_are_refused_in_every_spelling(host):
    with pytest.raises(EgressRefused):
        await resolve_public(host, 80)


def test_public_addresses_pass():
    for literal in ("8.8.8.8", "1.1.1.1", "2001:4860:4860::8888"):
        assert is_public(ipaddress.ip_address(literal))


async def test_deliveries_to_internal_targets_fail_alike(pg_server_url, receiver):
    url = await create_database(pg_server_url, f"mlgraph_egress_{os.getpid()}")
    upgrade(url)
    engine = make_engine(url, pool_size=1, max_overflow=0)
    async with make_session_factory(engine)() as session, session.begin():
        created = await bootstrap_admin(session, email="egress@example.com", org_slug="egress")
    await engine.dispose()
    settings = Settings(database_url=url, **{**TEST_SETTINGS, "webhook_allow_private": False})  # type: ignore[arg-type]
    async with serve(settings) as running, httpx.AsyncClient(base_url=running.base_url) as http:
        client = GraphQLClient(http, created.secret)
        org_id = (await client.data('{ organization(slug: "egress") { id } }'))["organization"][
            "id"
        ]
        port = receiver.base_url.rsplit(":", 1)[1]
        closed_port = "9"  # discard: nothing listens here
        targets = [
            f"{receiver.base_url}/egress",
            f"http://localhost:{port}/egress",
            f"http://2130706433:{port}/egress",
            f"http://127.1:{port}/egress",
            f"http://[::ffff:127.0.0.1]:{port}/egress",
            f"http://x@127.0.0.1:{port}/egress",
            f"{running.base_url}/graphql",
            f"http://127.0.0.1:{closed_port}/egress",
        ]
        hooks = [await channel(client, org_id, target) for target in targets]
        for hook in hooks:
            assert_ok(
                await client.mutate(
                    NRULE, {"channelId": hook["id"], "trigger": "EXPERIMENT_COMPLETE"}
                )
            )
        ids = await create_run(client, org_id)
        assert_ok(await client.mutate(RUN_FINISH, {"runId": ids["run"], "status": "COMPLETED"}))
        errors = set()
        for hook in hooks:
            for _ in range(100):
                nodes = (await client.data(DELIVERIES, {"id": hook["id"]}))["node"]["deliveries"][
                    "nodes"
                ]
                if nodes and nodes[0]["attemptLog"]["nodes"]:
                    break
                await asyncio.sleep(0.1)
            errors.add(nodes[0]["attemptLog"]["nodes"][0]["error"])
        assert errors == {"target unreachable"}
        assert receiver.received("/egress") == []
