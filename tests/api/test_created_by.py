"""Who made it (issue 30, item 7): ``createdBy`` on models, versions, experiments, runs
and deployments, and a creator filter on the lists of models, experiments, runs and deployments —
the same answer on the compiled path and the resolvers'."""

from __future__ import annotations

from tests.helpers import (
    EXPERIMENT_CREATE,
    RUN_CREATE,
    assert_ok,
    create_deployment,
    create_environment,
    create_model,
    create_project,
    create_version,
)
from tests.support.project_visibility import member

VIEWER = "{ viewer { user { id email } } }"
MADE = """query($id: ID!) { node(id: $id) { ... on Project {
  models(first: 10) { nodes { name createdBy { email }
    versions(first: 5) { nodes { version createdBy { email } } } } }
  experiments(first: 10) { nodes { name createdBy { email }
    runs(first: 10) { nodes { name createdBy { email } } } } }
  deployments(first: 10) { nodes { name createdBy { email } } } } } }"""
BY = """query($id: ID!, $who: [ID!]) { node(id: $id) { ... on Project {
  models(first: 10, filter: {createdBy: $who}) { nodes { name } }
  mine: experiments(first: 10, filter: {createdBy: $who}) { nodes { name } }
  deployments(first: 10, filter: {createdBy: $who}) { nodes { name } }
  experiments(first: 10) { nodes { runs(first: 10, filter: {createdBy: $who}) {
    nodes { name } } } } } } }"""


async def make_all(client, project: str, environment: str, tag: str) -> None:  # type: ignore[no-untyped-def]
    model = await create_model(client, project, name=f"model-{tag}")
    version = await create_version(client, model["id"], "1.0.0")
    await create_deployment(client, version["id"], environment, name=f"dep-{tag}")
    made = await client.mutate(EXPERIMENT_CREATE, {"projectId": project, "name": f"exp-{tag}"})
    experiment = assert_ok(made)["experiment"]["id"]
    assert_ok(await client.mutate(RUN_CREATE, {"experimentId": experiment, "name": f"run-{tag}"}))


async def test_created_by_names_the_maker_and_filters_lists(tenant, http, database_url):
    admin = tenant.client
    developer = await member(tenant, http, database_url, "DEVELOPER")
    project = (await create_project(admin, tenant.org_id))["id"]
    environment = (await create_environment(admin, tenant.org_id))["id"]
    await make_all(admin, project, environment, "a")
    await make_all(developer, project, environment, "d")
    me = (await admin.data(VIEWER))["viewer"]["user"]
    them = (await developer.data(VIEWER))["viewer"]["user"]

    for client in (admin, admin.on_resolvers()):  # both read paths, the same answer
        made = (await client.data(MADE, {"id": project}))["node"]
        owner = {m["name"]: m["createdBy"]["email"] for m in made["models"]["nodes"]}
        assert owner == {"model-a": me["email"], "model-d": them["email"]}
        versions = {m["name"]: m["versions"]["nodes"][0]["createdBy"]["email"]
                    for m in made["models"]["nodes"]}  # fmt: skip
        assert versions == owner
        runs = {e["name"]: (e["createdBy"]["email"], e["runs"]["nodes"][0]["createdBy"]["email"])
                for e in made["experiments"]["nodes"]}  # fmt: skip
        assert runs == {"exp-a": (me["email"],) * 2, "exp-d": (them["email"],) * 2}
        deployments = {d["name"]: d["createdBy"]["email"] for d in made["deployments"]["nodes"]}
        assert deployments == {"dep-a": me["email"], "dep-d": them["email"]}

        by = (await client.data(BY, {"id": project, "who": [them["id"]]}))["node"]
        assert [m["name"] for m in by["models"]["nodes"]] == ["model-d"]
        assert [d["name"] for d in by["deployments"]["nodes"]] == ["dep-d"]
        assert [e["name"] for e in by["mine"]["nodes"]] == ["exp-d"]
        assert [r["name"] for e in by["experiments"]["nodes"] for r in e["runs"]["nodes"]] == [
            "run-d"]  # fmt: skip
        both = (await client.data(BY, {"id": project, "who": [me["id"], them["id"]]}))["node"]
        assert len(both["models"]["nodes"]) == 2
        # An id of another type (here the project's) names no user: nothing matches.
        none = (await client.data(BY, {"id": project, "who": [project]}))["node"]
        assert none["models"]["nodes"] == [] and none["deployments"]["nodes"] == []
        assert none["mine"]["nodes"] == []
