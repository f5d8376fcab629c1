"""Deployment lifecycle through GraphQL: status machine, update, rollback, traffic."""

from __future__ import annotations

from tests.helpers import (
    assert_error,
    assert_ok,
    create_deployment,
    create_environment,
    create_model,
    create_project,
    create_version,
    transition,
)
from tests.support.deployment_lifecycle import ROLLBACK, TRAFFIC, TRANSITION, UPDATE
from tests.support.tenancy import INVITE, bootstrap_key_for

EVENTS = """query($id: ID!) { node(id: $id) { ... on Deployment {
  events(orderBy: CREATED_ASC) { nodes { eventType fromVersion { version } toVersion { version } actor { email } } } } } }"""


async def setup(client, org_id, protected=False):  # type: ignore[no-untyped-def]
    project = await create_project(client, org_id)
    model = await create_model(client, project["id"])
    versions = {
        v: await create_version(client, model["id"], v) for v in ("1.0.0", "1.1.0", "1.2.0")
    }
    environment = await create_environment(client, org_id, protected=protected)
    deployment = await create_deployment(client, versions["1.0.0"]["id"], environment["id"])
    return model, versions, environment, deployment


async def move(client, deployment_id, *statuses):  # type: ignore[no-untyped-def]
    payload = {}
    for status in statuses:
        payload = await client.mutate(TRANSITION, {"deploymentId": deployment_id, "status": status})
    return payload


async def test_status_machine(tenant):
    _, _, _, deployment = await setup(tenant.client, tenant.org_id)
    skip = await move(tenant.client, deployment["id"], "ACTIVE")
    assert_error(skip, "INVALID_TRANSITION", ["input", "status"])
    assert (
        assert_ok(await move(tenant.client, deployment["id"], "DEPLOYING", "ACTIVE"))["deployment"][
            "status"
        ]
        == "ACTIVE"
    )
    assert_ok(await move(tenant.client, deployment["id"], "INACTIVE"))
    assert_ok(await move(tenant.client, deployment["id"], "TERMINATING"))
    back = await move(tenant.client, deployment["id"], "ACTIVE")
    assert_error(back, "INVALID_TRANSITION")
    done = assert_ok(await move(tenant.client, deployment["id"], "TERMINATED"))["deployment"]
    assert done["status"] == "TERMINATED" and done["trafficPercentage"] == 0
    assert_error(await move(tenant.client, deployment["id"], "DEPLOYING"), "INVALID_TRANSITION")
    data = await tenant.client.data(EVENTS, {"id": deployment["id"]})
    assert [e["eventType"] for e in data["node"]["events"]["nodes"]] == ["DEPLOY", "TERMINATE"]


async def test_update_and_rollback_walk_back_through_history(tenant):
    _, versions, _, deployment = await setup(tenant.client, tenant.org_id)
    dep = deployment["id"]
    for version in ("1.1.0", "1.2.0"):
        updated = await tenant.client.mutate(
            UPDATE, {"deploymentId": dep, "modelVersionId": versions[version]["id"]}
        )
        assert assert_ok(updated)["deployment"]["modelVersion"]["version"] == version
    config_only = await tenant.client.mutate(
        UPDATE, {"deploymentId": dep, "maxInstances": 5, "config": {"a": 1}}
    )
    assert assert_ok(config_only)["deployment"]["maxInstances"] == 5
    first = assert_ok(await tenant.client.mutate(ROLLBACK, {"deploymentId": dep}))
    assert first["deployment"]["modelVersion"]["version"] == "1.1.0"
    second = assert_ok(await tenant.client.mutate(ROLLBACK, {"deploymentId": dep}))
    assert second["deployment"]["modelVersion"]["version"] == "1.0.0"
    none_left = await tenant.client.mutate(ROLLBACK, {"deploymentId": dep})
    assert_error(none_left, "INVALID_TRANSITION", ["input", "deploymentId"])
    data = await tenant.client.data(EVENTS, {"id": dep})
    assert {e["actor"]["email"] for e in data["node"]["events"]["nodes"]} == {tenant.email}
    events = [
        (
            e["eventType"],
            (e["fromVersion"] or {}).get("version"),
            (e["toVersion"] or {}).get("version"),
        )
        for e in data["node"]["events"]["nodes"]
    ]
    assert events == [
        ("DEPLOY", None, "1.0.0"),
        ("UPDATE", "1.0.0", "1.1.0"),
        ("UPDATE", "1.1.0", "1.2.0"),
        ("UPDATE", "1.2.0", "1.2.0"),
        ("ROLLBACK", "1.2.0", "1.1.0"),
        ("ROLLBACK", "1.1.0", "1.0.0"),
    ]


