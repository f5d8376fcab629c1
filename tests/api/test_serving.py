"""Environments and deployments through GraphQL."""

from __future__ import annotations

from tests.helpers import (
    DEPLOYMENT_CREATE,
    ENVIRONMENT_CREATE,
    assert_error,
    assert_ok,
    build_graph,
    create_deployment,
    create_environment,
    create_model,
    create_project,
    create_version,
    transition,
)
from tests.support.tenancy import INVITE, bootstrap_key_for


async def test_environment_names_unique_and_admin_only(tenant, http, database_url):
    await create_environment(tenant.client, tenant.org_id, name="staging")
    again = await tenant.client.mutate(
        ENVIRONMENT_CREATE, {"organizationId": tenant.org_id, "name": "staging"}
    )
    assert_error(again, "CONFLICT", ["input", "name"])
    email = f"d-{tenant.org_slug}@example.com"
    assert_ok(
        await tenant.client.mutate(
            INVITE, {"organizationId": tenant.org_id, "email": email, "role": "DEVELOPER"}
        )
    )
    developer = await bootstrap_key_for(database_url, http, email)
    denied = await developer.mutate(
        ENVIRONMENT_CREATE, {"organizationId": tenant.org_id, "name": "dev"}
    )
    assert_error(denied, "FORBIDDEN")


