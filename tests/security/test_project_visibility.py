"""Private projects (issue 13): a PRIVATE project and everything under it are seen by its
project members and the organization's admins only. Other members of the organization get
what an outsider gets — null, NOT_FOUND, nothing in a list — on every read path (the
compiled SQL and the resolvers), in every mutation, in subscriptions and in lineage; the
moment a project turns private, their cached access and live subscriptions go. (The
generated documents of tests/api/test_compiled_reads.py also run as such a member: no
answer may name anything under the private project.)"""

from __future__ import annotations

import asyncio

import pytest
from gql.transport.exceptions import TransportQueryError
from graphql import (
    GraphQLObjectType,
)
from graphql import build_schema as schema_from_sdl

from app.api.ids import decode_any
from app.settings import REPO_ROOT
from tests.conftest import GraphQLClient
from tests.helpers import (
    USER_ERRORS,
    VERSION_CREATE,
    assert_error,
    assert_ok,
    build_graph,
    create_model,
    create_project,
    create_run,
)
from tests.support.access_revocation import ALERTS, closed_with
from tests.support.compiled_reads import INVENTORY, argument_free_fields, collect_ids, seed_varied
from tests.support.datasets import BY_CHECKSUM, INPUTS, LINEAGE, SHA, dataset, version
from tests.support.project_visibility import (
    VISIBILITY,
    member,
    member_with_email,
    set_visibility,
    typed,
)
from tests.support.real_clients import TRANSPORT_WS, doc, ws_client
from tests.support.subscriptions import RUN_METRICS
from tests.support.tenancy import MEMBER_SET
from tests.support.tenant_isolation import SNAPSHOT
from tests.ws import WSClient

CREATE_PROJECT = f"""mutation($input: ProjectCreateInput!) {{
  projectCreate(input: $input) {{ project {{ id visibility }} {USER_ERRORS} }} }}"""
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
PROJECTS = """query($slug: String!) { organization(slug: $slug) {
  projects(first: 50) { totalCount nodes { id visibility } }
  alerts(first: 100) { totalCount nodes { id } } } }"""


async def seen(client: GraphQLClient, ids: list[str]) -> dict[str, list[str]]:
    """Which of ``ids`` the client reads by id, on each read path (both must agree)."""
    found: dict[str, list[str]] = {}
    for path, reader in (("compiled", client), ("resolvers", client.on_resolvers())):
        found[path] = []
        for start in range(0, len(ids), 100):
            response = await reader.post(NODES, {"ids": ids[start : start + 100]})
            assert response.headers["x-mlgraph-path"] == path
            found[path] += [n["id"] for n in response.json()["data"]["nodes"] if n]
    assert found["compiled"] == found["resolvers"]
    return found


@pytest.fixture
async def organization(make_tenant, database_url, http):  # type: ignore[no-untyped-def]
    """A seeded organization (awkward values, soft-deleted rows) whose first project is
    private, with a developer and a viewer invited after seeding (no project role)."""
    admin = await make_tenant("priv")
    await seed_varied(database_url, admin.org_id, 11)
    inventory = await admin.client.on_resolvers().data(INVENTORY, {"slug": admin.org_slug})
    private, public = inventory["organization"]["projects"]["nodes"][:2]
    hidden, shown = typed(collect_ids(private)), typed(collect_ids(public))
    assert len(hidden) > 10 and len(shown) > 10  # the seed reached into both
    await set_visibility(admin, private["id"], "PRIVATE")
    developer = await member_with_email(admin, http, database_url, "DEVELOPER")
    viewer = await member(admin, http, database_url, "VIEWER")
    return admin, developer, viewer, private["id"], hidden, shown


