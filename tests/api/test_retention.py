"""Retention (issue 13): per-organization policies, applied in bounded batches; rollups and
summaries outlive the raw run points, reference embeddings stay, and audit rows are
archived as compressed JSON lines before the one path the append-only rule allows deletes
them."""

from __future__ import annotations

import gzip
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.api.ids import decode_id
from app.asgi import create_app
from app.db.engine import make_engine
from app.db.ids import uuid7
from app.settings import Settings
from tests.conftest import TEST_SETTINGS, GraphQLClient, serve
from tests.helpers import (
    METRICS_RECORD,
    RUN_FINISH,
    USER_ERRORS,
    assert_error,
    assert_ok,
    build_graph,
    create_model,
    create_run,
    log_points,
    transition,
)
from tests.support.logs import LOGS, append, texts
from tests.support.run_artifacts import ARTIFACTS, put, stored_files
from tests.support.run_metrics import HISTORY, POINTS, SUMMARY

SET = f"""mutation($input: RetentionPolicySetInput!) {{
  retentionPolicySet(input: $input) {{ retentionPolicy {{ runMetricsDays monitoringMetricsDays
    predictionsDays embeddingsDays auditLogDays updatedBy {{ email }} }} {USER_ERRORS} }} }}"""
APPLY = f"""mutation($input: RetentionApplyInput!) {{
  retentionApply(input: $input) {{ deleted {{ kind rows }} archives {USER_ERRORS} }} }}"""
PREDICT = f"""mutation($input: PredictionsRecordInput!) {{
  predictionsRecord(input: $input) {{ recordedCount {USER_ERRORS} }} }}"""
COUNTS = """query($id: ID!) { node(id: $id) { ... on Deployment {
  monitoringMetrics(first: 100) { totalCount } predictions(first: 100) { totalCount } } } }"""
OLD = datetime(2020, 1, 1, tzinfo=UTC)


