"""GraphQL documents shared by several test modules (one copy, not many)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.conftest import GraphQLClient, unique

# Screenshots and failure dumps tests leave for a person to look at (git-ignored).
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

USER_ERRORS = "userErrors { field code message }"

PROJECT_CREATE = f"""
mutation($input: ProjectCreateInput!) {{
  projectCreate(input: $input) {{ project {{ id slug name }} {USER_ERRORS} }}
}}"""
MODEL_CREATE = f"""
mutation($input: ModelCreateInput!) {{
  modelCreate(input: $input) {{ model {{ id name framework modelType tags }} {USER_ERRORS} }}
}}"""
VERSION_CREATE = f"""
mutation($input: ModelVersionCreateInput!) {{
  modelVersionCreate(input: $input) {{ modelVersion {{ id version stage }} {USER_ERRORS} }}
}}"""
VERSION_TRANSITION = f"""
mutation($input: ModelVersionTransitionInput!) {{
  modelVersionTransition(input: $input) {{
    modelVersion {{ id version stage }} archivedVersion {{ id version stage }} {USER_ERRORS}
  }}
}}"""
ENVIRONMENT_CREATE = f"""
mutation($input: EnvironmentCreateInput!) {{
  environmentCreate(input: $input) {{ environment {{ id name protected }} {USER_ERRORS} }}
}}"""
DEPLOYMENT_CREATE = f"""
mutation($input: DeploymentCreateInput!) {{
  deploymentCreate(input: $input) {{
    deployment {{ id name status minInstances maxInstances }} {USER_ERRORS}
  }}
}}"""
METRICS_RECORD = f"""
mutation($input: MonitoringMetricsRecordInput!) {{
  monitoringMetricsRecord(input: $input) {{ recordedCount deployment {{ id }} {USER_ERRORS} }}
}}"""


def assert_ok(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


def assert_error(
    payload: dict[str, Any], code: str, field: list[str] | None = None
) -> dict[str, Any]:
    errors = payload["userErrors"]
    assert len(errors) == 1, payload
    assert errors[0]["code"] == code, errors
    if field is not None:
        assert errors[0]["field"] == field, errors
    return errors[0]


async def create_project(
    client: GraphQLClient, org_id: str, slug: str | None = None
) -> dict[str, Any]:
    payload = await client.mutate(
        PROJECT_CREATE, {"organizationId": org_id, "slug": slug or unique("proj"), "name": "P"}
    )
    return assert_ok(payload)["project"]


async def create_model(client: GraphQLClient, project_id: str, **fields: Any) -> dict[str, Any]:
    input = {
        "projectId": project_id,
        "name": unique("model"),
        "modelType": "CLASSIFICATION",
        "framework": "SKLEARN",
        **fields,
    }
    return assert_ok(await client.mutate(MODEL_CREATE, input))["model"]


async def create_version(client: GraphQLClient, model_id: str, version: str) -> dict[str, Any]:
    payload = await client.mutate(VERSION_CREATE, {"modelId": model_id, "version": version})
    return assert_ok(payload)["modelVersion"]


async def transition(client: GraphQLClient, version_id: str, stage: str) -> dict[str, Any]:
    return await client.mutate(VERSION_TRANSITION, {"modelVersionId": version_id, "stage": stage})


async def create_environment(
    client: GraphQLClient, org_id: str, protected: bool = False, name: str | None = None
) -> dict[str, Any]:
    input = {"organizationId": org_id, "name": name or unique("env"), "protected": protected}
    return assert_ok(await client.mutate(ENVIRONMENT_CREATE, input))["environment"]


async def create_deployment(
    client: GraphQLClient, version_id: str, environment_id: str, **fields: Any
) -> dict[str, Any]:
    input = {
        "modelVersionId": version_id,
        "environmentId": environment_id,
        "name": unique("dep"),
        **fields,
    }
    return assert_ok(await client.mutate(DEPLOYMENT_CREATE, input))["deployment"]


async def build_graph(client: GraphQLClient, org_id: str) -> dict[str, Any]:
    """project -> model -> version 1.0.0 -> environment + deployment: ids of each."""
    project = await create_project(client, org_id)
    model = await create_model(client, project["id"])
    version = await create_version(client, model["id"], "1.0.0")
    environment = await create_environment(client, org_id)
    deployment = await create_deployment(client, version["id"], environment["id"])
    return {
        "project": project["id"],
        "model": model["id"],
        "version": version["id"],
        "environment": environment["id"],
        "deployment": deployment["id"],
    }


EXPERIMENT_CREATE = f"""
mutation($input: ExperimentCreateInput!) {{
  experimentCreate(input: $input) {{ experiment {{ id name status }} {USER_ERRORS} }}
}}"""
RUN_CREATE = f"""
mutation($input: RunCreateInput!) {{
  runCreate(input: $input) {{ run {{ id name status params tags }} {USER_ERRORS} }}
}}"""
RUN_FINISH = f"""
mutation($input: RunFinishInput!) {{
  runFinish(input: $input) {{ run {{ id status endedAt }} {USER_ERRORS} }}
}}"""
RUN_METRICS_LOG = f"""
mutation($input: RunMetricsLogInput!) {{
  runMetricsLog(input: $input) {{ loggedCount newCount run {{ id }} {USER_ERRORS} }}
}}"""


async def create_run(client: GraphQLClient, org_id: str, **fields: Any) -> dict[str, Any]:
    """project -> experiment -> run; returns the ids."""
    project = await create_project(client, org_id)
    experiment = assert_ok(
        await client.mutate(EXPERIMENT_CREATE, {"projectId": project["id"], "name": unique("exp")})
    )["experiment"]
    run = assert_ok(await client.mutate(RUN_CREATE, {"experimentId": experiment["id"], **fields}))[
        "run"
    ]
    return {"project": project["id"], "experiment": experiment["id"], "run": run["id"]}


async def log_points(
    client: GraphQLClient, run_id: str, points: list[dict[str, Any]]
) -> dict[str, Any]:
    """Log in batches of 10,000; returns the last payload."""
    payload: dict[str, Any] = {}
    for start in range(0, len(points), 10_000):
        payload = assert_ok(
            await client.mutate(
                RUN_METRICS_LOG, {"runId": run_id, "points": points[start : start + 10_000]}
            )
        )
    return payload


async def until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    """Wait for an outcome (not a duration): a stuck client fails after a generous bound."""
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


def generated_documents(full: int, shards: int) -> int:
    """How many documents one shard of a generated-document test draws: its full count split
    over ``shards`` tests, which pytest-xdist runs side by side (each shard has its own seed,
    so together they draw the full count). MLGRAPH_GENERATED_DOCUMENTS=0.2 draws a fifth, for
    a quick run while working on something else."""
    import os

    share = float(os.environ.get("MLGRAPH_GENERATED_DOCUMENTS", "1"))
    return max(1, round(full * share / shards))
