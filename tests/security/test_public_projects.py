"""PUBLIC projects (issue 30, item 7): read by every member and key of the organization, never
written — not by their owners, not by the organization's admins — until an owner sets the
visibility back; published only once nothing in them still runs or serves.

The write rule is tried on every id slot of every mutation, taken from the schema
(tests/id_slots.py): the organization's admin puts each object of the PUBLIC project in
each slot that takes its type. Every such request is refused FORBIDDEN, saying the project
is PUBLIC — unless the slot only *reads* the object for a write elsewhere (READS_ONLY) —
and afterwards no row of the project's tables has changed."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from app.api.ids import decode_any
from app.db.url import plain_url
from app.server.schema import build_schema
from tests.conftest import TEST_LIMITS, GraphQLClient
from tests.helpers import (
    EXPERIMENT_CREATE,
    RUN_CREATE,
    RUN_FINISH,
    RUN_METRICS_LOG,
    USER_ERRORS,
    assert_ok,
    build_graph,
    create_project,
    create_run,
    log_points,
)
from tests.id_slots import Twins, id_slots, request_for
from tests.support import datasets
from tests.support.compiled_reads import INVENTORY, collect_ids, seed_varied
from tests.support.id_slot_objects import answer, by_type, complete, ids_by_type, rules_of
from tests.support.project_visibility import VISIBILITY, member, set_visibility
from tests.support.tenancy import KEY_CREATE

SCHEMA = build_schema(TEST_LIMITS)._schema
SLOTS = id_slots(SCHEMA)

# Slots that read an object of the PUBLIC project for a write outside it: a version of the
# caller's model registered from a public run, a public dataset version as an input or a
# parent of the caller's. They may succeed; the project's rows stay as they were.
READS_ONLY = {
    "modelVersionCreate(input.runId)",
    "modelVersionCreateAndDeploy(input.modelVersion.runId)",
    "trainingJobCreate(input.datasetInputs.datasetVersionId)",
    "datasetVersionCreate(input.parentIds)",
    "datasetInputsRecord(input.inputs.datasetVersionId)",
    "evaluationRunCreate(input.datasetVersionId)",
    "pipelineCreate(input.steps.evaluation.datasetVersionId)",
    # The organization's alerting (its channels' rules) may name the project: a rule is
    # the organization's configuration, not a row of the project (see footprint).
    "notificationRuleCreate(input.projectId)",
    "notificationRuleCreate(input.deploymentId)",
}
# Slots where the object is only a reference for a write to the caller's own object, and
# another rule refuses it first: a link must be of the same project or model, a worker must
# hold its lease. (code, the message's start): the refusal the slot must keep giving.
REFUSED_FIRST = {
    "modelVersionCreate(input.trainingJobId)": "the training job belongs to another project",
    "modelVersionCreateAndDeploy(input.modelVersion.trainingJobId)": "the training job belongs",
    "modelAliasSet(input.modelVersionId)": "model version of this model not found",
    "registryLinkCreate(input.modelVersionId)": "model version of this model not found",
    "deploymentUpdate(input.modelVersionId)": "a deployment serves versions of one model",
    "deploymentTrafficSet(input.modelId)": "active deployment of this model in this environment",
    "deploymentTrafficSet(input.splits.deploymentId)": "active deployment of this model",
    "alertRuleCreate(input.deploymentId)": "the deployment belongs to another project",
    "predictionsComplete(input.predictions.predictionId)": "prediction not found",
    "experimentCreate(input.modelId)": "the model belongs to another project",
    "experimentCreate(input.datasetId)": "the dataset belongs to another project",
    "experimentCreate(input.pipelineId)": "the pipeline belongs to another project",
    "experimentUpdate(input.datasetId)": "the dataset belongs to another project",
    "experimentUpdate(input.pipelineId)": "the pipeline belongs to another project",
    "healthRuleCreate(input.experimentId)": "the experiment belongs to another project",
    "trainingJobCreate(input.experimentId)": "the experiment belongs to another project",
    "trainingJobTransition(input.runId)": "the run belongs to another project",
    "pipelineCreate(input.datasetId)": "the dataset belongs to another project",
    "pipelineCreate(input.modelId)": "the model belongs to another project",
    "pipelineCreate(input.experimentId)": "the experiment belongs to another project",
    "workflowConfigSet(input.modelVersionId)": "a version of this serve",
    "workflowRunCreate(input.modelVersionId)": "model version of this serve not found",
    # Workers: the caller is not the worker holding the lease (no worker can hold one in a
    # project published through the API: nothing may be unfinished).
    "artifactBuildHeartbeat(input.artifactBuildId)": "the artifact build was cancelled",
    "artifactBuildFinish(input.artifactBuildId)": "the artifact build was cancelled",
    "trainingJobHeartbeat(input.trainingJobId)": "this worker does not hold the training job",
    "trainingJobHeartbeat(input.runId)": "this worker does not hold the training job",
    "patternJobHeartbeat(input.patternJobId)": "this worker does not hold the pattern job",
    "patternJobFinish(input.patternJobId)": "this worker does not hold the pattern job",
    "workflowRunHeartbeat(input.workflowRunId)": "this worker does not hold the workflow run",
    "workflowRunFinish(input.workflowRunId)": "this worker does not hold the workflow run",
}

PROJECT_CREATE = f"""mutation($input: ProjectCreateInput!) {{
  projectCreate(input: $input) {{ project {{ id visibility }} {USER_ERRORS} }} }}"""
READ = """query($id: ID!) { node(id: $id) { ... on Project { visibility
  experiments(first: 5) { nodes { name runs(first: 5) { nodes { id status } } } } } } }"""


async def footprint(database_url: str, project_id: str) -> dict[str, Any]:
    """Per table with a ``project_id``: the project's rows, as text (every column). Not the
    organization's notification rules, which may name a project they watch."""
    decoded = decode_any(project_id)
    assert decoded is not None
    connection = await asyncpg.connect(plain_url(database_url))
    try:
        tables = await connection.fetch(
            "SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables "
            "t USING (table_schema, table_name) WHERE c.table_schema = 'public' "
            "AND c.column_name = 'project_id' AND t.table_type = 'BASE TABLE' "
            "AND c.table_name <> 'notification_rules'"
        )
        found = {}
        for row in tables:
            name = row["table_name"]
            found[name] = sorted(
                await connection.fetchval(
                    f'SELECT array_agg(t::text) FROM "{name}" t WHERE project_id = $1',
                    decoded[1],
                )
                or []
            )
        found["projects"] = await connection.fetchval(
            "SELECT t::text FROM projects t WHERE id = $1", decoded[1]
        )
        return found
    finally:
        await connection.close()