async def test_members_without_a_project_role_see_nothing_of_a_private_project(organization):
    admin, (developer, email), viewer, project, hidden, shown = organization
    for client in (developer, viewer):
        assert await seen(client, hidden) == {"compiled": [], "resolvers": []}
        assert (await seen(client, shown))["compiled"] == shown  # not blanket denial
        for reader in (client, client.on_resolvers()):
            listed = await reader.post(INVENTORY, {"slug": admin.org_slug})
            assert not [i for i in hidden if i in listed.text]
            projects = (await reader.data(PROJECTS, {"slug": admin.org_slug}))["organization"]
            assert [p["id"] for p in projects["projects"]["nodes"]] == [shown[0]]
            assert projects["projects"]["totalCount"] == 1
            assert not {a["id"] for a in projects["alerts"]["nodes"]} & set(hidden)
    # The organization's admins see it all, on both paths.
    assert (await seen(admin.client, hidden))["compiled"] == hidden

    # A project role lets one member in; the viewer stays out.
    grant = {"projectId": project, "email": email, "role": "VIEWER"}
    assert_ok(await admin.client.mutate(MEMBER_SET, grant))
    assert (await seen(developer, hidden))["compiled"] == hidden
    assert await seen(viewer, hidden) == {"compiled": [], "resolvers": []}
    assert_ok(await admin.client.mutate(MEMBER_SET, {**grant, "role": None}))
    assert await seen(developer, hidden) == {"compiled": [], "resolvers": []}

    # Back to ORGANIZATION: every member sees it again.
    await set_visibility(admin, project, "ORGANIZATION")
    assert (await seen(viewer, hidden))["compiled"] == hidden


@pytest.fixture
async def private_graph(victim, http, database_url):  # type: ignore[no-untyped-def]
    """The tenant-isolation victim's graph (a project with a model, version, deployment,
    alert and rule; another with an experiment and a run), both projects private, and a
    developer of the same organization without a project role."""
    owner, ids = victim
    found = await owner.client.data(
        "query($r: ID!) { node(id: $r) { ... on Run { experiment { project { id } } } } }",
        {"r": ids["run"]},
    )
    ids["run_project"] = found["node"]["experiment"]["project"]["id"]
    for project in (ids["project"], ids["run_project"]):
        await set_visibility(owner, project, "PRIVATE")
    developer = await member(owner, http, database_url, "DEVELOPER")
    return owner, ids, developer


async def test_members_without_a_project_role_cannot_touch_a_private_project(private_graph):
    owner, ids, developer = private_graph
    before = await owner.client.data(SNAPSHOT, {"slug": owner.org_slug})
    # Every id slot of every mutation, taken from the schema, is tried on the private
    # project's rows by tests/security/test_every_id_slot.py; here, what slots do not cover.
    after = await owner.client.data(SNAPSHOT, {"slug": owner.org_slug})
    assert after == before
    # Lineage cannot point at a private run from the developer's own project either.
    own_model = await create_model(developer, (await create_project(developer, owner.org_id))["id"])
    lineage = await developer.mutate(
        VERSION_CREATE, {"modelId": own_model["id"], "version": "6.6.6", "runId": ids["run"]}
    )
    assert_error(lineage, "NOT_FOUND", ["input", "runId"])
    # Nor read it in a comparison of runs.
    histories = await developer.post(
        'query($r: [ID!]!) { runMetricHistories(runIds: $r, keys: ["loss"]) { key } }',
        {"r": [ids["run"]]},
    )
    assert histories.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_private_run_cannot_be_subscribed_to(server, private_graph):
    owner, ids, developer = private_graph
    async with ws_client(server.base_url, developer.key, TRANSPORT_WS) as session:
        with pytest.raises(TransportQueryError) as refused:
            async for _ in session.subscribe(doc(RUN_METRICS, runId=ids["run"])):
                pass
    assert refused.value.errors[0]["extensions"]["code"] == "NOT_FOUND"
    async with ws_client(server.base_url, owner.key, TRANSPORT_WS) as session:
        stream = session.subscribe(doc(RUN_METRICS, runId=ids["run"]))
        first = await asyncio.wait_for(anext(stream), 15)  # the owner is a project member
        await stream.aclose()
    assert first["runMetrics"]["points"][0]["key"] == "loss"


