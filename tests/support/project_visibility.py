"""Shared by the tests of security/project_visibility and others (from tests/security/test_project_visibility.py)."""

from __future__ import annotations

import uuid
from typing import Any

from app.api.ids import decode_any, encode_id
from tests.conftest import GraphQLClient, Tenant
from tests.helpers import (
    USER_ERRORS,
    assert_ok,
)
from tests.support.tenancy import INVITE, bootstrap_key_for

VISIBILITY = f"""mutation($input: ProjectUpdateInput!) {{
  projectUpdate(input: $input) {{ project {{ id visibility }} {USER_ERRORS} }} }}"""


# Every kind of row under a project, not only what INVENTORY lists through it.
UNDER = {"Project", "Experiment", "Run", "AlertRule", "HealthRule", "TrainingJob", "ArtifactBuild", "Dataset",
         "DatasetVersion", "Pipeline", "PipelineRun", "Model", "RegistryLink", "ModelVersion",
         "Deployment", "DeploymentEvent", "DriftReport", "Alert"}  # fmt: skip


async def member(admin: Tenant, http: Any, database_url: str, role: str) -> GraphQLClient:
    return (await member_with_email(admin, http, database_url, role))[0]


async def member_with_email(
    admin: Tenant, http: Any, database_url: str, role: str
) -> tuple[GraphQLClient, str]:
    email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    invite = {"organizationId": admin.org_id, "email": email, "role": role}
    assert_ok(await admin.client.mutate(INVITE, invite))
    return await bootstrap_key_for(database_url, http, email), email


async def set_visibility(admin: Tenant, project: str, visibility: str) -> None:
    payload = await admin.client.mutate(
        VISIBILITY, {"projectId": project, "visibility": visibility}
    )
    assert assert_ok(payload)["project"]["visibility"] == visibility


def typed(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in ids if (d := decode_any(i)) and d[0] in UNDER))


def random_twin(global_id: str) -> str:
    decoded = decode_any(global_id)
    assert decoded is not None
    return encode_id(decoded[0], uuid.uuid4())