async def publish_in_database(database_url: str, project_id: str) -> None:
    """The project made PUBLIC as it stands, runs running and jobs queued: the write rule
    must hold for a state the API would not let a project be published in, too."""
    decoded = decode_any(project_id)
    assert decoded is not None
    connection = await asyncpg.connect(plain_url(database_url))
    try:
        await connection.execute(
            "UPDATE projects SET visibility = 'public' WHERE id = $1", decoded[1]
        )
    finally:
        await connection.close()


async def test_no_mutation_writes_under_a_public_project(make_tenant, database_url):  # type: ignore[no-untyped-def]
    admin = await make_tenant("public-slots")
    await seed_varied(database_url, admin.org_id, 31)
    inventory = await admin.client.on_resolvers().data(INVENTORY, {"slug": admin.org_slug})
    projects = inventory["organization"]["projects"]["nodes"]
    found = [by_type(collect_ids(p)) for p in projects]
    richest = max(range(len(projects)), key=lambda i: len(found[i]))
    public, theirs = projects[richest]["id"], found[richest]
    theirs["Project"] = public
    organization = await ids_by_type(admin.client, admin.org_slug, {"o": admin.org_id})
    theirs["Environment"] = organization["Environment"]
    await complete(admin.client, theirs, database_url)
    del theirs["Environment"]  # the organization's, not the project's
    graph = await build_graph(admin.client, admin.org_id)  # another project, written freely
    others = [i for p in projects if p["id"] != public for i in collect_ids(p)]
    mine = by_type([*others, *graph.values()])
    mine.update({k: v for k, v in organization.items() if k not in theirs})  # org-level
    mine["Project"] = graph["project"]
    if "DatasetVersion" not in mine:
        mine["Dataset"] = await datasets.dataset(admin.client, graph["project"], "mine")
        made = await datasets.version(admin.client, mine["Dataset"], "v1")
        mine["DatasetVersion"] = assert_ok(made)["datasetVersion"]["id"]
    await complete(admin.client, mine, database_url)
    await publish_in_database(database_url, public)
    before = await footprint(database_url, public)

    twins = Twins()
    tried, wrong = 0, {}
    for slot in SLOTS:
        if slot.node_type not in theirs:
            continue
        document, variables = request_for(
            SCHEMA, slot, theirs[slot.node_type], mine, twins, rules_of(slot, mine)
        )
        response = await admin.client.post(document, variables)
        assert response.status_code == 200, (str(slot), response.text)
        failed, (errors, user_errors) = answer(response.json(), theirs[slot.node_type])
        tried += 1
        if str(slot) in READS_ONLY:
            continue
        expected = REFUSED_FIRST.get(str(slot), "the project is PUBLIC")
        refused = any(message.startswith(expected) for _, _, message in user_errors)
        if not (failed and refused):
            wrong[str(slot)] = (errors, user_errors)
    assert not wrong, "\n".join(f"{k}: {v}" for k, v in wrong.items())
    assert tried >= 100, tried  # the walk found the project's slots
    assert await footprint(database_url, public) == before


