"""Shared by the tests of api/pipelines and others (from tests/api/test_pipelines.py)."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.helpers import (
    USER_ERRORS,
    create_environment,
)

PIPELINE_CREATE = f"""mutation($input: PipelineCreateInput!) {{
  pipelineCreate(input: $input) {{ pipeline {{ id name orchestrator workflowId namespace order
    steps {{ name kind dependsOn config trainingJob }} project {{ id }} }} {USER_ERRORS} }} }}"""


RUN_FIELDS = """id status retryCount maxRetries currentStage errorMessage startedAt endedAt
  steps { name status startedAt endedAt trainingJobId } pipeline { id }"""


RUN_CREATE = f"""mutation($input: PipelineRunCreateInput!) {{
  pipelineRunCreate(input: $input) {{ pipelineRun {{ {RUN_FIELDS} }} {USER_ERRORS} }} }}"""


RUN_MOVE = f"""mutation($input: PipelineRunTransitionInput!) {{
  pipelineRunTransition(input: $input) {{ pipelineRun {{ {RUN_FIELDS} }} {USER_ERRORS} }} }}"""


def steps(environment: str, **template: Any) -> list[dict[str, Any]]:
    train = {"environmentId": environment, "image": "ghcr.io/acme/train:1",
             "resources": {"cpu": 4}, **template}  # fmt: skip
    return [
        {"name": "prepare", "kind": "DATA_PROCESSING", "config": {"query": "SELECT 1"}},
        {"name": "train", "kind": "TRAINING_JOB", "dependsOn": ["prepare"], "trainingJob": train},
        {"name": "evaluate", "kind": "EVALUATION", "dependsOn": ["train"]},
        {"name": "report", "kind": "EVALUATION", "dependsOn": ["prepare"]},
        {"name": "deploy", "kind": "DEPLOYMENT", "dependsOn": ["evaluate", "report"]},
    ]


async def create_pipeline(client: GraphQLClient, project: str, **fields: Any) -> dict[str, Any]:
    input = {"projectId": project, "name": "nightly", "orchestrator": "ARGO", **fields}
    if "steps" not in input:
        input["steps"] = steps(fields.pop("environment", None) or await environment_of(client))
    input.pop("environment", None)
    return await client.mutate(PIPELINE_CREATE, input)


async def environment_of(client: GraphQLClient) -> str:
    """An environment of the caller's (first) organization."""
    viewer = await client.data("{ viewer { memberships { nodes { organization { id } } } } }")
    org = viewer["viewer"]["memberships"]["nodes"][0]["organization"]["id"]
    return (await create_environment(client, org))["id"]
