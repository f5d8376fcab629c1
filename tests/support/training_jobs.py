"""Shared by the tests of api/training_jobs and others (from tests/api/test_training_jobs.py)."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.helpers import (
    USER_ERRORS,
    assert_ok,
    create_environment,
    create_project,
)
from tests.support.gpu_types import create as create_gpu

FIELDS = """id name image entryPoint config cpu memoryMb gpus gpuType useGpu status
  errorMessage startedAt endedAt executor externalId createdAt
  project { id } environment { id name } experiment { id } run { id }"""


CREATE = f"""mutation($input: TrainingJobCreateInput!) {{
  trainingJobCreate(input: $input) {{ trainingJob {{ {FIELDS} }} {USER_ERRORS} }} }}"""


TRANSITION = f"""mutation($input: TrainingJobTransitionInput!) {{
  trainingJobTransition(input: $input) {{ trainingJob {{ {FIELDS} }} {USER_ERRORS} }} }}"""


CANCEL = f"""mutation($input: TrainingJobCancelInput!) {{
  trainingJobCancel(input: $input) {{ trainingJob {{ id status endedAt }} {USER_ERRORS} }} }}"""


async def setup(client: GraphQLClient, org_id: str) -> dict[str, str]:
    project = (await create_project(client, org_id))["id"]
    environment = (await create_environment(client, org_id))["id"]
    assert_ok(await create_gpu(client, environment, key="nvidia-a100", label="A100"))
    assert_ok(await create_gpu(client, environment, key="t4", label="T4", enabled=False))
    return {"project": project, "environment": environment}


async def create_job(client: GraphQLClient, ids: dict[str, str], **fields: Any) -> dict[str, Any]:
    input = {"projectId": ids["project"], "environmentId": ids["environment"], "name": "train",
             "image": "ghcr.io/acme/train:1", **fields}  # fmt: skip
    return await client.mutate(CREATE, input)


DELETE = f"""mutation($input: TrainingJobCancelInput!) {{
  trainingJobDelete(input: $input) {{ trainingJob {{ id status }} {USER_ERRORS} }} }}"""
