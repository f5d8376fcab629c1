"""Serving endpoints and release history (issue 12): one endpoint per model and
environment keeps its active and previous deployment in step with every deploy, status and
traffic change; `endpoint.activeDeployment(at:)` and `model.productionVersion(at:)` answer
for any past instant; deployment history entries carry a per-action status."""

from __future__ import annotations

from typing import Any

import pytest
from gql.transport.exceptions import TransportQueryError

from tests.conftest import GraphQLClient
from tests.helpers import (
    USER_ERRORS,
    assert_error,
    assert_ok,
    create_deployment,
    create_environment,
    create_model,
    create_project,
    create_version,
    transition,
)
from tests.support.project_visibility import member
from tests.support.promotion_policies import POLICY
from tests.support.real_clients import TRANSPORT_WS, doc, ws_client
from tests.support.serving_endpoints import TRAFFIC, activate, endpoint_of, move
from tests.support.tenancy import INVITE, KEY_CREATE, ROLE_UPDATE, my_membership_id

EVENTS = """query($id: ID!) { node(id: $id) { ... on Deployment {
  events(orderBy: CREATED_ASC) { nodes { eventType status errorMessage startedAt finishedAt } }
} } }"""
ENDPOINT_UPDATE = f"""mutation($input: ServingEndpointUpdateInput!) {{
  servingEndpointUpdate(input: $input) {{ endpoint {{ id url }} {USER_ERRORS} }} }}"""
PRODUCTION = """query($id: ID!, $at: DateTime) { node(id: $id) { ... on Model {
  productionVersion { version } then: productionVersion(at: $at) { version }
  versions(orderBy: CREATED_ASC) { nodes { version stageChangedAt } } } } }"""


