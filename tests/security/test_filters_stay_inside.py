"""A list filter whose condition is an OR narrows its list; it never widens it past the
list's owner. (The compiled path once wrote a filter's OR unparenthesised after the
owner's condition: ``user_id = $2 AND revoked_at IS NULL AND expires_at IS NULL OR
expires_at > now()`` listed every user's expiring keys to any caller.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.helpers import assert_ok, create_project, unique
from tests.support.tenancy import INVITE, KEY_CREATE, bootstrap_key_for

LIVE_KEYS = "{ viewer { apiKeys(revoked: false, first: 100) { nodes { id name } } } }"
AUDIT = """query($slug: String!, $filter: AuditLogFilterInput) { organization(slug: $slug) {
  auditLogs(filter: $filter, first: 100) { nodes { id action } } } }"""


async def test_live_keys_are_the_callers_own(make_tenant):  # type: ignore[no-untyped-def]
    owner, other = await make_tenant("keys"), await make_tenant("keys")
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    expiring = assert_ok(await owner.client.mutate(KEY_CREATE, {"name": "exp", "expiresAt": soon}))
    for reader in (other.client, other.client.on_resolvers()):
        names = [k["name"] for k in (await reader.data(LIVE_KEYS))["viewer"]["apiKeys"]["nodes"]]
        assert names == ["bootstrap (mlgraph create-key)"]
    for reader in (owner.client, owner.client.on_resolvers()):
        ids = [k["id"] for k in (await reader.data(LIVE_KEYS))["viewer"]["apiKeys"]["nodes"]]
        assert expiring["apiKey"]["id"] in ids


async def test_an_audit_filter_by_action_or_prefix_stays_in_its_organization(make_tenant):  # type: ignore[no-untyped-def]
    first, second = await make_tenant("audit"), await make_tenant("audit")
    await create_project(first.client, first.org_id)
    await create_project(second.client, second.org_id)
    wanted = {"action": ["organization.create", "project.*"]}
    for tenant, foreign in ((first, second), (second, first)):
        mine = await tenant.client.data(AUDIT, {"slug": tenant.org_slug, "filter": wanted})
        everything = await foreign.client.data(AUDIT, {"slug": foreign.org_slug})
        foreign_ids = {e["id"] for e in everything["organization"]["auditLogs"]["nodes"]}
        entries = mine["organization"]["auditLogs"]["nodes"]
        assert entries and {e["action"] for e in entries} <= {
            "organization.create",
            "project.create",
        }
        assert not {e["id"] for e in entries} & foreign_ids


KEY_NODE = "query($id: ID!) { node(id: $id) { id ... on ApiKey { name } } }"


async def test_a_key_refetches_by_node_id_for_its_owner_alone(  # type: ignore[no-untyped-def]
    make_tenant, http, database_url
):
    """Every type implementing Node refetches by its id (its declaration registers it):
    an API key too, under the key's own rule — its owner's alone, even to an admin of
    the organization the key is limited to, and to another organization."""
    owner, other = await make_tenant("keys"), await make_tenant("keys")
    email = f"{unique('member')}@example.com"
    invite = {"organizationId": owner.org_id, "email": email, "role": "ADMIN"}
    assert_ok(await owner.client.mutate(INVITE, invite))
    member = await bootstrap_key_for(database_url, http, email)
    limited = {"name": "mine", "organizationId": owner.org_id}
    key = assert_ok(await owner.client.mutate(KEY_CREATE, limited))["apiKey"]
    for reader in (owner.client, owner.client.on_resolvers()):
        assert (await reader.data(KEY_NODE, {"id": key["id"]}))["node"] == {
            "id": key["id"],
            "name": "mine",
        }
    for reader in (member, member.on_resolvers(), other.client, other.client.on_resolvers()):
        assert (await reader.data(KEY_NODE, {"id": key["id"]}))["node"] is None
