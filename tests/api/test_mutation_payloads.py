"""A mutation's payload entity is read back on the compiled path when its selection
compiles: one statement, the same bytes as the resolvers would answer for that entity
(aliases, fragments, __typename, nested links and connections), and the resolvers where it
does not compile or the row is no longer readable (a soft-deleted project)."""

from __future__ import annotations

from typing import Any

import orjson
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

from app.api.graph.extension import COMPILED_PAYLOAD
from tests.conftest import GraphQLClient, unique
from tests.helpers import USER_ERRORS, assert_ok, build_graph, create_project

PROJECT_FIELDS = "id slug name __typename organization { slug plan }"
MODEL_FIELDS = f"""
  id name tags metadata createdAt __typename
  project {{ {PROJECT_FIELDS} }}
  latest: versions(first: 2) {{ totalCount pageInfo {{ hasNextPage endCursor }}
                                nodes {{ id version stage }} }}
  productionVersion {{ id version }}
"""
DEPLOYMENT_FIELDS = f"""
  id name status minInstances maxInstances trafficPercentage config createdAt updatedAt
  environment {{ id name protected }}
  modelVersion {{ id version stage model {{ {MODEL_FIELDS} }} }}
  ... on Node {{ id }}
  ...DeploymentLinks
  alerts(first: 3) {{ totalCount edges {{ cursor node {{ id }} }} }}
"""
FRAGMENT = """
fragment DeploymentLinks on Deployment { project { id name } again: environment { name } }
"""

# (mutation field, payload entity field, entity type, the entity's selection, input maker)
CASES: list[tuple[str, str, str, str]] = [
    ("projectUpdate", "project", "Project", PROJECT_FIELDS),
    ("modelUpdate", "model", "Model", MODEL_FIELDS),
    ("deploymentUpdate", "deployment", "Deployment", DEPLOYMENT_FIELDS),
    ("deploymentTransition", "deployment", "Deployment", DEPLOYMENT_FIELDS),
]


def mutation(field: str, entity: str, selection: str, input_type: str) -> str:
    extra = FRAGMENT if "DeploymentLinks" in selection else ""
    return f"""
    mutation($input: {input_type}!) {{
      {field}(input: $input) {{
        {entity} {{ {selection} }}
        twice: {entity} {{ __typename id }}
        {USER_ERRORS}
      }}
    }}
    {extra}"""


def node_query(type_name: str, selection: str) -> str:
    extra = FRAGMENT if "DeploymentLinks" in selection else ""
    return f"query($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{ {selection} }} }} }}{extra}"