async def test_an_endpoint_follows_deploys_status_and_traffic_and_answers_for_the_past(tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    model = (await create_model(client, project))["id"]
    v1 = (await create_version(client, model, "1.0.0"))["id"]
    v2 = (await create_version(client, model, "2.0.0"))["id"]
    env = (await create_environment(client, tenant.org_id))["id"]
    blue = (await create_deployment(client, v1, env))["id"]
    idle = await endpoint_of(client, blue)
    assert idle["status"] == "IDLE" and idle["activeDeployment"] is None
    assert idle["model"]["id"] == model and idle["environment"]["id"] == env

    await activate(client, blue)
    serving = await endpoint_of(client, blue)
    assert serving["status"] == "SERVING"
    assert serving["activeDeployment"] == {"id": blue} and serving["previousDeployment"] is None
    blue_since = serving["history"]["nodes"][0]["createdAt"]

    green = (await create_deployment(client, v2, env))["id"]
    same = await endpoint_of(client, green)
    assert same["id"] == serving["id"] and same["deployments"]["totalCount"] == 2
    await activate(client, green)
    # Both ACTIVE with 100 %: the newest is the active one until traffic says otherwise.
    assert (await endpoint_of(client, blue))["activeDeployment"] == {"id": green}
    splits = [{"deploymentId": blue, "percentage": 90}, {"deploymentId": green, "percentage": 10}]
    input = {"modelId": model, "environmentId": env, "splits": splits}
    assert_ok(await client.mutate(TRAFFIC, input))
    canary = await endpoint_of(client, blue)
    assert canary["activeDeployment"] == {"id": blue}
    assert canary["trafficSplit"]["nodes"] == [
        {"id": blue, "trafficPercentage": 90}, {"id": green, "trafficPercentage": 10}]  # fmt: skip

    splits = [{"deploymentId": green, "percentage": 100}]
    assert_ok(await client.mutate(TRAFFIC, {**input, "splits": splits}))
    promoted = await endpoint_of(client, blue, at=blue_since)
    assert promoted["activeDeployment"] == {"id": green}
    assert promoted["previousDeployment"] == {"id": blue}
    assert promoted["then"] == {"id": blue}  # time travel: who served at blue_since
    history = promoted["history"]["nodes"]
    assert [(h["reason"], h["fromDeployment"], h["toDeployment"]) for h in history] == [
        ("TRAFFIC", {"id": blue}, {"id": green}),  # green takes 100 %
        ("TRAFFIC", {"id": green}, {"id": blue}),  # the 90/10 canary: blue serves most
        ("STATUS", {"id": blue}, {"id": green}),  # green ACTIVE at 100 % (newest on a tie)
        ("STATUS", None, {"id": blue}),
    ]
    assert {h["actor"]["email"] for h in history} == {tenant.email}
    before = await endpoint_of(client, blue, at="2000-01-01T00:00:00Z")
    assert before["then"] is None

    # Terminating the active one hands the endpoint to the other ACTIVE deployment.
    assert_ok(await move(client, green, "TERMINATING"))
    after = await endpoint_of(client, blue)
    assert after["activeDeployment"] == {"id": blue} and after["previousDeployment"] == {
        "id": green
    }
    assert_ok(await move(client, blue, "INACTIVE"))
    empty = await endpoint_of(client, blue)
    assert empty["status"] == "IDLE" and empty["activeDeployment"] is None


async def test_another_model_or_environment_has_its_own_endpoint(tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    first, second = [(await create_model(client, project))["id"] for _ in range(2)]
    v1 = (await create_version(client, first, "1.0.0"))["id"]
    v2 = (await create_version(client, second, "1.0.0"))["id"]
    staging, prod = [(await create_environment(client, tenant.org_id))["id"] for _ in range(2)]
    ids = set()
    for version, env in ((v1, staging), (v1, prod), (v2, staging)):
        deployment = (await create_deployment(client, version, env))["id"]
        ids.add((await endpoint_of(client, deployment))["id"])
    assert len(ids) == 3
    listed = await client.data(
        """query($id: ID!) { node(id: $id) { ... on Model { endpoints { nodes { id } } } } }""",
        {"id": first},
    )
    assert len(listed["node"]["endpoints"]["nodes"]) == 2
    await activate(client, deployment)  # the last one: v2 in staging
    filtered = await client.data(
        """query($id: ID!) { node(id: $id) { ... on Environment {
          serving: endpoints(status: [SERVING]) { nodes { id } }
          idle: endpoints(status: [IDLE], orderBy: CREATED_DESC) { nodes { model { id } } }
          none: endpoints(createdTo: "2000-01-01T00:00:00Z") { totalCount } } } }""",
        {"id": staging},
    )
    assert filtered["node"]["serving"]["nodes"] == [
        {"id": (await endpoint_of(client, deployment))["id"]}
    ]
    assert filtered["node"]["idle"]["nodes"] == [{"model": {"id": first}}]
    assert filtered["node"]["none"]["totalCount"] == 0


async def test_endpoint_urls_are_checked_and_endpoints_stay_in_their_tenant(tenant, make_tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    model = (await create_model(client, project))["id"]
    version = (await create_version(client, model, "1.0.0"))["id"]
    env = (await create_environment(client, tenant.org_id))["id"]
    deployment = (await create_deployment(client, version, env))["id"]
    endpoint = (await endpoint_of(client, deployment))["id"]
    for bad in ("ftp://x.example/a", "not a url", "javascript:alert(1)"):
        payload = await client.mutate(ENDPOINT_UPDATE, {"endpointId": endpoint, "url": bad})
        assert_error(payload, "VALIDATION", ["input", "url"])
    url = "https://fraud.example.com/v1/predict"
    done = assert_ok(await client.mutate(ENDPOINT_UPDATE, {"endpointId": endpoint, "url": url}))
    assert done["endpoint"] == {"id": endpoint, "url": url}

    other = await make_tenant("epx")
    seen = await other.client.data("query($id: ID!) { node(id: $id) { id } }", {"id": endpoint})
    assert seen["node"] is None
    theirs = await other.client.mutate(ENDPOINT_UPDATE, {"endpointId": endpoint, "url": url})
    assert_error(theirs, "NOT_FOUND", ["input", "endpointId"])


async def test_each_deploy_and_terminate_has_a_status_an_error_and_times(tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    model = (await create_model(client, project))["id"]
    v1 = (await create_version(client, model, "1.0.0"))["id"]
    env = (await create_environment(client, tenant.org_id))["id"]
    deployment = (await create_deployment(client, v1, env))["id"]

    async def events() -> list[dict]:  # type: ignore[type-arg]
        data = await client.data(EVENTS, {"id": deployment})
        return data["node"]["events"]["nodes"]

    [deploy] = await events()
    assert (deploy["eventType"], deploy["status"], deploy["startedAt"]) == (
        "DEPLOY",
        "PENDING",
        None,
    )
    assert_ok(await move(client, deployment, "DEPLOYING"))
    [deploy] = await events()
    assert deploy["status"] == "IN_PROGRESS" and deploy["startedAt"] and not deploy["finishedAt"]
    refused = await move(client, deployment, "ACTIVE", errorMessage="no")
    assert_error(refused, "VALIDATION", ["input", "errorMessage"])
    failed = assert_ok(await move(client, deployment, "FAILED", errorMessage="image pull failed"))
    assert failed["deployment"]["deployedAt"] is None
    [deploy] = await events()
    assert (deploy["status"], deploy["errorMessage"]) == ("FAILED", "image pull failed")
    assert deploy["finishedAt"] >= deploy["startedAt"]

    await activate(client, deployment)  # a retry is a new deploy in the history
    first, retry = await events()
    assert first["status"] == "FAILED" and retry["eventType"] == "DEPLOY"
    assert retry["status"] == "COMPLETED" and retry["errorMessage"] is None
    active = await client.data(EVENTS.replace("events(", "deployedAt events("), {"id": deployment})
    assert active["node"]["deployedAt"] is not None

    assert_ok(await move(client, deployment, "TERMINATING"))
    *_, terminate = await events()
    assert (terminate["eventType"], terminate["status"]) == ("TERMINATE", "IN_PROGRESS")
    ended = assert_ok(await move(client, deployment, "TERMINATED"))
    assert ended["deployment"]["terminatedAt"] is not None
    *_, terminate = await events()
    assert terminate["status"] == "COMPLETED" and terminate["finishedAt"]


async def test_production_version_answers_for_any_past_instant(tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    model = (await create_model(client, project))["id"]
    v1 = (await create_version(client, model, "1.0.0"))["id"]
    v2 = (await create_version(client, model, "2.0.0"))["id"]
    for version in (v1, v2):
        assert_ok(await transition(client, version, "STAGING"))
        assert_ok(await transition(client, version, "PRODUCTION"))
    data = (await client.data(PRODUCTION, {"id": model, "at": None}))["node"]
    first_at = data["versions"]["nodes"][0]["stageChangedAt"]  # v1 archived: after v2 promoted
    assert data["productionVersion"] == {"version": "2.0.0"}

    async def at(instant: str) -> Any:
        return (await client.data(PRODUCTION, {"id": model, "at": instant}))["node"]["then"]

    assert await at("2000-01-01T00:00:00Z") is None
    assert await at(first_at) == {"version": "2.0.0"}  # the instant v2 replaced v1
    history = await client.data(
        """query($id: ID!) { node(id: $id) { ... on Model {
          versions(orderBy: CREATED_ASC) { nodes { version stage } } } } }""",
        {"id": model},
    )
    assert [v["stage"] for v in history["node"]["versions"]["nodes"]] == ["ARCHIVED", "PRODUCTION"]
    # Between v1's promotion and v2's: v1. The audit log has both instants.
    logs = await client.data(
        """query($slug: String!) { organization(slug: $slug) {
          auditLogs(first: 50) { nodes { action createdAt details } } } }""",
        {"slug": tenant.org_slug},
    )
    promotions = sorted(
        entry["createdAt"]
        for entry in logs["organization"]["auditLogs"]["nodes"]
        if entry["action"] == "model_version.transition" and entry["details"]["to"] == "production"
    )
    assert await at(promotions[0]) == {"version": "1.0.0"}
    assert await at(promotions[1]) == {"version": "2.0.0"}
    # Archiving the production version leaves none in production from then on.
    assert_ok(await transition(client, v2, "ARCHIVED"))
    now = (await client.data(PRODUCTION, {"id": model, "at": None}))["node"]
    assert now["productionVersion"] is None
    archived_at = now["versions"]["nodes"][1]["stageChangedAt"]
    assert await at(archived_at) is None
    assert await at(promotions[1]) == {"version": "2.0.0"}
    naive = await client.post(PRODUCTION, {"id": model, "at": "2026-01-01T00:00:00"})
    assert naive.json().get("errors"), naive.json()


async def test_a_contributor_cannot_change_a_protected_environments_endpoint(tenant):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    model = (await create_model(client, project))["id"]
    version = (await create_version(client, model, "1.0.0"))["id"]
    env = (await create_environment(client, tenant.org_id, protected=True))["id"]
    deployment = (await create_deployment(client, version, env))["id"]
    endpoint = (await endpoint_of(client, deployment))["id"]
    url = "https://x.example/predict"
    assert_ok(await client.mutate(ENDPOINT_UPDATE, {"endpointId": endpoint, "url": url}))
    # The caller steps down to developer (another admin takes over).
    invite = {"organizationId": tenant.org_id, "email": "ep-admin@example.com", "role": "ADMIN"}
    assert_ok(await client.mutate(INVITE, invite))
    own = await my_membership_id(client, tenant.org_slug)
    assert_ok(await client.mutate(ROLE_UPDATE, {"membershipId": own, "role": "DEVELOPER"}))
    payload = await client.mutate(ENDPOINT_UPDATE, {"endpointId": endpoint, "url": None})
    assert_error(payload, "FORBIDDEN")
    assert (await endpoint_of(client, deployment))["url"] == url


DASHBOARD = """query($id: ID!) { node(id: $id) { ... on Model {
  productionVersion { version }
  endpoints { nodes { status url environment { name } activeDeployment { name
      servingFramework replicaCount health predictions(first: 5) { totalCount } }
    previousDeployment { name } trafficSplit { nodes { name trafficPercentage } }
    history(first: 5) { nodes { reason toDeployment { name } } }
    promotionPolicy { bakeMinutes } } } } } }"""


async def test_an_endpoint_dashboard_is_one_statement_and_time_travel_reads_history(
    tenant, count_statements
):
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    model = (await create_model(client, project))["id"]
    version = (await create_version(client, model, "1.0.0"))["id"]
    env = (await create_environment(client, tenant.org_id))["id"]
    for _ in range(3):
        await activate(client, (await create_deployment(client, version, env))["id"])
    await client.data(DASHBOARD, {"id": model})  # warm: the key's last use is recorded
    with count_statements() as counter:
        response = await client.post(DASHBOARD, {"id": model})
    assert response.headers["x-mlgraph-path"] == "compiled"
    assert len(counter.statements) == 1
    [endpoint] = response.json()["data"]["node"]["endpoints"]["nodes"]
    assert len(endpoint["trafficSplit"]["nodes"]) == 3 and endpoint["status"] == "SERVING"
    reference = await client.on_resolvers().post(DASHBOARD, {"id": model})
    assert reference.content == response.content
    # With `at:` the same field reads the history: the resolver path.
    travelled = await client.post(
        DASHBOARD.replace("productionVersion {", 'productionVersion(at: "2026-01-01T00:00:00Z") {'),
        {"id": model},
    )
    assert travelled.headers["x-mlgraph-path"] == "resolvers"
    assert travelled.json()["data"]["node"]["productionVersion"] is None


CAN_SET = """query($id: ID!) { node(id: $id) { ... on ServingEndpoint { viewerCanSetTraffic } } }"""


async def test_viewer_can_set_traffic_says_what_the_traffic_mutation_does(
    tenant, http, database_url
):
    """Issue 31, item 3 (traffic editable by those allowed): for each caller — the admin, a
    read-only key of theirs, a VIEWER and a DEVELOPER — and each environment (protected or
    not), `viewerCanSetTraffic` is true exactly when `deploymentTrafficSet` succeeds."""
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    model = (await create_model(client, project))["id"]
    version = (await create_version(client, model, "1.0.0"))["id"]
    endpoints: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, protected in (("open", False), ("protected", True)):
        env = (await create_environment(client, tenant.org_id, protected=protected))["id"]
        deployment = (await create_deployment(client, version, env))["id"]
        await activate(client, deployment)
        split = {"modelId": model, "environmentId": env,
                 "splits": [{"deploymentId": deployment, "percentage": 100}]}  # fmt: skip
        endpoints[name] = ((await endpoint_of(client, deployment))["id"], split)
    made = assert_ok(await client.mutate(KEY_CREATE, {"name": "r", "scopes": ["READ"],
                                                      "organizationId": tenant.org_id}))  # fmt: skip
    callers = {
        "admin": client,
        "read-only key": GraphQLClient(http, made["secret"]),
        "viewer": await member(tenant, http, database_url, "VIEWER"),
        "developer": await member(tenant, http, database_url, "DEVELOPER"),
    }
    answers = {}
    for who, caller in callers.items():
        for where, (endpoint, split) in endpoints.items():
            can = (await caller.data(CAN_SET, {"id": endpoint}))["node"]["viewerCanSetTraffic"]
            errors = (await caller.mutate(TRAFFIC, split))["userErrors"]
            assert can == (not errors), (who, where, can, errors)
            answers[(who, where)] = can
    assert answers == {
        ("admin", "open"): True, ("admin", "protected"): True,
        ("read-only key", "open"): False, ("read-only key", "protected"): False,
        ("viewer", "open"): False, ("viewer", "protected"): False,
        ("developer", "open"): True, ("developer", "protected"): False,
    }  # fmt: skip


LIVE_ENDPOINT = """subscription($id: ID!) { servingEndpointChanges(endpointId: $id) {
  id url activeDeployment { id } trafficSplit { nodes { id trafficPercentage } }
  promotionPolicy { bakeMinutes } history(first: 1) { nodes { reason } } viewerCanSetTraffic } }"""


async def test_an_endpoint_is_followed_live_through_every_change_its_page_shows(
    server, tenant, make_tenant
):
    """servingEndpointChanges (gql over graphql-ws, as the dashboard's endpoint page
    follows it): the endpoint now, then again after a traffic change, a URL change and a
    promotion policy, each with the fields selected; another organization cannot follow."""
    client = tenant.client
    project = (await create_project(client, tenant.org_id))["id"]
    model = (await create_model(client, project))["id"]
    env = (await create_environment(client, tenant.org_id))["id"]
    blue, green = [
        (await create_deployment(client, (await create_version(client, model, v))["id"], env))["id"]
        for v in ("1.0.0", "2.0.0")
    ]
    for deployment in (blue, green):
        await activate(client, deployment)
    endpoint = (await endpoint_of(client, blue))["id"]

    def shares(event: dict[str, Any]) -> dict[str, int]:
        return {n["id"]: n["trafficPercentage"] for n in event["trafficSplit"]["nodes"]}

    async with ws_client(server.base_url, tenant.key, TRANSPORT_WS) as session:
        stream = session.subscribe(doc(LIVE_ENDPOINT, id=endpoint))
        now = (await anext(stream))["servingEndpointChanges"]
        assert (now["id"], now["url"], now["viewerCanSetTraffic"]) == (endpoint, None, True)
        splits = [{"deploymentId": blue, "percentage": 70},
                  {"deploymentId": green, "percentage": 30}]  # fmt: skip
        assert_ok(await client.mutate(TRAFFIC, {"modelId": model, "environmentId": env,
                                                "splits": splits}))  # fmt: skip
        moved = (await anext(stream))["servingEndpointChanges"]
        assert shares(moved) == {blue: 70, green: 30}
        assert moved["activeDeployment"]["id"] == blue  # now the most traffic
        assert moved["history"]["nodes"] == [{"reason": "TRAFFIC"}]
        url = "https://live.example/predict"
        assert_ok(await client.mutate(ENDPOINT_UPDATE, {"endpointId": endpoint, "url": url}))
        assert (await anext(stream))["servingEndpointChanges"]["url"] == url
        assert_ok(await client.mutate(POLICY, {"endpointId": endpoint, "bakeMinutes": 15}))
        gated = (await anext(stream))["servingEndpointChanges"]
        assert gated["promotionPolicy"] == {"bakeMinutes": 15}
        await stream.aclose()  # complete it: an endpoint's stream never ends by itself

    outsider = await make_tenant("endpoint-watcher")
    async with ws_client(server.base_url, outsider.key, TRANSPORT_WS) as session:
        with pytest.raises(TransportQueryError) as refused:
            async for _ in session.subscribe(doc(LIVE_ENDPOINT, id=endpoint)):
                raise AssertionError("another organization followed the endpoint")
    assert refused.value.errors[0]["extensions"]["code"] == "NOT_FOUND"
