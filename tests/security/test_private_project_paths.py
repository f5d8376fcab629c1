"""Private projects on the paths the first visibility work missed (issue 24, items 9, 11,
12, 13, 16): the work queues, uniqueness, promotion policies, the secondary id slots of inputs, and the
two-level parent chains (alias history, dataset inputs) read by a member from whom a
project is hidden."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import mlgraph
from tests.conftest import GraphQLClient, unique
from tests.helpers import (
    RUN_CREATE,
    USER_ERRORS,
    assert_error,
    assert_ok,
    create_model,
    create_project,
    create_run,
    create_version,
)
from tests.support.artifact_builds import CLAIM as BUILDS_CLAIM
from tests.support.artifact_builds import build
from tests.support.datasets import CONSUMED, DV_CREATE, INPUTS, JOB_WITH_INPUTS, dataset, version
from tests.support.model_aliases import ALIASES, set_alias
from tests.support.pipelines import create_pipeline
from tests.support.project_visibility import member, random_twin, set_visibility
from tests.support.promotion_policies import canary, policy
from tests.support.registry_links import CREATE as LINK_CREATE
from tests.support.training_jobs import TRANSITION as JOB_TRANSITION
from tests.support.training_jobs import setup
from tests.support.training_queue import CLAIM as JOBS_CLAIM
from tests.support.training_queue import queued_job

NODE = "query($id: ID!) { node(id: $id) { id } }"


@pytest.fixture
async def hidden_work(tenant, http, database_url):  # type: ignore[no-untyped-def]
    """A private project with queued work, a policy and a dataset version; a public one
    whose run, job and model read across two-level chains; a developer with no role in
    the private project."""
    client = tenant.client
    public = await setup(client, tenant.org_id)
    private = await canary(client, tenant.org_id)
    ids: dict[str, Any] = {"public": public, "private": private["project"]}
    ids["policy"] = (await policy(client, private["endpoint"]))["id"]
    hidden_version = (await create_version(
        client, (await create_model(client, private["project"]))["id"], "9.0.0"))["id"]  # fmt: skip
    assert_ok(await build(client, hidden_version))
    ids["job"] = await queued_job(
        client, {"project": private["project"], "environment": public["environment"]}
    )
    hidden_data = await dataset(client, private["project"], "secret")
    ids["hidden_dv"] = assert_ok(await version(client, hidden_data, "1"))["datasetVersion"]["id"]

    shown_data = await dataset(client, public["project"], "open")
    ids["dataset"] = shown_data
    shown_dv = assert_ok(await version(client, shown_data, "1"))["datasetVersion"]["id"]
    run = (await create_run(client, tenant.org_id))["run"]
    assert_ok(
        await client.mutate(INPUTS, {"runId": run, "inputs": [{"datasetVersionId": shown_dv}]})
    )
    job_input = {"projectId": public["project"], "environmentId": public["environment"],
                 "name": "j", "image": "i", "datasetInputs": [{"datasetVersionId": shown_dv}]}  # fmt: skip
    job = assert_ok(await client.mutate(JOB_WITH_INPUTS, job_input))["trainingJob"]["id"]
    model = (await create_model(client, public["project"]))["id"]
    assert_ok(await set_alias(client, model, (await create_version(client, model, "1.0.0"))["id"]))
    ids.update(run=run, public_job=job, job_input=job_input, model=model)

    await set_visibility(tenant, private["project"], "PRIVATE")
    developer = await member(tenant, http, database_url, "DEVELOPER")
    return tenant, ids, developer


async def test_work_queues_hand_out_only_what_the_worker_may_see(hidden_work):
    admin, _, developer = hidden_work
    for document, field in ((JOBS_CLAIM, "trainingJobs"), (BUILDS_CLAIM, "artifactBuilds")):
        claimed = assert_ok(await developer.mutate(document, {"worker": "w", "limit": 5}))
        assert claimed[field] == [], field
        # The project's own members (here its admin) still get the work.
        claimed = assert_ok(await admin.client.mutate(document, {"worker": "w", "limit": 5}))
        assert len(claimed[field]) == 1, field


async def test_a_private_projects_promotion_policy_is_not_a_node_for_non_members(hidden_work):
    admin, ids, developer = hidden_work
    for reader in (developer, developer.on_resolvers()):
        assert (await reader.data(NODE, {"id": ids["policy"]}))["node"] is None
    for reader in (admin.client, admin.client.on_resolvers()):
        assert (await reader.data(NODE, {"id": ids["policy"]}))["node"] == {"id": ids["policy"]}


async def test_every_id_slot_of_an_input_is_checked_like_the_main_one(hidden_work):
    _, ids, developer = hidden_work
    hidden = ids["hidden_dv"]
    slots = [
        (DV_CREATE, {"datasetId": ids["dataset"], "version": "2", "parentIds": [hidden]},
         ["input", "parentIds", "0"]),
        (INPUTS, {"runId": ids["run"], "inputs": [{"datasetVersionId": hidden}]},
         ["input", "inputs", "0", "datasetVersionId"]),
        (JOB_WITH_INPUTS, {**ids["job_input"], "datasetInputs": [{"datasetVersionId": hidden}]},
         ["input", "datasetInputs", "0", "datasetVersionId"]),
    ]  # fmt: skip
    for document, input, field in slots:
        refused = assert_error(await developer.mutate(document, input), "NOT_FOUND", field)
        twin = {k: random_twin(hidden) if v == hidden else v for k, v in input.items()}
        twin = {k: ([random_twin(hidden)] if v == [hidden] else v) for k, v in twin.items()}
        for key in ("inputs", "datasetInputs"):
            if key in twin:
                twin[key] = [{"datasetVersionId": random_twin(hidden)}]
        missing = assert_error(await developer.mutate(document, twin), "NOT_FOUND", field)
        assert refused["message"] == missing["message"]


async def test_two_level_parent_chains_read_for_a_member_with_hidden_projects(hidden_work):
    """Alias history (event → alias → model) and dataset inputs (input → version →
    dataset) answered INTERNAL on the resolver path to anyone with a hidden project."""
    admin, ids, developer = hidden_work
    for document, variables in (
        (CONSUMED, {"run": ids["run"], "job": ids["public_job"]}),
        (ALIASES, {"id": ids["model"], "at": None}),
    ):
        expected = await admin.client.data(document, variables)
        for reader in (developer, developer.on_resolvers()):
            answer = (await reader.post(document, variables)).json()
            assert "errors" not in answer, answer
            assert answer["data"] == expected


async def test_a_private_projects_external_links_are_no_uniqueness_oracle(
    tenant, http, database_url
):
    """A tracking run id, a registry id, an executor's job id and a workflow held in a
    private project answered CONFLICT to a member who cannot see it. Now they are unique
    among what the caller sees: the member's own is created, as for a fresh id; those who
    see both still get CONFLICT."""
    admin = tenant.client
    tracking = {"trackingSystem": "mlflow", "trackingRunId": "run-secret"}
    hidden_run = await create_run(admin, tenant.org_id, **tracking)
    hidden = hidden_run["project"]
    model = (await create_model(admin, hidden))["id"]
    registry = {"registry": "HUGGINGFACE", "externalId": "acme/secret-model"}
    assert_ok(await admin.mutate(LINK_CREATE, {"modelId": model, **registry}))
    environment = (await setup(admin, tenant.org_id))["environment"]
    job = await queued_job(admin, {"project": hidden, "environment": environment})
    executor = {"status": "RUNNING", "executor": "KUBERNETES", "externalId": "job-secret"}
    assert_ok(await admin.mutate(JOB_TRANSITION, {"trainingJobId": job, **executor}))
    workflow = {"orchestrator": "ARGO", "workflowId": "wf-secret", "name": "p"}
    assert_ok(await create_pipeline(admin, hidden, environment=environment, **workflow))
    await set_visibility(tenant, hidden, "PRIVATE")
    developer = await member(tenant, http, database_url, "DEVELOPER")

    async def make_each(client: GraphQLClient) -> list[dict[str, Any]]:
        """The four links, in a project of the client's own; the payloads."""
        run = await client.mutate(RUN_CREATE, {
            "experimentId": (await create_run(client, tenant.org_id))["experiment"], **tracking})  # fmt: skip
        project = (await create_project(client, tenant.org_id))["id"]
        model = (await create_model(client, project))["id"]
        link = await client.mutate(LINK_CREATE, {"modelId": model, **registry})
        own = await queued_job(client, {"project": project, "environment": environment})
        job = await client.mutate(JOB_TRANSITION, {"trainingJobId": own, **executor})
        pipeline = await create_pipeline(client, project, environment=environment, **workflow)
        return [run, link, job, pipeline]

    for payload in await make_each(developer):  # as if the ids were fresh
        assert_ok(payload)
    for payload in await make_each(admin):  # the admin sees the others: taken
        assert_error(payload, "CONFLICT")


