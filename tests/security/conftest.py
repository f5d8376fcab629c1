"""Fixtures of the security tests: a victim organization with one of everything."""

from __future__ import annotations

import pytest

from tests.helpers import assert_ok, build_graph, create_run, log_points
from tests.support.alert_rules import RULE_CREATE
from tests.support.notifications import CHANNEL
from tests.support.tenancy import KEY_CREATE, VIEWER


async def insert_alert(database_url: str, deployment_gid: str) -> str:
    """An open alert on the victim's deployment (alert rules arrive with a later issue)."""
    from sqlalchemy import text

    from app.api.ids import decode_id, encode_id
    from app.db.engine import make_engine
    from app.db.ids import uuid7

    deployment_id = decode_id(deployment_gid, "Deployment", ["d"])
    alert_id = uuid7()
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO alerts (id, organization_id, deployment_id, alert_type, severity,"
                    " status, title, opened_at) SELECT :id, organization_id, id, 'metric_threshold',"
                    " 'high', 'open', 'latency', now() FROM deployments WHERE id = :d"
                ),
                {"id": alert_id, "d": deployment_id},
            )
    finally:
        await engine.dispose()
    return encode_id("Alert", alert_id)


@pytest.fixture
async def victim(make_tenant, database_url):  # type: ignore[no-untyped-def]
    tenant = await make_tenant("victim")
    ids = await build_graph(tenant.client, tenant.org_id)
    run = await create_run(tenant.client, tenant.org_id)
    ids["experiment"], ids["run"] = run["experiment"], run["run"]
    await log_points(tenant.client, ids["run"], [{"key": "loss", "step": 0, "value": 1.0}])
    ids["alert"] = await insert_alert(database_url, ids["deployment"])
    rule_payload = await tenant.client.mutate(
        RULE_CREATE,
        {
            "projectId": ids["project"],
            "name": "r",
            "metricName": "latency_ms",
            "comparator": "GT",
            "threshold": 1.0,
        },
    )
    ids["alert_rule"] = assert_ok(rule_payload)["alertRule"]["id"]
    channel_payload = await tenant.client.mutate(
        CHANNEL,
        {
            "organizationId": tenant.org_id,
            "name": "c",
            "type": "WEBHOOK",
            "url": "http://127.0.0.1:9/x",
        },
    )
    ids["channel"] = assert_ok(channel_payload)["notificationChannel"]["id"]
    viewer = await tenant.client.data(VIEWER)
    ids["membership"] = viewer["viewer"]["memberships"]["nodes"][0]["id"]
    key = assert_ok(await tenant.client.mutate(KEY_CREATE, {"name": "victim-key"}))
    ids["api_key"] = key["apiKey"]["id"]
    ids["organization"] = tenant.org_id
    return tenant, ids