async def sql(database_url: str, *statements: str, **params: object) -> None:
    """The statements in one transaction."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement), params)
    finally:
        await engine.dispose()


async def ancient_audit_rows(database_url: str, org: uuid.UUID) -> list[uuid.UUID]:
    """Three audit rows of 2020 (action ancient.thing, details {"n": 0..2}), oldest first."""
    old_ids = [uuid7() for _ in range(3)]
    for n, row_id in enumerate(old_ids):
        await sql(database_url, "INSERT INTO audit_logs (id, organization_id, action, target_type, "
                  "details, created_at) VALUES (:id, :org, 'ancient.thing', 'Organization', "
                  "CAST(:details AS jsonb), :at)",
                  id=row_id, org=org, details=orjson.dumps({"n": n}).decode(),
                  at=OLD)  # fmt: skip
    return old_ids


def archived(folder: Path) -> list[dict[str, object]]:
    [archive] = list(folder.glob("*.jsonl.gz"))
    return [orjson.loads(line) for line in gzip.decompress(archive.read_bytes()).splitlines()]


async def apply(client: GraphQLClient, org_id: str) -> dict[str, int]:
    payload = assert_ok(await client.mutate(APPLY, {"organizationId": org_id}))
    return {d["kind"]: d["rows"] for d in payload["deleted"]} | {"archives": payload["archives"]}


async def test_old_data_goes_recent_data_and_summaries_stay(tenant, database_url):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    now = datetime.now(UTC)
    points = [{"name": "latency_ms", "value": float(i), "recordedAt": (OLD + timedelta(hours=i)).isoformat()}
              for i in range(5)] + [{"name": "latency_ms", "value": 1.0,
                                     "recordedAt": now.isoformat()}]  # fmt: skip
    assert_ok(await client.mutate(METRICS_RECORD, {"deploymentId": ids["deployment"],
                                                   "points": points}))  # fmt: skip
    predictions = [{"latencyMs": 1.0, "recordedAt": OLD.isoformat()}] * 3 + [{"latencyMs": 2.0}]
    assert_ok(await client.mutate(PREDICT, {"deploymentId": ids["deployment"],
                                            "predictions": predictions}))  # fmt: skip
    old_run = (await create_run(client, tenant.org_id))["run"]
    await log_points(client, old_run, [{"key": "loss", "step": s, "value": s / 2000}
                                       for s in range(2000)])  # fmt: skip
    await append(client, old_run, ["old console line", "another"])
    assert_ok(await client.mutate(RUN_FINISH, {"runId": old_run, "status": "COMPLETED"}))
    await sql(database_url, "UPDATE runs SET ended_at = :at WHERE id = :id", at=OLD,
              id=decode_id(old_run, "Run", []))  # fmt: skip
    live_run = (await create_run(client, tenant.org_id))["run"]
    await log_points(client, live_run, [{"key": "loss", "step": 0, "value": 1.0}])
    await append(client, live_run, ["still running"])

    made = assert_ok(await client.mutate(SET, {
        "organizationId": tenant.org_id, "runMetricsDays": 30, "monitoringMetricsDays": 30,
        "predictionsDays": 30}))["retentionPolicy"]  # fmt: skip
    assert (made["runMetricsDays"], made["auditLogDays"]) == (30, None)
    assert made["updatedBy"]["email"] == tenant.email
    deleted = await apply(client, tenant.org_id)
    assert deleted["monitoring_metrics_days"] == 5 and deleted["predictions_days"] == 3
    assert deleted["run_metrics_days"] >= 1 and deleted["audit_log_days"] == 0

    counts = (await client.data(COUNTS, {"id": ids["deployment"]}))["node"]
    assert counts["monitoringMetrics"]["totalCount"] == 1
    assert counts["predictions"]["totalCount"] == 1
    raw = await client.data(POINTS, {"id": old_run, "key": "loss", "first": 5})
    assert raw["node"]["metric"]["points"]["nodes"] == []  # the raw points went...
    summary = (await client.data(SUMMARY, {"id": old_run}))["node"]["metricSummary"][0]
    assert summary["count"] == 2000  # ...the summary stayed
    history = await client.data(HISTORY, {"id": old_run, "keys": ["loss"], "max": 10})
    buckets = history["node"]["metricHistory"][0]["buckets"]
    assert buckets and sum(b["count"] for b in buckets) >= 1000  # and the rollups chart it
    live = await client.data(POINTS, {"id": live_run, "key": "loss", "first": 5})
    assert len(live["node"]["metric"]["points"]["nodes"]) == 1  # a running run keeps its
    assert texts(await client.data(LOGS, {"id": old_run})) == []  # its console went too
    assert texts(await client.data(LOGS, {"id": live_run})) == ["still running"]
    again = await apply(client, tenant.org_id)
    assert again["monitoring_metrics_days"] == again["predictions_days"] == 0


async def test_audit_rows_are_archived_then_purged_and_stay_append_only(tenant, database_url):
    client = tenant.client
    org = decode_id(tenant.org_id, "Organization", [])
    old_ids = await ancient_audit_rows(database_url, org)
    assert_ok(await client.mutate(SET, {"organizationId": tenant.org_id, "auditLogDays": 365}))
    deleted = await apply(client, tenant.org_id)
    assert deleted["audit_log_days"] == 3 and deleted["archives"] == 1
    lines = archived(TEST_SETTINGS["audit_archive_dir"] / str(org))  # type: ignore[operator]
    assert [line["id"] for line in lines] == [str(i) for i in old_ids]
    assert [line["details"] for line in lines] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert await ancient_rows(client, tenant.org_slug) == 0
    # Outside that path the log is as append-only as ever.
    with pytest.raises(DBAPIError, match="append-only"):
        await sql(database_url, "DELETE FROM audit_logs WHERE organization_id = :org", org=org)
    with pytest.raises(DBAPIError, match="append-only"):
        await sql(database_url, "SET LOCAL mlgraph.audit_purge = 'on'",
                  "UPDATE audit_logs SET action = 'x' WHERE organization_id = :org", org=org)  # fmt: skip


async def test_policies_are_checked_and_for_admins(tenant, make_tenant):
    client = tenant.client
    bad = await client.mutate(SET, {"organizationId": tenant.org_id, "predictionsDays": 0})
    assert_error(bad, "VALIDATION", ["input", "predictionsDays"])
    long = await client.mutate(SET, {"organizationId": tenant.org_id, "auditLogDays": 4000})
    assert_error(long, "VALIDATION", ["input", "auditLogDays"])
    assert_ok(await client.mutate(SET, {"organizationId": tenant.org_id, "predictionsDays": 7}))
    kept = assert_ok(await client.mutate(SET, {"organizationId": tenant.org_id,
                                               "embeddingsDays": 9}))["retentionPolicy"]  # fmt: skip
    assert (kept["predictionsDays"], kept["embeddingsDays"]) == (7, 9)  # one change at a time
    read = await client.data(
        "query($slug: String!) { organization(slug: $slug) { retentionPolicy { predictionsDays } } }",
        {"slug": tenant.org_slug},
    )
    assert read["organization"]["retentionPolicy"] == {"predictionsDays": 7}
    other = await make_tenant("retx")
    assert_error(await other.client.mutate(SET, {"organizationId": tenant.org_id,
                                                 "predictionsDays": 1}), "NOT_FOUND")  # fmt: skip
    assert_error(await other.client.mutate(APPLY, {"organizationId": tenant.org_id}), "NOT_FOUND")
    assert uuid.UUID(int=0)


async def test_audit_rows_are_archived_to_an_object_store(tenant, database_url, object_store):
    org = decode_id(tenant.org_id, "Organization", [])
    old_ids = await ancient_audit_rows(database_url, org)
    assert_ok(
        await tenant.client.mutate(SET, {"organizationId": tenant.org_id, "auditLogDays": 365})
    )
    settings = Settings(
        database_url=database_url, **{**TEST_SETTINGS, "audit_archive_url": "s3://audit/mlgraph"}
    )
    async with serve(settings) as running, httpx.AsyncClient(base_url=running.base_url) as http:
        client = GraphQLClient(http, tenant.key)
        # The bucket does not exist yet: nothing can be archived, so nothing is purged.
        payload = await client.mutate(APPLY, {"organizationId": tenant.org_id})
        assert_error(payload, "UNAVAILABLE", ["input", "organizationId"])
        assert await ancient_rows(client, tenant.org_slug) == 3
        object_store.create_bucket(Bucket="audit")
        deleted = await apply(client, tenant.org_id)
        assert deleted["audit_log_days"] == 3 and deleted["archives"] == 1
        assert await ancient_rows(client, tenant.org_slug) == 0
    [stored] = object_store.list_objects_v2(Bucket="audit", Prefix=f"mlgraph/{org}/")["Contents"]
    assert stored["Key"] == f"mlgraph/{org}/audit-{old_ids[0]}-{old_ids[-1]}.jsonl.gz"
    body = object_store.get_object(Bucket="audit", Key=stored["Key"])["Body"].read()
    lines = [orjson.loads(line) for line in gzip.decompress(body).splitlines()]
    assert [line["id"] for line in lines] == [str(i) for i in old_ids]
    assert [line["details"] for line in lines] == [{"n": 0}, {"n": 1}, {"n": 2}]


async def ancient_rows(client: GraphQLClient, slug: str) -> int:
    logs = await client.data(
        """query($slug: String!) { organization(slug: $slug) {
          auditLogs(first: 100, filter: {action: ["ancient.thing"]}) { totalCount } } }""",
        {"slug": slug},
    )
    return logs["organization"]["auditLogs"]["totalCount"]


def test_an_archive_url_the_server_cannot_use_stops_it_at_startup():
    for url in ("ftp://archive.example/audit", "audit-bucket", "http://archive.example/x"):
        with pytest.raises(ValueError, match="MLGRAPH_AUDIT_ARCHIVE_URL"):
            create_app(Settings(database_url="postgresql://x/y", audit_archive_url=url,
                                **TEST_SETTINGS))  # type: ignore[arg-type]  # fmt: skip


VERSION_FROM_RUN = f"""mutation($input: ModelVersionCreateInput!) {{
  modelVersionCreate(input: $input) {{ modelVersion {{ id }} {USER_ERRORS} }} }}"""
PURGED = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on ModelVersion { version
  artifactPurgedAt } } }"""


