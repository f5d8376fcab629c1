"""WORKFLOW serves' schedules and runs (issue 30, item 1): a workflow config may carry a
cron expression in a time zone; at each fire time one run of the serve's workflow joins the
queue — exactly once with two `mlgraph schedules-fire` processes at one paused instant — on
the config's nodes, serving the config's version or else the serve's PRODUCTION version.
Workers claim, heartbeat and finish runs as they do every queued job."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from gql.transport.exceptions import TransportQueryError

from app.api.ids import decode_id
from tests.helpers import (
    USER_ERRORS,
    assert_error,
    assert_ok,
    create_environment,
    create_model,
    create_project,
    create_version,
    transition,
)
from tests.support.project_visibility import VISIBILITY, set_visibility
from tests.support.real_clients import TRANSPORT_WS, doc, ws_client
from tests.support.schedules import fire, started

CONFIG = "id cron timeZone scheduleEnabled missedRuns nextRunAt lastRunAt modelVersion { id }"
SET = f"""mutation($input: WorkflowConfigSetInput!) {{
  workflowConfigSet(input: $input) {{ workflowConfig {{ {CONFIG} }} {USER_ERRORS} }} }}"""
RUN = """id status trigger scheduledFor modelVersion { version } environment { id }
  headNode { instanceType } workerNode { instanceType } minWorkers maxWorkers claims
  leaseOwner errorMessage durationSeconds workflowConfig { id }"""
CREATE = f"""mutation($input: WorkflowRunCreateInput!) {{
  workflowRunCreate(input: $input) {{ workflowRun {{ {RUN} }} {USER_ERRORS} }} }}"""
CLAIM = f"""mutation($input: WorkflowRunsClaimInput!) {{
  workflowRunsClaim(input: $input) {{ workflowRuns {{ {RUN} }} {USER_ERRORS} }} }}"""
HEARTBEAT = f"""mutation($input: WorkflowRunHeartbeatInput!) {{
  workflowRunHeartbeat(input: $input) {{ workflowRun {{ {RUN} }} {USER_ERRORS} }} }}"""
FINISH = f"""mutation($input: WorkflowRunFinishInput!) {{
  workflowRunFinish(input: $input) {{ workflowRun {{ {RUN} }} {USER_ERRORS} }} }}"""
CANCEL = f"""mutation($input: WorkflowRunCancelInput!) {{
  workflowRunCancel(input: $input) {{ workflowRun {{ {RUN} }} {USER_ERRORS} }} }}"""
RUNS = f"""query($id: ID!, $status: [WorkflowRunStatus!]) {{ node(id: $id) {{ ... on Model {{
  workflowRuns(status: $status) {{ totalCount nodes {{ {RUN} }} }} }} }} }}"""
CONFIG_RUNS = """query($id: ID!) { node(id: $id) { ... on WorkflowConfig {
  runs { totalCount nodes { trigger scheduledFor } } } } }"""

HEAD = {"instanceType": "n2-standard-4", "cpuMillicores": 4000, "memoryMib": 16384}
WORKER = {"instanceType": "n2-standard-8", "cpuMillicores": 8000, "memoryMib": 32768}


async def serve(client: Any, org_id: str) -> dict[str, str]:
    project = (await create_project(client, org_id))["id"]
    model = (await create_model(client, project, serveType="WORKFLOW"))["id"]
    environment = (await create_environment(client, org_id))["id"]
    return {"project": project, "model": model, "environment": environment}


def config_input(ids: dict[str, str], **fields: Any) -> dict[str, Any]:
    return {"modelId": ids["model"], "environmentId": ids["environment"], "headNode": HEAD,
            "workerNode": WORKER, "minWorkers": 1, "maxWorkers": 4, **fields}  # fmt: skip


async def model_runs(client: Any, model: str, status: list[str] | None = None) -> Any:
    read = await client.data(RUNS, {"id": model, "status": status})
    return read["node"]["workflowRuns"]


async def count(client: Any, model: str) -> int:
    return (await model_runs(client, model))["totalCount"]  # type: ignore[no-any-return]


async def test_a_schedule_queues_each_fire_time_once_whatever_the_schedulers(
    tenant,
    database_url,  # type: ignore[no-untyped-def]
) -> None:
    client = tenant.client
    ids = await serve(client, tenant.org_id)
    hourly = {"cron": "0 * * * *", "timeZone": "Europe/Paris", "missedRuns": "SKIP"}
    made = assert_ok(await client.mutate(SET, config_input(ids, schedule=hourly)))
    config = made["workflowConfig"]
    assert (config["cron"], config["timeZone"], config["missedRuns"]) == (
        "0 * * * *", "Europe/Paris", "SKIP")  # fmt: skip
    first = datetime.fromisoformat(config["nextRunAt"])
    assert first.minute == 0 and first > datetime.now(first.tzinfo)

    # No version yet, none in PRODUCTION: the fire time passes and queues nothing. (A pass
    # fires every schedule of the database, other tests' too: count this serve's runs.)
    await fire(database_url, first)
    assert await count(client, ids["model"]) == 0
    version = await create_version(client, ids["model"], "1.0.0")
    for stage in ("STAGING", "PRODUCTION"):
        assert_ok(await transition(client, version["id"], stage))

    # Two schedulers at the next fire time: one run, serving the PRODUCTION version.
    second = first + timedelta(hours=1)
    assert started(await fire(database_url, second, processes=2)) >= 1
    assert await count(client, ids["model"]) == 1
    await fire(database_url, second)  # the same instant again: nothing
    assert await count(client, ids["model"]) == 1
    runs = await model_runs(client, ids["model"])
    [run] = runs["nodes"]
    assert (run["status"], run["trigger"], run["modelVersion"]) == (
        "PENDING", "SCHEDULE", {"version": "1.0.0"})  # fmt: skip
    assert datetime.fromisoformat(run["scheduledFor"]) == second
    assert run["headNode"] == {"instanceType": "n2-standard-4"}
    assert (run["minWorkers"], run["maxWorkers"]) == (1, 4)
    listed = await client.data(CONFIG_RUNS, {"id": config["id"]})
    assert listed["node"]["runs"]["totalCount"] == 1

    # Downtime: three fire times missed, SKIP: nothing queued, the next fire time waits.
    later = second + timedelta(hours=3, minutes=30)
    await fire(database_url, later)
    assert await count(client, ids["model"]) == 1
    # A config that names its version runs that one; RUN_ONCE queues one for what it missed.
    other = await create_version(client, ids["model"], "2.0.0")
    named = config_input(ids, modelVersionId=other["id"],
                         schedule={**hourly, "missedRuns": "RUN_ONCE"})  # fmt: skip
    config = assert_ok(await client.mutate(SET, named))["workflowConfig"]
    assert config["modelVersion"] == {"id": other["id"]}
    much_later = datetime.fromisoformat(config["nextRunAt"]) + timedelta(days=2)
    await fire(database_url, much_later)
    assert await count(client, ids["model"]) == 2
    newest = (await model_runs(client, ids["model"]))["nodes"][0]
    assert newest["modelVersion"] == {"version": "2.0.0"}

    # Paused, it fires nothing; in a PUBLIC project neither.
    paused = config_input(ids, schedule={**hourly, "enabled": False})
    config = assert_ok(await client.mutate(SET, paused))["workflowConfig"]
    assert config["scheduleEnabled"] is False
    await fire(database_url, much_later + timedelta(days=1))
    assert await count(client, ids["model"]) == 2
    config = assert_ok(await client.mutate(SET, config_input(ids, schedule=hourly)))[
        "workflowConfig"
    ]
    pending = await model_runs(client, ids["model"], ["PENDING"])
    refused = await client.mutate(VISIBILITY, {"projectId": ids["project"], "visibility": "PUBLIC"})
    assert_error(refused, "CONFLICT", ["input", "visibility"])
    assert (
        f"{pending['totalCount']} unfinished workflow run(s)" in refused["userErrors"][0]["message"]
    )
    for run in pending["nodes"]:
        assert_ok(await client.mutate(CANCEL, {"workflowRunId": run["id"]}))
    await set_visibility(tenant, ids["project"], "PUBLIC")
    due = datetime.fromisoformat(config["nextRunAt"])
    await fire(database_url, due)
    assert await count(client, ids["model"]) == 2
    assert (await model_runs(client, ids["model"], ["PENDING"]))["totalCount"] == 0


async def test_schedules_are_checked_and_a_config_without_one_runs_by_hand_only(tenant) -> None:  # type: ignore[no-untyped-def]
    client = tenant.client
    ids = await serve(client, tenant.org_id)
    for schedule, field in (
        ({"cron": "0 3 * *"}, ["input", "schedule", "cron"]),
        ({"cron": "61 * * * *"}, ["input", "schedule", "cron"]),
        ({"cron": "0 3 * * *", "timeZone": "Mars/Olympus"}, ["input", "schedule", "timeZone"]),
    ):
        refused = await client.mutate(SET, config_input(ids, schedule=schedule))
        assert_error(refused, "VALIDATION", field)
    version = await create_version(client, ids["model"], "1.0.0")
    other = await create_model(client, ids["project"], serveType="WORKFLOW")
    foreign = await create_version(client, other["id"], "9.9.9")
    assert_error(await client.mutate(SET, config_input(ids, modelVersionId=foreign["id"])),
                 "VALIDATION", ["input", "modelVersionId"])  # fmt: skip
    config = assert_ok(await client.mutate(SET, config_input(ids)))["workflowConfig"]
    assert (config["cron"], config["nextRunAt"], config["modelVersion"]) == (None, None, None)

    # By hand: without a PRODUCTION version or one named, there is nothing to run.
    refused = await client.mutate(CREATE, {"workflowConfigId": config["id"]})
    assert_error(refused, "CONFLICT", ["input", "modelVersionId"])
    refused = await client.mutate(CREATE, {"workflowConfigId": config["id"],
                                           "modelVersionId": foreign["id"]})  # fmt: skip
    assert_error(refused, "NOT_FOUND", ["input", "modelVersionId"])
    made = assert_ok(await client.mutate(CREATE, {"workflowConfigId": config["id"],
                                                  "modelVersionId": version["id"]}))  # fmt: skip
    run = made["workflowRun"]
    assert (run["trigger"], run["scheduledFor"], run["status"]) == ("MANUAL", None, "PENDING")

    # A worker claims it, keeps it, ends it; a second run is cancelled before a claim.
    claimed = assert_ok(await client.mutate(CLAIM, {"worker": "ray-head-0", "limit": 5}))
    assert [r["id"] for r in claimed["workflowRuns"]] == [run["id"]]
    assert claimed["workflowRuns"][0]["leaseOwner"] == "ray-head-0"
    beat = {"workflowRunId": run["id"], "worker": "ray-head-0"}
    assert_ok(await client.mutate(HEARTBEAT, beat))
    assert_error(await client.mutate(HEARTBEAT, {**beat, "worker": "someone-else"}),
                 "CONFLICT", ["input", "worker"])  # fmt: skip
    assert_error(await client.mutate(FINISH, {**beat, "status": "CANCELLED"}),
                 "VALIDATION", ["input", "status"])  # fmt: skip
    done = assert_ok(await client.mutate(FINISH, {**beat, "status": "SUCCEEDED"}))["workflowRun"]
    assert done["status"] == "SUCCEEDED" and done["durationSeconds"] >= 0
    second = assert_ok(await client.mutate(CREATE, {"workflowConfigId": config["id"],
                                                    "modelVersionId": version["id"]}))  # fmt: skip
    cancelled = assert_ok(
        await client.mutate(CANCEL, {"workflowRunId": second["workflowRun"]["id"]})
    )
    assert cancelled["workflowRun"]["status"] == "CANCELLED"
    assert_error(await client.mutate(CANCEL, {"workflowRunId": second["workflowRun"]["id"]}),
                 "INVALID_TRANSITION", ["input", "workflowRunId"])  # fmt: skip
    assert (await model_runs(client, ids["model"], ["SUCCEEDED"]))["totalCount"] == 1
    assert (await model_runs(client, ids["model"]))["totalCount"] == 2
    decode_id(run["id"], "WorkflowRun", [])  # a node of its own type


LIVE = """subscription($id: ID!) { workflowRunStatus(workflowRunId: $id) {
  workflowRunId status leaseOwner errorMessage finishedAt } }"""


async def test_a_workflow_run_is_followed_live_until_it_ends(server, tenant, make_tenant):  # type: ignore[no-untyped-def]
    """workflowRunStatus (gql over graphql-ws): PENDING, claimed, failed by its worker —
    and the stream ends; a cancelled run's stream ends too; another organization cannot
    follow either."""
    client = tenant.client
    ids = await serve(client, tenant.org_id)
    version = await create_version(client, ids["model"], "1.0.0")
    config = assert_ok(await client.mutate(SET, config_input(ids)))["workflowConfig"]
    queued = {"workflowConfigId": config["id"], "modelVersionId": version["id"]}
    run = assert_ok(await client.mutate(CREATE, queued))["workflowRun"]["id"]
    async with ws_client(server.base_url, tenant.key, TRANSPORT_WS) as session:
        stream = session.subscribe(doc(LIVE, id=run))
        first = (await anext(stream))["workflowRunStatus"]
        assert (first["workflowRunId"], first["status"]) == (run, "PENDING")
        assert_ok(await client.mutate(CLAIM, {"worker": "ray-head-0"}))
        claimed = (await anext(stream))["workflowRunStatus"]
        assert (claimed["status"], claimed["leaseOwner"]) == ("RUNNING", "ray-head-0")
        assert_ok(await client.mutate(FINISH, {"workflowRunId": run, "worker": "ray-head-0",
                                               "status": "FAILED", "errorMessage": "OOM"}))  # fmt: skip
        failed = (await anext(stream))["workflowRunStatus"]
        assert (failed["status"], failed["errorMessage"]) == ("FAILED", "OOM")
        assert failed["finishedAt"] is not None
        assert [event async for event in stream] == []  # ended with the run

        second = assert_ok(await client.mutate(CREATE, queued))["workflowRun"]["id"]
        stream = session.subscribe(doc(LIVE, id=second))
        assert (await anext(stream))["workflowRunStatus"]["status"] == "PENDING"
        assert_ok(await client.mutate(CANCEL, {"workflowRunId": second}))
        assert (await anext(stream))["workflowRunStatus"]["status"] == "CANCELLED"
        assert [event async for event in stream] == []

    outsider = await make_tenant("workflow-watcher")
    async with ws_client(server.base_url, outsider.key, TRANSPORT_WS) as session:
        with pytest.raises(TransportQueryError) as refused:
            async for _ in session.subscribe(doc(LIVE, id=run)):
                raise AssertionError("another organization followed the run")
    assert refused.value.errors[0]["extensions"]["code"] == "NOT_FOUND"