async def test_members_and_read_keys_read_a_public_project(
    tenant,
    http,
    database_url,  # type: ignore[no-untyped-def]
) -> None:
    graph = {"project": (await create_project(tenant.client, tenant.org_id))["id"]}
    run = await create_run(tenant.client, tenant.org_id)
    made = await tenant.client.mutate(
        EXPERIMENT_CREATE, {"projectId": graph["project"], "name": "shown"}
    )
    experiment = assert_ok(made)["experiment"]["id"]
    await set_visibility(tenant, graph["project"], "PUBLIC")  # nothing in it runs: allowed
    developer = await member(tenant, http, database_url, "DEVELOPER")  # no project role
    viewer = await member(tenant, http, database_url, "VIEWER")
    for reader in (developer, viewer, tenant.client):
        data = await reader.data(READ, {"id": graph["project"]})
        assert data["node"]["visibility"] == "PUBLIC"
        assert [e["name"] for e in data["node"]["experiments"]["nodes"]] == ["shown"]
    # A key with the read scope only.
    made = await tenant.client.mutate(
        KEY_CREATE, {"name": "reader", "organizationId": tenant.org_id, "scopes": ["READ"]}
    )
    reader = GraphQLClient(http, assert_ok(made)["secret"])
    data = await reader.data(READ, {"id": graph["project"]})
    assert data["node"]["visibility"] == "PUBLIC"
    # The developer writes elsewhere as before; here it is refused, as the owner is.
    for writer in (developer, tenant.client):
        refused = await writer.mutate(RUN_CREATE, {"experimentId": experiment})
        assert refused["userErrors"][0]["code"] == "FORBIDDEN", refused
        assert "PUBLIC" in refused["userErrors"][0]["message"]
    mine = await writer.mutate(RUN_CREATE, {"experimentId": run["experiment"]})
    assert_ok(mine)


