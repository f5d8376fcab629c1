"""Artifact builds (issue 12): one build per model version, from a checked git source;
builders claim from the shared work queue (SKIP LOCKED, lease, heartbeat), a lost lease
retries until the build's retry limit and then fails it; a finished build carries its
image or error, notifies, and its status streams to `buildStatus` subscribers."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from gql import gql
from gql.transport.exceptions import TransportQueryError
from sqlalchemy import text

from app.api.ids import decode_id
from app.db.engine import make_engine
from tests.conftest import GraphQLClient
from tests.helpers import (
    USER_ERRORS,
    assert_error,
    assert_ok,
    create_model,
    create_project,
    create_version,
)
from tests.support.artifact_builds import BUILD, CLAIM, CREATE, SOURCE, build
from tests.support.real_clients import TRANSPORT_WS, ws_client

HEARTBEAT = f"""mutation($input: ArtifactBuildHeartbeatInput!) {{
  artifactBuildHeartbeat(input: $input) {{ artifactBuild {{ {BUILD} }} {USER_ERRORS} }} }}"""
FINISH = f"""mutation($input: ArtifactBuildFinishInput!) {{
  artifactBuildFinish(input: $input) {{ artifactBuild {{ {BUILD} }} {USER_ERRORS} }} }}"""
CANCEL = f"""mutation($input: ArtifactBuildCancelInput!) {{
  artifactBuildCancel(input: $input) {{ artifactBuild {{ {BUILD} }} {USER_ERRORS} }} }}"""
IMAGE = "registry.example.com/acme/fraud:1.0.0"


async def versions(client: GraphQLClient, org_id: str, count: int) -> list[str]:
    project = (await create_project(client, org_id))["id"]
    model = (await create_model(client, project))["id"]
    return [(await create_version(client, model, f"{i}.0.0"))["id"] for i in range(count)]


async def claim(client: GraphQLClient, **input: Any) -> list[dict[str, Any]]:
    return assert_ok(await client.mutate(CLAIM, {"worker": "b1", **input}))["artifactBuilds"]


async def expire(database_url: str, build_id: str) -> None:
    """The lease runs out (moved into the past here, rather than waited for)."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE artifact_builds SET lease_expires_at = now() - interval '1 second' "
                     "WHERE id = :id"),
                {"id": decode_id(build_id, "ArtifactBuild", [])},
            )  # fmt: skip
    finally:
        await engine.dispose()


async def test_a_build_is_claimed_kept_and_finished_with_its_image(tenant):
    client = tenant.client
    v1, v2 = await versions(client, tenant.org_id, 2)
    made = assert_ok(await build(client, v1))["artifactBuild"]
    assert (made["status"], made["sourceRef"], made["sourcePath"], made["claims"]) == (
        "PENDING", "main", "serve", 0)  # fmt: skip
    assert made["createdBy"]["email"] == tenant.email and made["maxAttempts"] == 3
    second = assert_ok(await build(client, v2))["artifactBuild"]
    again = await build(client, v1)  # one build per version
    assert_error(again, "CONFLICT", ["input", "modelVersionId"])

    got = await claim(client, limit=5)
    assert [b["id"] for b in got] == [made["id"], second["id"]]  # oldest first
    assert {(b["status"], b["leaseOwner"], b["claims"]) for b in got} == {("RUNNING", "b1", 1)}
    assert await claim(client, worker="b2") == []
    beat = {"artifactBuildId": made["id"], "worker": "b1", "leaseSeconds": 900}
    kept = assert_ok(await client.mutate(HEARTBEAT, beat))["artifactBuild"]
    assert kept["leaseExpiresAt"] > got[0]["leaseExpiresAt"]
    stolen = await client.mutate(HEARTBEAT, {**beat, "worker": "b2"})
    assert_error(stolen, "CONFLICT", ["input", "worker"])

    finish = {"artifactBuildId": made["id"], "worker": "b1", "status": "SUCCEEDED"}
    no_image = await client.mutate(FINISH, finish)
    assert_error(no_image, "VALIDATION", ["input", "imageUrl"])
    for bad in (
        "not an image",
        "Registry.example.com/UPPER:1",
        "r.example/a@sha256:short",
        "--privileged/x:1",
        "r.example/-x:1",
        "r.example/a/--rm:1",
        "r.example/a:-t",
    ):
        assert_error(await client.mutate(FINISH, {**finish, "imageUrl": bad}), "VALIDATION",
                     ["input", "imageUrl"])  # fmt: skip
    done = assert_ok(await client.mutate(FINISH, {**finish, "imageUrl": IMAGE}))["artifactBuild"]
    assert (done["status"], done["imageUrl"], done["leaseOwner"]) == ("SUCCEEDED", IMAGE, None)
    assert done["finishedAt"] >= done["startedAt"]
    assert_error(await client.mutate(FINISH, {**finish, "imageUrl": IMAGE}), "CONFLICT")
    # The version shows its build; the project lists them by status.
    data = await client.data(
        """query($id: ID!) { node(id: $id) { ... on ModelVersion {
          artifactBuild { status imageUrl } model { project {
            artifactBuilds(status: [RUNNING]) { nodes { id } } } } } } }""",
        {"id": v1},
    )
    version = data["node"]
    assert version["artifactBuild"] == {"status": "SUCCEEDED", "imageUrl": IMAGE}
    assert version["model"]["project"]["artifactBuilds"]["nodes"] == [{"id": second["id"]}]

    failed = {"artifactBuildId": second["id"], "worker": "b1", "status": "FAILED",
              "errorMessage": "Dockerfile not found"}  # fmt: skip
    assert_error(await client.mutate(FINISH, {**failed, "imageUrl": IMAGE}), "VALIDATION",
                 ["input", "imageUrl"])  # fmt: skip
    lost = assert_ok(await client.mutate(FINISH, failed))["artifactBuild"]
    assert (lost["status"], lost["errorMessage"]) == ("FAILED", "Dockerfile not found")
    # A failed build is queued again on request, as the same build.
    retried = assert_ok(await build(client, v2, maxAttempts=1))["artifactBuild"]
    assert (retried["id"], retried["status"], retried["claims"], retried["errorMessage"]) == (
        second["id"], "PENDING", 0, None)  # fmt: skip