async def test_deployment_rules(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    base = {"modelVersionId": ids["version"], "environmentId": ids["environment"]}

    inverted = await tenant.client.mutate(
        DEPLOYMENT_CREATE, {**base, "name": "api", "minInstances": 3, "maxInstances": 2}
    )
    assert_error(inverted, "VALIDATION", ["input", "maxInstances"])
    negative = await tenant.client.mutate(
        DEPLOYMENT_CREATE, {**base, "name": "api", "minInstances": -1, "maxInstances": 2}
    )
    assert_error(negative, "VALIDATION", ["input", "minInstances"])
    bad_name = await tenant.client.mutate(DEPLOYMENT_CREATE, {**base, "name": "Bad Name"})
    assert_error(bad_name, "VALIDATION", ["input", "name"])

    created = await create_deployment(
        tenant.client,
        ids["version"],
        ids["environment"],
        name="api",
        minInstances=0,
        maxInstances=4,
    )
    assert created["status"] == "PENDING"
    assert (created["minInstances"], created["maxInstances"]) == (0, 4)
    dup = await tenant.client.mutate(DEPLOYMENT_CREATE, {**base, "name": "api"})
    assert_error(dup, "CONFLICT", ["input", "name"])
    # Same name in another environment is fine.
    other_env = await create_environment(tenant.client, tenant.org_id)
    await create_deployment(tenant.client, ids["version"], other_env["id"], name="api")

    events = await tenant.client.data(
        "query($id: ID!) { node(id: $id) { ... on Deployment { events { nodes { eventType "
        "toVersion { id } } } } } }",
        {"id": created["id"]},
    )
    assert events["node"]["events"]["nodes"] == [
        {"eventType": "DEPLOY", "toVersion": {"id": ids["version"]}}
    ]


async def test_archived_versions_cannot_be_deployed(tenant):
    project = await create_project(tenant.client, tenant.org_id)
    model = await create_model(tenant.client, project["id"])
    version = await create_version(tenant.client, model["id"], "1.0.0")
    assert_ok(await transition(tenant.client, version["id"], "ARCHIVED"))
    env = await create_environment(tenant.client, tenant.org_id)
    payload = await tenant.client.mutate(
        DEPLOYMENT_CREATE,
        {"modelVersionId": version["id"], "environmentId": env["id"], "name": "x"},
    )
    assert_error(payload, "VALIDATION", ["input", "modelVersionId"])


async def test_protected_environment_needs_an_admin(tenant, http, database_url):
    ids = await build_graph(tenant.client, tenant.org_id)
    protected = await create_environment(tenant.client, tenant.org_id, protected=True)
    email = f"p-{tenant.org_slug}@example.com"
    assert_ok(
        await tenant.client.mutate(
            INVITE, {"organizationId": tenant.org_id, "email": email, "role": "DEVELOPER"}
        )
    )
    developer = await bootstrap_key_for(database_url, http, email)
    denied = await developer.mutate(
        DEPLOYMENT_CREATE,
        {"modelVersionId": ids["version"], "environmentId": protected["id"], "name": "prod"},
    )
    assert_error(denied, "FORBIDDEN", ["input", "environmentId"])
    # The developer may deploy to an unprotected environment, and the admin to the protected one.
    await create_deployment(developer, ids["version"], ids["environment"])
    await create_deployment(tenant.client, ids["version"], protected["id"])


async def test_deployment_never_crosses_organizations(tenant):
    """A caller in two organizations cannot deploy one org's version into the other's env."""
    ids = await build_graph(tenant.client, tenant.org_id)
    from tests.support.tenancy import ORG_CREATE

    other = assert_ok(
        await tenant.client.mutate(ORG_CREATE, {"slug": f"{tenant.org_slug}-x", "name": "X"})
    )["organization"]
    foreign_env = await create_environment(tenant.client, other["id"])
    payload = await tenant.client.mutate(
        DEPLOYMENT_CREATE,
        {"modelVersionId": ids["version"], "environmentId": foreign_env["id"], "name": "x"},
    )
    assert_error(payload, "NOT_FOUND", ["input", "environmentId"])


DEPLOYMENT_LISTS = """
query($project: ID!, $env: ID!, $status: [DeploymentStatus!]) {
  project: node(id: $project) { ... on Project {
    deployments(first: 10, filter: {environmentId: [$env], status: $status}) {
      totalCount nodes { name } } } }
  env: node(id: $env) { ... on Environment { deployments(first: 10, orderBy: NAME_DESC) {
    nodes { name } } } }
}"""


async def test_deployment_lists_filter_by_environment_and_status(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    env2 = await create_environment(tenant.client, tenant.org_id)
    await create_deployment(tenant.client, ids["version"], ids["environment"], name="b-api")
    await create_deployment(tenant.client, ids["version"], env2["id"], name="c-api")
    data = await tenant.client.data(
        DEPLOYMENT_LISTS, {"project": ids["project"], "env": ids["environment"], "status": None}
    )
    assert data["project"]["deployments"]["totalCount"] == 2
    names = [node["name"] for node in data["env"]["deployments"]["nodes"]]
    assert len(names) == 2 and "b-api" in names and names == sorted(names, reverse=True)
    data = await tenant.client.data(
        DEPLOYMENT_LISTS,
        {"project": ids["project"], "env": ids["environment"], "status": ["ACTIVE"]},
    )
    assert data["project"]["deployments"]["totalCount"] == 0


FLEET = """query($org: ID!, $status: [DeploymentStatus!]) { node(id: $org) { ... on Organization {
  deployments(filter: {status: $status}, orderBy: NAME_ASC) { totalCount nodes { name } } } } }"""


async def test_the_organization_lists_its_fleet_by_status_and_nothing_of_another(
    tenant, make_tenant
):
    ids = await build_graph(tenant.client, tenant.org_id)
    second = await create_project(tenant.client, tenant.org_id)
    model = await create_model(tenant.client, second["id"])
    version = await create_version(tenant.client, model["id"], "2.0.0")
    await create_deployment(tenant.client, version["id"], ids["environment"], name="z-api")
    other = await make_tenant()
    await build_graph(other.client, other.org_id)

    fleet = (await tenant.client.data(FLEET, {"org": tenant.org_id}))["node"]["deployments"]
    assert fleet["totalCount"] == 2 and fleet["nodes"][-1] == {"name": "z-api"}
    pending = await tenant.client.data(FLEET, {"org": tenant.org_id, "status": ["PENDING"]})
    assert pending["node"]["deployments"]["totalCount"] == 2
    active = await tenant.client.data(FLEET, {"org": tenant.org_id, "status": ["ACTIVE"]})
    assert active["node"]["deployments"] == {"totalCount": 0, "nodes": []}
    # Another organization's id answers nothing, as every node does.
    assert (await other.client.data(FLEET, {"org": tenant.org_id}))["node"] is None
