"""Gated promotion (issue 12): a policy on an endpoint promotes its canary after the bake
time when no blocking alert is open and every metric bound holds, and rolls it back on a
blocking alert (at once), a broken bound or a bound without data. Each decision is a
deployment event with its reason, moves the endpoint, and notifies. Decisions are asked for
through promotionPoliciesEvaluate (the server's worker runs the same evaluation on a
clock; tests never wait for it)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from tests.conftest import GraphQLClient, server_process
from tests.helpers import (
    METRICS_RECORD,
    USER_ERRORS,
    assert_error,
    assert_ok,
)
from tests.support.alert_rules import rule
from tests.support.notifications import NRULE, channel, deliveries
from tests.support.promotion_policies import POLICY, canary, policy
from tests.support.tenancy import INVITE, ROLE_UPDATE, my_membership_id

REMOVE = f"""mutation($input: PromotionPolicyDeleteInput!) {{
  promotionPolicyDelete(input: $input) {{ promotionPolicy {{ bakeMinutes }} {USER_ERRORS} }} }}"""
EVALUATE = f"""mutation($input: PromotionPoliciesEvaluateInput!) {{
  promotionPoliciesEvaluate(input: $input) {{ decisions {{ promotionPolicyId decision reason }}
    {USER_ERRORS} }} }}"""
STATE = """query($id: ID!) { node(id: $id) { ... on Deployment { trafficPercentage
  events(first: 1) { nodes { eventType status actor { email } details } }
  endpoint { activeDeployment { id } history(first: 1) { nodes { reason actor { email } } }
    promotionPolicy { lastDecision lastReason lastEvaluatedAt } } } } }"""


async def evaluate(client: GraphQLClient, org_id: str) -> list[dict[str, Any]]:
    payload = await client.mutate(EVALUATE, {"organizationId": org_id})
    return assert_ok(payload)["decisions"]


async def state(client: GraphQLClient, deployment: str) -> dict[str, Any]:
    return (await client.data(STATE, {"id": deployment}))["node"]


async def record(client: GraphQLClient, deployment: str, name: str, value: float) -> None:
    point = {"name": name, "value": value, "recordedAt": datetime.now(UTC).isoformat()}
    assert_ok(await client.mutate(METRICS_RECORD, {"deploymentId": deployment, "points": [point]}))


async def test_a_healthy_canary_is_promoted_with_its_reason_and_a_notification(tenant, receiver):
    client = tenant.client
    hook = await channel(client, tenant.org_id, receiver.base_url + "/promotions")
    assert_ok(await client.mutate(NRULE, {"channelId": hook["id"], "trigger": "DEPLOYMENT"}))
    ids = await canary(client, tenant.org_id)
    bounds = [{"metric": "error_rate", "max": 0.05}, {"metric": "latency_ms", "min": 0, "max": 250}]
    made = await policy(client, ids["endpoint"], metricBounds=bounds)
    assert made["metricBounds"] == [
        {"metric": "error_rate", "min": None, "max": 0.05},
        {"metric": "latency_ms", "min": 0.0, "max": 250.0},
    ]
    await record(client, ids["green"], "error_rate", 0.01)
    await record(client, ids["green"], "latency_ms", 120.0)
    await record(client, ids["blue"], "error_rate", 0.9)  # the stable one is not judged

    [decision] = await evaluate(client, tenant.org_id)
    assert (decision["promotionPolicyId"], decision["decision"]) == (made["id"], "PROMOTED")
    green = await state(client, ids["green"])
    assert green["trafficPercentage"] == 100
    [event] = green["events"]["nodes"]
    assert (event["eventType"], event["status"], event["actor"]) == ("PROMOTE", "COMPLETED", None)
    assert event["details"]["reason"] == decision["reason"]
    assert event["details"]["traffic_percentage"] == [10, 100]
    endpoint = green["endpoint"]
    assert endpoint["activeDeployment"] == {"id": ids["green"]}
    assert endpoint["history"]["nodes"] == [{"reason": "PROMOTION", "actor": None}]
    assert endpoint["promotionPolicy"]["lastDecision"] == "PROMOTED"
    blue = await state(client, ids["blue"])
    assert blue["trafficPercentage"] == 0 and blue["events"]["nodes"][0]["eventType"] == "UPDATE"
    # No canary any more: nothing to decide.
    assert await evaluate(client, tenant.org_id) == []
    nodes = await deliveries(
        client, hook["id"],
        lambda n: any(d["eventType"] == "deployment.canary_promoted" for d in n),
    )  # fmt: skip
    promoted = next(d for d in nodes if d["eventType"] == "deployment.canary_promoted")
    assert promoted["payload"]["reason"] == decision["reason"]


async def test_a_broken_bound_or_missing_data_rolls_the_canary_back(tenant):
    client = tenant.client
    ids = await canary(client, tenant.org_id)
    await policy(client, ids["endpoint"], metricBounds=[{"metric": "error_rate", "max": 0.05}])
    await record(client, ids["green"], "error_rate", 0.2)
    [decision] = await evaluate(client, tenant.org_id)
    assert decision["decision"] == "ROLLED_BACK" and "error_rate averaged 0.2" in decision["reason"]
    green = await state(client, ids["green"])
    assert green["trafficPercentage"] == 0
    assert green["events"]["nodes"][0]["eventType"] == "ROLLBACK"
    assert green["endpoint"]["activeDeployment"] == {"id": ids["blue"]}
    assert (await state(client, ids["blue"]))["trafficPercentage"] == 100

    other = await canary(client, tenant.org_id)
    await policy(client, other["endpoint"], metricBounds=[{"metric": "accuracy", "min": 0.9}])
    [decision] = await evaluate(client, tenant.org_id)
    assert (decision["decision"], decision["reason"]) == ("ROLLED_BACK", "no data for accuracy")


async def test_a_blocking_alert_rolls_back_during_the_bake_and_the_bake_is_waited(tenant):
    client = tenant.client
    ids = await canary(client, tenant.org_id)
    made = await policy(client, ids["endpoint"], bakeMinutes=60, maxAlertSeverity="HIGH")
    assert await evaluate(client, tenant.org_id) == []  # baking: nothing decided
    waited = (await state(client, ids["green"]))["endpoint"]["promotionPolicy"]
    assert waited["lastDecision"] is None and waited["lastEvaluatedAt"] is not None
    await rule(client, {"project": ids["project"]}, aggregation="LAST", severity="MEDIUM")
    await record(client, ids["green"], "latency_ms", 500.0)  # opens a MEDIUM alert
    assert await evaluate(client, tenant.org_id) == []  # below the policy's severity
    await rule(client, {"project": ids["project"]}, name="p99", aggregation="LAST",
               severity="CRITICAL")  # fmt: skip
    await record(client, ids["green"], "latency_ms", 600.0)  # and now a CRITICAL one
    [decision] = await evaluate(client, tenant.org_id)
    assert decision["promotionPolicyId"] == made["id"] and decision["decision"] == "ROLLED_BACK"
    assert decision["reason"].startswith("critical alert open")


async def test_a_disabled_or_removed_policy_decides_nothing(tenant):
    client = tenant.client
    ids = await canary(client, tenant.org_id)
    await policy(client, ids["endpoint"], enabled=False)
    assert await evaluate(client, tenant.org_id) == []
    assert (await state(client, ids["green"]))["trafficPercentage"] == 10
    await policy(client, ids["endpoint"], enabled=True)
    removed = await client.mutate(REMOVE, {"endpointId": ids["endpoint"]})
    assert assert_ok(removed)["promotionPolicy"]["bakeMinutes"] == 0
    assert await evaluate(client, tenant.org_id) == []
    green = await state(client, ids["green"])
    assert green["trafficPercentage"] == 10 and green["endpoint"]["promotionPolicy"] is None
    again = await client.mutate(REMOVE, {"endpointId": ids["endpoint"]})
    assert_error(again, "NOT_FOUND", ["input", "endpointId"])


async def test_policies_are_checked_and_kept_to_their_organization(tenant, make_tenant):
    client = tenant.client
    ids = await canary(client, tenant.org_id)
    endpoint = ids["endpoint"]
    cases = [
        ({"bakeMinutes": -1}, ["input", "bakeMinutes"]),
        ({"bakeMinutes": 10081}, ["input", "bakeMinutes"]),
        ({"metricBounds": [{"metric": "x", "min": 2, "max": 1}]}, ["input", "metricBounds", "0",
                                                                   "max"]),
        ({"metricBounds": [{"metric": "x"}]}, ["input", "metricBounds", "0"]),
        ({"metricBounds": [{"metric": ""}]}, ["input", "metricBounds", "0", "metric"]),
        ({"metricBounds": [{"metric": f"m{i}", "max": 1} for i in range(11)]},
         ["input", "metricBounds"]),
    ]  # fmt: skip
    for fields, field in cases:
        payload = await client.mutate(POLICY, {"endpointId": endpoint, "bakeMinutes": 5, **fields})
        assert_error(payload, "VALIDATION", field)
    first = await policy(client, endpoint, bakeMinutes=5)
    second = await policy(client, endpoint, bakeMinutes=7)
    assert first["id"] == second["id"] and second["bakeMinutes"] == 7  # one per endpoint

    other = await make_tenant("promox")
    theirs = await other.client.mutate(POLICY, {"endpointId": endpoint, "bakeMinutes": 0})
    assert_error(theirs, "NOT_FOUND", ["input", "endpointId"])
    foreign = await other.client.mutate(EVALUATE, {"organizationId": tenant.org_id})
    assert_error(foreign, "NOT_FOUND", ["input", "organizationId"])
    # Evaluating on demand is for admins.
    invite = {"organizationId": tenant.org_id, "email": "promo-admin@example.com", "role": "ADMIN"}
    assert_ok(await client.mutate(INVITE, invite))
    own = await my_membership_id(client, tenant.org_slug)
    assert_ok(await client.mutate(ROLE_UPDATE, {"membershipId": own, "role": "DEVELOPER"}))
    refused = await client.mutate(EVALUATE, {"organizationId": tenant.org_id})
    assert_error(refused, "FORBIDDEN")


async def test_the_servers_background_worker_decides_on_its_own(tenant, database_url):
    """A server process whose clock is on (every 0.2 s) promotes a healthy canary without
    being asked; the test waits for the outcome, never for a duration."""
    client = tenant.client
    ids = await canary(client, tenant.org_id)
    await policy(client, ids["endpoint"])
    async with server_process(database_url, MLGRAPH_PROMOTION_POLL_SECONDS="0.2"):
        for _ in range(600):  # up to a minute on a loaded machine; done in ~0.2 s
            if (await state(client, ids["green"]))["trafficPercentage"] == 100:
                break
            await asyncio.sleep(0.1)
    green = await state(client, ids["green"])
    assert green["trafficPercentage"] == 100
    assert green["endpoint"]["promotionPolicy"]["lastDecision"] == "PROMOTED"
    assert green["events"]["nodes"][0]["eventType"] == "PROMOTE"
