"""Changing and retiring (issue 13): environments, experiments, runs and deployments can be
changed where they have mutable fields and retired (soft delete) under the cascade rules
each documents, with permission checks and audit rows."""

from __future__ import annotations

from tests.helpers import (
    EXPERIMENT_CREATE,
    RUN_CREATE,
    RUN_FINISH,
    USER_ERRORS,
    assert_error,
    assert_ok,
    build_graph,
    create_deployment,
    create_environment,
    create_project,
    create_run,
)
from tests.support.datasets import dataset, version
from tests.support.pipelines import RUN_CREATE as PIPELINE_RUN
from tests.support.pipelines import RUN_MOVE, create_pipeline
from tests.support.serving_endpoints import activate, move
from tests.support.tenancy import INVITE, ROLE_UPDATE, my_membership_id

ENV_UPDATE = f"""mutation($input: EnvironmentUpdateInput!) {{
  environmentUpdate(input: $input) {{ environment {{ id description protected config }}
    {USER_ERRORS} }} }}"""
ENV_DELETE = f"""mutation($input: EnvironmentDeleteInput!) {{
  environmentDelete(input: $input) {{ environment {{ id }} {USER_ERRORS} }} }}"""
EXP_MOVE = f"""mutation($input: ExperimentTransitionInput!) {{
  experimentTransition(input: $input) {{ experiment {{ id status }} {USER_ERRORS} }} }}"""
EXP_DELETE = f"""mutation($input: ExperimentDeleteInput!) {{
  experimentDelete(input: $input) {{ experiment {{ id }} {USER_ERRORS} }} }}"""
RUN_DELETE = f"""mutation($input: RunDeleteInput!) {{
  runDelete(input: $input) {{ run {{ id }} {USER_ERRORS} }} }}"""
DEP_DELETE = f"""mutation($input: DeploymentDeleteInput!) {{
  deploymentDelete(input: $input) {{ deployment {{ id }} {USER_ERRORS} }} }}"""
NODE = "query($id: ID!) { node(id: $id) { id } }"
AUDIT = """query($slug: String!, $id: ID!) { organization(slug: $slug) {
  auditLogs(filter: {targetId: $id}) { nodes { action } } } }"""


async def actions(client, slug: str, target: str) -> list[str]:  # type: ignore[no-untyped-def]
    data = await client.data(AUDIT, {"slug": slug, "id": target})
    return [n["action"] for n in data["organization"]["auditLogs"]["nodes"]]


async def test_an_environment_is_changed_then_retired_once_nothing_serves_there(tenant):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    env = ids["environment"]
    changed = assert_ok(await client.mutate(ENV_UPDATE, {
        "environmentId": env, "description": "EU", "protected": True,
        "config": {"region": "eu-west-1"}}))["environment"]  # fmt: skip
    assert (changed["description"], changed["protected"], changed["config"]) == (
        "EU", True, {"region": "eu-west-1"})  # fmt: skip
    kept = assert_ok(await client.mutate(ENV_UPDATE, {"environmentId": env, "description": None}))
    assert kept["environment"]["protected"] is True and kept["environment"]["description"] is None
    assert_error(await client.mutate(ENV_UPDATE, {"environmentId": env, "protected": None}),
                 "VALIDATION", ["input", "protected"])  # fmt: skip

    busy = await client.mutate(ENV_DELETE, {"environmentId": env})
    assert "terminate" in assert_error(busy, "CONFLICT", ["input", "environmentId"])["message"]
    for status in ("TERMINATING", "TERMINATED"):
        assert_ok(await move(client, ids["deployment"], status))
    assert_ok(await client.mutate(ENV_DELETE, {"environmentId": env}))
    assert (await client.data(NODE, {"id": env}))["node"] is None
    assert await actions(client, tenant.org_slug, env) == [
        "environment.delete", "environment.update", "environment.update",
        "environment.create"]  # fmt: skip


