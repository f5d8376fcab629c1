"""Notifications through GraphQL, delivered to a real local HTTP receiver."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
from sqlalchemy import text

from app.api.ids import decode_id
from app.db.engine import make_engine
from app.settings import Settings
from tests.conftest import ORG_QUERY, TEST_SETTINGS, GraphQLClient, serve, server_process
from tests.helpers import (
    RUN_FINISH,
    assert_error,
    assert_ok,
    build_graph,
    create_run,
)
from tests.support.alert_rules import record, rule
from tests.support.databases import fresh_database
from tests.support.notifications import CHANNEL, DELIVERIES, NRULE, channel, deliveries
from tests.support.tenancy import INVITE, bootstrap_key_for


async def test_an_opened_alert_is_delivered_signed(tenant, receiver):
    ids = await build_graph(tenant.client, tenant.org_id)
    hook = await channel(
        tenant.client,
        tenant.org_id,
        f"{receiver.base_url}/alerts-{tenant.org_slug}",
        secret="s3cret",
    )
    assert hook["hasSecret"] is True and "secret" not in json.dumps(hook).replace("hasSecret", "")
    assert_ok(
        await tenant.client.mutate(
            NRULE, {"channelId": hook["id"], "trigger": "ALERT", "minSeverity": "HIGH"}
        )
    )
    await rule(tenant.client, ids, aggregation="LAST", severity="CRITICAL")
    await record(tenant.client, ids["deployment"], "latency_ms", [999])
    nodes = await deliveries(
        tenant.client, hook["id"], lambda n: n and n[0]["status"] == "DELIVERED"
    )
    assert nodes[0]["eventType"] == "alert.opened" and nodes[0]["attempts"] == 1
    request = receiver.received(f"/alerts-{tenant.org_slug}")[0]
    body = json.loads(request["body"])
    assert body["severity"] == "critical" and body["value"] == 999
    expected = "sha256=" + hmac.new(b"s3cret", request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["x-mlgraph-signature"] == expected


async def test_a_receiver_failing_twice_gets_it_on_the_third_attempt(tenant, receiver):
    path = f"/flaky-{tenant.org_slug}"
    receiver.failures[path] = 2
    hook = await channel(tenant.client, tenant.org_id, receiver.base_url + path)
    assert_ok(
        await tenant.client.mutate(
            NRULE, {"channelId": hook["id"], "trigger": "EXPERIMENT_COMPLETE"}
        )
    )
    ids = await create_run(tenant.client, tenant.org_id)
    assert_ok(await tenant.client.mutate(RUN_FINISH, {"runId": ids["run"], "status": "COMPLETED"}))
    nodes = await deliveries(
        tenant.client, hook["id"], lambda n: n and n[0]["status"] == "DELIVERED"
    )
    delivery = nodes[0]
    assert delivery["status"] == "DELIVERED" and delivery["attempts"] == 3
    log = delivery["attemptLog"]["nodes"]
    assert [(a["attempt"], a["statusCode"], a["succeeded"]) for a in log] == [
        (1, 500, False), (2, 500, False), (3, 200, True)]  # fmt: skip
    assert len(receiver.received(path)) == 3


async def test_a_process_without_a_delivery_worker_sends_nothing(pg_server_url, receiver):
    """MLGRAPH_NOTIFY_POLL_SECONDS=0: the process takes no delivery (another one does). On
    its own database, that process queues a delivery it could not make (a loopback receiver,
    refused without MLGRAPH_WEBHOOK_ALLOW_PRIVATE); it stays untouched until a delivering
    process starts, which sends it at its first attempt."""
    url, key = await fresh_database(pg_server_url, "outbox_elsewhere")
    path = "/elsewhere"
    async with (
        server_process(url, MLGRAPH_NOTIFY_POLL_SECONDS="0") as quiet,
        httpx.AsyncClient(base_url=quiet.base_url) as http,
    ):
        client = GraphQLClient(http, key)
        org = (await client.data(ORG_QUERY, {"slug": "outbox-elsewhere"}))["organization"]
        hook = await channel(client, org["id"], receiver.base_url + path)
        assert_ok(await client.mutate(NRULE, {"channelId": hook["id"],
                                              "trigger": "EXPERIMENT_COMPLETE"}))  # fmt: skip
        ids = await create_run(client, org["id"])
        assert_ok(await client.mutate(RUN_FINISH, {"runId": ids["run"], "status": "COMPLETED"}))
        [queued] = await deliveries(client, hook["id"], bool)
        assert queued["attempts"] == 0 and queued["attemptLog"]["nodes"] == []
        async with serve(Settings(database_url=url, **TEST_SETTINGS)):  # type: ignore[arg-type]
            [sent] = await deliveries(client, hook["id"], lambda n: n[0]["status"] != "PENDING")
    assert sent["status"] == "DELIVERED" and sent["attempts"] == 1, sent
    assert len(receiver.received(path)) == 1


async def test_a_receiver_that_never_answers_well_ends_failed(tenant, receiver):
    path = f"/down-{tenant.org_slug}"
    receiver.failures[path] = -1  # always fail
    hook = await channel(tenant.client, tenant.org_id, receiver.base_url + path)
    assert_ok(await tenant.client.mutate(NRULE, {"channelId": hook["id"], "trigger": "DEPLOYMENT"}))
    await build_graph(tenant.client, tenant.org_id)  # deploymentCreate notifies
    nodes = await deliveries(tenant.client, hook["id"], lambda n: n and n[0]["status"] == "FAILED")
    assert nodes[0]["status"] == "FAILED" and nodes[0]["attempts"] == 3  # the test limit
    assert nodes[0]["lastError"] == "HTTP 500"


async def test_rules_respect_scope_and_admin_only_access(tenant, receiver, http, database_url):
    a = await build_graph(tenant.client, tenant.org_id)
    b = await build_graph(tenant.client, tenant.org_id)
    hook = await channel(
        tenant.client, tenant.org_id, f"{receiver.base_url}/scoped-{tenant.org_slug}"
    )
    assert_ok(
        await tenant.client.mutate(
            NRULE, {"channelId": hook["id"], "trigger": "MODEL_UPDATE", "projectId": a["project"]}
        )
    )
    from tests.helpers import create_version

    await create_version(tenant.client, a["model"], "2.0.0")
    await create_version(tenant.client, b["model"], "2.0.0")  # another project: not routed
    nodes = await deliveries(
        tenant.client, hook["id"], lambda n: n and all(d["status"] == "DELIVERED" for d in n)
    )
    assert [d["eventType"] for d in nodes] == ["model_version.create"]
    assert nodes[0]["payload"]["model_id"]

    email = f"nd-{tenant.org_slug}@example.com"
    assert_ok(
        await tenant.client.mutate(
            INVITE, {"organizationId": tenant.org_id, "email": email, "role": "DEVELOPER"}
        )
    )
    developer = await bootstrap_key_for(database_url, http, email)
    denied = await developer.execute(DELIVERIES, {"id": hook["id"]})
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    create = await developer.mutate(
        CHANNEL,
        {
            "organizationId": tenant.org_id,
            "name": "x",
            "type": "SLACK",
            "url": "https://example.com",
        },
    )
    assert_error(create, "FORBIDDEN")


async def test_channel_validation(tenant):
    base = {"organizationId": tenant.org_id, "name": "c"}
    assert_error(
        await tenant.client.mutate(CHANNEL, {**base, "type": "WEBHOOK", "url": "ftp://x"}),
        "VALIDATION",
        ["input", "url"],
    )
    assert_error(
        await tenant.client.mutate(CHANNEL, {**base, "type": "EMAIL", "recipients": ["nope"]}),
        "VALIDATION",
        ["input", "recipients", "0"],
    )
    email = await tenant.client.mutate(
        CHANNEL, {**base, "type": "EMAIL", "recipients": ["Ops@Example.com"]}
    )
    assert assert_ok(email)["notificationChannel"]["config"] == {"recipients": ["ops@example.com"]}
    dup = await tenant.client.mutate(
        CHANNEL, {**base, "type": "EMAIL", "recipients": ["a@example.com"]}
    )
    assert_error(dup, "CONFLICT", ["input", "name"])


async def test_slack_channels_get_a_text_message(tenant, receiver):
    hook = await channel(
        tenant.client, tenant.org_id, f"{receiver.base_url}/slack-{tenant.org_slug}", type="SLACK"
    )
    assert_ok(await tenant.client.mutate(NRULE, {"channelId": hook["id"], "trigger": "DEPLOYMENT"}))
    await build_graph(tenant.client, tenant.org_id)
    await deliveries(tenant.client, hook["id"], lambda n: n and n[0]["status"] == "DELIVERED")
    body = json.loads(receiver.received(f"/slack-{tenant.org_slug}")[0]["body"])
    assert body["text"].startswith("[mlgraph] deployment.create")


PAUSE = """mutation($input: NotificationChannelUpdateInput!) {
  notificationChannelUpdate(input: $input) { notificationChannel { id enabled }
    userErrors { field code message } } }"""


async def test_a_paused_channel_is_sent_nothing_until_it_resumes(tenant, receiver, database_url):
    """Issue 30, item 7: while paused, no delivery is queued for a channel, and one queued
    before the pause waits (the worker sends another channel's meanwhile); resumed, both go."""
    client = tenant.client
    paused_path, other_path = f"/paused-{tenant.org_slug}", f"/other-{tenant.org_slug}"
    paused = await channel(client, tenant.org_id, receiver.base_url + paused_path)
    other = await channel(client, tenant.org_id, receiver.base_url + other_path)
    assert paused["id"] and (await client.data(
        "query($id: ID!) { node(id: $id) { ... on NotificationChannel { enabled } } }",
        {"id": paused["id"]}))["node"] == {"enabled": True}  # fmt: skip
    rules = [assert_ok(await client.mutate(NRULE, {"channelId": c["id"],
             "trigger": "EXPERIMENT_COMPLETE"}))["notificationRule"]["id"] for c in (paused, other)]  # fmt: skip
    off = assert_ok(await client.mutate(PAUSE, {"channelId": paused["id"], "enabled": False}))
    assert off["notificationChannel"]["enabled"] is False
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:  # a delivery queued before the pause
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO notification_deliveries (id, organization_id, rule_id, "
                     "channel_id, event_type, payload, status, attempts, next_attempt_at, "
                     "created_at) VALUES (gen_random_uuid(), :org, :rule, :channel, "
                     "'run.finished', '{}', 'pending', 0, now(), now())"),
                {"org": decode_id(tenant.org_id, "Organization", []),
                 "rule": decode_id(rules[0], "NotificationRule", []),
                 "channel": decode_id(paused["id"], "NotificationChannel", [])},
            )  # fmt: skip
    finally:
        await engine.dispose()

    async def finish_a_run() -> None:
        ids = await create_run(client, tenant.org_id)
        assert_ok(await client.mutate(RUN_FINISH, {"runId": ids["run"], "status": "COMPLETED"}))

    await finish_a_run()
    await deliveries(client, other["id"], lambda n: n and n[0]["status"] == "DELIVERED")
    held = await deliveries(client, paused["id"], lambda n: True)
    assert [(d["status"], d["attempts"]) for d in held] == [("PENDING", 0)]  # none queued
    assert receiver.received(paused_path) == []

    on = assert_ok(await client.mutate(PAUSE, {"channelId": paused["id"], "enabled": True}))
    assert on["notificationChannel"]["enabled"] is True
    await finish_a_run()
    sent = await deliveries(
        client, paused["id"], lambda n: len(n) == 2 and all(d["status"] == "DELIVERED" for d in n)
    )
    assert [d["status"] for d in sent] == ["DELIVERED", "DELIVERED"]
    assert len(receiver.received(paused_path)) == 2
