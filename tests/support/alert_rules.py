"""Shared by the tests of api/alert_rules and others (from tests/api/test_alert_rules.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.helpers import (
    METRICS_RECORD,
    USER_ERRORS,
    assert_ok,
)

RULE_CREATE = f"""mutation($input: AlertRuleCreateInput!) {{
  alertRuleCreate(input: $input) {{ alertRule {{ id name aggregation }} {USER_ERRORS} }} }}"""


RULE_UPDATE = f"""mutation($input: AlertRuleUpdateInput!) {{
  alertRuleUpdate(input: $input) {{ alertRule {{ id enabled threshold }} {USER_ERRORS} }} }}"""


PREDICTIONS = f"""mutation($input: PredictionsRecordInput!) {{
  predictionsRecord(input: $input) {{ recordedCount alertsOpened {{ id metricValue }} {USER_ERRORS} }} }}"""


T0 = datetime(2026, 3, 1, tzinfo=UTC)


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


async def record(client, deployment_id, name, values, start=0.0):  # type: ignore[no-untyped-def]
    points = [{"name": name, "value": v, "recordedAt": at(start + i)} for i, v in enumerate(values)]
    return assert_ok(
        await client.mutate(METRICS_RECORD, {"deploymentId": deployment_id, "points": points})
    )


async def rule(client, ids, **fields):  # type: ignore[no-untyped-def]
    input = {"projectId": ids["project"], "name": "latency", "metricName": "latency_ms",
             "comparator": "GT", "threshold": 100.0, "aggregation": "AVG", "windowSeconds": 300,
             "severity": "HIGH", **fields}  # fmt: skip
    return assert_ok(await client.mutate(RULE_CREATE, input))["alertRule"]
