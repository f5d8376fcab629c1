"""Shared by the tests of api/serving_endpoints and others (from tests/api/test_serving_endpoints.py)."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.helpers import (
    USER_ERRORS,
    assert_ok,
)

MOVE = f"""mutation($input: DeploymentTransitionInput!) {{
  deploymentTransition(input: $input) {{ deployment {{ id status deployedAt terminatedAt }}
    {USER_ERRORS} }} }}"""


TRAFFIC = f"""mutation($input: DeploymentTrafficSetInput!) {{
  deploymentTrafficSet(input: $input) {{ deployments {{ id trafficPercentage }} {USER_ERRORS} }} }}"""


ENDPOINT = """query($id: ID!, $at: DateTime) { node(id: $id) { ... on Deployment {
  endpoint { id status url model { id } environment { id }
    activeDeployment { id } previousDeployment { id }
    then: activeDeployment(at: $at) { id }
    trafficSplit { nodes { id trafficPercentage } }
    deployments { totalCount }
    history { nodes { reason createdAt fromDeployment { id } toDeployment { id }
      actor { email } } } } } } }"""


async def move(client: GraphQLClient, deployment: str, status: str, **extra: Any) -> dict:  # type: ignore[type-arg]
    return await client.mutate(MOVE, {"deploymentId": deployment, "status": status, **extra})


async def activate(client: GraphQLClient, deployment: str) -> None:
    for status in ("DEPLOYING", "ACTIVE"):
        assert_ok(await move(client, deployment, status))


async def endpoint_of(client: GraphQLClient, deployment: str, at: str | None = None) -> dict:  # type: ignore[type-arg]
    return (await client.data(ENDPOINT, {"id": deployment, "at": at}))["node"]["endpoint"]