CREATE_ALERT = f"""mutation($input: AlertCreateInput!) {{
  alertCreate(input: $input) {{ alert {{ id }} {USER_ERRORS} }} }}"""


async def test_organization_alerts_stream_skips_private_projects(
    server, tenant, http, database_url
):
    public = await build_graph(tenant.client, tenant.org_id)
    private = await build_graph(tenant.client, tenant.org_id)
    await set_visibility(tenant, private["project"], "PRIVATE")
    developer = await member(tenant, http, database_url, "DEVELOPER")

    async def open_alert(graph: dict[str, str], title: str) -> None:
        payload = {"deploymentId": graph["deployment"], "severity": "HIGH", "title": title}
        assert_ok(await tenant.client.mutate(CREATE_ALERT, payload))

    async with ws_client(server.base_url, developer.key, TRANSPORT_WS) as session:
        stream = session.subscribe(doc(ALERTS, org=tenant.org_id))
        reader = asyncio.ensure_future(anext(stream))
        # The stream starts silent: open public alerts until one arrives (then it is live).
        while True:
            await open_alert(public, "ready")
            done, _ = await asyncio.wait({reader}, timeout=1)
            if done:
                break
        await open_alert(private, "hidden")
        await open_alert(public, "shown")
        titles = []
        while "shown" not in titles:
            titles.append((await asyncio.wait_for(anext(stream), 15))["alerts"]["title"])
        await stream.aclose()
    assert set(titles) <= {"ready", "shown"}, titles


async def test_making_a_project_private_ends_the_live_subscriptions_of_those_it_hides(
    server, tenant, http, database_url
):
    ids = await create_run(tenant.client, tenant.org_id)
    developer = await member(tenant, http, database_url, "DEVELOPER")
    project = (await tenant.client.data(
        "query($r: ID!) { node(id: $r) { ... on Run { experiment { project { id } } } } }",
        {"r": ids["run"]},
    ))["node"]["experiment"]["project"]["id"]  # fmt: skip
    client = await WSClient.connect(server.base_url, developer.key)
    await client.subscribe(RUN_METRICS, {"runId": ids["run"]})
    assert (await seen(developer, [project]))["compiled"] == [project]  # cached now
    await set_visibility(tenant, project, "PRIVATE")
    code, reason = await closed_with(client)
    assert (code, reason) == (4403, "Forbidden: your access changed; reconnect")
    # Its cached key learnt it at once too (the same process answers).
    assert await seen(developer, [project]) == {"compiled": [], "resolvers": []}


async def test_lineage_and_checksum_lookups_stop_at_a_private_project(tenant, http, database_url):
    """Lineage crosses projects (a public dataset feeds a private run that trained a public
    model version): the walk neither shows nor passes through what is hidden."""
    client = tenant.client
    public = (await create_project(client, tenant.org_id))["id"]
    data = await dataset(client, public, "shared")
    checksum = {"algorithm": "SHA256", "digest": SHA}
    v1 = assert_ok(await version(client, data, "1", checksum=checksum))["datasetVersion"]["id"]
    ids = await create_run(client, tenant.org_id)  # in a project of its own, made private
    record = {"runId": ids["run"], "inputs": [{"datasetVersionId": v1, "role": "TRAIN"}]}
    assert_ok(await client.mutate(INPUTS, record))
    model = (await create_model(client, public))["id"]
    trained = {"modelId": model, "version": "1.0.0", "runId": ids["run"]}
    mv = assert_ok(await client.mutate(VERSION_CREATE, trained))["modelVersion"]["id"]
    hidden_data = await dataset(client, ids["project"], "secret")
    twin = await version(client, hidden_data, "1", checksum=checksum)
    twin_id = assert_ok(twin)["datasetVersion"]["id"]
    await set_visibility(tenant, ids["project"], "PRIVATE")
    developer = await member(tenant, http, database_url, "DEVELOPER")

    async def walk(reader: GraphQLClient, start: str, direction: str) -> set[str]:
        query = {"id": start, "direction": direction, "depth": 5}
        return {n["id"] for n in (await reader.data(LINEAGE, query))["node"]["lineage"]["nodes"]}

    assert await walk(client, v1, "DOWNSTREAM") == {v1, ids["run"], mv}
    assert await walk(client, mv, "UPSTREAM") == {mv, ids["run"], v1}
    assert await walk(developer, v1, "DOWNSTREAM") == {v1}
    assert await walk(developer, mv, "UPSTREAM") == {mv}
    by_checksum = {"a": "SHA256", "d": SHA}
    found = await developer.data(BY_CHECKSUM, by_checksum)
    assert [v["id"] for v in found["datasetVersionsByChecksum"]] == [v1]
    found = await client.data(BY_CHECKSUM, by_checksum)
    assert [v["id"] for v in found["datasetVersionsByChecksum"]] == [v1, twin_id]


