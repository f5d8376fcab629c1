"""Health, readiness, offline GraphiQL, the committed schema, and the CLI."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess

import httpx
import orjson
from sqlalchemy import text

from app.db.backup import _binary
from app.db.engine import make_engine
from app.server.schema import build_schema
from app.settings import REPO_ROOT, Settings
from tests.conftest import TEST_SECRET_KEY, GraphQLClient, create_database, serve
from tests.support.operations import run_cli


async def test_healthz(http):
    response = await http.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_readyz_when_migrated(http):
    response = await http.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


async def test_readyz_reports_pending_migrations(pg_server_url):
    url = await create_database(pg_server_url, f"mlgraph_unmigrated_{os.getpid()}")
    async with serve(Settings(database_url=url, secret_key=TEST_SECRET_KEY)) as running:
        async with httpx.AsyncClient(base_url=running.base_url) as client:
            response = await client.get("/readyz")
            assert (await client.get("/healthz")).status_code == 200
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


async def test_graphiql_is_served_with_local_assets_only(http):
    page = await http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "GraphiQL" in page.text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(src.startswith("/static/") for src in sources), sources
    assert "unpkg.com" not in page.text and "cdn" not in page.text.lower()
    for src in sources:
        asset = await http.get(src)
        assert asset.status_code == 200 and len(asset.content) > 1000, src


def test_committed_schema_matches_the_code():
    committed = (REPO_ROOT / "schema.graphql").read_text()
    assert committed == build_schema().as_str() + "\n", (
        "schema.graphql is stale: run `mlgraph export-schema > schema.graphql`"
    )


async def test_create_key_bootstraps_an_admin(database_url, http):
    done = run_cli(
        "create-key",
        "--email",
        "ops@example.com",
        "--organization",
        "ops-team",
        database_url=database_url,
    )
    assert done.returncode == 0, done.stderr
    secret = done.stdout.strip().splitlines()[-1]
    client = GraphQLClient(http, secret)
    data = await client.data('{ organization(slug: "ops-team") { slug viewerRole plan } }')
    assert data["organization"] == {"slug": "ops-team", "viewerRole": "ADMIN", "plan": "ENTERPRISE"}
    bad = run_cli(
        "create-key", "--email", "nope", "--organization", "ops-team", database_url=database_url
    )
    assert bad.returncode == 2 and "email" in bad.stderr


async def test_seed_demo_tells_the_acme_story(pg_server_url, http):
    url = await create_database(pg_server_url, f"mlgraph_demo_{os.getpid()}")
    done = run_cli("seed", "--demo", database_url=url)
    assert done.returncode == 0 and "demo loaded" in done.stdout, done.stderr
    again = run_cli("seed", "--demo", database_url=url)
    assert "already present" in again.stdout
    key = run_cli(
        "create-key", "--email", "admin@acme.example", "--organization", "acme", database_url=url
    ).stdout.strip()
    async with serve(Settings(database_url=url, secret_key=TEST_SECRET_KEY)) as running:
        async with httpx.AsyncClient(base_url=running.base_url) as raw:
            data = await GraphQLClient(raw, key).data(DEMO_QUERY)
            lineage = await GraphQLClient(raw, key).data(LINEAGE_QUERY)
            governance = await GraphQLClient(raw, key).data(GOVERNANCE_QUERY)
    project = data["organization"]["projects"]["nodes"][0]
    assert project["slug"] == "fraud-detection"
    model = project["models"]["nodes"][0]
    assert model["name"] == "credit-card-fraud"
    stages = {v["version"]: v["stage"] for v in model["versions"]["nodes"]}
    assert stages == {"1.0.0": "PRODUCTION", "1.1.0": "STAGING", "1.2.0": "DEVELOPMENT"}
    runs = project["experiments"]["nodes"][0]["runs"]["nodes"]
    assert [r["name"] for r in runs] == ["depth-8", "depth-6", "depth-4"]  # by last val/auc
    assert runs[0]["modelVersions"]["nodes"] == [{"version": "1.2.0"}]
    assert runs[0]["metricSummary"][0]["count"] == 500
    assert project["alertRules"]["totalCount"] == 1
    deployment = project["deployments"]["nodes"][0]
    assert deployment["name"] == "fraud-api-prod"
    assert deployment["modelVersion"]["version"] == "1.0.0"
    assert deployment["monitoringMetrics"]["totalCount"] > 0

    # The README's lineage query: from the production version up to the raw data.
    demo = lineage["organization"]["projects"]["nodes"][0]
    graph = demo["models"]["nodes"][0]["productionVersion"]["lineage"]
    labels = {(n["type"], n["label"], n["depth"]) for n in graph["nodes"]}
    assert labels == {("ModelVersion", "credit-card-fraud 1.0.0", 0), ("Run", "depth-4", 1),
                      ("DatasetVersion", "card-transactions 2026q3", 2),
                      ("DatasetVersion", "card-transactions 2026q2", 2)}  # fmt: skip
    assert {(e["kind"], e["role"]) for e in graph["edges"]} == {
        ("TRAINED", None), ("CONSUMED", "TRAIN"), ("CONSUMED", "TEST"), ("DERIVED", None)}  # fmt: skip
    assert demo["trainingJobs"]["nodes"] == [
        {"name": "nightly-retrain/train", "status": "SUCCEEDED", "gpuType": None},
        {"name": "depth-8 on A100", "status": "SUCCEEDED", "gpuType": "nvidia-a100"}]  # fmt: skip
    runs = demo["pipelines"]["nodes"][0]["runs"]["nodes"]
    assert runs == [{"status": "SUCCEEDED", "currentStage": "deploy"}]
    environments = lineage["organization"]["environments"]["nodes"]
    gpus = {e["name"]: [g["key"] for g in e["gpuTypes"]["nodes"]] for e in environments}
    assert gpus["staging"] == ["nvidia-a100", "nvidia-t4"]

    # The README's release governance query: aliases with history, a gated canary.
    story = governance["organization"]["projects"]["nodes"][0]["models"]["nodes"][0]
    aliases = {a["name"]: a for a in story["aliases"]["nodes"]}
    assert aliases["champion"]["protected"] and aliases["champion"]["modelVersion"] == {
        "version": "1.0.0"}  # fmt: skip
    moves = [(h["fromVersion"], h["toVersion"]) for h in aliases["challenger"]["history"]["nodes"]]
    assert moves == [({"version": "1.1.0"}, {"version": "1.2.0"}), (None, {"version": "1.1.0"})]
    assert story["registryLinks"]["nodes"] == [
        {"registry": "huggingface", "externalId": "acme/credit-card-fraud", "syncState": "SYNCED"}]  # fmt: skip
    endpoints = {e["environment"]["name"]: e for e in story["endpoints"]["nodes"]}
    prod = endpoints["production"]
    assert prod["activeDeployment"] == {"name": "fraud-api-prod"}
    assert [(d["name"], d["trafficPercentage"], d["modelVersion"]["version"])
            for d in prod["trafficSplit"]["nodes"]] == [
        ("fraud-api-prod", 90, "1.0.0"), ("fraud-api-canary", 10, "1.1.0")]  # fmt: skip
    assert prod["promotionPolicy"]["bakeMinutes"] == 60
    assert endpoints["staging"]["promotionPolicy"] is None


GOVERNANCE_QUERY = """{
  organization(slug: "acme") { projects(first: 1) { nodes { models(first: 1) { nodes {
    aliases { nodes { name protected modelVersion { version }
      history { nodes { fromVersion { version } toVersion { version } actor { email } } } } }
    registryLinks { nodes { registry externalId syncState } }
    endpoints { nodes { environment { name } url activeDeployment { name }
      trafficSplit { nodes { name trafficPercentage modelVersion { version } } }
      promotionPolicy { bakeMinutes maxAlertSeverity metricBounds } } } } } } } }
}"""
LINEAGE_QUERY = """{
  organization(slug: "acme") {
    environments { nodes { name gpuTypes { nodes { key } } } }
    projects(first: 1) { nodes {
      models(first: 1) { nodes { productionVersion {
        lineage(direction: UPSTREAM, depth: 5) {
          nodes { type label depth } edges { from to kind role } } } } }
      trainingJobs { nodes { name status gpuType } }
      pipelines { nodes { runs { nodes { status currentStage } } } } } } }
}"""

DEMO_QUERY = """{
  organization(slug: "acme") { projects(first: 5) { nodes { slug
    models { nodes { name versions { nodes { version stage } } } }
    alertRules { totalCount }
    experiments { nodes { runs(orderBy: METRIC_DESC, orderKey: "val/auc") { nodes {
      name status modelVersions { nodes { version } } metricSummary(keys: ["val/auc"]) { count } } } } }
    deployments(first: 1, filter: {status: [ACTIVE]}, orderBy: CREATED_ASC) { nodes {
      name modelVersion { version } monitoringMetrics(first: 1) { totalCount } } }
  } } }
}"""


async def test_backup_then_restore_into_an_empty_database_brings_everything_back(
    pg_server_url, tmp_path
):
    source = await create_database(pg_server_url, f"mlgraph_backup_src_{os.getpid()}")
    assert run_cli("seed", "--demo", database_url=source).returncode == 0
    dump = tmp_path / "nested" / "mlgraph.dump"
    done = run_cli("backup", "--output", str(dump), database_url=source)
    assert done.returncode == 0, done.stderr
    assert dump.stat().st_size > 10_000

    target = await create_database(pg_server_url, f"mlgraph_backup_dst_{os.getpid()}")
    refused = run_cli("restore", "--input", str(dump), database_url=target)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    missing = run_cli("restore", "--input", str(tmp_path / "none"), "--yes", database_url=target)
    assert missing.returncode == 1 and "no dump" in missing.stderr
    restored = run_cli("restore", "--input", str(dump), "--yes", database_url=target)
    assert restored.returncode == 0, restored.stderr
    # Restoring twice is fine (the dump's objects are dropped first).
    assert run_cli("restore", "--input", str(dump), "--yes", database_url=target).returncode == 0

    key = run_cli(
        "create-key", "--email", "admin@acme.example", "--organization", "acme",
        database_url=target,
    ).stdout.strip()  # fmt: skip
    async with serve(Settings(database_url=target, secret_key=TEST_SECRET_KEY)) as running:
        async with httpx.AsyncClient(base_url=running.base_url) as raw:
            assert (await raw.get("/readyz")).json()["status"] == "ready"
            data = await GraphQLClient(raw, key).data(GOVERNANCE_QUERY)
    model = data["organization"]["projects"]["nodes"][0]["models"]["nodes"][0]
    assert {a["name"] for a in model["aliases"]["nodes"]} == {"champion", "challenger"}
    assert len(model["endpoints"]["nodes"]) == 2


async def test_logs_are_json_lines_when_asked(pg_server_url):
    url = await create_database(pg_server_url, f"mlgraph_json_logs_{os.getpid()}")
    done = run_cli("migrate", database_url=url, MLGRAPH_LOG_FORMAT="json")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("{")]
    assert lines, done.stderr
    entries = [orjson.loads(line) for line in lines]
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)


async def test_migrate_times_itself_and_backs_up_a_database_holding_data(pg_server_url, tmp_path):
    """Issue 30, item 9: ``mlgraph migrate`` says what it did and how long it took; a
    database holding data is dumped first (a restorable backup, named after the
    revisions), an empty one is not, ``--no-backup`` skips it, and nothing to do is said."""
    url = await create_database(pg_server_url, f"mlgraph_migrate_{os.getpid()}")
    backups = tmp_path / "backups"

    def migrate(*args: str) -> str:
        done = run_cli("migrate", "--backup-dir", str(backups), *args, database_url=url)
        assert done.returncode == 0, done.stderr
        return done.stdout

    first = migrate("--revision", "0047")
    assert re.fullmatch(r"migrated from an empty database to 0047 in \d+\.\d s\n", first)
    assert not backups.exists()  # nothing to lose yet
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO organizations (id, slug, name, plan, status) "
                "VALUES (gen_random_uuid(), 'kept', 'Kept', 'starter', 'active')"))  # fmt: skip
    finally:
        await engine.dispose()

    second = migrate()  # to head: the organization is worth a backup
    [dump] = list(backups.iterdir())
    named = re.fullmatch(r"mlgraph-0047-to-(\d{4})-\d{8}T\d{6}Z\.dump", dump.name)
    assert named, dump.name
    head = named.group(1)
    assert re.fullmatch(
        rf"backup first: {re.escape(str(dump))} \(\d+\.\d s\)\n"
        rf"migrated from 0047 to {head} in \d+\.\d s\n",
        second,
    ), second
    listed = (await asyncio.to_thread(subprocess.run, [_binary("pg_restore"), "--list", str(dump)],
                                      capture_output=True, text=True, check=True)).stdout  # fmt: skip
    assert "TABLE DATA public organizations" in listed

    assert migrate() == f"already at {head}: nothing to do\n"
    down = migrate("--downgrade", "0048", "--no-backup")
    assert "migrated from" in down and "backup" not in down
    assert len(list(backups.iterdir())) == 1
