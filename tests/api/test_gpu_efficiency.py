"""GPU efficiency (issue 29, item 3): GPU-hours per training job and summed per project,
GPU type, run and model version of an organization (never a hidden project's); and the
idle-GPU health rule over the system metrics the Python client samples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from app.api.ids import decode_id
from app.db.engine import make_engine
from tests.helpers import (
    VERSION_CREATE,
    assert_ok,
    create_environment,
    create_model,
    create_project,
    create_run,
)
from tests.support.gpu_types import create as create_gpu
from tests.support.health import EVALUATE, log_series, rule, run_alerts, silent_since
from tests.support.project_visibility import member_with_email, set_visibility
from tests.support.tenancy import MEMBER_SET
from tests.support.training_jobs import TRANSITION, create_job
from tests.support.training_queue import CLAIM

USAGE = """query($slug: String!, $groupBy: [GpuUsageGroup!]!, $projectId: ID) {
  organization(slug: $slug) { gpuUsage(groupBy: $groupBy, projectId: $projectId) {
    jobs gpuHours gpuType project { id } run { id } modelVersion { id } } } }"""
JOB_HOURS = "query($id: ID!) { node(id: $id) { ... on TrainingJob { gpuHours status } } }"
START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


async def set_times(database_url: str, job: str, **times: datetime) -> None:
    """A job's clock (started_at, ended_at, heartbeat_at) set as a run of known length."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as connection:
            assignments = ", ".join(f"{name} = :{name}" for name in times)
            await connection.execute(
                text(f"UPDATE training_jobs SET {assignments} WHERE id = :id"),
                {**times, "id": decode_id(job, "TrainingJob", [])},
            )
    finally:
        await engine.dispose()


async def gpu_job(client, ids, gpus: int, run: str | None = None) -> str:  # type: ignore[no-untyped-def]
    resources = {"useGpu": True, "gpus": gpus, "gpuType": "nvidia-a100"}
    job = assert_ok(await create_job(client, ids, resources=resources))["trainingJob"]["id"]
    move = {"trainingJobId": job, "status": "QUEUED", **({"runId": run} if run else {})}
    assert_ok(await client.mutate(TRANSITION, move))
    claimed = assert_ok(await client.mutate(CLAIM, {"worker": "w", "limit": 50}))
    assert job in [j["id"] for j in claimed["trainingJobs"]]
    return job


async def usage(client, slug: str, *group_by: str, project: str | None = None):  # type: ignore[no-untyped-def]
    variables = {"slug": slug, "groupBy": list(group_by), "projectId": project}
    return (await client.data(USAGE, variables))["organization"]["gpuUsage"]


