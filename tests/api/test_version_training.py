"""A model version's training details (issue 30, item 5): the artifact's checksum (checked
against its algorithm), hyperparameters (by default its run's params), the training job
that made it, whose status — with the version's stage and deployments — gives its
training status, and its training duration."""

from __future__ import annotations

from tests.helpers import (
    USER_ERRORS,
    assert_error,
    assert_ok,
    create_environment,
    create_model,
    create_project,
    create_run,
)
from tests.support.deployment_lifecycle import TRANSITION as DEPLOYMENT_MOVE
from tests.support.training_jobs import TRANSITION as JOB_MOVE
from tests.support.training_jobs import create_job

SHA = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
FIELDS = """id checksumAlgorithm checksum hyperparameters trainingStatus trainingDurationSeconds
  trainingJob { id } run { id }"""
CREATE = f"""mutation($input: ModelVersionCreateInput!) {{
  modelVersionCreate(input: $input) {{ modelVersion {{ {FIELDS} }} {USER_ERRORS} }} }}"""
READ = f"""query($id: ID!) {{ node(id: $id) {{ ... on ModelVersion {{ {FIELDS} }} }} }}"""
STAGE = f"""mutation($input: ModelVersionTransitionInput!) {{
  modelVersionTransition(input: $input) {{ modelVersion {{ id }} {USER_ERRORS} }} }}"""
DEPLOY = f"""mutation($input: DeploymentCreateInput!) {{
  deploymentCreate(input: $input) {{ deployment {{ id }} {USER_ERRORS} }} }}"""


async def test_checksum_and_hyperparameters(tenant):
    client = tenant.client
    made = await create_run(client, tenant.org_id, params={"lr": 0.01, "depth": 6})
    model = (await create_model(client, made["project"]))["id"]
    sha = {"algorithm": "SHA256", "digest": SHA}
    version = assert_ok(await client.mutate(CREATE, {
        "modelId": model, "version": "1.0.0", "runId": made["run"], "checksum": sha}))  # fmt: skip
    got = version["modelVersion"]
    assert (got["checksumAlgorithm"], got["checksum"]) == ("SHA256", SHA.lower())
    assert got["hyperparameters"] == {"lr": 0.01, "depth": 6}  # the run's params
    given = assert_ok(await client.mutate(CREATE, {
        "modelId": model, "version": "1.0.1", "runId": made["run"],
        "hyperparameters": {"lr": 0.02}}))["modelVersion"]  # fmt: skip
    assert given["hyperparameters"] == {"lr": 0.02} and given["checksum"] is None
    for fields, field in (({"checksum": {"algorithm": "MD5", "digest": SHA}}, "digest"),
                          ({"checksum": {"algorithm": "SHA256", "digest": "g" * 64}}, "digest"),
                          ({"hyperparameters": [1, 2]}, None)):  # fmt: skip
        payload = await client.mutate(CREATE, {"modelId": model, "version": "9.0.0", **fields})
        path = ["input", "checksum", field] if field else ["input", "hyperparameters"]
        assert_error(payload, "VALIDATION", path)


