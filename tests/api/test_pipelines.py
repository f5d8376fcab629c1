"""Pipelines: a definition must be a DAG (errors name the offending steps), runs move by
their machine with retries, and a step starts only when its dependencies succeeded."""

from __future__ import annotations

from typing import Any

import pytest
from gql.transport.exceptions import TransportQueryError

from app.api.ids import decode_any
from tests.helpers import (
    USER_ERRORS,
    assert_error,
    assert_ok,
    create_model,
    create_project,
    create_run,
)
from tests.support.datasets import dataset
from tests.support.notifications import DELIVERIES, NRULE, channel
from tests.support.pipelines import (
    RUN_CREATE,
    RUN_FIELDS,
    RUN_MOVE,
    create_pipeline,
    environment_of,
    same_on_both_paths,
    steps,
)
from tests.support.real_clients import TRANSPORT_WS, doc, ws_client

STEP_MOVE = f"""mutation($input: PipelineRunStepUpdateInput!) {{
  pipelineRunStepUpdate(input: $input) {{ pipelineRun {{ {RUN_FIELDS} }} {USER_ERRORS} }} }}"""
PIPELINES = """query($id: ID!) { node(id: $id) { ... on Project { pipelines { totalCount
  nodes { name orchestrator runs(status: [FAILED]) { totalCount nodes { status retryCount } } }
} } } }"""


