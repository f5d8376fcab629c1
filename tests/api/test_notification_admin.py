"""Notification channels and rules are changed and retired by admins (issue 13), and
Microsoft Teams is a channel type (its webhook URL sealed at rest, like Slack's)."""

from __future__ import annotations

import json

from sqlalchemy import text

from app.api.ids import decode_id
from app.db.engine import make_engine
from tests.helpers import USER_ERRORS, assert_error, assert_ok, build_graph
from tests.support.notifications import CHANNEL, DELIVERIES, NRULE, channel, deliveries

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


CONDITIONAL = f"""mutation($input: NotificationRuleCreateInput!) {{
  notificationRuleCreate(input: $input) {{ notificationRule {{ id alertTypes outcomes
    environmentId }} {USER_ERRORS} }} }}"""
ALERT_CREATE = f"""mutation($input: AlertCreateInput!) {{
  alertCreate(input: $input) {{ alert {{ id }} {USER_ERRORS} }} }}"""


async def test_rule_conditions_narrow_what_is_delivered(
    tenant, make_tenant, receiver, database_url
):
    from tests.helpers import RUN_FINISH, create_run

    client = tenant.client
    a = await build_graph(client, tenant.org_id)
    b = await build_graph(client, tenant.org_id)  # another environment
    hook = await channel(client, tenant.org_id, f"{receiver.base_url}/if-{tenant.org_slug}")
    failures = assert_ok(await client.mutate(CONDITIONAL, {
        "channelId": hook["id"], "trigger": "EXPERIMENT_COMPLETE",
        "outcomes": ["FAILED", "CANCELLED", "FAILED"]}))["notificationRule"]  # fmt: skip
    assert failures["outcomes"] == ["CANCELLED", "FAILED"] and failures["alertTypes"] is None
    custom_in_a = assert_ok(await client.mutate(CONDITIONAL, {
        "channelId": hook["id"], "trigger": "ALERT", "alertTypes": ["CUSTOM"],
        "environmentId": a["environment"]}))["notificationRule"]  # fmt: skip
    assert custom_in_a["environmentId"] == a["environment"]

    for status in ("COMPLETED", "FAILED", "KILLED"):
        run = await create_run(client, tenant.org_id)
        assert_ok(await client.mutate(RUN_FINISH, {"runId": run["run"], "status": status}))
    for deployment, alert_type in ((b["deployment"], "CUSTOM"), (a["deployment"], "HIGH_LATENCY"),
                                   (a["deployment"], "CUSTOM")):  # fmt: skip
        assert_ok(await client.mutate(ALERT_CREATE, {
            "deploymentId": deployment, "alertType": alert_type, "severity": "LOW",
            "title": f"{alert_type} here"}))  # fmt: skip
    # Deliveries are written with the event, in its transaction: all of them are here now.
    nodes = (await client.data(DELIVERIES, {"id": hook["id"]}))["node"]["deliveries"]["nodes"]
    seen = sorted((n["eventType"], n["payload"].get("status") or n["payload"]["title"])
                  for n in nodes)  # fmt: skip
    assert seen == [("alert.opened", "CUSTOM here"), ("run.finished", "failed"),
                    ("run.finished", "killed")]  # fmt: skip

    # Conditions change (null: any) and are checked against the trigger.
    widened = assert_ok(await client.mutate(RULE_UPDATE, {
        "ruleId": failures["id"], "outcomes": None}))  # fmt: skip
    assert widened["notificationRule"]["id"] == failures["id"]
    run = await create_run(client, tenant.org_id)
    assert_ok(await client.mutate(RUN_FINISH, {"runId": run["run"], "status": "COMPLETED"}))
    assert await queued(database_url, hook["id"]) == 4
    other = await make_tenant("condx")
    elsewhere = await build_graph(other.client, other.org_id)
    for input, code, field in (
        ({"trigger": "DEPLOYMENT", "alertTypes": ["CUSTOM"]}, "VALIDATION", "alertTypes"),
        ({"trigger": "ALERT", "outcomes": ["FAILED"]}, "VALIDATION", "outcomes"),
        ({"trigger": "EXPERIMENT_COMPLETE", "outcomes": []}, "VALIDATION", "outcomes"),
        ({"trigger": "MODEL_UPDATE", "environmentId": a["environment"]}, "VALIDATION",
         "environmentId"),
        ({"trigger": "ALERT", "environmentId": elsewhere["environment"]}, "NOT_FOUND",
         "environmentId"),
        ({"trigger": "ALERT", "environmentId": a["deployment"]}, "NOT_FOUND", "environmentId"),
    ):  # fmt: skip
        made = await client.mutate(CONDITIONAL, {"channelId": hook["id"], **input})
        assert_error(made, code, ["input", field])
    moved = await client.mutate(RULE_UPDATE, {"ruleId": custom_in_a["id"],
                                              "environmentId": elsewhere["environment"]})  # fmt: skip
    assert_error(moved, "NOT_FOUND", ["input", "environmentId"])