async def test_an_archived_versions_files_go_after_the_horizon_unless_in_use(
    server, tenant, database_url
):  # type: ignore[no-untyped-def]
    client = tenant.client
    made = await create_run(client, tenant.org_id)
    run = made["run"]
    for path in ("model/MLmodel", "model/model.pkl", "shared/x.bin", "shared/y.bin", "recent.bin"):
        assert (await put(server.base_url, tenant.key, run, path, b"m" * 10)).status_code == 201
    model = (await create_model(client, made["project"]))["id"]
    versions = {}
    for version, path in (("1.0.0", "model"), ("2.0.0", "shared"), ("2.0.1", "shared/x.bin"),
                          ("3.0.0", "recent.bin")):  # fmt: skip
        versions[version] = assert_ok(await client.mutate(VERSION_FROM_RUN, {
            "modelId": model, "version": version, "runId": run,
            "runArtifactPath": path}))["modelVersion"]["id"]  # fmt: skip
    for version in ("1.0.0", "2.0.0", "3.0.0"):
        assert_ok(await transition(client, versions[version], "ARCHIVED"))
    for version in ("1.0.0", "2.0.0"):  # archived long ago; 3.0.0 just now
        await sql(database_url, "UPDATE model_versions SET stage_changed_at = :at WHERE id = :id",
                  at=OLD, id=decode_id(versions[version], "ModelVersion", []))  # fmt: skip
    before = len(stored_files())

    assert_ok(await client.mutate(SET, {"organizationId": tenant.org_id,
                                        "archivedArtifactsDays": 30}))  # fmt: skip
    deleted = await apply(client, tenant.org_id)
    # 1.0.0's two files went, rows and objects; 2.0.0's stay: 2.0.1, in use, names one.
    assert deleted["archived_artifacts_days"] == 2 and deleted["retired_artifacts"] == 2
    assert len(stored_files()) == before - 2
    listed = await client.data(ARTIFACTS, {"id": run, "path": None})
    assert sorted(n["path"] for n in listed["node"]["artifacts"]["nodes"]) == [
        "recent.bin", "shared/x.bin", "shared/y.bin"]  # fmt: skip
    purged = await client.data(PURGED, {"ids": list(versions.values())})
    assert [v["artifactPurgedAt"] is not None for v in purged["nodes"]] == [
        True, False, False, False]  # fmt: skip
    # Once 2.0.1 is archived too, nothing names shared/ any more: at the horizon it goes.
    assert_ok(await transition(client, versions["2.0.1"], "ARCHIVED"))
    assert (await apply(client, tenant.org_id))["archived_artifacts_days"] == 2
    assert (await apply(client, tenant.org_id))["archived_artifacts_days"] == 0


