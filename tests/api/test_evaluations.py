"""Evaluation runs (issue 30, item 3): a model version scored on a dataset version, made
by hand or by a pipeline run's EVALUATION step, moved to its metrics, listed on both
versions and the pipeline run, and part of lineage."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.helpers import (
    USER_ERRORS,
    assert_error,
    assert_ok,
    create_model,
    create_project,
    create_version,
)
from tests.support.datasets import LINEAGE, dataset, version
from tests.support.pipelines import PIPELINE_CREATE, RUN_CREATE, RUN_MOVE, same_on_both_paths
from tests.support.project_visibility import member

FIELDS = """id status metrics errorMessage step startedAt endedAt modelVersion { version }
  datasetVersion { version } pipelineRun { id }"""
CREATE = f"""mutation($input: EvaluationRunCreateInput!) {{
  evaluationRunCreate(input: $input) {{ evaluationRun {{ {FIELDS} }} {USER_ERRORS} }} }}"""
MOVE = f"""mutation($input: EvaluationRunTransitionInput!) {{
  evaluationRunTransition(input: $input) {{ evaluationRun {{ {FIELDS} }} {USER_ERRORS} }} }}"""
LISTED = """query($model: ID!, $data: ID!) {
  model: node(id: $model) { ... on ModelVersion { evaluations { nodes { status metrics } } } }
  data: node(id: $data) { ... on DatasetVersion { evaluations { totalCount } } } }"""
STEP_MOVE = f"""mutation($input: PipelineRunStepUpdateInput!) {{
  pipelineRunStepUpdate(input: $input) {{ pipelineRun {{ id steps {{ name evaluationRunId }}
    evaluations {{ nodes {{ id status step }} }} }} {USER_ERRORS} }} }}"""


async def versions(client: GraphQLClient, org_id: str) -> dict[str, str]:
    project = (await create_project(client, org_id))["id"]
    model = (await create_model(client, project))["id"]
    model_version = (await create_version(client, model, "1.0.0"))["id"]
    data = await dataset(client, project, "holdout")
    data_version = assert_ok(await version(client, data, "2026-q3"))["datasetVersion"]["id"]
    return {"project": project, "model_version": model_version, "data_version": data_version}


async def test_an_evaluation_by_hand_records_its_metrics(tenant, make_tenant, http, database_url):
    client = tenant.client
    ids = await versions(client, tenant.org_id)
    pair = {"modelVersionId": ids["model_version"], "datasetVersionId": ids["data_version"]}
    made = assert_ok(await client.mutate(CREATE, pair))["evaluationRun"]
    assert (made["status"], made["startedAt"], made["metrics"]) == ("PENDING", None, {})

    async def move(run: str, status: str, **fields: Any) -> dict[str, Any]:
        return await client.mutate(MOVE, {"evaluationRunId": run, "status": status, **fields})  # type: ignore[no-any-return]

    assert_error(await move(made["id"], "RUNNING", metrics={"auc": 0.9}), "VALIDATION",
                 ["input", "metrics"])  # fmt: skip
    assert assert_ok(await move(made["id"], "RUNNING"))["evaluationRun"]["startedAt"]
    for metrics, field in (({"auc": "high"}, ["input", "metrics", "auc"]), ([0.9], ["input", "metrics"])):  # fmt: skip
        assert_error(await move(made["id"], "SUCCEEDED", metrics=metrics), "VALIDATION", field)
    done = assert_ok(await move(made["id"], "SUCCEEDED", metrics={"auc": 0.93, "f1": 1}))
    assert done["evaluationRun"]["metrics"] == {"auc": 0.93, "f1": 1.0}
    assert done["evaluationRun"]["endedAt"] is not None
    assert_error(await move(made["id"], "FAILED"), "INVALID_TRANSITION", ["input", "status"])
    failed = assert_ok(await client.mutate(CREATE, pair))["evaluationRun"]["id"]
    failure = assert_ok(await move(failed, "FAILED", errorMessage="OOM on the GPU"))
    assert failure["evaluationRun"]["errorMessage"] == "OOM on the GPU"

    listed = await client.data(LISTED, {"model": ids["model_version"], "data": ids["data_version"]})
    assert listed["model"]["evaluations"]["nodes"] == [
        {"status": "FAILED", "metrics": {}}, {"status": "SUCCEEDED", "metrics": {"auc": 0.93, "f1": 1.0}}]  # fmt: skip
    assert listed["data"]["evaluations"]["totalCount"] == 2

    # Another organization's dataset version is not seen; a viewer cannot evaluate.
    other = await make_tenant()
    theirs = await versions(other.client, other.org_id)
    foreign = await client.mutate(CREATE, {**pair, "datasetVersionId": theirs["data_version"]})
    assert_error(foreign, "NOT_FOUND", ["input", "datasetVersionId"])
    viewer = await member(tenant, http, database_url, "VIEWER")
    assert_error(await viewer.mutate(CREATE, pair), "FORBIDDEN")
    assert_error(await other.client.mutate(MOVE, {"evaluationRunId": made["id"],
                                                  "status": "CANCELLED"}), "NOT_FOUND")  # fmt: skip


async def test_an_evaluation_step_makes_its_evaluation_run_and_lineage_shows_it(tenant):
    client = tenant.client
    ids = await versions(client, tenant.org_id)
    evaluation = {"modelVersionId": ids["model_version"], "datasetVersionId": ids["data_version"]}
    step = {"name": "evaluate", "kind": "EVALUATION", "evaluation": evaluation}
    pipeline = {"projectId": ids["project"], "name": "eval", "orchestrator": "ARGO"}
    wrong = {**step, "kind": "DATA_PROCESSING"}
    assert_error(await client.mutate(PIPELINE_CREATE, {**pipeline, "steps": [wrong]}),
                 "VALIDATION", ["input", "steps", "0", "evaluation"])  # fmt: skip
    made = assert_ok(await client.mutate(PIPELINE_CREATE, {**pipeline, "steps": [step]}))
    run = assert_ok(await client.mutate(RUN_CREATE, {"pipelineId": made["pipeline"]["id"]}))
    run_id = run["pipelineRun"]["id"]
    for status in ("PENDING", "RUNNING"):
        assert_ok(await client.mutate(RUN_MOVE, {"pipelineRunId": run_id, "status": status}))
    started = assert_ok(await client.mutate(STEP_MOVE, {"pipelineRunId": run_id,
                                                        "step": "evaluate", "status": "RUNNING"}))  # fmt: skip
    [made_run] = started["pipelineRun"]["evaluations"]["nodes"]
    assert (made_run["status"], made_run["step"]) == ("RUNNING", "evaluate")
    assert started["pipelineRun"]["steps"][0]["evaluationRunId"] == made_run["id"]
    assert_ok(await client.mutate(MOVE, {"evaluationRunId": made_run["id"], "status": "SUCCEEDED",
                                         "metrics": {"auc": 0.91}}))  # fmt: skip
    read = await same_on_both_paths(client, made["pipeline"]["id"])
    assert read["steps"][0]["evaluation"] == evaluation
    assert read["runs"]["nodes"][0]["steps"][0]["evaluationRunId"] == made_run["id"]

    down = await client.data(LINEAGE, {"id": ids["data_version"], "direction": "DOWNSTREAM",
                                       "depth": 2})  # fmt: skip
    edges = {(e["from"], e["to"], e["kind"]) for e in down["node"]["lineage"]["edges"]}
    assert (ids["data_version"], made_run["id"], "EVALUATED") in edges
    up = await client.data(LINEAGE, {"id": made_run["id"], "direction": "UPSTREAM", "depth": 1})
    assert {(e["from"], e["kind"]) for e in up["node"]["lineage"]["edges"]} == {
        (ids["data_version"], "EVALUATED"), (ids["model_version"], "EVALUATED")}  # fmt: skip