async def test_a_definition_must_be_a_dag_and_errors_name_the_steps(tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    made = assert_ok(await create_pipeline(client, project, workflowId="wf-1",
                                           namespace="ml"))["pipeline"]  # fmt: skip
    order = made["order"]
    defined = steps("x")
    assert sorted(order) == sorted(s["name"] for s in defined)
    for step in defined:  # every step after its dependencies
        for dependency in step.get("dependsOn", []):
            assert order.index(dependency) < order.index(step["name"])
    assert made["steps"][0]["config"] == {"query": "SELECT 1"}
    assert made["steps"][1]["trainingJob"]["image"] == "ghcr.io/acme/train:1"

    environment = await environment_of(client)
    template_rules = [
        ({"image": None}, ["input", "steps", "1", "trainingJob", "image"]),
        ({"resources": {"useGpu": True, "gpus": 1}},
         ["input", "steps", "1", "trainingJob", "resources", "gpuType"]),
        ({"config": {"blob": "x" * 70_000}}, ["input", "steps", "1", "trainingJob", "config"]),
    ]  # fmt: skip
    for template, field in template_rules:
        bad = await create_pipeline(
            client, project, name="px", steps=steps(environment, **template)
        )
        assert_error(bad, "VALIDATION", field)
    untemplated = [{"name": "t", "kind": "TRAINING_JOB"}]
    assert_error(await create_pipeline(client, project, name="py", steps=untemplated),
                 "VALIDATION", ["input", "steps", "0", "trainingJob"])  # fmt: skip

    cycle = [{"name": "a", "kind": "EVALUATION", "dependsOn": ["c"]},
             {"name": "b", "kind": "EVALUATION", "dependsOn": ["a"]},
             {"name": "c", "kind": "EVALUATION", "dependsOn": ["b"]},
             {"name": "d", "kind": "EVALUATION"}]  # fmt: skip
    error = assert_error(await create_pipeline(client, project, name="p2", steps=cycle),
                         "VALIDATION")  # fmt: skip
    assert "cycle" in error["message"] and all(n in error["message"] for n in "abc")
    assert "d" not in error["message"].split(":")[1]
    unknown = [{"name": "a", "kind": "EVALUATION", "dependsOn": ["ghost"]}]
    error = assert_error(await create_pipeline(client, project, name="p3", steps=unknown),
                         "VALIDATION", ["input", "steps", "0", "dependsOn"])  # fmt: skip
    assert "ghost" in error["message"]
    twice = [{"name": "a", "kind": "EVALUATION"}, {"name": "a", "kind": "DEPLOYMENT"}]
    assert_error(await create_pipeline(client, project, name="p4", steps=twice), "VALIDATION",
                 ["input", "steps", "1", "name"])  # fmt: skip
    assert_error(await create_pipeline(client, project, name="p5", steps=[]), "VALIDATION",
                 ["input", "steps"])  # fmt: skip
    assert_error(await create_pipeline(client, project), "CONFLICT", ["input", "name"])
    same_workflow = await create_pipeline(client, project, name="p6", workflowId="wf-1",
                                          namespace="ml")  # fmt: skip
    assert_error(same_workflow, "CONFLICT", ["input", "workflowId"])
    # The same workflow id in another namespace is another workflow.
    assert_ok(await create_pipeline(client, project, name="p7", workflowId="wf-1",
                                    namespace="prod"))  # fmt: skip


async def test_a_run_moves_step_by_step_in_dependency_order_and_retries(tenant, receiver):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    pipeline = assert_ok(await create_pipeline(client, project))["pipeline"]["id"]
    hook = await channel(client, tenant.org_id, f"{receiver.base_url}/pipes-{tenant.org_slug}")
    assert_ok(await client.mutate(NRULE, {"channelId": hook["id"],
                                          "trigger": "PIPELINE_RUN_COMPLETE"}))  # fmt: skip
    run = assert_ok(await client.mutate(RUN_CREATE, {"pipelineId": pipeline,
                                                     "maxRetries": 1}))["pipelineRun"]  # fmt: skip
    run_id = run["id"]
    assert run["status"] == "CREATED" and {s["status"] for s in run["steps"]} == {"PENDING"}

    async def move(status: str, **fields: Any) -> dict[str, Any]:
        return await client.mutate(RUN_MOVE, {"pipelineRunId": run_id, "status": status,
                                              **fields})  # fmt: skip

    async def step(name: str, status: str) -> dict[str, Any]:
        return await client.mutate(STEP_MOVE, {"pipelineRunId": run_id, "step": name,
                                               "status": status})  # fmt: skip

    assert_error(await step("prepare", "RUNNING"), "INVALID_TRANSITION", ["input", "step"])
    assert_error(await move("RUNNING"), "INVALID_TRANSITION", ["input", "status"])
    assert_ok(await move("PENDING"))
    assert assert_ok(await move("RUNNING"))["pipelineRun"]["startedAt"] is not None
    waits = assert_error(await step("train", "RUNNING"), "INVALID_TRANSITION", ["input", "step"])
    assert "prepare" in waits["message"]
    assert_error(await step("nowhere", "RUNNING"), "VALIDATION", ["input", "step"])
    started = assert_ok(await step("prepare", "RUNNING"))["pipelineRun"]
    assert started["currentStage"] == "prepare"
    assert_ok(await step("prepare", "SUCCEEDED"))
    for name in ("train", "report"):  # both wait only for prepare
        moved = assert_ok(await step(name, "RUNNING"))["pipelineRun"]
    train = next(s for s in moved["steps"] if s["name"] == "train")
    job = await client.data(
        "query($id: ID!) { node(id: $id) { ... on TrainingJob { name status image } } }",
        {"id": train["trainingJobId"]},
    )
    assert job["node"] == {"name": "nightly/train", "status": "PENDING",
                           "image": "ghcr.io/acme/train:1"}  # fmt: skip
    assert_error(await step("deploy", "RUNNING"), "INVALID_TRANSITION", ["input", "step"])
    assert_ok(await step("report", "SUCCEEDED"))
    assert_ok(await step("train", "FAILED"))
    assert_error(await move("SUCCEEDED"), "INVALID_TRANSITION", ["input", "status"])
    failed = assert_ok(await move("FAILED", errorMessage="train OOM"))["pipelineRun"]
    assert (failed["errorMessage"], failed["endedAt"] is not None) == ("train OOM", True)

    retried = assert_ok(await move("RETRYING"))["pipelineRun"]
    assert retried["retryCount"] == 1
    assert_ok(await move("RUNNING"))
    for name in ("train", "evaluate", "deploy"):
        assert_ok(await step(name, "RUNNING"))
        done = assert_ok(await step(name, "SUCCEEDED"))["pipelineRun"]
    assert done["currentStage"] == "deploy"
    states = {s["name"]: s["status"] for s in done["steps"]}
    assert set(states.values()) == {"SUCCEEDED"}
    assert [s["name"] for s in done["steps"]].index("deploy") == 4  # dependency order
    finished = assert_ok(await move("SUCCEEDED"))["pipelineRun"]
    assert finished["status"] == "SUCCEEDED" and finished["errorMessage"] is None
    assert_error(await move("CANCELLED"), "INVALID_TRANSITION", ["input", "status"])
    nodes = (await client.data(DELIVERIES, {"id": hook["id"]}))["node"]["deliveries"]["nodes"]
    assert [n["eventType"] for n in nodes] == ["pipeline_run.finished"]
    read = await same_on_both_paths(client, pipeline)
    [state] = [s for s in read["runs"]["nodes"][0]["steps"] if s["name"] == "train"]
    assert state["trainingJobId"] and state["startedAt"] and state["endedAt"]
    environment = decode_any(read["steps"][1]["trainingJob"]["environment_id"])
    assert environment is not None and environment[0] == "Environment"  # a global id


async def test_retries_run_out_and_runs_are_listed_by_status(tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    pipeline = assert_ok(await create_pipeline(client, project))["pipeline"]["id"]
    run_id = assert_ok(await client.mutate(RUN_CREATE, {"pipelineId": pipeline}))[
        "pipelineRun"]["id"]  # fmt: skip
    for status in ("PENDING", "RUNNING", "FAILED"):
        assert_ok(await client.mutate(RUN_MOVE, {"pipelineRunId": run_id, "status": status}))
    no_retry = await client.mutate(RUN_MOVE, {"pipelineRunId": run_id, "status": "RETRYING"})
    assert_error(no_retry, "INVALID_TRANSITION", ["input", "status"])  # maxRetries 0: final
    too_many = await client.mutate(RUN_CREATE, {"pipelineId": pipeline, "maxRetries": 11})
    assert_error(too_many, "VALIDATION", ["input", "maxRetries"])
    other = assert_ok(await client.mutate(RUN_CREATE, {"pipelineId": pipeline}))["pipelineRun"]
    cancelled = await client.mutate(RUN_MOVE, {"pipelineRunId": other["id"],
                                               "status": "CANCELLED"})  # fmt: skip
    assert assert_ok(cancelled)["pipelineRun"]["status"] == "CANCELLED"

    compiled = await client.post(PIPELINES, {"id": project})
    reference = await client.on_resolvers().post(PIPELINES, {"id": project})
    assert compiled.headers["x-mlgraph-path"] == "compiled"
    assert compiled.content == reference.content
    listed = compiled.json()["data"]["node"]["pipelines"]["nodes"][0]["runs"]
    assert listed == {"totalCount": 1, "nodes": [{"status": "FAILED", "retryCount": 0}]}
    later = """query($id: ID!) { node(id: $id) { ... on Project {
      pipelines(createdFrom: "2999-01-01T00:00:00Z") { totalCount } } } }"""
    assert (await client.data(later, {"id": project}))["node"]["pipelines"]["totalCount"] == 0


async def test_another_organization_cannot_see_or_run_pipelines(tenant, make_tenant):
    project = (await create_project(tenant.client, tenant.org_id))["id"]
    pipeline = assert_ok(await create_pipeline(tenant.client, project))["pipeline"]["id"]
    run = assert_ok(await tenant.client.mutate(RUN_CREATE, {"pipelineId": pipeline}))
    outsider = await make_tenant("pipe-outsider")
    assert_error(await outsider.client.mutate(RUN_CREATE, {"pipelineId": pipeline}), "NOT_FOUND",
                 ["input", "pipelineId"])  # fmt: skip
    moved = await outsider.client.mutate(RUN_MOVE, {"pipelineRunId": run["pipelineRun"]["id"],
                                                    "status": "PENDING"})  # fmt: skip
    assert_error(moved, "NOT_FOUND", ["input", "pipelineRunId"])
    assert_error(await create_pipeline(outsider.client, project), "NOT_FOUND",
                 ["input", "projectId"])  # fmt: skip


async def test_a_training_step_checks_the_gpu_catalogue_when_it_starts(tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    environment = await environment_of(client)
    gpu = {"resources": {"useGpu": True, "gpus": 1, "gpuType": "h100"}}
    pipeline = assert_ok(await create_pipeline(client, project, steps=steps(environment, **gpu)))
    run = assert_ok(await client.mutate(RUN_CREATE, {"pipelineId": pipeline["pipeline"]["id"]}))
    run_id = run["pipelineRun"]["id"]
    for status in ("PENDING", "RUNNING"):
        assert_ok(await client.mutate(RUN_MOVE, {"pipelineRunId": run_id, "status": status}))
    for status in ("RUNNING", "SUCCEEDED"):
        assert_ok(await client.mutate(STEP_MOVE, {"pipelineRunId": run_id, "step": "prepare",
                                                  "status": status}))  # fmt: skip
    refused = await client.mutate(STEP_MOVE, {"pipelineRunId": run_id, "step": "train",
                                              "status": "RUNNING"})  # fmt: skip
    error = assert_error(refused, "VALIDATION", ["input", "step"])
    assert "h100" in error["message"] and "train" in error["message"]


PIPELINE_MOVE = f"""mutation($input: PipelineTransitionInput!) {{
  pipelineTransition(input: $input) {{ pipeline {{ id status }} {USER_ERRORS} }} }}"""
LINKED = f"""mutation($input: PipelineCreateInput!) {{
  pipelineCreate(input: $input) {{ pipeline {{ id status workflowType dataset {{ name }}
    model {{ name }} experiment {{ name }} }} {USER_ERRORS} }} }}"""
BY_STATUS = """query($id: ID!, $status: [PipelineStatus!], $type: [PipelineWorkflowType!]) {
  node(id: $id) { ... on Project { pipelines(status: $status, workflowType: $type) {
    nodes { name } } } } }"""


async def test_only_an_active_pipeline_runs_and_it_links_what_it_works_on(tenant, make_tenant):
    client = tenant.client
    ids = await create_run(client, tenant.org_id)
    project = ids["project"]
    reviews = await dataset(client, project, "reviews")
    model = (await create_model(client, project))["id"]
    draft = assert_ok(await client.mutate(LINKED, {
        "projectId": project, "name": "nightly-train", "orchestrator": "ARGO",
        "status": "DRAFT", "workflowType": "TRAINING", "datasetId": reviews, "modelId": model,
        "experimentId": ids["experiment"],
        "steps": [{"name": "prepare", "kind": "DATA_PROCESSING"}]}))["pipeline"]  # fmt: skip
    assert (draft["status"], draft["workflowType"], draft["dataset"]) == (
        "DRAFT", "TRAINING", {"name": "reviews"})  # fmt: skip
    assert draft["experiment"] is not None and draft["model"] is not None
    refused = await client.mutate(RUN_CREATE, {"pipelineId": draft["id"]})
    assert_error(refused, "INVALID_TRANSITION", ["input", "pipelineId"])

    async def move(status: str) -> dict:  # type: ignore[type-arg]
        return await client.mutate(PIPELINE_MOVE, {"pipelineId": draft["id"], "status": status})  # type: ignore[no-any-return]

    assert assert_ok(await move("ACTIVE"))["pipeline"]["status"] == "ACTIVE"
    assert_ok(await client.mutate(RUN_CREATE, {"pipelineId": draft["id"]}))
    assert_error(await move("DRAFT"), "INVALID_TRANSITION", ["input", "status"])
    assert_ok(await move("ARCHIVED"))
    assert_error(await client.mutate(RUN_CREATE, {"pipelineId": draft["id"]}),
                 "INVALID_TRANSITION", ["input", "pipelineId"])  # fmt: skip

    other_project = (await create_project(client, tenant.org_id))["id"]
    elsewhere = await dataset(client, other_project, "elsewhere")
    base = {"projectId": project, "name": "x", "orchestrator": "ARGO",
            "steps": [{"name": "a", "kind": "DATA_PROCESSING"}]}  # fmt: skip
    assert_error(await client.mutate(LINKED, {**base, "datasetId": elsewhere}), "VALIDATION",
                 ["input", "datasetId"])  # fmt: skip
    assert_error(await client.mutate(LINKED, {**base, "status": "ARCHIVED"}), "VALIDATION",
                 ["input", "status"])  # fmt: skip
    other = await make_tenant()
    theirs = (await create_model(other.client, (await create_project(other.client,
                                                                     other.org_id))["id"]))["id"]  # fmt: skip
    assert_error(await client.mutate(LINKED, {**base, "modelId": theirs}), "NOT_FOUND",
                 ["input", "modelId"])  # fmt: skip
    assert_ok(await client.mutate(LINKED, {**base, "name": "generic"}))

    found = await client.data(BY_STATUS, {"id": project, "status": ["ARCHIVED"]})
    assert [p["name"] for p in found["node"]["pipelines"]["nodes"]] == ["nightly-train"]
    found = await client.data(BY_STATUS, {"id": project, "type": ["GENERIC"]})
    assert [p["name"] for p in found["node"]["pipelines"]["nodes"]] == ["generic"]


LIVE = """subscription($id: ID!) { pipelineRunStatus(pipelineRunId: $id) {
  pipelineRunId status currentStage retryCount endedAt version steps { name status } } }"""


async def test_a_run_is_followed_live_step_by_step_until_it_ends(server, tenant, make_tenant):
    """pipelineRunStatus (gql over graphql-ws, as the dashboard's DAG follows a run): the
    state now, then one message per change of the run or a step; a FAILED run with a retry
    left goes on, CANCELLED ends it; another organization cannot follow it."""
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    pipeline = assert_ok(await create_pipeline(client, project))["pipeline"]["id"]
    run_id = assert_ok(await client.mutate(RUN_CREATE, {"pipelineId": pipeline,
                                                        "maxRetries": 1}))["pipelineRun"]["id"]  # fmt: skip
    changes: list[tuple[str, dict[str, Any]]] = [
        ("run", {"status": "PENDING"}), ("run", {"status": "RUNNING"}),
        ("step", {"step": "prepare", "status": "RUNNING"}),
        ("step", {"step": "prepare", "status": "FAILED"}),
        ("run", {"status": "FAILED"}), ("run", {"status": "RETRYING"}),
        ("run", {"status": "CANCELLED"}),
    ]  # fmt: skip
    seen: list[tuple[str, str, str | None, int]] = []
    async with ws_client(server.base_url, tenant.key, TRANSPORT_WS) as session:
        stream = session.subscribe(doc(LIVE, id=run_id))
        first = (await anext(stream))["pipelineRunStatus"]
        assert (first["pipelineRunId"], first["status"]) == (run_id, "CREATED")
        versions = [first["version"]]
        for kind, change in changes:
            mutation = RUN_MOVE if kind == "run" else STEP_MOVE
            assert_ok(await client.mutate(mutation, {"pipelineRunId": run_id, **change}))
            event = (await anext(stream))["pipelineRunStatus"]
            steps = {s["name"]: s["status"] for s in event["steps"]}
            seen.append((event["status"], steps["prepare"], event["currentStage"],
                         event["retryCount"]))  # fmt: skip
            versions.append(event["version"])
        assert event["endedAt"] is not None
        assert [event async for event in stream] == []  # CANCELLED: the stream ends
    assert seen == [
        ("PENDING", "PENDING", None, 0), ("RUNNING", "PENDING", None, 0),
        ("RUNNING", "RUNNING", "prepare", 0), ("RUNNING", "FAILED", "prepare", 0),
        ("FAILED", "FAILED", "prepare", 0), ("RETRYING", "FAILED", "prepare", 1),
        ("CANCELLED", "FAILED", "prepare", 1),
    ]  # fmt: skip
    assert versions == sorted(set(versions))  # one newer version per change

    outsider = await make_tenant("pipe-watcher")
    async with ws_client(server.base_url, outsider.key, TRANSPORT_WS) as session:
        with pytest.raises(TransportQueryError) as refused:
            async for _ in session.subscribe(doc(LIVE, id=run_id)):
                raise AssertionError("another organization followed the run")
    assert refused.value.errors[0]["extensions"]["code"] == "NOT_FOUND"