async def test_rollups_outlive_the_raw_points_and_then_go(tenant, database_url):
    client = tenant.client
    org = tenant.org_id
    for days, field in (({"rollupsDays": 60}, "rollupsDays"),  # raw points kept forever
                        ({"runMetricsDays": 30, "rollupsDays": 20}, "rollupsDays")):  # fmt: skip
        assert_error(await client.mutate(SET, {"organizationId": org, **days}), "VALIDATION",
                     ["input", field])  # fmt: skip
    assert_ok(await client.mutate(SET, {"organizationId": org, "runMetricsDays": 30,
                                        "rollupsDays": 60}))  # fmt: skip
    old_run = (await create_run(client, org))["run"]
    await log_points(client, old_run, [{"key": "loss", "step": s, "value": s} for s in range(100)])
    assert_ok(await client.mutate(RUN_FINISH, {"runId": old_run, "status": "COMPLETED"}))
    await sql(database_url, "UPDATE runs SET ended_at = :at WHERE id = :id", at=OLD,
              id=decode_id(old_run, "Run", []))  # fmt: skip
    deleted = await apply(client, org)
    assert deleted["rollups_days"] >= 1 and deleted["run_metrics_days"] >= 1
    history = await client.data(HISTORY, {"id": old_run, "keys": ["loss"], "max": 10})
    assert history["node"]["metricHistory"][0]["buckets"] == []  # the chart is gone...
    summary = (await client.data(SUMMARY, {"id": old_run}))["node"]["metricSummary"][0]
    assert summary["count"] == 100  # ...the summary stays