async def test_update_validation(tenant):
    model, versions, _, deployment = await setup(tenant.client, tenant.org_id)
    dep = deployment["id"]
    inverted = await tenant.client.mutate(
        UPDATE, {"deploymentId": dep, "minInstances": 4, "maxInstances": 2}
    )
    assert_error(inverted, "VALIDATION", ["input", "maxInstances"])
    assert_ok(await transition(tenant.client, versions["1.2.0"]["id"], "ARCHIVED"))
    archived = await tenant.client.mutate(
        UPDATE, {"deploymentId": dep, "modelVersionId": versions["1.2.0"]["id"]}
    )
    assert_error(archived, "VALIDATION", ["input", "modelVersionId"])
    other_model = await create_model(
        tenant.client, (await create_project(tenant.client, tenant.org_id))["id"]
    )
    foreign = await create_version(tenant.client, other_model["id"], "9.0.0")
    wrong_model = await tenant.client.mutate(
        UPDATE, {"deploymentId": dep, "modelVersionId": foreign["id"]}
    )
    assert_error(wrong_model, "VALIDATION", ["input", "modelVersionId"])
    garbage = await tenant.client.mutate(UPDATE, {"deploymentId": dep, "modelVersionId": "nope"})
    assert_error(garbage, "NOT_FOUND", ["input", "modelVersionId"])


async def test_traffic_split_is_atomic_and_sums_to_100(tenant):
    model, versions, environment, blue = await setup(tenant.client, tenant.org_id)
    green = await create_deployment(tenant.client, versions["1.1.0"]["id"], environment["id"])
    for deployment in (blue, green):
        assert_ok(await move(tenant.client, deployment["id"], "DEPLOYING", "ACTIVE"))
    base = {"modelId": model["id"], "environmentId": environment["id"]}
    wrong_sum = await tenant.client.mutate(
        TRAFFIC,
        {
            **base,
            "splits": [
                {"deploymentId": blue["id"], "percentage": 90},
                {"deploymentId": green["id"], "percentage": 20},
            ],
        },
    )
    assert_error(wrong_sum, "VALIDATION", ["input", "splits"])
    ok = assert_ok(
        await tenant.client.mutate(
            TRAFFIC,
            {
                **base,
                "splits": [
                    {"deploymentId": blue["id"], "percentage": 90},
                    {"deploymentId": green["id"], "percentage": 10},
                ],
            },
        )
    )
    assert {d["id"]: d["trafficPercentage"] for d in ok["deployments"]} == {
        blue["id"]: 90,
        green["id"]: 10,
    }

    active = """query($m: ID!, $e: ID!) {
      m: node(id: $m) { ... on Model { activeDeployment(environmentId: $e) { id } } }
      e: node(id: $e) { ... on Environment { activeDeployments { totalCount } } } }"""
    data = await tenant.client.data(active, {"m": model["id"], "e": environment["id"]})
    assert (
        data["m"]["activeDeployment"]["id"] == blue["id"]
        and data["e"]["activeDeployments"]["totalCount"] == 2
    )
    # All traffic to green: blue, not listed, drops to 0 in the same transaction.
    assert_ok(
        await tenant.client.mutate(
            TRAFFIC, {**base, "splits": [{"deploymentId": green["id"], "percentage": 100}]}
        )
    )
    data = await tenant.client.data(active, {"m": model["id"], "e": environment["id"]})
    assert data["m"]["activeDeployment"]["id"] == green["id"]
    assert_ok(await move(tenant.client, blue["id"], "INACTIVE"))
    inactive = await tenant.client.mutate(
        TRAFFIC, {**base, "splits": [{"deploymentId": blue["id"], "percentage": 100}]}
    )
    assert_error(inactive, "NOT_FOUND", ["input", "splits", "0", "deploymentId"])


async def test_protected_environments_need_an_admin_for_every_change(tenant, http, database_url):
    model, versions, environment, deployment = await setup(
        tenant.client, tenant.org_id, protected=True
    )
    email = f"dev-{tenant.org_slug}@example.com"
    assert_ok(
        await tenant.client.mutate(
            INVITE, {"organizationId": tenant.org_id, "email": email, "role": "DEVELOPER"}
        )
    )
    developer = await bootstrap_key_for(database_url, http, email)
    dep = deployment["id"]
    for document, input in [
        (TRANSITION, {"deploymentId": dep, "status": "DEPLOYING"}),
        (UPDATE, {"deploymentId": dep, "maxInstances": 3}),
        (ROLLBACK, {"deploymentId": dep}),
    ]:
        assert_error(
            await developer.mutate(document, input), "FORBIDDEN", ["input", "deploymentId"]
        )
    assert_ok(await move(tenant.client, dep, "DEPLOYING", "ACTIVE"))  # the admin may
    traffic = await developer.mutate(
        TRAFFIC,
        {
            "modelId": model["id"],
            "environmentId": environment["id"],
            "splits": [{"deploymentId": dep, "percentage": 100}],
        },
    )
    assert_error(traffic, "FORBIDDEN")