PROJECT_CREATE = f"""mutation($input: ProjectCreateInput!) {{
  projectCreate(input: $input) {{ project {{ id slug visibility }} {USER_ERRORS} }} }}"""
PROJECT_UPDATE = f"""mutation($input: ProjectUpdateInput!) {{
  projectUpdate(input: $input) {{ project {{ id slug visibility }} {USER_ERRORS} }} }}"""
RUN_PROJECT = "query($id: ID!) { node(id: $id) { ... on Run { experiment { project { id } } } } }"


async def test_a_private_projects_slug_is_no_uniqueness_oracle(server, tenant, http, database_url):
    """Choosing the slug of a private project one cannot see answered CONFLICT. Now a slug is
    unique among the projects the caller sees: the member's project is made as for a free
    slug; whoever sees both is refused; where one caller sees two (an admin), the older
    project is the one the Python client opens."""
    admin, org = tenant.client, tenant.org_id
    secret, other = unique("secret"), unique("other-secret")

    async def create(client: GraphQLClient, slug: str, visibility: str = "ORGANIZATION") -> Any:
        input = {"organizationId": org, "slug": slug, "name": "P", "visibility": visibility}
        return await client.mutate(PROJECT_CREATE, input)

    hidden = assert_ok(await create(admin, secret, "PRIVATE"))["project"]["id"]
    assert_ok(await create(admin, other, "PRIVATE"))
    developer = await member(tenant, http, database_url, "DEVELOPER")
    mine = assert_ok(await create(developer, secret))["project"]["id"]  # as for a free slug
    spare = (await create_project(developer, org))["id"]
    renamed = await developer.mutate(PROJECT_UPDATE, {"projectId": spare, "slug": other})
    assert assert_ok(renamed)["project"]["slug"] == other
    # Whoever sees the holder is refused: the developer its own slug, the admin both.
    assert_error(await create(developer, secret, "PRIVATE"), "CONFLICT")
    assert_error(await create(admin, secret), "CONFLICT")
    shown = {"projectId": hidden, "visibility": "ORGANIZATION"}
    assert_error(await admin.mutate(PROJECT_UPDATE, shown), "CONFLICT")
    # Two at once: one project, however the requests interleave (a lock per slug).
    race = unique("race")
    answers = await asyncio.gather(*(create(developer, race, "PRIVATE") for _ in range(4)))
    made = [a for a in answers if not a["userErrors"]]
    assert len(made) == 1, answers

    # The admin sees two projects with the slug: the client opens the older (hidden) one.
    def log() -> str:
        with mlgraph.start_run(url=server.base_url, api_key=tenant.key,
                               organization=tenant.org_slug, project=secret,
                               experiment="e") as run:  # fmt: skip
            run.log({"loss": 1.0}, step=0)
        return run.id

    run_id = await asyncio.to_thread(log)
    assert (await admin.data(RUN_PROJECT, {"id": run_id}))["node"]["experiment"]["project"][
        "id"
    ] == hidden
    assert mine != hidden
