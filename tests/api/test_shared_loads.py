"""A field error that nulls one branch must not break another branch that awaits the same
batched row: graphql-core cancels the failed branch's sibling resolvers, and a cancelled
awaiter must not cancel the load it shares (it did: the whole request answered 500)."""

from __future__ import annotations

from tests.helpers import create_project

QUERY = """query($id: ID!) {
  a: node(id: $id) { ... on Project { organization { name } models(first: 101) { totalCount } } }
  b: node(id: $id) { ... on Project { organization { name } } }
}"""


async def test_one_branch_failing_leaves_a_branch_sharing_its_loads_intact(tenant):
    project = await create_project(tenant.client, tenant.org_id, "shared-loads")
    for client in (tenant.client.on_resolvers(), tenant.client):
        for _ in range(20):
            response = await client.post(QUERY, {"id": project["id"]})
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["data"]["a"] is None
            assert body["errors"][0]["message"] == "first must be between 0 and 100"
            assert body["data"]["b"]["organization"]["name"]
