"""The executors' work queue: claims take the oldest queued jobs a worker can run under a
lease, heartbeats keep them, an expired lease sends a job back to the queue, finishing
ends the lease — and two server processes claiming at once never hand out a job twice."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from gql import gql
from gql.transport.exceptions import TransportQueryError

from tests.conftest import GraphQLClient
from tests.helpers import USER_ERRORS, assert_error, assert_ok
from tests.support.real_clients import TRANSPORT_WS, ws_client
from tests.support.training_jobs import TRANSITION, create_job, setup
from tests.support.training_queue import CLAIM, JOB, expire_lease, queued_job

FINISH = f"""mutation($input: TrainingJobTransitionInput!) {{
  trainingJobTransition(input: $input) {{ trainingJob {{ {JOB} }} {USER_ERRORS} }} }}"""
HEARTBEAT = f"""mutation($input: TrainingJobHeartbeatInput!) {{
  trainingJobHeartbeat(input: $input) {{ trainingJob {{ {JOB} }} {USER_ERRORS} }} }}"""


async def claim(client: GraphQLClient, **input: Any) -> list[dict[str, Any]]:
    return assert_ok(await client.mutate(CLAIM, {"worker": "w1", **input}))["trainingJobs"]


async def test_a_worker_claims_the_oldest_jobs_it_can_run_under_a_lease(tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    gpu = await queued_job(client, ids, name="gpu", resources={"useGpu": True, "gpus": 1,
                                                               "gpuType": "nvidia-a100"})  # fmt: skip
    cpu = [await queued_job(client, ids, name=f"cpu{i}") for i in range(3)]
    assert_ok(await create_job(client, ids, name="pending"))  # not queued: never claimed

    first = await claim(client, limit=2, gpuTypes=[], environmentId=ids["environment"])
    assert [j["id"] for j in first] == cpu[:2]  # CPU-only worker: oldest CPU jobs first
    assert {(j["status"], j["leaseOwner"], j["claims"]) for j in first} == {("RUNNING", "w1", 1)}
    assert all(j["leaseExpiresAt"] and j["startedAt"] for j in first)
    # A worker with the A100 (named in any case) gets the GPU job, then what is left.
    second = await claim(client, worker="w2", limit=5, gpuTypes=["NVIDIA-A100"])
    assert [j["id"] for j in second] == [gpu, cpu[2]]
    assert await claim(client, worker="w3", limit=5) == []

    kept = assert_ok(await client.mutate(HEARTBEAT, {"trainingJobId": cpu[0], "worker": "w1",
                                                     "leaseSeconds": 600}))["trainingJob"]  # fmt: skip
    assert kept["leaseExpiresAt"] > first[0]["leaseExpiresAt"]
    stolen = await client.mutate(HEARTBEAT, {"trainingJobId": cpu[0], "worker": "w2"})
    assert_error(stolen, "CONFLICT", ["input", "worker"])

    # Finishing ends the lease; a heartbeat after that is refused.
    finish = {"trainingJobId": cpu[0], "status": "SUCCEEDED"}
    done = assert_ok(await client.mutate(FINISH, finish))["trainingJob"]
    assert (done["status"], done["leaseOwner"], done["leaseExpiresAt"]) == ("SUCCEEDED", None, None)
    assert_error(await client.mutate(HEARTBEAT, {"trainingJobId": cpu[0], "worker": "w1"}),
                 "CONFLICT", ["input", "worker"])  # fmt: skip


async def test_an_expired_lease_sends_the_job_back_to_the_queue(tenant, database_url):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    job = await queued_job(client, ids)
    assert [j["id"] for j in await claim(client, worker="a")] == [job]
    await expire_lease(database_url, job)  # the lease runs out
    lost = await client.mutate(HEARTBEAT, {"trainingJobId": job, "worker": "a"})
    assert_error(lost, "CONFLICT", ["input", "worker"])
    again = await claim(client, worker="b")
    assert [(j["id"], j["leaseOwner"], j["claims"]) for j in again] == [(job, "b", 2)]
    audit = await client.data(
        "query($slug: String!) { organization(slug: $slug) { auditLogs(first: 20) {"
        " nodes { action targetId } } } }",
        {"slug": tenant.org_slug},
    )
    actions = [(n["action"], n["targetId"]) for n in audit["organization"]["auditLogs"]["nodes"]]
    assert ("training_job.lease_expired", job) in actions


async def test_claims_are_validated_field_by_field(tenant):
    client = tenant.client
    cases = [
        ({"limit": 0}, ["input", "limit"]),
        ({"limit": 51}, ["input", "limit"]),
        ({"leaseSeconds": 5}, ["input", "leaseSeconds"]),
        ({"worker": "  "}, ["input", "worker"]),
        ({"gpuTypes": ["t4", "a100 80gb"]}, ["input", "gpuTypes", "1"]),
        ({"gpuTypes": [f"t{i}" for i in range(51)]}, ["input", "gpuTypes"]),
    ]
    for input, field in cases:
        assert_error(await client.mutate(CLAIM, {"worker": "w", **input}), "VALIDATION", field)


async def test_two_server_processes_claiming_at_once_never_share_a_job(tenant, other_servers):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    jobs = {await queued_job(client, ids, name=f"j{i}") for i in range(40)}
    claimed: list[str] = []

    async def drain(base_url: str, worker: str) -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
            other = GraphQLClient(http, tenant.key)
            while True:
                got = await claim(other, worker=worker, limit=3,
                                  environmentId=ids["environment"])  # fmt: skip
                if not got:
                    return
                claimed.extend(j["id"] for j in got)

    first, second = other_servers
    await asyncio.gather(
        *(drain(server.base_url, f"{n}-{i}") for n, server in (("a", first), ("b", second))
          for i in range(4))
    )  # fmt: skip
    assert len(claimed) == len(set(claimed)) == len(jobs)
    assert set(claimed) == jobs


STATUS = """subscription($id: ID!) { trainingJobStatus(trainingJobId: $id) {
  trainingJobId status leaseOwner errorMessage endedAt } }"""


async def test_a_job_status_streams_to_a_subscriber_until_the_job_ends(server, tenant, make_tenant):
    client = tenant.client
    ids = await setup(client, tenant.org_id)
    job = assert_ok(await create_job(client, ids))["trainingJob"]["id"]
    request = gql(STATUS)
    request.variable_values = {"id": job}
    seen: list[tuple[str, str | None, str | None]] = []
    arrived = asyncio.Condition()

    async def reached(count: int) -> None:
        async with arrived:
            await asyncio.wait_for(arrived.wait_for(lambda: len(seen) >= count), 30)

    async with ws_client(server.base_url, tenant.key, TRANSPORT_WS) as session:

        async def read() -> None:
            async for result in session.subscribe(request):
                change = result["trainingJobStatus"]
                assert change["trainingJobId"] == job
                async with arrived:
                    seen.append((change["status"], change["leaseOwner"], change["errorMessage"]))
                    arrived.notify_all()

        reader = asyncio.create_task(read())
        await reached(1)  # the current state: the subscription is live
        assert_ok(await client.mutate(TRANSITION, {"trainingJobId": job, "status": "QUEUED"}))
        await reached(2)
        assert [j["id"] for j in await claim(client, worker="pod-7")] == [job]
        await reached(3)
        failed = {"trainingJobId": job, "status": "FAILED", "errorMessage": "boom"}
        assert_ok(await client.mutate(TRANSITION, failed))
        await asyncio.wait_for(reader, 30)  # the stream ends with the job
    assert seen == [("PENDING", None, None), ("QUEUED", None, None),
                    ("RUNNING", "pod-7", None), ("FAILED", None, "boom")]  # fmt: skip

    outsider = await make_tenant("train-watcher")
    async with ws_client(server.base_url, outsider.key, TRANSPORT_WS) as session:
        with pytest.raises(TransportQueryError) as refused:
            async for _ in session.subscribe(request):
                raise AssertionError("another organization saw the job")
    assert refused.value.errors[0]["extensions"]["code"] == "NOT_FOUND"
