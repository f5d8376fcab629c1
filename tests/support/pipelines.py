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


BOTH_PATHS = """query($id: ID!) { node(id: $id) { ... on Pipeline { order
  steps { __typename name kind dependsOn config trainingJob evaluation }
  runs(first: 5) { nodes { status steps { __typename name status startedAt endedAt
    trainingJobId evaluationRunId } } } } } }"""


async def same_on_both_paths(client: GraphQLClient, pipeline: str) -> dict[str, Any]:
    """The pipeline's steps and its runs' step states as the DAG page reads them: one
    compiled statement, the same bytes as the resolvers."""
    compiled = await client.post(BOTH_PATHS, {"id": pipeline})
    assert compiled.headers["x-mlgraph-path"] == "compiled"
    reference = await client.on_resolvers().post(BOTH_PATHS, {"id": pipeline})
    assert compiled.content == reference.content, (compiled.text, reference.text)
    return compiled.json()["data"]["node"]  # type: ignore[no-any-return]