async def test_who_may_make_a_project_private(tenant, http, database_url):
    creator = await member(tenant, http, database_url, "DEVELOPER")
    other = await member(tenant, http, database_url, "DEVELOPER")
    made = await creator.mutate(
        CREATE_PROJECT,
        {"organizationId": tenant.org_id, "slug": "hush", "name": "Hush", "visibility": "PRIVATE"},
    )
    project = assert_ok(made)["project"]
    assert project["visibility"] == "PRIVATE"  # its creator owns it, so sees it
    assert (await seen(other, [project["id"]]))["compiled"] == []
    assert (await seen(tenant.client, [project["id"]]))["compiled"] == [project["id"]]
    # Only its owners change it: another developer does not even find it; null is refused.
    refused = await other.mutate(
        VISIBILITY, {"projectId": project["id"], "visibility": "ORGANIZATION"}
    )
    assert_error(refused, "NOT_FOUND", ["input", "projectId"])
    blank = await creator.mutate(VISIBILITY, {"projectId": project["id"], "visibility": None})
    assert_error(blank, "VALIDATION", ["input", "visibility"])
    shared = {"organizationId": tenant.org_id, "slug": "open", "name": "Open"}
    opened = assert_ok(await creator.mutate(CREATE_PROJECT, shared))["project"]
    assert opened["visibility"] == "ORGANIZATION"  # the default
    contributor = {"projectId": opened["id"], "visibility": "PRIVATE"}
    forbidden = await other.mutate(VISIBILITY, contributor)
    assert_error(forbidden, "FORBIDDEN", ["input", "projectId"])


async def test_nothing_a_member_can_read_names_a_private_row(organization):
    """Deterministic complement to the generated documents: every node the developer can
    reach, every argument-free field of it (scalars, and the id of every object it links
    to), on both paths — no answer names anything under the private project. (It found a
    notification rule scoped to a private project's deployment, showing its id.)"""
    admin, (developer, _), _, _, hidden, _ = organization
    schema = schema_from_sdl((REPO_ROOT / "schema.graphql").read_text())
    inventory = await developer.on_resolvers().data(INVENTORY, {"slug": admin.org_slug})
    by_type: dict[str, list[str]] = {}
    for global_id in dict.fromkeys(collect_ids(inventory)):
        decoded = decode_any(global_id)
        if decoded and isinstance(schema.get_type(decoded[0]), GraphQLObjectType):
            by_type.setdefault(decoded[0], []).append(global_id)
    assert sum(map(len, by_type.values())) > 20
    asked = 0
    for type_name, ids in by_type.items():
        for selection in argument_free_fields(
            schema.get_type(type_name), links=True
        ):  # one at a time: a Python-only field stays apart
            query = f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on {type_name} {{ {selection} }} }} }}"
            for start in range(0, len(ids), 100):
                for reader in (developer, developer.on_resolvers()):
                    answer = (await reader.post(query, {"ids": ids[start : start + 100]})).content
                    leaked = [i for i in hidden if i.encode() in answer]
                    assert not leaked, (query, leaked)
            asked += 1
    assert asked > 150
