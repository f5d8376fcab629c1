"""Shared by the tests of api/serving_runtime and others (from tests/api/test_serving_runtime.py)."""

from __future__ import annotations

from tests.conftest import GraphQLClient
from tests.helpers import (
    USER_ERRORS,
    create_environment,
    create_model,
    create_project,
    create_version,
)

CONFIG_SET = f"""mutation($input: IntegrationConfigSetInput!) {{
  integrationConfigSet(input: $input) {{ integrationConfig {{ id type tool enabled config
    featureFlags environment {{ id }} createdBy {{ email }} }} {USER_ERRORS} }} }}"""


async def setup(client: GraphQLClient, org_id: str) -> dict[str, str]:
    project = (await create_project(client, org_id))["id"]
    model = (await create_model(client, project))["id"]
    return {
        "model": model,
        "v1": (await create_version(client, model, "1.0.0"))["id"],
        "v2": (await create_version(client, model, "2.0.0"))["id"],
        "env": (await create_environment(client, org_id))["id"],
    }