async def test_only_admins_change_environments(tenant, make_tenant):
    client = tenant.client
    env = (await create_environment(client, tenant.org_id))["id"]
    other = await make_tenant("envx")
    assert_error(await other.client.mutate(ENV_UPDATE, {"environmentId": env, "config": {}}),
                 "NOT_FOUND")  # fmt: skip
    assert_ok(await client.mutate(INVITE, {"organizationId": tenant.org_id,
                                           "email": "env-admin@example.com", "role": "ADMIN"}))  # fmt: skip
    own = await my_membership_id(client, tenant.org_slug)
    assert_ok(await client.mutate(ROLE_UPDATE, {"membershipId": own, "role": "DEVELOPER"}))
    assert_error(await client.mutate(ENV_DELETE, {"environmentId": env}), "FORBIDDEN")


async def test_experiments_finish_archive_and_retire_with_their_runs(tenant):
    client = tenant.client
    ids = await create_run(client, tenant.org_id)
    experiment, run = ids["experiment"], ids["run"]
    running = await client.mutate(EXP_DELETE, {"experimentId": experiment})
    assert_error(running, "CONFLICT", ["input", "experimentId"])
    assert_error(await client.mutate(RUN_DELETE, {"runId": run}), "INVALID_TRANSITION")
    assert_ok(await client.mutate(RUN_FINISH, {"runId": run, "status": "COMPLETED"}))

    done = assert_ok(await client.mutate(EXP_MOVE, {"experimentId": experiment,
                                                    "status": "COMPLETED"}))  # fmt: skip
    assert done["experiment"]["status"] == "COMPLETED"
    assert_ok(await client.mutate(EXP_MOVE, {"experimentId": experiment, "status": "ARCHIVED"}))
    refused = await client.mutate(RUN_CREATE, {"experimentId": experiment})
    assert_error(refused, "INVALID_TRANSITION", ["input", "experimentId"])
    bad = await client.mutate(EXP_MOVE, {"experimentId": experiment, "status": "COMPLETED"})
    assert_error(bad, "INVALID_TRANSITION", ["input", "status"])
    assert_ok(await client.mutate(EXP_MOVE, {"experimentId": experiment, "status": "ACTIVE"}))
    second = assert_ok(await client.mutate(RUN_CREATE, {"experimentId": experiment}))["run"]["id"]
    assert_ok(await client.mutate(RUN_FINISH, {"runId": second, "status": "FAILED"}))
    assert_ok(await client.mutate(RUN_DELETE, {"runId": second}))
    assert (await client.data(NODE, {"id": second}))["node"] is None

    assert_ok(await client.mutate(EXP_DELETE, {"experimentId": experiment}))
    for gone in (experiment, run):  # the experiment and its runs
        assert (await client.data(NODE, {"id": gone}))["node"] is None
    assert await actions(client, tenant.org_slug, experiment) == [
        "experiment.delete", "experiment.transition", "experiment.transition",
        "experiment.transition", "experiment.create"]  # fmt: skip


async def test_a_deployment_is_retired_only_when_it_does_not_serve(tenant, make_tenant):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    deployment = ids["deployment"]
    await activate(client, deployment)
    serving = await client.mutate(DEP_DELETE, {"deploymentId": deployment})
    assert_error(serving, "INVALID_TRANSITION", ["input", "deploymentId"])
    other = await make_tenant("depx")
    assert_error(await other.client.mutate(DEP_DELETE, {"deploymentId": deployment}), "NOT_FOUND")
    for status in ("TERMINATING", "TERMINATED"):
        assert_ok(await move(client, deployment, status))
    assert_ok(await client.mutate(DEP_DELETE, {"deploymentId": deployment}))
    assert (await client.data(NODE, {"id": deployment}))["node"] is None
    # Its name is free again in that project and environment; a pending one retires too.
    name_free = await create_deployment(client, ids["version"], ids["environment"])
    assert_ok(await client.mutate(DEP_DELETE, {"deploymentId": name_free["id"]}))


DATASET_DELETE = f"""mutation($input: DatasetDeleteInput!) {{
  datasetDelete(input: $input) {{ dataset {{ id }} {USER_ERRORS} }} }}"""
