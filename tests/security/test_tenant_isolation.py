"""A second organization tries every id-taking query and mutation on the first one's objects.

Each answers NOT_FOUND (or null) exactly as for an id that does not exist, never FORBIDDEN,
and nothing changes."""

from __future__ import annotations

from tests.helpers import (
    VERSION_CREATE,
    assert_error,
    assert_ok,
    build_graph,
)
from tests.support.tenancy import (
    KEY_CREATE,
    VIEWER,
)
from tests.support.tenant_isolation import SNAPSHOT


async def test_other_tenant_cannot_touch_anything(victim, make_tenant):
    owner, ids = victim
    before = await owner.client.data(SNAPSHOT, {"slug": owner.org_slug})
    attacker = await make_tenant("attacker")
    # Every id slot of every mutation, taken from the schema, is tried by
    # tests/security/test_every_id_slot.py; here, what the slots do not cover.
    # Lineage cannot point at another tenant's run either.
    own = await build_graph(attacker.client, attacker.org_id)
    lineage = await attacker.client.mutate(
        VERSION_CREATE, {"modelId": own["model"], "version": "6.6.6", "runId": ids["run"]}
    )
    assert_error(lineage, "NOT_FOUND", ["input", "runId"])

    # Reads: null, like a missing id.
    for global_id in ids.values():
        data = await attacker.client.data(
            "query($id: ID!) { node(id: $id) { id } }", {"id": global_id}
        )
        assert data["node"] is None
    data = await attacker.client.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": list(ids.values())}
    )
    assert data["nodes"] == [None] * len(ids)
    data = await attacker.client.data(SNAPSHOT, {"slug": owner.org_slug})
    assert data["organization"] is None
    # A deployment filter naming the victim's environment matches nothing of the attacker's.
    data = await attacker.client.data(
        "query($s: String!, $e: ID!) { organization(slug: $s) { projects { nodes { "
        "deployments(filter: {environmentId: [$e]}) { totalCount } } } } }",
        {"s": attacker.org_slug, "e": ids["environment"]},
    )
    projects = data["organization"]["projects"]["nodes"]
    assert projects and all(p["deployments"]["totalCount"] == 0 for p in projects)

    after = await owner.client.data(SNAPSHOT, {"slug": owner.org_slug})
    assert after == before
    # The victim's key still works (it was not revoked).
    assert (await owner.client.post(VIEWER)).status_code == 200


async def test_narrowed_key_still_sees_its_own_organization(victim, make_tenant, http):
    """The isolation above is not blanket denial: the owner reads its objects by id."""
    from tests.conftest import GraphQLClient

    owner, ids = victim
    narrow = assert_ok(
        await owner.client.mutate(KEY_CREATE, {"name": "n", "organizationId": owner.org_id})
    )
    client = GraphQLClient(http, narrow["secret"])
    data = await client.data("query($id: ID!) { node(id: $id) { id } }", {"id": ids["project"]})
    assert data["node"] == {"id": ids["project"]}
