"""Run artifacts: files of any size next to a run, streamed in and out over HTTP, listed
through GraphQL, their paths refused when they could escape the run, their bytes kept to
the run's readers and within the limits."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_SETTINGS, server_process
from tests.helpers import create_run
from tests.support.project_visibility import member
from tests.support.run_artifacts import ARTIFACTS, get, put, stored_files


async def test_a_file_larger_than_any_request_goes_in_and_out_whole(server, tenant):  # type: ignore[no-untyped-def]
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    data = os.urandom(6 * 1024 * 1024)  # past the 4 MiB limit of other requests
    made = await put(server.base_url, tenant.key, run, "model/weights.bin", data)
    assert made.status_code == 201, made.text
    described = made.json()
    assert described["sha256"] == hashlib.sha256(data).hexdigest()
    assert described["sizeBytes"] == len(data)
    assert described["contentType"] == "application/octet-stream"
    back = await get(server.base_url, tenant.key, run, "model/weights.bin")
    assert back.status_code == 200 and back.content == data
    assert back.headers["etag"] == f'"{described["sha256"]}"'
    assert back.headers["content-disposition"] == "attachment; filename*=UTF-8''weights.bin"
    assert back.headers["x-content-type-options"] == "nosniff"
    assert back.headers["content-length"] == str(len(data))  # as stored, not re-encoded
    assert "content-encoding" not in back.headers
    page = b"<html><script>alert(1)</script></html>"
    assert (await put(server.base_url, tenant.key, run, "report.html", page,
                      **{"Content-Type": "text/html; charset=utf-8"})).status_code == 201  # fmt: skip
    html = await get(server.base_url, tenant.key, run, "report.html")
    assert html.headers["content-type"].startswith("text/html")
    assert html.headers["content-disposition"].startswith("attachment")  # never run as a page
    for reader in (tenant.client, tenant.client.on_resolvers()):
        listed = (await reader.data(ARTIFACTS, {"id": run}))["node"]["artifacts"]
        assert [a["path"] for a in listed["nodes"]] == ["model/weights.bin", "report.html"]
        folder = (await reader.data(ARTIFACTS, {"id": run, "path": "model"}))["node"]
        assert [a["path"] for a in folder["artifacts"]["nodes"]] == ["model/weights.bin"]
    weights = listed["nodes"][0]
    assert weights["downloadUrl"] == f"/v1/runs/{run}/artifacts/model/weights.bin"
    assert (await get(server.base_url, tenant.key, run, weights["downloadUrl"].rsplit(
        "/artifacts/", 1)[1])).content == data  # fmt: skip


async def test_uploading_a_path_again_replaces_the_file(server, tenant):  # type: ignore[no-untyped-def]
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    before = len(stored_files())
    assert (await put(server.base_url, tenant.key, run, "config.yaml", b"lr: 1")).status_code == 201
    assert (await put(server.base_url, tenant.key, run, "config.yaml", b"lr: 2")).status_code == 201
    assert (await get(server.base_url, tenant.key, run, "config.yaml")).content == b"lr: 2"
    listed = (await tenant.client.data(ARTIFACTS, {"id": run}))["node"]["artifacts"]
    assert listed["totalCount"] == 1
    assert len(stored_files()) == before + 1  # the replaced object is gone


@pytest.mark.parametrize(
    "path",
    ["a/%2E%2E/b", "%2E%2E/escape", "/etc/passwd", "a//b", "a/%2E/b", "a%5Cb", "bad%00name",
     "x/", "a" * 256, "/".join(["d"] * 600)],
)  # fmt: skip
async def test_paths_that_could_escape_the_run_are_refused(server, tenant, path):  # type: ignore[no-untyped-def]
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    before = len(stored_files())
    refused = await put(server.base_url, tenant.key, run, path, b"payload")
    assert refused.status_code == 400, (path, refused.text)
    assert refused.json()["errors"][0]["code"] == "VALIDATION"
    assert len(stored_files()) == before
    assert (await tenant.client.data(ARTIFACTS, {"id": run}))["node"]["artifacts"]["nodes"] == []


async def test_another_tenant_neither_reads_nor_overwrites(server, tenant, make_tenant):  # type: ignore[no-untyped-def]
    other = await make_tenant("artifacts")
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    assert (await put(server.base_url, tenant.key, run, "secret.txt", b"mine")).status_code == 201
    for key in (other.key, None):
        assert (await get(server.base_url, key, run, "secret.txt")).status_code == 404
    overwrite = await put(server.base_url, other.key, run, "secret.txt", b"theirs")
    assert overwrite.status_code == 404
    assert (await get(server.base_url, tenant.key, run, "secret.txt")).content == b"mine"
    assert (await tenant.client.data(ARTIFACTS, {"id": run}))["node"]["artifacts"][
        "totalCount"
    ] == 1
    for reader in (other.client, other.client.on_resolvers()):
        assert (await reader.data(ARTIFACTS, {"id": run}))["node"] is None


async def test_viewers_download_and_contributors_upload(server, tenant, http, database_url):  # type: ignore[no-untyped-def]
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    assert (await put(server.base_url, tenant.key, run, "plot.png", b"\x89PNG")).status_code == 201
    viewer = await member(tenant, http, database_url, "VIEWER")
    assert (await get(server.base_url, viewer.key, run, "plot.png")).content == b"\x89PNG"
    refused = await put(server.base_url, viewer.key, run, "plot.png", b"no")
    assert refused.status_code == 403


async def test_the_size_limit_and_the_quota_hold(database_url, tenant, tmp_path):  # type: ignore[no-untyped-def]
    env: dict[str, Any] = {
        "MLGRAPH_ARTIFACT_MAX_BYTES": "1000",
        "MLGRAPH_ARTIFACT_QUOTA_BYTES": "1500",
        "MLGRAPH_ARTIFACT_DIR": str(tmp_path),
    }
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    files = lambda: [p for p in tmp_path.rglob("*") if p.is_file()]  # noqa: E731
    async with server_process(database_url, **env) as other:
        # Streamed without a length: cut off past the limit, nothing kept.
        too_big = await put(other.base_url, tenant.key, run, "big.bin", b"x" * 2000)
        assert too_big.status_code == 413 and files() == []
        assert (await put(other.base_url, tenant.key, run, "a.bin", b"x" * 900)).status_code == 201
        over = await put(other.base_url, tenant.key, run, "b.bin", b"y" * 900)
        assert over.status_code == 413 and over.json()["errors"][0]["code"] == "QUOTA_EXCEEDED"
        again = await put(other.base_url, tenant.key, run, "a.bin", b"z" * 900)  # replaces
        assert again.status_code == 201
        assert len(files()) == 1


VERSION_FROM_RUN = """mutation($input: ModelVersionCreateInput!) {
  modelVersionCreate(input: $input) {
    modelVersion { version artifactUri artifactSizeBytes run { id } }
    userErrors { field code message } } }"""


async def test_a_model_version_points_at_a_run_s_artifacts(server, tenant, make_tenant):  # type: ignore[no-untyped-def]
    from tests.helpers import create_model

    made = await create_run(tenant.client, tenant.org_id)
    run = made["run"]
    for path, size in (("model/MLmodel", 100), ("model/model.pkl", 900), ("model.txt", 7)):
        assert (await put(server.base_url, tenant.key, run, path, b"m" * size)).status_code == 201
    model = (await create_model(tenant.client, made["project"]))["id"]

    async def create(**fields: object) -> dict[str, Any]:
        payload = await tenant.client.mutate(
            VERSION_FROM_RUN, {"modelId": model, "version": fields.pop("version"), **fields}
        )
        return payload  # type: ignore[no-any-return]

    folder = await create(version="1.0.0", runId=run, runArtifactPath="model")
    assert folder["userErrors"] == []
    assert folder["modelVersion"]["artifactUri"] == f"runs:/{run}/model"
    assert folder["modelVersion"]["artifactSizeBytes"] == 1000  # the folder's files, not model.txt
    assert folder["modelVersion"]["run"]["id"] == run
    one = await create(version="1.0.1", runId=run, runArtifactPath="model/model.pkl")
    assert one["modelVersion"]["artifactSizeBytes"] == 900
    for fields, code in (
        ({"runId": run, "runArtifactPath": "nothing/here"}, "NOT_FOUND"),
        ({"runArtifactPath": "model"}, "VALIDATION"),
        ({"runId": run, "runArtifactPath": "model", "artifactUri": "s3://b/m"}, "VALIDATION"),
        ({"runId": run, "runArtifactPath": "../model"}, "VALIDATION"),
    ):
        refused = await create(version="2.0.0", **fields)
        assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
            (["input", "runArtifactPath"], code)
        ], fields
    other = await make_tenant("artifacts")
    theirs = await create_run(other.client, other.org_id)
    foreign = await create(version="2.0.0", runId=theirs["run"], runArtifactPath="model")
    assert [(e["field"], e["code"]) for e in foreign["userErrors"]] == [
        (["input", "runId"], "NOT_FOUND")
    ]


RETIRE = """mutation($input: RunDeleteInput!) { runDelete(input: $input) {
  userErrors { field code message } } }"""
PURGE = """mutation($input: RetentionApplyInput!) { retentionApply(input: $input) {
  deleted { kind rows } userErrors { field code message } } }"""


async def test_a_retired_run_s_files_are_purged_by_retention(server, tenant):  # type: ignore[no-untyped-def]
    from tests.helpers import RUN_FINISH, assert_ok

    retired = (await create_run(tenant.client, tenant.org_id))["run"]
    kept = (await create_run(tenant.client, tenant.org_id))["run"]
    for run in (retired, kept):
        assert (await put(server.base_url, tenant.key, run, "a.bin", b"a" * 10)).status_code == 201
    assert (await put(server.base_url, tenant.key, retired, "b.bin", b"b")).status_code == 201
    before = len(stored_files())
    assert_ok(await tenant.client.mutate(RUN_FINISH, {"runId": retired, "status": "COMPLETED"}))
    assert_ok(await tenant.client.mutate(RETIRE, {"runId": retired}))
    # Retired: nobody reads its files any more...
    assert (await get(server.base_url, tenant.key, retired, "a.bin")).status_code == 404
    # ...and retention removes them, objects and rows, whatever the policy.
    applied = assert_ok(await tenant.client.mutate(PURGE, {"organizationId": tenant.org_id}))
    assert {"kind": "retired_artifacts", "rows": 2} in applied["deleted"]
    assert len(stored_files()) == before - 2
    assert (await get(server.base_url, tenant.key, kept, "a.bin")).content == b"a" * 10
    again = assert_ok(await tenant.client.mutate(PURGE, {"organizationId": tenant.org_id}))
    assert {"kind": "retired_artifacts", "rows": 0} in again["deleted"]


async def test_an_object_store_keeps_the_bytes_and_serves_them_by_presigned_url(  # type: ignore[no-untyped-def]
    tenant, make_tenant, database_url, object_store
):
    """With an S3 store (moto's, over real HTTP) and presigning on, an upload still passes
    through the server (its size limit, quota and SHA-256 hold), while a download is a
    redirect to a presigned URL of the object: the bytes come from the store, after the
    same access checks (another tenant still gets 404, never a URL)."""
    from app.settings import Settings
    from tests.conftest import serve

    object_store.create_bucket(Bucket="artifacts")
    settings = Settings(
        database_url=database_url,
        **{
            **TEST_SETTINGS,
            "artifact_store_url": "s3://artifacts/mlgraph",
            "artifact_presign_seconds": 120,
        },
    )  # type: ignore[arg-type]
    data = os.urandom(300 * 1024)
    async with serve(settings) as running:
        run = (await create_run(tenant.client, tenant.org_id))["run"]
        made = await put(running.base_url, tenant.key, run, "model/weights.bin", data)
        assert made.status_code == 201, made.text
        answer = await get(running.base_url, tenant.key, run, "model/weights.bin")
        assert answer.status_code == 307 and answer.headers["cache-control"] == "no-store"
        location = answer.headers["location"]
        assert location.startswith(os.environ["AWS_ENDPOINT_URL"]) and "X-Amz-Signature" in location
        async with httpx.AsyncClient() as anyone:  # no API key: the signature is the grant
            assert (await anyone.get(location)).content == data
        other = await make_tenant()
        refused = await get(running.base_url, other.key, run, "model/weights.bin")
        assert refused.status_code == 404 and "location" not in refused.headers
    [stored] = object_store.list_objects_v2(Bucket="artifacts", Prefix="mlgraph/artifacts/")[
        "Contents"
    ]
    assert stored["Size"] == len(data)
    assert object_store.get_object(Bucket="artifacts", Key=stored["Key"])["Body"].read() == data