PIPELINE_DELETE = f"""mutation($input: PipelineDeleteInput!) {{
  pipelineDelete(input: $input) {{ pipeline {{ id }} {USER_ERRORS} }} }}"""


async def test_datasets_and_pipelines_are_retired(tenant, make_tenant):

    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    data = await dataset(client, project, "reviews")
    v1 = assert_ok(await version(client, data, "v1"))["datasetVersion"]["id"]
    other = await make_tenant("dsx")
    assert_error(await other.client.mutate(DATASET_DELETE, {"datasetId": data}), "NOT_FOUND")
    assert_ok(await client.mutate(DATASET_DELETE, {"datasetId": data}))
    for gone in (data, v1):  # the dataset and its versions
        assert (await client.data(NODE, {"id": gone}))["node"] is None
    assert await dataset(client, project, "reviews")  # the name is free again

    pipeline = assert_ok(await create_pipeline(client, project))["pipeline"]["id"]
    run = assert_ok(await client.mutate(PIPELINE_RUN, {"pipelineId": pipeline}))["pipelineRun"]
    assert_ok(await client.mutate(RUN_MOVE, {"pipelineRunId": run["id"], "status": "PENDING"}))
    busy = await client.mutate(PIPELINE_DELETE, {"pipelineId": pipeline})
    assert_error(busy, "CONFLICT", ["input", "pipelineId"])
    assert_ok(await client.mutate(RUN_MOVE, {"pipelineRunId": run["id"], "status": "CANCELLED"}))
    assert_ok(await client.mutate(PIPELINE_DELETE, {"pipelineId": pipeline}))
    assert (await client.data(NODE, {"id": pipeline}))["node"] is None


EXP_UPDATE = f"""mutation($input: ExperimentUpdateInput!) {{
  experimentUpdate(input: $input) {{ experiment {{ id name description config }}
    {USER_ERRORS} }} }}"""
DATASET_UPDATE = f"""mutation($input: DatasetUpdateInput!) {{
  datasetUpdate(input: $input) {{ dataset {{ id name description format schema tags }}
    {USER_ERRORS} }} }}"""
VERSION_UPDATE = f"""mutation($input: ModelVersionUpdateInput!) {{
  modelVersionUpdate(input: $input) {{ modelVersion {{ id version description metrics }}
    {USER_ERRORS} }} }}"""