async def test_sources_are_checked(tenant):
    client = tenant.client
    [version] = await versions(client, tenant.org_id, 1)
    cases = [
        ({"repositoryUrl": "http://github.com/a/b"}, "repositoryUrl"),
        ({"repositoryUrl": "file:///etc/passwd"}, "repositoryUrl"),
        ({"repositoryUrl": "https://github.com/a/b --upload-pack=x"}, "repositoryUrl"),
        ({"repositoryUrl": "git@-oProxyCommand=touch /tmp/x:a/b"}, "repositoryUrl"),
        ({"repositoryUrl": "https://-x.example/a"}, "repositoryUrl"),
        ({"ref": "main..evil"}, "ref"),
        ({"ref": "-x"}, "ref"),
        ({"ref": "a b"}, "ref"),
        ({"path": "../../etc"}, "path"),
        ({"path": "a/../../b"}, "path"),
        ({"path": "-o/x"}, "path"),
    ]
    for change, field in cases:
        payload = await client.mutate(
            CREATE, {"modelVersionId": version, "source": {**SOURCE, **change}}
        )
        assert_error(payload, "VALIDATION", ["input", "source", field])
    assert_error(
        await build(client, version, maxAttempts=0), "VALIDATION", ["input", "maxAttempts"]
    )
    ssh = {**SOURCE, "repositoryUrl": "git@github.com:acme/fraud.git", "ref": "v1.2.3"}
    assert_ok(await client.mutate(CREATE, {"modelVersionId": version, "source": ssh}))


async def test_a_lost_lease_retries_until_the_limit_then_fails(tenant, database_url):
    client = tenant.client
    [version] = await versions(client, tenant.org_id, 1)
    made = assert_ok(await build(client, version, maxAttempts=2))["artifactBuild"]
    assert [b["claims"] for b in await claim(client, worker="a")] == [1]
    await expire(database_url, made["id"])
    assert [(b["leaseOwner"], b["claims"]) for b in await claim(client, worker="b")] == [("b", 2)]
    await expire(database_url, made["id"])
    assert await claim(client, worker="c") == []  # the expiry failed it: nothing to claim
    data = await client.data(
        "query($id: ID!) { node(id: $id) { ... on ArtifactBuild { status errorMessage "
        "leaseOwner finishedAt } } }",
        {"id": made["id"]},
    )
    node = data["node"]
    assert node["status"] == "FAILED" and node["leaseOwner"] is None and node["finishedAt"]
    assert "retry limit" in node["errorMessage"]


async def test_builds_stay_in_their_organization(tenant, make_tenant):
    client = tenant.client
    [version] = await versions(client, tenant.org_id, 1)
    made = assert_ok(await build(client, version))["artifactBuild"]
    other = await make_tenant("buildx")
    assert_error(await build(other.client, version), "NOT_FOUND", ["input", "modelVersionId"])
    assert await claim(other.client, worker="thief", limit=20) == []
    seen = await other.client.data("query($id: ID!) { node(id: $id) { id } }", {"id": made["id"]})
    assert seen["node"] is None