async def test_a_project_is_published_once_nothing_in_it_runs(tenant) -> None:  # type: ignore[no-untyped-def]
    run = await create_run(tenant.client, tenant.org_id)
    await log_points(tenant.client, run["run"], [{"key": "loss", "step": 0, "value": 1.0}])
    project = run["project"]
    refused = await tenant.client.mutate(VISIBILITY, {"projectId": project, "visibility": "PUBLIC"})
    assert refused["userErrors"][0]["code"] == "CONFLICT", refused
    assert "1 running run(s)" in refused["userErrors"][0]["message"]
    assert refused["userErrors"][0]["field"] == ["input", "visibility"]
    assert_ok(await tenant.client.mutate(RUN_FINISH, {"runId": run["run"], "status": "COMPLETED"}))
    await set_visibility(tenant, project, "PUBLIC")
    # Any other change, even with the visibility, is refused; the visibility alone goes back.
    renamed = await tenant.client.mutate(
        VISIBILITY, {"projectId": project, "visibility": "PUBLIC", "name": "renamed"}
    )
    assert renamed["userErrors"][0]["code"] == "FORBIDDEN", renamed
    # What was logged while it ran stays readable, and the run's points are not reopened.
    refused_log = await tenant.client.mutate(
        RUN_METRICS_LOG, {"runId": run["run"], "points": [{"key": "loss", "step": 1, "value": 0.5}]}
    )
    assert refused_log["userErrors"][0]["code"] in {"FORBIDDEN", "CONFLICT"}, refused_log
    await set_visibility(tenant, project, "ORGANIZATION")
    assert_ok(await tenant.client.mutate(RUN_CREATE, {"experimentId": run["experiment"]}))


async def test_a_project_is_not_created_public(tenant) -> None:  # type: ignore[no-untyped-def]
    made = await tenant.client.mutate(
        PROJECT_CREATE,
        {
            "organizationId": tenant.org_id,
            "slug": "born-public",
            "name": "p",
            "visibility": "PUBLIC",
        },
    )
    assert made["userErrors"][0]["code"] == "VALIDATION", made
    assert made["userErrors"][0]["field"] == ["input", "visibility"]


@pytest.mark.parametrize("visibility", ["PUBLIC", "ORGANIZATION"])
async def test_a_public_slug_is_held_unique_like_a_shared_one(tenant, visibility) -> None:  # type: ignore[no-untyped-def]
    """A PUBLIC project's slug is seen by every member: no second live project takes it."""
    graph = {"project": (await create_project(tenant.client, tenant.org_id))["id"]}
    await set_visibility(tenant, graph["project"], visibility)
    slug = (await tenant.client.data(
        "query($id: ID!) { node(id: $id) { ... on Project { slug } } }", {"id": graph["project"]}
    ))["node"]["slug"]  # fmt: skip
    made = await tenant.client.mutate(
        PROJECT_CREATE, {"organizationId": tenant.org_id, "slug": slug, "name": "again"}
    )
    assert made["userErrors"][0]["code"] == "CONFLICT", made


async def test_a_write_checked_while_its_project_is_published_waits_and_is_refused(
    tenant,
    database_url,  # type: ignore[no-untyped-def]
) -> None:
    """A publisher holds the project FOR UPDATE while it counts what still moves and sets
    PUBLIC (here, a transaction of the test's own doing just that). A write arriving then
    waits for it and reads the new visibility — not the old one, to insert a running run
    into a project that has just been published."""
    run = await create_run(tenant.client, tenant.org_id)
    decoded = decode_any(run["project"])
    assert decoded is not None
    publisher = await asyncpg.connect(plain_url(database_url))
    watcher = await asyncpg.connect(plain_url(database_url))
    try:
        transaction = publisher.transaction()
        await transaction.start()
        await publisher.execute("SELECT 1 FROM projects WHERE id = $1 FOR UPDATE", decoded[1])
        await publisher.execute(
            "UPDATE projects SET visibility = 'public' WHERE id = $1", decoded[1]
        )
        writing = asyncio.create_task(
            tenant.client.mutate(RUN_CREATE, {"experimentId": run["experiment"]})
        )
        for _ in range(3000):  # until the write waits for the publisher's lock
            waiting = await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> $1",
                publisher.get_server_pid(),
            )
            if waiting or writing.done():
                break
            await asyncio.sleep(0.01)
        assert waiting, "the write never waited for the publisher"
        assert not writing.done(), writing.result()  # it waits; it did not read past the lock
        await transaction.commit()
        refused = await writing
        assert refused["userErrors"][0]["code"] == "FORBIDDEN", refused
        assert "PUBLIC" in refused["userErrors"][0]["message"]
    finally:
        await publisher.close()
        await watcher.close()