async def test_experiments_datasets_and_versions_change_their_mutable_fields(
    tenant, make_tenant, http, database_url
):
    from tests.support.tenancy import bootstrap_key_for

    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    run = await create_run(client, tenant.org_id)
    experiment = run["experiment"]
    changed = assert_ok(await client.mutate(EXP_UPDATE, {
        "experimentId": experiment, "name": "tuned", "description": "lr sweep",
        "config": {"grid": [0.1, 0.01]}}))["experiment"]  # fmt: skip
    assert (changed["name"], changed["description"], changed["config"]) == (
        "tuned", "lr sweep", {"grid": [0.1, 0.01]})  # fmt: skip
    assert_error(await client.mutate(EXP_UPDATE, {"experimentId": experiment, "name": " "}),
                 "VALIDATION", ["input", "name"])  # fmt: skip
    project = (await client.data(
        "query($id: ID!) { node(id: $id) { ... on Experiment { project { id } } } }",
        {"id": experiment}))["node"]["project"]["id"]  # fmt: skip
    sibling = assert_ok(await client.mutate(EXPERIMENT_CREATE, {
        "projectId": project, "name": "sibling"}))["experiment"]["id"]  # fmt: skip
    clash = await client.mutate(EXP_UPDATE, {"experimentId": sibling, "name": "tuned"})
    assert_error(clash, "CONFLICT", ["input", "name"])

    data = await dataset(client, ids["project"], "reviews", tags=["nlp"])
    updated = assert_ok(await client.mutate(DATASET_UPDATE, {
        "datasetId": data, "description": "customer reviews", "format": "parquet",
        "schema": {"text": "string"}, "tags": ["nlp", "en"]}))["dataset"]  # fmt: skip
    assert (updated["name"], updated["description"], updated["format"], updated["schema"],
            updated["tags"]) == ("reviews", "customer reviews", "parquet", {"text": "string"},
                                 ["nlp", "en"])  # fmt: skip
    search = """query($id: ID!) { node(id: $id) { ... on Project {
      datasets(filter: {search: "customer"}) { nodes { id } } } } }"""
    assert (await client.data(search, {"id": ids["project"]}))["node"]["datasets"]["nodes"] == [
        {"id": data}]  # fmt: skip
    cleared = assert_ok(await client.mutate(DATASET_UPDATE, {
        "datasetId": data, "format": None, "schema": None}))["dataset"]  # fmt: skip
    assert (cleared["format"], cleared["schema"], cleared["tags"]) == (None, None, ["nlp", "en"])

    version_id = ids["version"]
    first = assert_ok(await client.mutate(VERSION_UPDATE, {
        "modelVersionId": version_id, "description": "baseline",
        "metrics": {"auc": 0.91, "f1": 0.8}}))["modelVersion"]  # fmt: skip
    merged = assert_ok(await client.mutate(VERSION_UPDATE, {
        "modelVersionId": version_id, "metrics": {"holdout_auc": 0.88, "f1": None}}))  # fmt: skip
    expected = {key: value for key, value in first["metrics"].items() if key != "f1"}
    assert merged["modelVersion"]["metrics"] == {**expected, "holdout_auc": 0.88}
    assert merged["modelVersion"]["description"] == "baseline"

    # Viewers cannot, other organizations cannot even see; every change is audited.
    email = f"upd-{tenant.org_slug}@example.com"
    assert_ok(await client.mutate(INVITE, {"organizationId": tenant.org_id, "email": email,
                                           "role": "VIEWER"}))  # fmt: skip
    viewer = await bootstrap_key_for(database_url, http, email)
    stranger = await make_tenant("updx")
    for who, code in ((viewer, "FORBIDDEN"), (stranger.client, "NOT_FOUND")):
        assert_error(await who.mutate(EXP_UPDATE, {"experimentId": experiment, "name": "x"}), code)
        assert_error(await who.mutate(DATASET_UPDATE, {"datasetId": data, "tags": []}), code)
        assert_error(await who.mutate(VERSION_UPDATE, {"modelVersionId": version_id,
                                                       "description": "x"}), code)  # fmt: skip
    for target, action in ((experiment, "experiment.update"), (data, "dataset.update"),
                           (version_id, "model_version.update")):  # fmt: skip
        audit = await client.data(AUDIT, {"slug": tenant.org_slug, "id": target})
        assert action in [n["action"] for n in audit["organization"]["auditLogs"]["nodes"]]


PROJECT_UPDATE = f"""mutation($input: ProjectUpdateInput!) {{
  projectUpdate(input: $input) {{ project {{ id settings }} {USER_ERRORS} }} }}"""


async def test_project_settings_are_a_bounded_json_object_owners_change(tenant, make_tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    read = "query($id: ID!) { node(id: $id) { ... on Project { settings } } }"
    assert (await client.data(read, {"id": project}))["node"]["settings"] == {}
    settings = {"defaultChart": {"keys": ["loss"], "smoothing": 0.6}, "pinnedRuns": []}
    made = assert_ok(await client.mutate(PROJECT_UPDATE, {"projectId": project,
                                                          "settings": settings}))  # fmt: skip
    assert made["project"]["settings"] == settings
    compiled = await client.post(read, {"id": project})
    reference = await client.on_resolvers().post(read, {"id": project})
    assert compiled.headers["x-mlgraph-path"] == "compiled"
    assert compiled.content == reference.content
    for bad in ([1, 2], "x", {"big": "x" * 70_000}):
        refused = await client.mutate(PROJECT_UPDATE, {"projectId": project, "settings": bad})
        assert_error(refused, "VALIDATION", ["input", "settings"])
    other = await make_tenant("settx")
    assert_error(await other.client.mutate(PROJECT_UPDATE, {"projectId": project,
                                                            "settings": {}}), "NOT_FOUND")  # fmt: skip
    assert "project.update" in await actions(client, tenant.org_slug, project)
