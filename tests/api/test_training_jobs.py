"""Training jobs: created in a project for a target environment, checked against its GPU
catalogue, moved through PENDING → QUEUED → RUNNING → SUCCEEDED | FAILED, cancelled from
any state that is not final; listed per project (status filter) on the compiled path."""

from __future__ import annotations

from typing import Any

from tests.helpers import (
    EXPERIMENT_CREATE,
    assert_error,
    assert_ok,
    create_environment,
    create_project,
    create_run,
)
from tests.support.gpu_types import create as create_gpu
from tests.support.notifications import DELIVERIES, NRULE, channel
from tests.support.training_jobs import CANCEL, CREATE, DELETE, TRANSITION, create_job, setup

JOBS = """query($id: ID!, $status: [TrainingJobStatus!]) { node(id: $id) { ... on Project {
  trainingJobs(status: $status, first: 10) { totalCount nodes { name status gpuType
    environment { name } } } } } }"""


async def test_a_job_is_created_pending_and_listed_on_both_paths(tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    job = assert_ok(await create_job(client, ids, name="resnet", config={"lr": 0.1},
                                     resources={"cpu": 4.5, "memoryMb": 16384}))["trainingJob"]  # fmt: skip
    assert (job["status"], job["useGpu"], job["gpus"], job["gpuType"], job["cpu"]) == (
        "PENDING", False, 0, None, 4.5)  # fmt: skip
    assert job["project"]["id"] == ids["project"] and job["environment"]["id"] == ids["environment"]
    assert_ok(await create_job(client, ids, name="bert", entryPoint="python train.py",
                               image=None, resources={"useGpu": True, "gpus": 2,
                                                      "gpuType": "NVIDIA-A100"}))  # fmt: skip
    variables = {"id": ids["project"], "status": None}
    compiled = await client.post(JOBS, variables)
    reference = await client.on_resolvers().post(JOBS, variables)
    assert compiled.headers["x-mlgraph-path"] == "compiled"
    assert compiled.content == reference.content
    jobs = compiled.json()["data"]["node"]["trainingJobs"]
    assert [(j["name"], j["gpuType"]) for j in jobs["nodes"]] == [
        ("bert", "nvidia-a100"), ("resnet", None)]  # fmt: skip


async def test_the_gpu_rule_names_the_field_it_breaks(tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    gpu_type = ["input", "resources", "gpuType"]
    gpus = ["input", "resources", "gpus"]
    cases = [
        ({"useGpu": True, "gpus": 1}, gpu_type),  # no type
        ({"useGpu": True, "gpus": 0, "gpuType": "nvidia-a100"}, gpus),  # no GPU
        ({"useGpu": True, "gpus": 1, "gpuType": "h100"}, gpu_type),  # not offered here
        ({"useGpu": True, "gpus": 1, "gpuType": "T4"}, gpu_type),  # disabled here
        ({"useGpu": True, "gpus": 1, "gpuType": "a100 80gb"}, gpu_type),  # not an id at all
        ({"useGpu": False, "gpuType": "nvidia-a100"}, gpu_type),  # a type without useGpu
        ({"useGpu": False, "gpus": 2}, gpus),  # GPUs without useGpu
        ({"gpus": 65, "useGpu": True, "gpuType": "nvidia-a100"}, gpus),
        ({"cpu": 0}, ["input", "resources", "cpu"]),
        ({"memoryMb": -1}, ["input", "resources", "memoryMb"]),
    ]
    for resources, field in cases:
        assert_error(await create_job(client, ids, resources=resources), "VALIDATION", field)
    # The same type offered (enabled) in another environment does not make it offered here.
    other = (await create_environment(client, tenant.org_id))["id"]
    assert_ok(await create_gpu(client, other, key="h100", label="H100"))
    assert_error(
        await create_job(client, ids, resources={"useGpu": True, "gpus": 1, "gpuType": "h100"}),
        "VALIDATION",
        gpu_type,
    )
    assert_error(await create_job(client, ids, image=" ", entryPoint=None), "VALIDATION",
                 ["input", "image"])  # fmt: skip


async def test_the_status_machine_the_executor_link_and_cancel(tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    job = assert_ok(await create_job(client, ids))["trainingJob"]["id"]

    def move(status: str, **fields: Any) -> dict[str, Any]:
        return {"trainingJobId": job, "status": status, **fields}

    assert_error(await client.mutate(TRANSITION, move("RUNNING")), "INVALID_TRANSITION",
                 ["input", "status"])  # fmt: skip
    assert_ok(await client.mutate(TRANSITION, move("QUEUED")))
    assert_error(await client.mutate(TRANSITION, move("RUNNING", errorMessage="x")),
                 "VALIDATION", ["input", "errorMessage"])  # fmt: skip
    assert_error(await client.mutate(TRANSITION, move("RUNNING", executor="KUBERNETES")),
                 "VALIDATION", ["input", "externalId"])  # fmt: skip
    run = (await create_run(client, tenant.org_id))["run"]
    running = assert_ok(await client.mutate(TRANSITION, move(
        "RUNNING", executor="KUBERNETES", externalId="job-42")))["trainingJob"]  # fmt: skip
    assert running["startedAt"] is not None and running["endedAt"] is None
    assert (running["executor"], running["externalId"]) == ("KUBERNETES", "job-42")

    # Another job cannot claim the same executor id in this organization.
    second = assert_ok(await create_job(client, ids))["trainingJob"]["id"]
    assert_ok(await client.mutate(TRANSITION, {"trainingJobId": second, "status": "QUEUED"}))
    taken = await client.mutate(TRANSITION, {"trainingJobId": second, "status": "RUNNING",
                                             "executor": "KUBERNETES", "externalId": "job-42"})  # fmt: skip
    assert_error(taken, "CONFLICT", ["input", "externalId"])

    failed = assert_ok(await client.mutate(TRANSITION, move("FAILED", errorMessage="OOM")))
    assert failed["trainingJob"]["errorMessage"] == "OOM"
    assert failed["trainingJob"]["endedAt"] is not None
    assert_error(await client.mutate(CANCEL, {"trainingJobId": job}), "INVALID_TRANSITION")
    # A run of another project is refused; cancelling a queued job works.
    assert_error(await client.mutate(TRANSITION, {"trainingJobId": second, "status": "CANCELLED",
                                                  "runId": run}), "VALIDATION",
                 ["input", "runId"])  # fmt: skip
    cancelled = assert_ok(await client.mutate(CANCEL, {"trainingJobId": second}))
    assert cancelled["trainingJob"]["status"] == "CANCELLED"

    listed = await client.data(JOBS, {"id": ids["project"], "status": ["FAILED"]})
    assert [j["status"] for j in listed["node"]["trainingJobs"]["nodes"]] == ["FAILED"]


EXPERIMENT_JOBS = """query($id: ID!, $status: [TrainingJobStatus!]) { node(id: $id) {
  ... on Experiment { trainingJobs(status: $status) { totalCount nodes { id } } } } }"""


async def test_a_job_records_the_run_it_produced_in_its_own_project(tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    experiment = assert_ok(await client.mutate(
        EXPERIMENT_CREATE, {"projectId": ids["project"], "name": "exp"}))["experiment"]["id"]  # fmt: skip
    run = (await client.mutate("""mutation($input: RunCreateInput!) {
      runCreate(input: $input) { run { id } userErrors { code } } }""",
        {"experimentId": experiment}))["run"]["id"]  # fmt: skip
    job = assert_ok(await create_job(client, ids, experimentId=experiment))["trainingJob"]
    assert job["experiment"] == {"id": experiment}
    for status in ("QUEUED", "RUNNING"):
        assert_ok(await client.mutate(TRANSITION, {"trainingJobId": job["id"], "status": status}))
    done = assert_ok(await client.mutate(TRANSITION, {"trainingJobId": job["id"],
                                                      "status": "SUCCEEDED", "runId": run}))  # fmt: skip
    assert done["trainingJob"]["run"] == {"id": run}
    assert done["trainingJob"]["status"] == "SUCCEEDED"
    # The experiment lists its jobs (and only its own: a job of the project outside it not).
    assert_ok(await create_job(client, ids))
    listed = await client.data(EXPERIMENT_JOBS, {"id": experiment})
    assert listed["node"]["trainingJobs"] == {"totalCount": 1, "nodes": [{"id": job["id"]}]}
    listed = await client.data(EXPERIMENT_JOBS, {"id": experiment, "status": ["FAILED"]})
    assert listed["node"]["trainingJobs"] == {"totalCount": 0, "nodes": []}


async def test_another_organization_sees_and_moves_nothing(tenant, make_tenant):
    ids = await setup(tenant.client, tenant.org_id)
    job = assert_ok(await create_job(tenant.client, ids))["trainingJob"]["id"]
    outsider = await make_tenant("train-outsider")
    assert_error(await create_job(outsider.client, ids), "NOT_FOUND", ["input", "projectId"])
    moved = await outsider.client.mutate(TRANSITION, {"trainingJobId": job, "status": "QUEUED"})
    assert_error(moved, "NOT_FOUND", ["input", "trainingJobId"])
    assert_error(await outsider.client.mutate(CANCEL, {"trainingJobId": job}), "NOT_FOUND")
    seen = await outsider.client.data("query($id: ID!) { node(id: $id) { id } }", {"id": job})
    assert seen == {"node": None}
    # Its own project cannot target this organization's environment.
    own = (await create_project(outsider.client, outsider.org_id))["id"]
    wrong = await outsider.client.mutate(CREATE, {"projectId": own, "name": "x", "image": "i",
                                                  "environmentId": ids["environment"]})  # fmt: skip
    assert_error(wrong, "NOT_FOUND", ["input", "environmentId"])


async def test_a_finished_job_notifies_the_rules_that_follow_training_jobs(tenant, receiver):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    hook = await channel(client, tenant.org_id, f"{receiver.base_url}/jobs-{tenant.org_slug}")
    follow = {"channelId": hook["id"], "trigger": "TRAINING_JOB_COMPLETE",
              "projectId": ids["project"]}  # fmt: skip
    assert_ok(await client.mutate(NRULE, follow))
    job = assert_ok(await create_job(client, ids, name="nightly"))["trainingJob"]["id"]
    assert_ok(await client.mutate(TRANSITION, {"trainingJobId": job, "status": "QUEUED"}))
    assert_ok(await client.mutate(CANCEL, {"trainingJobId": job}))
    # The delivery is written with the change (the same transaction): no waiting needed.
    nodes = (await client.data(DELIVERIES, {"id": hook["id"]}))["node"]["deliveries"]["nodes"]
    assert [n["eventType"] for n in nodes] == ["training_job.finished"]  # QUEUED sent nothing
    payload = nodes[0]["payload"]
    assert (payload["title"], payload["status"]) == ("nightly cancelled", "cancelled")


RANGE = """query($id: ID!, $from: DateTime, $to: DateTime) { node(id: $id) { ... on Project {
  trainingJobs(createdFrom: $from, createdTo: $to, orderBy: CREATED_ASC) {
    totalCount nodes { name createdAt } } } } }"""


async def test_jobs_are_filtered_by_creation_time_on_both_paths(tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    made = [assert_ok(await create_job(client, ids, name=f"j{i}"))["trainingJob"] for i in range(3)]
    middle = made[1]["createdAt"]
    cases = [({"from": middle}, ["j1", "j2"]), ({"to": middle}, ["j0", "j1"]),
             ({"from": middle, "to": middle}, ["j1"]), ({"from": "2999-01-01T00:00:00Z"}, [])]  # fmt: skip
    for window, names in cases:
        variables = {"id": ids["project"], **window}
        compiled = await client.post(RANGE, variables)
        reference = await client.on_resolvers().post(RANGE, variables)
        assert compiled.headers["x-mlgraph-path"] == "compiled"
        assert compiled.content == reference.content
        jobs = compiled.json()["data"]["node"]["trainingJobs"]
        assert [j["name"] for j in jobs["nodes"]] == names and jobs["totalCount"] == len(names)
    backwards = await client.execute(RANGE, {"id": ids["project"], "from": made[2]["createdAt"],
                                             "to": made[0]["createdAt"]})  # fmt: skip
    assert backwards["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_finished_job_is_retired_from_lists_node_and_lineage(tenant, make_tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    kept = assert_ok(await create_job(client, ids, name="kept"))["trainingJob"]["id"]
    job = assert_ok(await create_job(client, ids, name="gone"))["trainingJob"]["id"]
    assert_error(await client.mutate(DELETE, {"trainingJobId": job}), "INVALID_TRANSITION",
                 ["input", "trainingJobId"])  # fmt: skip
    assert_ok(await client.mutate(CANCEL, {"trainingJobId": job}))
    other = await make_tenant("jobdel")
    assert_error(await other.client.mutate(DELETE, {"trainingJobId": job}), "NOT_FOUND")
    retired = assert_ok(await client.mutate(DELETE, {"trainingJobId": job}))["trainingJob"]
    assert retired == {"id": job, "status": "CANCELLED"}

    variables = {"id": ids["project"], "status": None}
    compiled = await client.post(JOBS, variables)
    reference = await client.on_resolvers().post(JOBS, variables)
    assert compiled.content == reference.content
    jobs = compiled.json()["data"]["node"]["trainingJobs"]
    assert ([j["name"] for j in jobs["nodes"]], jobs["totalCount"]) == (["kept"], 1)
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await client.data(node, {"id": job}))["node"] is None
    assert (await client.data(node, {"id": kept}))["node"] == {"id": kept}
    assert_error(await client.mutate(DELETE, {"trainingJobId": job}), "NOT_FOUND")