async def run_both(
    client: GraphQLClient, document: str, input: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    response = await client.post(document, {"input": input})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return assert_ok(next(iter(body["data"].values()))), response.headers["x-mlgraph-path"]


async def resolver_read(client: GraphQLClient, type_name: str, selection: str, id: str) -> bytes:
    """The entity as the resolver path answers it now (the reference)."""
    data = await client.on_resolvers().data(node_query(type_name, selection), {"id": id})
    return orjson.dumps(data["node"])


async def test_payloads_read_back_compiled_answer_as_the_resolvers_do(tenant):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    inputs = {
        "projectUpdate": ("ProjectUpdateInput", {"projectId": ids["project"], "name": 'Ç "q"'}),
        "modelUpdate": (
            "ModelUpdateInput",
            {"modelId": ids["model"], "tags": ["a", "b:c"], "metadata": {"f": 1e-7, "n": [1, 2.5]}},
        ),
        "deploymentUpdate": (
            "DeploymentUpdateInput",
            {"deploymentId": ids["deployment"], "maxInstances": 7, "config": {"x": 0.1}},
        ),
        "deploymentTransition": (
            "DeploymentTransitionInput",
            {"deploymentId": ids["deployment"], "status": "DEPLOYING"},
            {"deploymentId": ids["deployment"], "status": "ACTIVE"},
        ),
    }
    for field, entity, type_name, selection in CASES:
        input_type, input, *again = inputs[field]
        document = mutation(field, entity, selection, input_type)
        payload, path = await run_both(client, document, input)
        assert path == COMPILED_PAYLOAD, field
        reference = await resolver_read(client, type_name, selection, payload[entity]["id"])
        assert orjson.dumps(payload[entity]) == reference, field
        assert payload["twice"] == {"__typename": type_name, "id": payload[entity]["id"]}

        # The same mutation on the resolver path answers the same bytes (the old way).
        payload, path = await run_both(client.on_resolvers(), document, (again or [input])[0])
        assert path == "resolvers", field
        reference = await resolver_read(client, type_name, selection, payload[entity]["id"])
        assert orjson.dumps(payload[entity]) == reference, field


async def test_a_deep_payload_costs_one_read_statement(tenant, count_statements):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    deep = mutation("deploymentUpdate", "deployment", DEPLOYMENT_FIELDS, "DeploymentUpdateInput")
    shallow = mutation("deploymentUpdate", "deployment", "id", "DeploymentUpdateInput")
    input = {"deploymentId": ids["deployment"], "minInstances": 1}

    async def statements(on: GraphQLClient, document: str) -> int:
        await run_both(on, document, input)  # warm: the caller's access is cached
        with count_statements() as counter:
            await run_both(on, document, input)
        return len(counter.statements)

    work = await statements(client.on_resolvers(), shallow)  # from the row, no reads
    assert await statements(client, deep) == work + 1
    assert await statements(client.on_resolvers(), deep) >= work + 5


async def test_what_does_not_compile_or_cannot_be_read_is_answered_by_the_resolvers(tenant):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    # Model.activeDeployment is resolved in Python: the payload goes the resolver way.
    document = mutation(
        "modelUpdate",
        "model",
        f'id activeDeployment(environmentId: "{ids["environment"]}") {{ id }}',
        "ModelUpdateInput",
    )
    payload, path = await run_both(client, document, {"modelId": ids["model"], "tags": ["x"]})
    assert path == "resolvers"
    assert payload["model"]["id"] == ids["model"]

    # A deleted project is no longer readable; the payload still shows it, from its row.
    project = await create_project(client, tenant.org_id)
    document = mutation("projectDelete", "project", "id slug __typename", "ProjectDeleteInput")
    payload, path = await run_both(client, document, {"projectId": project["id"]})
    assert path == "resolvers"
    assert payload["project"] == {"id": project["id"], "slug": project["slug"],
                                  "__typename": "Project"}  # fmt: skip


async def test_organization_create_reads_the_new_organization_back_compiled(tenant):
    slug = unique("neworg")
    document = mutation(
        "organizationCreate",
        "organization",
        "id slug name plan viewerRole projects(first: 1) { totalCount }",
        "OrganizationCreateInput",
    )
    payload, path = await run_both(tenant.client, document, {"slug": slug, "name": "New"})
    organization = payload["organization"]
    assert organization["slug"] == slug and organization["viewerRole"] == "ADMIN"
    assert organization["projects"] == {"totalCount": 0}
    assert path == "resolvers"  # viewerRole is the request's, computed in Python


async def test_a_websocket_mutation_reads_its_payload_back_compiled(
    server, tenant, count_statements
):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    deep = mutation("deploymentUpdate", "deployment", DEPLOYMENT_FIELDS, "DeploymentUpdateInput")
    shallow = mutation("deploymentUpdate", "deployment", "id", "DeploymentUpdateInput")
    input = {"deploymentId": ids["deployment"], "maxInstances": 3}
    await run_both(client.on_resolvers(), shallow, input)
    with count_statements() as counter:
        await run_both(client.on_resolvers(), shallow, input)
    work = len(counter.statements)

    transport = WebsocketsTransport(
        url=server.base_url.replace("http://", "ws://") + "/graphql",
        init_payload={"Authorization": f"Bearer {tenant.key}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    request = gql(deep)
    request.variable_values = {"input": input}
    async with Client(transport=transport) as session:
        await session.execute(request)
        with count_statements() as counter:
            result = await session.execute(request)
    assert len(counter.statements) == work + 1  # the payload: one compiled read
    deployment = result["deploymentUpdate"]["deployment"]
    assert deployment["maxInstances"] == 3
    reference = await resolver_read(client, "Deployment", DEPLOYMENT_FIELDS, ids["deployment"])
    assert orjson.dumps(deployment) == reference


KEY_FIELDS = "id name prefix scopes expiresAt revokedAt lastUsedAt createdAt __typename"


async def test_an_api_key_is_read_back_compiled_with_its_scopes(tenant):
    create = f"""mutation($input: ApiKeyCreateInput!) {{
      apiKeyCreate(input: $input) {{ apiKey {{ {KEY_FIELDS} }} secret {USER_ERRORS} }} }}"""
    revoke = f"""mutation($input: ApiKeyRevokeInput!) {{
      apiKeyRevoke(input: $input) {{ apiKey {{ {KEY_FIELDS} }} {USER_ERRORS} }} }}"""
    response = await tenant.client.post(
        create,
        {"input": {"name": "ci", "organizationId": tenant.org_id, "scopes": ["WRITE", "READ"],
                   "expiresAt": "2030-01-02T03:04:05.123456+00:00"}},
    )  # fmt: skip
    assert response.headers["x-mlgraph-path"] == COMPILED_PAYLOAD
    created = assert_ok(response.json()["data"]["apiKeyCreate"])
    assert created["secret"].startswith(created["apiKey"]["prefix"])
    assert created["apiKey"]["scopes"] == ["READ", "WRITE"]  # as stored (sorted)
    # The same key through the resolvers (revoking it): the same bytes but revokedAt.
    revoked, path = await run_both(
        tenant.client.on_resolvers(), revoke, {"apiKeyId": created["apiKey"]["id"]}
    )
    assert path == "resolvers" and revoked["apiKey"]["revokedAt"] is not None
    assert orjson.dumps({**revoked["apiKey"], "revokedAt": None}) == orjson.dumps(created["apiKey"])