async def test_the_training_job_feeds_the_versions_training_status(tenant, make_tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    environment = (await create_environment(client, tenant.org_id))["id"]
    ids = {"project": project, "environment": environment}
    job = assert_ok(await create_job(client, ids))["trainingJob"]["id"]
    model = (await create_model(client, project))["id"]
    made = assert_ok(await client.mutate(CREATE, {
        "modelId": model, "version": "1.0.0", "trainingJobId": job}))["modelVersion"]  # fmt: skip
    assert made["trainingJob"] == {"id": job}
    assert (made["trainingStatus"], made["trainingDurationSeconds"]) == ("TRAINING", None)

    async def status() -> dict:  # type: ignore[type-arg]
        """As both paths answer it: the compiled statement and the resolvers agree."""
        compiled = await client.post(READ, {"id": made["id"]})
        assert compiled.headers["x-mlgraph-path"] == "compiled"
        reference = await client.on_resolvers().post(READ, {"id": made["id"]})
        assert compiled.content == reference.content
        return compiled.json()["data"]["node"]  # type: ignore[no-any-return]

    for moved in ("QUEUED", "RUNNING"):
        assert_ok(await client.mutate(JOB_MOVE, {"trainingJobId": job, "status": moved}))
        assert (await status())["trainingStatus"] == "TRAINING"
    assert_ok(await client.mutate(JOB_MOVE, {"trainingJobId": job, "status": "SUCCEEDED"}))
    ready = await status()
    assert ready["trainingStatus"] == "READY" and ready["trainingDurationSeconds"] >= 0
    deployment = assert_ok(await client.mutate(DEPLOY, {
        "modelVersionId": made["id"], "environmentId": environment,
        "name": "api"}))["deployment"]["id"]  # fmt: skip
    assert (await status())["trainingStatus"] == "READY"  # PENDING serves nothing yet
    for moved in ("DEPLOYING", "ACTIVE"):
        assert_ok(await client.mutate(DEPLOYMENT_MOVE, {"deploymentId": deployment,
                                                        "status": moved}))  # fmt: skip
    assert (await status())["trainingStatus"] == "DEPLOYED"
    assert_ok(await client.mutate(STAGE, {"modelVersionId": made["id"], "stage": "ARCHIVED"}))
    assert (await status())["trainingStatus"] == "ARCHIVED"

    # A failed job's version says so.
    failed_job = assert_ok(await create_job(client, ids))["trainingJob"]["id"]
    for moved in ("QUEUED", "RUNNING", "FAILED"):
        assert_ok(await client.mutate(JOB_MOVE, {"trainingJobId": failed_job, "status": moved}))
    failed = assert_ok(await client.mutate(CREATE, {
        "modelId": model, "version": "1.0.1", "trainingJobId": failed_job}))  # fmt: skip
    assert failed["modelVersion"]["trainingStatus"] == "FAILED"

    # A job of another project is refused; another organization's is not even seen.
    elsewhere = (await create_project(client, tenant.org_id))["id"]
    other_job = assert_ok(await create_job(client, {**ids, "project": elsewhere}))["trainingJob"]
    refused = await client.mutate(CREATE, {"modelId": model, "version": "2.0.0",
                                           "trainingJobId": other_job["id"]})  # fmt: skip
    assert_error(refused, "VALIDATION", ["input", "trainingJobId"])
    other = await make_tenant()
    theirs = await create_job(other.client, {
        "project": (await create_project(other.client, other.org_id))["id"],
        "environment": (await create_environment(other.client, other.org_id))["id"]})  # fmt: skip
    unseen = await client.mutate(CREATE, {"modelId": model, "version": "2.0.0",
                                          "trainingJobId": theirs["trainingJob"]["id"]})  # fmt: skip
    assert_error(unseen, "NOT_FOUND", ["input", "trainingJobId"])


async def test_a_jobs_run_becomes_the_versions_run(tenant):
    client = tenant.client
    made = await create_run(client, tenant.org_id)
    environment = (await create_environment(client, tenant.org_id))["id"]
    ids = {"project": made["project"], "environment": environment}
    job = assert_ok(await create_job(client, ids))["trainingJob"]["id"]
    for moved in ("QUEUED", "RUNNING"):
        assert_ok(await client.mutate(JOB_MOVE, {"trainingJobId": job, "status": moved}))
    assert_ok(await client.mutate(JOB_MOVE, {"trainingJobId": job, "status": "SUCCEEDED",
                                             "runId": made["run"]}))  # fmt: skip
    model = (await create_model(client, made["project"]))["id"]
    version = assert_ok(await client.mutate(CREATE, {
        "modelId": model, "version": "1.0.0", "trainingJobId": job}))["modelVersion"]  # fmt: skip
    assert version["run"] == {"id": made["run"]}
    other_run = await client.mutate("""mutation($input: RunCreateInput!) {
      runCreate(input: $input) { run { id } userErrors { code } } }""",
        {"experimentId": made["experiment"]})  # fmt: skip
    mismatched = await client.mutate(CREATE, {
        "modelId": model, "version": "1.0.1", "trainingJobId": job,
        "runId": other_run["run"]["id"]})  # fmt: skip
    assert_error(mismatched, "VALIDATION", ["input", "trainingJobId"])
    run = await client.data("""query($id: ID!) { node(id: $id) { ... on Run {
      trainingJob { id } } } }""", {"id": made["run"]})  # fmt: skip
    assert run["node"]["trainingJob"] == {"id": job}
