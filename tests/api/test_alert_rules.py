"""Alert rules through GraphQL: evaluation on write, dedup, ack/resolve, auto-resolve,
cooldown, predictions, and durability (the alert commits with the data)."""

from __future__ import annotations

import asyncio
import signal

import httpx

from app.api.ids import decode_any
from tests.conftest import GraphQLClient, server_process
from tests.helpers import (
    USER_ERRORS,
    assert_error,
    assert_ok,
    build_graph,
    create_deployment,
)
from tests.support.alert_rules import PREDICTIONS, RULE_CREATE, RULE_UPDATE, record, rule
from tests.support.subscriptions import following

ALERTS = """query($id: ID!) { node(id: $id) { ... on Deployment {
  alerts(orderBy: CREATED_ASC) { nodes { id status severity metricValue rule { name } resolvedBy { email } } } } } }"""
ACK = f"""mutation($input: AlertStatusInput!) {{ alertAcknowledge(input: $input) {{ alert {{ status }} {USER_ERRORS} }} }}"""
RESOLVE = f"""mutation($input: AlertStatusInput!) {{ alertResolve(input: $input) {{ alert {{ status resolvedBy {{ email }} }} {USER_ERRORS} }} }}"""


async def alerts_of(client, deployment_id):  # type: ignore[no-untyped-def]
    return (await client.data(ALERTS, {"id": deployment_id}))["node"]["alerts"]["nodes"]