async def test_two_server_processes_claiming_at_once_never_share_a_build(tenant, other_servers):
    client = tenant.client
    made = {
        assert_ok(await build(client, version))["artifactBuild"]["id"]
        for version in await versions(client, tenant.org_id, 24)
    }
    claimed: list[str] = []

    async def drain(base_url: str, worker: str) -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
            other = GraphQLClient(http, tenant.key)
            while got := await claim(other, worker=worker, limit=2):
                claimed.extend(b["id"] for b in got)

    first, second = other_servers
    await asyncio.gather(
        *(drain(s.base_url, f"{n}-{i}") for n, s in (("a", first), ("b", second))
          for i in range(3))
    )  # fmt: skip
    assert len(claimed) == len(set(claimed)) == len(made) and set(claimed) == made


STATUS = """subscription($id: ID!) { buildStatus(artifactBuildId: $id) {
  artifactBuildId status leaseOwner imageUrl errorMessage } }"""


async def test_a_build_status_streams_until_the_build_ends(server, tenant, make_tenant):
    client = tenant.client
    [version] = await versions(client, tenant.org_id, 1)
    made = assert_ok(await build(client, version))["artifactBuild"]["id"]
    request = gql(STATUS)
    request.variable_values = {"id": made}
    seen: list[tuple[str, str | None, str | None]] = []
    arrived = asyncio.Condition()

    async def reached(count: int) -> None:
        async with arrived:
            await asyncio.wait_for(arrived.wait_for(lambda: len(seen) >= count), 30)

    async with ws_client(server.base_url, tenant.key, TRANSPORT_WS) as session:

        async def read() -> None:
            async for result in session.subscribe(request):
                change = result["buildStatus"]
                assert change["artifactBuildId"] == made
                async with arrived:
                    seen.append((change["status"], change["leaseOwner"], change["imageUrl"]))
                    arrived.notify_all()

        reader = asyncio.create_task(read())
        await reached(1)
        assert [b["id"] for b in await claim(client, worker="pod-3")] == [made]
        await reached(2)
        finish = {"artifactBuildId": made, "worker": "pod-3", "status": "SUCCEEDED",
                  "imageUrl": IMAGE}  # fmt: skip
        assert_ok(await client.mutate(FINISH, finish))
        await asyncio.wait_for(reader, 30)
    assert seen == [("PENDING", None, None), ("RUNNING", "pod-3", None),
                    ("SUCCEEDED", None, IMAGE)]  # fmt: skip

    outsider = await make_tenant("build-watcher")
    async with ws_client(server.base_url, outsider.key, TRANSPORT_WS) as session:
        with pytest.raises(TransportQueryError) as refused:
            async for _ in session.subscribe(request):
                raise AssertionError("another organization saw the build")
    assert refused.value.errors[0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_build_is_cancelled_its_worker_stops_and_it_is_built_again(tenant, make_tenant):
    client = tenant.client
    pending, running = await versions(client, tenant.org_id, 2)
    first = assert_ok(await build(client, pending))["artifactBuild"]
    second = assert_ok(await build(client, running))["artifactBuild"]
    [claimed] = [b for b in await claim(client, limit=2) if b["id"] == second["id"]]
    other = await make_tenant("buildcx")
    assert_error(await other.client.mutate(CANCEL, {"artifactBuildId": first["id"]}), "NOT_FOUND")

    for made in (first, claimed):
        cancelled = assert_ok(await client.mutate(CANCEL, {"artifactBuildId": made["id"]}))
        ended = cancelled["artifactBuild"]
        assert (ended["status"], ended["leaseOwner"]) == ("CANCELLED", None)
        assert ended["finishedAt"] is not None
    # The worker that held the running one hears so at its next heartbeat or finish.
    beat = await client.mutate(HEARTBEAT, {"artifactBuildId": second["id"], "worker": "b1"})
    assert_error(beat, "CONFLICT", ["input", "worker"])
    done = await client.mutate(FINISH, {"artifactBuildId": second["id"], "worker": "b1",
                                        "status": "SUCCEEDED", "imageUrl": IMAGE})  # fmt: skip
    assert_error(done, "CONFLICT", ["input", "worker"])
    assert_error(await client.mutate(CANCEL, {"artifactBuildId": first["id"]}),
                 "INVALID_TRANSITION", ["input", "artifactBuildId"])  # fmt: skip
    assert await claim(client) == []  # nothing cancelled is handed out
    again = assert_ok(await build(client, pending))["artifactBuild"]
    assert (again["id"], again["status"]) == (first["id"], "PENDING")