async def test_gpu_hours_per_job_run_version_project_and_organization(
    tenant, make_tenant, http, database_url
):
    client = tenant.client
    environment = (await create_environment(client, tenant.org_id))["id"]
    assert_ok(await create_gpu(client, environment, key="nvidia-a100", label="A100"))
    ids = await create_run(client, tenant.org_id)
    first = {"project": ids["project"], "environment": environment}
    other = {"project": (await create_project(client, tenant.org_id))["id"],
             "environment": environment}  # fmt: skip
    trained = await gpu_job(client, first, gpus=2, run=ids["run"])
    short = await gpu_job(client, first, gpus=1)
    running = await gpu_job(client, other, gpus=1)
    cpu = assert_ok(await create_job(client, first))["trainingJob"]["id"]  # no GPU: not counted
    await set_times(database_url, trained, started_at=START, ended_at=START + timedelta(hours=1))
    await set_times(database_url, short, started_at=START,
                    ended_at=START + timedelta(minutes=30, seconds=59, microseconds=900))  # fmt: skip
    # Still running: counted to its worker's last heartbeat.
    await set_times(database_url, running, started_at=START,
                    heartbeat_at=START + timedelta(hours=3))  # fmt: skip
    model = await create_model(client, ids["project"])
    version = assert_ok(await client.mutate(VERSION_CREATE, {
        "modelId": model["id"], "version": "1.0.0", "runId": ids["run"]}))["modelVersion"]["id"]  # fmt: skip

    for reader in (client, client.on_resolvers()):  # compiled and resolver paths agree
        hours = {j: (await reader.data(JOB_HOURS, {"id": j}))["node"]["gpuHours"]
                 for j in (trained, short, running, cpu)}  # fmt: skip
        assert hours == {trained: 2.0, short: 1859 / 3600, running: 3.0, cpu: 0.0}

    [total] = await usage(client, tenant.org_slug)
    assert (total["jobs"], total["gpuHours"]) == (3, 2.0 + 1859 / 3600 + 3.0)
    by_project = await usage(client, tenant.org_slug, "PROJECT")
    assert [(p["project"]["id"], p["jobs"], p["gpuHours"]) for p in by_project] == [
        (other["project"], 1, 3.0), (ids["project"], 2, 2.0 + 1859 / 3600)]  # fmt: skip
    [typed] = await usage(client, tenant.org_slug, "GPU_TYPE", project=ids["project"])
    assert (typed["gpuType"], typed["jobs"], typed["project"]) == ("nvidia-a100", 2, None)
    runs = await usage(client, tenant.org_slug, "RUN", project=ids["project"])
    assert [(r["run"] and r["run"]["id"], r["gpuHours"]) for r in runs] == [
        (ids["run"], 2.0), (None, 1859 / 3600)]  # fmt: skip
    [made] = await usage(client, tenant.org_slug, "MODEL_VERSION")
    assert (made["modelVersion"]["id"], made["gpuHours"], made["jobs"]) == (version, 2.0, 1)

    # A developer who is not a member of a private project does not see its GPU-hours.
    await set_visibility(tenant, other["project"], "PRIVATE")
    developer, email = await member_with_email(tenant, http, database_url, "DEVELOPER")
    assert_ok(await client.mutate(MEMBER_SET, {"projectId": ids["project"], "email": email,
                                               "role": "VIEWER"}))  # fmt: skip
    [seen] = await usage(developer, tenant.org_slug)
    assert (seen["jobs"], seen["gpuHours"]) == (2, 2.0 + 1859 / 3600)
    hidden = await developer.data(JOB_HOURS, {"id": running})
    assert hidden["node"] is None

    # Another organization's project sums nothing here; an id of another type is refused.
    stranger = await make_tenant("gpu-other")
    theirs = (await create_project(stranger.client, stranger.org_id))["id"]
    [none] = await usage(client, tenant.org_slug, project=theirs)
    assert (none["jobs"], none["gpuHours"]) == (0, 0.0)
    wrong = await client.execute(USAGE, {"slug": tenant.org_slug, "groupBy": [],
                                         "projectId": ids["run"]})  # fmt: skip
    assert wrong["errors"][0]["message"] == "projectId is not a Project id"


async def test_idle_gpus_open_an_alert_on_the_clock(tenant, database_url):
    client = tenant.client
    idle = await create_run(client, tenant.org_id)
    busy = await create_run(client, tenant.org_id)
    for ids in (idle, busy):
        await rule(client, ids["project"], {"idleGpu": {"percent": 10, "seconds": 600}},
                   name="idle")  # fmt: skip
    minute = 60_000.0
    start = START.timestamp() * 1000
    stamps = [start + i * minute for i in range(12)]  # 11 minutes of samples, one a minute
    for gpu, value in ((0, 3.0), (1, 5.0)):
        key = f"system/gpu.{gpu}.utilization_percent"
        assert_ok(await log_series(client, idle["run"], key, list(range(12)), [value] * 12,
                                   stamps))  # fmt: skip
        busy_values = [value] * 11 + ([60.0] if gpu == 1 else [value])  # one GPU woke up
        assert_ok(await log_series(client, busy["run"], key, list(range(12)), busy_values,
                                   stamps))  # fmt: skip
    evaluate = {"organizationId": tenant.org_id}
    # Neither run has held its GPUs for 600 s yet (by the server's clock).
    assert assert_ok(await client.mutate(EVALUATE, evaluate))["alertsOpened"] == []
    for ids in (idle, busy):
        await silent_since(database_url, run=ids["run"], seconds=700)
    [alert] = assert_ok(await client.mutate(EVALUATE, evaluate))["alertsOpened"]
    assert alert["run"]["id"] == idle["run"]
    assert alert["title"] == "idle: GPU utilisation at most 5% for 600 s (below 10%)"
    assert (await run_alerts(client, busy["run"]))["totalCount"] == 0