async def test_breach_opens_one_alert_and_acknowledge_resolve_record_who(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    await rule(tenant.client, ids)
    await record(tenant.client, ids["deployment"], "latency_ms", [50, 60, 70])
    assert await alerts_of(tenant.client, ids["deployment"]) == []
    await record(tenant.client, ids["deployment"], "latency_ms", [300, 400], start=3)
    alerts = await alerts_of(tenant.client, ids["deployment"])
    assert len(alerts) == 1 and alerts[0]["status"] == "OPEN" and alerts[0]["severity"] == "HIGH"
    assert (
        alerts[0]["metricValue"] == (50 + 60 + 70 + 300 + 400) / 5
    )  # avg over the 5-minute window
    assert alerts[0]["rule"] == {"name": "latency"}
    await record(tenant.client, ids["deployment"], "latency_ms", [500], start=5)
    assert len(await alerts_of(tenant.client, ids["deployment"])) == 1  # still one open alert
    alert_id = alerts[0]["id"]
    assert (
        assert_ok(await tenant.client.mutate(ACK, {"alertId": alert_id}))["alert"]["status"]
        == "ACKNOWLEDGED"
    )
    assert_error(await tenant.client.mutate(ACK, {"alertId": alert_id}), "INVALID_TRANSITION")
    resolved = assert_ok(await tenant.client.mutate(RESOLVE, {"alertId": alert_id}))["alert"]
    assert resolved == {"status": "RESOLVED", "resolvedBy": {"email": tenant.email}}
    # Breaching again opens a new alert (no cooldown set).
    await record(tenant.client, ids["deployment"], "latency_ms", [900], start=6)
    assert [a["status"] for a in await alerts_of(tenant.client, ids["deployment"])] == [
        "RESOLVED",
        "OPEN",
    ]


async def test_auto_resolve_and_cooldown(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    await rule(tenant.client, ids, aggregation="LAST", autoResolve=True, cooldownSeconds=3600)
    await record(tenant.client, ids["deployment"], "latency_ms", [500])
    await record(tenant.client, ids["deployment"], "latency_ms", [10], start=1)
    alerts = await alerts_of(tenant.client, ids["deployment"])
    assert [a["status"] for a in alerts] == ["RESOLVED"] and alerts[0]["resolvedBy"] is None
    await record(tenant.client, ids["deployment"], "latency_ms", [700], start=2)
    assert len(await alerts_of(tenant.client, ids["deployment"])) == 1  # cooling down


async def test_each_aggregation(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    # values 10, 20, 30, 40, 1000: last=1000 max=1000 min=10 avg=220 p95=808
    thresholds = {"LAST": 999, "MAX": 999, "MIN": 10, "AVG": 221, "P95": 800}
    for aggregation, threshold in thresholds.items():
        await rule(
            tenant.client, ids, name=aggregation, aggregation=aggregation, threshold=threshold
        )
    await record(tenant.client, ids["deployment"], "latency_ms", [10, 20, 30, 40, 1000])
    opened = {
        a["rule"]["name"]: round(a["metricValue"], 6)
        for a in await alerts_of(tenant.client, ids["deployment"])
    }
    assert opened == {
        "LAST": 1000.0,
        "MAX": 1000.0,
        "P95": 808.0,
    }  # MIN 10 > 10 and AVG 220 > 221 do not hold


async def test_window_and_scope(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    other = await create_deployment(tenant.client, ids["version"], ids["environment"])
    await rule(tenant.client, ids, deploymentId=other["id"], name="only-other", windowSeconds=60)
    # A breach long before the latest point is outside the one-minute window.
    await record(tenant.client, other["id"], "latency_ms", [5000, 1, 1, 1], start=0)
    assert await alerts_of(tenant.client, other["id"]) == []
    await record(tenant.client, ids["deployment"], "latency_ms", [5000])  # not watched
    assert await alerts_of(tenant.client, ids["deployment"]) == []
    await record(tenant.client, other["id"], "latency_ms", [5000], start=4)
    assert len(await alerts_of(tenant.client, other["id"])) == 1
    # Disabled rules do not fire.
    rules = await tenant.client.data(
        "query($id: ID!) { node(id: $id) { ... on Project { alertRules { nodes { id } } } } }",
        {"id": ids["project"]},
    )
    rule_id = rules["node"]["alertRules"]["nodes"][0]["id"]
    assert_ok(await tenant.client.mutate(RULE_UPDATE, {"alertRuleId": rule_id, "enabled": False}))


async def test_rule_validation(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    base = {
        "projectId": ids["project"],
        "name": "r",
        "metricName": "latency_ms",
        "comparator": "GT",
        "threshold": 1.0,
    }
    assert_error(
        await tenant.client.mutate(RULE_CREATE, {**base, "metricName": "bad name"}),
        "VALIDATION",
        ["input", "metricName"],
    )
    assert_error(
        await tenant.client.mutate(RULE_CREATE, {**base, "windowSeconds": 0}),
        "VALIDATION",
        ["input", "windowSeconds"],
    )
    other = await build_graph(tenant.client, tenant.org_id)
    wrong = await tenant.client.mutate(RULE_CREATE, {**base, "deploymentId": other["deployment"]})
    assert_error(wrong, "VALIDATION", ["input", "deploymentId"])


async def test_prediction_rules_and_stats(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    await rule(
        tenant.client,
        ids,
        name="slow",
        metricName="predictions.latency_ms",
        aggregation="P95",
        threshold=200.0,
    )
    predictions = [{"input": {"amount": i}, "output": {"fraud": i % 2 == 0}, "latencyMs": 10.0 * i, "confidence": 0.9}
                   for i in range(1, 31)]  # fmt: skip
    payload = assert_ok(
        await tenant.client.mutate(
            PREDICTIONS, {"deploymentId": ids["deployment"], "predictions": predictions}
        )
    )
    assert payload["recordedCount"] == 30
    assert len(payload["alertsOpened"]) == 1 and payload["alertsOpened"][0]["metricValue"] > 200
    stats = await tenant.client.data(
        "query($id: ID!) { node(id: $id) { ... on Deployment { predictionStats(windowSeconds: 600) { count avgLatencyMs p95LatencyMs avgConfidence } } } }",
        {"id": ids["deployment"]},
    )
    stats["node"]["predictionStats"] = {
        k: round(v, 6) for k, v in stats["node"]["predictionStats"].items()
    }
    assert stats["node"]["predictionStats"] == {
        "count": 30,
        "avgLatencyMs": 155.0,
        "p95LatencyMs": 285.5,
        "avgConfidence": 0.9,
    }
    bad = await tenant.client.mutate(
        PREDICTIONS, {"deploymentId": ids["deployment"], "predictions": [{"latencyMs": -1}]}
    )
    assert_error(bad, "VALIDATION", ["input", "predictions", "0", "latencyMs"])


async def test_the_alert_commits_with_the_data_even_if_the_server_dies(tenant, database_url, http):
    ids = await build_graph(tenant.client, tenant.org_id)
    await rule(tenant.client, ids, aggregation="LAST")
    async with server_process(database_url) as doomed:
        async with httpx.AsyncClient(base_url=doomed.base_url) as raw:
            client = GraphQLClient(raw, tenant.key)
            await record(client, ids["deployment"], "latency_ms", [999])
        doomed.process.send_signal(signal.SIGKILL)  # right after the write's response
        await asyncio.wait_for(doomed.process.wait(), 10)
    alerts = await alerts_of(tenant.client, ids["deployment"])
    assert [a["status"] for a in alerts] == ["OPEN"]


async def test_opened_alerts_reach_alert_subscribers(server, tenant):
    from tests.ws import WSClient

    ids = await build_graph(tenant.client, tenant.org_id)
    await rule(tenant.client, ids, aggregation="MAX", severity="CRITICAL")
    client = await WSClient.connect(server.base_url, tenant.key)
    try:
        await client.subscribe(
            "subscription($o: ID!) { alerts(organizationId: $o, minSeverity: HIGH) { status severity rule { name } } }",
            {"o": tenant.org_id},
        )
        await following(server, "alerts", decode_any(tenant.org_id)[1])  # type: ignore[index]
        await record(tenant.client, ids["deployment"], "latency_ms", [5000])
        alert = (await client.next())["alerts"]
        assert alert == {"status": "OPEN", "severity": "CRITICAL", "rule": {"name": "latency"}}
    finally:
        await client.close()
