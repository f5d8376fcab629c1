"""Notification channels and rules are changed and retired by admins (issue 13), and
Microsoft Teams is a channel type (its webhook URL sealed at rest, like Slack's)."""

from __future__ import annotations

import json

from sqlalchemy import text

from app.api.ids import decode_id
from app.db.engine import make_engine
from tests.api.test_notifications import CHANNEL, DELIVERIES, NRULE, channel, deliveries
from tests.helpers import USER_ERRORS, assert_error, assert_ok, build_graph

UPDATE = f"""mutation($input: NotificationChannelUpdateInput!) {{
  notificationChannelUpdate(input: $input) {{ notificationChannel {{ id name type config
    hasSecret }} {USER_ERRORS} }} }}"""
DELETE = f"""mutation($input: NotificationChannelDeleteInput!) {{
  notificationChannelDelete(input: $input) {{ notificationChannel {{ id }} {USER_ERRORS} }} }}"""
RULE_UPDATE = f"""mutation($input: NotificationRuleUpdateInput!) {{
  notificationRuleUpdate(input: $input) {{ notificationRule {{ id trigger }} {USER_ERRORS} }} }}"""
RULE_DELETE = f"""mutation($input: NotificationRuleDeleteInput!) {{
  notificationRuleDelete(input: $input) {{ notificationRule {{ id }} {USER_ERRORS} }} }}"""
RULES = """query($id: ID!) { node(id: $id) { ... on NotificationChannel {
  rules { nodes { id enabled minSeverity } } } } }"""


async def queued(database_url: str, channel_id: str) -> int:
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            return int(
                await connection.scalar(
                    text("SELECT count(*) FROM notification_deliveries WHERE channel_id = :c"),
                    {"c": decode_id(channel_id, "NotificationChannel", [])},
                )
                or 0
            )
    finally:
        await engine.dispose()


async def test_teams_channels_get_a_text_message_and_hide_their_url(tenant, receiver):
    client = tenant.client
    url = f"{receiver.base_url}/teams-{tenant.org_slug}"
    hook = await channel(client, tenant.org_id, url, type="TEAMS")
    assert hook["type"] == "TEAMS"
    assert hook["config"]["url"] is None and hook["config"]["urlHint"].startswith("http://")
    assert_ok(await client.mutate(NRULE, {"channelId": hook["id"], "trigger": "DEPLOYMENT"}))
    await build_graph(client, tenant.org_id)
    await deliveries(client, hook["id"], lambda n: n and n[0]["status"] == "DELIVERED")
    [request] = receiver.received(f"/teams-{tenant.org_slug}")
    assert json.loads(request["body"])["text"].startswith("[mlgraph] deployment.create")
    assert "authorization" not in request["headers"]


async def test_a_channel_is_renamed_retargeted_and_retired_with_its_rules(
    tenant, receiver, database_url
):
    client = tenant.client
    first = await channel(client, tenant.org_id, f"{receiver.base_url}/a", secret="s1")
    other = await channel(client, tenant.org_id, f"{receiver.base_url}/b")
    ident = {"channelId": first["id"]}
    taken = await client.mutate(UPDATE, {**ident, "name": other["name"]})
    assert_error(taken, "CONFLICT", ["input", "name"])
    bad = await client.mutate(UPDATE, {**ident, "url": "ftp://x"})
    assert_error(bad, "VALIDATION", ["input", "url"])
    moved = assert_ok(await client.mutate(UPDATE, {**ident, "name": "ops alerts",
                                                   "url": f"{receiver.base_url}/c",
                                                   "secret": None}))  # fmt: skip
    changed = moved["notificationChannel"]
    assert (changed["name"], changed["config"]["url"], changed["hasSecret"]) == (
        "ops alerts", f"{receiver.base_url}/c", False)  # fmt: skip

    rule = assert_ok(await client.mutate(NRULE, {"channelId": first["id"], "trigger": "ALERT",
                                                 "minSeverity": "HIGH"}))["notificationRule"]  # fmt: skip
    off = await client.mutate(RULE_UPDATE, {"ruleId": rule["id"], "enabled": False,
                                            "minSeverity": "CRITICAL"})  # fmt: skip
    assert_ok(off)
    rules = (await client.data(RULES, {"id": first["id"]}))["node"]["rules"]["nodes"]
    assert rules == [{"id": rule["id"], "enabled": False, "minSeverity": "CRITICAL"}]
    deploy_rule = assert_ok(await client.mutate(NRULE, {"channelId": first["id"],
                                                        "trigger": "DEPLOYMENT"}))  # fmt: skip
    wrong = await client.mutate(RULE_UPDATE, {"ruleId": deploy_rule["notificationRule"]["id"],
                                              "minSeverity": "LOW"})  # fmt: skip
    assert_error(wrong, "VALIDATION", ["input", "minSeverity"])
    assert_ok(await client.mutate(RULE_DELETE, {"ruleId": rule["id"]}))
    rules = (await client.data(RULES, {"id": first["id"]}))["node"]["rules"]["nodes"]
    assert [r["id"] for r in rules] == [deploy_rule["notificationRule"]["id"]]

    assert_ok(await client.mutate(DELETE, ident))
    gone = await client.data("query($id: ID!) { node(id: $id) { id } }", {"id": first["id"]})
    assert gone["node"] is None
    # Nothing is queued for it any more (the outbox is written with the event).
    before = await queued(database_url, first["id"])
    await build_graph(client, tenant.org_id)
    assert await queued(database_url, first["id"]) == before


async def test_only_admins_of_the_organization_manage_channels(tenant, make_tenant, receiver):
    hook = await channel(tenant.client, tenant.org_id, f"{receiver.base_url}/x")
    other = await make_tenant("chanx")
    assert_error(await other.client.mutate(UPDATE, {"channelId": hook["id"], "name": "mine"}),
                 "NOT_FOUND")  # fmt: skip
    assert_error(await other.client.mutate(DELETE, {"channelId": hook["id"]}), "NOT_FOUND")
    assert CHANNEL and DELIVERIES
