"""Shared by the tests of api/promotion_policies and others (from tests/api/test_promotion_policies.py)."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.helpers import (
    USER_ERRORS,
    assert_ok,
    create_deployment,
    create_environment,
    create_model,
    create_project,
    create_version,
)
from tests.support.serving_endpoints import TRAFFIC, activate, endpoint_of

POLICY = f"""mutation($input: PromotionPolicySetInput!) {{
  promotionPolicySet(input: $input) {{ promotionPolicy {{ id enabled bakeMinutes
    maxAlertSeverity metricBounds lastDecision lastReason endpoint {{ id }} }} {USER_ERRORS} }} }}"""


async def canary(client: GraphQLClient, org_id: str) -> dict[str, str]:
    """blue (v1) takes 90 %, green (v2) 10 %: green is the canary."""
    project = (await create_project(client, org_id))["id"]
    model = (await create_model(client, project))["id"]
    v1 = (await create_version(client, model, "1.0.0"))["id"]
    v2 = (await create_version(client, model, "2.0.0"))["id"]
    env = (await create_environment(client, org_id))["id"]
    blue = (await create_deployment(client, v1, env))["id"]
    green = (await create_deployment(client, v2, env))["id"]
    for deployment in (blue, green):
        await activate(client, deployment)
    splits = [{"deploymentId": blue, "percentage": 90}, {"deploymentId": green, "percentage": 10}]
    input = {"modelId": model, "environmentId": env, "splits": splits}
    assert_ok(await client.mutate(TRAFFIC, input))
    endpoint = (await endpoint_of(client, blue))["id"]
    return {"project": project, "blue": blue, "green": green, "endpoint": endpoint}


async def policy(client: GraphQLClient, endpoint: str, **fields: Any) -> dict[str, Any]:
    input = {"endpointId": endpoint, "bakeMinutes": 0, **fields}
    return assert_ok(await client.mutate(POLICY, input))["promotionPolicy"]
