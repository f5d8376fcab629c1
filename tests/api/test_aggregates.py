"""Aggregates over filtered lists (issue 30, item 7): count, and average / min / max / sum of
one number, grouped by one field — the fleet's deployments, a deployment's predictions, an
experiment's runs, a project's training jobs. Exact values from known rows; the caller's
tenancy and private projects hold as in the lists; many parents cost one statement."""

from __future__ import annotations

from tests.helpers import (
    EXPERIMENT_CREATE,
    RUN_CREATE,
    RUN_FINISH,
    assert_ok,
    build_graph,
    create_deployment,
    create_environment,
    create_project,
)
from tests.support.alert_rules import PREDICTIONS, at
from tests.support.project_visibility import member, set_visibility
from tests.support.training_jobs import create_job
from tests.support.training_jobs import setup as job_setup

FLEET = """query($org: ID!, $filter: DeploymentFilterInput, $by: DeploymentGroupBy,
  $of: DeploymentNumber) { node(id: $org) { ... on Organization {
  deploymentAggregate(filter: $filter, groupBy: $by, of: $of) { key count avg min max sum }
} } }"""


def groups(data: dict, field: str) -> dict:  # type: ignore[type-arg]
    return {g["key"]: g for g in data["node"][field]}


async def test_the_fleet_is_counted_and_measured_per_group(tenant, http, database_url):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)  # one deployment: 1..1 instances
    env2 = (await create_environment(client, tenant.org_id))["id"]
    for most in (2, 4):
        await create_deployment(client, ids["version"], env2, maxInstances=most)

    data = await client.data(FLEET, {"org": tenant.org_id, "by": "ENVIRONMENT",
                                     "of": "MAX_INSTANCES"})  # fmt: skip
    assert [g["count"] for g in data["node"]["deploymentAggregate"]] == [2, 1]  # largest first
    by_env = groups(data, "deploymentAggregate")
    assert by_env[env2] == {"key": env2, "count": 2, "avg": 3.0, "min": 2.0, "max": 4.0,
                            "sum": 6.0}  # fmt: skip
    assert by_env[ids["environment"]]["sum"] == 1.0
    # Without groupBy: one group; without `of`: counts only; the filter is the list's.
    whole = await client.data(FLEET, {"org": tenant.org_id})
    assert whole["node"]["deploymentAggregate"] == [
        {"key": None, "count": 3, "avg": None, "min": None, "max": None, "sum": None}]  # fmt: skip
    by_status = await client.data(FLEET, {"org": tenant.org_id, "by": "STATUS",
                                          "filter": {"environmentId": [env2]}})  # fmt: skip
    assert [(g["key"], g["count"]) for g in by_status["node"]["deploymentAggregate"]] == [
        ("PENDING", 2)]  # fmt: skip

    # A private project's deployments are not counted for a member who cannot see it.
    viewer = await member(tenant, http, database_url, "DEVELOPER")
    assert (await viewer.data(FLEET, {"org": tenant.org_id}))["node"]["deploymentAggregate"][0][
        "count"] == 3  # fmt: skip
    await set_visibility(tenant, ids["project"], "PRIVATE")
    assert (await viewer.data(FLEET, {"org": tenant.org_id}))["node"]["deploymentAggregate"] == []
    assert (await client.data(FLEET, {"org": tenant.org_id}))["node"]["deploymentAggregate"][0][
        "count"] == 3  # fmt: skip


PREDICTION_STATS = """query($id: ID!, $filter: PredictionFilterInput) { node(id: $id) {
  ... on Deployment { predictionAggregate(filter: $filter, groupBy: MODEL_VERSION,
    of: LATENCY_MS) { key count avg min max } } } }"""


async def test_a_deployments_predictions_by_version(tenant):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    latencies = [10.0, 20.0, 60.0]
    predictions = [{"latencyMs": ms, "recordedAt": at(i)} for i, ms in enumerate(latencies)]
    assert_ok(await client.mutate(PREDICTIONS, {"deploymentId": ids["deployment"],
                                                "predictions": predictions}))  # fmt: skip
    data = await client.data(PREDICTION_STATS, {"id": ids["deployment"]})
    assert data["node"]["predictionAggregate"] == [
        {"key": ids["version"], "count": 3, "avg": 30.0, "min": 10.0, "max": 60.0}]  # fmt: skip
    later = {"id": ids["deployment"], "filter": {"from": at(1)}}
    assert (await client.data(PREDICTION_STATS, later))["node"]["predictionAggregate"][0][
        "avg"] == 40.0  # fmt: skip


RUN_STATS = """query($id: ID!) { node(id: $id) { ... on Project { experiments { nodes {
  runAggregate(groupBy: STATUS, of: DURATION_SECONDS) { key count avg min max } } } } } }"""


async def test_runs_by_status_with_their_durations_one_statement_for_many_experiments(
    tenant, count_statements
):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    for name in ("a", "b"):
        experiment = assert_ok(await client.mutate(
            EXPERIMENT_CREATE, {"projectId": project, "name": name}))["experiment"]["id"]  # fmt: skip
        for minutes in (10, 30):
            run = assert_ok(await client.mutate(RUN_CREATE, {
                "experimentId": experiment, "startedAt": at(0)}))["run"]["id"]  # fmt: skip
            assert_ok(await client.mutate(RUN_FINISH, {
                "runId": run, "status": "COMPLETED", "endedAt": at(minutes)}))  # fmt: skip
        assert_ok(await client.mutate(RUN_CREATE, {"experimentId": experiment}))  # running
    with count_statements() as counted:
        data = await client.data(RUN_STATS, {"id": project})
    for node in data["node"]["experiments"]["nodes"]:
        assert node["runAggregate"] == [
            {"key": "COMPLETED", "count": 2, "avg": 1200.0, "min": 600.0, "max": 1800.0},
            {"key": "RUNNING", "count": 1, "avg": None, "min": None, "max": None},
        ]
    assert sum("GROUP BY" in s for s in counted.statements) == 1  # both experiments at once


JOB_STATS = """query($id: ID!, $status: [TrainingJobStatus!]) { node(id: $id) { ... on Project {
  trainingJobAggregate(status: $status, groupBy: GPU_TYPE, of: GPUS) { key count sum } } } }"""


async def test_training_jobs_by_gpu_type(tenant, make_tenant):
    client = tenant.client
    ids = await job_setup(client, tenant.org_id)
    for gpus in (1, 3):
        assert_ok(
            await create_job(
                client, ids, resources={"useGpu": True, "gpus": gpus, "gpuType": "nvidia-a100"}
            )
        )
    assert_ok(await create_job(client, ids))  # no GPU
    data = await client.data(JOB_STATS, {"id": ids["project"]})
    assert data["node"]["trainingJobAggregate"] == [
        {"key": "nvidia-a100", "count": 2, "sum": 4.0}, {"key": None, "count": 1, "sum": 0.0}]  # fmt: skip
    none = await client.data(JOB_STATS, {"id": ids["project"], "status": ["FAILED"]})
    assert none["node"]["trainingJobAggregate"] == []
    # Another organization's project answers nothing.
    other = await make_tenant()
    assert (await other.client.data(JOB_STATS, {"id": ids["project"]}))["node"] is None
